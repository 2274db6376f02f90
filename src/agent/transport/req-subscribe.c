/*
 * subscribe (event replay), subscribe_output, unsubscribe_output.
 */
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/frame.h"
#include "agent/sessions/metrics.h"
#include "agent/sessions/output.h"
#include "agent/sessions/sessions.h"
#include "common/err.h"
#include "proto/message.h"

/* Handles {"action":"subscribe","since":N}. */
void
req_subscribe(struct req *r)
{
	json_int_t since = -1;
	size_t count = 0;
	json_t *reply;

	if (req_unpack(r, "{s?:I}", "since", &since) < 0)
		return;
	if (since < -1) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "since must be >= 0");
		return;
	}
	if (since == -1)
		since = (json_int_t)r->a->sessions.bus.seq;
	else
		METRICS_ADD(r->a->sessions.metrics, client_resumes, 1);
	if (bus_since(&r->a->sessions.bus, (uint64_t)since, conn_send_cb, r->c, &count) < 0) {
		reply = message_reply(proto_msg_name(PROTO_MSG_RESYNC), r->id);
		json_object_set_new(reply, "since", json_integer(since));
		json_object_set_new(reply, "seq", json_integer((json_int_t)r->a->sessions.bus.seq));
		json_object_set_new(reply, "sessions", sessions_to_json(&r->a->sessions));
		req_reply(r, reply);
		return;
	}
	reply = message_reply(proto_msg_name(PROTO_MSG_SUBSCRIBED), r->id);
	json_object_set_new(reply, "since", json_integer(since));
	json_object_set_new(reply, "seq", json_integer((json_int_t)r->a->sessions.bus.seq));
	json_object_set_new(reply, "replayed", json_integer((json_int_t)count));
	req_reply(r, reply);
}

/* Handles {"action":"subscribe_output","sessionId"[,"format"]}. */
void
req_subscribe_output(struct req *r)
{
	const char *id = NULL, *format = "binary";
	struct output_sub **slot;
	struct session *s;

	if (req_unpack(r, "{s:s, s?:s}", "sessionId", &id, "format", &format) < 0)
		return;
	if (strcmp(format, "binary") != 0 && strcmp(format, "base64") != 0) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "format must be \"binary\" or \"base64\"");
		return;
	}
	if ((s = req_session_live(r, id, 0)) == NULL)
		return;
	if ((slot = conn_sub_find(r->c, s->id)) == NULL && (slot = conn_sub_slot(r->c)) == NULL) {
		req_error(r, PROTO_ERR_LIMIT_REACHED, "at most %d output subscriptions per client",
			  CONN_MAX_SUBS);
		return;
	}
	output_subscribe(s, slot, &conn_output, r->c, strcmp(format, "base64") == 0,
			 req_later(r, proto_msg_name(PROTO_MSG_OUTPUT_SUBSCRIBED)));
}

/* Handles {"action":"unsubscribe_output","sessionId"}. */
void
req_unsubscribe_output(struct req *r)
{
	const char *id = NULL;
	json_t *reply;

	if (req_unpack(r, "{s:s}", "sessionId", &id) < 0)
		return;
	if (req_session(r, id) == NULL)
		return;
	conn_sub_remove(r->c, id);
	reply = message_reply(proto_msg_name(PROTO_MSG_OUTPUT_UNSUBSCRIBED), r->id);
	json_object_set_new(reply, "sessionId", json_string(id));
	req_reply(r, reply);
}
