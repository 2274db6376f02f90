/*
 * audit: one JSON line per action that changes a session or answers a
 * prompt (who, what, when), appended to the audit log (0600). Separate from
 * the event log: it is never compacted, so it is the record to keep.
 */
#ifndef CM_AGENT_AUDIT_H
#define CM_AGENT_AUDIT_H

#include <jansson.h>

struct agent;

/* Appends {time, session, action, detail} to the audit log. */
void audit_write(struct agent *a, const char *session, const char *action, const char *detail);
/* Appends an event-shaped record (borrowed obj) with session and action. */
void audit_write_json(struct agent *a, const char *session, const char *action, json_t *extra);
/* Closes the log. */
void audit_close(void);

#endif
