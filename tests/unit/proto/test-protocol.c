/*
 * test-protocol: the protocol table (src/proto/protocol.def) is consistent
 * with itself and with src/common/err.h, and its validator accepts what the
 * agent accepts and refuses the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "proto/message.h"
#include "proto/names.h"
#include "proto/protocol.h"
#include "proto/state.h"

/* Every wire code is the err.h code of the same name and text: the agent may switch 1:1. */
static void
test_errors_match_err_h(void **state)
{
	(void)state;
	assert_int_equal(proto_nerrors, 26);
	for (size_t i = 0; i < proto_nerrors; i++) {
		int code = proto_errors[i].code;

		assert_true(code < 0);
		assert_string_equal(proto_errors[i].name, cm_errname(code));
		assert_string_equal(proto_errors[i].text, cm_strerror(code));
		assert_string_equal(proto_error_name(code), proto_errors[i].name);
		assert_int_equal(proto_error_parse(proto_errors[i].name), code);
	}
	assert_int_equal(PROTO_ERR_BUSY, CM_EBUSY);
	assert_string_equal(proto_error_name(PROTO_ERR_BUSY), "busy");
	/* Local codes are not wire codes. */
	assert_null(proto_error_name(CM_ETIMEDOUT));
	assert_null(proto_error_name(CM_ENOMEM));
	assert_int_equal(proto_error_parse("timeout"), 0);
	assert_int_equal(proto_error_parse(NULL), 0);
}

/* States: the enum, its names and the table agree. */
static void
test_states_match(void **state)
{
	(void)state;
	assert_int_equal(proto_nstates, CM_STATE__COUNT);
	for (size_t i = 0; i < proto_nstates; i++) {
		assert_int_equal(proto_states[i].state, (int)i);
		assert_string_equal(cm_state_name((enum cm_state)i), proto_states[i].name);
		assert_int_equal(cm_state_parse(proto_states[i].name), (int)i);
	}
	assert_int_equal(CM_STATE_WAITING_CONFIRM, 5);
	assert_int_equal(cm_state_parse(NULL), -1);
}

/* Names are unique per namespace, fields per owner, and references point at the right kinds. */
static void
test_table_consistent(void **state)
{
	(void)state;
	for (int i = 0; i < PROTO_MSG__COUNT; i++) {
		const struct proto_msg_info *m = proto_msg_info((enum proto_msg)i);

		assert_int_equal(m->msg, i);
		assert_non_null(m->name);
		if (m->kind == PROTO_KIND_REQUEST) {
			assert_int_equal(proto_action_parse(m->name), i);
			assert_true(proto_msg_info(m->reply)->kind & PROTO_KIND_REPLY);
		} else if (m->kind != PROTO_KIND_OBJECT) {
			assert_int_equal(proto_type_parse(m->name), i);
		}
	}
	for (size_t i = 0; i < proto_nfields; i++) {
		const struct proto_field *f = &proto_fields[i];

		assert_non_null(proto_msg_info(f->owner));
		if (f->shape != PROTO_OBJ_NONE) {
			assert_int_equal(proto_msg_info(f->shape)->kind, PROTO_KIND_OBJECT);
			assert_true(f->type == PROTO_T_OBJECT || f->type == PROTO_T_ARRAY);
		}
		for (size_t j = i + 1; j < proto_nfields; j++)
			if (proto_fields[j].owner == f->owner)
				assert_string_not_equal(proto_fields[j].name, f->name);
	}
	assert_int_equal(proto_action_parse("nope"), -1);
	assert_int_equal(proto_type_parse("create_session"), -1);
	assert_int_equal(proto_action_parse("agent_info"), PROTO_REQ_AGENT_INFO);
	assert_int_equal(proto_type_parse("agent_info"), PROTO_MSG_AGENT_INFO);
}

/* The numbers the rest of src/proto used to define themselves. */
static void
test_consts(void **state)
{
	(void)state;
	assert_int_equal(PROTO_VERSION, 1);
	assert_int_equal(PROTO_DEFAULT_PORT, 9876);
	assert_int_equal(MESSAGE_ID_MAX, 64);
	assert_int_equal(NAMES_SESSION_ID_MAX, 40);
	assert_int_equal(NAMES_TOOL_MAX, 32);
	assert_int_equal(NAMES_CONTEXT_MAX, 64);
}

/* Validates a JSON text; returns the code, with the reason in why. */
static int
check(const char *text, int flags, struct buf *why)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	rc = proto_validate_any(j, flags, why);
	json_decref(j);
	return rc;
}

