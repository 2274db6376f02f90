/*
 * gate: the budget of connections that have not authenticated yet.
 *
 * Every accepted connection (TCP or Unix socket) enters the gate when lws
 * creates it and leaves it when it authenticates or closes. The gate holds
 * at most GATE_MAX of them; a new one past that drops the oldest (as sshd's
 * MaxStartups does), so idle or half-sent connections, however many, cannot
 * keep the owner out: the owner's connection is the newest and gets its
 * chance. A connection still in the gate after GATE_TIMEOUT seconds (a
 * half-sent HTTP request, a WebSocket that never authenticated) is closed.
 *
 * max_clients counts authenticated connections only: the gate's own budget
 * is separate, so up to max_clients authenticated clients always get in.
 */
#ifndef CM_AGENT_GATE_H
#define CM_AGENT_GATE_H

#include <stddef.h>

#define GATE_MAX     64 /* connections waiting to authenticate */
#define GATE_TIMEOUT 10 /* seconds a connection may stay unauthenticated */

struct agent;
struct conn;
struct lws;

/* A new connection was accepted (LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED). */
void gate_admit(struct agent *a, struct lws *wsi);
/* The connection is gone (LWS_CALLBACK_WSI_DESTROY). */
void gate_forget(struct lws *wsi);
/* c presented the right token: leaves the gate. Returns 0, or -1 when
 * max_clients are already authenticated (c then gets limit_reached and is
 * closed). */
int gate_authenticated(struct agent *a, struct conn *c);
/* Authenticated connections. */
size_t gate_authed_count(const struct agent *a);
/* Cancels the timer (at shutdown). */
void gate_release(struct agent *a);

#endif
