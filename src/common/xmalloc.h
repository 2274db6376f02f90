/*
 * xmalloc: allocation that never returns NULL.
 *
 * Running out of memory in the agent is not a state any caller can recover
 * from sensibly, so every allocation aborts with a message instead; callers
 * never check for NULL (as tmux's xmalloc.c does).
 */
#ifndef CM_COMMON_XMALLOC_H
#define CM_COMMON_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
/* Formats into a fresh string; aborts on an impossible format. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
