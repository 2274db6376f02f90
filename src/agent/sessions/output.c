/*
 * output: snapshots and live output for subscribers (see output.h).
 */
#include "agent/sessions/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sessions/frame.h"
#include "agent/sessions/metrics.h"
#include "agent/sessions/session-op.h"
#include "agent/sessions/sessions.h"
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

/* Finds a subscription of s by its number. */
static struct output_sub *
output_sub_by_id(struct session *s, uint64_t id)
{
	struct output_sub *sub;

	TAILQ_FOREACH (sub, &s->subs, entry)
		if (sub->id == id)
			return sub;
	return NULL;
}

/* Hands a message (reference stolen) to one subscriber as a reply frame. */
static void
output_tell(struct output_sub *sub, json_t *msg)
{
	struct frame *f = frame_json(FRAME_REPLY, msg);

	json_decref(msg);
	sub->client->send(sub->arg, f);
	frame_unref(f);
}

/*
 * A redraw nobody asked for (after dropped output) has no requester: its
 * errors go to the subscriber itself, as they always did.
 */
struct output_redraw {
	struct session *s; /* the session (ops die before it) */
	uint64_t sub_id;   /* the subscriber */
};

/* The redraw's completion: errors only (the snapshot itself is sent by the op). */
static void
output_redraw_done(void *arg, int err, const char *detail, const json_t *result)
{
	struct output_redraw *rd = arg;
	struct output_sub *sub;

	(void)result;
	if (err < 0 && (sub = output_sub_by_id(rd->s, rd->sub_id)) != NULL)
		output_tell(sub, message_error(err, detail, "subscribe_output", NULL));
	free(rd);
}

/* Second reply of a snapshot: the cursor; sends the snapshot message. */
static void
output_snapshot_cursor(struct session_op *op, int err, const char *body, size_t len)
{
	struct output_sub *sub;
	int cx = 0, cy = 0, w = op->s->cols, h = op->s->rows;
	char *data;
	size_t dlen;
	json_t *r;

	(void)len;
	if (err < 0) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	if ((sub = output_sub_by_id(op->s, (uint64_t)op->arg2)) == NULL) {
		session_op_free(op); /* unsubscribed meanwhile: nobody to answer */
		return;
	}
	if (sscanf(body, "%d %d %d %d", &cx, &cy, &w, &h) >= 4) {
		op->s->cols = w;
		op->s->rows = h;
	}
	data = output_snapshot_data(op->text ? op->text : "", op->text_len, cx, cy, &dlen);
	r = op->arg1 ? json_object()
		     : message_reply(proto_msg_name(PROTO_MSG_OUTPUT_SNAPSHOT), NULL);
	json_object_set_new(r, "sessionId", json_string(op->s->id));
	json_object_set_new(r, "cols", json_integer(w));
	json_object_set_new(r, "rows", json_integer(h));
	json_object_set_new(r, "cursor", json_pack("{s:i, s:i}", "x", cx, "y", cy));
	message_set_text(r, "snapshot", data, dlen);
	free(data);
	if (op->arg1) {
		/* The subscribe request's answer: its requester replies. */
		completion_call(&op->done, 0, NULL, r);
		json_decref(r);
	} else {
		output_tell(sub, r);
		completion_call(&op->done, COMPLETION_DROPPED, NULL, NULL);
	}
	sub->ready = 1;
	sub->dropped = 0;
	session_op_free(op);
}

/* First reply of a snapshot: the screen with escapes. */
static void
output_snapshot_screen(struct session_op *op, int err, const char *body, size_t len)
{
	if (err < 0) {
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, body);
		return;
	}
	op->text = xmemdup(body, len + 1);
	op->text_len = len;
	op->step_fn = output_snapshot_cursor;
}

