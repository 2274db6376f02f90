/*
 * confirm and set_auto_confirm.
 */
#include <stdio.h>
#include <string.h>

#include "agent/sessions/confirm.h"
#include "agent/sessions/session.h"
#include "agent/sessions/sessions.h"
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "common/err.h"
#include "proto/message.h"

/* Handles {"action":"confirm","sessionId","approve"[,"prompt"]}. */
void
req_confirm(struct req *r)
{
	const char *id = NULL, *fp = NULL;
	int approve = 0;
	struct session *s;
	char who[CONN_PEER_MAX + 24];

	if (req_unpack(r, "{s:s, s:b, s?:s}", "sessionId", &id, "approve", &approve, "prompt",
		       &fp) < 0)
		return;
	if (fp != NULL && strlen(fp) != PROTO_FINGERPRINT_LEN) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "prompt must be the 16-digit fingerprint");
		return;
	}
	if ((s = req_session_live(r, id, 1)) == NULL)
		return;
	if (s->prompt.answering) {
		req_error(r, PROTO_ERR_BUSY, "an answer to this prompt is already being sent");
		return;
	}
	/* The record names the client: its address and connection number. */
	snprintf(who, sizeof who, "%s #%llu", r->c->peer, (unsigned long long)r->c->id);
	confirm_request(s, req_later(r, proto_msg_name(PROTO_MSG_CONFIRMED)), approve, fp, who);
}

/* Handles {"action":"set_auto_confirm","sessionId","enabled"}. */
void
req_set_auto_confirm(struct req *r)
{
	const char *id = NULL;
	int enabled = 0;
	struct session *s;
	json_t *reply;

	if (req_unpack(r, "{s:s, s:b}", "sessionId", &id, "enabled", &enabled) < 0)
		return;
	if ((s = req_session(r, id)) == NULL)
		return;
	session_set_auto_confirm(s, enabled);
	reply = message_reply(proto_msg_name(PROTO_MSG_AUTO_CONFIRM_SET), r->id);
	json_object_set_new(reply, "sessionId", json_string(s->id));
	json_object_set_new(reply, "enabled", json_boolean(enabled));
	req_reply(r, reply);
}
