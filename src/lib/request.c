/*
 * request: libcm's requests, built from the protocol table's names and
 * checked against its field lists (src/proto/protocol.def) before they are
 * sent, so that a request libcm sends is one the agent's table knows.
 *
 * The builders return NULL when an argument cannot be encoded (a NULL
 * session id, text that is not UTF-8); cm_client_send() refuses NULL with
 * CM_ERROR_INVALID, so `cm_client_call(c, cm_request_x(...), &reply)` needs
 * no check in between. Ranges (cols, lines...) are left to the agent, whose
 * errors say what it accepts.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "proto/protocol.h"

/* {"action": name} for a request of the table. */
static json_t *
request_new(enum proto_msg req)
{
	json_t *r = json_object();

	json_object_set_new(r, "action", json_string(proto_msg_name(req)));
	return r;
}

/* {"action": name, "sessionId": sid}, or NULL without a session id. */
static json_t *
request_session(enum proto_msg req, const char *session_id)
{
	json_t *r, *sid;

	if (session_id == NULL || (sid = json_string(session_id)) == NULL)
		return NULL;
	r = request_new(req);
	json_object_set_new(r, "sessionId", sid);
	return r;
}

/* A request without fields, by action name. */
json_t *
cm_request(const char *action)
{
	int req = proto_action_parse(action);

	/* auth is sent by libcm itself, never as a request of its own. */
	if (req < 0 || req == PROTO_REQ_AUTH)
		return NULL;
	return request_new((enum proto_msg)req);
}

/* create_session. */
json_t *
cm_request_create_session(const char *tool, const char *task, const char *path, int auto_confirm)
{
	json_t *r, *ctx, *v;

	if (tool == NULL || (v = json_string(tool)) == NULL)
		return NULL;
	r = request_new(PROTO_REQ_CREATE_SESSION);
	json_object_set_new(r, "tool", v);
	if (task != NULL && json_object_set_new(r, "task", json_string(task)) < 0)
		goto bad;
	ctx = json_object();
	json_object_set_new(r, "context", ctx);
	if (path != NULL && json_object_set_new(ctx, "path", json_string(path)) < 0)
		goto bad;
	if (auto_confirm >= 0)
		json_object_set_new(r, "autoConfirm", json_boolean(auto_confirm));
	return r;
bad:
	json_decref(r);
	return NULL;
}

/* send_keys. */
json_t *
cm_request_send_keys(const char *session_id, const char *text, size_t len, int enter,
		     const char *key)
{
	json_t *r = request_session(PROTO_REQ_SEND_KEYS, session_id);

	if (r == NULL)
		return NULL;
	if (text != NULL && json_object_set_new(r, "keys", json_stringn(text, len)) < 0)
		goto bad;
	if (enter)
		json_object_set_new(r, "enter", json_true());
	if (key != NULL && *key && json_object_set_new(r, "key", json_string(key)) < 0)
		goto bad;
	return r;
bad:
	json_decref(r);
	return NULL;
}

/* capture_pane. */
json_t *
cm_request_capture(const char *session_id, int lines, int escapes)
{
	json_t *r = request_session(PROTO_REQ_CAPTURE_PANE, session_id);

	if (r == NULL)
		return NULL;
	if (lines > 0)
		json_object_set_new(r, "lines", json_integer(lines));
	if (escapes)
		json_object_set_new(r, "escapes", json_true());
	return r;
}

/* kill_session. */
json_t *
cm_request_kill_session(const char *session_id)
{
	return request_session(PROTO_REQ_KILL_SESSION, session_id);
}

/* subscribe (replay after since; since < 0: from now). */
json_t *
cm_request_subscribe(int64_t since)
{
	json_t *r = request_new(PROTO_REQ_SUBSCRIBE);

	if (since >= 0)
		json_object_set_new(r, "since", json_integer(since));
	return r;
}

/* subscribe_output. */
json_t *
cm_request_subscribe_output(const char *session_id)
{
	return request_session(PROTO_REQ_SUBSCRIBE_OUTPUT, session_id);
}

