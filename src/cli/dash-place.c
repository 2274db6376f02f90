/*
 * dash-place: the fleet socket's `place`, which agent of a pool (or of the
 * whole fleet) a session started from the page goes to.
 *
 * The choice is `cm start --pool`'s (place.h), made without blocking the
 * loop that serves every browser: each agent in scope is asked for its
 * agent_info on a connection of its own, and the answer goes out once all
 * have answered or failed, or after DASH_PLACE_TIMEOUT_MS with what came.
 * It is given on a timer of the loop, never from inside a client's own
 * callback, so that the clients can be freed there.
 *
 *   -> {"action": "place", "id": 3, "pool": "gpu"}       (no pool: all)
 *   <- {"type": "placed", "id": 3, "context": "beta",
 *       "agents": [{"name": "alpha", "skipped": "at its session limit"},
 *                  {"name": "beta", "score": 0.12}]}
 */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "conn.h"
#include "dash.h"
#include "place.h"

#define DASH_PLACE_TIMEOUT_MS 10000

/* One agent asked. */
struct dash_place_peer {
	struct dash_place *pl;
	struct dash_agent *agent;
	struct cm_client *client;
	struct cm_ssh_opts ssh;
	json_t *info; /* its agent_info, or NULL */
	char why[128];
	int done;
};

struct dash_place {
	struct dash_sess *s;
	lws_sorted_usec_list_t sul;
	json_t *id;
	char *pool; /* NULL: every agent */
	int closing;
	size_t n, left;
	struct dash_place_peer peers[];
};

static void dash_place_fire(lws_sorted_usec_list_t *sul);

/* The browser's error reply to a place request. */
static void
dash_place_error(struct dash_sess *s, json_t *id, const char *code, const char *message)
{
	dash_send_json(s, json_pack("{s:s,s:s,s:s,s:O*}", "type", "error", "code", code, "message",
				    message, "id", id));
}

/* A peer has its answer (or none): when it is the last, answer on the next loop turn. */
static void
dash_place_peer_done(struct dash_place_peer *p)
{
	struct dash_place *pl = p->pl;

	if (p->done || pl->closing)
		return;
	p->done = 1;
	if (--pl->left == 0)
		lws_sul_schedule(cm_loop_lws_context(pl->s->d->cli->loop), 0, &pl->sul,
				 dash_place_fire, 1);
}

static void
dash_place_on_info(struct cm_client *c, int err, const json_t *reply, void *arg)
{
	struct dash_place_peer *p = arg;

	if (p->pl->closing)
		return;
	if (err == 0 && reply)
		p->info = json_incref((json_t *)reply);
	else
		snprintf(p->why, sizeof p->why, "%s", cm_client_error(c));
	dash_place_peer_done(p);
}

static void
dash_place_on_state(struct cm_client *c, enum cm_conn_state st, void *arg)
{
	struct dash_place_peer *p = arg;

	if (p->pl->closing || p->done)
		return;
	if (st == CM_CONN_READY) {
		if (cm_client_send(c, cm_request("agent_info"), dash_place_on_info, p) < 0) {
			snprintf(p->why, sizeof p->why, "%s", cm_client_error(c));
			dash_place_peer_done(p);
		}
	} else if (st == CM_CONN_FAILED || st == CM_CONN_LOST) {
		snprintf(p->why, sizeof p->why, "unreachable: %s", cm_fail_name(cm_client_fail(c)));
		dash_place_peer_done(p);
	}
}

void
dash_place_free(struct dash_place *pl)
{
	if (!pl)
		return;
	pl->closing = 1;
	lws_sul_cancel(&pl->sul);
	if (pl->s && pl->s->place == pl)
		pl->s->place = NULL;
	for (size_t i = 0; i < pl->n; i++) {
		cm_client_free(pl->peers[i].client);
		json_decref(pl->peers[i].info);
	}
	json_decref(pl->id);
	free(pl->pool);
	free(pl);
}

