/*
 * wt-clean: what a worktree holds that its removal would throw away, and
 * its removal (`git worktree remove`, the branch when it was made for the
 * session, its snapshot refs; a directory deleted by hand is pruned from
 * git's records). Runs on a job's thread (wt-job.h).
 */
#ifndef CM_AGENT_WORKTREE_WT_CLEAN_H
#define CM_AGENT_WORKTREE_WT_CLEAN_H

#include <jansson.h>

/* {"exists", "changed": [...], "untracked": [...], "unmerged": N}. */
json_t *wt_op_status(const char *repo, const char *path, const char *branch, const char *base);
/* Removes the worktree (and the branch when created_branch); force: whatever it holds. */
int wt_op_remove(const char *repo, const char *path, const char *branch, int created_branch,
		 int force, char *why);

#endif
