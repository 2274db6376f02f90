/*
 * refname: what a branch name or a base ref given by a client may be
 * (pure; checked before git ever sees it).
 *
 * A branch follows git check-ref-format's rules for a branch name, and a
 * narrower alphabet on top: ASCII letters, digits and . _ - / + only, so
 * that a name never reads as an option (no leading '-'), a path outside
 * the worktrees' directory (no "..", no leading '/'), or anything a shell
 * or tmux would make something of (`;rm`, spaces, quotes, '#'). A base may
 * also use ~ and ^ (main~2, v1.0^) and a leading hex commit id; it is then
 * resolved by git (rev-parse --verify --end-of-options). The worker runs
 * `git check-ref-format --branch` as well, so git's own rules have the
 * last word.
 */
#ifndef CM_AGENT_WORKTREE_REFNAME_H
#define CM_AGENT_WORKTREE_REFNAME_H

#include <stddef.h>

#define REFNAME_MAX 200 /* longest branch or base accepted */

/* 1 if name is an acceptable branch name; else 0 and why says what is wrong. */
int refname_branch_ok(const char *name, char *why, size_t n);
/* 1 if ref is an acceptable base (branch, tag, commit id, ~N/^N suffixes). */
int refname_base_ok(const char *ref, char *why, size_t n);
/* The directory name for a branch: '/' becomes '-' (dst of at least REFNAME_MAX + 1). */
void refname_dirname(const char *branch, char *dst, size_t n);

#endif
