/*
 * notify-sink: notifications sent by the agent itself (see notify-sink.h).
 */
#include "agent/notify-sink.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"
#include "notify/dest.h"
#include "notify/kind.h"
#include "notify/limit.h"
#include "notify/msg.h"
#include "notify/sender.h"
#include "agent/sessions/sessions.h"
#include "agent/settings/config.h"

#define AGENT_NOTIFY_DRAIN_MS 2000

struct agent_notify {
	struct sessions *set;	      /* to find a session's task */
	char *hostname;		      /* names the agent in messages */
	char *dashboard;	      /* link, or NULL */
	unsigned on;		      /* kinds wanted */
	struct notify_dest *dests;    /* where */
	size_t ndests;		      /* count */
	struct notify_limit *limit;   /* dedup and rate */
	struct notify_sender *sender; /* the delivery thread */
	char **stalled;		      /* sessions that had a session_stuck, until a state */
	size_t nstalled;	      /* count */
};

/* Frees what start made. */
static void
agent_notify_free(struct agent_notify *n)
{
	size_t i;

	for (i = 0; i < n->ndests; i++)
		notify_dest_release(&n->dests[i]);
	free(n->dests);
	if (n->limit)
		notify_limit_release(n->limit);
	free(n->limit);
	for (i = 0; i < n->nstalled; i++)
		free(n->stalled[i]);
	free(n->stalled);
	free(n->hostname);
	free(n->dashboard);
	free(n);
}

/* What can make a notification (notify/kind.h), and session_killed for its bookkeeping. */
const int agent_notify_messages[] = {
    PROTO_MSG_CONFIRM_NEEDED,  PROTO_MSG_SESSION_COMPLETED,
    PROTO_MSG_SESSION_EXITED,  PROTO_MSG_SESSION_STUCK,
    PROTO_MSG_SESSION_STALLED, PROTO_MSG_SESSION_RECOVERED,
    PROTO_MSG_AUTO_CONTINUED,  PROTO_MSG_STATE_CHANGE,
    PROTO_MSG_SESSION_KILLED,  SINK_END,
};

/* Starts notifications. */
struct agent_notify *
agent_notify_start(const struct config *cfg, struct sessions *set, const char *hostname, char **why)
{
	struct notify_sender_opts so;
	struct agent_notify *n;
	struct notify_dest probe;
	char err[512], bad[64];
	size_t i;

	*why = NULL;
	if (cfg->n_notify_webhooks == 0 && cfg->n_notify_ntfys == 0) {
		if (cfg->notify_on || cfg->notify_dashboard)
			*why = xstrdup("notify-on and notify-dashboard need a notify-webhook or "
				       "notify-ntfy");
		return NULL;
	}
	n = xcalloc(1, sizeof(*n));
	n->set = set;
	n->hostname = xstrdup(hostname && *hostname ? hostname : "cm-agent");
	n->on = NOTIFY_KIND_ALL;
	if (cfg->notify_on && !(n->on = notify_kind_parse_list(cfg->notify_on, bad, sizeof(bad)))) {
		*why = xasprintf("notify-on: unknown event \"%s\" (needs-person, done, error, "
				 "exited, stalled, usage-limit, recovered, all)",
				 bad);
		goto fail;
	}
	if (cfg->notify_dashboard) {
		if (notify_dest_webhook(&probe, cfg->notify_dashboard, err, sizeof(err)) < 0) {
			*why = xasprintf("notify-dashboard: %s", err);
			goto fail;
		}
		notify_dest_release(&probe);
		n->dashboard = xstrdup(cfg->notify_dashboard);
	}
	n->dests = xcalloc(cfg->n_notify_webhooks + cfg->n_notify_ntfys, sizeof(*n->dests));
	for (i = 0; i < cfg->n_notify_webhooks; i++, n->ndests++)
		if (notify_dest_webhook(&n->dests[n->ndests], cfg->notify_webhooks[i], err,
					sizeof(err)) < 0) {
			*why = xasprintf("notify-webhook: %s", err);
			goto fail;
		}
	for (i = 0; i < cfg->n_notify_ntfys; i++, n->ndests++)
		if (notify_dest_ntfy(&n->dests[n->ndests], cfg->notify_ntfys[i], err, sizeof(err)) <
		    0) {
			*why = xasprintf("notify-ntfy: %s", err);
			goto fail;
		}
	n->limit = xcalloc(1, sizeof(*n->limit));
	notify_limit_init(n->limit, 600, 5, 60);
	memset(&so, 0, sizeof(so));
	if (!(n->sender = notify_sender_new(&so))) {
		*why = xstrdup("cannot start the notification thread");
		goto fail;
	}
	log_info("notifications: %zu destination(s)", n->ndests);
	return n;
fail:
	agent_notify_free(n);
	return NULL;
}

