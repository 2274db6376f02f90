/*
 * test-session: a session's life and its screen monitor, against a
 * scripted tmux (scripted-tmux.h): creation (the command line tmux is
 * started with, session_created to the requester and the sinks), creation
 * refused by tmux, states from the screen after output (debounced),
 * done after work with one session_completed, a dead pane, tmux going
 * away, the state file written before tmux starts, a dead control client
 * re-attached, kill, and session_stuck when a tool is still starting at
 * the end of its profile's ready timeout.
 */
#include "scripted-tmux.h"

#include "agent/sessions/monitor.h"

/* Index of the first argv element equal to s, or -1. */
static int
argv_index(const char *s)
{
	for (size_t i = 0; i < st.argc; i++)
		if (strcmp(st.argv[i], s) == 0)
			return (int)i;
	return -1;
}

/* tmux is started once, with the tool's argv after `env --` and the task as one argument. */
static void
test_create_session(void **state)
{
	struct st_answer done;
	struct session *s;
	json_t *ev;
	char *path, *text = NULL;
	int i;

	(void)state;
	s = st_create(st_profile, "fix it; rm -rf $HOME", 0, &done);
	assert_string_equal(st.argv[0], "tmux");
	assert_true(argv_index("new-session") > 0);
	assert_string_equal(st.argv[argv_index("-s") + 1], s->id);
	assert_string_equal(st.argv[argv_index("-c") + 1], st_dir);
	i = argv_index("env");
	assert_true(i > 0);
	assert_string_equal(st.argv[i - 1], "--");
	assert_string_equal(st.argv[i + 1], "--");
	assert_string_equal(st.argv[i + 2], "mytool");
	assert_string_equal(st.argv[i + 3], "--color=never");
	assert_string_equal(st.argv[i + 4], "--");
	assert_string_equal(st.argv[i + 5], "fix it; rm -rf $HOME");
	assert_null(st.argv[i + 6]);
	/* Nobody hears of the session before tmux has created it. */
	assert_int_equal(done.called, 0);
	assert_int_equal(st_count("session_created"), 0);

	st_up(ST_SCREEN_IDLE);
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(done.called, 1);
	assert_int_equal(done.err, 0);
	assert_string_equal(json_string_value(json_object_get(done.result, "type")),
			    "session_created");
	assert_string_equal(json_string_value(json_object_get(done.result, "sessionId")), s->id);
	assert_string_equal(json_string_value(json_object_get(done.result, "tool")), "mytool");
	ev = st_event("session_created", 0);
	assert_non_null(ev);
	/* The requester's answer is the event the sinks got, seq included. */
	assert_int_equal(json_integer_value(json_object_get(done.result, "seq")),
			 json_integer_value(json_object_get(ev, "seq")));
	assert_string_equal(st_states(), "idle");
	assert_string_equal(json_string_value(json_object_get(st_event("state_change", 0), "rule")),
			    "prompt");
	/* The state file holds the state. */
	path = session_state_path(&st_set, s->id);
	assert_int_equal(fs_read_file(path, 1 << 16, &text, NULL), 0);
	assert_non_null(strstr(text, "\"state\":\"idle\""));
	free(text);
	free(path);
	st_answer_release(&done);
}

