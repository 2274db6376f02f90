/*
 * bus: seq numbers, the replay ring and the event log (see bus.h).
 */
#include "agent/sessions/bus.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent/sessions/frame.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"
#include "proto/protocol.h"

#define BUS_LOG_MAX (256u << 20) /* a larger events.log is not read back */

/* Appends a frame to the ring, evicting the oldest when full. */
static void
bus_ring_push(struct bus *bus, struct frame *f)
{
	if (bus->count == bus->cap) {
		frame_unref(bus->ring[bus->start]);
		bus->ring[bus->start] = f;
		bus->start = (bus->start + 1) % bus->cap;
	} else {
		bus->ring[(bus->start + bus->count) % bus->cap] = f;
		bus->count++;
	}
}

/* Reads events.log back: the last seq, and the last cap events into the ring. */
static void
bus_restore(struct bus *bus)
{
	char *text, *line, *next;
	size_t len;
	int rc;

	rc = fs_read_file(bus->log_path, BUS_LOG_MAX, &text, &len);
	if (rc == CM_ENOENT)
		return;
	if (rc < 0) {
		log_warn("cannot read %s (%s): starting a new event log", bus->log_path,
			 cm_strerror(rc));
		return;
	}
	for (line = text; line < text + len; line = next) {
		json_t *ev, *seqj;
		char *nl = memchr(line, '\n', (size_t)(text + len - line));

		next = nl ? nl + 1 : text + len;
		if (nl == NULL)
			break; /* a torn last line from a crash is skipped */
		if (message_decode(line, (size_t)(nl - line), &ev, NULL) < 0)
			continue;
		seqj = json_object_get(ev, "seq");
		if (json_is_integer(seqj) && (uint64_t)json_integer_value(seqj) > bus->seq) {
			struct frame *f = frame_new(FRAME_EVENT, 0, line, (size_t)(nl - line));

			f->seq = (uint64_t)json_integer_value(seqj);
			bus->seq = f->seq;
			bus_ring_push(bus, f);
			bus->log_lines++;
		}
		json_decref(ev);
	}
	free(text);
	log_info("event log %s: last seq %llu, %zu events replayable", bus->log_path,
		 (unsigned long long)bus->seq, bus->count);
}

