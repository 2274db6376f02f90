/*
 * session-worktree: sessions in git worktrees of their own, their per-turn
 * snapshots, and the review loop (diff, merge, list, clean).
 *
 * A worktree session starts with a job (worktree/wt-job.h) that adds the
 * worktree, copies the files the repository's .cmworktreeinclude lists
 * and snapshots it; then the tool is started there as any session, with
 * CM_WORKTREE_INDEX and CM_PORT_BASE in its environment, and the record
 * (worktree/wt-registry.h) is keyed by the new session's id. Each task
 * submitted to it (the first task, and every send_keys that presses Enter)
 * is preceded by a snapshot, a tree object, so that turn N's diff is the
 * snapshot of N against the snapshot of N + 1 (or the worktree now).
 *
 * Every function answers through its completion, once; errors are the
 * protocol's codes with a reason. The review of these sessions (diff,
 * merge, list, clean) is session-review.h.
 */
#ifndef CM_AGENT_SESSIONS_SESSION_WORKTREE_H
#define CM_AGENT_SESSIONS_SESSION_WORKTREE_H

#include <stddef.h>

#include "agent/sessions/completion.h"
#include "agent/sessions/sessions.h"

struct profile;
struct session_options;

/* Worktrees an agent keeps at most (sessions ended or not): four per session allowed. */
#define SESSION_WT_MAX(set) ((size_t)(set)->cfg->max_sessions * 4)

struct session_wt_request {
	const char *branch; /* new or existing branch; NULL: cm/TOOL-TIME-INDEX */
	const char *base;   /* NULL: the main checkout's branch */
};

/*
 * Starts a session in a new worktree of the repository path is in; done
 * gets session_created (with its "worktree") or the error. Returns 0, or
 * an error with *why (caller frees) when the request is refused at once.
 */
int session_wt_create(struct sessions *set, const struct profile *p, const char *task,
		      const char *path, const struct session_wt_request *wr, int auto_confirm,
		      int cols, int rows, const struct session_options *opts,
		      struct completion done, char **why);
/*
 * Types into s as typing_start does. When s has a worktree, a submission
 * (enter, the key Enter, or text holding a newline: a task typed from
 * the CLI, the dashboard's keys or an attached terminal) waits for a
 * snapshot of the worktree, recorded as the next turn; whatever is typed
 * into s meanwhile waits behind it, so that keys keep their order.
 */
int session_wt_type(struct session *s, const char *text, size_t len, int enter, const char *key,
		    struct completion done);
#endif
