/*
 * recover: restarts by policy (see recover.h).
 */
#include "agent/sessions/recover.h"

#include <stdlib.h>
#include <string.h>

#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "agent/sessions/resume.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "proto/message.h"
#include "proto/protocol.h"

#define RECOVER_DEAD_WAITS     10    /* looks for the death of a tool that said goodbye */
#define RECOVER_DEAD_WAIT_MS   500   /* between them */
#define RECOVER_RESUME_FAIL_MS 5000  /* a resumed tool ending sooner could not resume */
#define RECOVER_STABLE_MS      10000 /* a run this long ends a crash loop */

/* Still exited: is the process gone by now? */
static void
recover_dead_wait(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.timer);

	if (s->state == CM_STATE_EXITED && !s->killed && !s->set->stopping)
		recover_on_exit(s);
}

/* tmux's answer about the exit status of a dead pane. */
static void
recover_on_status(void *arg, int err, const char *body, size_t len)
{
	struct session_recovery *rec = arg;
	struct session *s = lws_container_of(rec, struct session, rec);

	(void)len;
	if (err == 0 && body != NULL && body[0] >= '0' && body[0] <= '9')
		s->exit_status = atoi(body);
	else if (rec->dead_waits < RECOVER_DEAD_WAITS) {
		/* Not known yet: look again shortly. */
		lws_sul_schedule(s->set->lws, 0, &rec->timer, recover_dead_wait,
				 (lws_usec_t)RECOVER_DEAD_WAIT_MS / 5 * LWS_US_PER_MS);
		return;
	}
	if (s->state == CM_STATE_EXITED && !s->killed && !s->set->stopping)
		recover_on_exit(s);
}

int
recover_policy(const struct session *s)
{
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;

	if (s->rec.restart >= 0)
		return s->rec.restart;
	return r ? (int)r->restart : RESTART_NEVER;
}

/* Why the tool of s ended, as session_recovered's reason. */
static const char *
recover_reason(const struct session *s)
{
	if (s->rule && strcmp(s->rule, "tmux-server-gone") == 0)
		return "tmux-server-gone";
	if (s->exit_status == 0)
		return "exited";
	/*
	 * No status from tmux (it may never have one): a tool that drew its own
	 * exit screen (a profile's exited rule, not tmux's pane-dead) ended as
	 * asked, not by a crash.
	 */
	if (s->exit_status < 0 && s->rule && strcmp(s->rule, "pane-dead") != 0)
		return "exited";
	return "crashed";
}

/* The backoff timer: start the tool again. */
static void
recover_fire(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.timer);
	int resumed = 0, rc;
	char **argv;
	json_t *ev;

	s->rec.pending = 0;
	if (s->killed || s->set->stopping || s->state != CM_STATE_EXITED || !s->pane_dead)
		return;
	if ((argv = resume_restart_argv(s, &resumed)) == NULL)
		return;
	s->rec.attempts++;
	s->rec.learning = 0;
	s->rec.resumed = resumed;
	s->rec.alive = 0;
	s->worked = 0; /* the turn the tool was on did not complete: no session_completed for it */
	s->task_unfinished = 0; /* nor for the old conversation's last turn, shown again */
	s->denied = 0;
	rc = session_restart(s, argv);
	profile_argv_free(argv);
	if (rc < 0) {
		log_warn("%s: cannot start the tool again: %s", s->id, cm_strerror(rc));
		recover_on_exit(s); /* the next attempt, later */
		return;
	}
	log_info("%s: tool started again (%s, attempt %u%s%s)", s->id, s->rec.reason,
		 s->rec.attempts, resumed ? ", resuming " : "", resumed ? s->rec.conv_id : "");
	ev = json_object();
	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_SESSION_RECOVERED)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	message_set_str(ev, "reason", s->rec.reason);
	json_object_set_new(ev, "attempt", json_integer(s->rec.attempts));
	if (resumed)
		message_set_str(ev, "conversationId", s->rec.conv_id);
	json_object_set_new(ev, "resumed", json_boolean(resumed));
	session_publish(s, ev, NULL);
	session_set_state(s, CM_STATE_STARTING, "recovering", NULL);
	session_save(s);
}