/* The tool's command line: "{task}" replaced inside an argument, or no task argument at all. */
static void
test_create_task_args(void **state)
{
	static const char *const profiles[] = {
	    "{\"schema\": 1, \"name\": \"t2\", \"argv\": [\"/usr/bin/tool\"], \"task\": {\"via\": "
	    "\"argv\", \"args\": [\"--message={task}\", \"--yes\"]}, \"rules\": [{\"name\": \"r\", "
	    "\"state\": \"idle\", \"any\": [\"x\"]}]}",
	    "{\"schema\": 1, \"name\": \"t3\", \"argv\": [\"t\"], \"task\": {\"via\": \"keys\"}, "
	    "\"rules\": [{\"name\": \"r\", \"state\": \"idle\", \"any\": [\"x\"]}]}",
	};
	const char *task = "fix it; rm -rf / && echo $(whoami) `id` | sh > /etc/passwd \"'\n*";
	struct st_answer done[2];
	struct profile *p[2];
	struct buf err;
	char *want;
	int i;

	(void)state;
	buf_init(&err, 256);
	for (size_t k = 0; k < 2; k++)
		assert_int_equal(
		    profile_parse_json(profiles[k], strlen(profiles[k]), "t.json", &p[k], &err), 0);
	buf_release(&err);
	st_create(p[0], task, 0, &done[0]);
	i = argv_index("/usr/bin/tool");
	assert_true(i > 0);
	want = xasprintf("--message=%s", task);
	assert_string_equal(st.argv[i + 1], want); /* one argument, verbatim */
	free(want);
	assert_string_equal(st.argv[i + 2], "--yes");
	assert_null(st.argv[i + 3]);
	st_closed();
	/* A task the tool takes as keys is typed later, never put on its command line. */
	st_create(p[1], task, 0, &done[1]);
	i = argv_index("env");
	assert_string_equal(st.argv[i + 2], "t");
	assert_null(st.argv[i + 3]);
	st_closed();
	for (size_t k = 0; k < 2; k++) {
		st_answer_release(&done[k]);
		profile_free(p[k]);
	}
}

/* The event that answers a request names the request's completion's requester. */
static void
test_created_event_names_its_requester(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 0, &done);
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_initial(0, "");
	/* session_created was the last event: its requester is the completion's. */
	assert_int_equal(st_requester, (uint64_t)(uintptr_t)&done);
	assert_int_equal(done.called, 1);
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_run(20);
	/* Events nobody asked for have none. */
	assert_int_equal(st_requester, 0);
	st_answer_release(&done);
}

/* tmux refuses the new session: the requester gets tmux's reason, nothing is left. */
static void
test_create_refused(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 0, &done);
	assert_int_equal(st_set.n, 1);
	st_initial(CM_ETMUX, "duplicate session: cm-1");
	assert_int_equal(done.called, 1);
	assert_int_equal(done.err, CM_ETMUX);
	assert_string_equal(done.detail, "duplicate session: cm-1");
	assert_int_equal(st_set.n, 0);
	assert_int_equal(st_count("session_created"), 0);
	assert_true(st.freed);
	st_answer_release(&done);
}

/* Output drives the states: idle -> thinking -> done, one session_completed. */
static void
test_states_follow_the_screen(void **state)
{
	struct st_answer done;
	struct session *s;

	(void)state;
	s = st_start("fix the bug", 0, ST_SCREEN_IDLE, &done);
	st_redraw(ST_SCREEN_WORKING);
	assert_string_equal(st_states(), "idle thinking");
	assert_string_equal(s->rule, "working");
	st_redraw(ST_SCREEN_IDLE);
	/* Idle after work is done, and the task's completion is published once. */
	assert_string_equal(st_states(), "idle thinking done");
	assert_int_equal(st_count("session_completed"), 1);
	st_redraw(ST_SCREEN_IDLE);
	assert_string_equal(st_states(), "idle thinking done");
	assert_int_equal(st_count("session_completed"), 1);
	st_answer_release(&done);
}

/* A tool whose screens the profile may not know: unknown screens are "starting". */
static const char slow_profile_json[] =
    "{\"schema\": 1, \"name\": \"slowtool\", \"argv\": [\"slowtool\"],"
    " \"task\": {\"via\": \"argv\", \"args\": [\"{task}\"]},"
    " \"ready\": {\"states\": [\"idle\"], \"timeout_ms\": 200},"
    " \"input\": {\"line\": \"^mytool>\", \"within\": 2}, \"fallback\": \"starting\","
    " \"rules\": [{\"name\": \"prompt\", \"state\": \"idle\", \"region\": {\"area\": \"input\"},"
    "  \"any\": [\"^mytool>\"]}]}";
