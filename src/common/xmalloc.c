/*
 * xmalloc: allocation that aborts on exhaustion (see xmalloc.h).
 */
#include "common/xmalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports the failed request and stops the process. */
static void
xmalloc_die(const char *what, size_t size)
{
	fprintf(stderr, "fatal: %s of %zu bytes failed\n", what, size);
	abort();
}

/* Allocates size bytes (at least one). */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_die("malloc", size);
	return p;
}

/* Allocates a zeroed array. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die("calloc", nmemb * size);
	return p;
}

/* Resizes ptr to size bytes. */
void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		xmalloc_die("realloc", size);
	return p;
}

/* Resizes ptr to nmemb * size bytes, refusing an overflowing product. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_die("reallocarray (overflow)", SIZE_MAX);
	return xrealloc(ptr, nmemb * size);
}

/* Copies a NUL-terminated string. */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* Copies at most n bytes of s and terminates the copy. */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Copies n bytes of p. */
void *
xmemdup(const void *p, size_t n)
{
	void *q = xmalloc(n);

	if (n)
		memcpy(q, p, n);
	return q;
}

/* Formats into a freshly allocated string. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *s;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_die("xasprintf (bad format)", 0);
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return s;
}
