/*
 * wt-ops: what the agent does with git, as plain sequential functions run
 * on a job's thread (wt-job.h); each step is one git command (gitrun.h),
 * refs and paths always after `--` or `--end-of-options`. Every function
 * fills a reason (why, at most WT_WHY_MAX bytes) when it fails and leaves
 * nothing half done: a worktree added before a later step failed is
 * removed again, a merge that stops is aborted.
 *
 * Results are JSON objects (jansson is thread-safe for objects not shared
 * between threads); the loop side takes them over in done().
 */
#ifndef CM_AGENT_WORKTREE_WT_OPS_H
#define CM_AGENT_WORKTREE_WT_OPS_H

#include <jansson.h>
#include <stddef.h>

#define WT_WHY_MAX	 1024 /* bytes of a reason */
#define WT_INCLUDE_FILE	 ".cmworktreeinclude"
#define WT_INCLUDE_MAX	 64	    /* files copied into a new worktree */
#define WT_INCLUDE_BYTES (16 << 20) /* largest file copied */
#define WT_PATCH_MAX	 (1 << 20)  /* bytes of patch text in a diff */
#define WT_LIST_MAX	 32	    /* file names listed in a refusal */

enum wt_merge_mode { WT_MERGE, WT_MERGE_REBASE, WT_MERGE_SQUASH };
/* Why a merge did not happen. */
enum wt_refusal { WT_FAILED = 0, WT_DIRTY, WT_CONFLICT, WT_NOTHING };

struct wt_create_req {
	const char *dir;    /* where the client pointed: inside the repository */
	const char *branch; /* the branch (new, or existing) */
	const char *base;   /* base ref, or NULL: the main checkout's branch */
	const char *root;   /* the worktrees' directory, or NULL: REPO/../NAME.cm-worktrees */
};

/*
 * Adds a worktree: {"repo", "path", "branch", "base", "baseCommit",
 * "createdBranch", "copied": [...], "tree"}. NULL and why on failure.
 */
json_t *wt_op_create(const struct wt_create_req *q, char *why);
/*
 * A tree object of everything in the worktree now (tracked, changed,
 * untracked). With keep, a ref refs/cm/snapshots/DIR/TREE (DIR: the
 * worktree's directory name) holds it, so that `git gc` never prunes a
 * turn's snapshot; no branch, commit or log sees it.
 */
int wt_op_snapshot(const char *path, int keep, char tree[64], char *why);
/*
 * The changes from `from` (a commit or tree; NULL: the merge base of base
 * and the worktree's HEAD) to `to` (NULL: the worktree now):
 * {"from", "to", "files": [{"path", "status", "added", "deleted"}],
 * "patch", "truncated"}; no patch with stat.
 */
json_t *wt_op_diff(const char *path, const char *base, const char *from, const char *to, int stat,
		   char *why);
/*
 * Merges the branch into base in the main checkout repo, after committing
 * what the worktree holds uncommitted on the branch. {"mode", "commit",
 * "committed", "commits"}; NULL with *refusal and why when it did not.
 */
json_t *wt_op_merge(const char *repo, const char *path, const char *branch, const char *base,
		    enum wt_merge_mode mode, enum wt_refusal *refusal, char *why);
/*
 * What a worktree holds that its removal would throw away:
 * {"exists", "changed": [...], "untracked": [...], "unmerged": N}.
 */
json_t *wt_op_status(const char *repo, const char *path, const char *branch, const char *base);
/* Removes the worktree (and the branch when created_branch); force: whatever it holds. */
int wt_op_remove(const char *repo, const char *path, const char *branch, int created_branch,
		 int force, char *why);

#endif