static struct profile *slow_profile;

static struct profile *
slow_profile_load(void)
{
	struct buf err;

	buf_init(&err, 4096);
	assert_int_equal(profile_parse_json(slow_profile_json, strlen(slow_profile_json),
					    "slowtool.json", &slow_profile, &err),
			 0);
	buf_release(&err);
	return slow_profile;
}

/* The sessions go first: they point at the profile. */
static int
slow_teardown(void **state)
{
	int rc = st_teardown(state);

	profile_free(slow_profile);
	slow_profile = NULL;
	return rc;
}

/* Still starting after the ready timeout: session_stuck once, with the screen's last lines. */
static void
test_session_stuck(void **state)
{
	struct st_answer done;
	struct session *s;
	const char *evidence;
	json_t *ev;

	(void)state;
	s = st_create(slow_profile_load(), "", 0, &done);
	st_up("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nPress any key to go on\n\n");
	assert_int_equal(s->state, CM_STATE_STARTING);
	st_run(100);
	assert_int_equal(st_count("session_stuck"), 0); /* not before the timeout */
	st_run(250);
	ev = st_event("session_stuck", 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "state")), "starting");
	assert_int_equal(json_integer_value(json_object_get(ev, "waitedMs")), 200);
	evidence = json_string_value(json_object_get(ev, "evidence"));
	assert_non_null(evidence);
	assert_string_equal(evidence, "line 3\nline 4\nline 5\nline 6\nPress any key to go on");
	st_run(300);
	assert_int_equal(st_count("session_stuck"), 1);
	st_answer_release(&done);
}

/* A tool that got ready in time is not stuck. */
static void
test_ready_in_time_is_not_stuck(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(slow_profile_load(), "", 0, &done);
	st_up(ST_SCREEN_IDLE);
	st_run(350);
	assert_string_equal(st_states(), "idle");
	assert_int_equal(st_count("session_stuck"), 0);
	st_answer_release(&done);
}

/* Output in bursts costs one screen read per debounce, not one per %output. */
static void
test_output_is_debounced(void **state)
{
	struct st_answer done;
	size_t before;

	(void)state;
	st_start("", 0, ST_SCREEN_IDLE, &done);
	before = st.n_log;
	st_expect(ST_READ_SCREEN, ST_SCREEN_WORKING);
	st_expect(ST_READ_DEAD, "0 ");
	for (int i = 0; i < 50; i++)
		st_output("x");
	/* Nothing is read at once: the debounce waits. */
	assert_int_equal(st.n_log, before);
	st_run(30);
	assert_int_equal(st.n_log, before + 2);
	assert_string_equal(st_states(), "idle thinking");
	st_answer_release(&done);
}

/* Output during a read makes exactly one more read when it ends. */
static void
test_output_during_a_read_reads_again(void **state)
{
	struct st_answer done;

	(void)state;
	st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_WORKING);
	st_expect(ST_READ_DEAD, "0 ");
	st_output("x");
	/* Wait for the read to be sent, not answered. */
	while (st.next < st.n_expect) {
		lws_service(st_lws, -1);
		usleep(200);
	}
	st_output("y"); /* during the read */
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_run(60);
	assert_true(st_script_done());
	assert_string_equal(st_states(), "idle thinking done");
	st_answer_release(&done);
}

/* A dead pane is exited with its status, whatever the screen shows; reads stop. */
static void
test_pane_dead(void **state)
{
	struct st_answer done;
	json_t *ev;

	(void)state;
	st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "1 3");
	st_output("bye");
	st_run(30);
	assert_string_equal(st_states(), "idle exited");
	assert_string_equal(json_string_value(json_object_get(st_event("state_change", 1), "rule")),
			    "pane-dead");
	ev = st_event("session_exited", 0);
	assert_non_null(ev);
	assert_int_equal(json_integer_value(json_object_get(ev, "exitStatus")), 3);
	/* No more reads (the script expects none). */
	st_output("more");
	st_run(30);
	st_answer_release(&done);
}

