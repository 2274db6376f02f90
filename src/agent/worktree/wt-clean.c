/*
 * wt-clean: status and removal of worktrees (see wt-clean.h).
 */
#include "agent/worktree/wt-clean.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/worktree/wt-git.h"
#include "agent/worktree/wt-job.h"

#define WT_TURNS_KEEP_MAX 100000 /* snapshot refs dropped with a worktree */

json_t *
wt_op_status(const char *repo, const char *path, const char *branch, const char *base)
{
	json_t *out = json_object(), *changed = json_array(), *untracked = json_array();
	char range[600], count[32] = "";
	struct gitrun r;
	int exists = access(path, F_OK) == 0;

	json_object_set_new(out, "exists", json_boolean(exists));
	if (exists && wt_git(&r, path, WT_ARGS("status", "--porcelain"), NULL, NULL) == 0) {
		json_t *lines = wt_lines(r.out.data, 100000);
		size_t i;
		json_t *v;

		json_array_foreach (lines, i, v) {
			const char *s = json_string_value(v);
			json_t *to = strncmp(s, "??", 2) == 0 ? untracked : changed;

			if (json_array_size(to) < WT_LIST_MAX && strlen(s) > 3)
				json_array_append_new(to, json_string(s + 3));
			else if (json_array_size(to) == WT_LIST_MAX)
				json_array_append_new(to, json_string("..."));
		}
		json_decref(lines);
	}
	if (exists)
		gitrun_release(&r);
	json_object_set_new(out, "changed", changed);
	json_object_set_new(out, "untracked", untracked);
	snprintf(range, sizeof range, "%s..%s", base, branch);
	wt_git_line(repo, WT_ARGS("rev-list", "--count", "--end-of-options", range), count,
		    sizeof count, NULL, NULL);
	json_object_set_new(out, "unmerged", json_integer(count[0] ? atol(count) : 0));
	return out;
}

/* Deletes the snapshot refs of the worktree at path. */
static void
wt_drop_snapshots(const char *repo, const char *path)
{
	char ns[PATH_MAX];
	struct gitrun r, d;
	json_t *refs, *v;
	size_t i;

	if (wt_snapshot_ns(path, ns, sizeof ns) < 0)
		return;
	if (wt_git(&r, repo, WT_ARGS("for-each-ref", "--format=%(refname)", ns), NULL, NULL) == 0) {
		refs = wt_lines(r.out.data, WT_TURNS_KEEP_MAX);
		json_array_foreach (refs, i, v) {
			wt_git(&d, repo, WT_ARGS("update-ref", "-d", json_string_value(v)), NULL,
			       NULL);
			gitrun_release(&d);
		}
		json_decref(refs);
	}
	gitrun_release(&r);
}

int
wt_op_remove(const char *repo, const char *path, const char *branch, int created_branch, int force,
	     char *why)
{
	struct gitrun r;
	int rc = 0;

	pthread_mutex_lock(&wt_job_repo_lock);
	if (access(path, F_OK) == 0) {
		if (force)
			rc = wt_git(&r, repo, WT_ARGS("worktree", "remove", "--force", "--", path),
				    "git worktree remove", why);
		else
			rc = wt_git(&r, repo, WT_ARGS("worktree", "remove", "--", path),
				    "git worktree remove", why);
		gitrun_release(&r);
	}
	if (rc == 0) {
		/* A directory deleted by hand leaves git's record of it: prune it. */
		wt_git(&r, repo, WT_ARGS("worktree", "prune"), NULL, NULL);
		gitrun_release(&r);
		wt_drop_snapshots(repo, path);
		if (created_branch) {
			wt_git(&r, repo,
			       WT_ARGS("branch", "-q", force ? "-D" : "-d", "--end-of-options",
				       branch),
			       NULL, NULL);
			gitrun_release(&r);
		}
	}
	pthread_mutex_unlock(&wt_job_repo_lock);
	return rc == 0 ? 0 : -1;
}
