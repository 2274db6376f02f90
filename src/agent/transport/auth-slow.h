/*
 * auth-slow: answers a failed authentication late, without blocking.
 *
 * auth_slow_fail() records the failure (auth_failed() says how long it must
 * wait) and holds the connection: it reads nothing more, and when the delay
 * is over it gets `auth_failed` and is closed with status 1008. Other
 * connections, and the owner's right token on a new one, are served all the
 * while. One lws timer serves every waiting connection; entries are bounded
 * by the number of connections (one each, conn.h, auth_held).
 */
#ifndef CM_AGENT_AUTH_SLOW_H
#define CM_AGENT_AUTH_SLOW_H

#include <jansson.h>

struct conn;
struct agent;

/* Counts a failure of c and schedules its auth_failed reply (id may be NULL). */
void auth_slow_fail(struct conn *c, const json_t *id);
/* Drops every waiting entry (at shutdown). */
void auth_slow_release(struct agent *a);

#endif
