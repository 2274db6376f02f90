/*
 * gate: connections not yet authenticated, bounded (see gate.h).
 */
#include "agent/transport/gate.h"

#include <libwebsockets.h>
#include <stdio.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"

struct gate_entry {
	struct lws *wsi; /* NULL: free */
	double since;	 /* wall time it was accepted */
};

static struct gate_entry gate[GATE_MAX];
static lws_sorted_usec_list_t gate_sul;
static int gate_armed;

/* Closes a connection from outside its callbacks and forgets it. */
static void
gate_drop(struct gate_entry *e)
{
	lws_set_timeout(e->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	e->wsi = NULL;
}

/* Closes the connections that took too long; runs every second while any waits. */
static void
gate_timer(lws_sorted_usec_list_t *sul)
{
	struct agent *a = agent_self;
	double now = time_wall();
	int any = 0;

	(void)sul;
	gate_armed = 0;
	for (size_t i = 0; i < GATE_MAX; i++) {
		if (gate[i].wsi == NULL)
			continue;
		if (now - gate[i].since > GATE_TIMEOUT) {
			log_debug("closing a connection that did not authenticate in %d s",
				  GATE_TIMEOUT);
			gate_drop(&gate[i]);
		} else {
			any = 1;
		}
	}
	if (any && a->lws != NULL) {
		gate_armed = 1;
		lws_sul_schedule(a->lws, 0, &gate_sul, gate_timer, LWS_US_PER_SEC);
	}
}

void
gate_admit(struct agent *a, struct lws *wsi)
{
	struct gate_entry *slot = NULL, *oldest = NULL;

	for (size_t i = 0; i < GATE_MAX && slot == NULL; i++) {
		if (gate[i].wsi == NULL)
			slot = &gate[i];
		else if (oldest == NULL || gate[i].since < oldest->since)
			oldest = &gate[i];
	}
	if (slot == NULL)
		slot = oldest;
	if (slot->wsi != NULL) {
		static double last_said;
		double now = time_wall();

		if (now - last_said > 10) {
			log_warn("%d connections wait to authenticate: closing the oldest",
				 GATE_MAX);
			last_said = now;
		}
		gate_drop(slot);
	}
	slot->wsi = wsi;
	slot->since = time_wall();
	if (!gate_armed) {
		gate_armed = 1;
		lws_sul_schedule(a->lws, 0, &gate_sul, gate_timer, LWS_US_PER_SEC);
	}
}

void
gate_forget(struct lws *wsi)
{
	for (size_t i = 0; i < GATE_MAX; i++)
		if (gate[i].wsi == wsi)
			gate[i].wsi = NULL;
}

size_t
gate_authed_count(const struct agent *a)
{
	const struct conn *c;
	size_t n = 0;

	TAILQ_FOREACH (c, &a->conns, entry)
		n += c->authed && c->wsi != NULL;
	return n;
}

int
gate_authenticated(struct agent *a, struct conn *c)
{
	if (gate_authed_count(a) >= (size_t)a->cfg.max_clients) {
		char msg[96];

		log_warn("refusing client %llu: %ld clients authenticated (max_clients)",
			 (unsigned long long)c->id, a->cfg.max_clients);
		snprintf(msg, sizeof msg, "too many clients (max_clients %ld)", a->cfg.max_clients);
		conn_error(c, PROTO_ERR_LIMIT_REACHED, msg, NULL, NULL,
			   LWS_CLOSE_STATUS_POLICY_VIOLATION);
		return -1;
	}
	gate_forget(c->wsi);
	return 0;
}

void
gate_release(struct agent *a)
{
	if (a->lws != NULL)
		lws_sul_schedule(a->lws, 0, &gate_sul, gate_timer, LWS_SET_TIMER_USEC_CANCEL);
	gate_armed = 0;
	for (size_t i = 0; i < GATE_MAX; i++)
		gate[i].wsi = NULL;
}
