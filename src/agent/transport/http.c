/*
 * http: serves the embedded dashboard; see http.h for the rules.
 *
 * Called by the listener for plain HTTP GETs. The asset table is sorted by
 * the generator, so lookup is a bsearch(). Bodies go out in pieces of
 * HTTP_CHUNK bytes, one per writable callback, straight from the table (a
 * piece is copied behind LWS_PRE bytes of headroom, as lws_write() needs).
 * A client that does not take gzip gets the file inflated piece by piece
 * into the same buffer: only that response holds a zlib stream (about
 * 40 KB), so the embedded table stays the one copy of each file.
 */
#include "agent/transport/http.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "common/err.h"
#include "common/xmalloc.h"

#define HTTP_CHUNK 16384 /* body bytes per writable callback */
#define HTTP_HDR   2048	 /* bytes for a response's header block */

#define HTTP_CSP                                                                                   \
	"default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "            \
	"img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/* Name and value of each security header, in the order they are sent. */
static const struct {
	const char *name;
	const char *value;
} security_headers[] = {
    {"content-security-policy:", HTTP_CSP},
    {"x-content-type-options:", "nosniff"},
    {"x-frame-options:", "DENY"},
    {"referrer-policy:", "no-referrer"},
    {"cross-origin-opener-policy:", "same-origin"},
    {"cross-origin-resource-policy:", "same-origin"},
};

#if !defined(CM_WITH_WEB)
/* Built without the dashboard (-DCM_WEB=OFF): an empty table. */
const struct web_asset cm_web_assets[1];
const size_t cm_web_assets_count = 0;
#endif

/* Orders a path against a table entry, for bsearch(). */
static int
asset_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct web_asset *)entry)->path);
}

/* Adds one header given as C strings. */
static int
add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
	   unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p,
					   end);
}

int
http_serve_asset(const char *path, const struct web_asset **out)
{
	char key[256];
	size_t len = strcspn(path, "?#");

	if (len == 1 && path[0] == '/') {
		path = "/index.html";
		len = strlen(path);
	}
	if (len >= sizeof key)
		return CM_ENOENT;
	memcpy(key, path, len);
	key[len] = '\0';
	*out = bsearch(key, cm_web_assets, cm_web_assets_count, sizeof cm_web_assets[0], asset_cmp);
	return *out != NULL ? 0 : CM_ENOENT;
}

int
http_accepts_gzip(const char *accept_encoding)
{
	const char *s = accept_encoding;

	/* Tokens are separated by commas; "gzip;q=0" refuses it explicitly. */
	while (s != NULL && *s != '\0') {
		size_t len = strcspn(s, ",");
		const char *tok = s;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		if ((strncasecmp(tok, "gzip", 4) == 0 || strncmp(tok, "*", 1) == 0)) {
			const char *q = strchr(tok, ';');
			if (q == NULL || q >= s + len)
				return 1;
			while (*++q == ' ')
				;
			if (strncasecmp(q, "q=", 2) != 0 || strtod(q + 2, NULL) > 0)
				return 1;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return 0;
}

int
http_etag_matches(const struct web_asset *a, const char *if_none_match)
{
	if (if_none_match == NULL)
		return 0;
	/* A list of quoted tags; ours contain no comma or quote of their own. */
	return strcmp(if_none_match, "*") == 0 || strstr(if_none_match, a->etag) != NULL;
}

int
http_security_headers(struct lws *wsi, unsigned char **p, unsigned char *end)
{
	for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
		if (add_header(wsi, security_headers[i].name, security_headers[i].value, p, end))
			return -1;
	return 0;
}

int
http_response_headers(const struct web_asset *a, int not_modified, unsigned char **p,
		      unsigned char *end, struct lws *wsi)
{
	if (not_modified) {
		if (lws_add_http_header_status(wsi, HTTP_STATUS_NOT_MODIFIED, p, end))
			return -1;
	} else if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, a->content_type, a->length, p,
					       end) ||
		   add_header(wsi, "content-encoding:", "gzip", p, end)) {
		return -1;
	}
	if (add_header(wsi, "etag:", a->etag, p, end) ||
	    add_header(wsi, "vary:", "Accept-Encoding", p, end) ||
	    add_header(wsi, "cache-control:", "no-cache", p, end))
		return -1;
	return http_security_headers(wsi, p, end);
}

