/*
 * kind: which agent events a person wants to hear about, by the names
 * people use (`--on needs-person,done`), and the event that makes each one:
 *
 *   needs-person  confirm_needed: a prompt waits for an answer; auto_continued
 *                 with an outcome other than "continued"
 *   done          session_completed: a task finished
 *   error         state_change to "error" (the tool shows an error banner)
 *   usage-limit   the same, when the banner speaks of a usage or rate limit,
 *                 a quota, HTTP 429 or a credit balance
 *   exited        session_exited: the tool's process ended
 *   usage-limit   also state_change to "usage_limit"
 *   stalled       session_stuck: still starting after the profile's timeout;
 *                 session_stalled: working with no output for its stall time
 *   recovered     session_recovered (the tool started again after it ended);
 *                 state_change from "error" to a working or idle state, or
 *                 out of "starting" after a stall (the caller tells which
 *                 sessions stalled)
 *
 * Pure functions over the event's JSON; no allocation.
 */
#ifndef CM_NOTIFY_KIND_H
#define CM_NOTIFY_KIND_H

#include <stddef.h>

#include <jansson.h>

enum notify_kind {
	NOTIFY_NEEDS_PERSON = 1 << 0,
	NOTIFY_DONE = 1 << 1,
	NOTIFY_ERROR = 1 << 2,
	NOTIFY_EXITED = 1 << 3,
	NOTIFY_STALLED = 1 << 4,
	NOTIFY_USAGE_LIMIT = 1 << 5,
	NOTIFY_RECOVERED = 1 << 6,
};

#define NOTIFY_KIND_ALL 0x7f

/* The name of one kind ("needs-person"), or NULL. */
const char *notify_kind_name(unsigned kind);
/* The kind of a name; 0 if unknown. */
unsigned notify_kind_parse(const char *name);
/*
 * Parses a comma-separated list of names ("needs-person,done", or "all")
 * into a mask; 0 and the first bad name in bad (n bytes) otherwise.
 */
unsigned notify_kind_parse_list(const char *list, char *bad, size_t n);
/*
 * The kind an event makes, or 0 for an event nobody is told about.
 * was_stalled says the session had a session_stuck and no state since.
 */
unsigned notify_kind_of(const json_t *event, int was_stalled);

#endif
