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
	if (cols < 10 || cols > SESSION_COLS_MAX || rows < 5 || rows > SESSION_ROWS_MAX) {
		req_error(r, CM_EBADREQUEST, "cols must be 10..%d and rows 5..%d", SESSION_COLS_MAX,
			  SESSION_ROWS_MAX);
		return;
	}
	if ((s = req_session(r, id)) == NULL)
		return;
	pane_resize(s, cols, rows, req_later(r, "resized"));
}
