/*
 * listener: the lws context, its listeners (TCP on loopback by default, and
 * optionally a Unix socket) and the one protocol callback that serves both
 * HTTP (dashboard, /healthz) and the WebSocket protocol on the same port.
 *
 * Every accepted connection enters the gate (gate.h) until it
 * authenticates. Requests and upgrades whose Host does not name the agent
 * get 421 (hostcheck.h); methods other than GET and HEAD get 405. Before a
 * WebSocket exists the listener refuses upgrades past max_clients
 * (authenticated clients) and upgrades whose Origin is not the agent's own
 * (a web page elsewhere must not drive the agent with a user's browser),
 * and reads an `Authorization: Bearer` token; a wrong one is slowed down
 * like a wrong auth message (auth-slow.h). lws's "accept: errno" log line
 * goes to fdreserve.h.
 */
#ifndef CM_AGENT_LISTENER_H
#define CM_AGENT_LISTENER_H

struct agent;

/* Creates the context and listeners; -1 with the reason logged. */
int listener_start(struct agent *a);
void listener_stop(struct agent *a);

#endif
