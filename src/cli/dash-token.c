/*
 * dash-token: creates, checks and compares the dashboard's token.
 */
#include "dash-token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"

int
dash_token_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int r;

	if (xdg && *xdg == '/')
		r = snprintf(buf, n, "%s/cm/dashboard-token", xdg);
	else if (home && *home)
		r = snprintf(buf, n, "%s/.config/cm/dashboard-token", home);
	else
		return CM_ENOENT;
	return r < 0 || (size_t)r >= n ? CM_ETOOBIG : 0;
}

/* Writes a new token with O_EXCL (two dashboards starting at once agree on one). */
static int
dash_token_create(const char *path, char *why, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[DASH_TOKEN_LEN / 2];
	char text[DASH_TOKEN_LEN + 1];
	int fd;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		snprintf(why, n, "cannot read random bytes: %s", strerror(errno));
		return CM_EIO;
	}
	for (size_t i = 0; i < sizeof raw; i++) {
		text[2 * i] = hex[raw[i] >> 4];
		text[2 * i + 1] = hex[raw[i] & 15];
	}
	text[DASH_TOKEN_LEN] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return CM_EIO;
	}
	if (write(fd, text, sizeof text) != (ssize_t)sizeof text || fsync(fd) < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return CM_EIO;
	}
	close(fd);
	return 0;
}

int
dash_token_load(const char *path, char token[DASH_TOKEN_LEN + 1], char *why, size_t n)
{
	char dir[4096], *slash, *data = NULL;
	const char *dwhy = NULL;
	struct stat st;
	size_t len = 0;
	int rc, fd;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if ((rc = fs_private_dir(dir, &dwhy)) < 0) {
			snprintf(why, n, "%s: %s", dir, dwhy ? dwhy : cm_strerror(rc));
			return rc;
		}
	}
	if ((rc = dash_token_create(path, why, n)) < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CM_EIO;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077)) {
		snprintf(why, n,
			 "%s: must be a file of yours that nobody else may read (chmod 600)", path);
		return CM_EPERM;
	}
	if ((rc = fs_read_file(path, 4096, &data, &len)) < 0) {
		snprintf(why, n, "%s: %s", path, cm_strerror(rc));
		return rc;
	}
	while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len != DASH_TOKEN_LEN || strspn(data, "0123456789abcdef") < DASH_TOKEN_LEN) {
		snprintf(why, n,
			 "%s: not a dashboard token (64 hex digits); remove it to make a new one",
			 path);
		free(data);
		return CM_EINVAL;
	}
	memcpy(token, data, DASH_TOKEN_LEN);
	token[DASH_TOKEN_LEN] = '\0';
	free(data);
	return 0;
}