int
http_error(struct lws *wsi, unsigned int status, const char *body, int head, const char *allow)
{
	unsigned char buf[LWS_PRE + HTTP_HDR], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1;
	size_t len = strlen(body);

	if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8", len, &p, end) ||
	    add_header(wsi, "cache-control:", "no-store", &p, end) ||
	    (allow != NULL && add_header(wsi, "allow:", allow, &p, end)) ||
	    http_security_headers(wsi, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (!head) {
		unsigned char out[LWS_PRE + 256];
		if (len > sizeof out - LWS_PRE)
			return -1;
		memcpy(out + LWS_PRE, body, len);
		if (lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
			return -1;
	}
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Sends a short text/plain answer (404) and ends the transaction. */
static int
serve_error(struct lws *wsi, unsigned int status, const char *body, int head)
{
	return http_error(wsi, status, body, head, NULL);
}

/* Starts an uncompressed response: headers now, the body inflated later. */
static int
serve_identity(struct lws *wsi, const struct web_asset *a, int head, struct http_send *send)
{
	unsigned char buf[LWS_PRE + HTTP_HDR], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1;

	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, a->content_type, a->raw_length, &p,
					end) ||
	    add_header(wsi, "vary:", "Accept-Encoding", &p, end) ||
	    add_header(wsi, "cache-control:", "no-cache", &p, end) ||
	    http_security_headers(wsi, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (head || a->raw_length == 0)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	send->z = xcalloc(1, sizeof *send->z);
	if (inflateInit2(send->z, 16 + MAX_WBITS) != Z_OK) {
		free(send->z);
		send->z = NULL;
		return -1;
	}
	send->z->next_in = (unsigned char *)a->data;
	send->z->avail_in = (unsigned)a->length;
	send->pos = a->data;
	send->left = a->raw_length;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Copies a request header into buf; returns buf, or NULL if it is absent or too long. */
static const char *
get_header(struct lws *wsi, enum lws_token_indexes token, char *buf, int size)
{
	if (lws_hdr_total_length(wsi, token) <= 0 || lws_hdr_copy(wsi, buf, size, token) < 0)
		return NULL;
	return buf;
}

int
http_serve(struct lws *wsi, const char *path, struct http_send *send)
{
	unsigned char buf[LWS_PRE + HTTP_HDR], *start = buf + LWS_PRE, *p = start;
	unsigned char *end = buf + sizeof buf - 1;
	char ae[256], inm[256];
	const struct web_asset *a;
	int head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
	int not_modified;

	http_send_release(send);
	if (http_serve_asset(path, &a) != 0)
		return serve_error(wsi, HTTP_STATUS_NOT_FOUND, "not found\n", head);
	if (!http_accepts_gzip(get_header(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae)))
		return serve_identity(wsi, a, head, send);
	not_modified =
	    http_etag_matches(a, get_header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof inm));
	if (http_response_headers(a, not_modified, &p, end, wsi) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (not_modified || head)
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	send->pos = a->data;
	send->left = a->length;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Inflates the next piece of an uncompressed response into out; returns its length or -1. */
static int
send_inflate(struct http_send *send, unsigned char *out, size_t n)
{
	int rc;

	send->z->next_out = out;
	send->z->avail_out = (unsigned)n;
	while (send->z->avail_out > 0) {
		rc = inflate(send->z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			return -1;
		if (rc == Z_STREAM_END)
			break;
	}
	return send->z->avail_out == 0 ? (int)n : -1;
}

int
http_send_body(struct lws *wsi, struct http_send *send)
{
	unsigned char buf[LWS_PRE + HTTP_CHUNK];
	size_t n;
	int final;

	if (send->pos == NULL)
		return 0;
	n = send->left < HTTP_CHUNK ? send->left : HTTP_CHUNK;
	final = n == send->left;
	if (send->z != NULL) {
		if (send_inflate(send, buf + LWS_PRE, n) < 0)
			return -1;
	} else {
		memcpy(buf + LWS_PRE, send->pos, n);
		send->pos += n;
	}
	if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	send->left -= n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	http_send_release(send);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void
http_send_release(struct http_send *send)
{
	if (send->z != NULL) {
		inflateEnd(send->z);
		free(send->z);
	}
	send->z = NULL;
	send->pos = NULL;
	send->left = 0;
}
