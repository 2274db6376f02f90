/*
 * bus: every event gets the next agent-wide seq, is encoded once, kept for
 * replay and handed to every sink registered at start (sink.h): the event
 * log, the audit log, the clients.
 *
 * Replay is one ring of the last `replay_events` frames (STYLE.md #10): a
 * client that asks for events since N gets them from the ring, or
 * CM_ERESYNC when N is older than the ring (the caller then sends a
 * snapshot). The ring never grows.
 *
 * Persistence: the bus's own sink, registered first by bus_init, appends each event, as one JSON
 * line, to STATE_DIR/events.log. At start the log restores the last seq and the ring, so a
 * restarted agent replays what a client missed while it was down, and seqs never go back. The log
 * is rewritten from the ring once it holds twice the ring's size, so it stays bounded. Events are
 * written with write(2) (no fsync): they survive the agent being killed, not the machine losing
 * power, which is the trade the agent makes for latency.
 */
#ifndef CM_AGENT_BUS_H
#define CM_AGENT_BUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/sessions/sink.h"

#define BUS_MAX_SINKS 8 /* sinks registered at start */

struct frame;

struct bus {
	uint64_t seq;			  /* last seq assigned */
	struct frame **ring;		  /* the last `cap` event frames, oldest at start */
	size_t cap;			  /* ring capacity */
	size_t start;			  /* index of the oldest frame */
	size_t count;			  /* frames held */
	int log_fd;			  /* events.log, append-only; -1 if not persisted */
	char *log_path;			  /* path of events.log */
	size_t log_lines;		  /* lines in events.log */
	struct sink sinks[BUS_MAX_SINKS]; /* called for every event, in order */
	size_t n_sinks;			  /* entries in sinks */
};

/*
 * Sets up the ring and restores seq and events from log_path (may be NULL);
 * with a log_path, the event log is the first sink.
 */
void bus_init(struct bus *bus, size_t cap, const char *log_path);
void bus_release(struct bus *bus);
/* Registers a sink (at start) for every event and record; CM_ELIMIT past BUS_MAX_SINKS. */
int bus_add_sink(struct bus *bus, const char *name, sink_fn fn, void *arg);
/*
 * Registers a sink for the messages of only (enum proto_msg values and
 * SINK_RECORDS, ended by SINK_END; static storage, not copied; NULL: all).
 */
int bus_add_sink_for(struct bus *bus, const char *name, const int *only, sink_fn fn, void *arg);
/*
 * Publishes ev (reference stolen): adds "seq" and "timestamp", keeps it for
 * replay and hands it to every sink. origin is the argument of the
 * completion the event answers, or NULL (see struct event). Returns the seq.
 */
uint64_t bus_publish(struct bus *bus, json_t *ev, uint64_t requester);
/*
 * Hands a record (not an event: no seq, not replayed, not sent to clients)
 * of type about session with its detail (borrowed, may be NULL) to every sink.
 */
void bus_record(struct bus *bus, const char *type, const char *session, json_t *detail);
/* The oldest seq still held (seq + 1 if none). */
uint64_t bus_oldest(const struct bus *bus);
/*
 * Calls fn for every held event with seq > since, in order. CM_ERESYNC if
 * some of those events are no longer held or since is ahead of the bus.
 */
int bus_since(const struct bus *bus, uint64_t since, void (*fn)(void *arg, struct frame *f),
	      void *arg, size_t *count);

#endif
