/*
 * test-dispatch: the transport layer over real WebSockets on 127.0.0.1,
 * with the session layer below it running against a scripted tmux
 * (../sessions/scripted-tmux.h): authentication before anything else,
 * replies carrying the request's id, a session's creation answered to its
 * requester (with the seq) while every other authenticated client gets the
 * event once and an unauthenticated one nothing, tmux's refusal of a
 * request answered as an error naming the request, and kill.
 *
 * The clients are a second lws context in the same thread; both loops are
 * turned by pump().
 */
#include "../sessions/scripted-tmux.h"

#include "agent/screen/tools.h"
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/gate.h"
#include "agent/transport/listener.h"
#include "proto/message.h"

#define TOKEN "test-token-0123456789abcdef0123456789"

static struct agent ag;
static char *profile_dirs[] = {CM_SOURCE_DIR "/tests/profiles"};
static struct lws_context *cctx; /* the clients' loop */

struct client {
	struct lws *wsi; /* NULL once closed */
	int established; /* the upgrade went through */
	int closed;	 /* the agent closed it */
	json_t *got;	 /* every text message received, in order */
	struct buf rx;	 /* a message being reassembled */
	char *out[16];	 /* messages waiting to be sent */
	size_t n_out;	 /* entries in out */
};

static int
client_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct client *c = lws_get_opaque_user_data(wsi);
	unsigned char frame[LWS_PRE + 4096];
	size_t n;

	(void)user;
	if (c == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = 1;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		buf_append(&c->rx, in, len);
		if (lws_is_final_fragment(wsi)) {
			if (!lws_frame_is_binary(wsi)) {
				json_t *o = json_loadb(c->rx.data, c->rx.len, 0, NULL);

				assert_non_null(o);
				json_array_append_new(c->got, o);
			}
			buf_reset(&c->rx);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->n_out == 0)
			break;
		n = strlen(c->out[0]);
		assert_true(n <= sizeof frame - LWS_PRE);
		memcpy(frame + LWS_PRE, c->out[0], n);
		if (lws_write(wsi, frame + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
			return -1;
		free(c->out[0]);
		memmove(c->out, c->out + 1, --c->n_out * sizeof c->out[0]);
		if (c->n_out > 0)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->closed = 1;
		c->wsi = NULL;
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols client_protocols[] = {
    {"test-client", client_cb, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* One turn of both loops and of the scripted tmux. */
static void
pump(void)
{
	st_deliver();
	lws_service(ag.lws, -1);
	lws_service(cctx, -1);
	st_deliver();
	usleep(200);
}

static void
pump_ms(long ms)
{
	uint64_t end = st_now_ms() + (uint64_t)ms;

	while (st_now_ms() < end)
		pump();
}

/* Connects a client and waits for the upgrade. */
static void
client_open(struct client *c)
{
	struct lws_client_connect_info ci;
	char host[64];
	uint64_t end;

	memset(c, 0, sizeof *c);
	c->got = json_array();
	buf_init(&c->rx, 1 << 20);
	snprintf(host, sizeof host, "127.0.0.1:%d", ag.port);
	memset(&ci, 0, sizeof ci);
	ci.context = cctx;
	ci.address = "127.0.0.1";
	ci.port = ag.port;
	ci.path = "/";
	ci.host = host;
	ci.local_protocol_name = "test-client";
	ci.opaque_user_data = c;
	ci.pwsi = &c->wsi;
	assert_non_null(lws_client_connect_via_info(&ci));
	for (end = st_now_ms() + 5000; !c->established && !c->closed && st_now_ms() < end;)
		pump();
	assert_true(c->established);
}

static void
client_close(struct client *c)
{
	if (c->wsi != NULL) {
		lws_set_opaque_user_data(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	for (size_t i = 0; i < c->n_out; i++)
		free(c->out[i]);
	json_decref(c->got);
	buf_release(&c->rx);
	pump_ms(20);
}

/* Sends one text message (a printf format). */
static void __attribute__((format(printf, 2, 3)))
client_send(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	assert_true(c->n_out < 16);
	c->out[c->n_out++] = text;
	lws_callback_on_writable(c->wsi);
}

/* How many messages of a type c got. */
static int
client_count(struct client *c, const char *type)
{
	size_t i;
	json_t *o;
	int n = 0;

	json_array_foreach (c->got, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			n++;
	return n;
}

/* Waits (at most 5 s) for the first message of a type; NULL if none came. */
static json_t *
client_wait(struct client *c, const char *type)
{
	uint64_t end = st_now_ms() + 5000;

	do {
		size_t i;
		json_t *o;

		json_array_foreach (c->got, i, o)
			if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
				return o;
		pump();
	} while (st_now_ms() < end);
	return NULL;
}

/* Connects and authenticates. */
static void
client_login(struct client *c)
{
	client_open(c);
	client_send(c, "{\"auth_token\": \"%s\", \"id\": 1}", TOKEN);
	assert_non_null(client_wait(c, "authenticated"));
}

/* The agent's transport and session layers as main.c wires them, tmux scripted. */
static int
setup(void **state)
{
	struct lws_context_creation_info info;
	char path[128];

	(void)state;
	memset(&st, 0, sizeof st);
	st_tearing_down = 0;
	/* A scripted pane has no process: pane_dead comes through the subscription. */
	setenv("CM_AGENT_NO_PIDFD", "1", 1);
	lws_set_log_level(0, NULL);
	log_set_level(LOG_LEVEL_ERROR);
	snprintf(st_dir, sizeof st_dir, "/tmp/cm-test-transport-XXXXXX");
	assert_non_null(mkdtemp(st_dir));
	snprintf(path, sizeof path, "%s/sessions", st_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	memset(&ag, 0, sizeof ag);
	agent_self = &ag;
	TAILQ_INIT(&ag.conns);
	sessions_init(&ag.sessions);
	config_init(&ag.cfg);
	ag.cfg.port = 0;
	free(ag.cfg.bind);
	ag.cfg.bind = xstrdup("127.0.0.1");
	ag.cfg.token = xstrdup(TOKEN);
	ag.cfg.state_dir = xstrdup(st_dir);
	ag.cfg.socket_dir = xstrdup(st_dir);
	auth_init(&ag.auth, ag.cfg.token);
	/* Test profiles whose programs exist (cat): tools not installed are refused. */
	tools_load(profile_dirs, 1);
	bus_init(&ag.sessions.bus, 64, NULL);
	bus_add_sink(&ag.sessions.bus, "clients", conn_fanout, &ag);
	assert_int_equal(listener_start(&ag), 0);
	ag.sessions.cfg = &ag.cfg;
	ag.sessions.lws = ag.lws;
	ag.sessions.vhost = ag.vhost;
	ag.sessions.link = &st_link;
	st_lws = ag.lws;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = client_protocols;
	cctx = lws_create_context(&info);
	assert_non_null(cctx);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	st_tearing_down = 1;
	lws_context_destroy(cctx);
	session_detach_all(&ag.sessions);
	st_deliver();
	listener_stop(&ag);
	bus_release(&ag.sessions.bus);
	tools_release();
	st_script_free();
	nftw(st_dir, st_unlink, 8, FTW_DEPTH | FTW_PHYS);
	config_release(&ag.cfg);
	return 0;
}

/* Nothing but the token before authenticating; then replies carry their ids. */
static void
test_auth_then_requests(void **state)
{
	struct client c;
	json_t *r;

	(void)state;
	client_open(&c);
	client_send(&c, "{\"action\": \"ping\", \"id\": \"p1\"}");
	r = client_wait(&c, "error");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "code")), "auth_required");
	assert_string_equal(json_string_value(json_object_get(r, "id")), "p1");
	client_send(&c, "{\"auth_token\": \"%s\", \"id\": 1}", TOKEN);
	r = client_wait(&c, "authenticated");
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	client_send(&c, "{\"action\": \"ping\", \"id\": 2}");
	r = client_wait(&c, "pong");
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 2);
	client_send(&c, "{\"action\": \"no_such\", \"id\": 3}");
	client_send(&c, "{\"action\": \"list_sessions\", \"id\": 4}");
	r = client_wait(&c, "session_list");
	assert_non_null(r);
	assert_int_equal(json_array_size(json_object_get(r, "sessions")), 0);
	assert_int_equal(client_count(&c, "error"), 2);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(c.got, json_array_size(c.got) - 2), "code")),
			    "unknown_action");
	client_close(&c);
}

/* Waits (at most 5 s) for the reply with integer id; NULL if none came. */
static json_t *
client_wait_id(struct client *c, json_int_t id)
{
	uint64_t end = st_now_ms() + 5000;

	do {
		size_t i;
		json_t *o;

		json_array_foreach (c->got, i, o)
			if (json_integer_value(json_object_get(o, "id")) == id)
				return o;
		pump();
	} while (st_now_ms() < end);
	return NULL;
}

/* Asserts that the reply to id is an error of code with message text. */
static void
assert_error(struct client *c, json_int_t id, const char *code, const char *text)
{
	json_t *r = client_wait_id(c, id);

	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "type")), "error");
	assert_string_equal(json_string_value(json_object_get(r, "code")), code);
	assert_string_equal(json_string_value(json_object_get(r, "message")), text);
}

