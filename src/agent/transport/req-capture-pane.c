/*
 * capture_pane: the last N lines of screen and history, plain or with
 * escapes, read over the control connection (sessions/pane.c).
 */
#include "agent/sessions/pane.h"
#include "agent/sessions/sessions.h"
#include "agent/transport/dispatch.h"
#include "common/err.h"

/* Handles {"action":"capture_pane","sessionId","lines"[,"escapes"]}. */
void
req_capture_pane(struct req *r)
{
	const char *id = NULL;
	json_int_t lines = -1;
	int escapes = 0;
	struct session *s;

	if (req_unpack(r, "{s:s, s?:I, s?:b}", "sessionId", &id, "lines", &lines, "escapes",
		       &escapes) < 0)
		return;
	if (lines != -1 && (lines < 1 || lines > PANE_CAPTURE_LINES_MAX)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "lines must be 1..%d", PANE_CAPTURE_LINES_MAX);
		return;
	}
	if ((s = req_session_live(r, id, 0)) == NULL)
		return;
	pane_capture(s, (long)lines, escapes,
		     req_later(r, proto_msg_name(PROTO_MSG_PANE_CAPTURED)));
}
