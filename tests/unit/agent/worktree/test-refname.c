/*
 * test-refname: branch names and base refs a client may give for a
 * worktree; everything that could read as an option, a path outside the
 * worktrees' directory or shell syntax is refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/worktree/refname.h"

static void
test_branch_good(void **state)
{
	static const char *const good[] = {"main",     "feat/json", "cm/fake-1770-2",
					   "v1.2_x+y", "a/b/c",	    "UPPER-case.9"};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(refname_branch_ok(good[i], why, sizeof why));
}

static void
test_branch_bad(void **state)
{
	static const struct {
		const char *name, *why;
	} bad[] = {
	    {"", "empty"},
	    {"-x", "start with '-'"},
	    {"--force", "start with '-'"},
	    {"../..", "\"..\""},
	    {"a/../b", "\"..\""},
	    {";rm", "';'"},
	    {"a b", "' '"},
	    {"$(id)", "'$'"},
	    {"a`b`", "'`'"},
	    {"x~1", "'~'"},
	    {"x^", "'^'"},
	    {"a:b", "':'"},
	    {"a\\b", "'\\'"},
	    {"a#b", "'#'"},
	    {"/abs", "'/'"},
	    {"a/", "'/'"},
	    {"a//b", "'/'"},
	    {".hidden", "'.'"},
	    {"a/.b", "'.'"},
	    {"a.", "'.'"},
	    {"x.lock", ".lock"},
	    {"x.lock/y", ".lock"},
	    {"HEAD", "HEAD"},
	    {"a\tb", "control"},
	    {"\xc3\xa9", "non-ASCII"},
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		assert_false(refname_branch_ok(bad[i].name, why, sizeof why));
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: reason \"%s\" does not say %s", bad[i].name, why, bad[i].why);
	}
}

static void
test_branch_length(void **state)
{
	char name[REFNAME_MAX + 2], why[256];

	(void)state;
	memset(name, 'x', REFNAME_MAX);
	name[REFNAME_MAX] = '\0';
	assert_true(refname_branch_ok(name, why, sizeof why));
	name[REFNAME_MAX] = 'x';
	name[REFNAME_MAX + 1] = '\0';
	assert_false(refname_branch_ok(name, why, sizeof why));
	assert_non_null(strstr(why, "longer"));
}

static void
test_base(void **state)
{
	char why[256];

	(void)state;
	assert_true(refname_base_ok("main", why, sizeof why));
	assert_true(refname_base_ok("main~2", why, sizeof why));
	assert_true(refname_base_ok("v1.0^", why, sizeof why));
	assert_true(refname_base_ok("4b825dc642cb6eb9a060e54bf8d69288fbee4904", why, sizeof why));
	assert_false(refname_base_ok("-x", why, sizeof why));
	assert_false(refname_base_ok("main;rm", why, sizeof why));
	assert_false(refname_base_ok("main..x", why, sizeof why));
	assert_false(refname_base_ok("main@{1}", why, sizeof why));
	assert_false(refname_base_ok("", why, sizeof why));
}

static void
test_dirname(void **state)
{
	char d[REFNAME_MAX + 1];

	(void)state;
	refname_dirname("feat/a/b", d, sizeof d);
	assert_string_equal(d, "feat-a-b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_branch_good),	  cmocka_unit_test(test_branch_bad),
	    cmocka_unit_test(test_branch_length), cmocka_unit_test(test_base),
	    cmocka_unit_test(test_dirname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
