/*
 * Unit tests of src/notify: which events make which notifications, the
 * checks of destinations, dedup and the per-session rate limit, and the
 * composed message (what a person reads, bounded, valid UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "notify/dest.h"
#include "notify/kind.h"
#include "notify/limit.h"
#include "notify/msg.h"

/* Parses an event written as JSON. */
static json_t *
ev(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

/* Each kind comes from its event, and nothing else notifies. */
static void
test_kind_of(void **state)
{
	static const struct {
		const char *event;
		int stalled;
		unsigned kind;
	} cases[] = {
	    {"{\"type\":\"confirm_needed\"}", 0, NOTIFY_NEEDS_PERSON},
	    {"{\"type\":\"session_completed\"}", 0, NOTIFY_DONE},
	    {"{\"type\":\"session_exited\"}", 0, NOTIFY_EXITED},
	    {"{\"type\":\"session_stuck\"}", 0, NOTIFY_STALLED},
	    {"{\"type\":\"session_stalled\"}", 0, NOTIFY_STALLED},
	    {"{\"type\":\"session_recovered\"}", 0, NOTIFY_RECOVERED},
	    {"{\"type\":\"auto_continued\",\"outcome\":\"still_limited\"}", 0, NOTIFY_NEEDS_PERSON},
	    {"{\"type\":\"auto_continued\",\"outcome\":\"continued\"}", 0, 0},
	    {"{\"type\":\"auto_continued\"}", 0, 0},
	    {"{\"type\":\"state_change\",\"state\":\"usage_limit\",\"previous\":\"thinking\"}", 0,
	     NOTIFY_USAGE_LIMIT},
	    {"{\"type\":\"state_change\",\"state\":\"error\",\"previous\":\"thinking\","
	     "\"evidence\":\"● API Error: boom\"}",
	     0, NOTIFY_ERROR},
	    {"{\"type\":\"state_change\",\"state\":\"error\",\"previous\":\"thinking\","
	     "\"evidence\":\"● API Error: Rate limit reached\"}",
	     0, NOTIFY_USAGE_LIMIT},
	    {"{\"type\":\"state_change\",\"state\":\"error\",\"previous\":\"thinking\","
	     "\"evidence\":\"■ You've hit your usage limit\"}",
	     0, NOTIFY_USAGE_LIMIT},
	    {"{\"type\":\"state_change\",\"state\":\"idle\",\"previous\":\"error\"}", 0,
	     NOTIFY_RECOVERED},
	    {"{\"type\":\"state_change\",\"state\":\"idle\",\"previous\":\"starting\"}", 1,
	     NOTIFY_RECOVERED},
	    {"{\"type\":\"state_change\",\"state\":\"idle\",\"previous\":\"starting\"}", 0, 0},
	    {"{\"type\":\"state_change\",\"state\":\"exited\",\"previous\":\"error\"}", 0, 0},
	    {"{\"type\":\"state_change\",\"state\":\"error\",\"previous\":\"error\"}", 0, 0},
	    {"{\"type\":\"state_change\",\"state\":\"thinking\"}", 0, 0},
	    {"{\"type\":\"session_created\"}", 0, 0},
	    {"{\"type\":\"auto_confirmed\"}", 0, 0},
	    {"{\"type\":7}", 0, 0},
	    {"{}", 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *e = ev(cases[i].event);
		if (notify_kind_of(e, cases[i].stalled) != cases[i].kind)
			fail_msg("%s: got %u, want %u", cases[i].event,
				 notify_kind_of(e, cases[i].stalled), cases[i].kind);
		json_decref(e);
	}
}

/* Lists of names parse; a bad name is named. */
static void
test_kind_lists(void **state)
{
	char bad[64];

	(void)state;
	assert_int_equal(notify_kind_parse_list("needs-person,done", bad, sizeof(bad)),
			 NOTIFY_NEEDS_PERSON | NOTIFY_DONE);
	assert_int_equal(notify_kind_parse_list("all", bad, sizeof(bad)), NOTIFY_KIND_ALL);
	assert_int_equal(notify_kind_parse_list("done,,error", bad, sizeof(bad)), 0);
	assert_int_equal(notify_kind_parse_list("done,sometimes", bad, sizeof(bad)), 0);
	assert_string_equal(bad, "sometimes");
	assert_int_equal(notify_kind_parse_list("", bad, sizeof(bad)), 0);
	assert_int_equal(
	    notify_kind_parse_list("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", bad,
				   sizeof(bad)),
	    0);
	assert_string_equal(notify_kind_name(NOTIFY_USAGE_LIMIT), "usage-limit");
}

/* URLs, topics and programs are checked; logs never see a path. */
static void
test_dest_checks(void **state)
{
	struct notify_dest d;
	char err[256];
	char *argv[] = {"prog", "a\nb", NULL};
	json_t *o;

	(void)state;
	assert_int_equal(
	    notify_dest_webhook(&d, "https://hooks.example.com/T0/B1/secret", err, sizeof(err)), 0);
	assert_string_equal(d.label, "webhook https://hooks.example.com");
	notify_dest_release(&d);
	assert_true(notify_dest_webhook(&d, "ftp://x/y", err, sizeof(err)) < 0);
	assert_true(notify_dest_webhook(&d, "http://", err, sizeof(err)) < 0);
	assert_true(notify_dest_webhook(&d, "http://user:pw@host/", err, sizeof(err)) < 0);
	assert_true(notify_dest_webhook(&d, "http://host/a b", err, sizeof(err)) < 0);
	assert_true(notify_dest_webhook(&d, "http://host/\r\nX: y", err, sizeof(err)) < 0);

	assert_int_equal(notify_dest_ntfy(&d, "https://ntfy.sh/my_topic-1", err, sizeof(err)), 0);
	assert_string_equal(d.url, "https://ntfy.sh/");
	assert_string_equal(d.topic, "my_topic-1");
	notify_dest_release(&d);
	assert_int_equal(notify_dest_ntfy(&d, "http://127.0.0.1:8080/ntfy/t/", err, sizeof(err)),
			 0);
	assert_string_equal(d.url, "http://127.0.0.1:8080/ntfy/");
	assert_string_equal(d.topic, "t");
	notify_dest_release(&d);
	assert_true(notify_dest_ntfy(&d, "https://ntfy.sh/", err, sizeof(err)) < 0);
	assert_true(notify_dest_ntfy(&d, "https://ntfy.sh", err, sizeof(err)) < 0);
	assert_true(notify_dest_ntfy(&d, "https://ntfy.sh/a.b", err, sizeof(err)) < 0);
	assert_true(notify_dest_ntfy(&d, "https://ntfy.sh/t?x=1", err, sizeof(err)) < 0);

	assert_true(notify_dest_exec(&d, argv, 2, err, sizeof(err)) < 0);
	assert_true(notify_dest_exec(&d, argv, 0, err, sizeof(err)) < 0);
	assert_int_equal(notify_dest_exec(&d, argv, 1, err, sizeof(err)), 0);
	assert_string_equal(d.argv[0], "prog");
	assert_null(d.argv[1]);
	notify_dest_release(&d);

	o = json_loads("{\"exec\": [\"/bin/true\", 3]}", 0, NULL);
	assert_true(notify_dest_from_json(&d, o, "to[0]", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "to[0]"));
	json_decref(o);
	o = json_loads("{\"desktop\": true, \"webhook\": \"http://h/\"}", 0, NULL);
	assert_true(notify_dest_from_json(&d, o, "to[0]", err, sizeof(err)) < 0);
	json_decref(o);
	o = json_loads("{\"pager\": \"x\"}", 0, NULL);
	assert_true(notify_dest_from_json(&d, o, "to[0]", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "pager"));
	json_decref(o);
	o = json_loads("{\"desktop\": true}", 0, NULL);
	assert_int_equal(notify_dest_from_json(&d, o, "to[0]", err, sizeof(err)), 0);
	assert_int_equal(d.kind, NOTIFY_DEST_DESKTOP);
	notify_dest_release(&d);
	json_decref(o);
}

/* The same prompt is told once; other prompts are told. */
static void
test_limit_dedup(void **state)
{
	struct notify_limit *l = calloc(1, sizeof(*l));
	unsigned held;

	(void)state;
	notify_limit_init(l, 600, 0, 60);
	assert_int_equal(notify_limit_check(l, "p/s1", "p/s1/needs-person/abc", 100, &held),
			 NOTIFY_ADMIT);
	assert_int_equal(notify_limit_check(l, "p/s1", "p/s1/needs-person/abc", 200, &held),
			 NOTIFY_DUPLICATE);
	assert_int_equal(notify_limit_check(l, "p/s1", "p/s1/needs-person/def", 200, &held),
			 NOTIFY_ADMIT);
	assert_int_equal(notify_limit_check(l, "p/s1", NULL, 200, &held), NOTIFY_ADMIT);
	assert_int_equal(notify_limit_check(l, "p/s1", NULL, 200, &held), NOTIFY_ADMIT);
	/* After the window the same prompt may be told again. */
	assert_int_equal(notify_limit_check(l, "p/s1", "p/s1/needs-person/abc", 701, &held),
			 NOTIFY_ADMIT);
	notify_limit_release(l);
	free(l);
}

/* A flapping session sends its burst, then one per refill, saying how many were held. */
static void
test_limit_rate(void **state)
{
	struct notify_limit *l = calloc(1, sizeof(*l));
	unsigned held, admitted = 0;
	int i;

	(void)state;
	notify_limit_init(l, 0, 5, 60);
	for (i = 0; i < 50; i++)
		if (notify_limit_check(l, "p/flap", NULL, 1000 + i * 0.1, &held) == NOTIFY_ADMIT)
			admitted++;
	assert_int_equal(admitted, 5);
	/* Another session is not held back by the first. */
	assert_int_equal(notify_limit_check(l, "p/calm", NULL, 1005, &held), NOTIFY_ADMIT);
	/* 12 s refill one: the next says 45 were held. */
	assert_int_equal(notify_limit_check(l, "p/flap", NULL, 1005 + 12, &held), NOTIFY_ADMIT);
	assert_int_equal(held, 45);
	assert_int_equal(notify_limit_check(l, "p/flap", NULL, 1005 + 12.5, &held),
			 NOTIFY_RATE_LIMITED);
	notify_limit_release(l);
	free(l);
}

/* A prompt's message has the task, the prompt, the command and a link; JSON holds the event. */
static void
test_msg_compose(void **state)
{
	json_t *e = ev("{\"type\":\"confirm_needed\",\"sessionId\":\"cm-1-2\",\"prompt\":\"Do you "
		       "want to proceed?\",\"command\":\"Bash command\\n  rm -rf build\","
		       "\"reason\":\"auto-confirm is off\",\"fingerprint\":\"0011\",\"seq\":5,"
		       "\"timestamp\":1.5}");
	struct notify_about a = {.kind = NOTIFY_NEEDS_PERSON,
				 .context = "prod",
				 .event = e,
				 .task = "Clean the build",
				 .tool = "claude",
				 .dashboard = "http://127.0.0.1:8787/",
				 .suppressed = 2};
	struct notify_msg m;
	json_t *doc;

	(void)state;
	notify_msg_compose(&m, &a);
	assert_string_equal(m.title, "prod/cm-1-2: needs a person");
	assert_non_null(strstr(m.body, "Task: Clean the build"));
	assert_non_null(strstr(m.body, "Prompt: Do you want to proceed?"));
	assert_non_null(strstr(m.body, "rm -rf build"));
	assert_non_null(strstr(m.body, "Why: auto-confirm is off"));
	assert_non_null(strstr(m.body, "2 more"));
	assert_string_equal(m.click, "http://127.0.0.1:8787/#prod/cm-1-2");
	assert_int_equal(m.priority, 4);
	doc = json_loads(m.json, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "needs-person");
	assert_string_equal(json_string_value(json_object_get(doc, "task")), "Clean the build");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "event"), "seq")),
			 5);
	json_decref(doc);
	notify_msg_release(&m);
	json_decref(e);
}

