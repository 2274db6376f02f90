/*
 * deadwatch: learns that a session's tool exited, with no timer.
 *
 * A tool that exits without printing gives no %output, so the screen
 * monitor alone would never look again. The agent asks tmux for the pane's
 * process (#{pane_pid}) and watches a pidfd of it (pidfd_open(2)) on the
 * loop: the kernel makes it readable when the process exits, and the
 * monitor then reads the pane, which tmux has marked dead by then or
 * shortly after (it learns of the exit through its own SIGCHLD, so a few
 * reads follow at growing delays until #{pane_dead} says so, bounded).
 * Idle, neither the agent nor the tmux server wakes up.
 *
 * Where pidfd_open is missing (ENOSYS: a kernel before 5.3, a seccomp
 * filter) or switched off (the environment variable CM_AGENT_NO_PIDFD=1,
 * for tests), the fallback is the old way: a format subscription to
 * #{pane_dead}, which tmux checks on a one-second timer (one wake-up per
 * second of each tmux server).
 */
#ifndef CM_AGENT_SESSIONS_DEADWATCH_H
#define CM_AGENT_SESSIONS_DEADWATCH_H

struct session;

/*
 * Starts watching s's tool (s is attached; called on every attach). Never
 * fails: the fallback is used. A tool started again (session_restart)
 * must be watched again: call it after the restart.
 */
void deadwatch_start(struct session *s);
/* Stops watching (the control client goes, the session ends). */
void deadwatch_stop(struct session *s);
/* 1 if s is watched through a pidfd, 0 through the subscription or not at all. */
int deadwatch_uses_pidfd(const struct session *s);

#endif
