/*
 * codes: names of libcm's error codes and of session states, both from the
 * protocol table (src/proto/protocol.def) through src/common/err.h and
 * src/proto/state.h; cm-protocol.h carries the same values as public enums.
 */
#include "internal.h"

#include <string.h>

#include "common/err.h"
#include "proto/protocol.h"
#include "proto/state.h"

/* The public enums are generated from the same rows as the internal ones. */
_Static_assert((int)CM_ERROR_BUSY == (int)PROTO_ERR_BUSY, "cm-protocol.h is stale");
_Static_assert((int)CM_ERROR_TIMEOUT == (int)CM_ETIMEDOUT, "cm-protocol.h is stale");
_Static_assert((int)CM_SESSION_WAITING_CONFIRM == (int)CM_STATE_WAITING_CONFIRM,
	       "cm-protocol.h is stale");
_Static_assert((int)CM_SESSION__COUNT == (int)CM_STATE__COUNT, "cm-protocol.h is stale");
_Static_assert((int)CM_PROTOCOL_VERSION == (int)PROTO_VERSION, "cm-protocol.h is stale");

/* Stable name of an error code. */
const char *
cm_error_name(int err)
{
	return cm_errname(err);
}

/* Human text of an error code. */
const char *
cm_error_text(int err)
{
	return cm_strerror(err);
}

/* Parses a stable error name. */
int
cm_error_parse(const char *name)
{
	int err;

	if (name == NULL)
		return 0;
	if (strcmp(name, cm_errname(CM_EINTERNAL)) == 0)
		return CM_EINTERNAL;
	/* cm_errparse() says "internal" for names it does not know. */
	err = cm_errparse(name);
	return err == CM_EINTERNAL ? 0 : err;
}

/* Wire name of a session state. */
const char *
cm_session_state_name(int state)
{
	return cm_state_name((enum cm_state)state);
}

/* Parses a session state's wire name. */
int
cm_session_state_parse(const char *name)
{
	return cm_state_parse(name);
}
