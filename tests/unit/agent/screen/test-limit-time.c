/*
 * test-limit-time: reset times read from the limit screens of the real
 * tools (tests/fixtures) and from the other shapes they use; garbage,
 * impossible times and oversized text give 0 or the right answer, never a
 * wrong time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "agent/screen/limit-time.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

/* 2026-12-01 13:00:00 UTC, the day the fixtures were recorded. */
#define NOW 1796130000.0

static double
at(const char *text, double now)
{
	return limit_time_parse(text, text ? strlen(text) : 0, now);
}

static double
fixture(const char *name, double now)
{
	char *path = xasprintf("%s/%s", CM_FIXTURES_DIR, name), *text = NULL;
	size_t len = 0;
	double t;

	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	t = limit_time_parse(text, len, now);
	free(text);
	free(path);
	return t;
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void
test_fixtures(void **state)
{
	(void)state;
	/* Claude Code with a subscription: "You've hit your session limit · resets 3:02pm (UTC)".
	 */
	assert_true(fixture("claude/usagelimit-sub-esc-01.txt", NOW) == NOW + 2 * 3600 + 120);
	assert_true(fixture("claude/usagelimit-sub-menu-01.txt", NOW) == NOW + 2 * 3600 + 120);
	/* After 15:02 it is tomorrow's 15:02. */
	assert_true(fixture("claude/usagelimit-sub-again-01.txt", NOW + 3 * 3600) ==
		    NOW + 26 * 3600 + 120);
	/* Codex: "... or try again at 3:00 PM." on the wrapped line. */
	assert_true(fixture("codex/usagelimit-reset-01.txt", NOW) == NOW + 2 * 3600);
	/* Without a time: Codex's "try again later", Claude Code's API-key 429. */
	assert_true(fixture("codex/usagelimit-error-01.txt", NOW) == 0);
	assert_true(fixture("claude/usagelimit-error-01.txt", NOW) == 0);
	assert_true(fixture("claude/idle-01.txt", NOW) == 0);
}

static void
test_shapes(void **state)
{
	(void)state;
	assert_true(at("resets 3pm", NOW) == NOW + 2 * 3600);
	assert_true(at("Limit reached · resets 3PM (Europe/Paris)", NOW) == NOW + 2 * 3600);
	assert_true(at("reset at 15:30", NOW) == NOW + 2.5 * 3600);
	assert_true(at("Your limit will reset at 12am", NOW) == NOW + 11 * 3600);
	assert_true(at("try again at 1:05 p.m.", NOW) == NOW + 300);
	assert_true(at("try again at Dec 1st, 2026 3:04 PM.", NOW) == NOW + 2 * 3600 + 240);
	assert_true(at("try again in 2 hours 5 minutes", NOW) == NOW + 7500);
	assert_true(at("try again in 2 hours, and 5 minutes.", NOW) == NOW + 7500);
	assert_true(at("resets in 4h 12m", NOW) == NOW + 4 * 3600 + 720);
	assert_true(at("resets in 30s", NOW) == NOW + 30);
	assert_true(at("resets in 1 day", NOW) == NOW + 86400);
	/* A minute of slack: 1pm said at 13:00:30 is not tomorrow. */
	assert_true(at("resets 1pm", NOW + 30) == NOW);
	/* The last phrase on screen wins. */
	assert_true(at("resets 2pm\n...\nresets 4pm\n", NOW) == NOW + 3 * 3600);
}

static void
test_garbage(void **state)
{
	char *big;

	(void)state;
	assert_true(at(NULL, NOW) == 0);
	assert_true(at("", NOW) == 0);
	assert_true(at("try again later", NOW) == 0);
	assert_true(at("resets soon", NOW) == 0);
	assert_true(at("resets 3", NOW) == 0);	  /* a bare number is no hour */
	assert_true(at("resets 13pm", NOW) == 0); /* no such hour */
	assert_true(at("resets 0am", NOW) == 0);
	assert_true(at("resets 25:00", NOW) == 0);
	assert_true(at("resets 10:61", NOW) == 0);
	assert_true(at("resets 10:", NOW) == 0);
	assert_true(at("resets in 99999 hours", NOW) == 0); /* more than a week: not believed */
	assert_true(at("resets in 123456789012 s", NOW) == 0);
	assert_true(at("resets in", NOW) == 0);
	assert_true(at("resets at", NOW) == 0);
	assert_true(at("reset", NOW) == 0);
	/* A megabyte of noise with the phrase at its end: only the end is read. */
	big = xmalloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	memcpy(big + (1 << 20) - 20, " resets in 5m      ", 19);
	assert_true(at(big, NOW) == NOW + 300);
	memcpy(big + 100, " resets in 9m ", 14);
	memset(big + (1 << 20) - 20, 'x', 19);
	assert_true(at(big, NOW) == 0); /* too far from the end */
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
