/*
 * monitor: debounced screen reads and the state machine (see monitor.h).
 */
#include "agent/sessions/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "agent/sessions/bus.h"
#include "agent/sessions/confirm.h"
#include "agent/sessions/metrics.h"
#include "agent/sessions/sessions.h"
#include "agent/sessions/typing.h"
#include "agent/settings/config.h"
#include "agent/tmux/link.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

#define MONITOR_DEBOUNCE_MAX_MS 50  /* longest delay while output floods */
#define MONITOR_STUCK_LINES	5   /* screen lines quoted by session_stuck */
#define MONITOR_STUCK_EVIDENCE	512 /* bytes of them, at most (with the NUL) */

static void monitor_read(struct session *s);

/*
 * Adapts the delay to the output: a read that follows the previous one
 * within about one delay means the output never paused (a build log, a
 * flood), so the delay doubles, up to MONITOR_DEBOUNCE_MAX_MS; a read after
 * a pause brings it back to debounce_ms. Tools that redraw a spinner
 * (every 100 ms or so) keep the short delay; a flood costs a screen read
 * every 50 ms instead of every 5.
 */
static void
monitor_adapt(struct session *s, uint64_t now)
{
	long base = s->set->cfg->debounce_ms;

	if (s->debounce_ms < base)
		s->debounce_ms = base;
	if (s->last_read_us != 0 &&
	    now - s->last_read_us < (uint64_t)(s->debounce_ms + base + 1) * 1000) {
		s->debounce_ms = s->debounce_ms * 2 + 1;
		if (s->debounce_ms > MONITOR_DEBOUNCE_MAX_MS)
			s->debounce_ms = MONITOR_DEBOUNCE_MAX_MS;
	} else {
		s->debounce_ms = base;
	}
	s->last_read_us = now;
}

/* The debounce timer fired. */
static void
monitor_timer(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, debounce);
	uint64_t now = time_mono_us();

	s->debounce_armed = 0;
	metrics_loop_lag(s->set->metrics, s->debounce_due_us, now);
	monitor_adapt(s, now);
	monitor_read(s);
}

/* Arms the debounce timer unless it is armed. */
static void
monitor_arm(struct session *s, long ms)
{
	if (s->debounce_armed)
		return;
	s->debounce_armed = 1;
	if (s->set->metrics != NULL)
		s->debounce_due_us = time_mono_us() + (uint64_t)ms * 1000;
	lws_sul_schedule(s->set->lws, 0, &s->debounce, monitor_timer,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}

/* Output arrived. */
void
monitor_on_output(struct session *s)
{
	if (s->output_us == 0 && s->set->metrics != NULL)
		s->output_us = time_mono_us();
	if (s->reading) {
		s->dirty = 1;
		return;
	}
	monitor_arm(s, s->debounce_ms > 0 ? s->debounce_ms : s->set->cfg->debounce_ms);
}

/* Schedules a read in ms milliseconds. */
void
monitor_schedule(struct session *s, long ms)
{
	monitor_arm(s, ms);
}

/*
 * Publishes session_stuck with the last lines of the screen as evidence:
 * the tool is still "starting" when its profile's ready timeout is over, so
 * no rule knows its screen (a new version, a first-run screen, a crash
 * message). Said once; the session keeps being watched.
 */
static void
monitor_ready_timer(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, ready_timer);
	char evidence[MONITOR_STUCK_EVIDENCE];
	const char *end, *b;
	size_t n = 0, len;
	json_t *ev;

	if (s->state != CM_STATE_STARTING || s->pane_dead || s->link != SESSION_LINK_UP)
		return;
	evidence[0] = '\0';
	if (s->screen != NULL) {
		/* The last MONITOR_STUCK_LINES non-blank lines. */
		end = s->screen + s->screen_len;
		while (end > s->screen && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		for (b = end; b > s->screen && n < MONITOR_STUCK_LINES; b--)
			if (b[-1] == '\n' && ++n == MONITOR_STUCK_LINES)
				break;
		len = (size_t)(end - b);
		if (len >= sizeof evidence) {
			/* Keep the end; start on a UTF-8 character boundary. */
			b = end - (sizeof evidence - 1);
			while (b < end && ((unsigned char)*b & 0xC0) == 0x80)
				b++;
			len = (size_t)(end - b);
		}
		memcpy(evidence, b, len);
		evidence[len] = '\0';
	}
	ev = json_object();
	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_SESSION_STUCK)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	json_object_set_new(ev, "state", json_string(cm_state_name(s->state)));
	json_object_set_new(ev, "waitedMs", json_integer(profile_ready_timeout_ms(s->profile)));
	json_object_set_new(ev, "evidence", json_stringn_nocheck(evidence, strlen(evidence)));
	bus_publish(&s->set->bus, ev, 0);
	log_warn("%s: still starting after %u ms: no rule of profile %s knows the screen", s->id,
		 profile_ready_timeout_ms(s->profile), profile_name(s->profile));
}

/* First read of a session. */
void
monitor_start(struct session *s)
{
	if (s->profile != NULL && profile_ready_timeout_ms(s->profile) > 0)
		lws_sul_schedule(s->set->lws, 0, &s->ready_timer, monitor_ready_timer,
				 (lws_usec_t)profile_ready_timeout_ms(s->profile) * LWS_US_PER_MS);
	monitor_arm(s, 0);
}

/* Stops the timer; replies in flight are dropped with the control client. */
void
monitor_stop(struct session *s)
{
	lws_sul_cancel(&s->debounce);
	lws_sul_cancel(&s->ready_timer);
	s->debounce_armed = 0;
	if (s->cc != NULL)
		s->set->link->cancel(s->cc, s);
	s->reading = 0;
}

