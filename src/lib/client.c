/*
 * client: one connection of libcm to one cm-agent (protocol v1).
 *
 * A client goes through
 *
 *   TUNNEL (ssh only) -> WS (upgrade) -> AUTH -> READY
 *          ^                                       |
 *          +------ RETRY (backoff) <---- drop -----+   (with opts.reconnect)
 *
 * Through ssh the first try goes straight to the forward's socket (nothing
 * is spawned when a master is already up); if that fails the tunnel is
 * checked and rebuilt, and a failure after a fresh tunnel means the agent
 * itself does not answer. Authentication carries `since` once an event has
 * been seen, so a reconnect replays every event missed while away; events
 * whose seq was already seen are dropped, so none is delivered twice.
 *
 * Requests get integer ids from a counter; replies are matched to them in
 * the pending list. Every request gets one call of its callback: with the
 * reply, with an error reply, or with CM_ECLOSED when the connection drops
 * first (whether such a request was carried out is unknown). Replies that
 * are also events (session_created, session_killed carry a seq) are handed
 * to the event callback too, since the agent sends them to us only once.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

/* Wire names, from the protocol table. */
#define IS_TYPE(t, sym) proto_type_is((t), PROTO_MSG_##sym)
#define IS_CODE(c, sym) ((c) != NULL && strcmp((c), proto_error_name(PROTO_ERR_##sym)) == 0)

#define CLIENT_RX_MAX	   (64u * 1024 * 1024)
#define CLIENT_TIMEOUT_MS  15000
#define CLIENT_POLL_US	   (5 * LWS_US_PER_MS)
#define CLIENT_BACKOFF_MIN 200
#define CLIENT_BACKOFF_MAX 5000

/* Where a client is in its life. */
enum client_phase {
	PH_IDLE = 0, /* created, not connecting */
	PH_TUNNEL,   /* an ssh step runs */
	PH_WS,	     /* WebSocket upgrade in progress */
	PH_AUTH,     /* waiting for `authenticated` */
	PH_READY,    /* requests flow */
	PH_RETRY,    /* waiting to reconnect */
	PH_FAILED,   /* gave up */
};

/* A request sent (or queued) and not yet answered. */
struct pending {
	struct pending *next; /* list link */
	int64_t id;	      /* the request id */
	cm_reply_cb cb;	      /* NULL once cancelled */
	void *arg;	      /* for cb */
};

/* A text frame waiting to be written; data has LWS_PRE bytes of headroom. */
struct outmsg {
	struct outmsg *next;  /* queue link */
	size_t len;	      /* payload bytes after the headroom */
	unsigned char data[]; /* LWS_PRE + payload */
};

struct cm_client {
	struct cm_loop *loop;		 /* owner loop */
	struct cm_client *next;		 /* next client of the loop */
	int sync_failed;		 /* the connect failed inside lws_client_connect_via_info */
	char *host;			 /* TCP host (direct) */
	int port;			 /* TCP port */
	char *unix_path;		 /* agent's Unix socket, or NULL */
	char *token;			 /* agent token */
	int use_ssh;			 /* through the tunnel */
	struct cm_tunnel tunnel;	 /* the tunnel, when use_ssh */
	int tunnel_fresh;		 /* the tunnel was (re)checked during this attempt */
	int reconnect;			 /* reconnect after drops */
	int timeout_ms;			 /* connect / request timeout */
	cm_event_cb on_event;		 /* callbacks of the options */
	cm_output_cb on_output;		 /* terminal output */
	cm_state_cb on_state;		 /* state changes */
	cm_frame_cb on_frame;		 /* a relay's raw frames, or NULL */
	void *arg;			 /* for the callbacks */
	enum client_phase phase;	 /* see above */
	enum cm_conn_state state;	 /* last state reported */
	struct lws *wsi;		 /* the WebSocket, or NULL */
	enum cm_fail fail;		 /* last failure */
	char err[1200];			 /* last error text */
	json_t *hello;			 /* the `authenticated` message */
	int64_t seq;			 /* highest event seq seen, -1 none */
	int64_t next_id;		 /* next request id */
	struct pending *pending;	 /* sent, unanswered */
	struct outmsg *out_head;	 /* frames to write */
	struct outmsg **out_tail;	 /* where to append */
	struct buf rx;			 /* reassembly of a fragmented frame */
	int rx_binary;			 /* the frame being reassembled is binary */
	int rx_partial;			 /* a message is being reassembled in rx */
	lws_sorted_usec_list_t sul_poll; /* tunnel poll / retry timer */
	lws_sorted_usec_list_t sul_deadline; /* connect deadline */
	lws_sorted_usec_list_t sul_refused;  /* deferred synchronous connect failure */
	int backoff_ms;			     /* next retry delay */
	int ever_ready;			     /* has been READY at least once */
	int settled;			     /* ready or failed since the last connect() */
};

static void client_ws_start(struct cm_client *c);
static void client_tunnel_start(struct cm_client *c);

