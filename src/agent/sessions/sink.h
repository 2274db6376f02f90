/*
 * sink: where events go once the session layer has published them.
 *
 * Every event leaves the session layer through the bus (bus.h), which
 * numbers it, encodes it once and then calls each sink registered at start,
 * in the order of registration. Today's sinks are the event log
 * (events.log, registered by the bus itself), the audit log (audit.c) and
 * the fan-out to WebSocket clients (transport/conn.c); anything else that
 * consumes events (transcripts, metrics, notifications) is one more
 * bus_add_sink() at start, and nothing in the session layer changes.
 *
 * A sink runs inside the publish call, on the loop: it must not block, and
 * it must not publish (the bus is not reentrant). What it wants to keep it
 * references (frame_ref, json_incref) or copies.
 */
#ifndef CM_AGENT_SESSIONS_SINK_H
#define CM_AGENT_SESSIONS_SINK_H

#include <jansson.h>
#include <stdint.h>

struct frame;

struct event {
	uint64_t seq;	     /* agent-wide number; 0 for a record (below) */
	const char *type;    /* "state_change", "session_created", ... */
	const char *session; /* the session's id, or NULL for agent events */
	json_t *obj;	     /* the event as published ("seq", "timestamp" set); borrowed */
	struct frame *frame; /* its JSON encoding, made once; NULL for a record */
	/*
	 * The argument of the completion this event answers (session_created,
	 * session_killed), or NULL. The requester gets the event as its reply
	 * through that completion, so the sink that issued the request (and
	 * only it knows what the argument is) leaves the requester out.
	 */
	const void *origin;
};

/*
 * A record is an action worth keeping that is not an event clients see
 * (set_auto_confirm): seq 0, frame NULL, obj holds its detail. Sinks that
 * deliver events ignore records; the audit log keeps them.
 */
#define EVENT_IS_RECORD(ev) ((ev)->frame == NULL)

typedef void (*sink_fn)(void *arg, const struct event *ev);

struct sink {
	const char *name; /* for logs: "events.log", "audit", "clients" */
	sink_fn fn;	  /* called for every event and record */
	void *arg;	  /* the sink's */
};

#endif
