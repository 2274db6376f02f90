/*
 * typing: send-keys and paste with a pause before Enter (see typing.h).
 */
#include "agent/sessions/typing.h"

#include <stdlib.h>
#include <string.h>

#include "agent/screen/keys.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/sessions.h"
#include "agent/settings/config.h"
#include "agent/tmux/tmuxcc-client.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/message.h"

/* Counts replies; answers after the last one. */
static void
typing_done(struct session_op *op, int err, const char *body, size_t len)
{
	json_t *r;

	(void)len;
	if (err < 0) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	if (err == 1) {
		/* The pause before Enter is over: Enter, then the named key if any. */
		op->step = op->text != NULL ? 2 : 1;
		if (session_op_command(op, op->pending) < 0)
			return;
		if (op->text != NULL && session_op_command(op, op->text) < 0)
			return;
		free(op->pending);
		op->pending = NULL;
		return;
	}
	if (--op->step > 0 || op->pending != NULL)
		return;
	r = json_object();
	json_object_set_new(r, "sessionId", json_string(op->s->id));
	session_op_finish(op, r);
	json_decref(r);
}

/* The paste is done: pause, then typing_done presses Enter. */
static void
typing_pasted(struct session_op *op, int err, const char *body, size_t len)
{
	(void)len;
	if (err < 0) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	if (--op->step > 0)
		return;
	op->step_fn = typing_done;
	session_op_pause(op, op->s->set->cfg->enter_delay_ms);
}

/* Queues one command built into cmd for op; counts it. */
static int
typing_command(struct session_op *op, struct buf *cmd)
{
	op->step++;
	return session_op_command(op, cmd->data);
}

/* Types text, Enter and a key into s. */
int
typing_start(struct session *s, const char *text, size_t len, int enter, const char *key,
	     struct completion done)
{
	struct session_op *op;
	struct buf cmd;
	int rc;

	if (text == NULL)
		len = 0;
	if (len > TYPING_TEXT_MAX || (len && memchr(text, '\0', len)))
		return CM_EINVAL;
	if (key != NULL && !keys_name_valid(key))
		return CM_EINVAL;
	s->rec.typed++; /* whoever types, auto-continue must know (limit.c) */
	op = session_op_new(s, done, typing_done);
	buf_init(&cmd, 4 * TYPING_TEXT_MAX + 256);
	if (len && enter) {
		/* Paste, pause, then Enter (and the key) from typing_done. */
		op->step_fn = typing_pasted;
		buf_append_str(&cmd, "set-buffer -b cm-keys -- ");
		tmuxcc_quote(&cmd, text, len);
		if ((rc = typing_command(op, &cmd)) < 0 ||
		    (rc = session_op_command(op, "paste-buffer -p -d -b cm-keys")) < 0)
			goto out;
		op->step++;
		buf_reset(&cmd);
		keys_cmd_key(&cmd, "Enter");
		op->pending = xstrdup(cmd.data);
		if (key != NULL) {
			buf_reset(&cmd);
			keys_cmd_key(&cmd, key);
			op->text = xstrdup(cmd.data);
		}
		goto out;
	}
	if (len) {
		keys_cmd_text(&cmd, text, len);
		if ((rc = typing_command(op, &cmd)) < 0)
			goto out;
	}
	if (enter) {
		buf_reset(&cmd);
		keys_cmd_key(&cmd, "Enter");
		if ((rc = typing_command(op, &cmd)) < 0)
			goto out;
	}
	if (key) {
		buf_reset(&cmd);
		keys_cmd_key(&cmd, key);
		if ((rc = typing_command(op, &cmd)) < 0)
			goto out;
	}
	if (op->step == 0) {
		/* Nothing to press: answer at once. */
		op->step = 1;
		typing_done(op, 0, "", 0);
	}
out:
	/* A failed command has answered the requester and freed op already. */
	buf_release(&cmd);
	return 0;
}
