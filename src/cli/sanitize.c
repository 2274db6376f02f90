/*
 * sanitize: agent text made safe for a terminal (see sanitize.h).
 */
#include "sanitize.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/xmalloc.h"

/* Output grows at most 6 bytes per input byte; this caps a single call. */
#define SANITIZE_MAX (256u * 1024 * 1024)

/* True if in[0..len) is the start of a UTF-8 sequence that more bytes could complete. */
static int
sanitize_cut_short(const unsigned char *in, size_t len)
{
	size_t need, i;

	if (in[0] >= 0xc2 && in[0] <= 0xdf)
		need = 2;
	else if (in[0] >= 0xe0 && in[0] <= 0xef)
		need = 3;
	else if (in[0] >= 0xf0 && in[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (len >= need)
		return 0;
	for (i = 1; i < len; i++)
		if ((in[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

/* Appends the printable form of in[0..len). */
size_t
sanitize(struct buf *out, const char *in, size_t len, int flags)
{
	const unsigned char *p = (const unsigned char *)in;
	char esc[8];
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c == '\n' || c == '\t') {
			buf_append(out, flags & SANITIZE_ONELINE ? " " : (const char *)&p[i], 1);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			esc[0] = '^';
			esc[1] = (char)(c ^ 0x40);
			buf_append(out, esc, 2);
			i++;
			continue;
		}
		if (c < 0x80) {
			/* A run of printable ASCII in one append. */
			n = i;
			while (n < len && p[n] >= 0x20 && p[n] < 0x7f)
				n++;
			buf_append(out, p + i, n - i);
			i = n;
			continue;
		}
		n = utf8_seqlen(p + i, len - i);
		if (n == 0 && (flags & SANITIZE_PARTIAL) && sanitize_cut_short(p + i, len - i))
			return i;
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			buf_append(out, esc, 4);
			i++;
		} else if (n == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
			/* U+0080..U+009F: the C1 controls (CSI, OSC, ...) as UTF-8. */
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)p[i + 1]);
			buf_append(out, esc, 6);
			i += 2;
		} else {
			buf_append(out, p + i, n);
			i += n;
		}
	}
	return i;
}

/* A sanitized copy of s. */
char *
sanitize_dup(const char *s, int flags)
{
	struct buf b;
	char *r;

	buf_init(&b, SANITIZE_MAX);
	if (s)
		sanitize(&b, s, strlen(s), flags & ~SANITIZE_PARTIAL);
	r = buf_steal(&b, NULL);
	return r ? r : xstrdup("");
}

/* Writes the sanitized form of in[0..len). */
void
sanitize_write(FILE *f, const char *in, size_t len, int flags)
{
	struct buf b;

	buf_init(&b, SANITIZE_MAX);
	sanitize(&b, in, len, flags & ~SANITIZE_PARTIAL);
	if (b.len)
		fwrite(b.data, 1, b.len, f);
	buf_release(&b);
}

/* vprintf, sanitized. */
int
sanitize_vprintf(FILE *f, int flags, const char *fmt, va_list ap)
{
	char *text;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return -1;
	text = xmalloc((size_t)n + 1);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	sanitize_write(f, text, (size_t)n, flags);
	free(text);
	return n;
}

/* printf, sanitized. */
int
sanitize_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sanitize_vprintf(f, 0, fmt, ap);
	va_end(ap);
	return n;
}
