/*
 * resize: the window size of a session (sessions/pane.c; tmux
 * resize-window, which also makes the size stick when people attach by
 * hand).
 */
#include "agent/sessions/pane.h"
#include "agent/sessions/sessions.h"
#include "agent/transport/dispatch.h"
#include "common/err.h"

/* Handles {"action":"resize","sessionId","cols","rows"}. */
void
req_resize(struct req *r)
{
	const char *id = NULL;
	int cols = 0, rows = 0;
	struct session *s;

	if (req_unpack(r, "{s:s, s:i, s:i}", "sessionId", &id, "cols", &cols, "rows", &rows) < 0)
		return;
	if (cols < SESSION_COLS_MIN || cols > SESSION_COLS_MAX || rows < SESSION_ROWS_MIN ||
	    rows > SESSION_ROWS_MAX) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "cols must be %d..%d and rows %d..%d",
			  SESSION_COLS_MIN, SESSION_COLS_MAX, SESSION_ROWS_MIN, SESSION_ROWS_MAX);
		return;
	}
	if ((s = req_session(r, id)) == NULL)
		return;
	pane_resize(s, cols, rows, req_later(r, proto_msg_name(PROTO_MSG_RESIZED)));
}
