/*
 * utf8: validation and repair of text that must travel as JSON strings.
 *
 * Screens and tasks come from outside and may hold any bytes; JSON (and
 * jansson) accept only valid UTF-8, so every such text is repaired first:
 * each invalid sequence becomes U+FFFD and NUL becomes U+FFFD as well.
 */
#ifndef CM_COMMON_UTF8_H
#define CM_COMMON_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_seqlen(const unsigned char *s, size_t avail);
/* True if s[0..len) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len);
/* Returns a NUL-terminated valid UTF-8 copy of s[0..len) (caller frees). */
char *utf8_repair(const char *s, size_t len);

#endif
