/*
 * listener: lws context, vhosts and the protocol callback (see listener.h).
 */
#include "agent/transport/listener.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/transport/agent.h"
#include "agent/transport/auth-slow.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/transport/fdreserve.h"
#include "agent/tmux/fdwatch.h"
#include "agent/transport/gate.h"
#include "agent/transport/hostcheck.h"
#include "agent/transport/http-health.h"
#include "agent/transport/http.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define LISTENER_AUTH_TIMEOUT 5 /* seconds to authenticate */

/* Per-connection data lws allocates for us. */
struct listener_pss {
	struct conn *conn;     /* the WebSocket client, once established */
	struct http_send send; /* pending HTTP body */
	int bearer;	       /* Authorization: Bearer was 1 right, -1 wrong, 0 absent */
};

/* Copies a header into buf; returns its length or -1 if absent or too long. */
static int
listener_header(struct lws *wsi, enum lws_token_indexes tok, char *buf, int size)
{
	int len = lws_hdr_total_length(wsi, tok);

	if (len <= 0 || len >= size)
		return -1;
	return lws_hdr_copy(wsi, buf, size, tok);
}

/* Tells whether the Origin of an upgrade is acceptable. */
static int
listener_origin_ok(struct agent *a, struct lws *wsi)
{
	char origin[256], host[256];
	const char *o;

	if (listener_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) < 0)
		return lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0; /* none: not a browser */
	for (size_t i = 0; i < a->cfg.n_origins; i++)
		if (strcmp(origin, a->cfg.origins[i]) == 0)
			return 1;
	if (listener_header(wsi, WSI_TOKEN_HOST, host, sizeof host) < 0)
		return 0;
	if (strncmp(origin, "http://", 7) == 0)
		o = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		o = origin + 8;
	else
		return 0;
	return strcmp(o, host) == 0;
}

/* Checks an Authorization header: 1 right Bearer token, -1 anything else, 0 none. */
static int
listener_bearer(struct agent *a, struct lws *wsi)
{
	char hdr[1100];
	int len;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) <= 0)
		return 0;
	len = listener_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, hdr, sizeof hdr);
	if (len < 8 || strncasecmp(hdr, "Bearer ", 7) != 0)
		return -1;
	return auth_token_ok(&a->auth, hdr + 7, (size_t)len - 7) ? 1 : -1;
}

