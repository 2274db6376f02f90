/*
 * dash-relay: a browser's WebSocket, signed in with the dashboard's token,
 * relayed to one agent through libcm.
 *
 * The sign-in is done here and never passed on (a wrong token is answered
 * late, common/guess.h): the agent's connection
 * authenticates with the agent's token (libcm's auth frame), and only its
 * `authenticated` answer goes back. After that every frame goes through
 * as it is, both ways. A drop of the agent closes the browser's socket
 * (1011, with why) so that the page shows the agent as down and comes back
 * by itself; its next sign-in carries `since`, given to libcm for the
 * agent's replay.
 */
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "dash.h"

void
dash_send(struct dash_sess *s, const void *data, size_t len, int binary)
{
	struct dash_frame *f;

	if (s->phase == DASH_CLOSING || !s->wsi)
		return;
	if (s->qbytes + len > DASH_QUEUE_MAX) {
		dash_close(s, "the browser does not keep up");
		return;
	}
	f = xmalloc(sizeof(*f) + LWS_PRE + len);
	f->next = NULL;
	f->len = len;
	f->binary = binary;
	memcpy(f->data + LWS_PRE, data, len);
	if (!s->qtail)
		s->qtail = &s->q;
	*s->qtail = f;
	s->qtail = &f->next;
	s->qbytes += len;
	lws_callback_on_writable(s->wsi);
}

void
dash_send_json(struct dash_sess *s, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);

	json_decref(msg);
	if (text)
		dash_send(s, text, strlen(text), 0);
	free(text);
}

void
dash_close(struct dash_sess *s, const char *why)
{
	if (s->phase == DASH_CLOSING)
		return;
	snprintf(s->close_why, sizeof s->close_why, "%s", why);
	s->phase = DASH_CLOSING;
	if (s->wsi)
		lws_callback_on_writable(s->wsi);
}

/* Sends the seed's error reply to a sign-in. */
static void
dash_auth_error(struct dash_sess *s, const char *code, const char *message)
{
	dash_send_json(
	    s, json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
	dash_close(s, "sign-in refused");
}

/* The wait of a wrong sign-in is over. */
static void
dash_held_over(lws_sorted_usec_list_t *sul)
{
	struct dash_sess *s = lws_container_of(sul, struct dash_sess, held);

	dash_auth_error(s, "auth_failed", "wrong dashboard token");
}

/*
 * A wrong token is answered late, the later the more came lately
 * (common/guess.h); the socket reads nothing meanwhile, and other sockets,
 * the right token among them, are served at once.
 */
static void
dash_signin_failed(struct dash_sess *s)
{
	struct dash *d = s->d;
	double delay = guess_failed(&d->guesses, time_wall());

	s->phase = DASH_HELD;
	lws_sul_schedule(cm_loop_lws_context(d->cli->loop), 0, &s->held, dash_held_over,
			 (lws_usec_t)(delay * LWS_US_PER_SEC));
}

/* Passes the agent's frames on untouched. */
static void
dash_on_frame(struct cm_client *c, const void *data, size_t len, int binary, void *arg)
{
	struct dash_sess *s = arg;

	(void)c;
	dash_send(s, data, len, binary);
}

/* Follows the agent's connection: its hello goes to the browser, a drop closes it. */
static void
dash_on_state(struct cm_client *c, enum cm_conn_state st, void *arg)
{
	struct dash_sess *s = arg;
	const json_t *hello;
	char why[120];

	if (st == CM_CONN_READY && s->phase == DASH_AGENT) {
		hello = cm_client_hello(c);
		s->phase = DASH_RELAY;
		if (hello)
			dash_send_json(s, json_deep_copy(hello));
		return;
	}
	if (st == CM_CONN_FAILED || st == CM_CONN_LOST) {
		snprintf(why, sizeof why, "agent %s: %s", s->agent->ctx.name,
			 cm_fail_name(cm_client_fail(c)));
		dash_close(s, why);
	}
}

/* The fleet socket's answer to its sign-in: the contexts, no secrets. */
static json_t *
dash_fleet_hello(struct dash *d)
{
	json_t *list = json_array();

	for (size_t i = 0; i < d->nagents; i++) {
		const struct ctx *c = &d->agents[i].ctx;
		json_t *o = json_pack("{s:s}", "name", c->name);

		if (c->pool)
			json_object_set_new(o, "pool", json_string(c->pool));
		if (c->host)
			json_object_set_new(o, "host", json_string(c->host));
		json_array_append_new(list, o);
	}
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:o}", "type", "authenticated", "status",
			 "authenticated", "agent", "cm dashboard", "protocol", 1, "seq", 0, "fleet",
			 list);
}