/*
 * Requests are checked against the protocol table before their handler
 * runs, with its texts (the ones libcm gives), except that a string that
 * is not a session id is bad_session_id whatever its length.
 */
static void
test_table_validation(void **state)
{
	struct client c;

	(void)state;
	client_login(&c);
	client_send(&c, "{\"action\": \"ping\", \"id\": 10, \"x\": 1}");
	assert_error(&c, 10, "bad_request", "ping: unknown field \"x\"");
	client_send(&c, "{\"action\": \"resize\", \"id\": 11, \"sessionId\": \"cm-1\", "
			"\"cols\": 5, \"rows\": 10}");
	assert_error(&c, 11, "bad_request", "\"cols\" must be 10..1000");
	client_send(&c, "{\"action\": \"kill_session\", \"id\": 12}");
	assert_error(&c, 12, "bad_request", "kill_session: missing \"sessionId\"");
	client_send(&c, "{\"action\": \"kill_session\", \"id\": 13, \"sessionId\": \"cm-1x\"}");
	assert_error(&c, 13, "bad_session_id", "invalid session id (expected cm-<digits>)");
	client_send(&c, "{\"action\": \"kill_session\", \"id\": 14, \"sessionId\": \"cm-%0100d\"}",
		    1);
	assert_error(&c, 14, "bad_session_id", "invalid session id (expected cm-<digits>)");
	client_send(&c, "{\"action\": \"create_session\", \"id\": 15, \"tool\": \"cat\", "
			"\"context\": {\"path\": 7}}");
	assert_error(&c, 15, "bad_request", "\"context.path\" must be a string");
	client_send(&c, "{\"action\": \"confirm\", \"id\": 16, \"sessionId\": \"cm-1\", "
			"\"approve\": true, \"prompt\": \"abc\"}");
	assert_error(&c, 16, "bad_request", "\"prompt\" must be 16 bytes");
	client_send(&c, "{\"action\": \"subscribe\", \"id\": 17, \"since\": -2}");
	assert_error(&c, 17, "bad_request", "\"since\" must be at least -1");
	client_send(&c, "{\"auth_token\": \"%s\", \"id\": 18, \"extra\": 1}", TOKEN);
	assert_error(&c, 18, "bad_request", "auth: unknown field \"extra\"");
	assert_string_equal(json_string_value(json_object_get(client_wait_id(&c, 18), "action")),
			    "auth");
	/* Nothing was created or killed, and the connection still serves. */
	client_send(&c, "{\"action\": \"list_sessions\", \"id\": 19}");
	assert_int_equal(json_array_size(json_object_get(client_wait_id(&c, 19), "sessions")), 0);
	client_close(&c);
}

