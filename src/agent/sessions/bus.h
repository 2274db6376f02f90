/*
 * bus: every event gets the next agent-wide seq, is encoded once, kept for
 * replay and queued to every authenticated client.
 *
 * Replay is one ring of the last `replay_events` frames (STYLE.md #10): a
 * client that asks for events since N gets them from the ring, or
 * CM_ERESYNC when N is older than the ring (the caller then sends a
 * snapshot). The ring never grows.
 *
 * Persistence: each event is also appended, as one JSON line, to
 * STATE_DIR/events.log. At start the log restores the last seq and the ring,
 * so a restarted agent replays what a client missed while it was down, and
 * seqs never go back. The log is rewritten from the ring once it holds twice
 * the ring's size, so it stays bounded. Events are written with write(2)
 * (no fsync): they survive the agent being killed, not the machine losing
 * power, which is the trade the agent makes for latency.
 */
#ifndef CM_AGENT_BUS_H
#define CM_AGENT_BUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct agent;
struct frame;

struct bus {
	uint64_t seq;	     /* last seq assigned */
	struct frame **ring; /* the last `cap` event frames, oldest at start */
	size_t cap;	     /* ring capacity */
	size_t start;	     /* index of the oldest frame */
	size_t count;	     /* frames held */
	int log_fd;	     /* events.log, append-only; -1 if not persisted */
	char *log_path;	     /* path of events.log */
	size_t log_lines;    /* lines in events.log */
};

/* Sets up the ring and restores seq and events from log_path (may be NULL). */
void bus_init(struct bus *bus, size_t cap, const char *log_path);
void bus_release(struct bus *bus);
/*
 * Publishes ev (reference stolen): adds "seq" and "timestamp", keeps it for
 * replay, logs it, and queues it to every authenticated client except
 * `skip` (the requester, who gets it as its reply). Returns the frame
 * (borrowed) so a caller can reuse it as a reply.
 */
struct frame *bus_publish(struct agent *a, json_t *ev, void *skip);
/* The oldest seq still held (seq + 1 if none). */
uint64_t bus_oldest(const struct bus *bus);
/*
 * Calls fn for every held event with seq > since, in order. CM_ERESYNC if
 * some of those events are no longer held or since is ahead of the bus.
 */
int bus_since(const struct bus *bus, uint64_t since, void (*fn)(void *arg, struct frame *f),
	      void *arg, size_t *count);

#endif
