/*
 * test-metrics: the metrics sink and the Prometheus text, with no loop:
 * events are counted by type and auto-confirm outcome, records are not;
 * histogram buckets are cumulative and end with +Inf = count; the loop
 * lag keeps its worst value; gauges come from the sessions as they are at
 * render time (states, prompts waiting and their age, the replay ring).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/sessions/metrics.h"
#include "agent/sessions/sessions.h"
#include "common/buf.h"

/* Publishes a fake event of type with the given extra field (may be NULL). */
static void
feed(struct metrics *m, const char *type, const char *key, json_t *value)
{
	json_t *o = json_pack("{s:s}", "type", type);
	struct event ev = {.seq = 1,
			   .type = type,
			   .msg = proto_type_parse(type),
			   .obj = o,
			   .frame = (struct frame *)1};

	if (key != NULL)
		json_object_set_new(o, key, value);
	metrics_sink(m, &ev);
	json_decref(o);
}

/* Renders m over set and returns the text (caller frees). */
static char *
render(const struct metrics *m, const struct sessions *set, double now)
{
	struct buf out;

	buf_init(&out, 1 << 20);
	assert_int_equal(metrics_render(m, set, now, &out), 0);
	buf_append(&out, "", 1);
	return buf_steal(&out, NULL);
}

static void
test_sink_counts_events_and_outcomes(void **state)
{
	struct metrics m = {0};
	struct event rec = {.type = "set_auto_confirm", .msg = SINK_RECORDS};

	(void)state;
	feed(&m, "state_change", NULL, NULL);
	feed(&m, "state_change", NULL, NULL);
	feed(&m, "auto_confirmed", "tookEffect", json_true());
	feed(&m, "auto_confirmed", "tookEffect", json_false());
	feed(&m, "auto_confirmed", NULL, NULL); /* before it is known: counted as answered */
	feed(&m, "confirm_needed", "reason", json_string("danger rule delete-outside"));
	feed(&m, "confirm_needed", "reason", json_null());
	feed(&m, "not_a_type", NULL, NULL);
	metrics_sink(&m, &rec); /* a record: not an event */
	assert_int_equal(m.events[PROTO_MSG_STATE_CHANGE], 2);
	assert_int_equal(m.events[PROTO_MSG_AUTO_CONFIRMED], 3);
	assert_int_equal(m.events_other, 1);
	assert_int_equal(m.confirm[METRICS_CONFIRM_ANSWERED], 2);
	assert_int_equal(m.confirm[METRICS_CONFIRM_NOT_TAKEN], 1);
	assert_int_equal(m.confirm[METRICS_CONFIRM_REFUSED], 1);
	assert_int_equal(m.confirm[METRICS_CONFIRM_OFF], 1);
}

static void
test_histogram_is_cumulative(void **state)
{
	struct metrics_histogram h = {0};
	struct buf out;
	char *text;

	(void)state;
	metrics_observe(&h, 0.0005);
	metrics_observe(&h, 0.003);
	metrics_observe(&h, 0.003);
	metrics_observe(&h, 7.0); /* past the last bound: +Inf only */
	metrics_observe(&h, -1);  /* a clock going back counts as 0 */
	buf_init(&out, 65536);
	assert_int_equal(metrics_render_histogram(&out, "x_seconds", "help", &h), 0);
	buf_append(&out, "", 1);
	text = out.data;
	assert_non_null(strstr(text, "# TYPE x_seconds histogram\n"));
	assert_non_null(strstr(text, "x_seconds_bucket{le=\"0.001\"} 2\n"));
	assert_non_null(strstr(text, "x_seconds_bucket{le=\"0.0025\"} 2\n"));
	assert_non_null(strstr(text, "x_seconds_bucket{le=\"0.005\"} 4\n"));
	assert_non_null(strstr(text, "x_seconds_bucket{le=\"5\"} 4\n"));
	assert_non_null(strstr(text, "x_seconds_bucket{le=\"+Inf\"} 5\n"));
	assert_non_null(strstr(text, "x_seconds_count 5\n"));
	assert_non_null(strstr(text, "x_seconds_sum 7.006500\n"));
	buf_release(&out);
}

static void
test_loop_lag_keeps_the_worst(void **state)
{
	struct metrics m = {0};

	(void)state;
	metrics_loop_lag(&m, 1000, 1500);
	metrics_loop_lag(&m, 1000, 301000);
	metrics_loop_lag(&m, 5000, 4000); /* early: no lag */
	metrics_loop_lag(NULL, 0, 1);	  /* no metrics: nothing */
	assert_int_equal(m.loop_lag.count, 3);
	assert_true(m.loop_lag_max > 0.29 && m.loop_lag_max < 0.31);
	metrics_set_transcript_bytes(&m, 4096);
	assert_int_equal(m.transcript_bytes, 4096);
}

static void
test_gauges_from_the_sessions(void **state)
{
	struct sessions set;
	struct session a = {0}, b = {0}, c = {0};
	struct metrics m = {0};
	struct frame *ring[4] = {0};
	char *text;

	(void)state;
	sessions_init(&set);
	set.bus.ring = ring;
	set.bus.cap = 4;
	set.bus.count = 3;
	set.bus.seq = 42;
	a.state = CM_STATE_IDLE;
	b.state = CM_STATE_WAITING_CONFIRM;
	b.prompt.active = 1;
	b.state_since = 100.0;
	c.state = CM_STATE_WAITING_CONFIRM;
	c.prompt.active = 1;
	c.state_since = 130.0;
	TAILQ_INSERT_TAIL(&set.list, &a, entry);
	TAILQ_INSERT_TAIL(&set.list, &b, entry);
	TAILQ_INSERT_TAIL(&set.list, &c, entry);
	m.output_bytes = 12345;
	text = render(&m, &set, 160.0);
	assert_non_null(strstr(text, "cm_sessions{state=\"idle\"} 1\n"));
	assert_non_null(strstr(text, "cm_sessions{state=\"waiting_confirm\"} 2\n"));
	assert_non_null(strstr(text, "cm_sessions{state=\"exited\"} 0\n"));
	assert_non_null(strstr(text, "cm_prompts_waiting 2\n"));
	assert_non_null(strstr(text, "cm_prompt_wait_oldest_seconds 60\n"));
	assert_non_null(strstr(text, "cm_prompt_wait_seconds_total 90\n"));
	assert_non_null(strstr(text, "cm_replay_ring_events 3\n"));
	assert_non_null(strstr(text, "cm_replay_ring_capacity 4\n"));
	assert_non_null(strstr(text, "cm_event_seq 42\n"));
	assert_non_null(strstr(text, "cm_output_bytes_total 12345\n"));
	assert_non_null(strstr(text, "cm_transcript_bytes 0\n"));
	/* Event types never seen are not listed; every outcome is, from 0. */
	assert_null(strstr(text, "cm_events_published_total{type="));
	assert_non_null(strstr(text, "cm_autoconfirm_decisions_total{outcome=\"off\"} 0\n"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sink_counts_events_and_outcomes),
	    cmocka_unit_test(test_histogram_is_cumulative),
	    cmocka_unit_test(test_loop_lag_keeps_the_worst),
	    cmocka_unit_test(test_gauges_from_the_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
