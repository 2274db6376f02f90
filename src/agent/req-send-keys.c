/*
 * send_keys: literal text, a named key, or text submitted with Enter.
 *
 * Text to submit is pasted with `paste-buffer -p` (bracketed when the tool
 * asked for it) and Enter follows as its own key after enter_delay_ms:
 * TUI tools such as Codex take an Enter that arrives within ~150 ms of
 * typed text as part of a paste, and would not submit.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/conn.h"
#include "agent/dispatch.h"
#include "agent/keys.h"
#include "agent/session.h"
#include "agent/tmuxcc-client.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define SEND_KEYS_MAX 16384 /* bytes of text in one request */

/* Replies keys_sent once the last command is answered. */
static void
send_keys_done(struct session_op *op, int err, const char *body, size_t len)
{
	struct conn *c;
	json_t *r;

	(void)len;
	if (err < 0 && err != 1) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	if (err == 1) {
		/* The pause before Enter is over: Enter, then the named key if any. */
		op->step = 1;
		if (session_op_command(op, op->pending) < 0)
			return;
		if (op->text != NULL) {
			op->step = 2;
			if (session_op_command(op, op->text) < 0)
				return;
		}
		free(op->pending);
		op->pending = NULL;
		return;
	}
	if (--op->step > 0 || op->pending != NULL)
		return;
	if ((c = session_op_conn(op)) != NULL) {
		r = message_reply("keys_sent", op->req_id);
		json_object_set_new(r, "sessionId", json_string(op->s->id));
		conn_reply(c, r);
	}
	session_op_free(op);
}

/* After the paste: wait, then press Enter. */
static void
send_keys_pasted(struct session_op *op, int err, const char *body, size_t len)
{
	(void)len;
	if (err < 0) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	if (--op->step > 0)
		return;
	op->step = 1;
	op->step_fn = send_keys_done;
	session_op_pause(op, op->s->agent->cfg.enter_delay_ms);
}

/* Handles {"action":"send_keys","sessionId","keys"[,"enter"][,"key"]}. */
void
req_send_keys(struct req *r)
{
	const char *id = NULL, *keys = NULL, *key = NULL;
	int enter = 0, rc = 0;
	struct session_op *op;
	struct session *s;
	struct buf cmd;
	size_t klen;

	if (req_unpack(r, "{s:s, s?:s%, s?:b, s?:s}", "sessionId", &id, "keys", &keys, &klen,
		       "enter", &enter, "key", &key) < 0)
		return;
	if ((s = req_session(r, id)) == NULL)
		return;
	if (keys == NULL && key == NULL && !enter) {
		req_error(r, CM_EBADREQUEST, "give \"keys\" (text), \"key\" (a key name) or both");
		return;
	}
	if (keys && (klen > SEND_KEYS_MAX || memchr(keys, '\0', klen))) {
		req_error(r, CM_EBADREQUEST, "keys must be text of at most %d bytes",
			  SEND_KEYS_MAX);
		return;
	}
	if (key && !keys_name_valid(key)) {
		req_error(r, CM_EBADREQUEST, "unknown key name (see docs/PROTOCOL.md)");
		return;
	}
	if (s->pane_dead || s->link != SESSION_LINK_UP) {
		req_error(r, CM_EEXITED, "the session's tool has exited");
		return;
	}
	op = session_op_new(s, r->action, r->c->id, r->id, send_keys_done);
	buf_init(&cmd, 4 * SEND_KEYS_MAX + 256);
	if (keys && klen && enter) {
		/* Paste, pause, Enter, then the named key if any. */
		buf_append_str(&cmd, "set-buffer -b cm-keys -- ");
		tmuxcc_quote(&cmd, keys, klen);
		op->step_fn = send_keys_pasted;
		op->step = 2;
		if ((rc = session_op_command(op, cmd.data)) < 0 ||
		    (rc = session_op_command(op, "paste-buffer -p -d -b cm-keys")) < 0)
			goto out;
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
	if (keys && klen) {
		keys_cmd_text(&cmd, keys, klen);
		op->step++;
		if ((rc = session_op_command(op, cmd.data)) < 0)
			goto out;
	}
	if (enter) {
		buf_reset(&cmd);
		keys_cmd_key(&cmd, "Enter");
		op->step++;
		if ((rc = session_op_command(op, cmd.data)) < 0)
			goto out;
	}
	if (key) {
		buf_reset(&cmd);
		keys_cmd_key(&cmd, key);
		op->step++;
		if ((rc = session_op_command(op, cmd.data)) < 0)
			goto out;
	}
	if (op->step == 0) {
		/* Empty text and nothing else: nothing to press. */
		op->step = 1;
		send_keys_done(op, 0, "", 0);
	}
out:
	buf_release(&cmd);
}