/* Checks the first frame; starts the agent's connection for a relay. */
static void
dash_signin(struct dash_sess *s, const char *text, size_t len)
{
	struct dash *d = s->d;
	struct cm_client_opts o;
	json_error_t jerr;
	json_t *msg, *tok, *since;

	msg = json_loadb(text, len, 0, &jerr);
	tok = json_object_get(msg, "auth_token");
	since = json_object_get(msg, "since");
	if (!json_is_object(msg) || !json_is_string(tok)) {
		json_decref(msg);
		dash_auth_error(s, "auth_required", "sign in first: {\"auth_token\": ...}");
		return;
	}
	if (!guess_token_equal(d->token, json_string_value(tok), json_string_length(tok))) {
		json_decref(msg);
		dash_signin_failed(s);
		return;
	}
	if (since && (!json_is_integer(since) || json_integer_value(since) < 0)) {
		json_decref(msg);
		dash_auth_error(s, "bad_request", "since must be a seq (an integer, 0 or more)");
		return;
	}
	if (s->fleet) {
		json_decref(msg);
		s->phase = DASH_RELAY;
		dash_send_json(s, dash_fleet_hello(d));
		return;
	}
	conn_options(&s->agent->ctx, s->agent->token, &s->ssh, &o);
	o.since = since ? json_integer_value(since) : -1;
	o.timeout_ms = d->cli->timeout_ms;
	o.on_state = dash_on_state;
	o.arg = s;
	json_decref(msg);
	s->phase = DASH_AGENT;
	s->client = cm_client_new(d->cli->loop, &o);
	if (s->client)
		cm_client_set_on_frame(s->client, dash_on_frame);
	if (!s->client || cm_client_connect(s->client) < 0)
		dash_close(s, "cannot connect to the agent");
}

/* The fleet socket answers pings (the page's liveness check) and placements. */
static void
dash_fleet_rx(struct dash_sess *s, const char *text, size_t len)
{
	json_t *msg = json_loadb(text, len, 0, NULL), *id = json_object_get(msg, "id");
	const char *action = json_string_value(json_object_get(msg, "action"));

	if (id && !json_is_integer(id) && !json_is_string(id))
		id = NULL; /* an id is echoed only when it is one */
	if (action && !strcmp(action, "ping"))
		dash_send_json(s, json_pack("{s:s,s:O*}", "type", "pong", "id", id));
	else if (action && !strcmp(action, "place"))
		dash_place_start(s, id, json_object_get(msg, "pool"));
	else
		dash_send_json(s, json_pack("{s:s,s:s,s:s,s:O*}", "type", "error", "code",
					    "unknown_action", "message",
					    "the fleet socket answers ping and place", "id", id));
	json_decref(msg);
}

void
dash_relay_rx(struct dash_sess *s, const char *text, size_t len)
{
	switch (s->phase) {
	case DASH_SIGNIN:
		dash_signin(s, text, len);
		return;
	case DASH_RELAY:
		if (s->fleet) {
			dash_fleet_rx(s, text, len);
			return;
		}
		/* libcm queues text as a C string: JSON never holds a raw NUL. */
		if (memchr(text, '\0', len) || cm_client_send_raw(s->client, text, len) < 0)
			dash_close(s, "frame not relayed");
		return;
	case DASH_AGENT: /* the page waits for `authenticated` before asking anything */
	case DASH_HELD:
	case DASH_CLOSING:
		return;
	}
}

void
dash_relay_closed(struct dash_sess *s)
{
	struct dash_frame *f;

	if (s->client) {
		cm_client_free(s->client);
		s->client = NULL;
	}
	dash_place_free(s->place);
	lws_sul_cancel(&s->held);
	while ((f = s->q)) {
		s->q = f->next;
		free(f);
	}
	s->qtail = NULL;
	s->qbytes = 0;
	free(s->rx);
	s->rx = NULL;
	s->rxlen = 0;
}
