/*
 * autoconfirm: the auto-answer policy (see autoconfirm.h).
 *
 * The order of the checks is the order of trust: no prompt -> nothing;
 * prompt not read completely -> a person; danger rule -> a person (even when
 * the profile says answerable: a profile cannot switch danger rules off);
 * not answerable -> a person; else the profile's "yes" keys.
 */
#include "agent/screen/autoconfirm.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

/* Cuts an incomplete UTF-8 sequence left at the end of s by truncation. */
static void
autoconfirm_fix_utf8(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && len - i < 3)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0xc0)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Stable name of a reason. */
const char *
autoconfirm_reason_name(enum autoconfirm_reason reason)
{
	switch (reason) {
	case AUTOCONFIRM_R_NO_PROMPT:
		return "no_prompt";
	case AUTOCONFIRM_R_SAFE:
		return "safe";
	case AUTOCONFIRM_R_DANGER:
		return "danger";
	case AUTOCONFIRM_R_NOT_ANSWERABLE:
		return "not_answerable";
	case AUTOCONFIRM_R_UNKNOWN_PROMPT:
		return "unknown_prompt";
	}
	return "unknown";
}

/* Decides whether to answer a classified prompt. */
int
autoconfirm_decide(const struct classify_result *r, const char *session_dir,
		   const struct danger_rules *extra, struct autoconfirm_decision *out)
{
	const struct classify_prompt *pr;
	const struct danger_rules *own;
	struct danger_hit hit;

	if (r == NULL || out == NULL)
		return CM_EINVAL;
	memset(out, 0, sizeof(*out));
	if (r->state != CM_STATE_WAITING_CONFIRM || !r->has_prompt) {
		out->action = AUTOCONFIRM_NONE;
		out->reason = AUTOCONFIRM_R_NO_PROMPT;
		snprintf(out->why, sizeof(out->why), "no prompt (state %s)",
			 cm_state_name(r->state));
		return 0;
	}
	pr = &r->prompt;
	out->fingerprint = pr->fingerprint;
	out->action = AUTOCONFIRM_ASK_PERSON;
	if (!pr->known || pr->body[0] == '\0') {
		out->reason = AUTOCONFIRM_R_UNKNOWN_PROMPT;
		snprintf(out->why, sizeof(out->why), "unknown prompt (rule %s)",
			 r->rule[0] ? r->rule : "-");
		return 0;
	}
	own = r->profile ? profile_danger(r->profile) : NULL;
	if (danger_check(pr->body, pr->kind, session_dir, own, extra, &hit)) {
		out->reason = AUTOCONFIRM_R_DANGER;
		snprintf(out->danger_rule, sizeof(out->danger_rule), "%s", hit.rule);
		snprintf(out->why, sizeof(out->why), "danger rule %s: %s", hit.rule, hit.match);
		autoconfirm_fix_utf8(out->why);
		return 0;
	}
	if (!pr->answerable) {
		out->reason = AUTOCONFIRM_R_NOT_ANSWERABLE;
		snprintf(out->why, sizeof(out->why), "not answerable (rule %s): %.300s", r->rule,
			 pr->question);
		autoconfirm_fix_utf8(out->why);
		return 0;
	}
	if (pr->n_yes == 0) {
		out->reason = AUTOCONFIRM_R_UNKNOWN_PROMPT;
		snprintf(out->why, sizeof(out->why), "no yes keys (rule %s)", r->rule);
		return 0;
	}
	out->action = AUTOCONFIRM_ANSWER;
	out->reason = AUTOCONFIRM_R_SAFE;
	memcpy(out->keys, pr->yes, sizeof(out->keys));
	out->n_keys = pr->n_yes;
	snprintf(out->why, sizeof(out->why), "safe (rule %s): %.300s", r->rule, pr->question);
	autoconfirm_fix_utf8(out->why);
	return 0;
}

/* May the prompt fp be answered now? */
int
autoconfirm_memory_check(const struct autoconfirm_memory *m, uint64_t fp, int64_t now_ms,
			 int64_t min_interval_ms)
{
	if (!m->answered)
		return 0;
	if (m->last_fp == fp)
		return CM_EEXIST;
	if (now_ms - m->last_ms < min_interval_ms)
		return CM_ERATE;
	return 0;
}

/* Records an answer. */
void
autoconfirm_memory_note(struct autoconfirm_memory *m, uint64_t fp, int64_t now_ms)
{
	m->last_fp = fp;
	m->last_ms = now_ms;
	m->answered = 1;
}
