/*
 * list_sessions and kill_session.
 */
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "proto/message.h"

/* Every session as an array of objects. */
json_t *
req_sessions_array(struct agent *a)
{
	json_t *arr = json_array();
	struct session *s;

	TAILQ_FOREACH (s, &a->sessions, entry) {
		if (!s->killed && s->link != SESSION_LINK_STARTING)
			json_array_append_new(arr, session_to_json(s));
	}
	return arr;
}

/* Handles {"action":"list_sessions"}. */
void
req_list_sessions(struct req *r)
{
	json_t *reply;

	if (req_unpack(r, "{}") < 0)
		return;
	reply = message_reply("session_list", r->id);
	json_object_set_new(reply, "sessions", req_sessions_array(r->a));
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
	session_kill(s, r->c->id, r->id);
}
