/*
 * Fuzzes the protocol decoder and request validation: one frame through
 * dispatch_frame() of a connection with no socket (replies are dropped),
 * authenticated or not by the first input byte. The agent has no sessions
 * and no tools, so every path ends in validation or an error reply; what
 * is checked is that no input crashes, leaks or trips a sanitizer.
 */
#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "common/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs one frame. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct agent agent;
	static int ready;
	struct conn *c;

	if (!ready) {
		struct lws_context_creation_info info;

		/* A loop without listeners: a wrong token's answer waits on its timer. */
		memset(&info, 0, sizeof info);
		info.port = CONTEXT_PORT_NO_LISTEN;
		lws_set_log_level(0, NULL);
		agent.lws = lws_create_context(&info);
		config_init(&agent.cfg);
		agent.cfg.token = xstrdup("fuzz-token-0123456789");
		auth_init(&agent.auth, agent.cfg.token);
		TAILQ_INIT(&agent.conns);
		sessions_init(&agent.sessions);
		agent.sessions.cfg = &agent.cfg;
		agent.sessions.lws = agent.lws;
		bus_init(&agent.sessions.bus, 64, NULL);
		bus_add_sink(&agent.sessions.bus, "clients", conn_fanout, &agent);
		agent_self = &agent;
		ready = 1;
	}
	if (size == 0)
		return 0;
	c = xcalloc(1, sizeof *c);
	c->agent = &agent;
	c->authed = data[0] & 1;
	snprintf(c->peer, sizeof c->peer, "fuzz");
	buf_init(&c->rx, (size_t)agent.cfg.max_message);
	STAILQ_INIT(&c->queue);
	TAILQ_INSERT_TAIL(&agent.conns, c, entry);
	agent.n_conns++;
	dispatch_frame(c, (const char *)data + 1, size - 1);
	conn_free(c);
	return 0;
}
