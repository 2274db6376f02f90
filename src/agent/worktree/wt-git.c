/*
 * wt-git: helpers of the worktree operations (see wt-git.h).
 */
#include "agent/worktree/wt-git.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Writes a reason (cut to WT_WHY_MAX: a long path only shortens it). */
void
wt_say(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WT_WHY_MAX, fmt, ap);
	va_end(ap);
}

/* snprintf into a path buffer; -1 when it does not fit. */
int
wt_path(char *out, size_t n, const char *fmt, ...)
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
int
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
int
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
json_t *
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
void
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

/* The namespace of a worktree's snapshot refs: refs/cm/snapshots/DIR/. */
int
wt_snapshot_ns(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');

	return wt_path(out, n, "refs/cm/snapshots/%s/", base ? base + 1 : path);
}
