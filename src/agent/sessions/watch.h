/*
 * watch: the recovery watches follow state changes through the event bus,
 * as any other consumer of events (sink.h): a sink notes which session
 * changed and, on the next loop turn (a sink must not publish), hands it
 * to recover.c, stall.c, limit.c and resume.c. So the monitor and the
 * session code call none of them.
 */
#ifndef CM_AGENT_SESSIONS_WATCH_H
#define CM_AGENT_SESSIONS_WATCH_H

#include "agent/sessions/sessions.h"

/* Registers the sink on set's bus; call before session_adopt_all. */
int watch_start(struct sessions *set);

#endif
