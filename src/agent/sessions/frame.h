/*
 * frame: a serialised outgoing WebSocket message, refcounted so that one
 * event is encoded once and queued to every client without copies.
 *
 * The payload is preceded by LWS_PRE bytes of headroom, which lws_write()
 * needs in front of the data it sends.
 */
#ifndef CM_AGENT_FRAME_H
#define CM_AGENT_FRAME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_REPLY = 0, /* a reply to one request: never dropped */
	FRAME_EVENT,	 /* an event with a seq: never dropped */
	FRAME_OUTPUT,	 /* terminal output: may be dropped for a slow client */
};

struct frame {
	int refs;	      /* owners: queues, the replay ring */
	enum frame_kind kind; /* drop policy */
	int binary;	      /* sent as a binary frame */
	uint64_t seq;	      /* FRAME_EVENT: its seq */
	size_t len;	      /* payload bytes */
	unsigned char *data;  /* payload (inside buf, after LWS_PRE) */
	unsigned char buf[];  /* LWS_PRE + len bytes */
};

/* New frame holding a copy of len bytes of data (one reference). */
struct frame *frame_new(enum frame_kind kind, int binary, const void *data, size_t len);
/* New text frame with obj encoded as JSON. */
struct frame *frame_json(enum frame_kind kind, const json_t *obj);
struct frame *frame_ref(struct frame *f);
void frame_unref(struct frame *f);

#endif
