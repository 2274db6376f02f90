/*
 * state: the states a session can be in (DESIGN.md), shared by the agent,
 * the CLI and libcm. The wire names are part of the protocol.
 */
#ifndef CM_PROTO_STATE_H
#define CM_PROTO_STATE_H

enum cm_state {
	CM_STATE_STARTING = 0,	  /* pane created, tool not drawn yet */
	CM_STATE_IDLE,		  /* waiting for input, nothing running */
	CM_STATE_THINKING,	  /* working on a turn */
	CM_STATE_EDITING,	  /* working, changing files */
	CM_STATE_RUNNING,	  /* working, running a command */
	CM_STATE_WAITING_CONFIRM, /* a prompt waits for an answer */
	CM_STATE_DONE,		  /* a turn finished; back at the input */
	CM_STATE_ERROR,		  /* the tool shows an error banner */
	CM_STATE_EXITED,	  /* the tool's process has ended */
	CM_STATE__COUNT
};

/* Wire name of a state ("waiting_confirm"). */
const char *cm_state_name(enum cm_state s);
/* Parses a wire name; returns -1 if unknown. */
int cm_state_parse(const char *name);
/* True for states in which the tool is working on a task. */
int cm_state_is_busy(enum cm_state s);

#endif
