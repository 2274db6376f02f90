/*
 * wt-ops: git worktrees, snapshots, diffs and merges (see wt-ops.h).
 */
#include "agent/worktree/wt-ops.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/worktree/gitrun.h"
#include "agent/worktree/refname.h"
#include "agent/worktree/wt-job.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define WT_TURNS_KEEP_MAX 100000 /* snapshot refs dropped with a worktree */
#define WT_ARGS(...)	  ((const char *const[]){__VA_ARGS__, NULL})

/* Writes a reason (cut to WT_WHY_MAX: a long path only shortens it). */
static void __attribute__((format(printf, 2, 3))) wt_say(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WT_WHY_MAX, fmt, ap);
	va_end(ap);
}

/* snprintf into a path buffer; -1 when it does not fit. */
static int __attribute__((format(printf, 3, 4))) wt_path(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/*
 * Runs git in dir; returns its exit status (or a negative code). With why
 * and a failure, why gets "what: git's reason". r is released by the caller.
 */
static int
wt_git(struct gitrun *r, const char *dir, const char *const *args, const char *what, char *why)
{
	int rc;

	gitrun_init(r, dir, args);
	rc = gitrun_run(r);
	if (rc != 0 && why && what)
		wt_say(why, "%s: %s", what, gitrun_why(r));
	return rc;
}

/* Runs git and keeps stdout's first line in out (n bytes); -1 if it failed or printed none. */
static int
wt_git_line(const char *dir, const char *const *args, char *out, size_t n, const char *what,
	    char *why)
{
	struct gitrun r;
	int rc = wt_git(&r, dir, args, what, why);
	size_t len;

	if (rc == 0 && r.out.len > 0) {
		len = strcspn(r.out.data, "\n");
		snprintf(out, n, "%.*s", (int)len, r.out.data);
	} else if (rc == 0 && why && what) {
		wt_say(why, "%s: git printed nothing", what);
	}
	gitrun_release(&r);
	return rc == 0 && out[0] ? 0 : -1;
}

/* Every line of text as a JSON array of strings (at most max entries). */
static json_t *
wt_lines(const char *text, size_t max)
{
	json_t *a = json_array();
	const char *s = text, *e;

	while (s && *s && json_array_size(a) < max) {
		e = strchrnul(s, '\n');
		if (e > s)
			json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
		s = *e ? e + 1 : e;
	}
	return a;
}

/* Joins a JSON array of strings into "a, b, c" (buf of n bytes). */
static void
wt_join(const json_t *a, char *buf, size_t n)
{
	size_t used = 0, i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach (a, i, v) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", json_string_value(v));

		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}

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

/* The namespace of a worktree's snapshot refs: refs/cm/snapshots/DIR/. */
static int
wt_snapshot_ns(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');

	return wt_path(out, n, "refs/cm/snapshots/%s/", base ? base + 1 : path);
}

int
wt_op_snapshot(const char *path, int keep, char tree[64], char *why)
{
	char index[PATH_MAX + 32], gitpath[PATH_MAX], real[PATH_MAX], env[PATH_MAX + 48],
	    ref[PATH_MAX];
	struct gitrun r;
	char *data = NULL;
	size_t len = 0;
	int rc = -1, fd;

	tree[0] = '\0';
	if (access(path, F_OK) < 0) {
		wt_say(why, "the worktree %s is gone", path);
		return -1;
	}
	/* A private index beside the worktree's own, seeded from it so that
	 * `add -A` only hashes what changed; the real index is never touched. */
	if (wt_git_line(path, WT_ARGS("rev-parse", "--path-format=absolute", "--git-path", "index"),
			real, sizeof real, "git rev-parse", why) < 0)
		return -1;
	snprintf(gitpath, sizeof gitpath, "%s", real);
	snprintf(index, sizeof index, "%s.cm-snapshot-XXXXXX", gitpath);
	if ((fd = mkostemp(index, O_CLOEXEC)) < 0) {
		wt_say(why, "cannot make a temporary index: %s", strerror(errno));
		return -1;
	}
	if (fs_read_file(real, 256 << 20, &data, &len) == 0 &&
	    write(fd, data, len) != (ssize_t)len) {
		wt_say(why, "cannot write a temporary index");
		close(fd);
		goto out;
	}
	close(fd);
	snprintf(env, sizeof env, "GIT_INDEX_FILE=%s", index);
	gitrun_init(&r, path, WT_ARGS("add", "-A", "--", "."));
	gitrun_env(&r, env);
	rc = gitrun_run(&r);
	if (rc != 0)
		wt_say(why, "git add: %s", gitrun_why(&r));
	gitrun_release(&r);
	if (rc != 0)
		goto out;
	gitrun_init(&r, path, WT_ARGS("write-tree"));
	gitrun_env(&r, env);
	rc = gitrun_run(&r);
	if (rc == 0 && r.out.len >= 40)
		snprintf(tree, 64, "%.*s", (int)strcspn(r.out.data, "\n"), r.out.data);
	else
		wt_say(why, "git write-tree: %s", gitrun_why(&r));
	gitrun_release(&r);
	rc = tree[0] ? 0 : -1;
	if (rc == 0 && keep && wt_snapshot_ns(path, ref, sizeof ref) == 0 &&
	    strlen(ref) + strlen(tree) < sizeof ref) {
		strcat(ref, tree);
		/* Best effort: without it the snapshot still serves until gc. */
		wt_git(&r, path, WT_ARGS("update-ref", "--no-deref", ref, tree), NULL, NULL);
		gitrun_release(&r);
	}
out:
	free(data);
	unlink(index);
	return rc;
}

/* Adds "files" from --name-status and --numstat outputs (same order). */
static json_t *
wt_files(const char *status, const char *numstat)
{
	json_t *files = json_array();
	const char *s = status, *n = numstat;

	while (s && *s) {
		const char *e = strchrnul(s, '\n'), *tab = memchr(s, '\t', (size_t)(e - s));
		const char *ne = n ? strchrnul(n, '\n') : NULL;
		json_t *f;

		if (tab) {
			f = json_object();
			json_object_set_new(f, "path",
					    json_stringn(tab + 1, (size_t)(e - tab - 1)));
			json_object_set_new(f, "status", json_stringn(s, 1));
			if (n && *n) {
				long add = -1, del = -1;

				if (n[0] != '-')
					sscanf(n, "%ld\t%ld", &add, &del);
				else
					json_object_set_new(f, "binary", json_true());
				json_object_set_new(f, "added", json_integer(add < 0 ? 0 : add));
				json_object_set_new(f, "deleted", json_integer(del < 0 ? 0 : del));
			}
			json_array_append_new(files, f);
		}
		s = *e ? e + 1 : e;
		if (ne)
			n = *ne ? ne + 1 : ne;
	}
	return files;
}

json_t *
wt_op_diff(const char *path, const char *base, const char *from, const char *to, int stat,
	   char *why)
{
	char fromid[64] = "", toid[64] = "", ref[300];
	struct gitrun st, num, patch;
	json_t *out;

	if (access(path, F_OK) < 0) {
		wt_say(why, "the worktree %s is gone (deleted by hand?)", path);
		return NULL;
	}
	if (from) {
		snprintf(fromid, sizeof fromid, "%s", from);
	} else {
		snprintf(ref, sizeof ref, "%s", base);
		if (wt_git_line(path, WT_ARGS("merge-base", "--", ref, "HEAD"), fromid,
				sizeof fromid, "git merge-base", why) < 0)
			return NULL;
	}
	if (to)
		snprintf(toid, sizeof toid, "%s", to);
	else if (wt_op_snapshot(path, 0, toid, why) < 0)
		return NULL;
	if (wt_git(&st, path,
		   WT_ARGS("-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff",
			   "--no-renames", "--name-status", fromid, toid, "--"),
		   "git diff", why) != 0 ||
	    wt_git(&num, path,
		   WT_ARGS("-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff",
			   "--no-renames", "--numstat", fromid, toid, "--"),
		   "git diff", why) != 0) {
		gitrun_release(&st);
		gitrun_release(&num);
		return NULL;
	}
	out = json_object();
	json_object_set_new(out, "from", json_string(fromid));
	json_object_set_new(out, "to", json_string(toid));
	json_object_set_new(out, "files", wt_files(st.out.data, num.out.data));
	gitrun_release(&st);
	gitrun_release(&num);
	if (!stat) {
		gitrun_init(&patch, path,
			    WT_ARGS("-c", "core.quotePath=false", "diff", "--no-color",
				    "--no-ext-diff", "--no-renames", "-p", fromid, toid, "--"));
		patch.out_max = WT_PATCH_MAX;
		if (gitrun_run(&patch) != 0) {
			wt_say(why, "git diff: %s", gitrun_why(&patch));
			gitrun_release(&patch);
			json_decref(out);
			return NULL;
		}
		json_object_set_new(
		    out, "patch",
		    json_stringn(patch.out.data ? patch.out.data : "", patch.out.len));
		json_object_set_new(out, "truncated", json_boolean(patch.truncated));
		gitrun_release(&patch);
	}
	return out;
}

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
