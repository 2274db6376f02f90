/*
 * confirm: auto-confirm glue and person answers (see confirm.h).
 */
#include "agent/sessions/confirm.h"

#include <stdlib.h>
#include <string.h>

#include "agent/screen/autoconfirm.h"
#include "agent/screen/classify.h"
#include "agent/screen/keys.h"
#include "agent/screen/profile.h"
#include "agent/sessions/bus.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/sessions.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define CONFIRM_MIN_INTERVAL_MS 300 /* least time between two auto-answers */

static void confirm_report_auto(struct session *s, int took);

/* Forgets the prompt of s. */
static void
confirm_clear(struct session *s)
{
	free(s->prompt.text);
	free(s->prompt.command);
	free(s->prompt.reason);
	json_decref(s->prompt.options);
	s->prompt.text = s->prompt.command = s->prompt.reason = NULL;
	s->prompt.options = NULL;
	s->prompt.active = 0;
	s->prompt.announced = 0;
	s->prompt.fp = 0;
	s->prompt.fingerprint[0] = '\0';
}

/* No prompt on screen any more. */
void
confirm_prompt_gone(struct session *s)
{
	confirm_report_auto(s, 1); /* the tool took the automatic answer */
	if (s->prompt.active)
		confirm_clear(s);
	/* The same question asked again later is a new prompt (a new task). */
	s->prompt.memory.last_fp = 0;
}

/* Copies a classified prompt into the session. */
static void
confirm_store(struct session *s, const struct classify_result *r)
{
	const struct classify_prompt *p = &r->prompt;

	confirm_clear(s);
	s->prompt.active = 1;
	s->prompt.fp = p->fingerprint;
	classify_fingerprint_hex(p->fingerprint, s->prompt.fingerprint);
	s->prompt.text = xstrdup(p->question);
	s->prompt.command = xstrdup(p->body);
	s->prompt.options = json_array();
	for (size_t i = 0; i < p->n_options; i++)
		json_array_append_new(s->prompt.options, json_string(p->options[i]));
}

/* Builds a prompt event of a type for s. */
static json_t *
confirm_event(struct session *s, const char *type)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string(type));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	message_set_str(ev, "prompt", s->prompt.text);
	message_set_str(ev, "command", s->prompt.command);
	json_object_set(ev, "options", s->prompt.options ? s->prompt.options : json_array());
	json_object_set_new(ev, "fingerprint", json_string(s->prompt.fingerprint));
	return ev;
}

/*
 * Publishes the held auto_confirmed of s, saying whether the tool took the
 * answer (the prompt went away) and after how many attempts.
 */
static void
confirm_report_auto(struct session *s, int took)
{
	json_t *ev = s->prompt.auto_ev;

	if (ev == NULL)
		return;
	s->prompt.auto_ev = NULL;
	json_object_set_new(ev, "tookEffect", json_boolean(took));
	/* Logged first: bus_publish takes ev (the audit sink records it). */
	log_info("%s: auto-confirmed \"%s\" with %s: %s after %lld attempt(s)", s->id,
		 json_string_value(json_object_get(ev, "prompt")),
		 json_string_value(json_object_get(ev, "answer")), took ? "taken" : "NOT taken",
		 (long long)json_integer_value(json_object_get(ev, "attempts")));
	bus_publish(&s->set->bus, ev, 0);
}

/* True if the held auto_confirmed of s is about the prompt with hex fingerprint fp. */
static int
confirm_auto_held_for(struct session *s, const char *fp)
{
	const char *held;

	if (s->prompt.auto_ev == NULL || fp == NULL)
		return 0;
	held = json_string_value(json_object_get(s->prompt.auto_ev, "fingerprint"));
	return held != NULL && strcmp(held, fp) == 0;
}

