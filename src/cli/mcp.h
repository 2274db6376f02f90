/*
 * mcp: `cm mcp`, a Model Context Protocol server on stdin/stdout, so that
 * another program (an orchestrating agent) can drive sessions on every
 * context the user allows: cmd-mcp.c reads the JSON-RPC 2.0 messages and
 * answers initialize, ping, tools/list and tools/call; mcp-tools.c holds
 * the tools and does their work through libcm, so that every request goes
 * through the agent, which applies its policy and writes its audit log.
 *
 * What the tools may do is config.json's "mcp" section (prefs.h): the
 * contexts (default: all) and the actions (default: read only). A refused
 * call is a tool error that says which setting allows it.
 */
#ifndef CM_CLI_MCP_H
#define CM_CLI_MCP_H

#include <jansson.h>

#include "cli.h"

#define MCP_QUEUE_MAX	64	  /* texts waiting for their session to be idle */
#define MCP_WAIT_MAX_MS 600000	  /* longest wait_for_state */
#define MCP_LINE_MAX	(1 << 20) /* bytes of one JSON-RPC message */

struct mcp;

/* Creates the server state for a run of cm mcp (contexts and config loaded). */
struct mcp *mcp_new(struct cli *cli);
/* Closes every connection and frees. */
void mcp_free(struct mcp *m);
/* The tools/list result: {"tools": [...]} (new reference). */
json_t *mcp_tools_list(const struct mcp *m);
/*
 * Runs one tools/call: the result object ({"content": [...], "isError"})
 * as a new reference, or NULL for an unknown tool name (a JSON-RPC error).
 */
json_t *mcp_tools_call(struct mcp *m, const char *name, const json_t *args);

#endif
