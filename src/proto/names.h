/*
 * names: the rules for names that come from outside and end up in file
 * names, tmux targets and command lines: session ids, tool names, context
 * names. Shared by the agent and the CLI so both refuse the same things.
 */
#ifndef CM_PROTO_NAMES_H
#define CM_PROTO_NAMES_H

#include "proto/protocol.h"

/* The limits are the table's (protocol.def). */
#define NAMES_SESSION_ID_MAX                                                                       \
	PROTO_SESSION_ID_MAX /* "cm-" + 20 digits + "-" + digits, with room                        \
			      */
#define NAMES_TOOL_MAX	  PROTO_TOOL_MAX
#define NAMES_CONTEXT_MAX PROTO_CONTEXT_MAX

/* True for "cm-<digits>" or "cm-<digits>-<digits>", at most NAMES_SESSION_ID_MAX. */
int names_session_id_valid(const char *id);
/* True for [a-z0-9][a-z0-9_-]*, at most NAMES_TOOL_MAX. */
int names_tool_valid(const char *name);
/* True for [A-Za-z0-9][A-Za-z0-9._-]*, at most NAMES_CONTEXT_MAX. */
int names_context_valid(const char *name);

#endif
