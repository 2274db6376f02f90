/*
 * stall: a session that is working (thinking, editing, running) and whose
 * screen has not changed (it printed nothing) for its stall time (create_session's stallMs, else
 * the agent's --stall-ms, default 10 minutes) raises session_stalled, once, until output comes
 * again. No timer runs for a session that is not working; a working one is looked at once per stall
 * time, at most.
 */
#ifndef CM_AGENT_SESSIONS_STALL_H
#define CM_AGENT_SESSIONS_STALL_H

#include "agent/sessions/sessions.h"

/* The state of s changed: starts or stops the watch. */
void stall_on_state(struct session *s);

#endif
