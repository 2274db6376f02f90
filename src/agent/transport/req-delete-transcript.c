/*
 * delete_transcript: one transcript, or every one older than an age. A
 * transcript being recorded is kept (busy for one, skipped by age).
 */
#include "agent/transport/dispatch.h"
#include "agent/transport/transcript-reply.h"
#include "common/err.h"
#include "common/timeutil.h"
#include "proto/message.h"
#include "proto/protocol.h"

#define DELETE_AGE_MAX 1e10 /* seconds: more than any transcript's age */

/* Handles {"action":"delete_transcript","sessionId"} or {..., "olderThan": SECONDS}. */
void
req_delete_transcript(struct req *r)
{
	const char *id = NULL;
	double age = -1;
	struct transcript_store *store;
	size_t removed = 0;
	json_t *reply;
	int rc;

	if (req_unpack(r, "{s?:s, s?:F}", "sessionId", &id, "olderThan", &age) < 0)
		return;
	if ((id == NULL) == (json_object_get(r->body, "olderThan") == NULL)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "give sessionId or olderThan (seconds)");
		return;
	}
	if (id == NULL && !(age >= 0 && age <= DELETE_AGE_MAX)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "olderThan must be 0..%.0f seconds",
			  DELETE_AGE_MAX);
		return;
	}
	if ((store = req_transcripts(r)) == NULL)
		return;
	if (id != NULL) {
		rc = transcript_store_delete(store, id);
		if (rc == CM_EBUSY) {
			req_error(r, PROTO_ERR_BUSY, "%s is being recorded: kill the session first",
				  id);
			return;
		}
		removed = rc == 0;
	} else {
		rc = transcript_store_delete_older(store, age, time_wall(), &removed);
	}
	if (rc < 0) {
		req_transcript_error(r, rc,
				     rc == CM_ENOENT ? "no transcript of that session" : NULL);
		return;
	}
	reply = message_reply(proto_msg_name(PROTO_MSG_TRANSCRIPT_DELETED), r->id);
	json_object_set_new(reply, "removed", json_integer((json_int_t)removed));
	req_reply(r, reply);
}
