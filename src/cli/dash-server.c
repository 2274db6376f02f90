/*
 * dash-server: the dashboard's HTTP side: the embedded files, with the
 * agent's security headers, and the Host and Origin rules of its listener.
 *
 * The rules are the agent's (src/agent/transport/hostcheck.c and
 * listener.c), written again here in their dashboard form because the
 * agent's versions read its configuration: a Host must be an address
 * literal, localhost or a name given with --allow-host (a rebound DNS
 * name is refused with 421), and a WebSocket's Origin, when a browser
 * sends one, must be this very server (the scheme served + Host). The CSP is the agent's, byte for
 * byte.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "common/web-assets.h"
#include "common/xmalloc.h"
#include "dash.h"

#define DASH_CSP                                                                                   \
	"default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "            \
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#define DASH_CHUNK 16384

#if !defined(CM_WITH_WEB)
/* Built without the dashboard's files (-DCM_WEB=OFF): nothing to serve. */
const struct web_asset cm_web_assets[1];
const size_t cm_web_assets_count = 0;
#endif

static const char *const dash_headers[][2] = {
    {"content-security-policy:", DASH_CSP},
    {"x-content-type-options:", "nosniff"},
    {"x-frame-options:", "DENY"},
    {"referrer-policy:", "no-referrer"},
    {"cross-origin-opener-policy:", "same-origin"},
    {"cross-origin-resource-policy:", "same-origin"},
    {"cache-control:", "no-cache"},
};

/* Copies a header into buf; -1 if absent or too long. */
static int
dash_header(struct lws *wsi, enum lws_token_indexes tok, char *buf, int size)
{
	int len = lws_hdr_total_length(wsi, tok);

	if (len <= 0 || len >= size)
		return -1;
	return lws_hdr_copy(wsi, buf, size, tok);
}

int
dash_host_ok(const struct dash *d, struct lws *wsi)
{
	char host[300], name[300], *end;
	unsigned char addr[16];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0)
		return 1; /* not a browser */
	if (dash_header(wsi, WSI_TOKEN_HOST, host, sizeof host) < 0)
		return 0;
	if (host[0] == '[') {
		if (!(end = strchr(host, ']')))
			return 0;
		*end = '\0';
		return inet_pton(AF_INET6, host + 1, addr) == 1;
	}
	snprintf(name, sizeof name, "%.*s", (int)strcspn(host, ":"), host);
	for (size_t i = 0; i < d->nhosts; i++)
		if (!strcasecmp(name, d->hosts[i]))
			return 1;
	return inet_pton(AF_INET, name, addr) == 1 || !strcasecmp(name, "localhost");
}

int
dash_origin_ok(const struct dash *d, struct lws *wsi)
{
	const char *scheme = d->tls ? "https://" : "http://";
	size_t n = strlen(scheme);
	char origin[300], host[300];

	if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
		return 1; /* none: not a browser */
	if (dash_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) < 0 ||
	    dash_header(wsi, WSI_TOKEN_HOST, host, sizeof host) < 0)
		return 0;
	return !strncmp(origin, scheme, n) && !strcmp(origin + n, host);
}

int
dash_refuse(struct lws *wsi, unsigned status, const char *why)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1, body[LWS_PRE + 256];
	int n = snprintf((char *)body + LWS_PRE, sizeof body - LWS_PRE, "%s\n", why);

	if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8", (lws_filepos_t)n,
					&p, end))
		return 1;
	for (size_t i = 0; i < sizeof dash_headers / sizeof dash_headers[0]; i++)
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)dash_headers[i][0],
						(const unsigned char *)dash_headers[i][1],
						(int)strlen(dash_headers[i][1]), &p, end))
			return 1;
	if (lws_finalize_write_http_header(wsi, start, &p, end) == 0)
		lws_write(wsi, body + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_FINAL);
	return 1;
}

/* Orders a path against a table entry, for bsearch(). */
static int
dash_asset_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct web_asset *)entry)->path);
}

