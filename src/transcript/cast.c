/*
 * cast: asciicast v2 lines. Writing: JSON strings from arbitrary bytes
 * (invalid UTF-8 becomes U+FFFD, as asciinema's own recorder does, with a
 * sequence split across two writes kept whole). Reading: the event lines
 * this store writes and, defensively, anything else a file may hold; a
 * line that does not parse is skipped by the callers.
 */
#include "transcript/tr-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* Length of the sequence a lead byte starts, or 0 if it cannot start one. */
static size_t
tr_utf8_want(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* True if s[0..n) may still become a whole sequence with more bytes. */
static int
tr_utf8_prefix(const unsigned char *s, size_t n)
{
	size_t want = tr_utf8_want(s[0]);

	if (want == 0 || n >= want)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

static void
tr_json_bytes(struct buf *b, const unsigned char *s, size_t len, int last,
	      struct tr_utf8_carry *carry, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c < 0x80) {
			char esc[7] = "\\u00";

			if (c == '"' || c == '\\') {
				esc[1] = (char)c;
				buf_append(b, esc, 2);
			} else if (c == '\n') {
				buf_append(b, "\\n", 2);
			} else if (c == '\r') {
				buf_append(b, "\\r", 2);
			} else if (c == '\t') {
				buf_append(b, "\\t", 2);
			} else if (c < 0x20 || c == 0x7f) {
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				buf_append(b, esc, 6);
			} else {
				buf_append(b, &s[i], 1);
			}
			i++;
			continue;
		}
		if ((n = utf8_seqlen(s + i, len - i)) > 0) {
			buf_append(b, s + i, n);
			i += n;
			continue;
		}
		if (!last && carry != NULL && tr_utf8_prefix(s + i, len - i))
			break; /* the rest comes with the next write */
		buf_append(b, "\xef\xbf\xbd", 3);
		i++;
	}
	*used = i;
}

void
tr_json_string(struct buf *b, const void *s, size_t len, struct tr_utf8_carry *carry)
{
	const unsigned char *p = s;
	unsigned char *joined = NULL;
	size_t used;

	buf_append(b, "\"", 1);
	if (carry != NULL && carry->n > 0) {
		/* The sequence split by the previous write is finished by this one. */
		joined = xmalloc(carry->n + len);
		memcpy(joined, carry->b, carry->n);
		if (len > 0)
			memcpy(joined + carry->n, s, len);
		len += carry->n;
		carry->n = 0;
		p = joined;
	}
	tr_json_bytes(b, p, len, carry == NULL, carry, &used);
	if (carry != NULL && used < len) {
		carry->n = len - used;
		memcpy(carry->b, p + used, carry->n);
	}
	free(joined);
	buf_append(b, "\"", 1);
}

static const char *
tr_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static int
tr_hex4(const char *p, const char *end, unsigned *v)
{
	*v = 0;
	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static void
tr_put_utf8(struct buf *out, unsigned cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(out, u, n);
}

/* Decodes the JSON string at *pp (at its opening quote) into out (if not NULL). */
static int
tr_json_decode(const char **pp, const char *end, struct buf *out)
{
	const char *p = *pp;

	if (p >= end || *p++ != '"')
		return -1;
	while (p < end && *p != '"') {
		const char *run = p;
		unsigned cp, lo;

		while (p < end && *p != '"' && *p != '\\')
			p++;
		if (out != NULL && p > run)
			buf_append(out, run, (size_t)(p - run));
		if (p >= end || *p == '"')
			break;
		if (++p >= end)
			return -1;
		switch (*p++) {
		case '"':
		case '\\':
		case '/':
			cp = (unsigned char)p[-1];
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (tr_hex4(p, end, &cp) < 0)
				return -1;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' &&
			    p[1] == 'u' && tr_hex4(p + 2, end, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd; /* a lone surrogate */
			}
			break;
		default:
			return -1;
		}
		if (out != NULL)
			tr_put_utf8(out, cp);
	}
	if (p >= end)
		return -1;
	*pp = p + 1;
	return 0;
}

/* Parses a non-negative JSON number of seconds into µs. */
static int
tr_json_seconds(const char **pp, const char *end, uint64_t *us)
{
	char num[40];
	size_t n = 0;
	const char *p = *pp;
	double v;
	char *e;

	while (p < end && n < sizeof num - 1 && *p != '\0' && strchr("0123456789.eE+-", *p) != NULL)
		num[n++] = *p++;
	num[n] = '\0';
	if (n == 0)
		return -1;
	v = strtod(num, &e);
	if (*e != '\0' || !isfinite(v) || v < 0 || v > 1e12)
		return -1;
	*us = (uint64_t)llround(v * 1e6);
	*pp = p;
	return 0;
}

int
tr_event_parse(const char *line, size_t len, struct tr_event *ev, struct buf *out)
{
	const char *p = line, *end = line + len;
	struct buf code;

	p = tr_ws(p, end);
	if (p >= end || *p++ != '[')
		return CM_EINVAL;
	p = tr_ws(p, end);
	if (tr_json_seconds(&p, end, &ev->t_us) < 0)
		return CM_EINVAL;
	p = tr_ws(p, end);
	if (p >= end || *p++ != ',')
		return CM_EINVAL;
	p = tr_ws(p, end);
	buf_init(&code, 8);
	if (tr_json_decode(&p, end, &code) < 0 || code.len != 1) {
		buf_release(&code);
		return CM_EINVAL;
	}
	ev->code = code.data[0];
	buf_release(&code);
	p = tr_ws(p, end);
	if (p >= end || *p++ != ',')
		return CM_EINVAL;
	p = tr_ws(p, end);
	if (out != NULL)
		buf_reset(out);
	if (tr_json_decode(&p, end, out) < 0)
		return CM_EINVAL;
	p = tr_ws(p, end);
	if (p >= end || *p != ']')
		return CM_EINVAL;
	return 0;
}

void
tr_text_times(const char *text, size_t len, uint64_t *first, uint64_t *last, uint32_t *events)
{
	const char *p = text, *end = text + len;
	struct tr_event ev;

	*first = *last = 0;
	*events = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (tr_event_parse(p, (size_t)(le - p), &ev, NULL) == 0) {
			if (*events == 0)
				*first = ev.t_us;
			if (ev.t_us > *last)
				*last = ev.t_us;
			++*events;
		}
		p = nl ? nl + 1 : end;
	}
	if (*last < *first)
		*last = *first;
}

