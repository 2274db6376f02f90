/*
 * wt-snapshot: snapshots and diffs of worktrees (see wt-snapshot.h).
 */
#include "agent/worktree/wt-snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/worktree/wt-git.h"
#include "common/fsutil.h"

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
