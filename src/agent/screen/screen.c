/*
 * screen: captured pane text -> clean bounded lines (see screen.h).
 *
 * Two passes: screen_clean() drops escape sequences and control bytes and
 * repairs UTF-8 into a copy, then screen_parse() cuts that copy into lines
 * in place (NUL at each line end), cutting long lines at a character
 * boundary and trimming trailing blanks. Input larger than the limits is cut
 * from the top, because tools draw their state at the bottom.
 */
#include "agent/screen/screen.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* Bytes skipped by an escape sequence starting at p[0] == ESC (>= 1). */
static size_t
screen_escape_len(const unsigned char *p, size_t len)
{
	size_t i;

	if (len < 2)
		return len;
	switch (p[1]) {
	case '[': /* CSI: parameters, intermediates, one final byte */
		for (i = 2; i < len; i++) {
			if (p[i] >= 0x40 && p[i] <= 0x7e)
				return i + 1;
			if (p[i] < 0x20 || p[i] > 0x3f)
				return i; /* broken sequence: stop before it */
		}
		return len;
	case ']': /* OSC */
	case 'P': /* DCS */
	case 'X': /* SOS */
	case '^': /* PM */
	case '_': /* APC: all end with BEL or ST (ESC \) */
		for (i = 2; i < len; i++) {
			if (p[i] == 0x07)
				return i + 1;
			if (p[i] == 0x1b)
				return i + 1 < len && p[i + 1] == '\\' ? i + 2 : i;
			if (p[i] == '\n')
				return i;
		}
		return len;
	case '(':
	case ')':
	case '*':
	case '+':
	case '#':
	case '%': /* charset designations: one more byte */
		return len < 3 ? len : 3;
	default:
		return 2;
	}
}

/* Length of the valid UTF-8 sequence at p, or 0 if it is invalid. */
static size_t
screen_utf8_len(const unsigned char *p, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return n;
}

/* Copies src without escapes/control bytes and with valid UTF-8 only. */
size_t
screen_clean(char *dst, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i = 0, o = 0, n;

	while (i < len) {
		if (p[i] == 0x1b) {
			i += screen_escape_len(p + i, len - i);
			continue;
		}
		if (p[i] == '\n' || p[i] == '\t') {
			dst[o++] = (char)p[i++];
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			i++;
			continue;
		}
		n = screen_utf8_len(p + i, len - i);
		if (n == 0) {
			dst[o++] = '?';
			i++;
			continue;
		}
		if (n == 2 && p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] < 0xa0) {
			i += 2; /* C1 control characters */
			continue;
		}
		memcpy(dst + o, p + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

/* True if the line holds only spaces and tabs. */
int
screen_line_blank(const struct screen_line *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->text[i] != ' ' && l->text[i] != '\t')
			return 0;
	return 1;
}

/* Cuts a line to at most SCREEN_MAX_LINE bytes at a character boundary. */
static size_t
screen_cut(const char *t, size_t len)
{
	size_t n = SCREEN_MAX_LINE;

	if (len <= n)
		return len;
	while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Splits and cleans text into lines. */
void
screen_parse(struct screen *s, const char *text, size_t len)
{
	size_t clen, start, i, cap = 0, keep;
	char *line;

	memset(s, 0, sizeof(*s));
	if (text == NULL)
		len = 0;
	if (len > SCREEN_MAX_BYTES) {
		text += len - SCREEN_MAX_BYTES;
		len = SCREEN_MAX_BYTES;
		s->truncated = 1;
	}
	s->text = xmalloc(len + 1);
	clen = len ? screen_clean(s->text, text, len) : 0;
	s->text[clen] = '\0';

	start = 0;
	for (i = 0; i <= clen; i++) {
		if (i < clen && s->text[i] != '\n')
			continue;
		s->text[i] = '\0';
		line = s->text + start;
		keep = screen_cut(line, i - start);
		if (keep < i - start) {
			line[keep] = '\0';
			s->truncated = 1;
		}
		while (keep > 0 && (line[keep - 1] == ' ' || line[keep - 1] == '\t'))
			line[--keep] = '\0';
		if (s->n == cap) {
			cap = cap ? cap * 2 : 64;
			s->lines = xreallocarray(s->lines, cap, sizeof(*s->lines));
		}
		s->lines[s->n].text = line;
		s->lines[s->n].len = keep;
		s->n++;
		start = i + 1;
	}
	while (s->n > 0 && s->lines[s->n - 1].len == 0)
		s->n--;
	if (s->n > SCREEN_MAX_LINES) {
		memmove(s->lines, s->lines + (s->n - SCREEN_MAX_LINES),
			SCREEN_MAX_LINES * sizeof(*s->lines));
		s->n = SCREEN_MAX_LINES;
		s->truncated = 1;
	}
}

/* Frees what screen_parse allocated. */
void
screen_release(struct screen *s)
{
	free(s->text);
	free(s->lines);
	memset(s, 0, sizeof(*s));
}

/* Start of the last n non-blank lines of [begin, end). */
size_t
screen_last_nonblank(const struct screen *s, size_t begin, size_t end, size_t n)
{
	size_t i = end, seen = 0;

	if (n == 0)
		return end;
	while (i > begin) {
		i--;
		if (!screen_line_blank(&s->lines[i]) && ++seen == n)
			return i;
	}
	return begin;
}
