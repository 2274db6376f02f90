/*
 * test-recovery: a profile's "resume", "restart" and "usage_limit". The
 * shipped claude and codex profiles resume their tool's conversation and
 * restart on failure; every malformed or hostile section is refused with
 * "FILE: reason" and the profile with it; the command lines built keep an
 * id as one argument in the place of "{id}".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define DOC(extra)                                                                                 \
	"{\"name\": \"t\", \"argv\": [\"tool\"], " extra ", \"rules\": [{\"name\": \"r1\", "       \
	"\"state\": \"idle\", \"any\": [\"^> \"]}]}"

/* Parses text; the profile, or NULL with the error in *err (caller frees). */
static struct profile *
parse(const char *text, char **err)
{
	struct profile *p = NULL;
	struct buf e;

	buf_init(&e, 1024);
	if (profile_parse_json(text, strlen(text), "t.json", &p, &e) != 0) {
		*err = buf_steal(&e, NULL);
		return NULL;
	}
	buf_release(&e);
	*err = NULL;
	return p;
}

static void
refused(const char *text, const char *want)
{
	char *err;
	struct profile *p = parse(text, &err);

	if (p != NULL)
		fail_msg("accepted: %s", text);
	if (strstr(err, want) == NULL || strncmp(err, "t.json: ", 8) != 0)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	free(err);
}

static void
test_defaults(void **state)
{
	char *err;
	struct profile *p = parse(DOC("\"comment\": \"none\""), &err);
	const struct profile_recovery *r;

	(void)state;
	assert_non_null(p);
	r = profile_recovery(p);
	assert_non_null(r);
	assert_int_equal(r->id, RECOVERY_ID_NONE);
	assert_int_equal(r->restart, RESTART_NEVER);
	assert_null(r->continue_text);
	profile_free(p);
}

