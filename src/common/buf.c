/*
 * buf: bounded growable buffer (see buf.h).
 */
#include "common/buf.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* Prepares an empty buffer that never holds more than max bytes. */
void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Frees the memory; the buffer may be reused after buf_init. */
void
buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Empties the buffer. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the terminator. */
static int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n > b->max - b->len)
		return CM_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

/* Appends n bytes from p. */
int
buf_append(struct buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends a C string. */
int
buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Appends formatted text. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CM_EINVAL;
	rc = buf_reserve(b, (size_t)n);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* Drops the first n bytes. */
void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

/* Hands the contents to the caller. */
char *
buf_steal(struct buf *b, size_t *lenp)
{
	char *p = b->data ? b->data : xstrdup("");

	if (lenp)
		*lenp = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