/* Publishes confirm_needed once for the current prompt. */
static void
confirm_ask_person(struct session *s, const char *reason)
{
	json_t *ev;

	free(s->prompt.reason);
	s->prompt.reason = xstrdup(reason);
	if (s->prompt.announced)
		return;
	s->prompt.announced = 1;
	ev = confirm_event(s, proto_msg_name(PROTO_MSG_CONFIRM_NEEDED));
	message_set_str(ev, "reason", reason);
	bus_publish(&s->set->bus, ev, 0);
	log_info("%s: prompt waits for a person: %s", s->id, reason);
}

/* Joins keys for events and logs ("1", "Escape"). */
static void
confirm_keys_text(char keys[][PROFILE_MAX_KEY], size_t n, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, keys[i], size - strlen(out) - 1);
	}
}

/* Sends each key of keys as its own send-keys command for op. */
static int
confirm_send_keys(struct session_op *op, char keys[][PROFILE_MAX_KEY], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf cmd;
		int rc;

		buf_init(&cmd, 128);
		if (keys_cmd_key(&cmd, keys[i]) < 0) {
			buf_release(&cmd);
			session_op_fail(op, CM_EINTERNAL, "the profile names a key tmux refuses");
			return CM_EINVAL;
		}
		rc = session_op_command(op, cmd.data);
		buf_release(&cmd);
		if (rc < 0)
			return rc;
		op->step++;
	}
	return 0;
}

/*
 * The steps of an answer (op->arg1: 1 approve / 0 deny; op->arg2: 0 for a
 * person's answer, else the attempt of an auto-answer (1, 2); op->text: the
 * expected fingerprint or NULL):
 *   person: read screen -> classify, check -> keys -> report.
 *   auto:   settle -> read screen -> classify, check -> keys -> verify
 *           (prompt gone: report taken; still there: once more from the keys,
 *           then report not taken and ask a person).
 */
static void confirm_step_verify(struct session_op *op, int err, const char *body, size_t len);
static void confirm_step_screen(struct session_op *op, int err, const char *body, size_t len);

