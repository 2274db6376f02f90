/*
 * notify-sink: the agent's own notifications (--notify-webhook,
 * --notify-ntfy, --notify-on, --notify-dashboard), for machines where no
 * manager runs `cm notify`.
 *
 * One more bus sink, registered by main.c at start for the events that can
 * make a notification (agent_notify_messages): each one that makes
 * a notification of a wanted kind (notify/kind.h) passes dedup and the
 * per-session rate limit (notify/limit.h), is composed with the session's
 * task and tool (notify/msg.h; the hostname names the agent) and queued for
 * src/notify's delivery thread, which does the HTTP with timeouts and
 * retries. The sink itself never waits: a full queue drops the
 * notification with a warning. Not persisted: the sink sees each event once,
 * live; what is queued at shutdown gets two seconds.
 */
#ifndef CM_AGENT_NOTIFY_SINK_H
#define CM_AGENT_NOTIFY_SINK_H

#include "agent/sessions/sink.h"

struct config;
struct sessions;
struct agent_notify;

/*
 * Starts notifications as the configuration asks: NULL with *why NULL
 * when none are configured, NULL with *why (caller frees) when a value is
 * bad, else the state to give agent_notify_sink as its argument.
 */
struct agent_notify *agent_notify_start(const struct config *cfg, struct sessions *set,
					const char *hostname, char **why);
/* The events the sink wants (for bus_add_sink_for). */
extern const int agent_notify_messages[];
/* The bus sink. */
void agent_notify_sink(void *arg, const struct event *ev);
/* Drains (2 s at most) and stops. */
void agent_notify_stop(struct agent_notify *n);

#endif
