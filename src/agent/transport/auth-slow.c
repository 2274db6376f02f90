/*
 * auth-slow: late auth_failed replies (see auth-slow.h).
 */
#include "agent/transport/auth-slow.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <sys/queue.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

struct auth_wait {
	TAILQ_ENTRY(auth_wait) entry; /* in auth_waits */
	uint64_t conn;		      /* connection number (it may close meanwhile) */
	json_t *id;		      /* request id of the auth message, or NULL */
	double due;		      /* wall time of the answer */
};

static TAILQ_HEAD(, auth_wait) auth_waits = TAILQ_HEAD_INITIALIZER(auth_waits);
static lws_sorted_usec_list_t auth_sul;

static void auth_slow_timer(lws_sorted_usec_list_t *sul);

/* Arms the timer for the earliest entry. */
static void
auth_slow_arm(struct agent *a)
{
	struct auth_wait *w;
	double first = 0, now = time_wall();

	TAILQ_FOREACH (w, &auth_waits, entry)
		if (first == 0 || w->due < first)
			first = w->due;
	if (first == 0) {
		lws_sul_schedule(a->lws, 0, &auth_sul, auth_slow_timer, LWS_SET_TIMER_USEC_CANCEL);
		return;
	}
	lws_sul_schedule(a->lws, 0, &auth_sul, auth_slow_timer,
			 first > now ? (lws_usec_t)((first - now) * LWS_US_PER_SEC) : 1);
}

/* Answers every entry that is due. */
static void
auth_slow_timer(lws_sorted_usec_list_t *sul)
{
	struct agent *a = agent_self;
	struct auth_wait *w, *next;
	double now = time_wall();

	(void)sul;
	for (w = TAILQ_FIRST(&auth_waits); w != NULL; w = next) {
		struct conn *c;

		next = TAILQ_NEXT(w, entry);
		if (w->due > now)
			continue;
		TAILQ_REMOVE(&auth_waits, w, entry);
		if ((c = conn_find(a, w->conn)) != NULL)
			conn_error(c, PROTO_ERR_AUTH_FAILED, "authentication failed", NULL, w->id,
				   LWS_CLOSE_STATUS_POLICY_VIOLATION);
		json_decref(w->id);
		free(w);
	}
	auth_slow_arm(a);
}

void
auth_slow_fail(struct conn *c, const json_t *id)
{
	struct agent *a = c->agent;
	double now = time_wall(), delay;
	struct auth_wait *w;

	if (c->auth_held)
		return; /* one answer per connection: the entries stay bounded */
	c->auth_held = 1;
	delay = auth_failed(&a->auth, now);
	log_warn("client %llu (%s): wrong token; answered in %.2f s", (unsigned long long)c->id,
		 c->peer, delay);
	w = xcalloc(1, sizeof *w);
	w->conn = c->id;
	w->id = id ? json_incref((json_t *)id) : NULL;
	w->due = now + delay;
	TAILQ_INSERT_TAIL(&auth_waits, w, entry);
	/* The authentication timeout must not close it first. */
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, (int)delay + 5);
	auth_slow_arm(a);
}

void
auth_slow_release(struct agent *a)
{
	struct auth_wait *w;

	while ((w = TAILQ_FIRST(&auth_waits)) != NULL) {
		TAILQ_REMOVE(&auth_waits, w, entry);
		json_decref(w->id);
		free(w);
	}
	if (a->lws != NULL)
		lws_sul_schedule(a->lws, 0, &auth_sul, auth_slow_timer, LWS_SET_TIMER_USEC_CANCEL);
}
