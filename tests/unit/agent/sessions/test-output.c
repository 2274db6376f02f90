/*
 * test-output: output streaming through the subscriber interface, against
 * a scripted tmux (scripted-tmux.h): a subscription starts with a snapshot
 * that redraws the screen; live bytes follow, framed once for every
 * subscriber; output a subscriber cannot take is dropped and counted, and
 * once its queue drained it is told and gets a fresh snapshot; a session
 * that goes away ends its subscriptions.
 */
#include "scripted-tmux.h"

#include "agent/sessions/frame.h"
#include "agent/sessions/output.h"

#define CAPTURE_E "capture-pane -p -e -N"
#define CURSOR	  "display-message -p -- \"#{cursor_x} #{cursor_y} #{pane_width} #{pane_height}\""

/*
 * A subscriber that keeps what it is sent, and can refuse output. Tests
 * end their subscriptions before the client goes out of scope.
 */
struct client {
	struct frame *frames[32]; /* what it got */
	size_t n;		  /* entries in frames */
	int full;		  /* refuse output frames */
	int gone;		  /* its subscription ended with the session */
};

static int
client_send(void *arg, struct frame *f)
{
	struct client *c = arg;

	if (c->full && f->kind == FRAME_OUTPUT)
		return 0;
	assert_true(c->n < 32);
	c->frames[c->n++] = frame_ref(f);
	return 1;
}

static void
client_gone(void *arg, struct output_sub *sub)
{
	struct client *c = arg;

	(void)sub;
	c->gone++;
}

static const struct output_client client_ops = {client_send, client_gone};

static void
client_release(struct client *c)
{
	for (size_t i = 0; i < c->n; i++)
		frame_unref(c->frames[i]);
	c->n = 0;
}

/* The JSON of the i-th frame a client got (caller decrefs). */
static json_t *
client_json(struct client *c, size_t i)
{
	assert_true(i < c->n);
	return json_loadb((const char *)c->frames[i]->data, c->frames[i]->len, 0, NULL);
}

/* Subscribes c to s; the snapshot shows two lines with the cursor at (3, 1). */
static struct output_sub *
subscribe(struct session *s, struct client *c, int base64, struct st_answer *answer)
{
	struct output_sub *sub = NULL;

	st_expect(CAPTURE_E, "one\n\033[1mtwo");
	st_expect(CURSOR, "3 1 80 24");
	output_subscribe(s, &sub, &client_ops, c, base64, st_completion(answer));
	st_run(10);
	assert_true(st_script_done());
	return sub;
}

/* The first snapshot answers the subscriber with a redraw of the screen. */
static void
test_subscribe_snapshot(void **state)
{
	struct st_answer done, answer;
	struct client c = {0};
	struct session *s;

	struct output_sub *sub;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	sub = subscribe(s, &c, 0, &answer);
	assert_int_equal(answer.called, 1);
	assert_int_equal(answer.err, 0);
	assert_string_equal(json_string_value(json_object_get(answer.result, "snapshot")),
			    "\033[0m\033[H\033[2Jone\033[0m\r\n\033[1mtwo\033[0m\033[2;4H");
	assert_int_equal(json_integer_value(json_object_get(answer.result, "cols")), 80);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(answer.result, "cursor"), "x")), 3);
	/* Nothing was streamed before the snapshot. */
	assert_int_equal(c.n, 0);
	output_unsubscribe(sub);
	client_release(&c);
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* Live output reaches every subscriber in its format: 0x01, id length, id, bytes. */
static void
test_live_output(void **state)
{
	struct st_answer done, a1, a2;
	struct client bin = {0}, b64 = {0};
	struct output_sub *s1, *s2;
	struct session *s;
	size_t idlen;
	json_t *o;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	s1 = subscribe(s, &bin, 0, &a1);
	s2 = subscribe(s, &b64, 1, &a2);
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_output("hi\n");
	idlen = strlen(s->id);
	assert_int_equal(bin.n, 1);
	assert_true(bin.frames[0]->binary);
	assert_int_equal(bin.frames[0]->len, 2 + idlen + 3);
	assert_int_equal(bin.frames[0]->data[0], 0x01);
	assert_int_equal(bin.frames[0]->data[1], idlen);
	assert_memory_equal(bin.frames[0]->data + 2, s->id, idlen);
	assert_memory_equal(bin.frames[0]->data + 2 + idlen, "hi\n", 3);
	assert_int_equal(b64.n, 1);
	o = client_json(&b64, 0);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "output");
	assert_string_equal(json_string_value(json_object_get(o, "data")), "aGkK");
	json_decref(o);
	st_run(30);
	output_unsubscribe(s1);
	output_unsubscribe(s2);
	client_release(&bin);
	client_release(&b64);
	st_answer_release(&done);
	st_answer_release(&a1);
	st_answer_release(&a2);
}

