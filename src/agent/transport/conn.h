/*
 * conn: the state of one WebSocket client.
 *
 * Owned by the listener: created at LWS_CALLBACK_ESTABLISHED, freed at
 * LWS_CALLBACK_CLOSED. Incoming fragments are reassembled in a bounded
 * buffer (max_message). Outgoing frames wait in a FIFO that only the
 * WRITEABLE callback drains, one frame per callback, so the loop never
 * blocks on a slow peer.
 *
 * Back-pressure: replies and events are never dropped; a client whose queue
 * holds more than CONN_EVENT_HARD_MAX bytes of them is disconnected (it can
 * reconnect and replay). Output frames past `client_queue` bytes are
 * refused (conn_send returns 0) and the output layer counts them per
 * subscription; when the queue has drained, the connection tells each of
 * its subscriptions (output_drained), which then sends the drop notice and
 * a fresh snapshot. A connection is an output subscriber (conn_output);
 * events reach it through the clients' sink, conn_fanout: registered at
 * start with bus_add_sink (arg: the agent), it queues each event to every
 * authenticated client, each queue taking a reference to the one frame the
 * bus encoded. The requester an event answers (session_created,
 * session_killed) is left out: it gets the event as its reply, with its
 * request id (dispatch.h, req_later).
 */
#ifndef CM_AGENT_CONN_H
#define CM_AGENT_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <jansson.h>

#include "agent/sessions/output.h"
#include "agent/sessions/sink.h"
#include "common/buf.h"
#include "proto/names.h"

#define CONN_EVENT_HARD_MAX (16u << 20) /* queued replies+events before disconnect */
#define CONN_MAX_SUBS	    64		/* output subscriptions per client */
#define CONN_PEER_MAX	    64

enum conn_closing { CONN_OPEN = 0, CONN_CLOSE_FLUSHED, CONN_CLOSE_NOW };

struct agent;
struct frame;
struct lws;

struct conn_item {
	STAILQ_ENTRY(conn_item) entry; /* FIFO link */
	struct frame *frame;	       /* referenced frame */
};

struct conn {
	TAILQ_ENTRY(conn) entry;  /* in agent->conns */
	struct agent *agent;	  /* owner */
	struct lws *wsi;	  /* NULL once lws closed it */
	char peer[CONN_PEER_MAX]; /* peer address for logs and auth limits */
	int authed;		  /* token accepted */
	int closing;		  /* enum conn_closing */
	int auth_held;	  /* a wrong token: waits for auth_failed, reads nothing (auth-slow.h) */
	int close_status; /* WebSocket status for that close */
	struct buf rx;	  /* reassembly of a fragmented frame */
	int rx_binary;	  /* the current frame is binary */
	int rx_partial;	  /* a message is being put together in rx */
	STAILQ_HEAD(, conn_item) queue;		/* frames waiting to be written */
	size_t queued_bytes;			/* bytes of replies and events queued */
	size_t queued_output;			/* bytes of output queued */
	struct output_sub *subs[CONN_MAX_SUBS]; /* output subscriptions */
	size_t n_subs;				/* entries used in subs */
	uint64_t id;				/* connection number, for logs */
};

struct conn *conn_new(struct agent *a, struct lws *wsi);
/* Unlinks and frees a connection whose wsi is gone. */
void conn_free(struct conn *c);
/* Queues a frame (takes a new reference); output may be dropped (returns 0 then). */
int conn_send(struct conn *c, struct frame *f);
/* conn_send(arg, f) with the shape of bus_since's callback. */
void conn_send_cb(void *arg, struct frame *f);
/* Encodes and queues a JSON reply (reference to obj stolen). */
void conn_reply(struct conn *c, json_t *obj);
/* Queues an error reply and, if fatal, closes after it is flushed. */
void conn_error(struct conn *c, int code, const char *detail, const char *action, const json_t *id,
		int fatal_status);
/* Writes the next queued frame; returns -1 when lws must close the connection. */
int conn_on_writeable(struct conn *c);
/* Finds a live connection by number (0 or a closed one: NULL). */
struct conn *conn_find(struct agent *a, uint64_t id);
/* Finds c's subscription to a session, or NULL (its slot, to subscribe into). */
struct output_sub **conn_sub_find(struct conn *c, const char *session);
/* A free slot for a new subscription, or NULL past CONN_MAX_SUBS. */
struct output_sub **conn_sub_slot(struct conn *c);
/* Ends the subscription to a session, if any. */
void conn_sub_remove(struct conn *c, const char *session);
/* The clients' event sink (above); arg is the agent. */
void conn_fanout(void *arg, const struct event *ev);
/* A connection as an output subscriber (its arg is the conn). */
extern const struct output_client conn_output;

#endif
