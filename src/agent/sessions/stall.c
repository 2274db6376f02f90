/*
 * stall: working with no output (see stall.h).
 */
#include "agent/sessions/stall.h"

#include "agent/settings/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "proto/protocol.h"

/* The stall time of s in ms; 0: never. */
static long
stall_ms(const struct session *s)
{
	return s->rec.stall_ms >= 0 ? s->rec.stall_ms : s->set->cfg->stall_ms;
}

static void stall_check(lws_sorted_usec_list_t *sul);

static void
stall_arm(struct session *s, long ms)
{
	s->rec.stall_armed = 1;
	lws_sul_schedule(s->set->lws, 0, &s->rec.stall, stall_check,
			 (lws_usec_t)(ms > 0 ? ms : 1) * LWS_US_PER_MS);
}

/*
 * The check: the monitor reads the screen after each output, so the time
 * of its last read is the time of the last output.
 */
static void
stall_check(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.stall);
	long ms = stall_ms(s);
	uint64_t now = time_mono_us(), last = s->last_read_us;
	long silent;
	json_t *ev;

	s->rec.stall_armed = 0;
	if (ms <= 0 || !cm_state_is_busy(s->state) || s->pane_dead || s->killed)
		return;
	if (s->rec.stalled && last != s->rec.stalled_read_us)
		s->rec.stalled = 0; /* output came since: a new silence may be told */
	silent = last != 0 && now > last ? (long)((now - last) / 1000) : ms;
	if (s->rec.stalled || silent < ms) {
		stall_arm(s, s->rec.stalled ? ms : ms - silent);
		return;
	}
	s->rec.stalled = 1;
	s->rec.stalled_read_us = last;
	ev = json_object();
	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_SESSION_STALLED)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	json_object_set_new(ev, "state", json_string(cm_state_name(s->state)));
	json_object_set_new(ev, "silentMs", json_integer(silent));
	session_publish(s, ev, NULL);
	log_warn("%s: %s and silent for %ld ms", s->id, cm_state_name(s->state), silent);
	stall_arm(s, ms);
}

void
stall_on_state(struct session *s)
{
	long ms = stall_ms(s);

	if (ms <= 0 || !cm_state_is_busy(s->state)) {
		lws_sul_cancel(&s->rec.stall);
		s->rec.stall_armed = 0;
		s->rec.stalled = 0;
		return;
	}
	if (!s->rec.stall_armed)
		stall_arm(s, ms);
}
