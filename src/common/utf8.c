/*
 * utf8: strict decoding per RFC 3629 (no overlongs, no surrogates, nothing
 * above U+10FFFF) and repair into valid text (see utf8.h).
 */
#include "common/utf8.h"

#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

/* Returns the length of the well-formed sequence at s, or 0. */
size_t
utf8_seqlen(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Tells whether the bytes are valid UTF-8 without NUL. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seqlen(p + i, len - i);

		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Copies s, replacing every invalid byte by U+FFFD. */
char *
utf8_repair(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	size_t i = 0;

	if (utf8_valid(s, len))
		return xstrndup(s, len);
	buf_init(&b, len * 3 + 1);
	while (i < len) {
		size_t n = utf8_seqlen(p + i, len - i);

		if (n == 0) {
			buf_append(&b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_append(&b, p + i, n);
			i += n;
		}
	}
	return buf_steal(&b, NULL);
}
