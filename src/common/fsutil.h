/*
 * fsutil: file-system helpers with safe defaults.
 *
 * Everything the agent or the CLI writes is private to the user: files are
 * created 0600, directories 0700, writes are atomic (tmp + fsync + rename,
 * as git's lockfile.h), and a directory handed to us by configuration is
 * checked for owner, mode and symlinks before anything is put in it.
 */
#ifndef CM_COMMON_FSUTIL_H
#define CM_COMMON_FSUTIL_H

#include <stddef.h>

/* Creates dir and its parents with mode 0700 where missing. */
int fs_mkdirs(const char *dir);
/*
 * Makes sure dir is a private directory: creates it 0700 if missing; fails
 * with CM_EPERM and a reason in *why if it is a symlink, not a directory,
 * not owned by us, or writable by group or others.
 */
int fs_private_dir(const char *dir, const char **why);
/* Writes data to path atomically with mode 0600, durably (fsync before rename). */
int fs_write_atomic(const char *path, const void *data, size_t len);
/*
 * The same without fsync: atomic against the process dying, not against the
 * machine losing power. For state that is rewritten often and can be
 * derived again (a session's last state), so the event loop never waits on
 * the disk.
 */
int fs_write_atomic_nosync(const char *path, const void *data, size_t len);
/*
 * Reads a whole file of at most max bytes into a NUL-terminated buffer
 * (caller frees). CM_ETOOBIG if larger, CM_ENOENT if missing.
 */
int fs_read_file(const char *path, size_t max, char **out, size_t *lenp);
/* True if path names an existing directory (following symlinks). */
int fs_is_dir(const char *path);

#endif
