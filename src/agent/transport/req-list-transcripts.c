/*
 * list_transcripts: every transcript the agent keeps, of live and ended sessions.
 */
#include "agent/sessions/recorder.h"
#include "agent/sessions/sessions.h"
#include "agent/transport/agent.h"
#include "agent/transport/dispatch.h"
#include "agent/transport/transcript-reply.h"
#include "common/err.h"
#include "proto/message.h"

/* One transcript as the protocol's object. */
static json_t *
list_transcript_json(struct sessions *set, const struct transcript_info *t)
{
	json_t *o = json_object();
	struct session *s = session_find(set, t->id);

	json_object_set_new(o, "sessionId", json_string(t->id));
	message_set_str(o, "tool", *t->tool ? t->tool : NULL);
	message_set_str(o, "task", *t->task ? t->task : NULL);
	message_set_str(o, "path", *t->path ? t->path : NULL);
	json_object_set_new(o, "start", json_real(t->start));
	json_object_set_new(o, "end", json_real(t->end));
	json_object_set_new(o, "bytes", json_integer((json_int_t)t->bytes));
	json_object_set_new(o, "live", json_boolean(s != NULL && !s->killed));
	json_object_set_new(o, "recording", json_boolean(t->recording));
	return o;
}

/* Handles {"action":"list_transcripts"}. */
void
req_list_transcripts(struct req *r)
{
	struct transcript_store *store = recorder_store(&r->a->sessions);
	struct transcript_info *all = NULL;
	size_t n = 0;
	json_t *reply, *list;
	int rc;

	if (req_unpack(r, "{}") < 0)
		return;
	list = json_array();
	if (store != NULL && (rc = transcript_store_list(store, &all, &n)) < 0) {
		json_decref(list);
		req_transcript_error(r, rc, "cannot list the transcripts");
		return;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, list_transcript_json(&r->a->sessions, &all[i]));
	transcript_info_free(all, n);
	reply = message_reply(proto_msg_name(PROTO_MSG_TRANSCRIPT_LIST), r->id);
	json_object_set_new(reply, "transcripts", list);
	json_object_set_new(reply, "recording", json_boolean(store != NULL));
	req_reply(r, reply);
}
