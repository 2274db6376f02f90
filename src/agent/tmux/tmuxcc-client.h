/*
 * tmuxcc-client: one `tmux -C` process, driven by its owner's event loop.
 *
 * tmuxcc_client_spawn() starts tmux with pipes for stdin and stdout (both
 * non-blocking, close-on-exec) and returns at once; the client never blocks
 * and owns no loop. The owner watches the read fd and calls
 * tmuxcc_client_on_readable(), and watches the write fd whenever the client
 * asks through want_write() and then calls tmuxcc_client_on_writable().
 *
 * Replies are matched to commands by order: tmux answers each command line
 * with one `%begin`/`%end` block, in the order the lines were sent. Two
 * kinds of block are not replies to tmuxcc_client_command(): the first block
 * after start answers the command on tmux's own command line (the attach or
 * new-session in argv) and goes to the `initial` callback; later blocks with
 * FLAGS 0 come from hooks and are dropped (blocks for commands read from
 * this client carry FLAGS 1). A command line must hold exactly one command
 * that runs no other commands: tmux gives `a ; b` and the commands run by
 * if-shell or source-file blocks of their own, which would shift the match.
 * tmuxcc_client_command() refuses what it can see of this (an unquoted `;`
 * or `{`, a blank or comment-only line, if-shell, source-file, run-shell).
 *
 * Lifetime: callbacks may call tmuxcc_client_command(), _cancel(), _close()
 * and even _free() (the memory then goes when the callback returns), but
 * want_write() must not free the client. When the read side ends (EOF or an
 * error), closed() is called once and every reply still awaited is called
 * with CM_ECLOSED. tmuxcc_client_free() drops awaited replies without calling
 * them. The client closes a descriptor only in tmuxcc_client_close() (the
 * write fd) and tmuxcc_client_free() (both): stop watching them first.
 *
 * Ending: the clean way is tmuxcc_client_close(), read until closed(), then
 * tmuxcc_client_free(). Measured with tmux 3.3a: if the reader of tmux's
 * stdout goes away while tmux still has output for it, that tmux client never
 * exits, and its server, asked to exit, then waits for it forever. So
 * tmuxcc_client_free() before closed() also sends SIGTERM to the tmux client
 * process (only that process: the server and its sessions live on). The
 * client never reaps: the owner reaps tmuxcc_client_pid() on SIGCHLD, after
 * closed() or after free. Writing to a tmux that has exited raises SIGPIPE:
 * the owner ignores it.
 */
#ifndef CM_AGENT_TMUXCC_CLIENT_H
#define CM_AGENT_TMUXCC_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"

struct tmuxcc_client;

/*
 * A command's reply: err is 0 (`%end`), CM_ETMUX (`%error`; body is tmux's
 * message), CM_ETOOBIG (`%end` but the body was cut at max_body) or
 * CM_ECLOSED (tmux went away first; body is "" and len 0). body is
 * NUL-terminated, lines joined by '\n', valid during the call only.
 */
typedef void (*tmuxcc_reply_fn)(void *arg, int err, const char *body, size_t len);

/* What the owner is told; every member may be NULL. */
struct tmuxcc_client_cb {
	/* on=1: queued bytes wait, watch the write fd; on=0: stop watching it. */
	void (*want_write)(void *arg, int on);
	/* The reply to the command in argv (attach, new-session), as tmuxcc_reply_fn. */
	void (*initial)(void *arg, int err, const char *body, size_t len);
	/* %output / %extended-output of pane %<pane>, unescaped. */
	void (*output)(void *arg, unsigned pane, const char *data, size_t len);
	/* Any other notification: name without '%' and the rest of the line. */
	void (*notify)(void *arg, const char *name, const char *args);
	/* %exit: tmux is detaching this client; reason is NULL when tmux gave none. */
	void (*exit)(void *arg, const char *reason);
	/* The read side ended: err is 0 at EOF or CM_EIO. Called once, last. */
	void (*closed)(void *arg, int err);
};

