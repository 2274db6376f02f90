/*
 * dispatch: decoding, authentication and the request table (see dispatch.h).
 */
#include "agent/transport/dispatch.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/auth-slow.h"
#include "agent/transport/conn.h"
#include "agent/sessions/frame.h"
#include "agent/sessions/metrics.h"
#include "agent/transport/gate.h"
#include "agent/sessions/sessions.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"
#include "proto/names.h"
#include "proto/protocol.h"

/* The handler of every request but auth (dispatch_auth), by PROTO_REQ_*. */
static const req_handler req_table[PROTO_MSG__COUNT] = {
    [PROTO_REQ_CREATE_SESSION] = req_create_session,
    [PROTO_REQ_SEND_KEYS] = req_send_keys,
    [PROTO_REQ_CAPTURE_PANE] = req_capture_pane,
    [PROTO_REQ_LIST_SESSIONS] = req_list_sessions,
    [PROTO_REQ_KILL_SESSION] = req_kill_session,
    [PROTO_REQ_SUBSCRIBE] = req_subscribe,
    [PROTO_REQ_SUBSCRIBE_OUTPUT] = req_subscribe_output,
    [PROTO_REQ_UNSUBSCRIBE_OUTPUT] = req_unsubscribe_output,
    [PROTO_REQ_RESIZE] = req_resize,
    [PROTO_REQ_CONFIRM] = req_confirm,
    [PROTO_REQ_SET_AUTO_CONFIRM] = req_set_auto_confirm,
    [PROTO_REQ_LIST_PROFILES] = req_list_profiles,
    [PROTO_REQ_AGENT_INFO] = req_agent_info,
    [PROTO_REQ_PING] = req_ping,
    [PROTO_REQ_DOCTOR] = req_doctor,
    [PROTO_REQ_LIST_TRANSCRIPTS] = req_list_transcripts,
    [PROTO_REQ_READ_TRANSCRIPT] = req_read_transcript,
    [PROTO_REQ_SEARCH_TRANSCRIPTS] = req_search_transcripts,
    [PROTO_REQ_DELETE_TRANSCRIPT] = req_delete_transcript,
    [PROTO_REQ_DIFF] = req_diff,
    [PROTO_REQ_MERGE] = req_merge,
    [PROTO_REQ_LIST_WORKTREES] = req_list_worktrees,
    [PROTO_REQ_CLEAN_WORKTREES] = req_clean_worktrees,
};

/* Replies an error with a formatted message. */
void
req_error(struct req *r, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (fmt == NULL) {
		conn_error(r->c, code, NULL, r->action, r->id, 0);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	conn_error(r->c, code, msg, r->action, r->id, 0);
}

/* Sends a reply. */
void
req_reply(struct req *r, json_t *reply)
{
	conn_reply(r->c, reply);
}

/* The outcome arrived: reply to the requester if it is still there. */
static void
req_wait_done(void *arg, int err, const char *detail, const json_t *result)
{
	struct req_wait *w = arg;
	struct conn *c = conn_find(w->a, w->conn_id);
	json_t *reply;

	if (c != NULL && err < 0) {
		conn_error(c, err, detail, w->action, w->id, 0);
	} else if (c != NULL && err == 0 && w->reply != NULL) {
		reply = message_reply(w->reply, w->id);
		json_object_update(reply, (json_t *)result);
		conn_reply(c, reply);
	} else if (c != NULL && err == 0 && w->id != NULL) {
		/* The event is the reply; the requester's copy carries its id. */
		reply = json_deep_copy(result);
		json_object_set(reply, "id", w->id);
		conn_reply(c, reply);
	}
	json_decref(w->id);
	free(w->action);
	free(w);
}

/* A completion that replies to r. */
struct completion
req_later(struct req *r, const char *reply_type)
{
	struct req_wait *w = xcalloc(1, sizeof *w);

	w->a = r->a;
	w->conn_id = r->c->id;
	w->id = r->id ? json_incref((json_t *)r->id) : NULL;
	w->action = xstrdup(r->action);
	w->reply = reply_type;
	/* A request without an id gets no reply, so it hears the event as everyone does. */
	return (struct completion){req_wait_done, w, w->id != NULL ? w->conn_id : 0};
}

/* Strictly unpacks the body. */
int
req_unpack(struct req *r, const char *fmt, ...)
{
	json_error_t jerr;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = json_vunpack_ex(r->body, &jerr, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "%s", jerr.text);
		return -1;
	}
	return 0;
}

/*
 * Checks r's body against the table (src/proto/protocol.def), the rules
 * libcm checks before sending: fields known, typed and present, then their
 * ranges. A session id that is not one is bad_session_id, as req_session()
 * says of it, rather than a length error. Replies and returns -1 on failure.
 */
static int
req_validate(struct req *r, enum proto_msg m)
{
	const char *sid;
	struct buf why;
	int rc;

	buf_init(&why, 512);
	rc = proto_validate(m, r->body, 0, &why);
	if (rc == 0) {
		sid = json_string_value(json_object_get(r->body, "sessionId"));
		if (sid != NULL && !names_session_id_valid(sid)) {
			req_error(r, PROTO_ERR_BAD_SESSION_ID,
				  "invalid session id (expected cm-<digits>)");
			buf_release(&why);
			return -1;
		}
		rc = proto_validate(m, r->body, PROTO_CHECK_LIMITS, &why);
	}
	if (rc < 0)
		req_error(r, PROTO_ERR_BAD_REQUEST, "%s",
			  why.data != NULL ? why.data : proto_error_text(PROTO_ERR_BAD_REQUEST));
	buf_release(&why);
	return rc < 0 ? -1 : 0;
}