/* Index of a stalled session, or nstalled. */
static size_t
agent_notify_stalled_at(const struct agent_notify *n, const char *sid)
{
	size_t i;

	for (i = 0; i < n->nstalled; i++)
		if (!strcmp(n->stalled[i], sid))
			break;
	return i;
}

/* Keeps which sessions stalled, for "recovered". */
static void
agent_notify_track(struct agent_notify *n, const struct event *ev)
{
	size_t i;

	if (!ev->session)
		return;
	i = agent_notify_stalled_at(n, ev->session);
	if (!strcmp(ev->type, "session_stuck") && i == n->nstalled && n->nstalled < 4096) {
		n->stalled = xreallocarray(n->stalled, n->nstalled + 1, sizeof(char *));
		n->stalled[n->nstalled++] = xstrdup(ev->session);
	} else if ((!strcmp(ev->type, "state_change") || !strcmp(ev->type, "session_killed")) &&
		   i < n->nstalled) {
		free(n->stalled[i]);
		n->stalled[i] = n->stalled[--n->nstalled];
	}
}

/* The sink: decides, composes, queues; never waits. */
void
agent_notify_sink(void *arg, const struct event *ev)
{
	struct agent_notify *n = arg;
	struct notify_about about;
	struct session *s;
	struct notify_msg m;
	const char *what = "";
	unsigned kind, held;
	char who[256], *key = NULL;
	size_t i;

	if (EVENT_IS_RECORD(ev) || !ev->type)
		return;
	kind = notify_kind_of(ev->obj,
			      ev->session && agent_notify_stalled_at(n, ev->session) < n->nstalled);
	agent_notify_track(n, ev);
	if (!(kind & n->on))
		return;
	snprintf(who, sizeof(who), "%s", ev->session ? ev->session : "");
	if (kind != NOTIFY_DONE && kind != NOTIFY_RECOVERED) {
		if (kind == NOTIFY_NEEDS_PERSON)
			what = json_string_value(json_object_get(ev->obj, "fingerprint"));
		else if (kind == NOTIFY_ERROR || kind == NOTIFY_USAGE_LIMIT)
			what = json_string_value(json_object_get(ev->obj, "evidence"));
		key = xasprintf("%s/%s/%.200s", who, notify_kind_name(kind), what ? what : "");
	}
	if (notify_limit_check(n->limit, who, key, time_wall(), &held) != NOTIFY_ADMIT) {
		log_info("%s: %s (event %llu) held back (duplicate or rate limit)", who,
			 notify_kind_name(kind), (unsigned long long)ev->seq);
		free(key);
		return;
	}
	free(key);
	s = ev->session ? session_find(n->set, ev->session) : NULL;
	memset(&about, 0, sizeof(about));
	about.kind = kind;
	about.context = n->hostname;
	about.event = ev->obj;
	about.task = s ? s->task : NULL;
	about.tool = s ? s->tool : NULL;
	about.dashboard = n->dashboard;
	about.suppressed = held;
	notify_msg_compose(&m, &about);
	for (i = 0; i < n->ndests; i++)
		if (notify_sender_push(n->sender, &n->dests[i], &m, NULL, (int64_t)ev->seq) < 0)
			log_warn("%s: the queue is full; %s of event %llu dropped",
				 n->dests[i].label, notify_kind_name(kind),
				 (unsigned long long)ev->seq);
	notify_msg_release(&m);
}

/* Drains and stops. */
void
agent_notify_stop(struct agent_notify *n)
{
	if (!n)
		return;
	notify_sender_free(n->sender, AGENT_NOTIFY_DRAIN_MS);
	agent_notify_free(n);
}