void
recover_on_exit(struct session *s)
{
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;
	int policy = recover_policy(s);
	const char *reason = recover_reason(s);
	unsigned delay;

	if (r == NULL || s->killed || s->rec.pending || policy == RESTART_NEVER)
		return;
	/*
	 * Only an ended process counts. A tool that printed its exit screen is
	 * still ending: look again shortly (tmux tells the pane's death on its
	 * one-second timer, and its status with it), a bounded number of times.
	 */
	if (!s->pane_dead) {
		if (s->rec.dead_waits++ < RECOVER_DEAD_WAITS)
			lws_sul_schedule(s->set->lws, 0, &s->rec.timer, recover_dead_wait,
					 (lws_usec_t)RECOVER_DEAD_WAIT_MS * LWS_US_PER_MS);
		return;
	}
	/*
	 * tmux may tell the pane's death before it has the status: ask again
	 * (a clean exit taken for a crash would undo a person's /exit).
	 */
	if (s->exit_status < 0 && s->cc != NULL && s->link == SESSION_LINK_UP &&
	    strcmp(reason, "tmux-server-gone") != 0) {
		if (s->rec.dead_waits++ < RECOVER_DEAD_WAITS &&
		    session_command(s, "display-message -p -- '#{pane_dead_status}'",
				    recover_on_status, &s->rec) == 0)
			return;
	}
	s->rec.dead_waits = 0;
	if (policy == RESTART_ON_FAILURE && strcmp(reason, "exited") == 0)
		return;
	/*
	 * A resumed tool that ended before it ever got to its input, or within
	 * seconds (its error message may look like a finished turn), could not
	 * resume (Claude Code writes its transcript a moment after a turn: a
	 * crash right after one leaves nothing to resume). The next start is
	 * a fresh one rather than the same failure max_attempts times.
	 */
	if (s->rec.resumed && !s->rec.resume_broken &&
	    (!s->rec.alive || time_wall() - s->rec.started < RECOVER_RESUME_FAIL_MS / 1000.0)) {
		log_warn("%s: the tool could not resume %s: starting it afresh", s->id,
			 s->rec.conv_id ? s->rec.conv_id : "its conversation");
		s->rec.resume_broken = 1;
	}
	/*
	 * A run that lasted is not part of a crash loop: count again. (At
	 * least RECOVER_STABLE_MS: tmux may take a second to tell a death.)
	 */
	if (s->rec.started > 0 &&
	    time_wall() - s->rec.started >
		(r->max_backoff_ms > RECOVER_STABLE_MS ? r->max_backoff_ms : RECOVER_STABLE_MS) /
		    1000.0)
		s->rec.attempts = 0;
	if (s->rec.attempts >= r->max_attempts) {
		log_warn("%s: the tool ended %u times in a row: left exited", s->id,
			 s->rec.attempts);
		return;
	}
	delay = r->backoff_ms;
	for (unsigned i = 0; i < s->rec.attempts && delay < r->max_backoff_ms; i++)
		delay *= 2;
	if (delay > r->max_backoff_ms)
		delay = r->max_backoff_ms;
	s->rec.reason = reason;
	s->rec.pending = 1;
	lws_sul_schedule(s->set->lws, 0, &s->rec.timer, recover_fire,
			 (lws_usec_t)delay * LWS_US_PER_MS);
	/* Saved before it is told: an agent that dies in the backoff leaves it to the next. */
	session_save(s);
	log_info("%s: tool %s: starting it again in %u ms", s->id, reason, delay);
}

void
recover_on_alive(struct session *s)
{
	s->rec.alive = 1;
	s->rec.dead_waits = 0;
	lws_sul_cancel(&s->rec.timer);
	if (s->rec.pending) {
		lws_sul_cancel(&s->rec.timer);
		s->rec.pending = 0;
	}
}
