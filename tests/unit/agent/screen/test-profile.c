/*
 * test-profile: loading and validating profiles. The shipped profiles load
 * cleanly; broken regexes, unknown keys, wrong types, oversized files and
 * bad names are refused with "FILE: [rule NAME: ]reason" while the good
 * files of the same directory still load; argv building keeps a task full
 * of shell metacharacters as one argument.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/screen/profile.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define GOOD                                                                                       \
	"{\"name\": \"%s\", \"argv\": [\"tool\", \"--flag\"],"                                     \
	" \"rules\": [{\"name\": \"r1\", \"state\": \"idle\", \"any\": [\"^> \"]}]}"

/* Parses text; returns the error text (caller frees) or NULL on success. */
static char *
parse(const char *text, struct profile **out)
{
	struct buf err;
	int rc;

	buf_init(&err, 4096);
	rc = profile_parse_json(text, strlen(text), "t.json", out, &err);
	if (rc == 0) {
		assert_int_equal(err.len, 0);
		buf_release(&err);
		return NULL;
	}
	assert_null(*out);
	assert_true(err.len > 0);
	return buf_steal(&err, NULL);
}

/* Asserts that text is refused with an error containing want. */
static void
refused(const char *text, const char *want)
{
	struct profile *p = NULL;
	char *e = parse(text, &p);

	if (e == NULL)
		fail_msg("accepted: %s", text);
	if (strstr(e, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", e, want);
	assert_int_equal(strncmp(e, "t.json: ", 8), 0);
	assert_non_null(strchr(e, '\n'));
	free(e);
}

/* The shipped profiles and the fake tool's profile load without error. */
static void
test_shipped(void **state)
{
	struct profile_set *set;
	struct profile *fake;
	struct buf err;
	size_t i;

	(void)state;
	buf_init(&err, 65536);
	assert_int_equal(profile_set_load(CM_SOURCE_DIR "/profiles", &set, &err), 0);
	if (err.len)
		fail_msg("%s", err.data);
	assert_int_equal(profile_set_count(set), 4);
	assert_non_null(profile_set_find(set, "claude"));
	assert_non_null(profile_set_find(set, "codex"));
	assert_non_null(profile_set_find(set, "gemini"));
	assert_non_null(profile_set_find(set, "aider"));
	assert_null(profile_set_find(set, "fake"));
	for (i = 1; i < profile_set_count(set); i++)
		assert_true(strcmp(profile_name(profile_set_at(set, i - 1)),
				   profile_name(profile_set_at(set, i))) < 0);
	assert_string_equal(profile_description(profile_set_find(set, "claude")),
			    "Claude Code (Anthropic), interactive terminal UI");
	profile_set_free(set);
	assert_int_equal(profile_load_file(CM_SOURCE_DIR "/tests/profiles/fake.json", &fake, &err),
			 0);
	assert_string_equal(profile_name(fake), "fake");
	profile_free(fake);
	buf_release(&err);
}

/* Broken rules are refused with the rule's name and the reason. */
static void
test_refused(void **state)
{
	(void)state;
	refused(
	    "{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"bad-re\", \"state\": "
	    "\"idle\", \"any\": [\"(unclosed\"]}]}",
	    "rule bad-re: \"any\"[0]: regex /(unclosed/ does not compile");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"colour\": 1, \"rules\": []}",
		"unknown key \"colour\" in profile");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": [\"a\"], \"regoin\": {}}]}",
		"rule r: unknown key \"regoin\" in rule");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"region\": {\"area\": \"screen\", \"lst\": 3}, \"any\": [\"a\"]}]}",
		"unknown key \"lst\" in region");
	refused("{\"name\": \"x\", \"argv\": \"t\", \"rules\": []}", "\"argv\" must be an array");
	refused("{\"name\": 3, \"argv\": [\"t\"], \"rules\": []}", "\"name\" must be a string");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": \"a\"}]}",
		"rule r: \"any\" must be an array");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"sleeping\", \"any\": [\"a\"]}]}",
		"unknown state \"sleeping\"");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"region\": {\"last\": \"3\"}, \"any\": [\"a\"]}]}",
		"\"last\" must be an integer");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\"}]}",
		"rule r: a condition needs");
	refused("{\"name\": \"Bad Name\", \"argv\": [\"t\"], \"rules\": []}", "must match");
	refused("{\"name\": \"x\", \"argv\": [\"sh -c\"], \"rules\": []}", "argv[0]");
	refused("{\"name\": \"x\", \"argv\": [\"A=b\"], \"rules\": []}", "argv[0]");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"task\": {\"via\": \"argv\", \"args\": "
		"[\"--x\"]}, \"rules\": []}",
		"must contain \"{task}\"");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"env\": {\"LD_PRELOAD\": \"x\"}, \"rules\": "
		"[]}",
		"LD_PRELOAD");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"waiting_confirm\", \"any\": [\"a\"], \"prompt\": {\"kind\": \"command\", "
		"\"question\": \"q\", \"answerable\": true}}]}",
		"needs \"yes\" keys");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"waiting_confirm\", \"any\": [\"a\"], \"prompt\": {\"kind\": \"command\", "
		"\"question\": \"q\", \"answerable\": true, \"yes\": [\"rm -rf\"]}}]}",
		"\"yes\"[0] must be");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": [\"(a{200}){200}\"]}]}",
		"too complex");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": [\"(((((a+)+)+)+)+)+b\\\\. ++++++++++++++++++\"]}]}",
		"too complex");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": [\"(a)\\\\1\"]}]}",
		"back-references");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"region\": {\"area\": \"input\"}, \"any\": [\"a\"]}]}",
		"needs the profile's \"input\"");
	refused("{\"name\": \"x\", \"name\": \"y\", \"argv\": [\"t\"], \"rules\": []}", "line 1");
	refused("[1, 2]", "must be a JSON object");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", \"state\": "
		"\"idle\", \"any\": [\"a\"]}, {\"name\": \"r\", \"state\": \"idle\", \"any\": "
		"[\"b\"]}]}",
		"duplicate rule name");
	refused("{\"schema\": 2, \"name\": \"x\", \"argv\": [\"t\"], \"rules\": []}", "schema");
}

