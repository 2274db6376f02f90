/*
 * wt-snapshot: what a worktree holds, as a tree object (a snapshot: no
 * commit, no branch, through a temporary index so that the worktree's own
 * is never touched), and the diff between two of them or against the base.
 * Runs on a job's thread (wt-job.h).
 */
#ifndef CM_AGENT_WORKTREE_WT_SNAPSHOT_H
#define CM_AGENT_WORKTREE_WT_SNAPSHOT_H

#include <jansson.h>

#define WT_PATCH_MAX (1 << 20) /* bytes of patch text in a diff */

/*
 * A tree object of everything in the worktree now (tracked, changed,
 * untracked, as `git add -A` sees it). With keep, a ref
 * refs/cm/snapshots/DIR/TREE (DIR: the worktree's directory name) holds
 * it, so that `git gc` never prunes a turn's snapshot; no branch, commit
 * or log sees it. 0, or -1 with why (WT_WHY_MAX bytes).
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

#endif