/* Monotonic microseconds. */
static uint64_t
client_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Reports a state change once. */
static void
client_set_state(struct cm_client *c, enum cm_conn_state st)
{
	c->state = st;
	/*
	 * A change made from a timer callback must also end lws_service()'s
	 * poll, or a caller waiting on a flag would sleep until the next timer.
	 */
	lws_cancel_service(c->loop->ctx);
	if (c->on_state)
		c->on_state(c, st, c->arg);
}

/* Records the reason of a failure. */
static void client_seterr(struct cm_client *c, enum cm_fail fail, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the reason of a failure. */
static void
client_seterr(struct cm_client *c, enum cm_fail fail, const char *fmt, ...)
{
	va_list ap;

	c->fail = fail;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Fails every pending request and drops unsent frames. */
static void
client_fail_pending(struct cm_client *c, int err)
{
	struct pending *p, *next;
	struct outmsg *o, *onext;

	p = c->pending;
	c->pending = NULL;
	for (; p; p = next) {
		next = p->next;
		if (p->cb)
			p->cb(c, err, NULL, p->arg);
		free(p);
	}
	for (o = c->out_head; o; o = onext) {
		onext = o->next;
		free(o);
	}
	c->out_head = NULL;
	c->out_tail = &c->out_head;
}

/* Detaches the current wsi and has lws close it. */
static void
client_drop_wsi(struct cm_client *c)
{
	if (c->wsi) {
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		c->wsi = NULL;
	}
	buf_reset(&c->rx);
	c->rx_partial = 0;
}

/* True if a failure may go away by itself (worth a reconnect). */
static int
client_fail_transient(enum cm_fail f)
{
	return f == CM_FAIL_UNREACHABLE || f == CM_FAIL_NO_AGENT || f == CM_FAIL_TIMEOUT ||
	       f == CM_FAIL_CLOSED || f == CM_FAIL_SSH || f == CM_FAIL_RATE;
}

/* Reconnect timer: starts the next attempt. */
static void
client_retry_cb(lws_sorted_usec_list_t *sul)
{
	struct cm_client *c = lws_container_of(sul, struct cm_client, sul_poll);

	cm_client_connect(c);
}

/* Cancels the timers of the client. */
static void
client_cancel_timers(struct cm_client *c)
{
	lws_sul_schedule(c->loop->ctx, 0, &c->sul_poll, NULL, LWS_SET_TIMER_USEC_CANCEL);
	lws_sul_schedule(c->loop->ctx, 0, &c->sul_deadline, NULL, LWS_SET_TIMER_USEC_CANCEL);
	lws_sul_schedule(c->loop->ctx, 0, &c->sul_refused, NULL, LWS_SET_TIMER_USEC_CANCEL);
}

/* Ends an attempt that did not reach READY, or a lost connection. */
static void
client_attempt_failed(struct cm_client *c)
{
	client_drop_wsi(c);
	client_cancel_timers(c);
	client_fail_pending(c, CM_ECLOSED);
	if (c->reconnect && c->ever_ready && client_fail_transient(c->fail)) {
		c->phase = PH_RETRY;
		client_set_state(c, CM_CONN_LOST);
		lws_sul_schedule(c->loop->ctx, 0, &c->sul_poll, client_retry_cb,
				 (lws_usec_t)c->backoff_ms * LWS_US_PER_MS);
		c->backoff_ms =
		    c->backoff_ms * 2 > CLIENT_BACKOFF_MAX ? CLIENT_BACKOFF_MAX : c->backoff_ms * 2;
		return;
	}
	c->phase = PH_FAILED;
	c->settled = 1;
	client_set_state(c, CM_CONN_FAILED);
}

/* Connect deadline: the attempt took too long. */
static void
client_deadline_cb(lws_sorted_usec_list_t *sul)
{
	struct cm_client *c = lws_container_of(sul, struct cm_client, sul_deadline);

	if (c->phase == PH_READY || c->phase == PH_FAILED || c->phase == PH_RETRY)
		return;
	if (c->phase == PH_TUNNEL)
		client_seterr(c, CM_FAIL_TIMEOUT, "ssh to %s did not finish in %d ms",
			      c->tunnel.host, c->timeout_ms);
	else
		client_seterr(c, CM_FAIL_TIMEOUT, "agent did not answer in %d ms", c->timeout_ms);
	client_attempt_failed(c);
}

/* Tunnel poll timer: moves the ssh steps on. */
static void
client_tunnel_poll_cb(lws_sorted_usec_list_t *sul)
{
	struct cm_client *c = lws_container_of(sul, struct cm_client, sul_poll);
	int rc;

	if (c->phase != PH_TUNNEL)
		return;
	rc = cm_tunnel_poll(&c->tunnel);
	if (rc > 0) {
		lws_sul_schedule(c->loop->ctx, 0, &c->sul_poll, client_tunnel_poll_cb,
				 CLIENT_POLL_US);
		return;
	}
	if (rc < 0) {
		client_seterr(c, c->tunnel.fail, "%s", c->tunnel.err);
		client_attempt_failed(c);
		return;
	}
	client_ws_start(c);
}

/* Starts checking or building the tunnel. */
static void
client_tunnel_start(struct cm_client *c)
{
	c->phase = PH_TUNNEL;
	c->tunnel_fresh = 1;
	if (cm_tunnel_start(&c->tunnel) < 0) {
		client_seterr(c, c->tunnel.fail, "%s", c->tunnel.err);
		client_attempt_failed(c);
		return;
	}
	lws_sul_schedule(c->loop->ctx, 0, &c->sul_poll, client_tunnel_poll_cb, CLIENT_POLL_US);
}

/* The WebSocket could not be opened (or closed before authentication). */
static void
client_ws_failed(struct cm_client *c, const char *why)
{
	client_drop_wsi(c);
	if (c->use_ssh && !c->tunnel_fresh) {
		/* The fast path failed: check and rebuild the tunnel, then retry. */
		client_tunnel_start(c);
		return;
	}
	if (c->use_ssh) {
		cm_tunnel_diagnose_forward(&c->tunnel, why);
		client_seterr(c, CM_FAIL_NO_AGENT, "%s", c->tunnel.err);
	} else if (c->unix_path) {
		client_seterr(c, CM_FAIL_NO_AGENT, "agent not running: nothing answers at %s (%s)",
			      c->unix_path, why ? why : "connect failed");
	} else {
		client_seterr(c, CM_FAIL_NO_AGENT,
			      "agent not running: nothing answers at %s:%d (%s)", c->host, c->port,
			      why ? why : "connect failed");
	}
	client_attempt_failed(c);
}

/* Deferred failure of a connect that lws refused synchronously. */
static void
client_ws_refused_cb(lws_sorted_usec_list_t *sul)
{
	struct cm_client *c = lws_container_of(sul, struct cm_client, sul_refused);

	if (c->phase == PH_WS && !c->wsi)
		client_ws_failed(c, "connect failed");
}

/* Opens the WebSocket to the agent (or to the tunnel's socket). */
static void
client_ws_start(struct cm_client *c)
{
	struct lws_client_connect_info ci;
	struct lws *wsi;
	char addr[200];

	memset(&ci, 0, sizeof(ci));
	ci.context = c->loop->ctx;
	if (c->use_ssh) {
		cm_tunnel_mark_log(&c->tunnel);
		snprintf(addr, sizeof(addr), "+%s", c->tunnel.sock);
		ci.address = addr;
		ci.port = 0;
	} else if (c->unix_path) {
		snprintf(addr, sizeof(addr), "+%s", c->unix_path);
		ci.address = addr;
		ci.port = 0;
	} else {
		ci.address = c->host;
		ci.port = c->port;
	}
	ci.path = "/";
	ci.host = "localhost";
	ci.origin = NULL;
	ci.protocol = NULL;
	ci.local_protocol_name = "cm";
	ci.ietf_version_or_minus_one = -1;
	ci.opaque_user_data = c;
	c->phase = PH_WS;
	c->wsi = NULL;
	c->sync_failed = 0;
	buf_reset(&c->rx);
	c->rx_partial = 0;
	c->loop->connecting = c;
	wsi = lws_client_connect_via_info(&ci);
	c->loop->connecting = NULL;
	if (c->sync_failed)
		return; /* the callback has already handled it */
	if (!wsi)
		lws_sul_schedule(c->loop->ctx, 0, &c->sul_refused, client_ws_refused_cb, 1);
	else
		c->wsi = wsi;
}

/* Starts (or restarts) connecting. */
int
cm_client_connect(struct cm_client *c)
{
	if (c->phase == PH_READY || c->phase == PH_WS || c->phase == PH_AUTH ||
	    c->phase == PH_TUNNEL)
		return 0;
	c->settled = 0;
	c->fail = CM_FAIL_NONE;
	c->err[0] = '\0';
	client_set_state(c, CM_CONN_CONNECTING);
	lws_sul_schedule(c->loop->ctx, 0, &c->sul_deadline, client_deadline_cb,
			 (lws_usec_t)c->timeout_ms * LWS_US_PER_MS);
	c->tunnel_fresh = 0;
	if (c->use_ssh && !cm_tunnel_socket_exists(&c->tunnel))
		client_tunnel_start(c);
	else
		client_ws_start(c);
	return 0;
}

/* A frame of text (taken and freed) with LWS_PRE bytes of headroom. */
static struct outmsg *
client_outmsg_new(char *text)
{
	size_t len = strlen(text);
	struct outmsg *o = xmalloc(sizeof(*o) + LWS_PRE + len);

	o->next = NULL;
	o->len = len;
	memcpy(o->data + LWS_PRE, text, len);
	free(text);
	return o;
}

/* Queues a text frame (takes ownership of text). */
static void
client_queue_text(struct cm_client *c, char *text)
{
	struct outmsg *o = client_outmsg_new(text);

	*c->out_tail = o;
	c->out_tail = &o->next;
	if (c->wsi && (c->phase == PH_READY || c->phase == PH_AUTH))
		lws_callback_on_writable(c->wsi);
}

/* Writes one queued frame. */
static int
client_write_one(struct cm_client *c)
{
	struct outmsg *o = c->out_head;
	int n;

	if (!o)
		return 0;
	/* Until authenticated, only the auth frame (queued first) may go. */
	n = lws_write(c->wsi, o->data + LWS_PRE, o->len, LWS_WRITE_TEXT);
	if (n < (int)o->len)
		return -1;
	c->out_head = o->next;
	if (!c->out_head)
		c->out_tail = &c->out_head;
	free(o);
	if (c->out_head)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* Removes and returns the pending entry of id, or NULL. */
static struct pending *
client_take_pending(struct cm_client *c, int64_t id)
{
	struct pending **pp, *p;

	for (pp = &c->pending; (p = *pp); pp = &p->next)
		if (p->id == id) {
			*pp = p->next;
			return p;
		}
	return NULL;
}

/* True if the message is an event (it has a seq and a timestamp). */
static int
client_is_event(const json_t *msg, int64_t *seq)
{
	json_t *s = json_object_get(msg, "seq"), *ts = json_object_get(msg, "timestamp");

	if (!json_is_integer(s) || !json_is_number(ts))
		return 0;
	*seq = json_integer_value(s);
	return 1;
}

/* Delivers an event unless it was seen already. */
static void
client_deliver_event(struct cm_client *c, const json_t *msg, int64_t seq)
{
	if (seq <= c->seq)
		return;
	c->seq = seq;
	if (c->on_event)
		c->on_event(c, msg, c->arg);
}

/* Handles the reply to the authentication frame. */
static void
client_on_auth(struct cm_client *c, json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *status = json_string_value(json_object_get(msg, "status"));
	const char *code, *text;
	json_t *seq;

	if (IS_TYPE(type, AUTHENTICATED) || IS_TYPE(status, AUTHENTICATED)) {
		json_decref(c->hello);
		c->hello = json_incref(msg);
		seq = json_object_get(msg, "seq");
		/*
		 * A resync (the agent no longer holds what we asked for, or its
		 * numbering started again) makes its seq ours: events after it
		 * are new even when their numbers are lower than what we saw.
		 */
		if ((c->seq < 0 || json_is_true(json_object_get(msg, "resync"))) &&
		    json_is_integer(seq))
			c->seq = json_integer_value(seq);
		c->phase = PH_READY;
		c->ever_ready = 1;
		c->settled = 1;
		c->backoff_ms = CLIENT_BACKOFF_MIN;
		c->fail = CM_FAIL_NONE;
		lws_sul_schedule(c->loop->ctx, 0, &c->sul_deadline, NULL,
				 LWS_SET_TIMER_USEC_CANCEL);
		client_set_state(c, CM_CONN_READY);
		if (c->wsi && c->out_head)
			lws_callback_on_writable(c->wsi);
		return;
	}
	code = json_string_value(json_object_get(msg, "code"));
	text = json_string_value(json_object_get(msg, "message"));
	if (IS_TYPE(type, ERROR) && IS_CODE(code, AUTH_FAILED))
		client_seterr(c, CM_FAIL_TOKEN, "agent refused the token (%s)",
			      text ? text : "authentication failed");
	else if (IS_TYPE(type, ERROR) && IS_CODE(code, RATE_LIMITED))
		client_seterr(c, CM_FAIL_RATE, "agent is rate-limiting logins from here (%s)",
			      text ? text : code);
	else
		client_seterr(c, CM_FAIL_PROTOCOL, "unexpected answer to authentication: %s%s%s",
			      type ? type : "(no type)", text ? ": " : "", text ? text : "");
	client_attempt_failed(c);
}

/* Handles one complete text frame. */
static void
client_on_text(struct cm_client *c, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *msg, *idv;
	struct pending *p;
	const char *type;
	int64_t seq;
	int err = 0;

	msg = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(msg)) {
		json_decref(msg);
		return;
	}
	type = json_string_value(json_object_get(msg, "type"));
	if (c->phase == PH_AUTH && !client_is_event(msg, &seq) && !IS_TYPE(type, SUBSCRIBED) &&
	    !IS_TYPE(type, RESYNC)) {
		client_on_auth(c, msg);
		json_decref(msg);
		return;
	}
	if (c->on_frame) {
		/* A relay: the seq still counts, for a replay after a reconnect. */
		if (client_is_event(msg, &seq) && seq > c->seq)
			c->seq = seq;
		json_decref(msg);
		c->on_frame(c, text, len, 0, c->arg);
		return;
	}
	idv = json_object_get(msg, "id");
	if (json_is_integer(idv) && (p = client_take_pending(c, json_integer_value(idv)))) {
		if (IS_TYPE(type, ERROR)) {
			err = cm_errparse(json_string_value(json_object_get(msg, "code")));
			snprintf(c->err, sizeof(c->err), "%s",
				 json_string_value(json_object_get(msg, "message"))
				     ? json_string_value(json_object_get(msg, "message"))
				     : cm_strerror(err));
		}
		if (p->cb)
			p->cb(c, err, msg, p->arg);
		free(p);
		if (client_is_event(msg, &seq))
			client_deliver_event(c, msg, seq);
		json_decref(msg);
		return;
	}
	if (client_is_event(msg, &seq)) {
		client_deliver_event(c, msg, seq);
	} else {
		if (IS_TYPE(type, RESYNC) && json_is_integer(json_object_get(msg, "seq")))
			c->seq = json_integer_value(json_object_get(msg, "seq"));
		if (c->on_event)
			c->on_event(c, msg, c->arg);
	}
	json_decref(msg);
}

/* Handles one complete binary frame: 0x01, id length, id, output bytes. */
static void
client_on_binary(struct cm_client *c, const unsigned char *p, size_t len)
{
	char sid[256];
	size_t idlen;

	if (c->on_frame) {
		c->on_frame(c, p, len, 1, c->arg);
		return;
	}
	if (len < 2 || p[0] != 0x01)
		return;
	idlen = p[1];
	if (len < 2 + idlen)
		return;
	memcpy(sid, p + 2, idlen);
	sid[idlen] = '\0';
	if (c->on_output)
		c->on_output(c, sid, p + 2 + idlen, len - 2 - idlen, c->arg);
}

/* Sends the authentication frame (with since once events were seen). */
static void
client_send_auth(struct cm_client *c)
{
	/* The seed's auth message: the table's PROTO_REQ_AUTH, keyed by auth_token. */
	json_t *auth = json_pack("{s:s}", "auth_token", c->token);
	struct outmsg *o;

	if (c->seq >= 0)
		json_object_set_new(auth, "since", json_integer(c->seq));
	/* The auth frame goes before anything queued while disconnected. */
	o = client_outmsg_new(json_dumps(auth, JSON_COMPACT));
	json_decref(auth);
	o->next = c->out_head;
	c->out_head = o;
	if (!o->next)
		c->out_tail = &o->next;
	lws_callback_on_writable(c->wsi);
}

/*
 * The client a wsi belongs to: its opaque pointer, else the client whose
 * current wsi it is (lws may call back before the opaque pointer is set).
 * NULL for a wsi we dropped.
 */
static struct cm_client *
client_of_wsi(struct lws *wsi, int connect_error, struct cm_loop **loopp)
{
	struct cm_client *c = lws_get_opaque_user_data(wsi);
	struct lws_context *ctx = lws_get_context(wsi);
	struct cm_loop *loop = ctx ? lws_context_user(ctx) : NULL;

	*loopp = loop;
	if (!c && loop)
		c = cm_client_by_wsi(loop, wsi);
	/* A connect failing inside lws_client_connect_via_info(): ours. */
	if (!c && loop && connect_error)
		c = loop->connecting;
	if (c && c->wsi != wsi && !(loop && loop->connecting == c && !c->wsi))
		c = NULL;
	return c;
}

/* The lws protocol callback for client connections. */
int
cm_client_lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct cm_client *c = NULL;
	struct cm_loop *loop = NULL;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		/*
		 * lws may destroy a watched descriptor (cm_loop_watch_fd) through the
		 * vhost's first protocol, this one: its opaque pointer is a watch.
		 */
		if (wsi && lws_get_protocol(wsi) &&
		    lws_get_protocol(wsi)->callback != cm_client_lws_cb)
			return 0;
		c = client_of_wsi(wsi, reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR, &loop);
		break;
	default:
		return 0;
	}
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c && c->phase == PH_WS) {
			unsigned int status = wsi ? lws_http_client_http_response(wsi) : 0;

			lws_set_opaque_user_data(wsi, NULL);
			c->wsi = NULL;
			if (loop && loop->connecting == c)
				c->sync_failed = 1;
			if (status >= 400) {
				/* Something answered and said no: the agent's limits or Origin
				 * check. */
				client_seterr(c, CM_FAIL_NO_AGENT,
					      "the agent refused the connection: HTTP %u%s", status,
					      status == 503 ? " (too many clients: max_clients)"
							    : "");
				client_drop_wsi(c);
				client_attempt_failed(c);
				return 0;
			}
			client_ws_failed(c, in ? (const char *)in : "connect failed");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c)
			return -1;
		c->wsi = wsi;
		c->phase = PH_AUTH;
		client_send_auth(c);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!c)
			return -1;
		return client_write_one(c);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c)
			return -1;
		/*
		 * Not lws_is_first_fragment(): lws says "first" on every call it
		 * makes for a frame it inflates (permessage-deflate) in pieces.
		 */
		if (!c->rx_partial) {
			buf_reset(&c->rx);
			c->rx_binary = lws_frame_is_binary(wsi);
			c->rx_partial = 1;
		}
		if (buf_append(&c->rx, in, len) < 0) {
			client_seterr(c, CM_FAIL_PROTOCOL, "message from agent is too large");
			return -1;
		}
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		c->rx_partial = 0;
		if (c->rx_binary)
			client_on_binary(c, (const unsigned char *)c->rx.data, c->rx.len);
		else
			client_on_text(c, c->rx.data ? c->rx.data : "", c->rx.len);
		/* A callback may have freed or dropped the client. */
		if (lws_get_opaque_user_data(wsi) != c)
			return 0;
		buf_reset(&c->rx);
		return 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (!c)
			return 0;
		if (loop && loop->connecting == c)
			c->sync_failed = 1;
		lws_set_opaque_user_data(wsi, NULL);
		c->wsi = NULL;
		if (c->phase == PH_WS) {
			client_ws_failed(c, "closed during the upgrade");
		} else if (c->phase == PH_AUTH) {
			if (c->fail == CM_FAIL_NONE)
				client_seterr(c, CM_FAIL_CLOSED,
					      "agent closed the connection during authentication");
			client_attempt_failed(c);
		} else if (c->phase == PH_READY) {
			client_seterr(c, CM_FAIL_CLOSED, "connection to the agent was lost");
			client_attempt_failed(c);
		}
		return 0;
	default:
		return 0;
	}
}

