/*
 * output: a session's terminal output streamed to its subscribers.
 *
 * A subscription starts with a snapshot of the screen (captured with
 * escapes over the control connection, then made into terminal data a
 * client can write as is: clear, the lines, the cursor position); %output
 * that arrives before the snapshot's reply is already part of it, so live
 * bytes are forwarded only once the snapshot is out. Live output is encoded
 * once per format for all subscribers (a binary frame, a base64 JSON
 * frame) and handed to each through its output_client. Output that does
 * not fit a subscriber's queue is dropped and counted; when its queue has
 * drained (output_drained), it gets `output_dropped` and a fresh
 * `output_snapshot`, so its terminal is always whole.
 *
 * The subscriber (the connection layer) implements struct output_client;
 * this file never knows a connection.
 */
#ifndef CM_AGENT_OUTPUT_H
#define CM_AGENT_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "agent/sessions/completion.h"
#include "proto/names.h"

struct frame;
struct session;
struct output_sub;

/* What a subscriber provides. */
struct output_client {
	/*
	 * Queues f (takes its own reference). Returns 0 if it did not fit
	 * (output beyond the subscriber's queue limit): the bytes are dropped.
	 */
	int (*send)(void *arg, struct frame *f);
	/* The subscription sub ended because its session went away (it is freed next). */
	void (*gone)(void *arg, struct output_sub *sub);
};

/* One subscriber of one session. */
struct output_sub {
	TAILQ_ENTRY(output_sub) entry;	    /* in session->subs */
	struct session *s;		    /* the session */
	uint64_t id;			    /* finds it again when a snapshot arrives */
	const struct output_client *client; /* the subscriber */
	void *arg;			    /* its argument */
	int base64;			    /* output as JSON base64, not binary */
	size_t dropped;			    /* output bytes dropped since the last snapshot */
	int ready;			    /* the snapshot was sent: stream live bytes */
};

/*
 * Subscribes (or, with *subp set, subscribes again) to the output of s.
 * done gets the first snapshot {sessionId, cols, rows, cursor: {x, y},
 * snapshot}, or an error; then live output flows through client.
 */
void output_subscribe(struct session *s, struct output_sub **subp,
		      const struct output_client *client, void *arg, int base64,
		      struct completion done);
/* Ends a subscription (the subscriber went away or asked). */
void output_unsubscribe(struct output_sub *sub);
/* The session a subscription is about. */
const char *output_sub_session(const struct output_sub *sub);
/* Forwards live output of s to its subscribers. */
void output_forward(struct session *s, const char *data, size_t len);
/* The subscriber's queue is empty: send a pending drop notice and snapshot. */
void output_drained(struct output_sub *sub);
/* s is gone: end every subscription to it. */
void output_session_gone(struct session *s);
/*
 * Turns a `capture-pane -e -p` capture and a cursor position into terminal
 * data that redraws the screen (caller frees).
 */
char *output_snapshot_data(const char *capture, size_t len, int cx, int cy, size_t *outlen);

#endif
