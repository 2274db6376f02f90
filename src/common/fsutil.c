/*
 * fsutil: private directories, atomic writes, bounded reads (see fsutil.h).
 */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* Maps errno to the closest cm_err. */
static int
fs_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return CM_ENOENT;
	case EACCES:
	case EPERM:
		return CM_EPERM;
	case EEXIST:
		return CM_EEXIST;
	case ENOMEM:
		return CM_ENOMEM;
	default:
		return CM_EIO;
	}
}

/* Creates each missing component of dir with mode 0700. */
int
fs_mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof path)
		return CM_EINVAL;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return fs_errno(errno);
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return fs_errno(errno);
	return 0;
}

/* Checks (creating if needed) that dir is private to this user. */
int
fs_private_dir(const char *dir, const char **why)
{
	struct stat st;
	int rc;

	*why = NULL;
	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT) {
			*why = strerror(errno);
			return fs_errno(errno);
		}
		if ((rc = fs_mkdirs(dir)) < 0) {
			*why = "cannot create it";
			return rc;
		}
		if (lstat(dir, &st) < 0) {
			*why = strerror(errno);
			return fs_errno(errno);
		}
	}
	if (S_ISLNK(st.st_mode)) {
		*why = "it is a symbolic link";
		return CM_EPERM;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = "it is not a directory";
		return CM_EPERM;
	}
	if (st.st_uid != geteuid()) {
		*why = "it is owned by another user";
		return CM_EPERM;
	}
	if (st.st_mode & 0077) {
		*why = "it is accessible to group or others (chmod 700 it)";
		return CM_EPERM;
	}
	return 0;
}

/* Writes len bytes to path via a temporary file (fsync'ed if sync) and rename. */
static int
fs_write_file(const char *path, const void *data, size_t len, int sync)
{
	char tmp[PATH_MAX];
	const char *p = data;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
		return CM_EINVAL;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fs_errno(errno);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = fs_errno(errno);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = fs_errno(errno);
	if (close(fd) < 0 && rc == 0)
		rc = fs_errno(errno);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = fs_errno(errno);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Writes durably and atomically. */
int
fs_write_atomic(const char *path, const void *data, size_t len)
{
	return fs_write_file(path, data, len, 1);
}

/* Writes atomically without waiting for the disk. */
int
fs_write_atomic_nosync(const char *path, const void *data, size_t len)
{
	return fs_write_file(path, data, len, 0);
}

/* Reads a whole regular file of at most max bytes. */
int
fs_read_file(const char *path, size_t max, char **out, size_t *lenp)
{
	struct stat st;
	char *data;
	size_t len = 0;
	int fd, rc = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fs_errno(errno);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return CM_EINVAL;
	}
	data = xmalloc(max + 1);
	for (;;) {
		ssize_t n = read(fd, data + len, max + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = fs_errno(errno);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			rc = CM_ETOOBIG;
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		free(data);
		return rc;
	}
	data[len] = '\0';
	*out = data;
	if (lenp)
		*lenp = len;
	return 0;
}

/* Tells whether path is a directory. */
int
fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
