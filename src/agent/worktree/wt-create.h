/*
 * wt-create: a new worktree for a session: `git worktree add` of a new
 * branch from its base, or of an existing branch, in the worktrees'
 * directory; the files .cmworktreeinclude lists copied in; its first
 * snapshot. Nothing is left half made: a worktree added before a later
 * step failed is removed again. Runs on a job's thread (wt-job.h).
 */
#ifndef CM_AGENT_WORKTREE_WT_CREATE_H
#define CM_AGENT_WORKTREE_WT_CREATE_H

#include <jansson.h>

#define WT_INCLUDE_FILE	 ".cmworktreeinclude"
#define WT_INCLUDE_MAX	 64	    /* files copied into a new worktree */
#define WT_INCLUDE_BYTES (16 << 20) /* largest file copied */

struct wt_create_req {
	const char *dir;    /* where the client pointed: inside the repository */
	const char *branch; /* the branch (new, or existing) */
	const char *base;   /* base ref, or NULL: the main checkout's branch */
	const char *root;   /* the worktrees' directory, or NULL: REPO.cm-worktrees beside it */
};

/*
 * Adds a worktree: {"repo", "path", "branch", "base", "baseCommit",
 * "createdBranch", "copied": [...], "tree"}. NULL and why (WT_WHY_MAX
 * bytes) on failure.
 */
json_t *wt_op_create(const struct wt_create_req *q, char *why);

#endif
