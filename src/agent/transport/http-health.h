/*
 * http-health: GET /healthz and GET /metrics, for the tools operators run.
 *
 * /healthz needs no token and says nothing but that the agent answers and
 * its version: {"status":"ok","version":"0.1.0"}. It is for load
 * balancers and `curl -f` probes, which must not hold the token, and it
 * must not tell a stranger on the port how many sessions or clients there
 * are.
 *
 * /metrics is the Prometheus text exposition format (version 0.0.4) and
 * needs the agent's token as `Authorization: Bearer TOKEN` (what
 * Prometheus sends with `authorization: {credentials_file: ...}`). The
 * token is compared in constant time (auth.h); a missing or wrong one gets
 * 401 with `WWW-Authenticate: Bearer` and counts as a failure in the
 * agent-wide score that slows down guessers on the WebSocket. The page is
 * built when asked (sessions/metrics.h): the session layer's metrics, then
 * the transport's (clients, connections waiting to authenticate).
 *
 * Both answer GET and HEAD (the listener refuses other methods) and carry
 * the security headers (http.h) and Cache-Control: no-store.
 */
#ifndef CM_AGENT_HTTP_HEALTH_H
#define CM_AGENT_HTTP_HEALTH_H

struct agent;
struct lws;

/* Answers /healthz. Returns 0, or -1 to close the connection. */
int http_health_healthz(struct agent *a, struct lws *wsi);
/* Answers /metrics (checks the token first). Returns 0, or -1 to close. */
int http_health_metrics(struct agent *a, struct lws *wsi);

#endif
