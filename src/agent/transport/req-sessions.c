/*
 * list_sessions and kill_session.
 */
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/session.h"
#include "agent/sessions/sessions.h"
#include "common/err.h"
#include "proto/message.h"

/* Handles {"action":"list_sessions"}. */
void
req_list_sessions(struct req *r)
{
	json_t *reply;

	if (req_unpack(r, "{}") < 0)
		return;
	reply = message_reply(proto_msg_name(PROTO_MSG_SESSION_LIST), r->id);
	json_object_set_new(reply, "sessions", sessions_to_json(&r->a->sessions));
	req_reply(r, reply);
}

/* Handles {"action":"kill_session","sessionId"}. */
void
req_kill_session(struct req *r)
{
	const char *id = NULL;
	struct session *s;

	if (req_unpack(r, "{s:s}", "sessionId", &id) < 0)
		return;
	if ((s = req_session(r, id)) == NULL)
		return;
	session_kill(s, req_later(r, NULL));
}
