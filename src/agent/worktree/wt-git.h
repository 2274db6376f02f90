/*
 * wt-git: the small helpers every worktree operation shares: one git
 * command with its reason on failure, its first line of output, output as
 * lines, reasons and paths that are cut rather than overflowed. Run on a
 * job's thread (wt-job.h), never on the loop.
 */
#ifndef CM_AGENT_WORKTREE_WT_GIT_H
#define CM_AGENT_WORKTREE_WT_GIT_H

#include <jansson.h>
#include <stddef.h>

#include "agent/worktree/gitrun.h"

#define WT_WHY_MAX  1024 /* bytes of a reason */
#define WT_LIST_MAX 32	 /* file names listed in a refusal or a status */

/* A NULL-terminated argv for wt_git(): WT_ARGS("status", "--porcelain"). */
#define WT_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Writes a reason (cut to WT_WHY_MAX: a long path only shortens it). */
void wt_say(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* snprintf into a path buffer; -1 when it does not fit. */
int wt_path(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Runs git in dir; returns its exit status (or a negative code). With why
 * and what, a failure writes "what: git's reason". The caller releases r.
 */
int wt_git(struct gitrun *r, const char *dir, const char *const *args, const char *what, char *why);
/* Runs git and keeps stdout's first line in out (n bytes); -1 if it failed or printed none. */
int wt_git_line(const char *dir, const char *const *args, char *out, size_t n, const char *what,
		char *why);
/* Every line of text as a JSON array of strings (at most max entries). */
json_t *wt_lines(const char *text, size_t max);
/* Joins a JSON array of strings into "a, b, c" (buf of n bytes). */
void wt_join(const json_t *a, char *buf, size_t n);
/* The namespace of a worktree's snapshot refs: refs/cm/snapshots/DIR/ (DIR: path's name). */
int wt_snapshot_ns(const char *path, char *out, size_t n);

#endif
