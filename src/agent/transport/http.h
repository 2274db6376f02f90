/*
 * http: the dashboard's files over plain HTTP, on the agent's WebSocket port.
 *
 * The listener's HTTP callback calls this module for every GET that is not a
 * WebSocket upgrade, /healthz or /metrics. Assets are embedded (see
 * web-assets.h) and stored gzip-compressed only: a request whose
 * Accept-Encoding does not allow gzip (curl, probes) gets the file inflated
 * as it is sent, with no ETag. Each gzip asset has a strong ETag; a matching
 * If-None-Match gets 304. Only GET and HEAD are answered (the listener
 * answers other methods 405); HEAD gets the headers alone. Every response carries the
 * security headers below, also meant for the agent's other HTTP answers:
 *
 *   Content-Security-Policy: default-src 'self'; script-src 'self';
 *     style-src 'self'; connect-src 'self'; img-src 'self' data:;
 *     frame-ancestors 'none'; base-uri 'none'; form-action 'none'
 *   X-Content-Type-Options: nosniff
 *   X-Frame-Options: DENY             (frame-ancestors for old browsers)
 *   Referrer-Policy: no-referrer
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Resource-Policy: same-origin
 *   Cache-Control: no-cache           (assets: revalidate by ETag, cheap 304)
 *
 * No cookie is ever set: the dashboard authenticates inside the WebSocket.
 *
 * Use from a libwebsockets HTTP callback (struct http_send lives in the
 * connection's per-session data):
 *
 *   case LWS_CALLBACK_HTTP:
 *           return http_serve(wsi, (const char *)in, &pss->send);
 *   case LWS_CALLBACK_HTTP_WRITEABLE:
 *           return http_send_body(wsi, &pss->send);
 *
 * Both return 0 to keep the connection, -1 to close it (what lws expects).
 */
#ifndef CM_AGENT_HTTP_H
#define CM_AGENT_HTTP_H

#include <stddef.h>

#include "common/web-assets.h"

struct lws;
struct z_stream_s;

/* What is left to send of a response body, between writable callbacks. */
struct http_send {
	const unsigned char *pos; /* next byte to send (into an embedded asset); NULL when idle */
	size_t left;		  /* bytes still to send (uncompressed if z) */
	struct z_stream_s *z;	  /* inflating for a client without gzip, or NULL */
};

/* Finds the asset for a URL path ("/" means "/index.html"; a query string is
 * ignored). Returns 0 and sets *out, or CM_ENOENT. */
int http_serve_asset(const char *path, const struct web_asset **out);

/* Returns 1 if an Accept-Encoding header value (NULL if absent) allows gzip. */
int http_accepts_gzip(const char *accept_encoding);

/* Returns 1 if an If-None-Match header value (NULL if absent) names the
 * asset's ETag (or is "*"), so that 304 is the answer. */
int http_etag_matches(const struct web_asset *a, const char *if_none_match);

/* Appends the security headers listed above to a response being built. */
int http_security_headers(struct lws *wsi, unsigned char **p, unsigned char *end);

/* Appends the status line and every header for an asset: 200 with
 * Content-Type, Content-Length, Content-Encoding gzip, Vary, ETag,
 * Cache-Control and the security headers; or 304 (not_modified) with the
 * ETag and no body. Does not finalize the header block. Returns 0, or -1 if
 * the buffer is too small. */
int http_response_headers(const struct web_asset *a, int not_modified, unsigned char **p,
			  unsigned char *end, struct lws *wsi);

/* Sends a short text/plain answer (at most 256 bytes), with an Allow header if
 * allow is not NULL, and no body for HEAD. Returns 0, or -1 to close. */
int http_error(struct lws *wsi, unsigned int status, const char *body, int head, const char *allow);

/* Answers one GET (or HEAD) for path: 200 + body, 304 or 404, reading
 * Accept-Encoding and If-None-Match from the request. A body is left in
 * *send and lws is asked for a writable callback. Returns 0, or -1 to close. */
int http_serve(struct lws *wsi, const char *path, struct http_send *send);

/* Sends the next piece of a pending body (from LWS_CALLBACK_HTTP_WRITEABLE);
 * completes the transaction after the last one. Returns 0, or -1 to close. */
int http_send_body(struct lws *wsi, struct http_send *send);

/* Frees what a response in progress holds (when the connection closes). */
void http_send_release(struct http_send *send);

#endif