/* A full subscriber loses output, then gets output_dropped and a fresh snapshot. */
static void
test_dropped_then_redrawn(void **state)
{
	struct st_answer done, answer;
	struct client c = {0};
	struct output_sub *sub;
	struct session *s;
	json_t *o;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	sub = subscribe(s, &c, 0, &answer);
	c.full = 1;
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_output("12345");
	c.full = 0;
	st_output("678"); /* still behind: dropped until the redraw */
	assert_int_equal(c.n, 0);
	st_run(30);
	st_expect(CAPTURE_E, "fresh");
	st_expect(CURSOR, "0 0 80 24");
	output_drained(sub);
	assert_int_equal(c.n, 1);
	o = client_json(&c, 0);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "output_dropped");
	assert_int_equal(json_integer_value(json_object_get(o, "bytes")), 8);
	json_decref(o);
	st_run(10);
	assert_int_equal(c.n, 2);
	o = client_json(&c, 1);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "output_snapshot");
	assert_non_null(strstr(json_string_value(json_object_get(o, "snapshot")), "fresh"));
	json_decref(o);
	/* Live again. */
	st_expect(ST_READ_SCREEN, ST_SCREEN_IDLE);
	st_expect(ST_READ_DEAD, "0 ");
	st_output("9");
	assert_int_equal(c.n, 3);
	st_run(30);
	output_unsubscribe(sub);
	client_release(&c);
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* Unsubscribing before the snapshot arrived: nobody is answered, nothing is sent. */
static void
test_unsubscribe_before_snapshot(void **state)
{
	struct st_answer done, answer;
	struct client c = {0};
	struct output_sub *sub = NULL;
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	st_expect(CAPTURE_E, "x");
	st_expect(CURSOR, "0 0 80 24");
	output_subscribe(s, &sub, &client_ops, &c, 0, st_completion(&answer));
	output_unsubscribe(sub);
	st_run(10);
	assert_int_equal(answer.called, 1);
	assert_int_equal(answer.err, COMPLETION_DROPPED);
	assert_int_equal(c.n, 0);
	st_answer_release(&done);
	st_answer_release(&answer);
}

/* A session that goes away ends its subscriptions and tells the subscribers. */
static void
test_session_gone(void **state)
{
	struct st_answer done, answer, killed;
	struct client c = {0};
	struct session *s;

	(void)state;
	s = st_start("", 0, ST_SCREEN_IDLE, &done);
	subscribe(s, &c, 0, &answer);
	st_expect("kill-server", "");
	session_kill(s, st_completion(&killed));
	st_run(5);
	st_closed();
	assert_int_equal(c.gone, 1);
	client_release(&c);
	st_answer_release(&done);
	st_answer_release(&answer);
	st_answer_release(&killed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_subscribe_snapshot, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_live_output, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_dropped_then_redrawn, st_setup, st_teardown),
	    cmocka_unit_test_setup_teardown(test_unsubscribe_before_snapshot, st_setup,
					    st_teardown),
	    cmocka_unit_test_setup_teardown(test_session_gone, st_setup, st_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