/* Writes a status line, headers and (for a short answer) its body. */
static int
dash_reply(struct dash_sess *s, unsigned status, const char *type, size_t len, int gzip,
	   const char *location)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1;

	if (lws_add_http_common_headers(s->wsi, status, type, len, &p, end))
		return -1;
	for (size_t i = 0; i < sizeof dash_headers / sizeof dash_headers[0]; i++)
		if (lws_add_http_header_by_name(s->wsi, (const unsigned char *)dash_headers[i][0],
						(const unsigned char *)dash_headers[i][1],
						(int)strlen(dash_headers[i][1]), &p, end))
			return -1;
	if (gzip && lws_add_http_header_by_name(s->wsi, (const unsigned char *)"content-encoding:",
						(const unsigned char *)"gzip", 4, &p, end))
		return -1;
	if (location && lws_add_http_header_by_name(s->wsi, (const unsigned char *)"location:",
						    (const unsigned char *)location,
						    (int)strlen(location), &p, end))
		return -1;
	if (lws_finalize_write_http_header(s->wsi, start, &p, end))
		return -1;
	if (s->body_left)
		lws_callback_on_writable(s->wsi);
	else if (lws_http_transaction_completed(s->wsi))
		return -1;
	return 0;
}

/* A short text answer. */
static int
dash_text(struct dash_sess *s, unsigned status, const char *text)
{
	s->body = (const unsigned char *)text;
	s->body_left = strlen(text);
	return dash_reply(s, status, "text/plain; charset=utf-8", s->body_left, 0, NULL);
}

/* True if the request takes gzip (browsers all do; curl without --compressed does not). */
static int
dash_takes_gzip(struct lws *wsi)
{
	char ae[512];

	return dash_header(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae) > 0 &&
	       strstr(ae, "gzip") != NULL;
}

/* Inflates an asset whole, for a client without gzip. */
static unsigned char *
dash_inflate(const struct web_asset *a)
{
	unsigned char *out = xmalloc(a->raw_length + 1);
	z_stream z;
	int rc;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (unsigned char *)a->data;
	z.avail_in = (uInt)a->length;
	z.next_out = out;
	z.avail_out = (uInt)a->raw_length;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

int
dash_http(struct dash_sess *s, const char *path)
{
	const struct web_asset *a;
	char key[256];
	size_t len = strcspn(path, "?#");

	if (!dash_host_ok(s->d, s->wsi))
		return dash_text(s, 421,
				 "this dashboard answers to address literals, localhost and "
				 "--allow-host names only\n");
	if (len == 1 && path[0] == '/')
		return dash_reply(s, 302, "text/plain; charset=utf-8", 0, 0, "/fleet/");
	if (len == 7 && !strncmp(path, "/fleet/", 7))
		path = "/index.html", len = strlen(path);
	if (len >= sizeof key)
		return dash_text(s, 404, "not found\n");
	memcpy(key, path, len);
	key[len] = '\0';
	a = bsearch(key, cm_web_assets, cm_web_assets_count, sizeof cm_web_assets[0],
		    dash_asset_cmp);
	if (!a)
		return dash_text(s, 404, "not found\n");
	if (dash_takes_gzip(s->wsi)) {
		s->body = a->data;
		s->body_left = a->length;
		return dash_reply(s, 200, a->content_type, a->length, 1, NULL);
	}
	if (!(s->body_owned = dash_inflate(a)))
		return dash_text(s, 500, "cannot inflate\n");
	s->body = s->body_owned;
	s->body_left = a->raw_length;
	return dash_reply(s, 200, a->content_type, a->raw_length, 0, NULL);
}

int
dash_http_write(struct dash_sess *s)
{
	unsigned char buf[LWS_PRE + DASH_CHUNK];
	size_t n = s->body_left < DASH_CHUNK ? s->body_left : DASH_CHUNK;
	int last = n == s->body_left;

	if (!s->body_left)
		return 0;
	memcpy(buf + LWS_PRE, s->body, n);
	if (lws_write(s->wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	s->body += n;
	s->body_left -= n;
	if (!last) {
		lws_callback_on_writable(s->wsi);
		return 0;
	}
	free(s->body_owned);
	s->body_owned = NULL;
	return lws_http_transaction_completed(s->wsi) ? -1 : 0;
}
