/*
 * Unit tests of src/cli/prefs.c (config.json) and of contexts_replace /
 * contexts_rename: strict parsing with the line of the key, defaults,
 * hostile values; renames that keep the file valid or change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "contexts.h"
#include "prefs.h"

/* Parses text; returns the code and leaves the message in err. */
static int
parse(const char *text, struct prefs *p, char *err, size_t n)
{
	err[0] = '\0';
	return prefs_parse(p, "config.json", text, strlen(text), err, n);
}

/* A file that says nothing is all defaults: read-only mcp, no context, no pool. */
static void
test_defaults(void **state)
{
	struct prefs p;
	char err[512];

	(void)state;
	assert_int_equal(parse("{}", &p, err, sizeof(err)), 0);
	assert_null(p.context);
	assert_null(p.pool);
	assert_int_equal(p.auto_confirm, -1);
	assert_int_equal(p.mcp_actions, PREFS_ACT_READ);
	assert_true(prefs_mcp_context_allowed(&p, "anything"));
	prefs_release(&p);
}

/* Every key is read. */
static void
test_full(void **state)
{
	struct prefs p;
	char err[512];

	(void)state;
	assert_int_equal(parse("{\"version\": 1, \"defaults\": {\"context\": \"prod\", \"pool\": "
			       "\"web\", \"autoConfirm\": true}, \"mcp\": {\"contexts\": "
			       "[\"prod\"], \"actions\": [\"start\", \"send\"]}, "
			       "\"notifications\": {}}",
			       &p, err, sizeof(err)),
			 0);
	assert_string_equal(p.context, "prod");
	assert_string_equal(p.pool, "web");
	assert_int_equal(p.auto_confirm, 1);
	assert_int_equal(p.mcp_actions, PREFS_ACT_START | PREFS_ACT_SEND);
	assert_true(prefs_mcp_context_allowed(&p, "prod"));
	assert_false(prefs_mcp_context_allowed(&p, "staging"));
	prefs_release(&p);
}

/* Each bad file is refused with the key's path, and its line when it is found. */
static void
test_bad(void **state)
{
	static const struct {
		const char *text; /* the file */
		const char *want; /* a part of the message */
	} cases[] = {
	    {"{\n\"version\": 1,\n\"colour\": 1}", "line 3: colour: unknown key"},
	    {"{\"defaults\": {\n \"context\": \"a\",\n \"contxt\": \"b\"}}",
	     "line 3: defaults.contxt: unknown key"},
	    /* The key's text inside a value earlier is not taken for the key. */
	    {"{\"defaults\": {\"context\": \"pool\",\n\n \"pool\": 5}}", "line 3: defaults.pool"},
	    {"{\"notifications\": {\"email\": \"x\"}}", "notifications.email: unknown key"},
	    {"{\"notifications\": []}", "notifications: must be an object"},
	    {"{\"defaults\": []}", "defaults: must be an object"},
	    {"{\"defaults\": {\"autoConfirm\": 1}}", "defaults.autoConfirm: must be true or false"},
	    {"{\"defaults\": {\"context\": \"\"}}", "defaults.context: must be a name"},
	    {"{\"defaults\": {\"context\": \"a/../../b\"}}", "defaults.context: must be a name"},
	    {"{\"defaults\": {\"pool\": \"-x\"}}", "defaults.pool: must be a name"},
	    {"{\"mcp\": {\"actions\": \"read\"}}", "mcp.actions: must be a list"},
	    {"{\"mcp\": {\"actions\": [\"read\", 1]}}", "mcp.actions: every entry"},
	    {"{\"mcp\": {\"contexts\": [\"ok\", \"not ok\"]}}", "mcp.contexts: every entry"},
	    {"{\"version\": \"1\"}", "version: must be 1"},
	    {"{\"version\": 1, \"version\": 1}", "duplicate"},
	    {"[]", "config.json"},
	    {"{\"a\\u0000b\": 1}", "config.json"},
	    {"{\"defaults\": ", "line 1 column"},
	};
	struct prefs p;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].text, &p, err, sizeof(err)) >= 0)
			fail_msg("case %zu accepted", i);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
		prefs_release(&p);
	}
}

