/*
 * test-lib: what libcm takes from the protocol table: the request builders
 * (exact wire form, refusals), the check of requests before they are sent,
 * and the error and state enums with their names. Exchanges with a real
 * agent are tested by tests/integration (test-cli-*, test-cli-example).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cm.h"

/* Compares a request (taken) with its expected compact, key-sorted JSON; checks its shape. */
static void
assert_req(json_t *req, const char *want)
{
	char *s;

	assert_non_null(req);
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, want);
	assert_int_equal(cm_message_validate(req, 0, NULL, 0), 0);
	free(s);
	json_decref(req);
}

/* The builders write what the CLI and libcm wrote by hand before, byte for byte. */
static void
test_builders_wire(void **state)
{
	(void)state;
	assert_req(cm_request_create_session("claude", "Fix it", "/tmp", 1),
		   "{\"action\":\"create_session\",\"autoConfirm\":true,\"context\":{\"path\":"
		   "\"/tmp\"},\"task\":\"Fix it\",\"tool\":\"claude\"}");
	assert_req(
	    cm_request_create_session("fake", NULL, "/w", -1),
	    "{\"action\":\"create_session\",\"context\":{\"path\":\"/w\"},\"tool\":\"fake\"}");
	/* An empty path is sent as given (the agent says bad_path). */
	assert_req(cm_request_create_session("fake", NULL, "", -1),
		   "{\"action\":\"create_session\",\"context\":{\"path\":\"\"},\"tool\":\"fake\"}");
	assert_req(cm_request_send_keys("cm-1", "ab", 2, 1, "Escape"),
		   "{\"action\":\"send_keys\",\"enter\":true,\"key\":\"Escape\",\"keys\":\"ab\","
		   "\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_send_keys("cm-1", "a\0b", 3, 0, NULL),
		   "{\"action\":\"send_keys\",\"keys\":\"a\\u0000b\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_capture("cm-1", 0, 0),
		   "{\"action\":\"capture_pane\",\"sessionId\":\"cm-1\"}");
	assert_req(
	    cm_request_capture("cm-1", 50, 1),
	    "{\"action\":\"capture_pane\",\"escapes\":true,\"lines\":50,\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_kill_session("cm-1"),
		   "{\"action\":\"kill_session\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_subscribe(-1), "{\"action\":\"subscribe\"}");
	assert_req(cm_request_subscribe(42), "{\"action\":\"subscribe\",\"since\":42}");
	assert_req(cm_request_subscribe_output("cm-1"),
		   "{\"action\":\"subscribe_output\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_unsubscribe_output("cm-1"),
		   "{\"action\":\"unsubscribe_output\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_resize("cm-1", 100, 30),
		   "{\"action\":\"resize\",\"cols\":100,\"rows\":30,\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_confirm("cm-1", 0, "5f2c9a01d3e4b7a8"),
		   "{\"action\":\"confirm\",\"approve\":false,\"prompt\":\"5f2c9a01d3e4b7a8\","
		   "\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_confirm("cm-1", 1, NULL),
		   "{\"action\":\"confirm\",\"approve\":true,\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_set_auto_confirm("cm-1", 1),
		   "{\"action\":\"set_auto_confirm\",\"enabled\":true,\"sessionId\":\"cm-1\"}");
	assert_req(cm_request("list_sessions"), "{\"action\":\"list_sessions\"}");
	assert_req(cm_request("ping"), "{\"action\":\"ping\"}");
	assert_req(cm_request_diff("cm-1", 0, 0), "{\"action\":\"diff\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_diff("cm-1", 2, 1),
		   "{\"action\":\"diff\",\"sessionId\":\"cm-1\",\"stat\":true,\"turn\":2}");
	assert_req(cm_request_merge("cm-1", "squash"),
		   "{\"action\":\"merge\",\"mode\":\"squash\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request_merge("cm-1", NULL), "{\"action\":\"merge\",\"sessionId\":\"cm-1\"}");
	assert_req(cm_request("list_worktrees"), "{\"action\":\"list_worktrees\"}");
	assert_req(cm_request_clean_worktrees(NULL, 0), "{\"action\":\"clean_worktrees\"}");
	assert_req(cm_request_clean_worktrees("cm-1", 1),
		   "{\"action\":\"clean_worktrees\",\"force\":true,\"sessionId\":\"cm-1\"}");
	{
		json_t *r = cm_request_create_session("fake", NULL, "/w", -1);

		assert_int_equal(cm_request_set_worktree(r, "feat/x", "main"), 0);
		assert_req(r, "{\"action\":\"create_session\",\"context\":{\"path\":\"/w\"},"
			      "\"tool\":\"fake\",\"worktree\":{\"base\":\"main\",\"branch\":"
			      "\"feat/x\"}}");
	}
	{
		json_t *r = cm_request_create_session("fake", NULL, "/w", -1);

		assert_int_equal(cm_request_set_worktree(r, NULL, NULL), 0);
		assert_req(r, "{\"action\":\"create_session\",\"context\":{\"path\":\"/w\"},"
			      "\"tool\":\"fake\",\"worktree\":{}}");
	}
}

/* What cannot be encoded gives NULL; auth and unknown actions are no requests. */
static void
test_builders_refuse(void **state)
{
	(void)state;
	assert_null(cm_request_kill_session(NULL));
	assert_null(cm_request_resize(NULL, 80, 24));
	assert_null(cm_request_create_session(NULL, "t", "/", -1));
	assert_null(cm_request_create_session("claude", "bad \xff utf-8", "/", -1));
	assert_null(cm_request_send_keys("cm-1", "\xc3", 1, 0, NULL));
	assert_null(cm_request("auth"));
	assert_null(cm_request("make_coffee"));
	assert_null(cm_request(NULL));
	assert_null(cm_request_diff(NULL, 0, 0));
	assert_null(cm_request_merge("cm-1", "bad \xff"));
	assert_int_equal(cm_request_set_worktree(NULL, "x", NULL), CM_ERROR_INVALID);
}

/* cm_message_validate: the table's verdict, with a reason. */
static void
test_validate(void **state)
{
	char why[256];
	json_t *j;

	(void)state;
	j = json_pack("{s:s, s:s, s:s}", "action", "resize", "sessionId", "cm-1", "cols", "80");
	assert_int_equal(cm_message_validate(j, 0, why, sizeof why), CM_ERROR_BAD_REQUEST);
	assert_string_equal(why, "\"cols\" must be an integer");
	json_decref(j);
	j = json_pack("{s:s, s:s, s:i, s:i}", "action", "resize", "sessionId", "cm-1", "cols", 5,
		      "rows", 30);
	assert_int_equal(cm_message_validate(j, 0, why, sizeof why), 0);
	assert_string_equal(why, "");
	assert_int_equal(cm_message_validate(j, 1, why, sizeof why), CM_ERROR_BAD_REQUEST);
	json_decref(j);
	j = json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", "busy", "message", "m",
		      "action", "confirm");
	assert_int_equal(cm_message_validate(j, 1, NULL, 0), 0);
	json_decref(j);
}

/* A request the table refuses is not sent; a good one gets as far as the connection. */
static void
test_send_checks(void **state)
{
	struct cm_client_opts o;
	struct cm_loop *loop;
	struct cm_client *c;

	(void)state;
	loop = cm_loop_new();
	assert_non_null(loop);
	memset(&o, 0, sizeof o);
	o.token = "token";
	o.port = 1;
	c = cm_client_new(loop, &o);
	assert_non_null(c);
	assert_int_equal(
	    cm_client_send(c, json_pack("{s:s, s:b}", "action", "ping", "loud", 1), NULL, NULL),
	    CM_ERROR_BAD_REQUEST);
	assert_non_null(strstr(cm_client_error(c), "request not sent: ping: unknown field"));
	assert_int_equal(cm_client_send(c, json_pack("{s:s}", "action", "nap"), NULL, NULL),
			 CM_ERROR_BAD_REQUEST);
	assert_int_equal(cm_client_send(c, NULL, NULL, NULL), CM_ERROR_INVALID);
	assert_int_equal(cm_client_send(c, cm_request_kill_session(NULL), NULL, NULL),
			 CM_ERROR_INVALID);
	/* Valid, but the client never connected. */
	assert_int_equal(cm_client_send(c, cm_request("ping"), NULL, NULL), CM_ERROR_CLOSED);
	assert_int_equal(cm_client_kill_session(c, "cm-1"), CM_ERROR_CLOSED);
	cm_client_free(c);
	cm_loop_free(loop);
}

/* Every error code has a stable name that parses back to it. */
static void
test_error_names(void **state)
{
	static const int wire[] = {
	    CM_ERROR_BAD_JSON,	      CM_ERROR_NOT_OBJECT,     CM_ERROR_BINARY_FRAME,
	    CM_ERROR_TOO_LARGE,	      CM_ERROR_UNKNOWN_ACTION, CM_ERROR_BAD_REQUEST,
	    CM_ERROR_AUTH_REQUIRED,   CM_ERROR_AUTH_FAILED,    CM_ERROR_BAD_SESSION_ID,
	    CM_ERROR_UNKNOWN_SESSION, CM_ERROR_BAD_PATH,       CM_ERROR_UNKNOWN_TOOL,
	    CM_ERROR_LIMIT_REACHED,   CM_ERROR_TMUX_FAILED,    CM_ERROR_SESSION_EXITED,
	    CM_ERROR_NO_PROMPT,	      CM_ERROR_PROMPT_CHANGED, CM_ERROR_BUSY,
	    CM_ERROR_RATE_LIMITED,    CM_ERROR_INTERNAL,       CM_ERROR_TIMEOUT,
	    CM_ERROR_CLOSED,	      CM_ERROR_CONNECT_FAILED, CM_ERROR_INVALID,
	};

	(void)state;
	for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++) {
		const char *name = cm_error_name(wire[i]);

		assert_true(wire[i] < 0);
		assert_int_equal(cm_error_parse(name), wire[i]);
		assert_string_not_equal(cm_error_text(wire[i]), "unknown error");
	}
	assert_string_equal(cm_error_name(CM_ERROR_BUSY), "busy");
	assert_string_equal(cm_error_name(CM_ERROR_UNKNOWN_SESSION), "unknown_session");
	assert_string_equal(cm_error_name(CM_ERROR_CONNECT_FAILED), "connect_failed");
	assert_string_equal(cm_error_text(CM_ERROR_UNKNOWN_SESSION), "no such session");
	assert_int_equal(cm_error_parse("internal"), CM_ERROR_INTERNAL);
	assert_int_equal(cm_error_parse("no_such_name"), 0);
	assert_int_equal(cm_error_parse(NULL), 0);
}