/* Finds the client whose current wsi is wsi. */
struct cm_client *
cm_client_by_wsi(struct cm_loop *loop, struct lws *wsi)
{
	struct cm_client *c;

	for (c = loop->clients; c; c = c->next)
		if (c->wsi == wsi)
			return c;
	return NULL;
}

/* Creates a client; strings of the options are copied. */
struct cm_client *
cm_client_new(struct cm_loop *loop, const struct cm_client_opts *o)
{
	struct cm_client *c = xcalloc(1, sizeof(*c));

	c->loop = loop;
	c->next = loop->clients;
	loop->clients = c;
	c->host = xstrdup(o->host && *o->host ? o->host : "127.0.0.1");
	c->port = o->port > 0 ? o->port : CM_DEFAULT_PORT;
	c->unix_path = o->unix_path && *o->unix_path ? xstrdup(o->unix_path) : NULL;
	c->token = xstrdup(o->token ? o->token : "");
	c->reconnect = o->reconnect;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CLIENT_TIMEOUT_MS;
	c->on_event = o->on_event;
	c->on_output = o->on_output;
	c->on_state = o->on_state;
	c->arg = o->arg;
	c->seq = o->since >= 0 ? o->since : -1;
	c->next_id = 1;
	c->out_tail = &c->out_head;
	c->backoff_ms = CLIENT_BACKOFF_MIN;
	c->tunnel.lockfd = -1;
	buf_init(&c->rx, CLIENT_RX_MAX);
	if (o->ssh) {
		c->use_ssh = 1;
		if (cm_tunnel_init(&c->tunnel, o->ssh, c->unix_path, c->port) < 0) {
			client_seterr(c, c->tunnel.fail, "%s", c->tunnel.err);
			c->phase = PH_FAILED;
			c->settled = 1;
		}
	}
	if (!o->token || !*o->token) {
		client_seterr(c, CM_FAIL_CONFIG, "no token given for the agent");
		c->phase = PH_FAILED;
		c->settled = 1;
	}
	return c;
}

