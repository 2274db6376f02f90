/*
 * state: names of session states (see state.h), from protocol.def.
 */
#include "proto/state.h"

#include <string.h>

static const char *const state_names[CM_STATE__COUNT] = {
#define PROTO_STATE(sym, name, doc) [CM_STATE_##sym] = name,
#include "proto/protocol.def"
};

/* Returns the wire name of s. */
const char *
cm_state_name(enum cm_state s)
{
	if ((unsigned)s >= CM_STATE__COUNT)
		return "unknown";
	return state_names[s];
}

/* Parses a wire name. */
int
cm_state_parse(const char *name)
{
	for (int i = 0; name != NULL && i < CM_STATE__COUNT; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

/* Tells whether the tool is busy with a task in state s. */
int
cm_state_is_busy(enum cm_state s)
{
	return s == CM_STATE_THINKING || s == CM_STATE_EDITING || s == CM_STATE_RUNNING;
}