/* Finds the session a request names. */
struct session *
req_session(struct req *r, const char *id)
{
	struct session *s;

	if (!names_session_id_valid(id)) {
		req_error(r, PROTO_ERR_BAD_SESSION_ID, "invalid session id (expected cm-<digits>)");
		return NULL;
	}
	if ((s = session_find(&r->a->sessions, id)) == NULL || s->killed) {
		req_error(r, PROTO_ERR_UNKNOWN_SESSION, "no such session: %s", id);
		return NULL;
	}
	return s;
}

/* Finds a session whose tmux is reachable (and, with need_tool, whose tool still runs). */
struct session *
req_session_live(struct req *r, const char *id, int need_tool)
{
	struct session *s = req_session(r, id);

	if (s == NULL)
		return NULL;
	if (s->link != SESSION_LINK_UP) {
		req_error(r, PROTO_ERR_SESSION_EXITED, "the session's tmux server is gone");
		return NULL;
	}
	if (need_tool && s->pane_dead) {
		req_error(r, PROTO_ERR_SESSION_EXITED, "the session's tool has exited");
		return NULL;
	}
	return s;
}

/* Handles the seed's authentication message. */
static void
dispatch_auth(struct conn *c, json_t *msg)
{
	struct agent *a = c->agent;
	json_t *tok = json_object_get(msg, "auth_token");
	json_t *id = json_object_get(msg, "id");
	json_t *since = json_object_get(msg, "since");
	struct buf why;
	json_t *r;

	buf_init(&why, 512);
	if (proto_validate(PROTO_REQ_AUTH, msg, PROTO_CHECK_LIMITS, &why) < 0) {
		conn_error(c, PROTO_ERR_BAD_REQUEST, why.data, proto_msg_name(PROTO_REQ_AUTH),
			   message_id_valid(id) ? id : NULL, 0);
		buf_release(&why);
		return;
	}
	buf_release(&why);
	if (!auth_token_ok(&a->auth, json_string_value(tok), json_string_length(tok))) {
		auth_slow_fail(c, id);
		return;
	}
	if (!c->authed && gate_authenticated(a, c) < 0)
		return;
	if (!c->authed)
		log_info("client %llu (%s) authenticated", (unsigned long long)c->id, c->peer);
	c->authed = 1;
	if (c->wsi != NULL)
		lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	r = message_reply(proto_msg_name(PROTO_MSG_AUTHENTICATED), id);
	json_object_set_new(r, "status", json_string("authenticated"));
	json_object_set_new(r, "agent", json_string("cm-agent"));
	json_object_set_new(r, "version", json_string(CM_VERSION));
	json_object_set_new(r, "protocol", json_integer(PROTO_VERSION));
	json_object_set_new(r, "seq", json_integer((json_int_t)a->sessions.bus.seq));
	if (since != NULL) {
		uint64_t n = (uint64_t)json_integer_value(since);
		size_t count;

		METRICS_ADD(a->sessions.metrics, client_resumes, 1);

		/* Replay first, in order, before the reply and any live event. */
		if (bus_since(&a->sessions.bus, n, conn_send_cb, c, &count) < 0) {
			json_object_set_new(r, "resync", json_true());
			json_object_set_new(r, "sessions", sessions_to_json(&a->sessions));
		} else {
			json_object_set_new(r, "replayed", json_integer((json_int_t)count));
		}
	}
	conn_reply(c, r);
}

/* Decodes, authenticates and dispatches one frame. */
void
dispatch_frame(struct conn *c, const char *data, size_t len)
{
	struct req r = {.a = c->agent, .c = c};
	struct buf why;
	json_t *msg, *action, *id;
	int rc, m;

	buf_init(&why, 256);
	rc = message_decode(data, len, &msg, &why);
	if (rc < 0) {
		conn_error(c, rc, rc == PROTO_ERR_BAD_JSON && why.data ? why.data : NULL, NULL,
			   NULL, 0);
		buf_release(&why);
		return;
	}
	buf_release(&why);
	if (json_object_get(msg, "auth_token") != NULL) {
		dispatch_auth(c, msg);
		json_decref(msg);
		return;
	}
	id = json_incref(json_object_get(msg, "id"));
	action = json_object_get(msg, "action");
	r.id = message_id_valid(id) ? id : NULL;
	r.action = json_is_string(action) ? json_string_value(action) : NULL;
	if (!message_id_valid(id)) {
		req_error(&r, PROTO_ERR_BAD_REQUEST,
			  "id must be an integer or a string of at most %d bytes", MESSAGE_ID_MAX);
		goto out;
	}
	if (!c->authed) {
		req_error(&r, PROTO_ERR_AUTH_REQUIRED,
			  "authenticate first with {\"auth_token\": ...}");
		goto out;
	}
	if (action == NULL || !json_is_string(action)) {
		req_error(&r, PROTO_ERR_BAD_REQUEST, "missing \"action\" (a string)");
		goto out;
	}
	r.action = xstrdup(json_string_value(action));
	json_object_del(msg, "id");
	json_object_del(msg, "action");
	r.body = msg;
	m = proto_action_parse(r.action);
	if (m < 0 || (size_t)m >= PROTO_MSG__COUNT || req_table[m] == NULL)
		req_error(&r, PROTO_ERR_UNKNOWN_ACTION, "unknown action");
	else if (c->agent->stopping)
		req_error(&r, PROTO_ERR_BUSY, "the agent is shutting down");
	else if (req_validate(&r, (enum proto_msg)m) == 0)
		req_table[m](&r);
	free((char *)r.action);
out:
	json_decref(id);
	json_decref(msg);
}
