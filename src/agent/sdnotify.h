/*
 * sdnotify: tells systemd (Type=notify) that the agent is ready, what it is
 * doing, and that its loop still runs (the watchdog).
 *
 * The protocol is one datagram per message on the Unix socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace), lines of
 * VAR=value: READY=1 once the listeners are up and the sessions re-adopted,
 * STATUS=... (a line `systemctl status` shows), WATCHDOG=1 and STOPPING=1.
 * It is written here by hand, in a few lines, rather than taken from
 * libsystemd: Debian ships libsystemd as a shared library only, and the
 * agent must stay buildable as one static binary (ARCHITECTURE.md); the
 * protocol is stable and documented in sd_notify(3).
 *
 * The watchdog ping is a timer on the agent's own loop, at half of
 * $WATCHDOG_USEC (set by systemd from WatchdogSec=): it is sent only when
 * the loop turns, so an agent stuck in a call or stopped is restarted by
 * systemd. $WATCHDOG_PID, when set, must be the agent's pid. Without
 * WatchdogSec no timer exists and nothing wakes up. Each ping also measures
 * how late the loop ran it (metrics.h, event-loop lag), and carries the
 * status line when it changed (sessions, clients), so `systemctl status`
 * stays current at no extra wake-up.
 *
 * NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are removed from the
 * environment once read, so the tools in the sessions never see them.
 * Without NOTIFY_SOCKET every function does nothing.
 */
#ifndef CM_AGENT_SDNOTIFY_H
#define CM_AGENT_SDNOTIFY_H

#include <stddef.h>

struct lws_context;
struct metrics;

/* Reads the environment (call once, early). Returns 1 if systemd listens. */
int sdnotify_init(void);
/*
 * Fills a status line (at most n bytes): called for READY=1 and at each
 * watchdog ping; a line that changed is sent with the ping.
 */
typedef void (*sdnotify_status_fn)(void *arg, char *buf, size_t n);

/* Sends READY=1 with status()'s line and starts the watchdog on the loop. */
void sdnotify_ready(struct lws_context *lws, struct metrics *m, sdnotify_status_fn status,
		    void *arg);
/* Sends a new status line. */
void sdnotify_status(const char *status);
/* Sends STOPPING=1 and stops the watchdog. */
void sdnotify_stopping(void);

#endif