/* Runs the loop until the client is ready (0) or has failed. */
int
cm_client_wait_ready(struct cm_client *c, int timeout_ms)
{
	int rc;

	if (c->phase == PH_FAILED)
		return CM_ECONNECT;
	rc = cm_loop_run_until(c->loop, &c->settled, timeout_ms);
	if (c->phase == PH_READY)
		return 0;
	if (rc == CM_ETIMEDOUT && c->fail == CM_FAIL_NONE)
		client_seterr(c, CM_FAIL_TIMEOUT, "no answer from the agent in %d ms", timeout_ms);
	if (c->fail == CM_FAIL_TOKEN)
		return CM_EAUTHFAILED;
	if (c->fail == CM_FAIL_TIMEOUT)
		return CM_ETIMEDOUT;
	return CM_ECONNECT;
}

/* Creates, connects and waits; *out is set even on failure (for the error). */
int
cm_client_open(struct cm_loop *loop, const struct cm_client_opts *opts, struct cm_client **out)
{
	struct cm_client *c = cm_client_new(loop, opts);

	*out = c;
	if (c->phase == PH_FAILED)
		return CM_EINVAL;
	cm_client_connect(c);
	return cm_client_wait_ready(c, c->timeout_ms + 1000);
}

/* Closes and frees a client. */
void
cm_client_free(struct cm_client *c)
{
	struct cm_client **pp;

	if (!c)
		return;
	for (pp = &c->loop->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->loop->connecting == c)
		c->loop->connecting = NULL;
	client_drop_wsi(c);
	client_cancel_timers(c);
	c->on_state = NULL;
	client_fail_pending(c, CM_ECLOSED);
	if (c->use_ssh)
		cm_tunnel_release(&c->tunnel);
	json_decref(c->hello);
	buf_release(&c->rx);
	free(c->host);
	free(c->unix_path);
	if (c->token)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
	free(c);
}

