/*
 * Unit tests of cm notify's configuration and position file: rules are
 * checked whole (hostile and oversized values are refused with where they
 * are), match by kind, context, pool and session, and the saved position
 * waits for notifications that are not over yet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify-config.h"
#include "notify-seq.h"
#include "notify/kind.h"

/* Parses text into c; returns the result and leaves the message in err. */
static int
parse(struct notify_config *c, const char *text, char *err, size_t n)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	assert_non_null(j);
	notify_config_init(c);
	rc = notify_config_parse(c, j, "notify.json", err, n);
	json_decref(j);
	return rc;
}

/* A full file is read; its rules match as documented. */
static void
test_config_rules(void **state)
{
	struct notify_config c;
	char err[512];

	(void)state;
	assert_int_equal(
	    parse(&c,
		  "{\"version\":1,\"dashboard\":\"http://127.0.0.1:8787/\","
		  "\"limits\":{\"dedupSeconds\":30,\"perSession\":2,\"windowSeconds\":10},"
		  "\"rules\":[{\"on\":[\"needs-person\",\"error\"],\"pools\":[\"web\"],"
		  "\"to\":[{\"desktop\":true}]},"
		  "{\"on\":\"all\",\"contexts\":[\"prod\"],\"sessions\":[\"prod/cm-1\",\"cm-2\"],"
		  "\"to\":[{\"webhook\":\"https://h.example/x\"},{\"exec\":[\"/bin/true\"]}]}]}",
		  err, sizeof(err)),
	    0);
	assert_int_equal(c.nrules, 2);
	assert_string_equal(c.dashboard, "http://127.0.0.1:8787/");
	assert_int_equal(c.burst, 2);
	assert_true(notify_rule_matches(&c.rules[0], NOTIFY_ERROR, "a", "web", "cm-9"));
	assert_false(notify_rule_matches(&c.rules[0], NOTIFY_DONE, "a", "web", "cm-9"));
	assert_false(notify_rule_matches(&c.rules[0], NOTIFY_ERROR, "a", NULL, "cm-9"));
	assert_true(notify_rule_matches(&c.rules[1], NOTIFY_DONE, "prod", NULL, "cm-1"));
	assert_true(notify_rule_matches(&c.rules[1], NOTIFY_DONE, "prod", NULL, "cm-2"));
	assert_false(notify_rule_matches(&c.rules[1], NOTIFY_DONE, "prod", NULL, "cm-3"));
	assert_false(notify_rule_matches(&c.rules[1], NOTIFY_DONE, "test", NULL, "cm-1"));
	notify_config_clear_rules(&c);
	assert_int_equal(c.nrules, 0);
	assert_non_null(c.dashboard);
	notify_config_release(&c);
}

/* Each bad value is refused with where it is. */
static void
test_config_hostile(void **state)
{
	static const struct {
		const char *text, *says;
	} cases[] = {
	    {"[]", "must be a JSON object"},
	    {"{\"version\":2}", "\"version\" must be 1"},
	    {"{\"rules\":{}}", "\"rules\" must be an array"},
	    {"{\"rules\":[{\"on\":\"done\"}]}", "\"to\" must be an array"},
	    {"{\"rules\":[{\"on\":\"done\",\"to\":[]}]}", "\"to\" must be an array"},
	    {"{\"rules\":[{\"to\":[{\"desktop\":true}]}]}", "unknown event \"(missing)\""},
	    {"{\"rules\":[{\"on\":[\"done\",3],\"to\":[{\"desktop\":true}]}]}", "unknown event"},
	    {"{\"rules\":[{\"on\":\"done\",\"to\":[{\"desktop\":true}],\"when\":1}]}",
	     "rules[0]: unknown key \"when\""},
	    {"{\"rules\":[{\"on\":\"done\",\"contexts\":\"prod\",\"to\":[{\"desktop\":true}]}]}",
	     "\"contexts\" must be an array"},
	    {"{\"rules\":[{\"on\":\"done\",\"pools\":[\"a\\nb\"],\"to\":[{\"desktop\":true}]}]}",
	     "\"pools\"[0]"},
	    {"{\"rules\":[{\"on\":\"done\",\"to\":[{\"webhook\":\"javascript:alert(1)\"}]}]}",
	     "rules[0].to[0]"},
	    {"{\"rules\":[{\"on\":\"done\",\"to\":[{\"exec\":[]}]}]}", "rules[0].to[0]"},
	    {"{\"limits\":{\"perSession\":-1}}", "\"perSession\" must be a number"},
	    {"{\"limits\":{\"burst\":1}}", "unknown key \"limits\".\"burst\""},
	    {"{\"dashboard\":\"file:///etc/passwd\"}", "\"dashboard\" must be"},
	};
	struct notify_config c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (parse(&c, cases[i].text, err, sizeof(err)) == 0 || !strstr(err, cases[i].says))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text, err, cases[i].says);
		notify_config_release(&c);
	}
}

