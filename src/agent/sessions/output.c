/*
 * output: snapshots and live output for subscribers (see output.h).
 */
#include "agent/sessions/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/sessions/frame.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/session.h"
#include "agent/tmux/tmuxcc-client.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define OUTPUT_SNAPSHOT_MAX (8u << 20) /* largest snapshot built */

/* Builds redraw data: reset, home, clear, lines joined by CRLF, cursor. */
char *
output_snapshot_data(const char *capture, size_t len, int cx, int cy, size_t *outlen)
{
	struct buf b;

	buf_init(&b, OUTPUT_SNAPSHOT_MAX);
	buf_append_str(&b, "\033[0m\033[H\033[2J");
	while (len > 0 && capture[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++) {
		if (capture[i] == '\n') {
			if (buf_append(&b, "\033[0m\r\n", 6) < 0)
				break;
		} else if (buf_append(&b, &capture[i], 1) < 0) {
			break;
		}
	}
	buf_printf(&b, "\033[0m\033[%d;%dH", cy + 1, cx + 1);
	return buf_steal(&b, outlen);
}

/* Base64 of len bytes (RFC 4648, padded); caller frees. */
static char *
output_base64(const unsigned char *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Second reply of a snapshot: the cursor; sends the snapshot message. */
static void
output_snapshot_cursor(struct session_op *op, int err, const char *body, size_t len)
{
	struct conn *c = session_op_conn(op);
	struct conn_sub *sub;
	int cx = 0, cy = 0, w = op->s->cols, h = op->s->rows;
	char *data;
	size_t dlen;
	json_t *r;

	(void)len;
	if (err < 0) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	if (c == NULL || (sub = conn_sub_find(c, op->s->id)) == NULL) {
		session_op_free(op);
		return;
	}
	if (sscanf(body, "%d %d %d %d", &cx, &cy, &w, &h) >= 4) {
		op->s->cols = w;
		op->s->rows = h;
	}
	data = output_snapshot_data(op->text ? op->text : "", op->text_len, cx, cy, &dlen);
	r = message_reply(op->arg1 ? "output_subscribed" : "output_snapshot",
			  op->arg1 ? op->req_id : NULL);
	json_object_set_new(r, "sessionId", json_string(op->s->id));
	json_object_set_new(r, "cols", json_integer(w));
	json_object_set_new(r, "rows", json_integer(h));
	json_object_set_new(r, "cursor", json_pack("{s:i, s:i}", "x", cx, "y", cy));
	message_set_text(r, "snapshot", data, dlen);
	free(data);
	conn_reply(c, r);
	sub->ready = 1;
	sub->dropped = 0;
	session_op_free(op);
}

/* First reply of a snapshot: the screen with escapes. */
static void
output_snapshot_screen(struct session_op *op, int err, const char *body, size_t len)
{
	if (err < 0) {
		session_op_fail(op, CM_ETMUX, body);
		return;
	}
	op->text = xmemdup(body, len + 1);
	op->text_len = len;
	op->step_fn = output_snapshot_cursor;
}

/* Starts a snapshot for c; subscribed says whether it answers subscribe_output. */
static int
output_snapshot(struct conn *c, struct session *s, int subscribed, const json_t *req_id)
{
	struct session_op *op =
	    session_op_new(s, "subscribe_output", c->id, req_id, output_snapshot_screen);
	struct buf cmd;
	int rc;

	op->arg1 = subscribed;
	if ((rc = session_op_command(op, "capture-pane -p -e -N")) < 0)
		return rc;
	buf_init(&cmd, 256);
	buf_append_str(&cmd, "display-message -p -- ");
	tmuxcc_quote(&cmd, "#{cursor_x} #{cursor_y} #{pane_width} #{pane_height}", 52);
	rc = session_op_command(op, cmd.data);
	buf_release(&cmd);
	return rc;
}

/* Subscribes c to the output of s. */
int
output_subscribe(struct conn *c, struct session *s, int base64, const json_t *req_id)
{
	struct conn_sub *sub = conn_sub_find(c, s->id);

	if (sub == NULL) {
		if (c->n_subs >= CONN_MAX_SUBS)
			return CM_ELIMIT;
		sub = &c->subs[c->n_subs++];
		memset(sub, 0, sizeof *sub);
		snprintf(sub->session, sizeof sub->session, "%s", s->id);
	}
	sub->base64 = base64;
	sub->ready = 0;
	return output_snapshot(c, s, 1, req_id);
}

/* Sends live output to every ready subscriber. */
void
output_forward(struct session *s, const char *data, size_t len)
{
	struct frame *bin = NULL, *b64 = NULL;
	struct conn *c;

	TAILQ_FOREACH (c, &s->agent->conns, entry) {
		struct conn_sub *sub = conn_sub_find(c, s->id);
		struct frame **f;

		if (sub == NULL || !sub->ready)
			continue;
		if (sub->dropped > 0) {
			/* Already behind: drop until the redraw (output_on_drained). */
			sub->dropped += len;
			continue;
		}
		f = sub->base64 ? &b64 : &bin;
		if (*f == NULL && sub->base64) {
			json_t *o = json_object();
			char *enc = output_base64((const unsigned char *)data, len);

			json_object_set_new(o, "type", json_string("output"));
			json_object_set_new(o, "sessionId", json_string(s->id));
			json_object_set_new(o, "data", json_string(enc));
			free(enc);
			*f = frame_json(FRAME_OUTPUT, o);
			json_decref(o);
		} else if (*f == NULL) {
			size_t idlen = strlen(s->id);
			unsigned char *p = xmalloc(2 + idlen + len);

			p[0] = 0x01;
			p[1] = (unsigned char)idlen;
			memcpy(p + 2, s->id, idlen);
			memcpy(p + 2 + idlen, data, len);
			*f = frame_new(FRAME_OUTPUT, 1, p, 2 + idlen + len);
			free(p);
		}
		if (!conn_send(c, *f)) {
			log_debug(
			    "client %llu is behind: dropping output of %s until it catches up",
			    (unsigned long long)c->id, s->id);
			sub->dropped += len;
		}
	}
	frame_unref(bin);
	frame_unref(b64);
}

/* After c's queue drained: tell about dropped output and resend the screen. */
void
output_on_drained(struct conn *c)
{
	for (size_t i = 0; i < c->n_subs; i++) {
		struct conn_sub *sub = &c->subs[i];
		struct session *s;
		json_t *r;

		if (sub->dropped == 0 || !sub->ready)
			continue;
		if ((s = session_find(c->agent, sub->session)) == NULL)
			continue;
		r = message_reply("output_dropped", NULL);
		json_object_set_new(r, "sessionId", json_string(s->id));
		json_object_set_new(r, "bytes", json_integer((json_int_t)sub->dropped));
		conn_reply(c, r);
		log_debug("client %llu: %zu output bytes of %s dropped", (unsigned long long)c->id,
			  sub->dropped, s->id);
		sub->dropped = 0;
		sub->ready = 0;
		output_snapshot(c, s, 0, NULL);
	}
}

/* Forgets every subscription to s. */
void
output_session_gone(struct session *s)
{
	struct conn *c;

	TAILQ_FOREACH (c, &s->agent->conns, entry)
		conn_sub_remove(c, s->id);
}
