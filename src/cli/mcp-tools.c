/*
 * mcp-tools: the tools of `cm mcp` (see mcp.h) and the connections they use.
 *
 * One connection per allowed context, opened at first use and kept (libcm
 * reconnects it after a drop, with replay). Sessions are named "CTX/ID",
 * as list_sessions returns them. Every argument is checked here before any
 * request is built (names by src/proto's rules, numbers by their ranges,
 * no unknown argument), and libcm checks each request against the protocol
 * table again before it is sent.
 *
 * send_text never types over work: when the session is not idle (or done)
 * the text waits in a queue kept by this process, and is typed when the
 * agent pushes the session's next idle or done state; one text per such
 * state, so a second text waits for the turn the first one started. The
 * queue lives as long as `cm mcp` does.
 */
#include "mcp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "output.h"
#include "place.h"
#include "proto/names.h"
#include "proto/protocol.h"

/* One text waiting for its session to be idle. */
struct mcp_queued {
	size_t ctx;   /* index in m->cns */
	char *sid;    /* session id */
	char *text;   /* what to type */
	int enter;    /* then Enter */
	int used;     /* slot in use */
	unsigned seq; /* order of arrival */
};

/* A wait_for_state in progress. */
struct mcp_wait {
	size_t ctx;	 /* index in m->cns */
	const char *sid; /* the session */
	unsigned states; /* bits of enum cm_session_state */
	int hit;	 /* set by the event hook */
	char state[32];	 /* the state reached */
};

struct mcp {
	struct cli *cli;			/* the run */
	struct conn *cns;			/* one per allowed context */
	int *opened;				/* cns[i] was opened (and not closed) */
	size_t n;				/* how many */
	struct conn_hooks hooks;		/* events of every connection */
	struct mcp_queued queue[MCP_QUEUE_MAX]; /* texts waiting */
	unsigned seq;				/* next queue order */
	struct mcp_wait *wait;			/* the wait in progress, or NULL */
};

/* A string field of an agent's object, or "" (never NULL). */
static const char *
mcp_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "";
}

/* ---- results ---------------------------------------------------------- */

/* A tool result holding value as JSON text (and as structuredContent for an object). */
static json_t *
mcp_result(json_t *value, int is_error)
{
	char *text = json_dumps(value, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_t *r = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text",
			      text ? text : "null", "isError", is_error);

	free(text);
	if (json_is_object(value))
		json_object_set(r, "structuredContent", value);
	json_decref(value);
	return r;
}

/* A tool error: {"error": code, "message": ...} with isError. */
static json_t *mcp_error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static json_t *
mcp_error(const char *code, const char *fmt, ...)
{
	char msg[1024], clean[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	output_clean(msg, 0, clean, sizeof(clean));
	return mcp_result(json_pack("{s:s, s:s}", "error", code, "message", clean), 1);
}

/* ---- arguments -------------------------------------------------------- */

/* Refuses arguments not in known; 0 or -1 with *err set. */
static int
mcp_args_known(const json_t *args, const char *const *known, json_t **err)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)args, key, v) {
		size_t i;
		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i]) {
			*err = mcp_error("bad_argument", "unknown argument \"%.64s\"", key);
			return -1;
		}
	}
	(void)v;
	return 0;
}

/* An optional string argument of at most max bytes; -1 with *err on a wrong type. */
static int
mcp_arg_str(const json_t *args, const char *key, size_t max, const char **out, json_t **err)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*err =
		    mcp_error("bad_argument", "%s must be a string of at most %zu bytes", key, max);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* An optional boolean argument (def when absent). */
