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
 * A sink says at registration which events it wants (bus_add_sink_for):
 * the bus then calls it for those alone, so that an event no sink of a kind
 * wants (a state_change is not audited) costs that sink nothing.
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
	int msg;	     /* type as an enum proto_msg; SINK_RECORDS for a record */
	const char *session; /* the session's id, or NULL for agent events */
	json_t *obj;	     /* the event as published ("seq", "timestamp" set); borrowed */
	struct frame *frame; /* its JSON encoding, made once; NULL for a record */
	/*
	 * The requester of the completion this event answers (session_created,
	 * session_killed; completion.h), or 0. It gets the event as its reply
	 * through that completion, so the sink that delivers to requesters
	 * (only it knows what the number means) leaves it out.
	 */
	uint64_t requester;
};

/*
 * A record is an action worth keeping that is not an event clients see
 * (set_auto_confirm): seq 0, frame NULL, obj holds its detail. Sinks that
 * deliver events ignore records; the audit log keeps them.
 */
#define EVENT_IS_RECORD(ev) ((ev)->frame == NULL)

typedef void (*sink_fn)(void *arg, const struct event *ev);

/*
 * A sink's list of wanted messages: enum proto_msg values, SINK_RECORDS for
 * the records, ended by SINK_END.
 */
#define SINK_RECORDS (-2)
#define SINK_END     (-1)

struct sink {
	const char *name; /* for logs: "events.log", "audit", "clients" */
	const int *only;  /* the messages it wants (SINK_END-terminated), or NULL: all */
	sink_fn fn;	  /* called for each event and record it wants */
	void *arg;	  /* the sink's */
};

#endif
