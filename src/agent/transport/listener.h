/*
 * listener: the lws context, its listeners (TCP on loopback by default, and
 * optionally a Unix socket) and the one protocol callback that serves both
 * HTTP (dashboard, /healthz) and the WebSocket protocol on the same port.
 *
 * Before a WebSocket exists (LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) the
 * listener refuses upgrades past max_clients and upgrades whose Origin is
 * not the agent's own (a web page elsewhere must not drive the agent with
 * a user's browser), and reads an `Authorization: Bearer` token.
 */
#ifndef CM_AGENT_LISTENER_H
#define CM_AGENT_LISTENER_H

struct agent;

/* Creates the context and listeners; -1 with the reason logged. */
int listener_start(struct agent *a);
void listener_stop(struct agent *a);

#endif