/* Keys were pressed: report (and for auto-answers, schedule the check). */
static void
confirm_step_sent(struct session_op *op, int err, const char *body, size_t len)
{
	struct session *s = op->s;
	json_t *ev, *r;

	(void)len;
	if (err < 0) {
		s->prompt.answering = 0;
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	if (--op->step > 0)
		return; /* more send-keys replies to come */
	s->prompt.answering = 0;
	if (op->arg2) {
		/*
		 * Held until the tool is seen taking the answer (the monitor sees
		 * the prompt go: confirm_prompt_gone) or the check below.
		 */
		ev = confirm_event(s, proto_msg_name(PROTO_MSG_AUTO_CONFIRMED));
		message_set_str(ev, "answer", op->pending);
		json_object_set_new(ev, "attempts", json_integer(op->arg2));
		json_decref(s->prompt.auto_ev);
		s->prompt.auto_ev = ev;
		log_info("%s: answered \"%s\" with %s (attempt %ld)", s->id, s->prompt.text,
			 op->pending, op->arg2);
		op->step_fn = confirm_step_verify;
		session_op_pause(op, CONFIRM_VERIFY_MS);
		return;
	}
	ev = confirm_event(s, proto_msg_name(PROTO_MSG_PROMPT_ANSWERED));
	json_object_set_new(ev, "approve", json_boolean(op->arg1));
	message_set_str(ev, "keys", op->pending);
	json_object_set_new(ev, "by", json_string("client"));
	if (op->who != NULL)
		message_set_str(ev, "client", op->who);
	bus_publish(&s->set->bus, ev, 0);
	if (!op->arg1)
		s->denied = 1; /* the tool's next idle screen is not a finished task */
	r = json_object();
	json_object_set_new(r, "sessionId", json_string(s->id));
	json_object_set_new(r, "approve", json_boolean(op->arg1));
	message_set_str(r, "keys", op->pending);
	session_op_finish(op, r);
	json_decref(r);
}

/* The screen was read: decide, then press the keys. */
static void
confirm_step_screen(struct session_op *op, int err, const char *body, size_t len)
{
	struct session *s = op->s;
	struct classify_result *r;
	struct autoconfirm_decision d;
	char fp[17], keys_text[96];

	if (err < 0) {
		s->prompt.answering = 0;
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	r = xmalloc(sizeof *r);
	if (s->profile == NULL || classify_screen(s->profile, body, len, r) < 0 ||
	    r->state != CM_STATE_WAITING_CONFIRM || !r->has_prompt) {
		free(r);
		s->prompt.answering = 0;
		if (op->arg2) {
			session_op_free(op); /* the prompt went away by itself */
			return;
		}
		session_op_fail(op, CM_ENOPROMPT, "no prompt is on the screen");
		return;
	}
	classify_fingerprint_hex(r->prompt.fingerprint, fp);
	if (op->text != NULL && strcmp(op->text, fp) != 0) {
		free(r);
		s->prompt.answering = 0;
		if (op->arg2)
			session_op_free(op);
		else
			session_op_fail(op, CM_EPROMPTCHANGED,
					"the prompt on screen is not the one expected");
		return;
	}
	if (op->arg2) {
		/* Auto: the policy is asked again on the fresh screen. */
		autoconfirm_decide(r, s->path, s->set->danger, &d);
		if (d.action != AUTOCONFIRM_ANSWER) {
			free(r);
			s->prompt.answering = 0;
			confirm_ask_person(s, d.why);
			session_op_free(op);
			return;
		}
		autoconfirm_memory_note(&s->prompt.memory, r->prompt.fingerprint,
					(int64_t)time_mono_ms());
		confirm_keys_text(d.keys, d.n_keys, keys_text, sizeof keys_text);
		op->pending = xstrdup(keys_text);
		op->step = 0;
		op->step_fn = confirm_step_sent;
		free(r);
		confirm_send_keys(op, d.keys, d.n_keys);
		return;
	}
	if ((op->arg1 ? r->prompt.n_yes : r->prompt.n_no) == 0) {
		free(r);
		s->prompt.answering = 0;
		session_op_fail(op, CM_EINTERNAL, "the profile gives no keys for this answer");
		return;
	}
	if (op->arg1)
		confirm_keys_text(r->prompt.yes, r->prompt.n_yes, keys_text, sizeof keys_text);
	else
		confirm_keys_text(r->prompt.no, r->prompt.n_no, keys_text, sizeof keys_text);
	op->pending = xstrdup(keys_text);
	op->step = 0;
	op->step_fn = confirm_step_sent;
	if (op->arg1)
		confirm_send_keys(op, r->prompt.yes, r->prompt.n_yes);
	else
		confirm_send_keys(op, r->prompt.no, r->prompt.n_no);
	free(r);
}

/* The screen after an auto-answer: taken, once more, or a person's turn. */
static void
confirm_step_recheck(struct session_op *op, int err, const char *body, size_t len)
{
	struct session *s = op->s;
	struct classify_result *r;
	char fp[17];
	int still = 0;

	if (err == 0 && s->profile != NULL) {
		r = xmalloc(sizeof *r);
		if (classify_screen(s->profile, body, len, r) == 0 &&
		    r->state == CM_STATE_WAITING_CONFIRM && r->has_prompt) {
			classify_fingerprint_hex(r->prompt.fingerprint, fp);
			still = strcmp(fp, op->text) == 0;
		}
		free(r);
	}
	if (!confirm_auto_held_for(s, op->text)) {
		session_op_free(op); /* reported meanwhile */
		return;
	}
	if (!still) {
		confirm_report_auto(s, 1);
		session_op_free(op);
		return;
	}
	if (op->arg2 < CONFIRM_ATTEMPTS && !s->prompt.answering) {
		/* The key was lost (a tool that drops keys while it draws): once more. */
		op->arg2++;
		free(op->pending);
		op->pending = NULL;
		s->prompt.answering = 1;
		confirm_step_screen(op, 0, body, len);
		return;
	}
	confirm_report_auto(s, 0);
	if (s->prompt.active && strcmp(s->prompt.fingerprint, op->text) == 0)
		confirm_ask_person(s, "the automatic answer did not take effect");
	session_op_free(op);
}

/* CONFIRM_VERIFY_MS after an auto-answer: unless already seen taken, look. */
static void
confirm_step_verify(struct session_op *op, int err, const char *body, size_t len)
{
	(void)err;
	(void)body;
	(void)len;
	if (!confirm_auto_held_for(op->s, op->text)) {
		session_op_free(op);
		return;
	}
	op->step_fn = confirm_step_recheck;
	session_op_command(op, "capture-pane -p");
}

/* The prompt has had its settle time: read it again and answer. */
static void
confirm_step_settled(struct session_op *op, int err, const char *body, size_t len)
{
	(void)err;
	(void)body;
	(void)len;
	op->step_fn = confirm_step_screen;
	if (session_op_command(op, "capture-pane -p") < 0)
		op->s->prompt.answering = 0;
}

/* Starts an answer op; returns it, or NULL if it already failed. */
static struct session_op *
confirm_start(struct session *s, struct completion done, int approve, int automatic,
	      const char *expected_fp)
{
	struct session_op *op = session_op_new(s, done, confirm_step_screen);

	op->arg1 = approve;
	op->arg2 = automatic ? 1 : 0;
	op->text = expected_fp ? xstrdup(expected_fp) : NULL;
	s->prompt.answering = 1;
	if (automatic && s->profile != NULL && profile_settle_ms(s->profile) > 0) {
		/*
		 * Some tools drop a key that comes while they are still drawing the
		 * prompt (Codex, on the first approval of a session): let it settle.
		 */
		op->step_fn = confirm_step_settled;
		session_op_pause(op, profile_settle_ms(s->profile));
		return op;
	}
	if (session_op_command(op, "capture-pane -p") < 0) {
		s->prompt.answering = 0;
		return NULL;
	}
	return op;
}

/* The monitor saw a prompt. */
long
confirm_on_prompt(struct session *s, const struct classify_result *r)
{
	struct autoconfirm_decision d;
	int rc;

	if (s->prompt.active && s->prompt.fp == r->prompt.fingerprint)
		return 0;	   /* already decided about this one */
	confirm_report_auto(s, 1); /* another prompt: the last answer was taken */
	confirm_store(s, r);
	if (s->prompt.answering)
		return 0;
	autoconfirm_decide(r, s->path, s->set->danger, &d);
	if (d.action == AUTOCONFIRM_ANSWER && s->auto_confirm) {
		rc = autoconfirm_memory_check(&s->prompt.memory, r->prompt.fingerprint,
					      (int64_t)time_mono_ms(), CONFIRM_MIN_INTERVAL_MS);
		if (rc == 0) {
			confirm_start(s, COMPLETION_NONE, 1, 1, s->prompt.fingerprint);
			return 0;
		}
		if (rc == CM_ERATE) {
			/* Too soon after the last answer: decide again a little later. */
			confirm_clear(s);
			return CONFIRM_MIN_INTERVAL_MS;
		}
		confirm_ask_person(s, "this prompt was already answered automatically once");
		return 0;
	}
	if (d.action == AUTOCONFIRM_ANSWER)
		confirm_ask_person(s, "auto-confirm is off for this session");
	else
		confirm_ask_person(s, d.why);
	return 0;
}

/* A client answers the prompt. */
void
confirm_request(struct session *s, struct completion done, int approve, const char *expected_fp,
		const char *who)
{
	struct session_op *op = confirm_start(s, done, approve, 0, expected_fp);

	if (op != NULL && who != NULL)
		op->who = xstrdup(who);
}