/* Session states round-trip; out of range is "unknown". */
static void
test_state_names(void **state)
{
	(void)state;
	assert_int_equal(CM_SESSION__COUNT, 10);
	for (int s = 0; s < CM_SESSION__COUNT; s++)
		assert_int_equal(cm_session_state_parse(cm_session_state_name(s)), s);
	assert_string_equal(cm_session_state_name(CM_SESSION_WAITING_CONFIRM), "waiting_confirm");
	assert_string_equal(cm_session_state_name(CM_SESSION_EXITED), "exited");
	assert_string_equal(cm_session_state_name(CM_SESSION_USAGE_LIMIT), "usage_limit");
	assert_string_equal(cm_session_state_name(-1), "unknown");
	assert_string_equal(cm_session_state_name(CM_SESSION__COUNT), "unknown");
	assert_int_equal(cm_session_state_parse("napping"), -1);
	assert_int_equal(cm_session_state_parse(NULL), -1);
}

/* One definition: the public numbers are the table's. */
static void
test_numbers(void **state)
{
	(void)state;
	assert_int_equal(CM_PROTOCOL_VERSION, 1);
	assert_int_equal(CM_DEFAULT_PORT, 9876);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builders_wire), cmocka_unit_test(test_builders_refuse),
	    cmocka_unit_test(test_validate),	  cmocka_unit_test(test_send_checks),
	    cmocka_unit_test(test_error_names),	  cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
