/*
 * resize: the window size of a session (tmux resize-window, which also
 * makes the size stick when people attach by hand).
 */
#include <stdio.h>

#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "proto/message.h"

/* tmux resized the window. */
static void
resize_done(struct session_op *op, int err, const char *body, size_t len)
{
	struct conn *c = session_op_conn(op);
	json_t *r;

	(void)len;
	if (err < 0) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	op->s->cols = (int)op->arg1;
	op->s->rows = (int)op->arg2;
	session_save(op->s);
	if (c != NULL) {
		r = message_reply("resized", op->req_id);
		json_object_set_new(r, "sessionId", json_string(op->s->id));
		json_object_set_new(r, "cols", json_integer(op->arg1));
		json_object_set_new(r, "rows", json_integer(op->arg2));
		conn_reply(c, r);
	}
	session_op_free(op);
}

/* Handles {"action":"resize","sessionId","cols","rows"}. */
void
req_resize(struct req *r)
{
	const char *id = NULL;
	int cols = 0, rows = 0;
	struct session_op *op;
	struct session *s;
	char cmd[64];

	if (req_unpack(r, "{s:s, s:i, s:i}", "sessionId", &id, "cols", &cols, "rows", &rows) < 0)
		return;
	if (cols < 10 || cols > SESSION_COLS_MAX || rows < 5 || rows > SESSION_ROWS_MAX) {
		req_error(r, CM_EBADREQUEST, "cols must be 10..%d and rows 5..%d", SESSION_COLS_MAX,
			  SESSION_ROWS_MAX);
		return;
	}
	if ((s = req_session(r, id)) == NULL)
		return;
	op = session_op_new(s, r->action, r->c->id, r->id, resize_done);
	op->arg1 = cols;
	op->arg2 = rows;
	snprintf(cmd, sizeof cmd, "resize-window -x %d -y %d", cols, rows);
	session_op_command(op, cmd);
}
