/*
 * safepath: may the agent trust a file that tells it what to run?
 *
 * Profiles are commands the agent runs, and the token file is the key to
 * it; a file someone else could have written is neither. As sshd's
 * StrictModes does, a file is trusted only if it and its directory are
 * owned by the agent's user or root and neither is writable by group or
 * others. Refusals say which path and why, so the log tells the fix.
 */
#ifndef CM_AGENT_SAFEPATH_H
#define CM_AGENT_SAFEPATH_H

#include <stddef.h>

/* Checks one path (file or directory). Returns 0, or -1 with the reason
 * ("owned by uid 65534, not by you or root", "writable by group or
 * others: chmod go-w PATH") written into why. */
int safepath_check(const char *path, char *why, size_t size);
/* Checks a file and the directory holding it. */
int safepath_check_file(const char *path, char *why, size_t size);

#endif
