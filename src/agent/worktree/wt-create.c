/*
 * wt-create: worktrees made for sessions (see wt-create.h).
 */
#include "agent/worktree/wt-create.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/worktree/refname.h"
#include "agent/worktree/wt-clean.h"
#include "agent/worktree/wt-git.h"
#include "agent/worktree/wt-job.h"
#include "agent/worktree/wt-snapshot.h"
#include "common/fsutil.h"

/* The worktrees' directory: root, or next to the repository; -1 if too long. */
static int
wt_root(const char *repo, const char *root, char *out, size_t n)
{
	if (root && root[0])
		return wt_path(out, n, "%s", root);
	return wt_path(out, n, "%s.cm-worktrees", repo);
}

/* True if file (which exists) resolves to a place under dir. */
static int
wt_inside(const char *file, const char *dir)
{
	char rf[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (realpath(file, rf) == NULL || realpath(dir, rd) == NULL)
		return 0;
	n = strlen(rd);
	return strncmp(rf, rd, n) == 0 && (rf[n] == '/' || rf[n] == '\0');
}

/* True if the deepest existing directory of dir is under top (nothing is made outside it). */
static int
wt_ancestor_inside(const char *dir, const char *top)
{
	char d[PATH_MAX];
	char *slash;

	if (wt_path(d, sizeof d, "%s", dir) < 0)
		return 0;
	while (access(d, F_OK) < 0 && (slash = strrchr(d, '/')) != NULL && slash != d)
		*slash = '\0';
	return wt_inside(d, top);
}

/*
 * Copies one file named in .cmworktreeinclude from the main checkout: a
 * relative path with no ".." part, a regular file (no symlink followed),
 * at most WT_INCLUDE_BYTES; its mode kept, its directories made.
 */
static int
wt_copy_one(const char *repo, const char *path, const char *rel)
{
	char src[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd, rc = -1;

	if (rel[0] == '/' || strstr(rel, "..") || strlen(rel) >= PATH_MAX / 2)
		return -1;
	if (wt_path(src, sizeof src, "%s/%s", repo, rel) < 0 ||
	    wt_path(dst, sizeof dst, "%s/%s", path, rel) < 0)
		return -1;
	if (lstat(src, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WT_INCLUDE_BYTES)
		return -1;
	/* A symbolic link among its directories must not lead out of the repository. */
	if (!wt_inside(src, repo))
		return -1;
	if (fs_read_file(src, WT_INCLUDE_BYTES, &data, &len) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s", dst);
	dirname(dir);
	if (!wt_ancestor_inside(dir, path) || fs_mkdirs(dir) < 0 || !wt_inside(dir, path))
		goto out;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777);
	if (fd < 0)
		goto out;
	rc = write(fd, data, len) == (ssize_t)len ? 0 : -1;
	close(fd);
out:
	free(data);
	return rc;
}

/* Copies the files .cmworktreeinclude of the main checkout lists; returns them. */
static json_t *
wt_copy_includes(const char *repo, const char *path)
{
	char file[PATH_MAX], *text = NULL;
	json_t *copied = json_array(), *lines, *v;
	size_t i;

	snprintf(file, sizeof file, "%s/%s", repo, WT_INCLUDE_FILE);
	if (fs_read_file(file, 64 << 10, &text, NULL) < 0)
		return copied;
	lines = wt_lines(text, WT_INCLUDE_MAX * 4);
	json_array_foreach (lines, i, v) {
		char rel[PATH_MAX];
		const char *s = json_string_value(v);
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
			len--;
		if (len == 0 || s[0] == '#' || len >= sizeof rel)
			continue;
		snprintf(rel, sizeof rel, "%.*s", (int)len, s);
		if (json_array_size(copied) < WT_INCLUDE_MAX && wt_copy_one(repo, path, rel) == 0)
			json_array_append_new(copied, json_string(rel));
	}
	json_decref(lines);
	free(text);
	return copied;
}

json_t *
wt_op_create(const struct wt_create_req *q, char *why)
{
	char repo[PATH_MAX] = "", base[256] = "", commit[64] = "", root[PATH_MAX], dname[256],
	     path[PATH_MAX], ref[300], tree[64], exists[64] = "";
	struct gitrun r;
	struct stat st;
	int created = 0, rc;
	json_t *out = NULL;

	if (wt_git_line(q->dir, WT_ARGS("rev-parse", "--show-toplevel"), repo, sizeof repo,
			"not a git repository", why) < 0)
		return NULL;
	if (q->base && q->base[0]) {
		snprintf(base, sizeof base, "%s", q->base);
	} else if (wt_git_line(repo, WT_ARGS("symbolic-ref", "--short", "-q", "HEAD"), base,
			       sizeof base, NULL, NULL) < 0) {
		wt_say(why, "the main checkout %s has no branch checked out: give a base", repo);
		return NULL;
	}
	snprintf(ref, sizeof ref, "%s^{commit}", base);
	if (wt_git_line(repo, WT_ARGS("rev-parse", "--verify", "--quiet", "--end-of-options", ref),
			commit, sizeof commit, NULL, NULL) < 0) {
		wt_say(why, "base %s is not a commit of %s", base, repo);
		return NULL;
	}
	rc = wt_git(&r, repo, WT_ARGS("check-ref-format", "--branch", q->branch), NULL, NULL);
	gitrun_release(&r);
	if (rc != 0) {
		wt_say(why, "%s is not a valid branch name for git", q->branch);
		return NULL;
	}
	if (wt_root(repo, q->root, root, sizeof root) < 0) {
		wt_say(why, "the worktrees' directory for %s is too long a path", repo);
		return NULL;
	}
	/* Made private: worktrees get copies of .env files and the like. */
	if (access(root, F_OK) < 0 && fs_mkdirs(root) == 0)
		chmod(root, 0700);
	if (!fs_is_dir(root)) {
		wt_say(why, "cannot make the worktrees' directory %s", root);
		return NULL;
	}
	refname_dirname(q->branch, dname, sizeof dname);
	if (wt_path(path, sizeof path, "%s/%s", root, dname) < 0) {
		wt_say(why, "the worktree's path under %s is too long", root);
		return NULL;
	}
	if (lstat(path, &st) == 0) {
		wt_say(why, "%s already exists", path);
		return NULL;
	}
	snprintf(ref, sizeof ref, "refs/heads/%s", q->branch);
	wt_git_line(repo, WT_ARGS("rev-parse", "--verify", "--quiet", "--end-of-options", ref),
		    exists, sizeof exists, NULL, NULL);
	pthread_mutex_lock(&wt_job_repo_lock);
	if (exists[0])
		rc = wt_git(&r, repo, WT_ARGS("worktree", "add", "--", path, q->branch),
			    "git worktree add", why);
	else
		rc = wt_git(
		    &r, repo,
		    WT_ARGS("worktree", "add", "--no-track", "-b", q->branch, "--", path, commit),
		    "git worktree add", why);
	pthread_mutex_unlock(&wt_job_repo_lock);
	gitrun_release(&r);
	if (rc != 0)
		return NULL;
	created = !exists[0];
	out = json_object();
	json_object_set_new(out, "copied", wt_copy_includes(repo, path));
	if (wt_op_snapshot(path, 1, tree, why) < 0) {
		wt_op_remove(repo, path, q->branch, created, 1, NULL);
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "repo", json_string(repo));
	json_object_set_new(out, "path", json_string(path));
	json_object_set_new(out, "branch", json_string(q->branch));
	json_object_set_new(out, "base", json_string(base));
	json_object_set_new(out, "baseCommit", json_string(commit));
	json_object_set_new(out, "createdBranch", json_boolean(created));
	json_object_set_new(out, "tree", json_string(tree));
	return out;
}
