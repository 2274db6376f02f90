/*
 * notify-sink-off: notify-sink.h for a static cm-agent (CM_STATIC), which
 * links no libcurl: a configuration that asks for notifications is refused
 * with the reason, so that nothing is silently not sent.
 */
#include "agent/notify-sink.h"

#include <stddef.h>

#include "agent/settings/config.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

/* What can make a notification (notify/kind.h), and session_killed for its bookkeeping. */
const int agent_notify_messages[] = {
    PROTO_MSG_CONFIRM_NEEDED,
    PROTO_MSG_SESSION_COMPLETED,
    PROTO_MSG_SESSION_EXITED,
    PROTO_MSG_SESSION_STUCK,
    PROTO_MSG_STATE_CHANGE,
    PROTO_MSG_SESSION_KILLED,
    SINK_END,
};

/* Refuses notifications if any are configured. */
struct agent_notify *
agent_notify_start(const struct config *cfg, struct sessions *set, const char *hostname, char **why)
{
	(void)set;
	(void)hostname;
	*why = NULL;
	if (cfg->n_notify_webhooks || cfg->n_notify_ntfys || cfg->notify_on ||
	    cfg->notify_dashboard)
		*why = xstrdup("this cm-agent is a static build without notifications "
			       "(notify-*); run cm notify on a manager instead");
	return NULL;
}

/* Never registered. */
void
agent_notify_sink(void *arg, const struct event *ev)
{
	(void)arg;
	(void)ev;
}

/* Nothing to stop. */
void
agent_notify_stop(struct agent_notify *n)
{
	(void)n;
}
