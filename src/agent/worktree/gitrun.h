/*
 * gitrun: one git command, run synchronously with an argv (no shell), for
 * the worktree layer's worker threads (wt-job.h); never on the loop.
 *
 * `git -C DIR ARGS...` is spawned with posix_spawnp: stdin is /dev/null,
 * stdout and stderr are read through close-on-exec pipes with a bound on
 * each (what is past it is dropped, and said) and a timeout after which the
 * child and its process group (hooks, aliases) are killed. The environment is the agent's without
 * any GIT_* variable (a GIT_DIR or GIT_WORK_TREE inherited from whoever started the agent must not
 * point git elsewhere), plus LC_ALL=C (messages parsed here are git's English ones),
 * GIT_TERMINAL_PROMPT=0 and the call's own variables (GIT_INDEX_FILE for snapshots).
 *
 * Reaping: the agent reaps every child with waitpid(-1) on SIGCHLD
 * (main.c), so a git child may be reaped there before its thread waits
 * for it. Every running git pid is in a table; main.c hands each reaped
 * pid to gitrun_reaped() first, which files the status for the thread.
 */
#ifndef CM_AGENT_WORKTREE_GITRUN_H
#define CM_AGENT_WORKTREE_GITRUN_H

#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"

#define GITRUN_ARGS_MAX	  32	     /* arguments after `git -C DIR` */
#define GITRUN_ENV_MAX	  4	     /* extra environment variables */
#define GITRUN_OUT_MAX	  (4 << 20)  /* stdout kept */
#define GITRUN_ERR_MAX	  (16 << 10) /* stderr kept */
#define GITRUN_TIMEOUT_MS 30000	     /* default time a git command may take */

struct gitrun {
	const char *dir;		       /* -C DIR */
	const char *args[GITRUN_ARGS_MAX + 1]; /* NULL-terminated, after -C DIR */
	const char *env[GITRUN_ENV_MAX + 1];   /* "NAME=VALUE", NULL-terminated */
	long timeout_ms;		       /* 0: GITRUN_TIMEOUT_MS */
	size_t out_max;			       /* 0: GITRUN_OUT_MAX */
	/* Results. */
	struct buf out; /* stdout */
	struct buf err; /* stderr */
	int truncated;	/* stdout was longer than out_max */
	int status;	/* exit status, or -1 (killed, timed out, not started) */
	int timed_out;	/* killed after timeout_ms */
};

/* Prepares r for dir with the given arguments (NULL-terminated). */
void gitrun_init(struct gitrun *r, const char *dir, const char *const *args);
/* Appends one argument; -1 if the table is full. */
int gitrun_arg(struct gitrun *r, const char *arg);
/* Adds an environment variable "NAME=VALUE"; -1 if the table is full. */
int gitrun_env(struct gitrun *r, const char *kv);
/* Runs it. Returns the exit status (0 success), or a negative CM_E* code. */
int gitrun_run(struct gitrun *r);
/* Frees the outputs. */
void gitrun_release(struct gitrun *r);
/* stderr's first line, for messages ("git failed" if empty); borrowed from r. */
const char *gitrun_why(struct gitrun *r);
/*
 * Called by the SIGCHLD handler for each reaped pid: 1 if it was a git
 * child of this module (the status is filed), 0 if it belongs elsewhere.
 */
int gitrun_reaped(pid_t pid, int status);

#endif
