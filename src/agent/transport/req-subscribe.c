/*
 * subscribe (event replay), subscribe_output, unsubscribe_output.
 */
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/frame.h"
#include "agent/sessions/output.h"
#include "agent/sessions/session.h"
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
		req_error(r, CM_EBADREQUEST, "since must be >= 0");
		return;
	}
	if (since == -1)
		since = (json_int_t)r->a->bus.seq;
	if (bus_since(&r->a->bus, (uint64_t)since, conn_send_cb, r->c, &count) < 0) {
		reply = message_reply("resync", r->id);
		json_object_set_new(reply, "since", json_integer(since));
		json_object_set_new(reply, "seq", json_integer((json_int_t)r->a->bus.seq));
		json_object_set_new(reply, "sessions", req_sessions_array(r->a));
		req_reply(r, reply);
		return;
	}
	reply = message_reply("subscribed", r->id);
	json_object_set_new(reply, "since", json_integer(since));
	json_object_set_new(reply, "seq", json_integer((json_int_t)r->a->bus.seq));
	json_object_set_new(reply, "replayed", json_integer((json_int_t)count));
	req_reply(r, reply);
}

/* Handles {"action":"subscribe_output","sessionId"[,"format"]}. */
void
req_subscribe_output(struct req *r)
{
	const char *id = NULL, *format = "binary";
	struct session *s;
	int rc;

	if (req_unpack(r, "{s:s, s?:s}", "sessionId", &id, "format", &format) < 0)
		return;
	if (strcmp(format, "binary") != 0 && strcmp(format, "base64") != 0) {
		req_error(r, CM_EBADREQUEST, "format must be \"binary\" or \"base64\"");
		return;
	}
	if ((s = req_session_live(r, id, 0)) == NULL)
		return;
	rc = output_subscribe(r->c, s, strcmp(format, "base64") == 0, r->id);
	if (rc == CM_ELIMIT)
		req_error(r, CM_ELIMIT, "at most %d output subscriptions per client",
			  CONN_MAX_SUBS);
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
	reply = message_reply("output_unsubscribed", r->id);
	json_object_set_new(reply, "sessionId", json_string(id));
	req_reply(r, reply);
}
