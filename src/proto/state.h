/*
 * state: the states a session can be in (DESIGN.md), shared by the agent,
 * the CLI and libcm. The wire names are part of the protocol: the enum and
 * the names come from the table (src/proto/protocol.def, PROTO_STATE rows).
 */
#ifndef CM_PROTO_STATE_H
#define CM_PROTO_STATE_H

enum cm_state {
#define PROTO_STATE(sym, name, doc) CM_STATE_##sym,
#include "proto/protocol.def"
	CM_STATE__COUNT
};

/* Wire name of a state ("waiting_confirm"). */
const char *cm_state_name(enum cm_state s);
/* Parses a wire name; returns -1 if unknown. */
int cm_state_parse(const char *name);
/* True for states in which the tool is working on a task. */
int cm_state_is_busy(enum cm_state s);

#endif
