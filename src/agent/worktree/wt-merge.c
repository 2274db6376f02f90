/*
 * wt-merge: merges of session branches (see wt-merge.h).
 */
#include "agent/worktree/wt-merge.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/worktree/wt-git.h"
#include "agent/worktree/wt-job.h"

/* Commits what the worktree holds uncommitted; 1 if something was, 0 if clean, -1 on failure. */
static int
wt_commit_pending(const char *path, const char *branch, char *why)
{
	char email[256] = "", msg[512];
	struct gitrun r;
	int rc, dirty;

	rc = wt_git(&r, path, WT_ARGS("status", "--porcelain"), "git status", why);
	dirty = rc == 0 && r.out.len > 0;
	gitrun_release(&r);
	if (rc != 0)
		return -1;
	if (!dirty)
		return 0;
	rc = wt_git(&r, path, WT_ARGS("add", "-A", "--", "."), "git add", why);
	gitrun_release(&r);
	if (rc != 0)
		return -1;
	snprintf(msg, sizeof msg, "Uncommitted work of %s, committed by cm merge", branch);
	wt_git_line(path, WT_ARGS("config", "user.email"), email, sizeof email, NULL, NULL);
	if (email[0])
		rc = wt_git(&r, path, WT_ARGS("commit", "-q", "--no-verify", "-m", msg),
			    "git commit", why);
	else
		rc = wt_git(&r, path,
			    WT_ARGS("-c", "user.name=cm", "-c", "user.email=cm@localhost", "commit",
				    "-q", "--no-verify", "-m", msg),
			    "git commit", why);
	gitrun_release(&r);
	return rc == 0 ? 1 : -1;
}

/* git in the main checkout with an identity when none is configured. */
static int
wt_git_ident(struct gitrun *r, const char *repo, const char *const *args, const char *what,
	     char *why)
{
	const char *full[GITRUN_ARGS_MAX + 1];
	char email[256] = "";
	size_t n = 0;

	wt_git_line(repo, WT_ARGS("config", "user.email"), email, sizeof email, NULL, NULL);
	if (!email[0]) {
		full[n++] = "-c";
		full[n++] = "user.name=cm";
		full[n++] = "-c";
		full[n++] = "user.email=cm@localhost";
	}
	for (size_t i = 0; args[i] && n < GITRUN_ARGS_MAX; i++)
		full[n++] = args[i];
	full[n] = NULL;
	return wt_git(r, repo, full, what, why);
}

/* The files the main checkout has changed (tracked only), NULL if clean. */
static json_t *
wt_dirty(const char *repo, char *why)
{
	struct gitrun r;
	json_t *files = NULL;

	if (wt_git(&r, repo, WT_ARGS("status", "--porcelain", "--untracked-files=no"), "git status",
		   why) == 0 &&
	    r.out.len > 0) {
		json_t *lines = wt_lines(r.out.data, WT_LIST_MAX);
		size_t i;
		json_t *v;

		files = json_array();
		json_array_foreach (lines, i, v) {
			const char *s = json_string_value(v);

			json_array_append_new(files, json_string(strlen(s) > 3 ? s + 3 : s));
		}
		json_decref(lines);
	}
	gitrun_release(&r);
	return files;
}

/* The merge itself, under the repository lock. */
static json_t *
wt_merge_locked(const char *repo, const char *path, const char *branch, const char *base,
		enum wt_merge_mode mode, enum wt_refusal *refusal, char *why)
{
	char head[256] = "", count[32] = "0", range[600], commit[64] = "", msg[600], list[2048];
	struct gitrun r;
	json_t *dirty, *out;
	int committed, rc;

