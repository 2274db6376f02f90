/*
 * agent: the one struct that holds the event loop, the transport's state
 * (listeners, clients, auth) and the session layer it serves.
 *
 * The agent is one thread on libwebsockets' own event loop: the listener's
 * sockets, every tmux control-mode pipe, the signalfd and all timers are
 * served by lws_service(), so nothing in the agent polls (DESIGN.md).
 * Start order is main.c's: config, dirs, profiles, bus, listener, then the
 * sessions found on disk are re-adopted.
 */
#ifndef CM_AGENT_AGENT_H
#define CM_AGENT_AGENT_H

#include <sys/queue.h>

#include "agent/sessions/sessions.h"
#include "agent/settings/config.h"
#include "agent/transport/auth.h"

struct lws_context;
struct lws_vhost;
struct lws;
struct conn;
struct danger_rules;

struct agent {
	struct config cfg;	      /* settings */
	struct lws_context *lws;      /* the event loop and listeners */
	struct lws_vhost *vhost;      /* TCP listener (also hosts adopted fds) */
	struct lws_vhost *vhost_unix; /* Unix socket listener, or NULL */
	int port;		      /* the TCP port actually bound */
	struct auth auth;	      /* token and the failure score */
	TAILQ_HEAD(, conn) conns;     /* every WebSocket connection */
	size_t n_conns;		      /* entries in conns */
	struct sessions sessions;     /* the session layer: sessions, events */
	int signal_fd;		      /* signalfd for SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	double started;		      /* wall time at start */
	int stopping;		      /* shutting down: refuse new work */
	char hostname[256];	      /* for agent_info */
};

/* The process-wide agent (one per process). */
extern struct agent *agent_self;
/* Extra danger rules from the configuration (--danger-rule), or NULL. */
extern struct danger_rules *agent_danger_rules;

#endif
