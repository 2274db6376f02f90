/*
 * send_keys: literal text, a named key, or text submitted with Enter
 * (typing.c does the typing).
 */
#include <stdio.h>
#include <string.h>

#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/screen/keys.h"
#include "agent/sessions/session-worktree.h"
#include "agent/sessions/sessions.h"
#include "agent/sessions/tap.h"
#include "agent/sessions/typing.h"
#include "common/buf.h"
#include "common/err.h"

/*
 * Hands what is typed to the taps (the transcript): the text, a named key
 * as <Key>, Enter as CR; who is the client as req_confirm names it.
 */
static void
send_keys_tap(struct req *r, struct session *s, const char *keys, size_t klen, int enter,
	      const char *key)
{
	char who[CONN_PEER_MAX + 24];
	struct buf b;

	snprintf(who, sizeof who, "%s #%llu", r->c->peer, (unsigned long long)r->c->id);
	buf_init(&b, klen + 32);
	if (keys)
		buf_append(&b, keys, klen);
	if (key) {
		buf_append_str(&b, "<");
		buf_append_str(&b, key);
		buf_append_str(&b, ">");
	}
	if (enter)
		buf_append_str(&b, "\r");
	taps_input(&s->set->taps, s, who, b.data ? b.data : "", b.len);
	buf_release(&b);
}

/* Handles {"action":"send_keys","sessionId","keys"[,"enter"][,"key"]}. */
void
req_send_keys(struct req *r)
{
	const char *id = NULL, *keys = NULL, *key = NULL;
	size_t klen = 0;
	int enter = 0;
	struct session *s;

	if (req_unpack(r, "{s:s, s?:s%, s?:b, s?:s}", "sessionId", &id, "keys", &keys, &klen,
		       "enter", &enter, "key", &key) < 0)
		return;
	if (keys == NULL && key == NULL && !enter) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "give \"keys\" (text), \"key\" (a key name) or both");
		return;
	}
	if (keys && (klen > TYPING_TEXT_MAX || memchr(keys, '\0', klen))) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "keys must be text of at most %d bytes",
			  TYPING_TEXT_MAX);
		return;
	}
	if (key && !keys_name_valid(key)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "unknown key name (see docs/PROTOCOL.md)");
		return;
	}
	if ((s = req_session_live(r, id, 1)) == NULL)
		return;
	send_keys_tap(r, s, keys, klen, enter, key);
	/* A submission to a worktree session is snapshotted first (its turn's diff). */
	session_wt_type(s, keys, klen, enter, key,
			req_later(r, proto_msg_name(PROTO_MSG_KEYS_SENT)));
}
