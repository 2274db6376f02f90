/*
 * hostcheck: which Host headers name this agent (against DNS rebinding).
 *
 * A web page whose name its owner re-points at 127.0.0.1 makes the user's
 * browser talk to the agent with that name in Host: the browser then
 * treats the agent as the page's own origin, so the Origin check alone
 * lets it through. The agent therefore answers only requests whose Host
 * names it:
 *
 *   - an IP address literal (127.0.0.1, [::1], 192.0.2.7...): rebinding
 *     needs a name, and an address cannot be re-pointed;
 *   - `localhost` and names under `.localhost` (RFC 6761: browsers resolve
 *     them to loopback themselves);
 *   - the configured bind address (--bind) when it is a name;
 *   - the host of each --allow-origin (a reverse proxy's public name).
 *
 * Any port is accepted (an ssh tunnel may use another local port). A
 * request without Host is not from a browser and is accepted. Others get
 * HTTP 421 with the reason, for plain requests and WebSocket upgrades alike.
 * The Unix socket is not checked: no browser reaches it.
 */
#ifndef CM_AGENT_HOSTCHECK_H
#define CM_AGENT_HOSTCHECK_H

struct config;

/* True if a Host header value (NULL: absent) names the agent. */
int hostcheck_ok(const struct config *cfg, const char *host);

#endif