/*
 * create_session: the requester's reply is the event with its id and seq;
 * every other authenticated client gets the event once; a client that has
 * not authenticated gets nothing.
 */
static void
test_create_session_fanout(void **state)
{
	struct client a, b, stranger;
	json_t *reply, *ev;

	(void)state;
	client_login(&a);
	client_login(&b);
	client_open(&stranger);
	client_send(&a,
		    "{\"action\": \"create_session\", \"id\": 7, \"tool\": \"cat\","
		    " \"task\": \"fix it\", \"context\": {\"path\": \"%s\"}}",
		    st_dir);
	while (!st.spawned)
		pump();
	/* Nothing is answered before tmux has created the session. */
	pump_ms(20);
	assert_int_equal(client_count(&a, "session_created"), 0);
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_expect(ST_READ_SCREEN, "");
	st_expect(ST_READ_DEAD, "0 ");
	st_initial(0, "");
	reply = client_wait(&a, "session_created");
	ev = client_wait(&b, "session_created");
	assert_non_null(reply);
	assert_non_null(ev);
	assert_int_equal(json_integer_value(json_object_get(reply, "id")), 7);
	assert_null(json_object_get(ev, "id"));
	assert_int_equal(json_integer_value(json_object_get(reply, "seq")),
			 json_integer_value(json_object_get(ev, "seq")));
	assert_string_equal(json_string_value(json_object_get(reply, "sessionId")),
			    json_string_value(json_object_get(ev, "sessionId")));
	pump_ms(50);
	/* Once each: the requester does not get the event besides its reply. */
	assert_int_equal(client_count(&a, "session_created"), 1);
	assert_int_equal(client_count(&b, "session_created"), 1);
	assert_int_equal(json_array_size(stranger.got), 0);
	client_close(&a);
	client_close(&b);
	client_close(&stranger);
}

