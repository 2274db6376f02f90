/*
 * monitor: a session's state, from its screen, driven by its output.
 *
 * There is no polling timer. %output arms a short debounce (debounce_ms,
 * default 5 ms, not re-armed by more output, so a tool that never stops
 * drawing is still read at that pace; while output never pauses the delay
 * grows to 50 ms, see monitor_adapt); when it fires, the screen and
 * #{pane_dead} are read over the control connection (about 0.15 ms each)
 * and classified by the session's profile (classify.c). Output that
 * arrives during a read marks the session dirty and triggers one more read
 * when it ends. A session with no output is never woken up.
 *
 * The state machine on top of the classifier: `idle` after work is `done`
 * (and session_completed is published once); `done` stays until the screen
 * shows something else than idle; a dead pane is `exited` whatever the
 * screen says. Prompts go to confirm.c.
 */
#ifndef CM_AGENT_MONITOR_H
#define CM_AGENT_MONITOR_H

struct session;

/* Reads the screen once now (new or re-adopted session). */
void monitor_start(struct session *s);
/* Output arrived: schedule a read. */
void monitor_on_output(struct session *s);
/* Reads the screen again in ms milliseconds (if no read is scheduled). */
void monitor_schedule(struct session *s, long ms);
/* Cancels the timer. */
void monitor_stop(struct session *s);

#endif