/* Tells whether the request's Host names the agent (see hostcheck.h). */
static int
listener_host_ok(struct agent *a, struct lws *wsi, char *host, size_t size)
{
	int len = lws_hdr_total_length(wsi, WSI_TOKEN_HOST);

	snprintf(host, size, "%s", "(too long)");
	if (a->vhost_unix != NULL && lws_get_vhost(wsi) == a->vhost_unix)
		return 1;
	if (len <= 0)
		return 1;
	if (listener_header(wsi, WSI_TOKEN_HOST, host, (int)size) < 0)
		return 0;
	if (hostcheck_ok(&a->cfg, host))
		return 1;
	/* The refused value is logged and echoed: printable ASCII only. */
	for (char *p = host; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return 0;
}

/* Tells whether the request is a GET or a HEAD (the only methods served). */
static int
listener_method_ok(struct lws *wsi)
{
	return lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0 ||
	       lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
}

/* Answers a refused upgrade with status and a one-line text body; returns 1. */
static int
listener_refuse(struct lws *wsi, unsigned int status, const char *why)
{
	unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start,
					  *end = buf + sizeof buf - 1;
	char body[384];
	int n = snprintf(body, sizeof body, "%s\n", why);

	if (lws_add_http_common_headers(wsi, status, "text/plain", (lws_filepos_t)n, &p, end) ||
	    http_security_headers(wsi, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (lws_write(wsi, (unsigned char *)body, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
		return -1;
	return 1;
}

/* A WebSocket frame (or a fragment of one) arrived. */
static int
listener_receive(struct conn *c, struct lws *wsi, const void *in, size_t len)
{
	int final = lws_is_final_fragment(wsi);

	if (c->closing || c->auth_held)
		return 0; /* on its way out: nothing more is read */
	/*
	 * A new message starts when none is being put together: lws may call
	 * this several times for one frame it inflates (permessage-deflate),
	 * each call saying "first fragment", so that flag cannot tell.
	 */
	if (!c->rx_partial) {
		buf_reset(&c->rx);
		c->rx_binary = lws_frame_is_binary(wsi);
		c->rx_partial = 1;
	}
	if (!c->rx_binary && buf_append(&c->rx, in, len) < 0) {
		char msg[96];

		/* Refuse at once rather than read the rest of a huge frame. */
		snprintf(msg, sizeof msg, "message larger than %ld bytes",
			 c->agent->cfg.max_message);
		conn_error(c, PROTO_ERR_TOO_LARGE, msg, NULL, NULL,
			   LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
		buf_reset(&c->rx);
		return 0;
	}
	if (!final || lws_remaining_packet_payload(wsi) > 0)
		return 0;
	c->rx_partial = 0;
	if (c->rx_binary)
		conn_error(c, PROTO_ERR_BINARY_FRAME,
			   "binary frames are not accepted; send JSON text", NULL, NULL, 0);
	else
		dispatch_frame(c, c->rx.data ? c->rx.data : "", c->rx.len);
	buf_reset(&c->rx);
	return 0;
}

/* Serves HTTP and the WebSocket protocol. */
static int
listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len)
{
	struct listener_pss *pss = user;
	struct agent *a = agent_self;
	char host[300], why[384];
	struct conn *c;

	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		gate_admit(a, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* Every wsi of the vhost ends here, the adopted descriptors too. */
		gate_forget(wsi);
		if (pss != NULL && lws_get_protocol(wsi) != NULL &&
		    strcmp(lws_get_protocol(wsi)->name, "cm") == 0)
			http_send_release(&pss->send);
		return 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (pss != NULL)
			http_send_release(&pss->send);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (!listener_host_ok(a, wsi, host, sizeof host)) {
			log_warn("refusing an HTTP request for Host %s", host);
			snprintf(why, sizeof why, "Host %.200s is not this agent's name\n", host);
			return http_error(wsi, 421, why, 0, NULL);
		}
		if (!listener_method_ok(wsi)) {
			/* A body may follow: answer, then close rather than read it. */
			http_error(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "only GET and HEAD\n", 0,
				   "GET, HEAD");
			return -1;
		}
		if (strcmp((const char *)in, "/healthz") == 0)
			return http_health_healthz(a, wsi);
		if (strcmp((const char *)in, "/metrics") == 0)
			return http_health_metrics(a, wsi);
		return http_serve(wsi, (const char *)in, &pss->send);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_send_body(wsi, &pss->send);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* Refused upgrades get a real HTTP answer saying why. */
		if (!listener_host_ok(a, wsi, host, sizeof host)) {
			log_warn("refusing an upgrade for Host %s", host);
			snprintf(why, sizeof why, "Host %.255s is not this agent's name", host);
			return listener_refuse(wsi, 421, why);
		}
		if (a->stopping || gate_authed_count(a) >= (size_t)a->cfg.max_clients) {
			log_warn("refusing a client: %zu clients authenticated (max %ld)",
				 gate_authed_count(a), a->cfg.max_clients);
			return listener_refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
					       "too many clients (max_clients)");
		}
		if (!listener_origin_ok(a, wsi)) {
			log_warn("refusing an upgrade from a foreign Origin");
			return listener_refuse(wsi, HTTP_STATUS_FORBIDDEN, "Origin not allowed");
		}
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		pss->bearer = listener_bearer(a, wsi);
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		pss->conn = c = conn_new(a, wsi);
		log_debug("client %llu connected from %s", (unsigned long long)c->id, c->peer);
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LISTENER_AUTH_TIMEOUT);
		if (pss->bearer > 0 && gate_authenticated(a, c) == 0) {
			json_t *r = message_reply(proto_msg_name(PROTO_MSG_AUTHENTICATED), NULL);

			c->authed = 1;
			lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
			json_object_set_new(r, "status", json_string("authenticated"));
			json_object_set_new(r, "agent", json_string("cm-agent"));
			json_object_set_new(r, "version", json_string(CM_VERSION));
			json_object_set_new(r, "protocol", json_integer(PROTO_VERSION));
			json_object_set_new(r, "seq",
					    json_integer((json_int_t)a->sessions.bus.seq));
			conn_reply(c, r);
		} else if (pss->bearer < 0) {
			/* Counted and slowed down like a wrong auth message. */
			auth_slow_fail(c, NULL);
		}
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if ((c = pss->conn) == NULL)
			return -1;
		return listener_receive(c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if ((c = pss->conn) == NULL)
			return -1;
		return conn_on_writeable(c);
	case LWS_CALLBACK_CLOSED:
		if ((c = pss->conn) != NULL) {
			log_debug("client %llu disconnected", (unsigned long long)c->id);
			c->wsi = NULL;
			conn_free(c);
			pss->conn = NULL;
		}
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* Routes the adopted descriptors' callbacks. */
static int
listener_fd_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len)
{
	return fdwatch_callback(wsi, (int)reason, user, in, len);
}

static struct lws_protocols listener_protocols[] = {
    {"cm", listener_callback, sizeof(struct listener_pss), 65536, 0, NULL, 0},
    {"cm-fd", listener_fd_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Sends lws's own log lines to ours, at debug level. */
static void
listener_lws_log(int level, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	while (len > 0 && line[len - 1] == '\n')
		len--;
	/* lws retries a failed accept() at once: shed instead of spinning. */
	if ((p = strstr(line, "accept: errno ")) != NULL) {
		fdreserve_accept_failed(atoi(p + 14));
		return;
	}
	if (level & LLL_ERR)
		log_warn("lws: %.*s", (int)len, line);
	else
		log_debug("lws: %.*s", (int)len, line);
}

/*
 * RFC 7692 compression, for the clients that offer it (browsers, libcm,
 * most WebSocket libraries): live output and events are text a terminal
 * repeats, which deflate shrinks about ten times (bench/wire.py). The
 * agent never sends a secret to a client, so what one message holds
 * cannot be learnt from how the next one compresses.
 */
static const struct lws_extension listener_extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate"},
    {NULL, NULL, NULL},
};

/* Creates a vhost listening on TCP (iface, port) or a Unix socket. */
static struct lws_vhost *
listener_vhost(struct agent *a, const char *name, const char *iface, int port, int unix_sock)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof info);
	info.vhost_name = name;
	info.port = port;
	info.iface = iface;
	info.protocols = listener_protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (unix_sock)
		info.options |= LWS_SERVER_OPTION_UNIX_SOCK;
	info.keepalive_timeout = 30;
	info.timeout_secs = 30;
	if (!a->cfg.no_compression)
		info.extensions = listener_extensions;
	return lws_create_vhost(a->lws, &info);
}

/* Starts the context and listeners. */
int
listener_start(struct agent *a)
{
	struct lws_context_creation_info info;

	lws_set_log_level(LLL_ERR | LLL_WARN |
			      (log_get_level() >= LOG_LEVEL_DEBUG ? LLL_NOTICE : 0),
			  listener_lws_log);
	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = listener_protocols;
	info.fd_limit_per_thread = 4096 + 4 * (unsigned)a->cfg.max_sessions;
	info.pt_serv_buf_size = 64 * 1024;
	a->lws = lws_create_context(&info);
	if (a->lws == NULL) {
		log_error("cannot create the event loop");
		return -1;
	}
	if (a->cfg.port >= 0) {
		a->vhost = listener_vhost(a, "tcp", a->cfg.bind, a->cfg.port, 0);
		if (a->vhost == NULL) {
			log_error("cannot listen on %s:%d (in use? try: ss -ltnp | grep %d)",
				  a->cfg.bind, a->cfg.port, a->cfg.port);
			return -1;
		}
		a->port = lws_get_vhost_listen_port(a->vhost);
		log_info("listening on %s:%d", a->cfg.bind, a->port);
	}
	if (a->cfg.unix_path != NULL) {
		/* Born private: no moment in which another user could connect. */
		mode_t mask = umask(077);

		unlink(a->cfg.unix_path);
		a->vhost_unix = listener_vhost(a, "unix", a->cfg.unix_path, 0, 1);
		umask(mask);
		if (a->vhost_unix == NULL) {
			log_error("cannot listen on %s", a->cfg.unix_path);
			return -1;
		}
		chmod(a->cfg.unix_path, 0600);
		log_info("listening on unix:%s", a->cfg.unix_path);
		if (a->vhost == NULL)
			a->vhost = a->vhost_unix;
	}
	if (a->vhost == NULL) {
		log_error("nothing to listen on: give --port or --unix");
		return -1;
	}
	fdreserve_init();
	return 0;
}

/* Destroys the context (closes every connection). */
void
listener_stop(struct agent *a)
{
	auth_slow_release(a);
	gate_release(a);
	fdreserve_release();
	if (a->lws != NULL)
		lws_context_destroy(a->lws);
	a->lws = NULL;
}