/* tmux going away behind the agent's back: the session is exited, and kept. */
static void
test_tmux_gone(void **state)
{
	struct st_answer done;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_closed();
	assert_string_equal(st_states(), "idle exited");
	assert_string_equal(s->rule, "tmux-server-gone");
	assert_int_equal(s->link, SESSION_LINK_NONE);
	assert_int_equal(st_set.n, 1);
	assert_non_null(st_event("session_exited", 0));
	st_answer_release(&done);
}

/* The state file exists before tmux starts, marked creating until tmux has answered. */
static void
test_state_file_before_tmux(void **state)
{
	struct st_answer done;
	struct session *s;
	char *path, *text = NULL;

	(void)state;
	s = st_create(st_profile, "", 0, &done);
	path = session_state_path(&st_set, s->id);
	assert_int_equal(fs_read_file(path, 1 << 16, &text, NULL), 0);
	assert_non_null(strstr(text, "\"creating\":true"));
	free(text);
	st_up(ST_SCREEN_IDLE);
	st_run(20);
	assert_int_equal(fs_read_file(path, 1 << 16, &text, NULL), 0);
	assert_null(strstr(text, "creating"));
	free(text);
	free(path);
	st_answer_release(&done);
}

/* The control client dies while tmux lives on: attach again, the session goes on. */
static void
test_reattach_after_control_client_died(void **state)
{
	struct st_answer done;
	struct session *s;
	FILE *f;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	f = fopen(s->socket, "w"); /* the server's socket is still there */
	assert_non_null(f);
	fclose(f);
	st.spawned = 0;
	st_closed();
	assert_true(st.spawned);
	assert_true(argv_index("attach-session") > 0);
	assert_string_equal(st.argv[argv_index("-t") + 1], s->id);
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_expect(ST_READ_SCREEN, ST_SCREEN_WORKING);
	st_expect(ST_READ_DEAD, "0 ");
	st_initial(0, "");
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(s->link, SESSION_LINK_UP);
	assert_string_equal(st_states(), "idle thinking");
	assert_int_equal(st_count("session_exited"), 0);
	st_answer_release(&done);
}

/* kill: kill-server, then session_killed to the requester once tmux is gone. */
static void
test_kill(void **state)
{
	struct st_answer done, killed;
	struct session *s;
	char *path;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	path = session_state_path(&st_set, s->id);
	assert_int_equal(access(path, F_OK), 0);
	st_expect("kill-server", "");
	session_kill(s, st_completion(&killed));
	st_run(5);
	assert_true(st_script_done());
	/* Not before tmux has gone. */
	assert_int_equal(killed.called, 0);
	st_closed();
	assert_int_equal(killed.called, 1);
	assert_int_equal(killed.err, 0);
	assert_string_equal(json_string_value(json_object_get(killed.result, "type")),
			    "session_killed");
	assert_int_equal(st_requester, (uint64_t)(uintptr_t)&killed);
	assert_int_equal(st_set.n, 0);
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	st_answer_release(&done);
	st_answer_release(&killed);
}

/* A session still being created when the agent stops lets its requester go. */
static void
test_pending_create_released(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 0, &done);
	session_detach_all(&st_set);
	assert_int_equal(done.called, 1);
	assert_int_equal(done.err, COMPLETION_DROPPED);
	st_answer_release(&done);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_create_task_args, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_create_session, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_created_event_names_its_requester, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_create_refused, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_states_follow_the_screen, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_output_is_debounced, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_output_during_a_read_reads_again, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_pane_dead, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_tmux_gone, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_state_file_before_tmux, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_reattach_after_control_client_died, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_kill, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_pending_create_released, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_session_stuck, st_setup, slow_teardown),
	    cmocka_unit_test_setup_teardown(test_ready_in_time_is_not_stuck, st_setup,
					    slow_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