/* Current connection state. */
enum cm_conn_state
cm_client_state(const struct cm_client *c)
{
	return c->state;
}

/* Why the last attempt failed. */
enum cm_fail
cm_client_fail(const struct cm_client *c)
{
	return c->fail;
}

/* The last error text. */
const char *
cm_client_error(const struct cm_client *c)
{
	return c->err[0] ? c->err : cm_fail_name(c->fail);
}

/* The authenticated message. */
const json_t *
cm_client_hello(const struct cm_client *c)
{
	return c->hello;
}

/* Highest event seq seen. */
int64_t
cm_client_seq(const struct cm_client *c)
{
	return c->seq;
}

/* The user pointer. */
void *
cm_client_arg(const struct cm_client *c)
{
	return c->arg;
}

/* Sends a request (stolen) with a reply callback. */
int
cm_client_send(struct cm_client *c, json_t *req, cm_reply_cb cb, void *arg)
{
	struct pending *p, **pp;
	struct buf why;
	char *text;
	int rc;

	if (!json_is_object(req)) {
		json_decref(req);
		snprintf(c->err, sizeof(c->err),
			 "invalid request (a NULL session id or non-UTF-8 text?)");
		return CM_EINVAL;
	}
	/* What the table refuses the agent would refuse too: say so without sending. */
	buf_init(&why, 512);
	if ((rc = proto_validate_any(req, 0, &why)) < 0) {
		snprintf(c->err, sizeof(c->err), "request not sent: %s", why.data ? why.data : "");
		buf_release(&why);
		json_decref(req);
		return rc;
	}
	buf_release(&why);
	if (c->phase != PH_READY) {
		json_decref(req);
		return CM_ECLOSED;
	}
	p = xcalloc(1, sizeof(*p));
	p->id = c->next_id++;
	p->cb = cb;
	p->arg = arg;
	json_object_set_new(req, "id", json_integer(p->id));
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text) {
		free(p);
		return CM_EINVAL;
	}
	for (pp = &c->pending; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	client_queue_text(c, text);
	return 0;
}