static void
test_shipped(void **state)
{
	struct profile *p;
	struct buf err;
	const struct profile_recovery *r;

	(void)state;
	buf_init(&err, 1024);
	assert_int_equal(profile_load_file(CM_SOURCE_DIR "/profiles/claude.json", &p, &err), 0);
	r = profile_recovery(p);
	assert_int_equal(r->id, RECOVERY_ID_UUID);
	assert_int_equal(r->restart, RESTART_ON_FAILURE);
	assert_string_equal(r->start_args[0], "--session-id");
	assert_string_equal(r->resume_args[0], "--resume");
	assert_string_equal(r->continue_text, "continue");
	assert_string_equal(r->dismiss_key, "Escape");
	profile_free(p);
	assert_int_equal(profile_load_file(CM_SOURCE_DIR "/profiles/codex.json", &p, &err), 0);
	r = profile_recovery(p);
	assert_int_equal(r->id, RECOVERY_ID_LEARNED);
	assert_int_equal(r->restart, RESTART_ON_FAILURE);
	assert_non_null(r->id_file);
	assert_non_null(r->id_screen);
	/* The id is group 1 of a rollout file's path. */
	{
		const char *path =
		    "/home/u/.codex/sessions/2026/12/01/"
		    "rollout-2026-12-01T13-00-02-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b."
		    "jsonl";
		regmatch_t m[2];

		assert_true(profile_regex_match(r->id_file, path, 2, m));
		assert_int_equal(m[1].rm_eo - m[1].rm_so, 36);
		assert_memory_equal(path + m[1].rm_so, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 36);
		assert_false(profile_regex_match(r->id_file, "/tmp/rollout-x.jsonl", 2, m));
		assert_true(profile_regex_match(
		    r->id_screen, "  codex resume 0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 2, m));
	}
	profile_free(p);
	buf_release(&err);
}

static void
test_argv(void **state)
{
	char *base[] = {"claude", "--model", "x"};
	char *args[] = {"--resume", "{id}"};
	char *eq[] = {"--resume={id}"};
	char **v;

	(void)state;
	v = recovery_argv(base, 3, args, 2, "0b6c9a8e-3f1d-4e57-9a51-2c8d6f0e7b14");
	assert_string_equal(v[0], "claude");
	assert_string_equal(v[3], "--resume");
	assert_string_equal(v[4], "0b6c9a8e-3f1d-4e57-9a51-2c8d6f0e7b14");
	assert_null(v[5]);
	profile_argv_free(v);
	v = recovery_argv(base, 1, eq, 1, "abc");
	assert_string_equal(v[1], "--resume=abc");
	assert_null(v[2]);
	profile_argv_free(v);
	assert_true(recovery_id_valid("0b6c9a8e-3f1d-4e57-9a51-2c8d6f0e7b14"));
	assert_false(recovery_id_valid("-rf"));
	assert_false(recovery_id_valid("a b"));
	assert_false(recovery_id_valid("a;b"));
	assert_false(recovery_id_valid("$(x)"));
	assert_false(recovery_id_valid(""));
	assert_false(recovery_id_valid(NULL));
	assert_false(
	    recovery_id_valid("0123456789012345678901234567890123456789012345678901234567890"
			      "12345"));
	assert_int_equal(restart_policy_parse("on-failure"), RESTART_ON_FAILURE);
	assert_int_equal(restart_policy_parse("always"), RESTART_ALWAYS);
	assert_int_equal(restart_policy_parse("never"), RESTART_NEVER);
	assert_int_equal(restart_policy_parse("On-Failure"), -1);
	assert_int_equal(restart_policy_parse(NULL), -1);
}

static void
test_refused(void **state)
{
	(void)state;
	refused(DOC("\"resume\": 3"), "\"resume\" must be an object");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"args\": [\"--resume\", \"{id}\"], \"x\": 1}"),
		"unknown key \"x\" in resume");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"args\": [\"--resume\", \"{id}\"]}"),
		"needs \"start\"");
	refused(DOC("\"resume\": {\"id\": \"guess\", \"args\": [\"{id}\"]}"), "resume.id must be");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"--session-id\"], \"args\": "
		    "[\"{id}\"]}"),
		"resume.start must hold \"{id}\" exactly once");
	refused(
	    DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"{id}\"], \"args\": [\"{id}{id}\"]}"),
	    "resume.args must hold \"{id}\" exactly once");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"{id}\"], \"args\": [\"{id}\", "
		    "\"{id}\"]}"),
		"exactly once");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"{id}\"], \"args\": []}"),
		"1 to 8 strings");
	refused(
	    DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"{id}\"], \"args\": [\"a\", \"b\", "
		"\"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"{id}\"]}"),
	    "1 to 8 strings");
	refused(DOC("\"resume\": {\"id\": \"uuid\", \"start\": [\"{id}\"], \"args\": [7]}"),
		"must be a string");
	refused(DOC("\"resume\": {\"id\": {\"open_file\": \"no group\"}, \"args\": [\"{id}\"]}"),
		"needs a group");
	refused(DOC("\"resume\": {\"id\": {\"open_file\": \"(unclosed\"}, \"args\": [\"{id}\"]}"),
		"resume.id.open_file");
	refused(DOC("\"resume\": {\"id\": {}, \"args\": [\"{id}\"]}"), "needs \"open_file\"");
	refused(DOC("\"resume\": {\"id\": {\"file\": \"(x)\"}, \"args\": [\"{id}\"]}"),
		"unknown key \"file\"");
	refused(DOC("\"restart\": {\"policy\": \"sometimes\"}"), "restart.policy");
	refused(DOC("\"restart\": {}"), "restart.policy");
	refused(DOC("\"restart\": {\"policy\": \"always\", \"backoff_ms\": 0}"), "backoff_ms");
	refused(DOC("\"restart\": {\"policy\": \"always\", \"backoff_ms\": 99999999999}"),
		"backoff_ms");
	refused(DOC("\"restart\": {\"policy\": \"always\", \"backoff_ms\": \"1\"}"), "backoff_ms");
	refused(
	    DOC("\"restart\": {\"policy\": \"always\", \"backoff_ms\": 5000, \"max_backoff_ms\": "
		"1000}"),
	    "at least backoff_ms");
	refused(DOC("\"restart\": {\"policy\": \"always\", \"max_attempts\": 0}"), "max_attempts");
	refused(DOC("\"restart\": {\"policy\": \"always\", \"max_attempts\": -1}"), "max_attempts");
	refused(DOC("\"usage_limit\": {}"), "usage_limit.continue");
	refused(DOC("\"usage_limit\": {\"continue\": \"\"}"), "usage_limit.continue");
	refused(DOC("\"usage_limit\": {\"continue\": \"go\\non\"}"), "one line");
	refused(DOC("\"usage_limit\": {\"continue\": \"\\u001b[2J\"}"), "one line");
	refused(DOC("\"usage_limit\": {\"continue\": \"go\", \"spread_ms\": -1}"), "spread_ms");
	refused(DOC("\"usage_limit\": {\"continue\": \"go\", \"verify_ms\": 10}"), "verify_ms");
	refused(DOC("\"usage_limit\": {\"continue\": \"go\", \"dismiss\": {\"rule\": \"r1\", "
		    "\"key\": \"NotAKey\"}}"),
		"usage_limit.dismiss");
	refused(DOC("\"usage_limit\": {\"continue\": \"go\", \"dismiss\": \"Escape\"}"),
		"usage_limit.dismiss");
}

/* A text over the limit is refused, not cut. */
static void
test_oversized(void **state)
{
	char *doc, *text = xmalloc(RECOVERY_CONTINUE_MAX + 2);

	(void)state;
	memset(text, 'a', RECOVERY_CONTINUE_MAX + 1);
	text[RECOVERY_CONTINUE_MAX + 1] = '\0';
	doc = xasprintf(DOC("\"usage_limit\": {\"continue\": \"%s\"}"), text);
	refused(doc, "usage_limit.continue");
	free(doc);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),  cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_argv),      cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_oversized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
