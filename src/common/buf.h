/*
 * buf: a growable byte buffer with a hard maximum set at init.
 *
 * The maximum is part of the API (as in curl's dynbuf): appending past it
 * fails with CM_ETOOBIG and leaves the buffer as it was, so a peer can never
 * make the agent grow a buffer without bound. The data is always followed by
 * a NUL byte (not counted in len) so text can be used as a C string.
 */
#ifndef CM_COMMON_BUF_H
#define CM_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated contents, or NULL while empty */
	size_t len; /* bytes used, NUL excluded */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on len */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Appends n bytes; CM_ETOOBIG if len would pass max. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Takes the contents (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *lenp);

#endif
