/*
 * read_transcript: one chunk of a transcript (a time range, or the tail),
 * at most maxBytes of data per reply; a reply that stopped there says
 * more and gives the cursor the next request continues from.
 *
 * The read runs on the loop: it decompresses only the frames of the range
 * (the index finds them) and stops at maxBytes (1 MiB at most), so one
 * request costs a few milliseconds whatever the transcript's size.
 *
 * A session that has just ended may still have output queued for the
 * store's writer (a flood queues tens of megabytes): its read waits until
 * the transcript is written whole (req_transcripts_put_off), so that what
 * a client reads after kill_session or session_exited is all of it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agent/transport/dispatch.h"
#include "agent/transport/transcript-reply.h"
#include "common/buf.h"
#include "common/err.h"
#include "proto/message.h"
#include "proto/protocol.h"

#define READ_DEFAULT_BYTES (256 * 1024)
#define READ_TIME_MAX	   1e11 /* wall seconds: year 5138; beyond is not a time */

static int
read_collect(void *arg, double time, const char *data, size_t len)
{
	(void)time;
	buf_append(arg, data, len);
	return 0;
}

/* "T_US:SKIP" -> the resume point of a read; -1 if it is not one. */
static int
read_parse_cursor(const char *c, struct transcript_read_opts *o)
{
	unsigned long long us;
	unsigned skip;
	int end = 0;

	if (sscanf(c, "%llu:%u%n", &us, &skip, &end) != 2 || c[end] != '\0' || us > (1ull << 62))
		return -1;
	o->resume = 1;
	o->resume_us = us;
	o->resume_skip = skip;
	return 0;
}

/* The mode named by format; -1 if none. */
static int
read_mode(const char *format, enum transcript_mode *mode)
{
	if (format == NULL || strcmp(format, "text") == 0)
		*mode = TRANSCRIPT_TEXT;
	else if (strcmp(format, "raw") == 0)
		*mode = TRANSCRIPT_RAW;
	else if (strcmp(format, "cast") == 0)
		*mode = TRANSCRIPT_CAST;
	else
		return -1;
	return 0;
}

/* Handles {"action":"read_transcript","sessionId"[,"from","to"|"tail"][,"cursor"]...}. */
void
req_read_transcript(struct req *r)
{
	const char *id = NULL, *format = NULL, *cursor = NULL;
	double from = -1, to = -1, tail = -1;
	json_int_t max = READ_DEFAULT_BYTES;
	struct transcript_read_opts o = {0};
	struct transcript_read_result res;
	struct transcript_store *store;
	char why[TRANSCRIPT_WHY_MAX] = "", cur[48];
	struct buf data;
	json_t *reply, *v;
	int rc;

	if (req_unpack(r, "{s:s, s?:F, s?:F, s?:F, s?:s, s?:I, s?:s}", "sessionId", &id, "from",
		       &from, "to", &to, "tail", &tail, "format", &format, "maxBytes", &max,
		       "cursor", &cursor) < 0)
		return;
	if (read_mode(format, &o.mode) < 0) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "format must be \"text\", \"raw\" or \"cast\"");
		return;
	}
	if ((json_object_get(r->body, "from") && !(from >= 0 && from <= READ_TIME_MAX)) ||
	    (json_object_get(r->body, "to") && !(to >= 0 && to <= READ_TIME_MAX)) ||
	    (json_object_get(r->body, "tail") && !(tail > 0 && tail <= READ_TIME_MAX))) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "from and to must be times (seconds since the epoch), tail a number of "
			  "seconds > 0");
		return;
	}
	if (tail > 0 && (from >= 0 || to >= 0 || cursor)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "give tail, or from/to/cursor, not both");
		return;
	}
	if (cursor && (from >= 0 || read_parse_cursor(cursor, &o) < 0)) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "cursor must be the one a transcript_chunk gave, without from");
		return;
	}
	o.from = from >= 0 ? from : 0;
	o.to = to >= 0 ? to : INFINITY;
	if (o.to < o.from) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "to is before from");
		return;
	}
	if ((store = req_transcripts(r)) == NULL)
		return;
	if (req_transcripts_put_off(r, &id, 1, req_read_transcript))
		return;
	o.max_bytes = (size_t)max;
	o.chunk_bytes = 64 * 1024;
	buf_init(&data, (size_t)-1);
	if (tail > 0)
		rc = transcript_tail(store, id, tail, &o, read_collect, &data, &res, why);
	else
		rc = transcript_read(store, id, &o, read_collect, &data, &res, why);
	if (rc < 0) {
		buf_release(&data);
		req_transcript_error(r, rc, why);
		return;
	}
	reply = message_reply(proto_msg_name(PROTO_MSG_TRANSCRIPT_CHUNK), r->id);
	json_object_set_new(reply, "sessionId", json_string(id));
	json_object_set_new(reply, "format",
			    json_string(o.mode == TRANSCRIPT_TEXT  ? "text"
					: o.mode == TRANSCRIPT_RAW ? "raw"
								   : "cast"));
	/*
	 * The store keeps output as valid UTF-8 (asciicast's JSON strings), so
	 * it is one JSON string, NUL bytes included (\u0000); repaired if not.
	 */
	if ((v = json_stringn(data.data ? data.data : "", data.len)) != NULL)
		json_object_set_new(reply, "data", v);
	else
		message_set_text(reply, "data", data.data ? data.data : "", data.len);
	json_object_set_new(reply, "more", json_boolean(res.truncated));
	if (res.truncated) {
		snprintf(cur, sizeof cur, "%" PRIu64 ":%" PRIu32, res.next_us, res.next_skip);
		json_object_set_new(reply, "next", json_real(res.next_from));
		json_object_set_new(reply, "cursor", json_string(cur));
	}
	json_object_set_new(reply, "start", json_real(res.start));
	json_object_set_new(reply, "end", json_real(res.end));
	if (res.frames_torn)
		json_object_set_new(reply, "tornFrames", json_integer(res.frames_torn));
	buf_release(&data);
	req_reply(r, reply);
}