/* Huge and broken text is cut on a character boundary; the result is valid JSON. */
static void
test_msg_bounds(void **state)
{
	char *big = malloc(100000), *task = malloc(2000);
	struct notify_about a;
	struct notify_msg m;
	json_t *e, *doc;
	size_t i;

	(void)state;
	for (i = 0; i + 3 < 99999; i += 3)
		memcpy(big + i, "\xe2\x94\x80", 3); /* ─ */
	big[i] = '\0';
	memset(task, 'x', 1999);
	task[1999] = '\0';
	task[5] = '\x1b';
	e = json_pack("{s:s, s:s, s:s, s:I, s:f}", "type", "confirm_needed", "sessionId", "cm-1",
		      "command", big, "seq", (json_int_t)1, "timestamp", 1.0);
	memset(&a, 0, sizeof(a));
	a.kind = NOTIFY_NEEDS_PERSON;
	a.context = "c";
	a.event = e;
	a.task = task;
	notify_msg_compose(&m, &a);
	assert_true(strlen(m.body) <= NOTIFY_BODY_MAX);
	assert_null(m.click);
	doc = json_loads(m.json, 0, NULL);
	assert_non_null(doc);
	json_decref(doc);
	doc = json_pack("{s:s}", "b", m.body); /* jansson refuses invalid UTF-8 */
	assert_non_null(doc);
	json_decref(doc);
	notify_msg_release(&m);
	json_decref(e);
	free(big);
	free(task);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_of),	cmocka_unit_test(test_kind_lists),
	    cmocka_unit_test(test_dest_checks), cmocka_unit_test(test_limit_dedup),
	    cmocka_unit_test(test_limit_rate),	cmocka_unit_test(test_msg_compose),
	    cmocka_unit_test(test_msg_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
