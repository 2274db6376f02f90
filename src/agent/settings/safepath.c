/*
 * safepath: ownership and mode checks (see safepath.h).
 */
#include "agent/settings/safepath.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"

int
safepath_check(const char *path, char *why, size_t size)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(why, size, "%s is owned by uid %ld, not by the agent's user or root", path,
			 (long)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, size, "%s is writable by group or others (run: chmod go-w %s)", path,
			 path);
		return -1;
	}
	return 0;
}

int
safepath_check_file(const char *path, char *why, size_t size)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	if (safepath_check(path, why, size) < 0)
		return -1;
	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup(".");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	rc = safepath_check(dir, why, size);
	free(dir);
	return rc;
}
