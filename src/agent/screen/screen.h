/*
 * screen: pure helpers that turn a captured pane (tmux capture-pane -p, with
 * or without -e) into bounded, clean lines for the classifier.
 *
 * Why: the classifier must never be fooled or slowed down by what a tool
 * prints, so everything it looks at goes through here first. Escape
 * sequences are removed (a -e capture and a plain one give the same lines),
 * other control bytes are dropped, invalid UTF-8 becomes '?', trailing
 * blanks are stripped and trailing blank lines dropped.
 *
 * Invariants: at most SCREEN_MAX_BYTES of input are looked at (the tail is
 * kept: the bottom of a screen is what matters), at most SCREEN_MAX_LINES
 * lines are kept (the last ones), every line holds at most SCREEN_MAX_LINE
 * bytes, is NUL-terminated, valid UTF-8 and free of control bytes other
 * than TAB. No function here logs or keeps state.
 */
#ifndef CM_AGENT_SCREEN_H
#define CM_AGENT_SCREEN_H

#include <stddef.h>

#define SCREEN_MAX_BYTES (1024 * 1024) /* input bytes looked at (the tail) */
#define SCREEN_MAX_LINES 1000	       /* lines kept (the last ones) */
#define SCREEN_MAX_LINE	 4096	       /* bytes kept per line; the rest is cut */

struct screen_line {
	const char *text; /* NUL-terminated, points into screen.text */
	size_t len;	  /* bytes, NUL excluded */
};

struct screen {
	char *text;		   /* owned storage of all lines */
	struct screen_line *lines; /* owned array of n lines */
	size_t n;		   /* lines, trailing blank lines excluded */
	int truncated;		   /* 1 if bytes, lines or columns were cut */
};

/* Splits and cleans text into s (which the caller releases). Never fails. */
void screen_parse(struct screen *s, const char *text, size_t len);
/* Frees what screen_parse allocated. */
void screen_release(struct screen *s);
/*
 * Copies src to dst without escape sequences and control bytes (except
 * '\n' and '\t'), invalid UTF-8 replaced by '?'; dst holds at least len+1
 * bytes. Returns the length written (dst is NUL-terminated).
 */
size_t screen_clean(char *dst, const char *src, size_t len);
/* True if the line holds only spaces and tabs. */
int screen_line_blank(const struct screen_line *l);
/*
 * First index i in [begin, end) such that [i, end) holds the last n
 * non-blank lines of that range (begin if there are fewer).
 */
size_t screen_last_nonblank(const struct screen *s, size_t begin, size_t end, size_t n);

#endif
