/*
 * confirm and set_auto_confirm.
 */
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/audit.h"
#include "agent/sessions/confirm.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/monitor.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "proto/message.h"

/* Handles {"action":"confirm","sessionId","approve"[,"prompt"]}. */
void
req_confirm(struct req *r)
{
	const char *id = NULL, *fp = NULL;
	int approve = 0;
	struct session *s;

	if (req_unpack(r, "{s:s, s:b, s?:s}", "sessionId", &id, "approve", &approve, "prompt",
		       &fp) < 0)
		return;
	if (fp != NULL && strlen(fp) != 16) {
		req_error(r, CM_EBADREQUEST, "prompt must be the 16-digit fingerprint");
		return;
	}
	if ((s = req_session_live(r, id, 1)) == NULL)
		return;
	if (s->prompt.answering) {
		req_error(r, CM_EBUSY, "an answer to this prompt is already being sent");
		return;
	}
	confirm_request(s, r->c->id, r->id, approve, fp);
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
	s->auto_confirm = enabled;
	session_save(s);
	audit_write(r->a, s->id, "set_auto_confirm", enabled ? "on" : "off");
	/* A prompt already on screen is decided again under the new setting. */
	if (enabled && s->prompt.active) {
		s->prompt.active = 0;
		s->prompt.fp = 0;
		monitor_schedule(s, 0);
	}
	reply = message_reply("auto_confirm_set", r->id);
	json_object_set_new(reply, "sessionId", json_string(s->id));
	json_object_set_new(reply, "enabled", json_boolean(enabled));
	req_reply(r, reply);
}
