/*
 * watch: state changes, from the bus to the recovery watches (see watch.h).
 */
#include "agent/sessions/watch.h"

#include "agent/sessions/limit.h"
#include "agent/sessions/recover.h"
#include "agent/sessions/resume.h"
#include "agent/sessions/sink.h"
#include "agent/sessions/stall.h"
#include "common/log.h"
#include "proto/protocol.h"

/* The next loop turn after a state change of s. */
static void
watch_run(lws_sorted_usec_list_t *sul)
{
	struct session *s = lws_container_of(sul, struct session, rec.watch);

	if (s->killed || s->set->stopping)
		return;
	if (cm_state_is_busy(s->state) && !s->rec.conv_started) {
		s->rec.conv_started = 1; /* from now on there is a conversation to resume */
		session_save(s);
	}
	if (s->state == CM_STATE_EXITED)
		recover_on_exit(s);
	else if (s->state != CM_STATE_STARTING)
		recover_on_alive(s);
	if (cm_state_is_busy(s->state) || s->state == CM_STATE_DONE || s->state == CM_STATE_IDLE)
		resume_learn(s);
	stall_on_state(s);
	limit_on_state(s);
}

/* Every event: a state change of a session schedules its watches. */
static void
watch_sink(void *arg, const struct event *ev)
{
	struct sessions *set = arg;
	struct session *s;

	if (ev->msg != PROTO_MSG_STATE_CHANGE || ev->session == NULL)
		return;
	if ((s = session_find(set, ev->session)) == NULL || set->lws == NULL)
		return;
	lws_sul_schedule(set->lws, 0, &s->rec.watch, watch_run, 1);
}

int
watch_start(struct sessions *set)
{
	static const int only[] = {PROTO_MSG_STATE_CHANGE, SINK_END};

	return bus_add_sink_for(&set->bus, "recovery", only, watch_sink, set);
}
