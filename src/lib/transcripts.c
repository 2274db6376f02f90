/*
 * transcripts: libcm's requests about recorded sessions (see cm.h):
 * list, read (one chunk, or all of them through the cursors), search,
 * delete.
 */
#include "cm.h"

#include <string.h>

#include "internal.h"
#include "proto/protocol.h"

/* {"action": name}. */
static json_t *
tr_request(enum proto_msg req)
{
	json_t *r = json_object();

	json_object_set_new(r, "action", json_string(proto_msg_name(req)));
	return r;
}

json_t *
cm_request_list_transcripts(void)
{
	return tr_request(PROTO_REQ_LIST_TRANSCRIPTS);
}

json_t *
cm_request_read_transcript(const char *session_id, const struct cm_read_opts *o)
{
	json_t *r, *sid;

	if (session_id == NULL || (sid = json_string(session_id)) == NULL)
		return NULL;
	r = tr_request(PROTO_REQ_READ_TRANSCRIPT);
	json_object_set_new(r, "sessionId", sid);
	if (o == NULL)
		return r;
	if (o->cursor)
		json_object_set_new(r, "cursor", json_string(o->cursor));
	else if (o->tail > 0)
		json_object_set_new(r, "tail", json_real(o->tail));
	else if (o->from >= 0)
		json_object_set_new(r, "from", json_real(o->from));
	if (o->to >= 0 && !(o->tail > 0))
		json_object_set_new(r, "to", json_real(o->to));
	if (o->format)
		json_object_set_new(r, "format", json_string(o->format));
	if (o->max_bytes > 0)
		json_object_set_new(r, "maxBytes", json_integer(o->max_bytes));
	return r;
}

json_t *
cm_request_search_transcripts(const char *pattern, const char *const *ids, size_t n,
			      int ignore_case, double from, double to, int max_matches)
{
	json_t *r, *p;

	if (pattern == NULL || (p = json_string(pattern)) == NULL)
		return NULL;
	r = tr_request(PROTO_REQ_SEARCH_TRANSCRIPTS);
	json_object_set_new(r, "pattern", p);
	if (n > 0) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_string(ids[i] ? ids[i] : ""));
		json_object_set_new(r, "sessionIds", a);
	}
	if (ignore_case)
		json_object_set_new(r, "ignoreCase", json_true());
	if (from >= 0)
		json_object_set_new(r, "from", json_real(from));
	if (to >= 0)
		json_object_set_new(r, "to", json_real(to));
	if (max_matches > 0)
		json_object_set_new(r, "maxMatches", json_integer(max_matches));
	return r;
}

json_t *
cm_request_delete_transcript(const char *session_id, double older_than)
{
	json_t *r = tr_request(PROTO_REQ_DELETE_TRANSCRIPT);

	if (session_id != NULL)
		json_object_set_new(r, "sessionId", json_string(session_id));
	else
		json_object_set_new(r, "olderThan", json_real(older_than));
	return r;
}

int
cm_client_list_transcripts(struct cm_client *c, json_t **list)
{
	json_t *reply = NULL, *arr;
	int rc;

	*list = NULL;
	if ((rc = cm_client_call(c, cm_request_list_transcripts(), &reply)) < 0) {
		json_decref(reply);
		return rc;
	}
	arr = json_object_get(reply, "transcripts");
	*list = json_is_array(arr) ? json_incref(arr) : json_array();
	json_decref(reply);
	return 0;
}

int
cm_client_read_transcript(struct cm_client *c, const char *session_id,
			  const struct cm_read_opts *opts, json_t **chunk)
{
	json_t *reply = NULL;
	int rc;

	*chunk = NULL;
	if ((rc = cm_client_call(c, cm_request_read_transcript(session_id, opts), &reply)) < 0) {
		json_decref(reply);
		return rc;
	}
	*chunk = reply;
	return 0;
}

int
cm_client_read_transcript_all(struct cm_client *c, const char *session_id,
			      const struct cm_read_opts *opts,
			      int (*cb)(void *arg, const char *data, size_t len), void *arg)
{
	struct cm_read_opts o = {-1, -1, 0, NULL, 0, NULL};
	char cursor[64];
	int rc;

	if (opts)
		o = *opts;
	/* A transcript of 1 TB at 1 MiB a chunk is a million requests: the bound is generous. */
	for (long n = 0; n < 100L * 1000 * 1000; n++) {
		json_t *chunk;
		const json_t *data;
		const char *next;

		if ((rc = cm_client_read_transcript(c, session_id, &o, &chunk)) < 0)
			return rc;
		data = json_object_get(chunk, "data");
		if (json_is_string(data) && json_string_length(data) > 0 &&
		    cb(arg, json_string_value(data), json_string_length(data)) != 0) {
			json_decref(chunk);
			return 0;
		}
		next = json_string_value(json_object_get(chunk, "cursor"));
		if (!json_is_true(json_object_get(chunk, "more")) || next == NULL ||
		    strlen(next) >= sizeof cursor) {
			json_decref(chunk);
			return 0;
		}
		memcpy(cursor, next, strlen(next) + 1);
		json_decref(chunk);
		o.cursor = cursor;
		o.from = -1;
		o.tail = 0;
	}
	return 0;
}

int
cm_client_search_transcripts(struct cm_client *c, const char *pattern, const char *const *ids,
			     size_t n, int ignore_case, double from, double to, int max_matches,
			     json_t **reply)
{
	*reply = NULL;
	return cm_client_call(
	    c, cm_request_search_transcripts(pattern, ids, n, ignore_case, from, to, max_matches),
	    reply);
}

int
cm_client_delete_transcript(struct cm_client *c, const char *session_id, double older_than,
			    int *removed)
{
	json_t *reply = NULL;
	int rc = cm_client_call(c, cm_request_delete_transcript(session_id, older_than), &reply);

	if (rc == 0 && removed)
		*removed = (int)json_integer_value(json_object_get(reply, "removed"));
	json_decref(reply);
	return rc;
}