/* Hands every frame after the authentication to cb instead of the other callbacks. */
void
cm_client_set_on_frame(struct cm_client *c, cm_frame_cb cb)
{
	if (c)
		c->on_frame = cb;
}

/* Sends a relay's text frame untouched. */
int
cm_client_send_raw(struct cm_client *c, const char *text, size_t len)
{
	char *copy;

	if (!c || !text || !len)
		return CM_EINVAL;
	if (c->phase != PH_READY)
		return CM_ECLOSED;
	copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* client_outmsg_new measures with strlen: a frame stops at a NUL, which JSON never has. */
	client_queue_text(c, copy);
	return 0;
}

/* What a blocking call waits for. */
struct call_wait {
	int done;      /* the reply (or a failure) came */
	int err;       /* its error code */
	json_t *reply; /* new reference to the reply */
};

/* Records the reply of a blocking call. */
static void
client_call_cb(struct cm_client *c, int err, const json_t *reply, void *arg)
{
	struct call_wait *w = arg;

	(void)c;
	w->done = 1;
	w->err = err;
	if (reply)
		w->reply = json_incref((json_t *)reply);
}

/* Cancels the callback of a pending request (its reply will be ignored). */
static void
client_cancel_cb(struct cm_client *c, void *arg)
{
	struct pending *p;

	for (p = c->pending; p; p = p->next)
		if (p->arg == arg)
			p->cb = NULL;
}