/* Starts a snapshot for sub; with subscribed, done is the subscribe request's. */
static int
output_snapshot(struct output_sub *sub, int subscribed, struct completion done)
{
	struct session_op *op;
	struct buf cmd;
	int rc;

	if (!subscribed) {
		struct output_redraw *rd = xmalloc(sizeof *rd);

		rd->s = sub->s;
		rd->sub_id = sub->id;
		done = (struct completion){.fn = output_redraw_done, .arg = rd};
	}
	op = session_op_new(sub->s, done, output_snapshot_screen);
	op->arg1 = subscribed;
	op->arg2 = (long)sub->id;
	if ((rc = session_op_command(op, "capture-pane -p -e -N")) < 0)
		return rc;
	buf_init(&cmd, 256);
	buf_append_str(&cmd, "display-message -p -- ");
	tmuxcc_quote(&cmd, "#{cursor_x} #{cursor_y} #{pane_width} #{pane_height}", 52);
	rc = session_op_command(op, cmd.data);
	buf_release(&cmd);
	return rc;
}

/* Subscribes to the output of s. */
void
output_subscribe(struct session *s, struct output_sub **subp, const struct output_client *client,
		 void *arg, int base64, struct completion done)
{
	static uint64_t counter;
	struct output_sub *sub = *subp;

	if (sub == NULL) {
		sub = xcalloc(1, sizeof *sub);
		sub->s = s;
		sub->id = ++counter;
		sub->client = client;
		sub->arg = arg;
		TAILQ_INSERT_TAIL(&s->subs, sub, entry);
		*subp = sub;
	}
	sub->base64 = base64;
	sub->ready = 0;
	output_snapshot(sub, 1, done);
}

/* Ends a subscription. */
void
output_unsubscribe(struct output_sub *sub)
{
	TAILQ_REMOVE(&sub->s->subs, sub, entry);
	free(sub);
}

/* The session of a subscription. */
const char *
output_sub_session(const struct output_sub *sub)
{
	return sub->s->id;
}

/* Sends live output to every ready subscriber. */
void
output_forward(struct session *s, const char *data, size_t len)
{
	struct frame *bin = NULL, *b64 = NULL;
	struct output_sub *sub;

	TAILQ_FOREACH (sub, &s->subs, entry) {
		struct frame **f;

		if (!sub->ready)
			continue;
		if (sub->dropped > 0) {
			/* Already behind: drop until the redraw (output_drained). */
			sub->dropped += len;
			METRICS_ADD(s->set->metrics, output_dropped_bytes, len);
			continue;
		}
		f = sub->base64 ? &b64 : &bin;
		if (*f == NULL && sub->base64) {
			json_t *o = json_object();
			char *enc = output_base64((const unsigned char *)data, len);

			json_object_set_new(o, "type",
					    json_string(proto_msg_name(PROTO_MSG_OUTPUT)));
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
		if (!sub->client->send(sub->arg, *f)) {
			log_debug(
			    "a subscriber of %s is behind: dropping output until it catches up",
			    s->id);
			sub->dropped += len;
			METRICS_ADD(s->set->metrics, output_dropped_bytes, len);
			METRICS_ADD(s->set->metrics, output_drops, 1);
		}
	}
	frame_unref(bin);
	frame_unref(b64);
}

/* After the subscriber's queue drained: tell about dropped output and resend the screen. */
void
output_drained(struct output_sub *sub)
{
	json_t *r;

	if (sub->dropped == 0 || !sub->ready)
		return;
	r = message_reply(proto_msg_name(PROTO_MSG_OUTPUT_DROPPED), NULL);
	json_object_set_new(r, "sessionId", json_string(sub->s->id));
	json_object_set_new(r, "bytes", json_integer((json_int_t)sub->dropped));
	output_tell(sub, r);
	log_debug("%zu output bytes of %s dropped for a subscriber", sub->dropped, sub->s->id);
	sub->dropped = 0;
	sub->ready = 0;
	output_snapshot(sub, 0, COMPLETION_NONE);
}

/* Ends every subscription to s. */
void
output_session_gone(struct session *s)
{
	struct output_sub *sub;

	while ((sub = TAILQ_FIRST(&s->subs)) != NULL) {
		TAILQ_REMOVE(&s->subs, sub, entry);
		sub->client->gone(sub->arg, sub);
		free(sub);
	}
}