/* Too many rules, and a file larger than the limit, are refused. */
static void
test_config_oversized(void **state)
{
	struct notify_config c;
	char err[512], path[] = "/tmp/cm-notify-test-XXXXXX";
	json_t *root = json_object(), *rules = json_array();
	char *text;
	FILE *f;
	int i, fd;

	(void)state;
	for (i = 0; i < NOTIFY_RULES_MAX + 1; i++)
		json_array_append_new(
		    rules, json_pack("{s:s, s:[{s:b}]}", "on", "done", "to", "desktop", 1));
	json_object_set_new(root, "rules", rules);
	notify_config_init(&c);
	assert_true(notify_config_parse(&c, root, "f", err, sizeof(err)) < 0);
	notify_config_release(&c);
	json_decref(root);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	text = malloc(NOTIFY_CONFIG_MAX + 10);
	memset(text, ' ', NOTIFY_CONFIG_MAX + 9);
	text[NOTIFY_CONFIG_MAX + 9] = '\0';
	fputs(text, f);
	fclose(f);
	free(text);
	notify_config_init(&c);
	assert_true(notify_config_load(&c, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "256 KiB"));
	notify_config_release(&c);
	unlink(path);
}

/* The saved position waits for jobs still out; a restart resumes there. */
static void
test_seq_position(void **state)
{
	char dir[] = "/tmp/cm-notify-seq-XXXXXX", path[256], err[256];
	struct notify_seq s;
	struct notify_seq_ctx *a, *b;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/notify-seq.json", dir);
	assert_int_equal(notify_seq_open(&s, path, err, sizeof(err)), 0);
	a = notify_seq_ctx(&s, "prod");
	b = notify_seq_ctx(&s, "test");
	assert_int_equal(notify_seq_resume(&s, a), -1);
	notify_seq_reset(&s, a, 10);
	notify_seq_seen(&s, a, 11, 2); /* two notifications out for 11 */
	notify_seq_seen(&s, a, 12, 0);
	notify_seq_seen(&s, a, 13, 1);
	notify_seq_seen(&s, b, 4, 0);
	assert_int_equal(notify_seq_committed(&s, a), 10);
	notify_seq_done(&s, a, 11);
	assert_int_equal(notify_seq_committed(&s, a), 10);
	notify_seq_done(&s, a, 11);
	assert_int_equal(notify_seq_committed(&s, a), 12);
	assert_int_equal(notify_seq_flush(&s, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	notify_seq_close(&s);

	/* A restart resumes after 12: 13's notification was not over. */
	assert_int_equal(notify_seq_open(&s, path, err, sizeof(err)), 0);
	assert_int_equal(notify_seq_resume(&s, notify_seq_ctx(&s, "prod")), 12);
	assert_int_equal(notify_seq_resume(&s, notify_seq_ctx(&s, "test")), 4);
	assert_int_equal(notify_seq_resume(&s, notify_seq_ctx(&s, "new")), -1);
	notify_seq_close(&s);
	unlink(path);

	/* A corrupt file is an error, never written over silently. */
	{
		FILE *f = fopen(path, "w");
		fputs("{\"not\": 1}", f);
		fclose(f);
	}
	assert_true(notify_seq_open(&s, path, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "remove it"));
	notify_seq_close(&s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_rules),
	    cmocka_unit_test(test_config_hostile),
	    cmocka_unit_test(test_config_oversized),
	    cmocka_unit_test(test_seq_position),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