/*
 * True if confirm has something to hear about a screen without a prompt: a
 * prompt on screen, an automatic answer waiting to be seen taken, or the
 * memory of the last one. Most screens are none of these, and then
 * reading them costs no call into confirm.
 */
static int
monitor_prompt_known(const struct session *s)
{
	return s->prompt.active || s->prompt.auto_ev != NULL || s->prompt.memory.last_fp != 0;
}

/* Applies a classification to the session's state machine. */
static void
monitor_apply(struct session *s, const struct classify_result *r)
{
	enum cm_state st = r->state;
	const char *rule = r->rule[0] ? r->rule : "fallback";
	long again = 0;

	/*
	 * A screen no rule knows, once the tool was past starting, is a frame
	 * caught mid-redraw (a resize, a full repaint): the state and the prompt
	 * hold until a rule matches again, so nothing flickers or is announced
	 * twice.
	 */
	if (r->rule[0] == '\0' && st == CM_STATE_STARTING && s->state != CM_STATE_STARTING &&
	    !s->pane_dead)
		return;
	/*
	 * A finished turn on screen while the task given at creation is not
	 * completed is that task done, though no busy screen was caught in
	 * between (a quick answer): the first idle screen, drawn before the
	 * tool submits its task, is not a finished turn.
	 */
	if (st == CM_STATE_DONE && s->task_unfinished)
		s->worked = 1;
	if (st == CM_STATE_IDLE && s->worked && s->denied) {
		/* Back at the input after a denial: the turn ended, nothing was done. */
		s->worked = 0;
		rule = "prompt-denied";
	} else if (st == CM_STATE_IDLE && s->worked)
		st = CM_STATE_DONE;
	if (s->state == CM_STATE_DONE && (st == CM_STATE_IDLE || st == CM_STATE_DONE))
		st = CM_STATE_DONE;
	if (st == CM_STATE_WAITING_CONFIRM && r->has_prompt)
		again = confirm_on_prompt(s, r);
	else if (monitor_prompt_known(s))
		confirm_prompt_gone(s);
	if (again > 0)
		monitor_schedule(s, again);
	if (cm_state_is_busy(st) || st == CM_STATE_IDLE || st == CM_STATE_DONE)
		s->denied = 0;
	session_set_state(s, st, rule, r->evidence);
	if (s->task_pending && s->profile && profile_ready_state(s->profile, st)) {
		/* The profile takes the task as keys: type it now that the tool is ready. */
		s->task_pending = 0;
		log_info("%s: tool ready, typing the task", s->id);
		typing_start(s, s->task, strlen(s->task), 1, NULL, COMPLETION_NONE);
	}
}

/*
 * A read ended: if the state changed, the time since the output that began
 * the change is the state-event latency. Output that came during the read
 * starts the next measure.
 */
static void
monitor_count_latency(struct session *s, enum cm_state before)
{
	uint64_t now;

	if (s->set->metrics == NULL)
		return;
	now = time_mono_us();
	if (s->state != before && s->output_us != 0 && now > s->output_us)
		metrics_observe(&s->set->metrics->state_latency,
				(double)(now - s->output_us) / 1e6);
	s->output_us = s->dirty ? now : 0;
}

/* Second reply: pane_dead and its status; then classify the screen. */
static void
monitor_on_dead(void *arg, int err, const char *body, size_t len)
{
	struct session *s = arg;
	struct classify_result r;
	int dead = 0, status = -1;
	enum cm_state before = s->state;

	(void)len;
	s->reading = 0;
	if (err == 0 && body) {
		char tail[32] = "";

		if (sscanf(body, "%d %31s", &dead, tail) >= 1 && tail[0])
			status = atoi(tail);
	}
	if (dead) {
		s->pane_dead = 1;
		if (status >= 0)
			s->exit_status = status;
		confirm_prompt_gone(s);
		session_set_state(s, CM_STATE_EXITED, "pane-dead", NULL);
	} else if (s->profile != NULL && s->screen != NULL) {
		classify_screen(s->profile, s->screen, s->screen_len, &r);
		monitor_apply(s, &r);
	}
	monitor_count_latency(s, before);
	if (s->dirty) {
		s->dirty = 0;
		monitor_arm(s, s->debounce_ms > 0 ? s->debounce_ms : s->set->cfg->debounce_ms);
	}
}

/* First reply: the screen as text. */
static void
monitor_on_screen(void *arg, int err, const char *body, size_t len)
{
	struct session *s = arg;

	if (err < 0)
		return;
	free(s->screen);
	s->screen = xmemdup(body, len + 1);
	s->screen_len = len;
}

/* Reads the screen and the pane's liveness. */
static void
monitor_read(struct session *s)
{
	static const char fmt[] = "#{pane_dead} #{pane_dead_status}";
	struct buf cmd;

	/* Only a dead pane stops the reads: an "exited" screen may be a false alarm. */
	if (s->link != SESSION_LINK_UP || s->pane_dead)
		return;
	if (s->reading) {
		s->dirty = 1;
		return;
	}
	buf_init(&cmd, 128);
	buf_append_str(&cmd, "display-message -p -- ");
	tmuxcc_quote(&cmd, fmt, sizeof fmt - 1);
	if (session_command(s, "capture-pane -p", monitor_on_screen, s) == 0 &&
	    session_command(s, cmd.data, monitor_on_dead, s) == 0)
		s->reading = 1;
	else if (s->cc != NULL)
		s->set->link->cancel(s->cc, s);
	buf_release(&cmd);
}
