/*
 * wt-merge: a session's branch into its base, in the main checkout: a
 * merge commit, a squash, or a rebase and fast-forward. What the worktree
 * holds uncommitted is committed on the branch first, so that what was
 * reviewed is what is merged. Refused with nothing changed when the main
 * checkout is not on the base or is dirty, or when the merge would
 * conflict (found with `git merge-tree` before any checkout is touched);
 * a merge or rebase that stops anyway is aborted. Holds wt_job_repo_lock.
 * Runs on a job's thread (wt-job.h).
 */
#ifndef CM_AGENT_WORKTREE_WT_MERGE_H
#define CM_AGENT_WORKTREE_WT_MERGE_H

#include <jansson.h>

enum wt_merge_mode { WT_MERGE, WT_MERGE_REBASE, WT_MERGE_SQUASH };
/* Why a merge did not happen. */
enum wt_refusal { WT_FAILED = 0, WT_DIRTY, WT_CONFLICT, WT_NOTHING };

/*
 * Merges branch into base in the main checkout repo. {"mode", "commit",
 * "committed", "commits"}; NULL with *refusal and why (WT_WHY_MAX bytes)
 * when it did not.
 */
json_t *wt_op_merge(const char *repo, const char *path, const char *branch, const char *base,
		    enum wt_merge_mode mode, enum wt_refusal *refusal, char *why);

#endif
