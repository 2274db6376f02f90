/*
 * audit: one JSON line per action that changes a session or answers a
 * prompt (who, what, when), appended to the audit log (0600). Separate from
 * the event log: it is never compacted, so it is the record to keep.
 *
 * The audit log is a sink of the event bus (sessions/sink.h), registered at
 * start: it keeps session_created (detail: the tool), session_killed,
 * confirm_needed, auto_confirmed and prompt_answered (the event's fields),
 * and records such as set_auto_confirm (detail: on/off).
 */
#ifndef CM_AGENT_AUDIT_H
#define CM_AGENT_AUDIT_H

#include "agent/sessions/sink.h"

/* What the sink wants, for bus_add_sink_for (the messages above, and records). */
extern const int audit_messages[];
/* The sink; arg is the audit log's path (kept by the caller), opened on first use. */
void audit_sink(void *arg, const struct event *ev);
/* Closes the log. */
void audit_close(void);

#endif