	if (access(path, F_OK) < 0) {
		wt_say(why, "the worktree %s is gone (deleted by hand?)", path);
		return NULL;
	}
	if (wt_git_line(repo, WT_ARGS("symbolic-ref", "--short", "-q", "HEAD"), head, sizeof head,
			NULL, NULL) < 0 ||
	    strcmp(head, base) != 0) {
		wt_say(why,
		       "the main checkout %s is on %s, not on the base branch %s: check out %s "
		       "there first",
		       repo, head[0] ? head : "a detached HEAD", base, base);
		return NULL;
	}
	if ((dirty = wt_dirty(repo, why)) != NULL) {
		wt_join(dirty, list, sizeof list);
		wt_say(why,
		       "the main checkout %s has uncommitted changes (%s): commit or stash them "
		       "first",
		       repo, list);
		json_decref(dirty);
		*refusal = WT_DIRTY;
		return NULL;
	}
	if ((committed = wt_commit_pending(path, branch, why)) < 0)
		return NULL;
	snprintf(range, sizeof range, "%s..%s", base, branch);
	wt_git_line(repo, WT_ARGS("rev-list", "--count", "--end-of-options", range), count,
		    sizeof count, NULL, NULL);
	if (strcmp(count, "0") == 0) {
		wt_say(why, "%s has nothing that %s does not have", branch, base);
		*refusal = WT_NOTHING;
		return NULL;
	}
	/* Conflicts are found without touching any checkout (git >= 2.38). */
	rc = wt_git(&r, repo,
		    WT_ARGS("merge-tree", "--write-tree", "--name-only", "--no-messages",
			    "--end-of-options", base, branch),
		    NULL, NULL);
	if (rc == 1) {
		json_t *lines = wt_lines(r.out.data, WT_LIST_MAX + 1);

		json_array_remove(lines, 0); /* the tree */
		wt_join(lines, list, sizeof list);
		wt_say(why, "merging %s into %s conflicts in: %s", branch, base, list);
		json_decref(lines);
		*refusal = WT_CONFLICT;
		gitrun_release(&r);
		return NULL;
	}
	gitrun_release(&r);
	if (mode == WT_MERGE_REBASE) {
		rc = wt_git(&r, path, WT_ARGS("rebase", "-q", "--end-of-options", base),
			    "git rebase", why);
		gitrun_release(&r);
		if (rc != 0) {
			*refusal = WT_CONFLICT;
			wt_git(&r, path, WT_ARGS("rebase", "--abort"), NULL, NULL);
			gitrun_release(&r);
			return NULL;
		}
		rc = wt_git(&r, repo,
			    WT_ARGS("merge", "-q", "--ff-only", "--end-of-options", branch),
			    "git merge --ff-only", why);
	} else if (mode == WT_MERGE_SQUASH) {
		rc =
		    wt_git(&r, repo, WT_ARGS("merge", "-q", "--squash", "--end-of-options", branch),
			   "git merge --squash", why);
		if (rc == 0) {
			gitrun_release(&r);
			snprintf(msg, sizeof msg, "%s (squashed)", branch);
			rc = wt_git_ident(&r, repo,
					  WT_ARGS("commit", "-q", "--no-verify", "-m", msg),
					  "git commit", why);
		}
	} else {
		snprintf(msg, sizeof msg, "Merge branch '%s'", branch);
		rc = wt_git_ident(&r, repo,
				  WT_ARGS("merge", "-q", "--no-ff", "--no-edit", "-m", msg,
					  "--end-of-options", branch),
				  "git merge", why);
	}
	gitrun_release(&r);
	if (rc != 0) {
		/* Nothing is left half merged. */
		wt_git(&r, repo, WT_ARGS("merge", "--abort"), NULL, NULL);
		gitrun_release(&r);
		wt_git(&r, repo, WT_ARGS("reset", "-q", "--merge"), NULL, NULL);
		gitrun_release(&r);
		return NULL;
	}
	wt_git_line(repo, WT_ARGS("rev-parse", "HEAD"), commit, sizeof commit, NULL, NULL);
	out = json_object();
	json_object_set_new(out, "mode",
			    json_string(mode == WT_MERGE_REBASE	  ? "rebase"
					: mode == WT_MERGE_SQUASH ? "squash"
								  : "merge"));
	json_object_set_new(out, "commit", json_string(commit));
	json_object_set_new(out, "committed", json_boolean(committed));
	json_object_set_new(out, "commits", json_integer(atol(count)));
	return out;
}

json_t *
wt_op_merge(const char *repo, const char *path, const char *branch, const char *base,
	    enum wt_merge_mode mode, enum wt_refusal *refusal, char *why)
{
	json_t *out;

	*refusal = WT_FAILED;
	pthread_mutex_lock(&wt_job_repo_lock);
	out = wt_merge_locked(repo, path, branch, base, mode, refusal, why);
	pthread_mutex_unlock(&wt_job_repo_lock);
	return out;
}
