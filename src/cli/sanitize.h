/*
 * sanitize: the one filter between what an agent sends and the user's
 * terminal.
 *
 * Everything an agent hands cm (session ids, task names, prompt texts,
 * screen captures, live output, error messages) is untrusted: a tool, a
 * task or a compromised agent could otherwise write the user's clipboard
 * (OSC 52), set the window title, move the cursor or hide text. Every path
 * of cm that prints such text as text goes through sanitize(); only
 * `capture -e` and `attach` hand bytes through unchanged, on purpose.
 *
 * Rules: printable ASCII and well-formed UTF-8 pass; '\n' and '\t' pass
 * (as spaces with SANITIZE_ONELINE); every other C0 control and DEL is shown
 * in caret notation ("^[" for ESC, "^M", "^?"); a C1 control encoded as
 * UTF-8 (U+0080..U+009F) is shown as "\u009b"; any byte that is not part of
 * well-formed UTF-8 (a raw 0x9b, an overlong form, a surrogate) as "\x9b".
 * The output is valid UTF-8 with no control character but '\n' and '\t'.
 * Visible escapes rather than '?' so that the user sees what was sent (an
 * attempt at the clipboard reads "^[]52;c;..."), which '?' would hide.
 */
#ifndef CM_CLI_SANITIZE_H
#define CM_CLI_SANITIZE_H

#include <stdarg.h>
#include <stdio.h>

#include "common/buf.h"

enum sanitize_flags {
	SANITIZE_ONELINE = 1 << 0, /* '\n' and '\t' become spaces (tables, one-line fields) */
	SANITIZE_PARTIAL = 1 << 1, /* a UTF-8 sequence cut by the end of in is left unread */
};

/*
 * Appends the printable form of in[0..len) to out. Returns the bytes of in
 * read: len, or less with SANITIZE_PARTIAL when in ends inside a UTF-8
 * sequence (the caller passes those bytes again with the next chunk).
 */
size_t sanitize(struct buf *out, const char *in, size_t len, int flags);
/* A sanitized copy of the string s (NULL gives ""); the caller frees. */
char *sanitize_dup(const char *s, int flags);
/* Writes the sanitized form of in[0..len) to f. */
void sanitize_write(FILE *f, const char *in, size_t len, int flags);
/* printf to f, with the whole formatted text sanitized (keeps '\n'). */
int sanitize_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vprintf to f, sanitized with flags. */
int sanitize_vprintf(FILE *f, int flags, const char *fmt, va_list ap);

#endif
