/*
 * tmuxcc-parse: a pure, incremental parser for the tmux control-mode stream.
 *
 * `tmux -C` writes lines. A command's reply is every line between
 * `%begin TIME NUM FLAGS` and the `%end TIME NUM FLAGS` or `%error TIME NUM
 * FLAGS` line with the same three numbers; notifications (`%output`,
 * `%window-add`, `%exit`, ...) only ever come between blocks. The parser is
 * fed byte chunks of any size (a line may be split anywhere), does no I/O and
 * reports what it finds through callbacks, so it can be tested and fuzzed
 * alone. tmuxcc-client runs the process and matches replies to commands.
 *
 * Invariants: memory is bounded by max_line (the line being assembled and a
 * scratch copy) plus max_body (the reply being assembled). A longer line is
 * dropped and counted; a longer reply is delivered cut short with its
 * `truncated` flag set, never dropped, so that replies stay in step with
 * commands. No input crashes the parser.
 */
#ifndef CM_AGENT_TMUXCC_PARSE_H
#define CM_AGENT_TMUXCC_PARSE_H

#include <stddef.h>

#include "common/buf.h"

/* Default limit on one line of the stream (a %output line can be long). */
#define TMUXCC_PARSE_MAX_LINE (4u * 1024 * 1024)
/* Default limit on one reply body (capture-pane with much history). */
#define TMUXCC_PARSE_MAX_BODY (16u * 1024 * 1024)

/* One `%begin`...`%end`/`%error` block. Pointers are valid during the callback only. */
struct tmuxcc_reply {
	long long time;	  /* TIME field of the guard lines (server time, seconds) */
	unsigned num;	  /* NUM field: the server's command number */
	unsigned flags;	  /* FLAGS field: 1 for commands read from this client, else 0 */
	int is_error;	  /* 1 if the block ended with %error */
	int truncated;	  /* 1 if lines were dropped because of max_body or max_line */
	const char *body; /* the lines joined by '\n' (none after the last), NUL-terminated */
	size_t len;	  /* bytes in body */
};

/*
 * What the owner is told. Every member may be NULL. Strings are
 * NUL-terminated and valid during the callback only.
 */
struct tmuxcc_parse_cb {
	/* A complete reply block. */
	void (*reply)(void *arg, const struct tmuxcc_reply *r);
	/* %output or %extended-output of pane %<pane>, unescaped (may contain NUL bytes). */
	void (*output)(void *arg, unsigned pane, const char *data, size_t len);
	/*
	 * Any other notification: name without '%' ("window-add"; only [a-z0-9-],
	 * other lines are counted as malformed), args after one space or "".
	 */
	void (*notify)(void *arg, const char *name, const char *args);
	/* %exit; reason is NULL when tmux gave none. */
	void (*exit)(void *arg, const char *reason);
};

/* Parser state; embed it in the owner and use tmuxcc_parse_init/_release. */
struct tmuxcc_parse {
	struct tmuxcc_parse_cb cb;    /* callbacks (copied at init) */
	void *arg;		      /* first argument of every callback */
	size_t max_line;	      /* longest line kept, newline excluded */
	struct buf line;	      /* the line being assembled across chunks */
	struct buf scratch;	      /* unescaped %output data, NUL-terminated notification text */
	struct buf body;	      /* the reply being assembled */
	int discarding;		      /* 1 while skipping the rest of an overlong line */
	int in_block;		      /* 1 between %begin and its %end/%error */
	int block_truncated;	      /* the current reply lost lines */
	int block_lines;	      /* lines in the current reply so far */
	char guard[64];		      /* "TIME NUM FLAGS" of the open %begin */
	size_t guard_len;	      /* bytes in guard */
	long long block_time;	      /* TIME of the open %begin */
	unsigned block_num;	      /* NUM of the open %begin */
	unsigned block_flags;	      /* FLAGS of the open %begin */
	unsigned long long nlines;    /* lines seen */
	unsigned long long nreplies;  /* reply blocks delivered */
	unsigned long long noverlong; /* lines dropped for passing max_line */
	unsigned long long nmalformed; /* %-lines outside blocks that made no sense */
	unsigned long long nignored;   /* non-% lines outside blocks (DCS prefix, noise) */
};

/*
 * Prepares a parser. max_line and max_body of 0 mean the defaults above. The
 * callbacks are copied; arg is passed to each.
 */
void tmuxcc_parse_init(struct tmuxcc_parse *p, const struct tmuxcc_parse_cb *cb, void *arg,
		       size_t max_line, size_t max_body);
/* Frees the parser's memory; a partial line or open block is forgotten. */
void tmuxcc_parse_release(struct tmuxcc_parse *p);
/*
 * Feeds the next len bytes of the stream; callbacks run before it returns.
 * A callback must not release the parser; it may do anything else.
 */
void tmuxcc_parse_feed(struct tmuxcc_parse *p, const void *data, size_t len);
/* Returns 1 while a reply block is open (between %begin and its end). */
int tmuxcc_parse_in_block(const struct tmuxcc_parse *p);
/*
 * Decodes tmux's %output escaping (`\ooo` octal for bytes < 0x20 and for
 * `\`) from in to out, which must hold len bytes; returns the bytes written.
 * A backslash not followed by three octal digits is copied as it is.
 */
size_t tmuxcc_parse_unescape(char *out, const char *in, size_t len);

#endif
