/*
 * http-health: /healthz and /metrics (see http-health.h).
 */
#include "agent/transport/http-health.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent/sessions/metrics.h"
#include "agent/transport/agent.h"
#include "agent/transport/auth.h"
#include "agent/transport/gate.h"
#include "agent/transport/http.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"

#define HTTP_HEALTH_MAX	 (1024 * 1024) /* the longest /metrics page */
#define HTTP_HEALTH_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Adds one header given as C strings. */
static int
http_health_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
		   unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p,
					   end);
}

/*
 * Sends status, the headers and body (len bytes after LWS_PRE bytes of
 * headroom in body's buffer; no body for HEAD) and ends the transaction.
 */
static int
http_health_send(struct lws *wsi, unsigned int status, const char *type, unsigned char *body,
		 size_t len, int bearer_challenge)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1;
	int head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;

	if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
	    http_health_header(wsi, "cache-control:", "no-store", &p, end) ||
	    (bearer_challenge &&
	     http_health_header(wsi, "www-authenticate:", "Bearer realm=\"cm-agent\"", &p, end)) ||
	    http_security_headers(wsi, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!head && len > 0 &&
	    lws_write(wsi, body + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
http_health_healthz(struct agent *a, struct lws *wsi)
{
	unsigned char body[LWS_PRE + 128];
	int n = snprintf((char *)body + LWS_PRE, sizeof body - LWS_PRE,
			 "{\"status\":\"ok\",\"version\":\"%s\"}\n", CM_VERSION);

	(void)a;
	return http_health_send(wsi, HTTP_STATUS_OK, "application/json", body, (size_t)n, 0);
}

/* 1 if the request carries `Authorization: Bearer` with our token. */
static int
http_health_bearer_ok(struct agent *a, struct lws *wsi)
{
	char hdr[1100];
	int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);

	if (len <= 0 || len >= (int)sizeof hdr ||
	    lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
		return 0;
	len = (int)strlen(hdr);
	if (len < 8 || strncasecmp(hdr, "Bearer ", 7) != 0)
		return 0;
	return auth_token_ok(&a->auth, hdr + 7, (size_t)len - 7);
}

/* The transport's own metrics: clients and connections waiting to authenticate. */
static int
http_health_transport(struct agent *a, struct buf *out)
{
	return buf_printf(out,
			  "# HELP cm_clients Authenticated WebSocket clients.\n"
			  "# TYPE cm_clients gauge\ncm_clients %zu\n"
			  "# HELP cm_connections WebSocket connections, authenticated or not.\n"
			  "# TYPE cm_connections gauge\ncm_connections %zu\n"
			  "# HELP cm_auth_failure_score The agent-wide score of recent token "
			  "failures.\n"
			  "# TYPE cm_auth_failure_score gauge\ncm_auth_failure_score %.3f\n",
			  gate_authed_count(a), a->n_conns, a->auth.guesses.score);
}

int
http_health_metrics(struct agent *a, struct lws *wsi)
{
	static const char denied[] = "a valid Authorization: Bearer token is required\n";
	unsigned char msg[LWS_PRE + sizeof denied];
	struct buf out;
	int rc;

	if (!http_health_bearer_ok(a, wsi)) {
		/* Counted like a wrong token on the WebSocket: guessers slow down there. */
		auth_failed(&a->auth, time_wall());
		log_warn("refusing /metrics: no valid token");
		memcpy(msg + LWS_PRE, denied, sizeof denied - 1);
		return http_health_send(wsi, HTTP_STATUS_UNAUTHORIZED, "text/plain; charset=utf-8",
					msg, sizeof denied - 1, 1);
	}
	if (a->sessions.metrics == NULL)
		return http_error(wsi, HTTP_STATUS_NOT_FOUND, "metrics are off\n", 0, NULL);
	buf_init(&out, HTTP_HEALTH_MAX);
	/* Headroom for lws_write(), then the page. */
	rc = buf_printf(&out, "%*s", LWS_PRE, "");
	if (rc == 0)
		rc = metrics_render(a->sessions.metrics, &a->sessions, time_wall(), &out);
	if (rc == 0)
		rc = http_health_transport(a, &out);
	if (rc < 0) {
		buf_release(&out);
		return http_error(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, "metrics too large\n", 0,
				  NULL);
	}
	rc = http_health_send(wsi, HTTP_STATUS_OK, HTTP_HEALTH_TYPE, (unsigned char *)out.data,
			      out.len - LWS_PRE, 0);
	buf_release(&out);
	return rc;
}
