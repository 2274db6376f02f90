/*
 * test-confirm: prompts on a tool's screen, against a scripted tmux
 * (scripted-tmux.h): a safe prompt is answered automatically with the
 * profile's keys once it has settled and the screen is read again, and
 * checked later (a lost answer is sent once more); auto_confirmed says
 * whether it took effect and after how many attempts; a dangerous one, or
 * one in a session without auto-confirm, waits for a person (confirm_needed
 * once, with the reason); a person's answer presses the yes or no keys, and
 * is refused if the prompt on screen is not the one the person saw or if
 * there is none.
 */
#include "scripted-tmux.h"

#include "agent/screen/profile.h"
#include "agent/sessions/confirm.h"

#define KEY_Y	  "send-keys -- \"y\""
#define KEY_N	  "send-keys -- \"n\""
#define KEY_ENTER "send-keys -- \"Enter\""

#define SETTLED (PROFILE_SETTLE_MS + 40) /* past the profile's (default) settle time */

/* The auto_confirmed event's "tookEffect" and "attempts". */
static void
assert_auto_outcome(json_t *ev, int took, int attempts)
{
	assert_non_null(ev);
	assert_true(json_is_boolean(json_object_get(ev, "tookEffect")));
	assert_int_equal(json_is_true(json_object_get(ev, "tookEffect")), took);
	assert_int_equal(json_integer_value(json_object_get(ev, "attempts")), attempts);
}

/*
 * A safe prompt with auto-confirm on: it settles, is re-read, then y Enter;
 * the answer is published once the tool is seen taking it.
 */
static void
test_auto_answer(void **state)
{
	struct st_answer done;
	struct session *s;
	json_t *ev;

	(void)state;
	s = st_create(st_profile, "", 1, &done);
	st_up(ST_SCREEN_PROMPT);
	/* The screen is read again just before answering, then the keys. */
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(SETTLED);
	assert_true(st_script_done());
	assert_string_equal(st_states(), "waiting_confirm");
	/* Not said before the outcome is known. */
	assert_int_equal(st_count("auto_confirmed"), 0);
	assert_int_equal(st_count("confirm_needed"), 0);
	/* The tool goes on: the answer took, nobody is asked. */
	st_redraw(ST_SCREEN_WORKING);
	ev = st_event("auto_confirmed", 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "answer")), "y Enter");
	assert_string_equal(json_string_value(json_object_get(ev, "prompt")), "Run this command?");
	assert_non_null(strstr(json_string_value(json_object_get(ev, "command")), "$ make test"));
	assert_auto_outcome(ev, 1, 1);
	st_redraw(ST_SCREEN_IDLE);
	st_run(CONFIRM_VERIFY_MS + 100);
	assert_string_equal(st_states(), "waiting_confirm thinking done");
	assert_int_equal(st_count("confirm_needed"), 0);
	assert_int_equal(st_count("auto_confirmed"), 1);
	(void)s;
	st_answer_release(&done);
}

/* The answer waits for the prompt to settle: nothing is read or sent before. */
static void
test_auto_answer_waits_to_settle(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 1, &done);
	st_up(ST_SCREEN_PROMPT);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(PROFILE_SETTLE_MS / 2);
	assert_false(st_script_done()); /* still settling */
	st_run(SETTLED);
	assert_true(st_script_done());
	st_answer_release(&done);
}

/* A lost answer (the prompt is still there) is sent once more, after the same check. */
static void
test_auto_answer_second_try(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 1, &done);
	st_up(ST_SCREEN_PROMPT);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(SETTLED);
	assert_true(st_script_done());
	/* The check finds the same prompt: the keys again. */
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(CONFIRM_VERIFY_MS + 100);
	assert_true(st_script_done());
	assert_int_equal(st_count("auto_confirmed"), 0);
	/* This time the tool takes it. */
	st_redraw(ST_SCREEN_WORKING);
	assert_auto_outcome(st_event("auto_confirmed", 0), 1, 2);
	st_run(CONFIRM_VERIFY_MS + 100);
	assert_int_equal(st_count("auto_confirmed"), 1);
	assert_int_equal(st_count("confirm_needed"), 0);
	st_answer_release(&done);
}

/*
 * An automatic answer that did not take after its second try is never sent
 * again: auto_confirmed says so, and a person is asked.
 */
static void
test_auto_answer_did_not_take(void **state)
{
	struct st_answer done;
	json_t *ev;

	(void)state;
	st_create(st_profile, "", 1, &done);
	st_up(ST_SCREEN_PROMPT);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(SETTLED);
	/* The same prompt is still drawn: one more try. */
	st_redraw(ST_SCREEN_PROMPT);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	st_run(CONFIRM_VERIFY_MS + 100);
	assert_true(st_script_done());
	/* Still there at the second check (no new keys: the script expects none). */
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_run(CONFIRM_VERIFY_MS + 100);
	assert_true(st_script_done());
	ev = st_event("confirm_needed", 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "reason")),
			    "the automatic answer did not take effect");
	assert_int_equal(st_count("auto_confirmed"), 1);
	assert_auto_outcome(st_event("auto_confirmed", 0), 0, 2);
	st_answer_release(&done);
}

/*
 * A full redraw (a resize, a client opening the session) can be read
 * mid-paint, a frame no rule knows: a waiting session does not flicker to
 * starting and back, and its prompt is announced once.
 */
