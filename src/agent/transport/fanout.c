/*
 * fanout: events to every authenticated client (see fanout.h).
 */
#include "agent/transport/fanout.h"

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"

/* Queues an event to every authenticated client but the one it answers. */
void
conn_fanout(void *arg, const struct event *ev)
{
	struct agent *a = arg;
	uint64_t skip = req_wait_conn(ev->origin);
	struct conn *c;

	if (EVENT_IS_RECORD(ev))
		return;
	TAILQ_FOREACH (c, &a->conns, entry) {
		if (c->authed && (skip == 0 || c->id != skip))
			conn_send(c, ev->frame);
	}
}
