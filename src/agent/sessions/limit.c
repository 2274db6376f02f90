/*
 * limit: continuing after a usage limit (see limit.h).
 */
#include "agent/sessions/limit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "agent/sessions/typing.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "proto/message.h"
#include "proto/protocol.h"

/* 64-bit FNV-1a, continued from h. */
static uint64_t
limit_fnv(uint64_t h, const char *p)
{
	for (; p && *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * What the limit screen is, for "still the one seen": the rule and the
 * lines it matched on the screen as last read (a footer hint that comes
 * and goes does not count; a menu closed or a new message does). 0 if the
 * screen is not a usage limit any more.
 */
static uint64_t
limit_screen_id(const struct session *s, int *menu)
{
	const struct profile_recovery *rec;
	struct classify_result r;

	if (s->profile == NULL || s->screen == NULL ||
	    classify_screen(s->profile, s->screen, s->screen_len, &r) != 0 ||
	    r.state != CM_STATE_USAGE_LIMIT)
		return 0;
	/* The profile's dismiss rule: a menu over the input, to close first. */
	rec = profile_recovery(s->profile);
	if (menu != NULL)
		*menu = rec->dismiss_rule != NULL && strcmp(r.rule, rec->dismiss_rule) == 0;
	return limit_fnv(limit_fnv(1469598103934665603ull, r.rule), r.evidence);
}

/* Ends an attempt with its auto_continued event. */
static void
limit_outcome(struct session *s, const char *outcome, const char *text)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_AUTO_CONTINUED)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	message_set_str(ev, "outcome", outcome);
	if (s->rec.resets_at > 0)
		json_object_set_new(ev, "resetsAt", json_real(s->rec.resets_at));
	if (text)
		message_set_str(ev, "text", text);
	session_publish(s, ev, NULL);
	log_info("%s: auto-continue: %s", s->id, outcome);
	lws_sul_cancel(&s->rec.limit);
	/* Anything but success is a person's now, until the limit screen goes. */
	s->rec.limit_phase = strcmp(outcome, "continued") == 0 ? LIMIT_NONE : LIMIT_LEFT;
}

/* verify_ms after the continue text: still not working. */
static void
limit_verify_timer(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.limit);

	if (s->rec.limit_phase != LIMIT_VERIFYING || s->killed)
		return;
	if (s->state == CM_STATE_USAGE_LIMIT)
		limit_outcome(s, "still_limited", NULL);
	else
		limit_outcome(s, s->rec.limit_worked ? "continued" : "not_working", NULL);
}

/* The reset time (plus the spread) has come. */
static void
limit_reset_timer(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.limit);
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;
	const char *text = r ? r->continue_text : NULL;
	uint64_t id;
	int menu = 0;

	if (s->rec.limit_phase != LIMIT_WAITING || s->killed)
		return;
	if (s->rec.typed != s->rec.typed_at_limit) {
		limit_outcome(s, "typed", NULL); /* someone is at it: theirs */
		return;
	}
	if (s->state != CM_STATE_USAGE_LIMIT || (id = limit_screen_id(s, &menu)) == 0 ||
	    id != s->rec.limit_screen) {
		limit_outcome(s, "screen_changed", NULL);
		return;
	}
	/* A menu the tool drew over its input is closed first (Claude Code's). */
	if (menu)
		typing_start(s, NULL, 0, 0, r->dismiss_key, COMPLETION_NONE);
	if (typing_start(s, text, strlen(text), 1, NULL, COMPLETION_NONE) < 0) {
		limit_outcome(s, "not_typed", text);
		return;
	}
	log_info("%s: usage limit reset: typed \"%s\"", s->id, text);
	s->rec.limit_phase = LIMIT_VERIFYING;
	s->rec.limit_worked = 0;
	lws_sul_schedule(s->set->lws, 0, &s->rec.limit, limit_verify_timer,
			 (lws_usec_t)r->verify_ms * LWS_US_PER_MS);
}

/* A usage limit came on screen: arm the reset timer. */
static void
limit_seen(struct session *s)
{
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;
	double now = time_wall(), at;
	uint32_t spread = 0;

	if (r == NULL || r->continue_text == NULL) {
		limit_outcome(s, "no_continue_text", NULL);
		return;
	}
	if (s->rec.resets_at <= 0) {
		limit_outcome(s, "no_reset_time", NULL);
		return;
	}
	if (r->spread_ms > 0 && getrandom(&spread, sizeof spread, 0) == (ssize_t)sizeof spread)
		spread %= r->spread_ms + 1;
	else
		spread = 0;
	at = s->rec.resets_at - now;
	s->rec.limit_screen = limit_screen_id(s, NULL);
	s->rec.typed_at_limit = s->rec.typed;
	s->rec.limit_phase = LIMIT_WAITING;
	log_info("%s: usage limit until %.0f: continuing in %.0f s", s->id, s->rec.resets_at,
		 (at > 0 ? at : 0) + spread / 1000.0);
	lws_sul_schedule(s->set->lws, 0, &s->rec.limit, limit_reset_timer,
			 (lws_usec_t)((at > 0 ? at : 0) * LWS_US_PER_SEC) +
			     (lws_usec_t)spread * LWS_US_PER_MS);
}

void
limit_on_state(struct session *s)
{
	switch (s->rec.limit_phase) {
	case LIMIT_NONE:
		if (s->state == CM_STATE_USAGE_LIMIT && s->rec.auto_continue)
			limit_seen(s);
		break;
	case LIMIT_WAITING:
		if (s->state != CM_STATE_USAGE_LIMIT) { /* someone else dealt with it */
			lws_sul_cancel(&s->rec.limit);
			s->rec.limit_phase = LIMIT_NONE;
		}
		break;
	case LIMIT_VERIFYING:
		/*
		 * Working is not enough: a tool still limited starts the turn and
		 * shows the limit again. Back to usage_limit is a failure; a turn
		 * that ends, or work still going at verify_ms, a success.
		 */
		if (cm_state_is_busy(s->state))
			s->rec.limit_worked = 1;
		else if (s->state == CM_STATE_USAGE_LIMIT && s->rec.limit_worked)
			limit_outcome(s, "still_limited", NULL);
		else if (s->state == CM_STATE_DONE)
			limit_outcome(s, "continued", NULL);
		break;
	case LIMIT_LEFT: /* left to a person: until the limit screen goes */
		if (s->state != CM_STATE_USAGE_LIMIT)
			s->rec.limit_phase = LIMIT_NONE;
		break;
	}
}
