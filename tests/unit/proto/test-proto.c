/*
 * test-proto: names (session ids, tools, contexts), states, and the strict
 * message framing shared by the agent and libcm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "proto/message.h"
#include "proto/names.h"
#include "proto/state.h"

/* Session ids have the seed's shape and nothing else gets through. */
static void
test_session_ids(void **state)
{
	char big[64];

	(void)state;
	assert_true(names_session_id_valid("cm-1770795611"));
	assert_true(names_session_id_valid("cm-1770795611-2"));
	assert_false(names_session_id_valid("cm-"));
	assert_false(names_session_id_valid("cm-12a"));
	assert_false(names_session_id_valid("cm-1-"));
	assert_false(names_session_id_valid("cm-1-2-3"));
	assert_false(names_session_id_valid("../../etc"));
	assert_false(names_session_id_valid("cm-1\n"));
	assert_false(names_session_id_valid(NULL));
	memset(big, '9', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "cm-", 3);
	assert_false(names_session_id_valid(big));
}

/* Tool and context names. */
static void
test_names(void **state)
{
	(void)state;
	assert_true(names_tool_valid("claude"));
	assert_true(names_tool_valid("my-tool_2"));
	assert_false(names_tool_valid("-x"));
	assert_false(names_tool_valid("Claude"));
	assert_false(names_tool_valid("a/b"));
	assert_false(names_tool_valid(""));
	assert_true(names_context_valid("prod-server.eu"));
	assert_false(names_context_valid(".hidden"));
	assert_false(names_context_valid("a b"));
}

/* Every state has a name and parses back. */
static void
test_states(void **state)
{
	(void)state;
	for (int i = 0; i < CM_STATE__COUNT; i++)
		assert_int_equal(cm_state_parse(cm_state_name((enum cm_state)i)), i);
	assert_int_equal(cm_state_parse("sleeping"), -1);
	assert_string_equal(cm_state_name(CM_STATE_WAITING_CONFIRM), "waiting_confirm");
	assert_true(cm_state_is_busy(CM_STATE_EDITING));
	assert_false(cm_state_is_busy(CM_STATE_WAITING_CONFIRM));
}

/* Only one JSON object per frame, without duplicate keys. */
static void
test_decode(void **state)
{
	struct buf why;
	json_t *j;

	(void)state;
	buf_init(&why, 256);
	assert_int_equal(message_decode("{\"action\":\"ping\"}", 17, &j, &why), 0);
	json_decref(j);
	assert_int_equal(message_decode("[1]", 3, &j, &why), CM_ENOTOBJECT);
	assert_int_equal(message_decode("\"s\"", 3, &j, &why), CM_ENOTOBJECT);
	assert_int_equal(message_decode("{\"a\":1,\"a\":2}", 13, &j, &why), CM_EBADJSON);
	assert_int_equal(message_decode("{} {}", 5, &j, &why), CM_EBADJSON);
	assert_int_equal(message_decode("{\"a\":\"\\ud800\"}", 14, &j, &why), CM_EBADJSON);
	assert_null(j);
	assert_true(why.len > 0);
	buf_release(&why);
}

/* Replies carry the id; errors their stable code; text is made valid UTF-8. */
static void
test_replies(void **state)
{
	json_t *id = json_string("req-7"), *r;
	char *s;

	(void)state;
	r = message_error(CM_ENOSESSION, NULL, "kill_session", id);
	s = message_encode(r, NULL);
	assert_string_equal(s, "{\"type\":\"error\",\"id\":\"req-7\",\"code\":\"unknown_session\","
			       "\"message\":\"no such session\",\"action\":\"kill_session\"}");
	free(s);
	json_decref(r);
	r = message_reply("pong", NULL);
	message_set_text(r, "x", "a\xff", 2);
	s = message_encode(r, NULL);
	assert_string_equal(s, "{\"type\":\"pong\",\"x\":\"a\xef\xbf\xbd\"}");
	free(s);
	json_decref(r);
	json_decref(id);
	id = json_string("0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_false(message_id_valid(id));
	json_decref(id);
	id = json_real(1.5);
	assert_false(message_id_valid(id));
	json_decref(id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session_ids), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_states),	cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