/* Sends a request and waits for its reply. */
int
cm_client_call(struct cm_client *c, json_t *req, json_t **reply)
{
	struct call_wait w = {0, 0, NULL};
	int rc;

	if (reply)
		*reply = NULL;
	if ((rc = cm_client_send(c, req, client_call_cb, &w)) < 0) {
		if (rc == CM_ECLOSED && !c->err[0])
			snprintf(c->err, sizeof(c->err), "not connected");
		return rc;
	}
	rc = cm_loop_run_until(c->loop, &w.done, c->timeout_ms);
	if (!w.done) {
		client_cancel_cb(c, &w);
		snprintf(c->err, sizeof(c->err), "no reply from the agent in %d ms", c->timeout_ms);
		return rc < 0 ? rc : CM_ETIMEDOUT;
	}
	if (w.err == CM_ECLOSED && !w.reply)
		snprintf(c->err, sizeof(c->err), "%s", "connection to the agent was lost");
	if (reply)
		*reply = w.reply;
	else
		json_decref(w.reply);
	return w.err;
}

/* create_session. */
int
cm_client_create_session(struct cm_client *c, const char *tool, const char *task, const char *path,
			 int auto_confirm, char **session_id)
{
	json_t *reply = NULL;
	const char *sid;
	int rc;

	if (session_id)
		*session_id = NULL;
	/* An empty path is no path here, as it always was for this helper. */
	rc = cm_client_call(
	    c, cm_request_create_session(tool, task, path && *path ? path : NULL, auto_confirm),
	    &reply);
	if (rc < 0) {
		json_decref(reply);
		return rc;
	}
	sid = json_string_value(json_object_get(reply, "sessionId"));
	if (!sid) {
		json_decref(reply);
		snprintf(c->err, sizeof(c->err), "reply to create_session has no sessionId");
		return CM_EINTERNAL;
	}
	if (session_id)
		*session_id = xstrdup(sid);
	json_decref(reply);
	return 0;
}

