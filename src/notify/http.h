/*
 * http: one HTTP POST with libcurl, bounded in time and size, for the
 * delivery thread (never the event loop).
 *
 * libcurl rather than libwebsockets' client: it runs in the delivery
 * thread where blocking calls are fine, honours the proxy variables
 * (https_proxy, no_proxy) that phones-and-VPN setups rely on, verifies TLS
 * against the system's CAs, and needs no protocol table on the caller's
 * lws context. Only http and https are allowed, redirects are not followed
 * (a webhook that moves is an error to see), the answer's body is read and
 * dropped (at most 64 KiB).
 */
#ifndef CM_NOTIFY_HTTP_H
#define CM_NOTIFY_HTTP_H

#include <stddef.h>

/* What became of a POST. */
enum notify_http_result {
	NOTIFY_HTTP_OK = 0,    /* 2xx */
	NOTIFY_HTTP_RETRY,     /* network error, timeout, 408, 429 or 5xx: try again later */
	NOTIFY_HTTP_PERMANENT, /* another status: trying again will not help */
};

/* Initialises libcurl once; call from the main thread before any thread starts. */
void notify_http_global_init(void);
/*
 * POSTs body (len bytes, content_type) to url within timeout_ms; gives up
 * as soon as *cancel (a flag set once, read without a lock) becomes
 * non-zero. *status gets the HTTP status (0 if none); err a line for the log.
 */
enum notify_http_result notify_http_post(const char *url, const char *content_type,
					 const char *body, size_t len, int timeout_ms,
					 const int *cancel, long *status, char *err, size_t n);

#endif