/* Rewrites the log from the ring so it stays bounded. */
static void
bus_compact(struct bus *bus)
{
	struct buf b;
	int rc;

	buf_init(&b, (size_t)-1 / 2);
	for (size_t i = 0; i < bus->count; i++) {
		struct frame *f = bus->ring[(bus->start + i) % bus->cap];

		buf_append(&b, f->data, f->len);
		buf_append(&b, "\n", 1);
	}
	rc = fs_write_atomic(bus->log_path, b.data ? b.data : "", b.len);
	buf_release(&b);
	if (rc < 0) {
		log_warn("cannot rewrite %s: %s", bus->log_path, cm_strerror(rc));
		return;
	}
	close(bus->log_fd);
	bus->log_fd = open(bus->log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	bus->log_lines = bus->count;
}

static void bus_log(void *arg, const struct event *ev);

/* Registers a sink for the messages of only (NULL: every event and record). */
int
bus_add_sink_for(struct bus *bus, const char *name, const int *only, sink_fn fn, void *arg)
{
	if (bus->n_sinks >= BUS_MAX_SINKS)
		return CM_ELIMIT;
	bus->sinks[bus->n_sinks++] = (struct sink){name, only, fn, arg};
	return 0;
}

/* Registers a sink for every event and record. */
int
bus_add_sink(struct bus *bus, const char *name, sink_fn fn, void *arg)
{
	return bus_add_sink_for(bus, name, NULL, fn, arg);
}

/* True if the sink wants events of message msg. */
static int
bus_sink_wants(const struct sink *sink, int msg)
{
	const int *m;

	if (sink->only == NULL)
		return 1;
	for (m = sink->only; *m != SINK_END; m++)
		if (*m == msg)
			return 1;
	return 0;
}

/* Initialises the bus and restores it from the log. */
void
bus_init(struct bus *bus, size_t cap, const char *log_path)
{
	memset(bus, 0, sizeof *bus);
	bus->cap = cap ? cap : 1;
	bus->ring = xcalloc(bus->cap, sizeof *bus->ring);
	bus->log_fd = -1;
	if (log_path == NULL)
		return;
	bus->log_path = xstrdup(log_path);
	bus_restore(bus);
	bus->log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (bus->log_fd < 0)
		log_warn("cannot open %s: %s; events will not survive a restart", log_path,
			 strerror(errno));
	bus_add_sink(bus, "events.log", bus_log, bus);
}

/* Frees the ring and closes the log. */
void
bus_release(struct bus *bus)
{
	for (size_t i = 0; i < bus->count; i++)
		frame_unref(bus->ring[(bus->start + i) % bus->cap]);
	free(bus->ring);
	if (bus->log_fd >= 0)
		close(bus->log_fd);
	free(bus->log_path);
	memset(bus, 0, sizeof *bus);
	bus->log_fd = -1;
}

/* The event log's sink: appends one event line. */
static void
bus_log(void *arg, const struct event *ev)
{
	struct bus *bus = arg;
	const struct frame *f = ev->frame;
	struct iovec iov[2];

	if (bus->log_fd < 0 || EVENT_IS_RECORD(ev))
		return;
	iov[0] = (struct iovec){f->data, f->len};
	iov[1] = (struct iovec){(void *)"\n", 1};
	/* One writev: the line and its newline land together, with no copy. */
	if (writev(bus->log_fd, iov, 2) != (ssize_t)(f->len + 1))
		log_warn("cannot append to %s: %s", bus->log_path, strerror(errno));
	if (++bus->log_lines > 2 * bus->cap)
		bus_compact(bus);
}

/* Hands ev to every sink. */
static void
bus_deliver(struct bus *bus, const struct event *ev)
{
	for (size_t i = 0; i < bus->n_sinks; i++)
		if (bus_sink_wants(&bus->sinks[i], ev->msg))
			bus->sinks[i].fn(bus->sinks[i].arg, ev);
}

/* Numbers an event, keeps it for replay and hands it to every sink. */
uint64_t
bus_publish(struct bus *bus, json_t *ev, uint64_t requester)
{
	struct event e;
	struct frame *f;

	bus->seq++;
	json_object_set_new(ev, "seq", json_integer((json_int_t)bus->seq));
	if (json_object_get(ev, "timestamp") == NULL)
		json_object_set_new(ev, "timestamp", json_real(time_wall()));
	f = frame_json(FRAME_EVENT, ev);
	f->seq = bus->seq;
	bus_ring_push(bus, f);
	e.seq = bus->seq;
	e.type = json_string_value(json_object_get(ev, "type"));
	e.msg = proto_type_parse(e.type);
	e.session = json_string_value(json_object_get(ev, "sessionId"));
	e.obj = ev;
	e.frame = f;
	e.requester = requester;
	bus_deliver(bus, &e);
	json_decref(ev);
	return e.seq;
}

/* Hands a record to the sinks that want records. */
void
bus_record(struct bus *bus, const char *type, const char *session, json_t *detail)
{
	struct event e = {0};
	json_t *empty = NULL;

	if (detail == NULL)
		detail = empty = json_object();
	e.type = type;
	e.msg = SINK_RECORDS;
	e.session = session;
	e.obj = detail;
	bus_deliver(bus, &e);
	json_decref(empty);
}

/* Oldest seq held. */
uint64_t
bus_oldest(const struct bus *bus)
{
	if (bus->count == 0)
		return bus->seq + 1;
	return bus->ring[bus->start]->seq;
}

/* Walks the events after since. */
int
bus_since(const struct bus *bus, uint64_t since, void (*fn)(void *arg, struct frame *f), void *arg,
	  size_t *count)
{
	size_t n = 0;

	if (count)
		*count = 0;
	if (since > bus->seq)
		return CM_ERESYNC;
	if (since == bus->seq)
		return 0;
	if (since + 1 < bus_oldest(bus))
		return CM_ERESYNC;
	for (size_t i = 0; i < bus->count; i++) {
		struct frame *f = bus->ring[(bus->start + i) % bus->cap];

		if (f->seq > since) {
			fn(arg, f);
			n++;
		}
	}
	if (count)
		*count = n;
	return 0;
}
