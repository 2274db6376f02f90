/*
 * test-typing: text and keys into a session, against a scripted tmux
 * (scripted-tmux.h): submitted text is pasted and its Enter pressed only
 * after enter_delay_ms (TUI tools take a quick Enter as part of a paste);
 * literal text and named keys are typed with send-keys; a bad key types
 * nothing; tmux's refusal and tmux going away reach the requester; a
 * profile that takes its task as keys gets it typed once the tool is ready.
 */
#include "scripted-tmux.h"

#include "agent/screen/profile.h"
#include "agent/sessions/typing.h"

#define PASTE	  "paste-buffer -p -d -b cm-keys"
#define KEY_ENTER "send-keys -- \"Enter\""

/* Submitted text: set-buffer, paste, and Enter only after the pause. */
static void
test_submit_waits_before_enter(void **state)
{
	struct st_answer done, typed;
	struct session *s;
	uint64_t t0;
	size_t sent;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_cfg.enter_delay_ms = 150;
	st_expect("set-buffer -b cm-keys -- \"fix the \\\"bug\\\" in \\$HOME\"", "");
	st_expect(PASTE, "");
	t0 = st_now_ms();
	assert_int_equal(
	    typing_start(s, "fix the \"bug\" in $HOME", 22, 1, NULL, st_completion(&typed)), 0);
	sent = st.n_log;
	st_run(100);
	/* The paste is in; Enter is not, and nobody has been answered. */
	assert_true(st_script_done());
	assert_int_equal(st.n_log, sent);
	assert_int_equal(typed.called, 0);
	st_expect(KEY_ENTER, "");
	while (typed.called == 0 && st_now_ms() - t0 < 2000)
		st_step();
	assert_int_equal(typed.called, 1);
	assert_int_equal(typed.err, 0);
	assert_true(st_now_ms() - t0 >= 150);
	assert_string_equal(json_string_value(json_object_get(typed.result, "sessionId")), s->id);
	st_answer_release(&done);
	st_answer_release(&typed);
}

/* Literal text, then a named key: each its own send-keys, answered once both are in. */
static void
test_text_and_key(void **state)
{
	struct st_answer done, typed;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect("send-keys -l -- \"ls;\\\\ \"", "");
	st_expect("send-keys -- \"C-c\"", "");
	assert_int_equal(typing_start(s, "ls;\\ ", 5, 0, "C-c", st_completion(&typed)), 0);
	st_run(10);
	assert_true(st_script_done());
	assert_int_equal(typed.called, 1);
	assert_int_equal(typed.err, 0);
	st_answer_release(&done);
	st_answer_release(&typed);
}

/* An unknown key or a NUL byte types nothing at all (the script expects nothing). */
static void
test_refused_input_types_nothing(void **state)
{
	struct st_answer done, typed;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	assert_int_equal(typing_start(s, "ok", 2, 0, "NoSuchKey", st_completion(&typed)),
			 CM_EINVAL);
	assert_int_equal(typing_start(s, "a\0b", 3, 1, NULL, st_completion(&typed)), CM_EINVAL);
	st_run(10);
	assert_int_equal(typed.called, 0);
	st_answer_release(&done);
}

/* tmux refuses a key: the requester hears tmux's reason. */
static void
test_tmux_refuses(void **state)
{
	struct st_answer done, typed;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect_err("send-keys -- \"Escape\"", CM_ETMUX, "no current client");
	typing_start(s, NULL, 0, 0, "Escape", st_completion(&typed));
	st_run(10);
	assert_int_equal(typed.called, 1);
	assert_int_equal(typed.err, CM_ETMUX);
	assert_string_equal(typed.detail, "no current client");
	st_answer_release(&done);
	st_answer_release(&typed);
}

/* tmux goes away during the pause before Enter: the requester hears it. */
static void
test_tmux_gone_while_typing(void **state)
{
	struct st_answer done, typed;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect("set-buffer -b cm-keys -- \"go\"", "");
	st_expect(PASTE, "");
	typing_start(s, "go", 2, 1, NULL, st_completion(&typed));
	st_run(10);
	st_closed();
	assert_int_equal(typed.called, 1);
	assert_int_equal(typed.err, CM_EEXITED);
	st_run(st_cfg.enter_delay_ms + 50); /* no Enter: the script expects none */
	assert_int_equal(typed.called, 1);
	st_answer_release(&done);
	st_answer_release(&typed);
}

/* A tool that takes its task as keys gets it typed, and submitted, once it is ready. */
static void
test_task_typed_when_ready(void **state)
{
	static const char from[] = "\"task\": {\"via\": \"argv\", \"args\": [\"--\", \"{task}\"]}";
	struct st_answer done;
	struct profile *p = NULL;
	struct buf err, json;
	struct session *s;
	const char *at = strstr(st_profile_json, from);

	(void)state;
	st_cfg.enter_delay_ms = 20;
	buf_init(&json, 1 << 16);
	buf_append(&json, st_profile_json, (size_t)(at - st_profile_json));
	buf_append_str(&json, "\"task\": {\"via\": \"keys\"}");
	buf_append_str(&json, at + strlen(from));
	buf_init(&err, 4096);
	assert_int_equal(profile_parse_json(json.data, json.len, "mytool.json", &p, &err), 0);
	buf_release(&err);
	buf_release(&json);
	s = st_create(p, "write the tests", 0, &done);
	/* Not on the command line. */
	assert_string_equal(st.argv[st.argc - 1], "--color=never");
	st_up("Loading...");
	st_run(20);
	assert_true(st_script_done());
	/* Ready (idle): the task is pasted, then Enter. */
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_expect("set-buffer -b cm-keys -- \"write the tests\"", "");
	st_expect(PASTE, "");
	st_expect(KEY_ENTER, "");
	st_output("mytool> ");
	st_run(80);
	assert_true(st_script_done());
	assert_int_equal(s->task_pending, 0);
	/* Only once: more idle screens type nothing (the script expects only reads). */
	st_redraw(ST_SCREEN_IDLE);
	session_detach_all(&st_set);
	profile_free(p);
	st_answer_release(&done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_submit_waits_before_enter, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_text_and_key, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_refused_input_types_nothing, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_tmux_refuses, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_tmux_gone_while_typing, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_task_typed_when_ready, st_setup, st_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