static int
mcp_arg_bool(const json_t *args, const char *key, int def, int *out, json_t **err)
{
	json_t *v = json_object_get(args, key);

	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		*err = mcp_error("bad_argument", "%s must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* An optional integer argument in [min, max] (def when absent). */
static int
mcp_arg_int(const json_t *args, const char *key, long min, long max, long def, long *out,
	    json_t **err)
{
	json_t *v = json_object_get(args, key);

	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		*err = mcp_error("bad_argument", "%s must be an integer from %ld to %ld", key, min,
				 max);
		return -1;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

/* ---- permissions and connections -------------------------------------- */

/* NULL if the action is allowed, else the refusal. */
static json_t *
mcp_refuse(const struct mcp *m, int action)
{
	if (m->cli->prefs.mcp_actions & action)
		return NULL;
	return mcp_error("not_allowed",
			 "action \"%s\" is not allowed: add it to \"mcp\": {\"actions\": [...]} in "
			 "%s (cm mcp is read-only by default)",
			 prefs_action_name(action), m->cli->prefs.path);
}

/* The index of an allowed context by name, or -1 with *err. */
static long
mcp_ctx_index(const struct mcp *m, const char *name, json_t **err)
{
	if (!name || !names_context_valid(name)) {
		*err =
		    mcp_error("bad_argument", "\"%.80s\" is not a context name", name ? name : "");
		return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->cns[i].ctx.name, name))
			return (long)i;
	*err =
	    mcp_error("unknown_context",
		      "no context \"%s\" is allowed here (see cm ctx ls and mcp.contexts)", name);
	return -1;
}

/*
 * Opens cns[i] at its first use; 0 when it is ready, else -1 with *err.
 * A connection is never closed and opened again here: libcm keeps trying
 * one that failed for a reason that may pass (no agent yet, the host
 * unreachable), so a later call finds it ready; one refused for good (the
 * token, the host key) stays refused until cm mcp is restarted.
 */
static int
mcp_open(struct mcp *m, size_t i, json_t **err)
{
	struct conn *cn = &m->cns[i];

	if (!m->opened[i]) {
		m->opened[i] = 1;
		if (conn_open_many(m->cli, cn, 1, &m->hooks, 1) == 1)
			return 0;
	}
	if (cn->client && cm_client_state(cn->client) == CM_CONN_READY) {
		cn->status = 0;
		return 0;
	}
	if (cn->client && cm_client_state(cn->client) != CM_CONN_FAILED)
		*err = mcp_error("unreachable", "%s: %s (trying again)", cn->ctx.name,
				 cm_client_error(cn->client));
	else
		*err = mcp_error("unreachable", "%s: %s", cn->ctx.name, cn->err);
	return -1;
}

/* Parses "CTX/ID" into an allowed, open context and a valid id; -1 with *err. */
static int
mcp_session_arg(struct mcp *m, const json_t *args, size_t *ctx, const char **sid, json_t **err)
{
	const char *s = NULL, *slash;
	char name[NAMES_CONTEXT_MAX + 1];
	long i;

	if (mcp_arg_str(args, "session", 256, &s, err) < 0)
		return -1;
	if (!s || !(slash = strchr(s, '/')) || (size_t)(slash - s) > NAMES_CONTEXT_MAX) {
		*err = mcp_error("bad_argument", "session must be CTX/ID, as list_sessions gives");
		return -1;
	}
	memcpy(name, s, (size_t)(slash - s));
	name[slash - s] = '\0';
	if ((i = mcp_ctx_index(m, name, err)) < 0)
		return -1;
	if (!names_session_id_valid(slash + 1)) {
		*err = mcp_error("bad_argument", "\"%.80s\" is not a session id", slash + 1);
		return -1;
	}
	*ctx = (size_t)i;
	*sid = slash + 1;
	return mcp_open(m, *ctx, err);
}

/* The error result of a failed request. */
static json_t *
mcp_request_error(struct conn *cn, int rc)
{
	return mcp_error(cm_error_name(rc), "%s: %s", cn->ctx.name, cm_client_error(cn->client));
}

/* The agent's list_sessions entry of sid (new reference), or NULL with *err. */
static json_t *
mcp_find_session(struct conn *cn, const char *sid, json_t **err)
{
	json_t *list = NULL, *s, *found = NULL;
	size_t i;
	int rc;

	if ((rc = cm_client_list_sessions(cn->client, &list)) < 0) {
		*err = mcp_request_error(cn, rc);
		return NULL;
	}
	json_array_foreach (list, i, s)
		if (!strcmp(mcp_str(s, "sessionId"), sid))
			found = json_incref(s);
	json_decref(list);
	if (!found)
		*err = mcp_error("unknown_session", "no session %s/%s", cn->ctx.name, sid);
	return found;
}

/* A copy of a session with "context" and "session" (CTX/ID) added. */
static json_t *
mcp_session_view(const char *ctx, const json_t *s)
{
	json_t *v = output_with_context(s, ctx);
	char id[NAMES_CONTEXT_MAX + NAMES_SESSION_ID_MAX + 2];

	snprintf(id, sizeof(id), "%s/%s", ctx, mcp_str(s, "sessionId"));
	json_object_set_new(v, "session", json_string(id));
	return v;
}

/* True if text may be typed into a session in this state. */
static int
mcp_state_takes_input(const char *state)
{
	return state && (!strcmp(state, "idle") || !strcmp(state, "done"));
}

/* ---- events: the queue and waits --------------------------------------- */

/* Types the oldest text queued for (ctx, sid), if any. */
static void
mcp_queue_flush_one(struct mcp *m, size_t ctx, const char *sid)
{
	struct mcp_queued *q = NULL;
	json_t *req;

	for (size_t i = 0; i < MCP_QUEUE_MAX; i++)
		if (m->queue[i].used && m->queue[i].ctx == ctx && !strcmp(m->queue[i].sid, sid) &&
		    (!q || m->queue[i].seq < q->seq))
			q = &m->queue[i];
	if (!q)
		return;
	req = cm_request_send_keys(sid, q->text, strlen(q->text), q->enter, NULL);
	/* From inside libcm's callback: sent without waiting for the reply. */
	if (req && cm_client_send(m->cns[ctx].client, req, NULL, NULL) < 0)
		cli_warn(m->cli, "%s/%s: the queued text was not sent: %s", m->cns[ctx].ctx.name,
			 sid, cm_client_error(m->cns[ctx].client));
	free(q->sid);
	free(q->text);
	memset(q, 0, sizeof(*q));
}

/* Drops what is queued for a session that has gone. */
static void
mcp_queue_drop(struct mcp *m, size_t ctx, const char *sid)
{
	for (size_t i = 0; i < MCP_QUEUE_MAX; i++)
		if (m->queue[i].used && m->queue[i].ctx == ctx && !strcmp(m->queue[i].sid, sid)) {
			free(m->queue[i].sid);
			free(m->queue[i].text);
			memset(&m->queue[i], 0, sizeof(m->queue[i]));
		}
}

/* Every connection's events: flushes the queue and ends waits. */
static void
mcp_on_event(struct conn *cn, const json_t *msg)
{
	struct mcp *m = cn->hooks->arg;
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *sid = json_string_value(json_object_get(msg, "sessionId"));
	const char *state = json_string_value(json_object_get(msg, "state"));
	size_t ctx = (size_t)(cn - m->cns);
	int st;

	if (!type || !sid)
		return;
	if (!strcmp(type, "session_killed") || !strcmp(type, "session_exited"))
		mcp_queue_drop(m, ctx, sid);
	if (!strcmp(type, "session_killed"))
		state = "exited";
	if (!state)
		return;
	if (mcp_state_takes_input(state) && strcmp(type, "session_completed"))
		mcp_queue_flush_one(m, ctx, sid);
	if (m->wait && m->wait->ctx == ctx && !strcmp(m->wait->sid, sid) &&
	    (st = cm_session_state_parse(state)) >= 0 && (m->wait->states & (1u << st))) {
		snprintf(m->wait->state, sizeof(m->wait->state), "%s", state);
		m->wait->hit = 1;
	}
}

/* ---- the tools ---------------------------------------------------------- */

/* list_sessions {context?}: the sessions of every allowed context (or one). */
static json_t *
mcp_tool_list(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"context", NULL};
	json_t *err = NULL, *out, *arr, *failed;
	const char *only;
	long want = -1;

	if ((err = mcp_refuse(m, PREFS_ACT_READ)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_str(args, "context", NAMES_CONTEXT_MAX, &only, &err) < 0 ||
	    (only && (want = mcp_ctx_index(m, only, &err)) < 0))
		return err;
	arr = json_array();
	failed = json_array();
	for (size_t i = 0; i < m->n; i++) {
		json_t *list = NULL, *s, *e = NULL;
		size_t k;
		int rc;

		if (want >= 0 && (size_t)want != i)
			continue;
		if (mcp_open(m, i, &e) < 0) {
			json_array_append_new(
			    failed,
			    json_pack("{s:s, s:O}", "context", m->cns[i].ctx.name, "message",
				      json_object_get(json_object_get(e, "structuredContent"),
						      "message")));
			json_decref(e);
			continue;
		}
		if ((rc = cm_client_list_sessions(m->cns[i].client, &list)) < 0) {
			json_array_append_new(failed, json_pack("{s:s, s:s}", "context",
								m->cns[i].ctx.name, "message",
								cm_client_error(m->cns[i].client)));
			continue;
		}
		json_array_foreach (list, k, s)
			json_array_append_new(arr, mcp_session_view(m->cns[i].ctx.name, s));
		json_decref(list);
	}
	out = json_pack("{s:o}", "sessions", arr);
	if (json_array_size(failed))
		json_object_set_new(out, "unreachable", failed);
	else
		json_decref(failed);
	return mcp_result(out, 0);
}

/* read_screen {session, lines?}: the screen (and history) as text. */
static json_t *
mcp_tool_read(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session", "lines", NULL};
	json_t *err = NULL;
	const char *sid;
	char *content = NULL;
	size_t ctx;
	long lines;
	int rc;

	if ((err = mcp_refuse(m, PREFS_ACT_READ)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_int(args, "lines", 1, PROTO_LINES_MAX, 0, &lines, &err) < 0 ||
	    mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	if ((rc = cm_client_capture(m->cns[ctx].client, sid, (int)lines, 0, &content)) < 0)
		return mcp_request_error(&m->cns[ctx], rc);
	err = mcp_result(json_pack("{s:s, s:s}", "session",
				   json_string_value(json_object_get(args, "session")), "screen",
				   content),
			 0);
	free(content);
	return err;
}

/*
 * read_transcript {session, tail?, format?, maxBytes?, cursor?}: what a
 * session's tool wrote, live or ended (the agent's transcript), one chunk;
 * "cursor" of a reply with "more" continues after it.
 */
static json_t *
mcp_tool_transcript(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session",	"tail",	  "format",
					    "maxBytes", "cursor", NULL};
	struct cm_read_opts o = {.from = -1, .to = -1};
	json_t *err = NULL, *chunk = NULL, *out;
	const char *sid, *format, *cursor;
	long tail, max_bytes;
	size_t ctx;
	int rc;

	if ((err = mcp_refuse(m, PREFS_ACT_READ)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_int(args, "tail", 1, 366L * 86400, 0, &tail, &err) < 0 ||
	    mcp_arg_int(args, "maxBytes", PROTO_TRANSCRIPT_CHUNK_MIN, PROTO_TRANSCRIPT_CHUNK_MAX, 0,
			&max_bytes, &err) < 0 ||
	    mcp_arg_str(args, "format", 4, &format, &err) < 0 ||
	    mcp_arg_str(args, "cursor", 40, &cursor, &err) < 0 ||
	    mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	if (format && strcmp(format, "text") != 0 && strcmp(format, "raw") != 0)
		return mcp_error("bad_argument", "format must be text or raw");
	if (cursor && tail)
		return mcp_error("bad_argument", "give tail or cursor, not both");
	o.tail = (double)tail;
	o.format = format;
	o.max_bytes = (int)max_bytes;
	o.cursor = cursor;
	if ((rc = cm_client_read_transcript(m->cns[ctx].client, sid, &o, &chunk)) < 0) {
		json_decref(chunk);
		return mcp_request_error(&m->cns[ctx], rc);
	}
	out = json_pack("{s:s, s:s, s:b}", "session",
			json_string_value(json_object_get(args, "session")), "data",
			mcp_str(chunk, "data") ? mcp_str(chunk, "data") : "", "more",
			json_is_true(json_object_get(chunk, "more")));
	if (mcp_str(chunk, "cursor"))
		json_object_set_new(out, "cursor", json_string(mcp_str(chunk, "cursor")));
	json_decref(chunk);
	return mcp_result(out, 0);
}

/* send_text {session, text, enter?}: typed now if idle, else queued until it is. */
static json_t *
mcp_tool_send(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session", "text", "enter", NULL};
	json_t *err = NULL, *s;
	const char *sid, *text, *state;
	size_t ctx, i;
	int enter, rc;

	if ((err = mcp_refuse(m, PREFS_ACT_SEND)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_str(args, "text", PROTO_KEYS_MAX, &text, &err) < 0 ||
	    mcp_arg_bool(args, "enter", 1, &enter, &err) < 0)
		return err;
	if (!text || !*text)
		return mcp_error("bad_argument", "text is required");
	if (mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	if (!(s = mcp_find_session(&m->cns[ctx], sid, &err)))
		return err;
	state = json_string_value(json_object_get(s, "state"));
	if (state && !strcmp(state, "exited")) {
		json_decref(s);
		return mcp_error("exited", "%s/%s has exited", m->cns[ctx].ctx.name, sid);
	}
	if (mcp_state_takes_input(state)) {
		json_decref(s);
		if ((rc = cm_client_send_keys(m->cns[ctx].client, sid, text, enter, NULL)) < 0)
			return mcp_request_error(&m->cns[ctx], rc);
		return mcp_result(json_pack("{s:b, s:b}", "sent", 1, "queued", 0), 0);
	}
	for (i = 0; i < MCP_QUEUE_MAX && m->queue[i].used; i++)
		;
	if (i == MCP_QUEUE_MAX) {
		json_decref(s);
		return mcp_error("queue_full", "%d texts already wait for their sessions",
				 MCP_QUEUE_MAX);
	}
	m->queue[i] = (struct mcp_queued){ctx, xstrdup(sid), xstrdup(text), enter, 1, m->seq++};
	err = mcp_result(json_pack("{s:b, s:b, s:s}", "sent", 0, "queued", 1, "state",
				   state ? state : "unknown"),
			 0);
	json_decref(s);
	return err;
}

/* Parses the "states" argument into bits of enum cm_session_state. */
static int
mcp_states_arg(const json_t *args, unsigned *bits, json_t **err)
{
	json_t *v = json_object_get(args, "states"), *e;
	size_t i;

	*bits = 0;
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16) {
		*err = mcp_error("bad_argument", "states must be a list of 1 to 16 state names");
		return -1;
	}
	json_array_foreach (v, i, e) {
		int st = cm_session_state_parse(json_string_value(e));
		if (st < 0) {
			*err = mcp_error("bad_argument", "states[%zu] is not a session state", i);
			return -1;
		}
		*bits |= 1u << st;
	}
	return 0;
}

/* wait_for_state {session, states, timeoutMs?}: waits until the session is in one. */
static json_t *
mcp_tool_wait(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session", "states", "timeoutMs", NULL};
	struct mcp_wait w;
	json_t *err = NULL, *s;
	const char *sid, *state;
	unsigned bits;
	long timeout;
	size_t ctx;
	int st, rc;

	if ((err = mcp_refuse(m, PREFS_ACT_READ)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 || mcp_states_arg(args, &bits, &err) < 0 ||
	    mcp_arg_int(args, "timeoutMs", 0, MCP_WAIT_MAX_MS, 30000, &timeout, &err) < 0 ||
	    mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.sid = sid;
	w.states = bits;
	/* Watching first, then looking: a change in between is not missed. */
	m->wait = &w;
	if (!(s = mcp_find_session(&m->cns[ctx], sid, &err))) {
		m->wait = NULL;
		return err;
	}
	state = json_string_value(json_object_get(s, "state"));
	if (!w.hit && (st = cm_session_state_parse(state)) >= 0 && (bits & (1u << st))) {
		snprintf(w.state, sizeof(w.state), "%s", state);
		w.hit = 1;
	}
	json_decref(s);
	rc = w.hit ? 0 : cm_loop_run_until(cli_loop(m->cli), &w.hit, (int)timeout);
	m->wait = NULL;
	if (!w.hit)
		return mcp_error(rc == CM_ERROR_TIMEOUT ? "timeout" : cm_error_name(rc),
				 "%s/%s did not reach the states in %ld ms", m->cns[ctx].ctx.name,
				 sid, timeout);
	return mcp_result(json_pack("{s:s}", "state", w.state), 0);
}

/* confirm {session, approve, prompt?}: answers the prompt as a person would. */
static json_t *
mcp_tool_confirm(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session", "approve", "prompt", NULL};
	json_t *err = NULL;
	const char *sid, *prompt;
	size_t ctx;
	int approve, rc;

	if ((err = mcp_refuse(m, PREFS_ACT_CONFIRM)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_str(args, "prompt", PROTO_FINGERPRINT_LEN, &prompt, &err) < 0)
		return err;
	if (!json_is_boolean(json_object_get(args, "approve")))
		return mcp_error("bad_argument", "approve (true or false) is required");
	approve = json_is_true(json_object_get(args, "approve"));
	if (mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	if ((rc = cm_client_confirm(m->cns[ctx].client, sid, approve, prompt)) < 0)
		return mcp_request_error(&m->cns[ctx], rc);
	return mcp_result(json_pack("{s:b}", approve ? "approved" : "denied", 1), 0);
}

/* Picks the best agent among the allowed contexts of pool (NULL: all); -1 with *err. */
static long
mcp_place(struct mcp *m, const char *pool, json_t **err)
{
	const json_t **infos = xcalloc(m->n, sizeof(*infos));
	json_t **owned = xcalloc(m->n, sizeof(*owned));
	size_t members = 0;
	long pick;

	for (size_t i = 0; i < m->n; i++) {
		json_t *e = NULL;
		if (pool && (!m->cns[i].ctx.pool || strcmp(m->cns[i].ctx.pool, pool)))
			continue;
		members++;
		if (mcp_open(m, i, &e) < 0) {
			json_decref(e);
			continue;
		}
		if (cm_client_agent_info(m->cns[i].client, &owned[i]) == 0)
			infos[i] = owned[i];
	}
	pick = members ? place_pick(infos, m->n) : -1;
	for (size_t i = 0; i < m->n; i++)
		json_decref(owned[i]);
	free(infos);
	free(owned);
	if (pick < 0)
		*err = members
			   ? mcp_error("no_agent", "no agent of %s%s can take a session",
				       pool ? "pool " : "the allowed contexts", pool ? pool : "")
			   : mcp_error("unknown_pool", "no allowed context is in pool \"%s\"",
				       pool ? pool : "");
	return pick;
}

/* start_session {tool, task?, context?, pool?, path?, autoConfirm?, worktree?}. */
static json_t *
mcp_tool_start(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"tool", "task",	   "context",  "pool",
					    "path", "autoConfirm", "worktree", NULL};
	static const char *const wt_known[] = {"branch", "base", NULL};
	const char *tool, *task, *ctxname, *pool, *path, *branch = NULL, *base = NULL;
	json_t *err = NULL, *reply = NULL, *out, *req, *wt = json_object_get(args, "worktree");
	int auto_confirm, rc;
	long ctx;

	if ((err = mcp_refuse(m, PREFS_ACT_START)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 ||
	    mcp_arg_str(args, "tool", 32, &tool, &err) < 0 ||
	    mcp_arg_str(args, "task", PROTO_TASK_MAX, &task, &err) < 0 ||
	    mcp_arg_str(args, "context", NAMES_CONTEXT_MAX, &ctxname, &err) < 0 ||
	    mcp_arg_str(args, "pool", NAMES_CONTEXT_MAX, &pool, &err) < 0 ||
	    mcp_arg_str(args, "path", 4096, &path, &err) < 0 ||
	    mcp_arg_bool(args, "autoConfirm", m->cli->prefs.auto_confirm, &auto_confirm, &err) < 0)
		return err;
	if (!tool || !names_tool_valid(tool))
		return mcp_error("bad_argument", "tool must be a tool name (see cm tools)");
	/* A git worktree of its own: the agent checks the names (refname rules). */
	if (wt && !json_is_null(wt) &&
	    (!json_is_object(wt) || mcp_args_known(wt, wt_known, &err) < 0 ||
	     mcp_arg_str(wt, "branch", 255, &branch, &err) < 0 ||
	     mcp_arg_str(wt, "base", 255, &base, &err) < 0))
		return err ? err : mcp_error("bad_argument", "worktree must be {branch?, base?}");
	if (ctxname && pool)
		return mcp_error("bad_argument", "give context or pool, not both");
	if (pool && !names_context_valid(pool))
		return mcp_error("bad_argument", "pool must be a pool name");
	if (path && path[0] != '/')
		return mcp_error("bad_argument", "path must be absolute");
	if (!ctxname && !pool) {
		ctxname = m->cli->prefs.context;
		pool = ctxname ? NULL : m->cli->prefs.pool;
	}
	if (ctxname)
		ctx = mcp_ctx_index(m, ctxname, &err);
	else
		ctx = mcp_place(m, pool, &err);
	if (ctx < 0 || mcp_open(m, (size_t)ctx, &err) < 0)
		return err;
	if (!path)
		path = m->cns[ctx].ctx.path;
	req = cm_request_create_session(tool, task, path, auto_confirm);
	if (wt && !json_is_null(wt) && cm_request_set_worktree(req, branch, base) < 0) {
		json_decref(req);
		return mcp_error("bad_argument", "worktree.branch or worktree.base is not valid");
	}
	rc = cm_client_call(m->cns[ctx].client, req, &reply);
	if (rc < 0) {
		json_decref(reply);
		return mcp_request_error(&m->cns[ctx], rc);
	}
	out = mcp_session_view(m->cns[ctx].ctx.name, reply);
	json_decref(reply);
	return mcp_result(out, 0);
}

/* kill_session {session}. */
static json_t *
mcp_tool_kill(struct mcp *m, const json_t *args)
{
	static const char *const known[] = {"session", NULL};
	json_t *err = NULL;
	const char *sid;
	size_t ctx;
	int rc;

	if ((err = mcp_refuse(m, PREFS_ACT_KILL)))
		return err;
	if (mcp_args_known(args, known, &err) < 0 || mcp_session_arg(m, args, &ctx, &sid, &err) < 0)
		return err;
	if ((rc = cm_client_kill_session(m->cns[ctx].client, sid)) < 0)
		return mcp_request_error(&m->cns[ctx], rc);
	mcp_queue_drop(m, (size_t)ctx, sid);
	return mcp_result(json_pack("{s:b}", "killed", 1), 0);
}

/* ---- the table ---------------------------------------------------------- */

/* One tool: its name, what it needs, its description and input schema (JSON text). */
static const struct mcp_tool {
	const char *name;
	int action; /* enum prefs_action */
	json_t *(*fn)(struct mcp *m, const json_t *args);
	const char *description;
	const char *schema;
} mcp_tools[] = {
    {"list_sessions", PREFS_ACT_READ, mcp_tool_list,
     "Lists the sessions of every allowed context (or of one): session (CTX/ID), tool, "
     "state, task, path, and the prompt a waiting session shows.",
     "{\"type\":\"object\",\"properties\":{\"context\":{\"type\":\"string\"}},"
     "\"additionalProperties\":false}"},
    {"read_screen", PREFS_ACT_READ, mcp_tool_read,
     "Reads a session's screen as text, with lines of history if asked.",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\",\"description\":"
     "\"CTX/ID\"},\"lines\":{\"type\":\"integer\",\"minimum\":1}},\"required\":[\"session\"],"
     "\"additionalProperties\":false}"},
    {"read_transcript", PREFS_ACT_READ, mcp_tool_transcript,
     "Reads what a session's tool wrote, live or after it ended (the agent's transcript): "
     "the last tail seconds, or all of it, as text (escapes removed) or raw; a reply with "
     "more: true continues with its cursor.",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},\"tail\":{"
     "\"type\":\"integer\",\"minimum\":1},\"format\":{\"enum\":[\"text\",\"raw\"]},"
     "\"maxBytes\":{\"type\":\"integer\"},\"cursor\":{\"type\":\"string\"}},\"required\":["
     "\"session\"],\"additionalProperties\":false}"},
    {"wait_for_state", PREFS_ACT_READ, mcp_tool_wait,
     "Waits until a session is in one of the given states (idle, thinking, editing, running, "
     "waiting_confirm, done, error, exited), at most timeoutMs (default 30000).",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},\"states\":{"
     "\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"timeoutMs\":{\"type\":\"integer\","
     "\"minimum\":0,\"maximum\":600000}},\"required\":[\"session\",\"states\"],"
     "\"additionalProperties\":false}"},
    {"start_session", PREFS_ACT_START, mcp_tool_start,
     "Starts a tool (see cm tools) on a task, on a context or on the best agent of a pool. "
     "Needs mcp.actions \"start\".",
     "{\"type\":\"object\",\"properties\":{\"tool\":{\"type\":\"string\"},\"task\":{\"type\":"
     "\"string\"},\"context\":{\"type\":\"string\"},\"pool\":{\"type\":\"string\"},\"path\":{"
     "\"type\":\"string\"},\"autoConfirm\":{\"type\":\"boolean\"},\"worktree\":{\"type\":"
     "\"object\",\"description\":\"a git worktree of its own: branch (new from base, or "
     "existing) and base\",\"properties\":{\"branch\":{\"type\":\"string\"},\"base\":{"
     "\"type\":\"string\"}},\"additionalProperties\":false}},\"required\":[\"tool\"],"
     "\"additionalProperties\":false}"},
    {"send_text", PREFS_ACT_SEND, mcp_tool_send,
     "Types text into a session (then Enter unless enter is false). A session that is "
     "working or waiting on a prompt is never typed over: the text is queued and typed when "
     "it is next idle. Needs mcp.actions \"send\".",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},\"text\":{"
     "\"type\":\"string\"},\"enter\":{\"type\":\"boolean\"}},\"required\":[\"session\","
     "\"text\"],\"additionalProperties\":false}"},
    {"confirm", PREFS_ACT_CONFIRM, mcp_tool_confirm,
     "Approves or denies the prompt a session waits on, through the agent's policy and "
     "audit log (prompt: the fingerprint list_sessions shows, to answer only that prompt). "
     "Needs mcp.actions \"confirm\".",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"},\"approve\":{"
     "\"type\":\"boolean\"},\"prompt\":{\"type\":\"string\"}},\"required\":[\"session\","
     "\"approve\"],\"additionalProperties\":false}"},
    {"kill_session", PREFS_ACT_KILL, mcp_tool_kill,
     "Ends a session and its tmux server. Needs mcp.actions \"kill\".",
     "{\"type\":\"object\",\"properties\":{\"session\":{\"type\":\"string\"}},\"required\":["
     "\"session\"],\"additionalProperties\":false}"},
};

#define MCP_NTOOLS (sizeof(mcp_tools) / sizeof(mcp_tools[0]))

/* The tools/list result. */
json_t *
mcp_tools_list(const struct mcp *m)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < MCP_NTOOLS; i++) {
		const struct mcp_tool *t = &mcp_tools[i];
		json_t *schema = json_loads(t->schema, 0, NULL);
		int ro = t->action == PREFS_ACT_READ;

		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:o, s:{s:b, s:b}}", "name", t->name,
						"description", t->description, "inputSchema",
						schema, "annotations", "readOnlyHint", ro,
						"destructiveHint", t->action == PREFS_ACT_KILL));
	}
	(void)m;
	return json_pack("{s:o}", "tools", arr);
}

/* Runs a tools/call. */
json_t *
mcp_tools_call(struct mcp *m, const char *name, const json_t *args)
{
	json_t *empty = NULL, *r;

	for (size_t i = 0; i < MCP_NTOOLS; i++) {
		if (strcmp(mcp_tools[i].name, name))
			continue;
		if (!args)
			args = empty = json_object();
		r = mcp_tools[i].fn(m, args);
		json_decref(empty);
		return r;
	}
	return NULL;
}

/* Creates the state: a connection slot per allowed context. */
struct mcp *
mcp_new(struct cli *cli)
{
	struct mcp *m = xcalloc(1, sizeof(*m));
	size_t n = contexts_count(&cli->contexts);

	m->cli = cli;
	m->cns = xcalloc(n ? n : 1, sizeof(*m->cns));
	m->opened = xcalloc(n ? n : 1, sizeof(*m->opened));
	for (size_t i = 0; i < n; i++) {
		struct ctx x;
		char err[256];
		if (contexts_at(&cli->contexts, i, &x, err, sizeof(err)) < 0 ||
		    !prefs_mcp_context_allowed(&cli->prefs, x.name))
			continue;
		m->cns[m->n++].ctx = x;
	}
	m->hooks.reconnect = 1;
	m->hooks.on_event = mcp_on_event;
	m->hooks.arg = m;
	return m;
}

/* Frees everything. */
void
mcp_free(struct mcp *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->opened[i])
			conn_close(&m->cns[i]);
	for (size_t i = 0; i < MCP_QUEUE_MAX; i++) {
		free(m->queue[i].sid);
		free(m->queue[i].text);
	}
	free(m->cns);
	free(m->opened);
	free(m);
}
