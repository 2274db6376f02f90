/*
 * remote: runs a fixed /bin/sh script on a server over the user's own ssh
 * (their ~/.ssh/config, keys, agents, jump hosts), for `cm agent`.
 *
 * ssh is run as an argv, never through a local shell. On the server, sshd
 * hands the command line to the user's login shell, so the line is built
 * as `/bin/sh -c SCRIPT cm-agent ARG...` with every word quoted by
 * remote_quote(): the script is text of cm, the data only ever arrives as
 * positional parameters ("$1"...), never pasted into the script. The quoting
 * is read the same way by sh, bash, zsh, ksh and fish (csh is not
 * supported).
 */
#ifndef CM_CLI_REMOTE_H
#define CM_CLI_REMOTE_H

#include <stddef.h>

#include "common/buf.h"

#define REMOTE_OUT_MAX (1024 * 1024) /* stdout kept from a remote script */
#define REMOTE_ERR_MAX (64 * 1024)   /* stderr kept */

/* How to reach the server. */
struct remote {
	const char *host;     /* ssh destination (a host or a ~/.ssh/config alias) */
	const char *user;     /* ssh -l, or NULL */
	int port;	      /* ssh -p, or 0 */
	const char *identity; /* ssh -i, or NULL */
	const char *config;   /* ssh -F, or NULL */
	int timeout_s;	      /* whole run, 0 for 120 */
};

/* What a run gave back. */
struct remote_result {
	int ssh_failed; /* ssh itself failed (exit 255, or could not run) */
	int status;	/* the script's exit status (valid if !ssh_failed) */
	char *out;	/* stdout, NUL-terminated (caller frees) */
	char *err;	/* stderr, NUL-terminated (caller frees) */
};

/*
 * Appends s to b quoted as one word for a POSIX shell and for fish: inside
 * single quotes, with ' and \ each written outside them as \' and \\.
 * Returns 0, or -1 if b is full.
 */
int remote_quote(struct buf *b, const char *s);
/*
 * Builds the remote command line: `/bin/sh -c 'SCRIPT' cm-agent 'ARG'...`
 * (args NULL-terminated). Caller frees.
 */
char *remote_command(const char *script, const char *const *args);
/*
 * Runs script with args on the server, stdin from the file in_path (or
 * /dev/null). Returns 0 once ssh has run (see r), -1 if it could not be
 * started (r->err says why).
 */
int remote_run(const struct remote *rm, const char *script, const char *const *args,
	       const char *in_path, struct remote_result *r);
/*
 * The exit status of cm for a failed ssh (the CLI_EXIT_* of unreachable,
 * auth, host key), with one line saying why in msg.
 */
int remote_ssh_exit(const struct remote *rm, const struct remote_result *r, char *msg, size_t n);
/* Frees what a result holds. */
void remote_result_release(struct remote_result *r);
/* The value of "KEY=value" on its own line of out, copied into buf; -1 if absent. */
int remote_field(const char *out, const char *key, char *buf, size_t n);

#endif
