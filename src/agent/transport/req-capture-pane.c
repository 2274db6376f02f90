/*
 * capture_pane: the last N lines of screen and history, plain or with
 * escapes, read over the control connection.
 */
#include <stdio.h>
#include <string.h>

#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "proto/message.h"

#define CAPTURE_LINES_MAX 10000

/* The capture arrived: reply with it. */
static void
capture_done(struct session_op *op, int err, const char *body, size_t len)
{
	struct conn *c = session_op_conn(op);
	json_t *r;

	if (err < 0 && err != CM_ETOOBIG) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	if (c != NULL) {
		r = message_reply("pane_captured", op->req_id);
		json_object_set_new(r, "sessionId", json_string(op->s->id));
		json_object_set_new(r, "lines", json_integer(op->arg1));
		/* tmux joins lines with '\n' and drops the last one: put it back. */
		message_set_text(r, "content", body, len);
		if (len > 0 || op->arg1 > 0) {
			const char *t = json_string_value(json_object_get(r, "content"));
			json_object_set_new(r, "content", json_sprintf("%s\n", t));
		}
		json_object_set_new(r, "cols", json_integer(op->s->cols));
		json_object_set_new(r, "rows", json_integer(op->s->rows));
		conn_reply(c, r);
	}
	session_op_free(op);
}

/* Handles {"action":"capture_pane","sessionId","lines"[,"escapes"]}. */
void
req_capture_pane(struct req *r)
{
	const char *id = NULL;
	json_int_t lines = -1;
	int escapes = 0;
	struct session_op *op;
	struct session *s;
	char cmd[96];

	if (req_unpack(r, "{s:s, s?:I, s?:b}", "sessionId", &id, "lines", &lines, "escapes",
		       &escapes) < 0)
		return;
	if (lines != -1 && (lines < 1 || lines > CAPTURE_LINES_MAX)) {
		req_error(r, CM_EBADREQUEST, "lines must be 1..%d", CAPTURE_LINES_MAX);
		return;
	}
	if ((s = req_session_live(r, id, 0)) == NULL)
		return;
	op = session_op_new(s, r->action, r->c->id, r->id, capture_done);
	/* A dead pane scrolled up one line for tmux's "Pane is dead": show it too. */
	op->arg1 = lines != -1 ? (long)lines : s->rows + (s->pane_dead ? 1 : 0);
	/* Line 0 is the top of the screen; negative lines are history. */
	snprintf(cmd, sizeof cmd, "capture-pane -p%s -S %ld", escapes ? " -e" : "",
		 (long)s->rows - op->arg1);
	session_op_command(op, cmd);
}
