/*
 * search_transcripts: a regular expression over one, several or all
 * transcripts; the matching lines with their session and time.
 *
 * The search runs on the loop, so its work is bounded per request: at most
 * SEARCH_MS of time and SEARCH_BYTES of text, and maxMatches lines; a
 * search a bound stopped says so (truncated, stoppedBy) and can be narrowed
 * (sessionIds, from/to) or continued from the last match's time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transport/dispatch.h"
#include "agent/transport/transcript-reply.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/message.h"
#include "proto/names.h"
#include "proto/protocol.h"

#define SEARCH_MS	       250	      /* loop time one search may take */
#define SEARCH_BYTES	       (256ull << 20) /* text one search may scan */
#define SEARCH_DEFAULT_MATCHES 100
#define SEARCH_TIME_MAX	       1e11

static int
search_collect(void *arg, const struct transcript_match *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "sessionId", json_string(m->id));
	json_object_set_new(o, "time", json_real(m->time));
	message_set_str(o, "line", m->line);
	json_array_append_new(arg, o);
	return 0;
}

/* Handles {"action":"search_transcripts","pattern"[,"sessionIds"][,"ignoreCase"]...}. */
void
req_search_transcripts(struct req *r)
{
	const char *pattern = NULL, **ids = NULL;
	json_t *jids = NULL, *matches, *reply, *v;
	double from = 0, to = INFINITY;
	json_int_t max = SEARCH_DEFAULT_MATCHES;
	int icase = 0, rc;
	struct transcript_search_opts o = {0};
	struct transcript_search_result res;
	struct transcript_store *store;
	char why[TRANSCRIPT_WHY_MAX] = "";
	size_t nids = 0, i;

	if (req_unpack(r, "{s:s, s?:o, s?:b, s?:F, s?:F, s?:I}", "pattern", &pattern, "sessionIds",
		       &jids, "ignoreCase", &icase, "from", &from, "to", &to, "maxMatches",
		       &max) < 0)
		return;
	if (!(from >= 0 && from <= SEARCH_TIME_MAX) || !(to >= from)) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "need 0 <= from <= to (seconds since the epoch)");
		return;
	}
	if (jids != NULL) {
		nids = json_array_size(jids);
		if (nids == 0 || nids > PROTO_SEARCH_IDS_MAX) {
			req_error(r, PROTO_ERR_BAD_REQUEST, "sessionIds must list 1..%d sessions",
				  PROTO_SEARCH_IDS_MAX);
			return;
		}
		ids = xcalloc(nids, sizeof *ids);
		json_array_foreach (jids, i, v) {
			ids[i] = json_string_value(v);
			if (ids[i] == NULL || !names_session_id_valid(ids[i])) {
				free(ids);
				req_error(r, PROTO_ERR_BAD_SESSION_ID,
					  "sessionIds[%zu] is not a session id (cm-<digits>)", i);
				return;
			}
		}
	}
	if ((store = req_transcripts(r)) == NULL) {
		free(ids);
		return;
	}
	/* A session just ended is searched whole, as it is read (req-read-transcript.c). */
	if (req_transcripts_put_off(r, ids, nids, req_search_transcripts)) {
		free(ids);
		return;
	}
	o.pattern = pattern;
	o.icase = icase;
	o.from = from;
	o.to = to;
	o.max_matches = (size_t)max;
	o.max_bytes = SEARCH_BYTES;
	o.max_ms = SEARCH_MS;
	matches = json_array();
	rc = transcript_search(store, ids, nids, &o, search_collect, matches, &res, why);
	free(ids);
	if (rc < 0) {
		json_decref(matches);
		/* The store says CM_EINVAL for a pattern it refuses as for a bad range (checked
		 * above). */
		if (rc == CM_EINVAL)
			req_error(r, PROTO_ERR_BAD_PATTERN, "%s", why);
		else
			req_transcript_error(r, rc, why);
		return;
	}
	reply = message_reply(proto_msg_name(PROTO_MSG_TRANSCRIPT_MATCHES), r->id);
	json_object_set_new(reply, "matches", matches);
	json_object_set_new(reply, "searched", json_integer((json_int_t)res.transcripts));
	json_object_set_new(reply, "bytesScanned", json_integer((json_int_t)res.bytes_scanned));
	json_object_set_new(reply, "truncated", json_boolean(res.truncated));
	if (res.stopped_by)
		json_object_set_new(reply, "stoppedBy", json_string(res.stopped_by));
	req_reply(r, reply);
}