/* list_sessions. */
int
cm_client_list_sessions(struct cm_client *c, json_t **sessions)
{
	json_t *reply = NULL, *arr;
	int rc;

	*sessions = NULL;
	rc = cm_client_call(c, cm_request(proto_msg_name(PROTO_REQ_LIST_SESSIONS)), &reply);
	if (rc < 0) {
		json_decref(reply);
		return rc;
	}
	arr = json_object_get(reply, "sessions");
	*sessions = json_is_array(arr) ? json_incref(arr) : json_array();
	json_decref(reply);
	return 0;
}

/* send_keys; text NULL is sent as "" (as libcm always has). */
int
cm_client_send_keys(struct cm_client *c, const char *session_id, const char *text, int enter,
		    const char *key)
{
	return cm_client_call(
	    c,
	    cm_request_send_keys(session_id, text ? text : "", text ? strlen(text) : 0, enter, key),
	    NULL);
}

/* capture_pane. */
int
cm_client_capture(struct cm_client *c, const char *session_id, int lines, int escapes,
		  char **content)
{
	json_t *reply = NULL;
	const char *s;
	int rc;

	*content = NULL;
	if ((rc = cm_client_call(c, cm_request_capture(session_id, lines, escapes), &reply)) < 0) {
		json_decref(reply);
		return rc;
	}
	s = json_string_value(json_object_get(reply, "content"));
	*content = xstrdup(s ? s : "");
	json_decref(reply);
	return 0;
}

/* kill_session. */
int
cm_client_kill_session(struct cm_client *c, const char *session_id)
{
	return cm_client_call(c, cm_request_kill_session(session_id), NULL);
}

/* confirm. */
int
cm_client_confirm(struct cm_client *c, const char *session_id, int approve, const char *fingerprint)
{
	return cm_client_call(c, cm_request_confirm(session_id, approve, fingerprint), NULL);
}

/* set_auto_confirm. */
int
cm_client_set_auto_confirm(struct cm_client *c, const char *session_id, int enabled)
{
	return cm_client_call(c, cm_request_set_auto_confirm(session_id, enabled), NULL);
}

/* agent_info. */
int
cm_client_agent_info(struct cm_client *c, json_t **info)
{
	return cm_client_call(c, cm_request(proto_msg_name(PROTO_REQ_AGENT_INFO)), info);
}

/* doctor; quick runs no program on the agent's machine. */
int
cm_client_doctor(struct cm_client *c, int quick, json_t **report)
{
	json_t *req = cm_request(proto_msg_name(PROTO_REQ_DOCTOR));

	if (req != NULL && quick)
		json_object_set_new(req, "quick", json_true());
	return cm_client_call(c, req, report);
}

/* ping, timed. */
int
cm_client_ping(struct cm_client *c, double *rtt_ms)
{
	uint64_t t0 = client_now_us();
	int rc = cm_client_call(c, cm_request(proto_msg_name(PROTO_REQ_PING)), NULL);

	if (rtt_ms)
		*rtt_ms = (double)(client_now_us() - t0) / 1000.0;
	return rc;
}

/* subscribe_output. */
int
cm_client_subscribe_output(struct cm_client *c, const char *session_id, json_t **reply)
{
	return cm_client_call(c, cm_request_subscribe_output(session_id), reply);
}

/* unsubscribe_output. */
int
cm_client_unsubscribe_output(struct cm_client *c, const char *session_id)
{
	return cm_client_call(c, cm_request_unsubscribe_output(session_id), NULL);
}

/* resize. */
int
cm_client_resize(struct cm_client *c, const char *session_id, int cols, int rows)
{
	return cm_client_call(c, cm_request_resize(session_id, cols, rows), NULL);
}

/* diff. */
int
cm_client_diff(struct cm_client *c, const char *session_id, int turn, int stat, json_t **reply)
{
	return cm_client_call(c, cm_request_diff(session_id, turn, stat), reply);
}

/* merge. */
int
cm_client_merge(struct cm_client *c, const char *session_id, const char *mode, json_t **reply)
{
	return cm_client_call(c, cm_request_merge(session_id, mode), reply);
}

/* list_worktrees. */
int
cm_client_list_worktrees(struct cm_client *c, json_t **worktrees)
{
	json_t *reply = NULL, *arr;
	int rc;

	*worktrees = NULL;
	rc = cm_client_call(c, cm_request(proto_msg_name(PROTO_REQ_LIST_WORKTREES)), &reply);
	if (rc < 0) {
		json_decref(reply);
		return rc;
	}
	arr = json_object_get(reply, "worktrees");
	*worktrees = json_is_array(arr) ? json_incref(arr) : json_array();
	json_decref(reply);
	return 0;
}

/* clean_worktrees. */
int
cm_client_clean_worktrees(struct cm_client *c, const char *session_id, int force, json_t **reply)
{
	return cm_client_call(c, cm_request_clean_worktrees(session_id, force), reply);
}