/* What the accessors read from a parsed profile. */
static void
test_accessors(void **state)
{
	struct profile *p = NULL;
	char *text;

	(void)state;
	text = xasprintf(GOOD, "tool");
	assert_null(parse(text, &p));
	free(text);
	assert_string_equal(profile_program(p), "tool");
	assert_int_equal(profile_task_via(p), PROFILE_TASK_ARGV);
	assert_true(profile_ready_state(p, CM_STATE_IDLE));
	assert_false(profile_ready_state(p, CM_STATE_THINKING));
	profile_free(p);

	assert_null(parse("{\"name\": \"t2\", \"argv\": [\"/usr/bin/tool\"], \"task\": {\"via\": "
			  "\"argv\", \"args\": [\"--message={task}\", \"--yes\"]}, \"env\": "
			  "{\"A_B\": \"1\", \"NO_COLOR\": \"\"}, \"ready\": {\"states\": "
			  "[\"idle\", \"done\"], \"timeout_ms\": 5000}, \"rules\": [{\"name\": "
			  "\"r\", \"state\": \"idle\", \"none\": [\"x\"]}]}",
			  &p));
	assert_string_equal(profile_program(p), "/usr/bin/tool");
	assert_int_equal(profile_env_count(p), 2);
	assert_string_equal(profile_env_name(p, 0), "A_B");
	assert_string_equal(profile_env_value(p, 0), "1");
	assert_null(profile_env_name(p, 2));
	assert_true(profile_ready_state(p, CM_STATE_DONE));
	assert_int_equal(profile_ready_timeout_ms(p), 5000);
	profile_free(p);

	assert_null(parse("{\"name\": \"t3\", \"argv\": [\"t\"], \"task\": {\"via\": \"keys\"}, "
			  "\"rules\": [{\"name\": \"r\", \"state\": \"idle\", \"any\": [\"x\"]}]}",
			  &p));
	assert_int_equal(profile_task_via(p), PROFILE_TASK_KEYS);
	profile_free(p);
}

