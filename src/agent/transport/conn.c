/*
 * conn: per-client queues with back-pressure (see conn.h).
 */
#include "agent/transport/conn.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sessions/frame.h"
#include "agent/sessions/output.h"
#include "agent/transport/agent.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/message.h"

static uint64_t conn_counter;

/* Creates the state of a new connection. */
struct conn *
conn_new(struct agent *a, struct lws *wsi)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->agent = a;
	c->wsi = wsi;
	c->id = ++conn_counter;
	buf_init(&c->rx, (size_t)a->cfg.max_message);
	STAILQ_INIT(&c->queue);
	lws_get_peer_simple(wsi, c->peer, sizeof c->peer);
	/* An IPv4 client of a dual-stack socket reads as ::ffff:A.B.C.D: say A.B.C.D. */
	if (strncmp(c->peer, "::ffff:", 7) == 0 && strchr(c->peer + 7, '.') != NULL)
		memmove(c->peer, c->peer + 7, strlen(c->peer + 7) + 1);
	TAILQ_INSERT_TAIL(&a->conns, c, entry);
	a->n_conns++;
	return c;
}

/* Releases everything the connection holds. */
void
conn_free(struct conn *c)
{
	struct conn_item *it;

	TAILQ_REMOVE(&c->agent->conns, c, entry);
	c->agent->n_conns--;
	for (size_t i = 0; i < c->n_subs; i++)
		output_unsubscribe(c->subs[i]);
	while ((it = STAILQ_FIRST(&c->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->queue, entry);
		frame_unref(it->frame);
		free(it);
	}
	buf_release(&c->rx);
	free(c);
}

/* Queues a frame, applying the drop policy for output. */
int
conn_send(struct conn *c, struct frame *f)
{
	struct conn_item *it;

	if (c->wsi == NULL)
		return 0;
	if (f->kind == FRAME_OUTPUT) {
		if (c->queued_output + f->len > (size_t)c->agent->cfg.client_queue)
			return 0;
		c->queued_output += f->len;
	} else {
		if (c->queued_bytes + f->len > CONN_EVENT_HARD_MAX) {
			if (!c->closing) {
				log_warn("client %llu (%s) is not reading: disconnecting it",
					 (unsigned long long)c->id, c->peer);
				c->closing = CONN_CLOSE_NOW;
				c->close_status = LWS_CLOSE_STATUS_POLICY_VIOLATION;
				lws_callback_on_writable(c->wsi);
			}
			return 0;
		}
		c->queued_bytes += f->len;
	}
	it = xmalloc(sizeof *it);
	it->frame = frame_ref(f);
	STAILQ_INSERT_TAIL(&c->queue, it, entry);
	lws_callback_on_writable(c->wsi);
	return 1;
}

/* conn_send as a callback (bus_since replays into a connection with it). */
void
conn_send_cb(void *arg, struct frame *f)
{
	conn_send(arg, f);
}

/* Encodes a reply and queues it. */
void
conn_reply(struct conn *c, json_t *obj)
{
	struct frame *f = frame_json(FRAME_REPLY, obj);

	json_decref(obj);
	conn_send(c, f);
	frame_unref(f);
}

/* Queues an error; a fatal one closes the connection once flushed. */
void
conn_error(struct conn *c, int code, const char *detail, const char *action, const json_t *id,
	   int fatal_status)
{
	conn_reply(c, message_error(code, detail, action, id));
	if (fatal_status) {
		c->closing = CONN_CLOSE_FLUSHED;
		c->close_status = fatal_status;
	}
}

/* Writes one frame; closes when asked to and the queue is empty. */
int
conn_on_writeable(struct conn *c)
{
	struct conn_item *it = STAILQ_FIRST(&c->queue);
	struct frame *f;
	int n;

	if (it == NULL || c->closing == CONN_CLOSE_NOW) {
		if (c->closing) {
			lws_close_reason(c->wsi, (enum lws_close_status)c->close_status, NULL, 0);
			return -1;
		}
		return 0;
	}
	STAILQ_REMOVE_HEAD(&c->queue, entry);
	f = it->frame;
	free(it);
	if (f->kind == FRAME_OUTPUT)
		c->queued_output -= f->len;
	else
		c->queued_bytes -= f->len;
	n = lws_write(c->wsi, f->data, f->len, f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	frame_unref(f);
	if (n < 0)
		return -1;
	if (c->queued_output == 0)
		for (size_t i = 0; i < c->n_subs; i++)
			output_drained(c->subs[i]);
	if (!STAILQ_EMPTY(&c->queue) || c->closing)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* Finds a live connection by its number (requests answered later keep the number). */
struct conn *
conn_find(struct agent *a, uint64_t id)
{
	struct conn *c;

	if (id == 0)
		return NULL;
	TAILQ_FOREACH (c, &a->conns, entry)
		if (c->id == id && c->wsi != NULL)
			return c;
	return NULL;
}

/* Looks up an output subscription. */
struct output_sub **
conn_sub_find(struct conn *c, const char *session)
{
	for (size_t i = 0; i < c->n_subs; i++)
		if (strcmp(output_sub_session(c->subs[i]), session) == 0)
			return &c->subs[i];
	return NULL;
}

/* A free slot for a subscription. */
struct output_sub **
conn_sub_slot(struct conn *c)
{
	if (c->n_subs >= CONN_MAX_SUBS)
		return NULL;
	c->subs[c->n_subs] = NULL;
	return &c->subs[c->n_subs++];
}

/* Forgets a subscription slot (the subscription itself is ended by the caller). */
static void
conn_sub_forget(struct conn *c, struct output_sub *sub)
{
	for (size_t i = 0; i < c->n_subs; i++)
		if (c->subs[i] == sub) {
			c->subs[i] = c->subs[--c->n_subs];
			return;
		}
}

/* Removes an output subscription. */
void
conn_sub_remove(struct conn *c, const char *session)
{
	struct output_sub **slot = conn_sub_find(c, session);
	struct output_sub *sub;

	if (slot == NULL)
		return;
	sub = *slot;
	conn_sub_forget(c, sub);
	output_unsubscribe(sub);
}

/* Output for a subscribed connection. */
static int
conn_output_send(void *arg, struct frame *f)
{
	return conn_send(arg, f);
}

/* The session of a subscription went away. */
static void
conn_output_gone(void *arg, struct output_sub *sub)
{
	conn_sub_forget(arg, sub);
}

const struct output_client conn_output = {
    .send = conn_output_send,
    .gone = conn_output_gone,
};

/* The clients' event sink: queues an event to every authenticated client but the one it answers. */
void
conn_fanout(void *arg, const struct event *ev)
{
	struct agent *a = arg;
	struct conn *c;

	if (EVENT_IS_RECORD(ev))
		return;
	TAILQ_FOREACH (c, &a->conns, entry) {
		/* The requester's number is its connection's (req_later). */
		if (c->authed && (ev->requester == 0 || c->id != ev->requester))
			conn_send(c, ev->frame);
	}
}