static void
test_redraw_keeps_the_prompt(void **state)
{
	struct st_answer done;

	(void)state;
	st_create(st_profile, "", 0, &done);
	st_up(ST_SCREEN_PROMPT);
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(st_count("confirm_needed"), 1);
	st_redraw("\n\n   half a frame");
	st_redraw(ST_SCREEN_PROMPT);
	assert_string_equal(st_states(), "waiting_confirm");
	assert_int_equal(st_count("confirm_needed"), 1);
	st_answer_release(&done);
}

/* A prompt a danger rule matches waits for a person, auto-confirm or not. */
static void
test_dangerous_prompt_asks_a_person(void **state)
{
	struct st_answer done;
	struct session *s;
	json_t *ev, *o;
	const char *reason;

	(void)state;
	s = st_start("", 1, ST_SCREEN_DANGER, &done);
	assert_string_equal(st_states(), "waiting_confirm");
	ev = st_event("confirm_needed", 0);
	assert_non_null(ev);
	reason = json_string_value(json_object_get(ev, "reason"));
	assert_non_null(strstr(reason, "danger rule delete-outside"));
	assert_int_equal(st_count("auto_confirmed"), 0);
	/* Listed with the prompt and its reason, for a person to decide. */
	o = session_to_json(s);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(o, "prompt"), "reason")), reason);
	json_decref(o);
	/* Drawn again: still one confirm_needed, still no keys. */
	st_redraw(ST_SCREEN_DANGER);
	assert_int_equal(st_count("confirm_needed"), 1);
	st_answer_release(&done);
}

/* Without auto-confirm a safe prompt waits for a person too, and says why. */
static void
test_auto_confirm_off(void **state)
{
	struct st_answer done;

	(void)state;
	st_start("", 0, ST_SCREEN_PROMPT, &done);
	assert_string_equal(
	    json_string_value(json_object_get(st_event("confirm_needed", 0), "reason")),
	    "auto-confirm is off for this session");
	assert_int_equal(st_count("auto_confirmed"), 0);
	st_answer_release(&done);
}

/* Turning auto-confirm on answers the prompt already waiting, and is recorded. */
static void
test_auto_confirm_turned_on(void **state)
{
	struct st_answer done;
	struct session *s;
	json_t *rec;

	(void)state;
	s = st_start("", 0, ST_SCREEN_PROMPT, &done);
	assert_int_equal(st_count("confirm_needed"), 1);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(ST_READ_DEAD, "0 ");
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	session_set_auto_confirm(s, 1);
	rec = st_event("set_auto_confirm", 0);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "detail")), "on");
	st_run(SETTLED);
	assert_true(st_script_done());
	st_redraw(ST_SCREEN_WORKING);
	assert_int_equal(st_count("auto_confirmed"), 1);
	st_answer_release(&done);
}

/* A person approves: the yes keys, prompt_answered, and the requester's answer. */
static void
test_person_approves(void **state)
{
	struct st_answer done, answer;
	struct session *s;
	json_t *ev;

	(void)state;
	s = st_start("", 0, ST_SCREEN_PROMPT, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_Y, "");
	st_expect(KEY_ENTER, "");
	confirm_request(s, st_completion(&answer), 1, s->prompt.fingerprint, "127.0.0.1 #1");
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(answer.called, 1);
	assert_int_equal(answer.err, 0);
	assert_true(json_is_true(json_object_get(answer.result, "approve")));
	assert_string_equal(json_string_value(json_object_get(answer.result, "keys")), "y Enter");
	ev = st_event("prompt_answered", 0);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "by")), "client");
	assert_string_equal(json_string_value(json_object_get(ev, "client")), "127.0.0.1 #1");
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* A person refuses: the no keys. */
static void
test_person_refuses(void **state)
{
	struct st_answer done, answer;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_PROMPT, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_PROMPT);
	st_expect(KEY_N, "");
	st_expect(KEY_ENTER, "");
	confirm_request(s, st_completion(&answer), 0, NULL, "127.0.0.1 #1");
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(answer.err, 0);
	assert_true(json_is_false(json_object_get(answer.result, "approve")));
	assert_string_equal(json_string_value(json_object_get(answer.result, "keys")), "n Enter");
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* The prompt changed since the person saw it: nothing is pressed. */
static void
test_prompt_changed(void **state)
{
	struct st_answer done, answer;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_PROMPT, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_DANGER);
	confirm_request(s, st_completion(&answer), 1, s->prompt.fingerprint, "127.0.0.1 #1");
	st_run(20);
	assert_true(st_script_done());
	assert_int_equal(answer.called, 1);
	assert_int_equal(answer.err, CM_EPROMPTCHANGED);
	assert_int_equal(st_count("prompt_answered"), 0);
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* No prompt on screen: the person is told so, nothing is pressed. */
static void
test_no_prompt(void **state)
{
	struct st_answer done, answer;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	confirm_request(s, st_completion(&answer), 1, NULL, "127.0.0.1 #1");
	st_run(20);
	assert_int_equal(answer.err, CM_ENOPROMPT);
	st_answer_release(&done);
	st_answer_release(&answer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_auto_answer, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_auto_answer_waits_to_settle, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_auto_answer_second_try, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_auto_answer_did_not_take, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_dangerous_prompt_asks_a_person, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_auto_confirm_off, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_auto_confirm_turned_on, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_person_approves, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_person_refuses, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_prompt_changed, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_no_prompt, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_redraw_keeps_the_prompt, st_setup, st_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