/* "settle_ms" and "tested_versions": defaults, values, and bad ones refused. */
static void
test_settle_and_versions(void **state)
{
	struct profile *p = NULL;
	const json_t *t;
	char *e;

	(void)state;
	e = parse("{\"name\": \"x\", \"argv\": [\"t\"], \"rules\": [{\"name\": \"r\", "
		  "\"state\": \"idle\", \"any\": [\"a\"]}]}",
		  &p);
	assert_null(e);
	assert_int_equal(profile_settle_ms(p), PROFILE_SETTLE_MS);
	assert_null(profile_tested_versions(p));
	profile_free(p);
	e = parse("{\"name\": \"x\", \"argv\": [\"t\"], \"settle_ms\": 0, "
		  "\"tested_versions\": {\"t\": [\"1.2.3\", \"1.3.0-beta.1\"]}, \"rules\": "
		  "[{\"name\": \"r\", \"state\": \"idle\", \"any\": [\"a\"]}]}",
		  &p);
	assert_null(e);
	assert_int_equal(profile_settle_ms(p), 0);
	t = profile_tested_versions(p);
	assert_non_null(t);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "t"), 1)),
			    "1.3.0-beta.1");
	profile_free(p);
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"settle_ms\": 5000, \"rules\": []}",
		"\"settle_ms\" must be between 0 and 2000");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"settle_ms\": \"50\", \"rules\": []}",
		"\"settle_ms\" must be an integer");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"tested_versions\": [\"1.0\"], "
		"\"rules\": []}",
		"\"tested_versions\" must be an object");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"tested_versions\": {\"t\": []}, "
		"\"rules\": []}",
		"tested_versions: \"t\" must be an array of 1 to 8 versions");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"tested_versions\": {\"t\": "
		"[\"latest\"]}, \"rules\": []}",
		"tested_versions: \"t\"[0] must be a version");
	refused("{\"name\": \"x\", \"argv\": [\"t\"], \"tested_versions\": {\"a b\": "
		"[\"1.0\"]}, \"rules\": []}",
		"tested_versions: \"a b\" is not a program name");
}

/* Writes a file in dir. */
static void
put(const char *dir, const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);

	assert_int_equal(fs_write_atomic(path, text, len), 0);
	free(path);
}

/* A bad file does not stop the good ones; each bad file is one error line. */
static void
test_directory(void **state)
{
	char dir[] = "/tmp/cm-test-profile-XXXXXX", *text, *big, *cmd;
	struct profile_set *set;
	struct buf err;
	size_t lines = 0, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	text = xasprintf(GOOD, "alpha");
	put(dir, "alpha.json", text, strlen(text));
	free(text);
	text = xasprintf(GOOD, "zeta");
	put(dir, "zeta.json", text, strlen(text));
	free(text);
	text = xasprintf("{\"name\": \"broken\", \"argv\": [\"t\"], \"rules\": [{\"name\": "
			 "\"r1\", \"state\": \"idle\", \"any\": [\"[z-a]\"]}]}");
	put(dir, "broken.json", text, strlen(text));
	free(text);
	text = xasprintf(GOOD, "other");
	put(dir, "misnamed.json", text, strlen(text));
	free(text);
	big = xmalloc(PROFILE_MAX_FILE + 10);
	memset(big, ' ', PROFILE_MAX_FILE + 10);
	put(dir, "big.json", big, PROFILE_MAX_FILE + 10);
	free(big);
	put(dir, "notes.txt", "ignored", 7);
	put(dir, ".hidden.json", "{", 1);

	buf_init(&err, 65536);
	assert_int_equal(profile_set_load(dir, &set, &err), 0);
	assert_int_equal(profile_set_count(set), 2);
	assert_non_null(profile_set_find(set, "alpha"));
	assert_non_null(profile_set_find(set, "zeta"));
	for (i = 0; i < err.len; i++)
		lines += err.data[i] == '\n';
	assert_int_equal(lines, 3);
	assert_non_null(strstr(err.data, "broken.json: rule r1: \"any\"[0]: regex /[z-a]/"));
	assert_non_null(strstr(err.data, "misnamed.json: name \"other\" does not match"));
	assert_non_null(strstr(err.data, "big.json: larger than"));
	profile_set_free(set);
	buf_release(&err);

	assert_int_equal(profile_set_load("/nonexistent/cm", &set, NULL), CM_ENOENT);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped),   cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_accessors), cmocka_unit_test(test_settle_and_versions),
	    cmocka_unit_test(test_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
