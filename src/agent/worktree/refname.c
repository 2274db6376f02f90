/*
 * refname: branch and base checks (see refname.h).
 */
#include "agent/worktree/refname.h"

#include <stdio.h>
#include <string.h>

/* Shared rules; extra is the set of characters allowed beyond the branch alphabet. */
static int
refname_check(const char *s, const char *what, const char *extra, char *why, size_t n)
{
	size_t len = strlen(s);
	const char *c;

	if (len == 0) {
		snprintf(why, n, "%s is empty", what);
		return 0;
	}
	if (len > REFNAME_MAX) {
		snprintf(why, n, "%s is longer than %d bytes", what, REFNAME_MAX);
		return 0;
	}
	if (s[0] == '-') {
		snprintf(why, n, "%s must not start with '-' (it would read as an option)", what);
		return 0;
	}
	for (c = s; *c; c++) {
		unsigned char u = (unsigned char)*c;

		if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
		    strchr("._-/+", u) || (extra && strchr(extra, u)))
			continue;
		if (u < 0x20 || u >= 0x7f)
			snprintf(why, n, "%s holds a control or non-ASCII byte (0x%02x)", what, u);
		else
			snprintf(why, n,
				 "%s holds '%c': only letters, digits and . _ - / + are allowed",
				 what, u);
		return 0;
	}
	if (strstr(s, "..")) {
		snprintf(why, n, "%s must not contain \"..\"", what);
		return 0;
	}
	if (s[0] == '/' || s[len - 1] == '/' || strstr(s, "//")) {
		snprintf(why, n, "%s must not start or end with '/' or hold \"//\"", what);
		return 0;
	}
	if (s[len - 1] == '.' || strstr(s, "/.") || s[0] == '.') {
		snprintf(why, n, "%s must not end with '.' or have a part starting with '.'", what);
		return 0;
	}
	for (c = s; (c = strstr(c, ".lock")) != NULL; c++)
		if (c[5] == '\0' || c[5] == '/') {
			snprintf(why, n, "%s must not have a part ending in \".lock\"", what);
			return 0;
		}
	return 1;
}

int
refname_branch_ok(const char *name, char *why, size_t n)
{
	if (!refname_check(name, "branch name", NULL, why, n))
		return 0;
	if (strcmp(name, "HEAD") == 0) {
		snprintf(why, n, "branch name must not be HEAD");
		return 0;
	}
	return 1;
}

int
refname_base_ok(const char *ref, char *why, size_t n)
{
	return refname_check(ref, "base", "~^", why, n);
}

void
refname_dirname(const char *branch, char *dst, size_t n)
{
	size_t i = 0;

	for (; branch[i] && i + 1 < n; i++)
		dst[i] = branch[i] == '/' ? '-' : branch[i];
	dst[i] = '\0';
}