/* A request tmux refuses is answered with an error naming it, with its id. */
static void
test_tmux_error_reply(void **state)
{
	struct client a;
	json_t *r;
	const char *sid;

	(void)state;
	client_login(&a);
	client_send(&a,
		    "{\"action\": \"create_session\", \"id\": 1, \"tool\": \"cat\","
		    " \"context\": {\"path\": \"%s\"}}",
		    st_dir);
	while (!st.spawned)
		pump();
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_expect(ST_READ_SCREEN, "");
	st_expect(ST_READ_DEAD, "0 ");
	st_initial(0, "");
	r = client_wait(&a, "session_created");
	assert_non_null(r);
	sid = json_string_value(json_object_get(r, "sessionId"));
	pump_ms(20);
	st_expect_err("capture-pane -p -S -4", CM_ETMUX, "can't find pane");
	client_send(&a,
		    "{\"action\": \"capture_pane\", \"id\": \"c1\", \"sessionId\": \"%s\","
		    " \"lines\": 44}",
		    sid);
	r = client_wait(&a, "error");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "code")), "tmux_failed");
	assert_string_equal(json_string_value(json_object_get(r, "action")), "capture_pane");
	assert_string_equal(json_string_value(json_object_get(r, "id")), "c1");
	assert_string_equal(json_string_value(json_object_get(r, "message")), "can't find pane");
	client_close(&a);
}

/* kill_session: answered when tmux has gone, and the others hear of it. */
static void
test_kill_session(void **state)
{
	struct client a, b;
	json_t *r;
	char sid[64];

	(void)state;
	client_login(&a);
	client_login(&b);
	client_send(&a,
		    "{\"action\": \"create_session\", \"id\": 1, \"tool\": \"cat\","
		    " \"context\": {\"path\": \"%s\"}}",
		    st_dir);
	while (!st.spawned)
		pump();
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_expect(ST_READ_SCREEN, "");
	st_expect(ST_READ_DEAD, "0 ");
	st_initial(0, "");
	r = client_wait(&a, "session_created");
	assert_non_null(r);
	snprintf(sid, sizeof sid, "%s", json_string_value(json_object_get(r, "sessionId")));
	pump_ms(20);
	st_expect("kill-server", "");
	client_send(&a, "{\"action\": \"kill_session\", \"id\": 9, \"sessionId\": \"%s\"}", sid);
	while (!st_script_done())
		pump();
	pump_ms(20);
	assert_int_equal(client_count(&a, "session_killed"), 0);
	st_closed();
	r = client_wait(&a, "session_killed");
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
	assert_non_null(client_wait(&b, "session_killed"));
	pump_ms(20);
	assert_int_equal(client_count(&a, "session_killed"), 1);
	assert_int_equal(ag.sessions.n, 0);
	client_close(&a);
	client_close(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_auth_then_requests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_session_fanout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tmux_error_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kill_session, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
