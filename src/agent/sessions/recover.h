/*
 * recover: a tool that ended is started again, in its directory, resuming
 * its conversation (resume.h), by the session's restart policy (or its
 * profile's): never, on-failure (a crash, a non-zero exit, a tmux server
 * that is gone, as after a reboot) or always (any exit). The delay doubles
 * from the profile's backoff_ms up to max_backoff_ms; after max_attempts
 * restarts in a row the session stays exited. A run that lasted longer than
 * max_backoff_ms starts the count again. Each restart is announced with
 * session_recovered. A killed session is never restarted: kill_session
 * removes it.
 */
#ifndef CM_AGENT_SESSIONS_RECOVER_H
#define CM_AGENT_SESSIONS_RECOVER_H

#include "agent/sessions/sessions.h"

/* The policy in force for s (enum restart_policy). */
int recover_policy(const struct session *s);
/* s is exited: schedules its restart if its policy says so. */
void recover_on_exit(struct session *s);
/* s is working or waiting again: nothing to restart. */
void recover_on_alive(struct session *s);

#endif