/* 65 contexts are one too many; a 4096-deep nesting is refused, not a crash. */
static void
test_limits(void **state)
{
	char text[8192], err[512];
	struct prefs p;
	size_t used;

	(void)state;
	used = (size_t)snprintf(text, sizeof(text), "{\"mcp\": {\"contexts\": [");
	for (int i = 0; i < 65; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s\"c%d\"",
					 i ? "," : "", i);
	snprintf(text + used, sizeof(text) - used, "]}}");
	assert_true(parse(text, &p, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "at most 64"));
	prefs_release(&p);
	memset(text, '[', 4096);
	text[4096] = '\0';
	assert_true(parse(text, &p, err, sizeof(err)) < 0);
	prefs_release(&p);
}

/* Action names both ways. */
static void
test_actions(void **state)
{
	(void)state;
	assert_int_equal(prefs_action_parse("confirm"), PREFS_ACT_CONFIRM);
	assert_int_equal(prefs_action_parse("Confirm"), 0);
	assert_int_equal(prefs_action_parse(NULL), 0);
	assert_string_equal(prefs_action_name(PREFS_ACT_KILL), "kill");
}

/* A contexts document with two contexts, "a" the current one. */
static void
two_contexts(struct contexts *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->path = strdup("/nonexistent/contexts.json");
	cs->root = json_pack("{s:i, s:s, s:[{s:s, s:s, s:{s:s, s:s}}, {s:s, s:s, s:{s:s, s:s}}]}",
			     "version", 1, "current", "a", "contexts", "id", "ctx-a", "name", "a",
			     "machine", "type", "local", "authToken", "t", "id", "mine", "name",
			     "b", "machine", "type", "local", "authToken", "t");
}

/* rename moves the name, cm's id and the default; refusals change nothing. */
static void
test_rename(void **state)
{
	struct contexts cs;
	struct ctx x;
	char err[512];
	json_t *before;

	(void)state;
	two_contexts(&cs);
	before = json_deep_copy(cs.root);
	assert_int_equal(contexts_rename(&cs, "a", "b", err, sizeof(err)), CM_EEXIST);
	assert_int_equal(contexts_rename(&cs, "a", "bad name", err, sizeof(err)), CM_EINVAL);
	assert_int_equal(contexts_rename(&cs, "zz", "c", err, sizeof(err)), CM_ENOENT);
	assert_true(json_equal(before, cs.root));
	assert_int_equal(contexts_rename(&cs, "a", "c", err, sizeof(err)), 0);
	assert_int_equal(contexts_find(&cs, "c", &x), 0);
	assert_string_equal(x.id, "ctx-c");
	assert_string_equal(contexts_current(&cs), "c");
	assert_int_equal(contexts_find(&cs, "a", &x), CM_ENOENT);
	/* An id the user chose stays. */
	assert_int_equal(contexts_rename(&cs, "b", "d", err, sizeof(err)), 0);
	assert_int_equal(contexts_find(&cs, "d", &x), 0);
	assert_string_equal(x.id, "mine");
	/* The order of the list is kept. */
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(cs.root, "contexts"), 0), "name")),
			    "c");
	json_decref(before);
	contexts_release(&cs);
}

/* replace refuses an invalid object and leaves the old one. */
static void
test_replace_invalid(void **state)
{
	struct contexts cs;
	struct ctx x;
	char err[512];

	(void)state;
	two_contexts(&cs);
	assert_true(
	    contexts_replace(&cs, "a",
			     json_pack("{s:s, s:{s:s}}", "name", "a", "machine", "type", "local"),
			     err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "exactly one of authToken"));
	assert_int_equal(contexts_find(&cs, "a", &x), 0);
	assert_string_equal(x.token, "t");
	contexts_release(&cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_rename),
	    cmocka_unit_test(test_replace_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