/* Limits; a zero member means its default. */
struct tmuxcc_client_opts {
	size_t max_line;      /* longest stream line (TMUXCC_PARSE_MAX_LINE) */
	size_t max_body;      /* longest reply body (TMUXCC_PARSE_MAX_BODY) */
	size_t max_queue;     /* bytes of commands not yet written (1 MiB) */
	unsigned max_pending; /* commands awaiting a reply (4096) */
	int stderr_fd;	      /* tmux's stderr if > 0 (dup'ed); otherwise /dev/null */
};

/*
 * Starts argv (argv[0] is looked up in PATH, no shell), which should be a
 * `tmux ... -C <command>` line, and returns the client in *cp. opts may be
 * NULL. Fails with CM_ENOENT if argv[0] cannot be run, CM_EIO otherwise; on
 * failure nothing is left running and no callback is called.
 */
int tmuxcc_client_spawn(char *const argv[], const struct tmuxcc_client_opts *opts,
			const struct tmuxcc_client_cb *cb, void *arg, struct tmuxcc_client **cp);
/* The fd to watch for reading (tmux's stdout). */
int tmuxcc_client_rfd(const struct tmuxcc_client *c);
/* The fd to watch for writing while want_write is on; -1 after tmuxcc_client_close. */
int tmuxcc_client_wfd(const struct tmuxcc_client *c);
/* The tmux client process, for the owner to reap. */
pid_t tmuxcc_client_pid(const struct tmuxcc_client *c);
/*
 * Reads what is available (at most about 1 MiB per call, so a level-triggered
 * loop stays fair) and runs the callbacks. Returns 0, or CM_ECLOSED once the
 * read side has ended (closed() has then been called) or the client was
 * freed by a callback.
 */
int tmuxcc_client_on_readable(struct tmuxcc_client *c);
/* Writes queued bytes; turns want_write off when the queue is empty. Returns 0 or CM_ECLOSED. */
int tmuxcc_client_on_writable(struct tmuxcc_client *c);
/*
 * Queues one command line (the newline is added) and calls cb(arg, ...) with
 * its reply; cb may be NULL. Fails, never calling cb, with CM_EINVAL (a
 * line tmux would not answer with exactly one block, see above), CM_ETOOBIG
 * (write queue full), CM_ELIMIT (max_pending reached) or CM_ECLOSED.
 */
int tmuxcc_client_command(struct tmuxcc_client *c, const char *cmdline, tmuxcc_reply_fn cb,
			  void *arg);
/* Forgets every awaited reply whose arg is arg: those callbacks will not be called. */
void tmuxcc_client_cancel(struct tmuxcc_client *c, void *arg);
/* Number of commands awaiting a reply. */
size_t tmuxcc_client_pending(const struct tmuxcc_client *c);
/*
 * Closes tmux's stdin (unsent commands are dropped), so tmux replies to what
 * it has read, sends %exit and exits; the read side then ends as usual.
 */
void tmuxcc_client_close(struct tmuxcc_client *c);
/*
 * Closes both fds and frees the client without calling awaited replies;
 * sends SIGTERM to tmux if the read side has not ended yet.
 */
void tmuxcc_client_free(struct tmuxcc_client *c);

/*
 * Appends to out one token of tmux's command language that tmux parses back
 * to exactly the len bytes at s (a double-quoted string: `\` `"` `$` `~` are
 * backslash-escaped, control bytes, DEL and bytes that are not UTF-8 become
 * `\ooo`, UTF-8 stays as it is). Fails with CM_EINVAL if s holds a NUL byte
 * (tmux arguments are C strings) or CM_ETOOBIG if out is full, leaving out
 * as it was. tmux may still expand formats (`#{...}`) in arguments of
 * commands that do so, and treats an argument starting with `-` as a flag:
 * put `--` before such arguments.
 */
int tmuxcc_quote(struct buf *out, const char *s, size_t len);

#endif