/* unsubscribe_output. */
json_t *
cm_request_unsubscribe_output(const char *session_id)
{
	return request_session(PROTO_REQ_UNSUBSCRIBE_OUTPUT, session_id);
}

/* resize. */
json_t *
cm_request_resize(const char *session_id, int cols, int rows)
{
	json_t *r = request_session(PROTO_REQ_RESIZE, session_id);

	if (r == NULL)
		return NULL;
	json_object_set_new(r, "cols", json_integer(cols));
	json_object_set_new(r, "rows", json_integer(rows));
	return r;
}

/* confirm. */
json_t *
cm_request_confirm(const char *session_id, int approve, const char *fingerprint)
{
	json_t *r = request_session(PROTO_REQ_CONFIRM, session_id);

	if (r == NULL)
		return NULL;
	json_object_set_new(r, "approve", json_boolean(approve));
	if (fingerprint != NULL && *fingerprint &&
	    json_object_set_new(r, "prompt", json_string(fingerprint)) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* set_auto_confirm. */
json_t *
cm_request_set_auto_confirm(const char *session_id, int enabled)
{
	json_t *r = request_session(PROTO_REQ_SET_AUTO_CONFIRM, session_id);

	if (r != NULL)
		json_object_set_new(r, "enabled", json_boolean(enabled));
	return r;
}

/* Checks any message against the table. */
int
cm_message_validate(const json_t *msg, int check_limits, char *why, size_t len)
{
	struct buf b;
	int rc;

	buf_init(&b, 512);
	rc = proto_validate_any(msg, check_limits ? PROTO_CHECK_LIMITS : 0, &b);
	if (why != NULL && len > 0)
		snprintf(why, len, "%s", rc < 0 && b.data ? b.data : "");
	buf_release(&b);
	return rc;
}

/* The worktree of a create_session request. */
int
cm_request_set_worktree(json_t *req, const char *branch, const char *base)
{
	json_t *wt = json_object();

	if (req == NULL || (branch && json_object_set_new(wt, "branch", json_string(branch)) < 0) ||
	    (base && json_object_set_new(wt, "base", json_string(base)) < 0)) {
		json_decref(wt);
		return CM_ERROR_INVALID;
	}
	json_object_set_new(req, "worktree", wt);
	return 0;
}

/* The recovery options of a create_session. */
int
cm_request_set_recovery(json_t *req, const char *restart, int auto_continue, long stall_ms)
{
	if (req == NULL ||
	    (restart && strcmp(restart, "never") != 0 && strcmp(restart, "on-failure") != 0 &&
	     strcmp(restart, "always") != 0) ||
	    stall_ms < -1 || stall_ms > PROTO_STALL_MS_MAX)
		return CM_ERROR_INVALID;
	if (restart)
		json_object_set_new(req, "restart", json_string(restart));
	if (auto_continue)
		json_object_set_new(req, "autoContinue", json_true());
	if (stall_ms >= 0)
		json_object_set_new(req, "stallMs", json_integer(stall_ms));
	return 0;
}

/* diff. */
json_t *
cm_request_diff(const char *session_id, int turn, int stat)
{
	json_t *r = request_session(PROTO_REQ_DIFF, session_id);

	if (r && turn > 0)
		json_object_set_new(r, "turn", json_integer(turn));
	if (r && stat)
		json_object_set_new(r, "stat", json_true());
	return r;
}

/* merge. */
json_t *
cm_request_merge(const char *session_id, const char *mode)
{
	json_t *r = request_session(PROTO_REQ_MERGE, session_id);

	if (r && mode && json_object_set_new(r, "mode", json_string(mode)) < 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* clean_worktrees. */
json_t *
cm_request_clean_worktrees(const char *session_id, int force)
{
	json_t *r = request_new(PROTO_REQ_CLEAN_WORKTREES);

	if (session_id && json_object_set_new(r, "sessionId", json_string(session_id)) < 0) {
		json_decref(r);
		return NULL;
	}
	if (force)
		json_object_set_new(r, "force", json_true());
	return r;
}