/* All answered, or the time is up: pick, tell the browser, let go. */
static void
dash_place_fire(lws_sorted_usec_list_t *sul)
{
	struct dash_place *pl = lws_container_of(sul, struct dash_place, sul);
	const json_t **infos = xcalloc(pl->n, sizeof(*infos));
	json_t *agents = json_array();
	char msg[200];
	int pick;

	for (size_t i = 0; i < pl->n; i++) {
		struct dash_place_peer *p = &pl->peers[i];
		double score;
		char why[128];

		if (p->info && place_score(p->info, &score, why, sizeof why) == 0) {
			infos[i] = p->info;
			json_array_append_new(
			    agents,
			    json_pack("{s:s,s:f}", "name", p->agent->ctx.name, "score", score));
			continue;
		}
		if (p->info)
			infos[i] = p->info; /* place_pick leaves it out, for the same reason */
		json_array_append_new(
		    agents, json_pack("{s:s,s:s}", "name", p->agent->ctx.name, "skipped",
				      p->info ? why : (p->why[0] ? p->why : "no answer in time")));
	}
	pick = place_pick(infos, pl->n);
	free(infos);
	if (pick < 0) {
		snprintf(msg, sizeof msg, "no agent of %s%s can take a session",
			 pl->pool ? "pool " : "the fleet", pl->pool ? pl->pool : "");
		dash_send_json(pl->s, json_pack("{s:s,s:s,s:s,s:O*,s:o}", "type", "error", "code",
						"no_agent", "message", msg, "id", pl->id, "agents",
						agents));
	} else {
		dash_send_json(pl->s, json_pack("{s:s,s:O*,s:s,s:o}", "type", "placed", "id",
						pl->id, "context", pl->peers[pick].agent->ctx.name,
						"agents", agents));
	}
	dash_place_free(pl);
}

void
dash_place_start(struct dash_sess *s, json_t *id, const json_t *pool)
{
	struct dash *d = s->d;
	const char *name = json_string_value(pool);
	struct dash_place *pl;
	size_t n = 0;

	if (pool && !json_is_null(pool) && (!name || !*name || json_string_length(pool) > 64)) {
		dash_place_error(s, id, "bad_request", "pool must be a pool's name, or left out");
		return;
	}
	if (s->place) {
		dash_place_error(s, id, "busy", "a placement is already under way");
		return;
	}
	for (size_t i = 0; i < d->nagents; i++)
		if (!name || (d->agents[i].ctx.pool && !strcmp(d->agents[i].ctx.pool, name)))
			n++;
	if (!n) {
		dash_place_error(s, id, "unknown_pool",
				 "no agent of the dashboard is in that pool");
		return;
	}
	pl = xcalloc(1, sizeof(*pl) + n * sizeof(pl->peers[0]));
	pl->s = s;
	pl->id = json_incref(id);
	pl->pool = name ? xstrdup(name) : NULL;
	s->place = pl;
	for (size_t i = 0; i < d->nagents; i++) {
		struct dash_agent *a = &d->agents[i];
		struct dash_place_peer *p;

		if (name && (!a->ctx.pool || strcmp(a->ctx.pool, name)))
			continue;
		p = &pl->peers[pl->n++];
		p->pl = pl;
		p->agent = a;
	}
	pl->left = pl->n;
	lws_sul_schedule(cm_loop_lws_context(d->cli->loop), 0, &pl->sul, dash_place_fire,
			 (lws_usec_t)DASH_PLACE_TIMEOUT_MS * LWS_US_PER_MS);
	for (size_t i = 0; i < pl->n && s->place == pl; i++) {
		struct dash_place_peer *p = &pl->peers[i];
		struct cm_client_opts o;

		conn_options(&p->agent->ctx, p->agent->token, &p->ssh, &o);
		o.timeout_ms = d->cli->timeout_ms;
		o.on_state = dash_place_on_state;
		o.arg = p;
		p->client = cm_client_new(d->cli->loop, &o);
		if (!p->client || cm_client_connect(p->client) < 0) {
			snprintf(p->why, sizeof p->why, "cannot connect");
			dash_place_peer_done(p);
		}
	}
}
