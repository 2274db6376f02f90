/*
 * tool-versions: the installed version of each tool's program, for
 * list_profiles (`cm tools`), found by running `PROGRAM --version`.
 *
 * A version is never waited for: asking for one that is not known starts a
 * probe and answers "pending"; the probe runs beside the loop (its output
 * read through an fdwatch), and a later ask gets the version. A probe runs
 * under coreutils' timeout(1), so that a program that does not answer
 * --version (it starts its interface instead) is killed after 10 s even if
 * the agent is gone by then; the agent's SIGCHLD handler reaps it. Results
 * are kept for 10 minutes, so an upgraded tool is seen again.
 */
#ifndef CM_AGENT_TOOL_VERSIONS_H
#define CM_AGENT_TOOL_VERSIONS_H

#include <stddef.h>

struct lws_vhost;

#define TOOL_VERSIONS_MAX     32	   /* programs remembered */
#define TOOL_VERSIONS_TTL_MS  (600 * 1000) /* how long a version is kept */
#define TOOL_VERSIONS_OUT_MAX 4096	   /* bytes of --version output read */

/* What is known of a program's version. */
enum tool_version_state {
	TOOL_VERSION_PENDING = 0, /* a probe runs (or was just started) */
	TOOL_VERSION_KNOWN,	  /* version holds it */
	TOOL_VERSION_UNKNOWN,	  /* the program printed no version */
};

/*
 * The version of program (a name on PATH or a path): copied into version
 * (n bytes) when known; starts a probe on vh when none is known or running.
 */
enum tool_version_state tool_versions_get(struct lws_vhost *vh, const char *program, char *version,
					  size_t n);

#endif