/* Skips one JSON value of any kind (for header members we do not use). */
static int
tr_json_skip(const char **pp, const char *end, int depth)
{
	const char *p = tr_ws(*pp, end);

	if (p >= end || depth > 16)
		return -1;
	if (*p == '"') {
		if (tr_json_decode(&p, end, NULL) < 0)
			return -1;
	} else if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		p = tr_ws(p + 1, end);
		while (p < end && *p != close) {
			if (close == '}') {
				if (tr_json_decode(&p, end, NULL) < 0)
					return -1;
				p = tr_ws(p, end);
				if (p >= end || *p++ != ':')
					return -1;
			}
			if (tr_json_skip(&p, end, depth + 1) < 0)
				return -1;
			p = tr_ws(p, end);
			if (p < end && *p == ',')
				p = tr_ws(p + 1, end);
			else if (p >= end || *p != close)
				return -1; /* neither a comma nor the end: not JSON */
		}
		if (p >= end)
			return -1;
		p++;
	} else {
		const char *v = p;

		/* numbers, true, false, null: nothing else is a JSON scalar */
		while (p < end && *p != '\0' && strchr("+-.0123456789Eabeflnrstu", *p) != NULL)
			p++;
		if (p == v)
			return -1;
	}
	*pp = p;
	return 0;
}

static char *
tr_member_string(const char **pp, const char *end)
{
	struct buf b;

	buf_init(&b, 64 * 1024);
	if (tr_json_decode(pp, end, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	return b.data ? buf_steal(&b, NULL) : xstrdup("");
}

static int
tr_member_number(const char **pp, const char *end, double *v)
{
	char num[40], *e;
	size_t n = 0;

	while (*pp < end && n < sizeof num - 1 && **pp != '\0' &&
	       strchr("0123456789.eE+-", **pp) != NULL)
		num[n++] = *(*pp)++;
	num[n] = '\0';
	*v = strtod(num, &e);
	return n > 0 && *e == '\0' && isfinite(*v) ? 0 : -1;
}

int
tr_header_parse(const char *line, size_t len, struct tr_header *h)
{
	const char *p = line, *end = line + len;
	int version = 0;
	double ts = 0, start = -1, v;

	memset(h, 0, sizeof *h);
	p = tr_ws(p, end);
	if (p >= end || *p++ != '{')
		return CM_EINVAL;
	for (;;) {
		char key[32];
		struct buf kb;
		char **str = NULL;

		p = tr_ws(p, end);
		if (p < end && *p == '}')
			break;
		buf_init(&kb, sizeof key - 1);
		if (tr_json_decode(&p, end, &kb) < 0) {
			buf_release(&kb);
			goto bad; /* too long a key is not one of ours: also refused */
		}
		snprintf(key, sizeof key, "%s", kb.data ? kb.data : "");
		buf_release(&kb);
		p = tr_ws(p, end);
		if (p >= end || *p++ != ':')
			goto bad;
		p = tr_ws(p, end);
		if (strcmp(key, "cm_session") == 0)
			str = &h->session;
		else if (strcmp(key, "cm_tool") == 0)
			str = &h->tool;
		else if (strcmp(key, "cm_task") == 0)
			str = &h->task;
		else if (strcmp(key, "cm_path") == 0)
			str = &h->path;
		if (str != NULL && p < end && *p == '"') {
			free(*str);
			if ((*str = tr_member_string(&p, end)) == NULL)
				goto bad;
		} else if (p < end && *p != '\0' && strchr("-0123456789", *p) != NULL &&
			   (strcmp(key, "version") == 0 || strcmp(key, "width") == 0 ||
			    strcmp(key, "height") == 0 || strcmp(key, "timestamp") == 0 ||
			    strcmp(key, "cm_start") == 0)) {
			if (tr_member_number(&p, end, &v) < 0)
				goto bad;
			if (strcmp(key, "version") == 0)
				version = (int)v;
			else if (strcmp(key, "width") == 0)
				h->cols = v >= 0 && v < 100000 ? (int)v : 0;
			else if (strcmp(key, "height") == 0)
				h->rows = v >= 0 && v < 100000 ? (int)v : 0;
			else if (strcmp(key, "timestamp") == 0)
				ts = v;
			else
				start = v;
		} else if (tr_json_skip(&p, end, 0) < 0) {
			goto bad;
		}
		p = tr_ws(p, end);
		if (p < end && *p == ',')
			p++;
		else if (p >= end || *p != '}')
			goto bad;
	}
	if (version != 2)
		goto bad;
	h->start = start >= 0 ? start : ts;
	if (h->start < 0 || h->start > 1e11)
		h->start = 0;
	return 0;
bad:
	tr_header_release(h);
	return CM_EINVAL;
}

void
tr_header_release(struct tr_header *h)
{
	free(h->session);
	free(h->tool);
	free(h->task);
	free(h->path);
	memset(h, 0, sizeof *h);
}