/* What the agent accepts passes; wrong types, unknown and missing fields do not. */
static void
test_validate(void **state)
{
	struct buf why;

	(void)state;
	buf_init(&why, 1024);
	assert_int_equal(check("{\"auth_token\":\"t\",\"since\":3}", PROTO_CHECK_LIMITS, &why), 0);
	assert_int_equal(check("{\"action\":\"create_session\",\"tool\":\"claude\","
			       "\"context\":{\"path\":\"/tmp\"},\"id\":\"x\"}",
			       PROTO_CHECK_LIMITS, &why),
			 0);
	/* No path: the agent's home; no context at all is refused. */
	assert_int_equal(
	    check("{\"action\":\"create_session\",\"tool\":\"claude\",\"context\":{}}", 0, &why),
	    0);
	assert_int_equal(check("{\"action\":\"create_session\",\"tool\":\"claude\"}", 0, &why),
			 CM_EBADREQUEST);
	assert_string_equal(why.data, "create_session: missing \"context\"");
	assert_int_equal(check("{\"action\":\"create_session\",\"tool\":\"claude\","
			       "\"context\":{\"path\":\"\"}}",
			       PROTO_CHECK_LIMITS, &why),
			 CM_EBADREQUEST);
	assert_int_equal(
	    check("{\"action\":\"send_keys\",\"sessionId\":\"cm-1\",\"keys\":1}", 0, &why),
	    CM_EBADREQUEST);
	assert_string_equal(why.data, "\"keys\" must be a string");
	assert_int_equal(check("{\"action\":\"ping\",\"x\":1}", 0, &why), CM_EBADREQUEST);
	assert_string_equal(why.data, "ping: unknown field \"x\"");
	assert_int_equal(
	    check("{\"action\":\"resize\",\"sessionId\":\"cm-1\",\"cols\":80}", 0, &why),
	    CM_EBADREQUEST);
	assert_string_equal(why.data, "resize: missing \"rows\"");
	/* Ranges only when asked. */
	assert_int_equal(
	    check("{\"action\":\"resize\",\"sessionId\":\"cm-1\",\"cols\":5,\"rows\":30}", 0, &why),
	    0);
	assert_int_equal(
	    check("{\"action\":\"resize\",\"sessionId\":\"cm-1\",\"cols\":5,\"rows\":30}",
		  PROTO_CHECK_LIMITS, &why),
	    CM_EBADREQUEST);
	assert_string_equal(why.data, "\"cols\" must be 10..1000");
	/* Ids: on requests and replies, not on events. */
	assert_int_equal(check("{\"action\":\"ping\",\"id\":1.5}", 0, &why), CM_EBADREQUEST);
	assert_int_equal(check("{\"type\":\"pong\",\"timestamp\":1,\"id\":7}", 0, &why), 0);
	assert_int_equal(check("{\"type\":\"session_exited\",\"sessionId\":\"cm-1\",\"seq\":1,"
			       "\"timestamp\":2,\"id\":7}",
			       0, &why),
			 CM_EBADREQUEST);
	/* Nullable fields take null; states and codes must be known. */
	assert_int_equal(check("{\"type\":\"profile_list\",\"profiles\":[{\"name\":\"a\","
			       "\"description\":null}]}",
			       0, &why),
			 0);
	assert_int_equal(check("{\"type\":\"profile_list\",\"profiles\":[{\"name\":null,"
			       "\"description\":null}]}",
			       0, &why),
			 CM_EBADREQUEST);
	assert_int_equal(check("{\"type\":\"session_completed\",\"sessionId\":\"cm-1\","
			       "\"state\":\"napping\",\"seq\":1,\"timestamp\":2}",
			       0, &why),
			 CM_EBADREQUEST);
	/* An error reply names its action without being taken for a request. */
	assert_int_equal(check("{\"type\":\"error\",\"code\":\"busy\",\"message\":\"m\","
			       "\"action\":\"confirm\"}",
			       0, &why),
			 0);
	assert_int_equal(check("{\"action\":\"auth\"}", 0, &why), CM_EBADREQUEST);
	assert_int_equal(check("{\"hello\":1}", 0, &why), CM_EBADREQUEST);
	buf_release(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errors_match_err_h), cmocka_unit_test(test_states_match),
	    cmocka_unit_test(test_table_consistent),   cmocka_unit_test(test_consts),
	    cmocka_unit_test(test_validate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
