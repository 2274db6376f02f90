/*
 * pane: capture-pane and resize-window for requesters (see pane.h).
 */
#include "agent/sessions/pane.h"

#include <stdio.h>

#include "agent/sessions/session-op.h"
#include "agent/sessions/sessions.h"
#include "common/err.h"
#include "proto/message.h"

/* The capture arrived: answer with it. */
static void
pane_captured(struct session_op *op, int err, const char *body, size_t len)
{
	json_t *r;

	if (err < 0 && err != CM_ETOOBIG) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	r = json_object();
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
	session_op_finish(op, r);
	json_decref(r);
}

/* Captures the last lines of s. */
void
pane_capture(struct session *s, long lines, int escapes, struct completion done)
{
	struct session_op *op = session_op_new(s, done, pane_captured);
	char cmd[96];

	/* A dead pane scrolled up one line for tmux's "Pane is dead": show it too. */
	op->arg1 = lines != -1 ? lines : s->rows + (s->pane_dead ? 1 : 0);
	/* Line 0 is the top of the screen; negative lines are history. */
	snprintf(cmd, sizeof cmd, "capture-pane -p%s -S %ld", escapes ? " -e" : "",
		 (long)s->rows - op->arg1);
	session_op_command(op, cmd);
}

/* tmux resized the window. */
static void
pane_resized(struct session_op *op, int err, const char *body, size_t len)
{
	json_t *r;

	(void)len;
	if (err < 0) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	op->s->cols = (int)op->arg1;
	op->s->rows = (int)op->arg2;
	session_save(op->s);
	r = json_object();
	json_object_set_new(r, "sessionId", json_string(op->s->id));
	json_object_set_new(r, "cols", json_integer(op->arg1));
	json_object_set_new(r, "rows", json_integer(op->arg2));
	session_op_finish(op, r);
	json_decref(r);
}

/* Resizes the window of s. */
void
pane_resize(struct session *s, int cols, int rows, struct completion done)
{
	struct session_op *op = session_op_new(s, done, pane_resized);
	char cmd[64];

	op->arg1 = cols;
	op->arg2 = rows;
	snprintf(cmd, sizeof cmd, "resize-window -x %d -y %d", cols, rows);
	session_op_command(op, cmd);
}
