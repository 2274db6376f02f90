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

/* 64-bit FNV-1a of the screen as last read. */
static uint64_t
stall_screen_hash(const struct session *s)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; s->screen && i < s->screen_len; i++) {
		h ^= (unsigned char)s->screen[i];
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * Notes when the screen last changed. The monitor reads the screen after
 * each output (and at a few other times), so "no output" is "the screen as
 * read did not change": a read for another reason does not end a silence.
 */
static void
stall_track(struct session *s, uint64_t now)
{
	uint64_t h = stall_screen_hash(s);

	if (h != s->rec.stall_hash || s->rec.stall_since == 0) {
		s->rec.stall_hash = h;
		s->rec.stall_since = s->last_read_us ? s->last_read_us : now;
		s->rec.stalled = 0; /* output came: a new silence may be told */
	}
}

static void
stall_check(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.stall);
	long ms = stall_ms(s);
	uint64_t now = time_mono_us();
	long silent;
	json_t *ev;

	s->rec.stall_armed = 0;
	if (ms <= 0 || !cm_state_is_busy(s->state) || s->pane_dead || s->killed)
		return;
	stall_track(s, now);
	silent = now > s->rec.stall_since ? (long)((now - s->rec.stall_since) / 1000) : 0;
	if (s->rec.stalled || silent < ms) {
		stall_arm(s, s->rec.stalled ? ms : ms - silent);
		return;
	}
	s->rec.stalled = 1;
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
		s->rec.stall_since = 0;
		return;
	}
	stall_track(s, time_mono_us());
	if (!s->rec.stall_armed)
		stall_arm(s, ms);
}
