/*
 * test-timearg: the --since/--until values of cm logs and cm grep:
 * durations back from now, times with and without a zone, and garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "timearg.h"

#define NOW 1764590000.0 /* 2025-12-01T11:53:20Z */

static void
test_durations(void **state)
{
	double t;

	(void)state;
	assert_int_equal(timearg_parse("90s", NOW, &t), 0);
	assert_true(t == NOW - 90);
	assert_int_equal(timearg_parse("90", NOW, &t), 0);
	assert_true(t == NOW - 90);
	assert_int_equal(timearg_parse("10m", NOW, &t), 0);
	assert_true(t == NOW - 600);
	assert_int_equal(timearg_parse("2h", NOW, &t), 0);
	assert_true(t == NOW - 7200);
	assert_int_equal(timearg_parse("3d", NOW, &t), 0);
	assert_true(t == NOW - 3 * 86400);
	assert_int_equal(timearg_parse("1w", NOW, &t), 0);
	assert_true(t == NOW - 7 * 86400);
	assert_int_equal(timearg_parse("1.5h", NOW, &t), 0);
	assert_true(t == NOW - 5400);
	/* Further back than the epoch is the epoch. */
	assert_int_equal(timearg_parse("99y", NOW, &t), -1);
	assert_int_equal(timearg_parse("36000d", NOW, &t), 0);
	assert_true(t == 0);
}

static void
test_times(void **state)
{
	double t;

	(void)state;
	assert_int_equal(timearg_parse("2025-12-01T11:53:20Z", NOW, &t), 0);
	assert_true(t == NOW);
	assert_int_equal(timearg_parse("2025-12-01T12:53:20+01:00", NOW, &t), 0);
	assert_true(t == NOW);
	assert_int_equal(timearg_parse("2025-12-01T11:00:00-00:53", NOW, &t), 0);
	assert_true(t == NOW - 20);
	setenv("TZ", "UTC", 1);
	assert_int_equal(timearg_parse("2025-12-01 11:53", NOW, &t), 0);
	assert_true(t == NOW - 20);
	assert_int_equal(timearg_parse("2025-12-01", NOW, &t), 0);
	assert_true(t == NOW - (11 * 3600 + 53 * 60 + 20));
}

static void
test_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "banana",
	    "5x",
	    "-5m",
	    "10mm",
	    "m",
	    "1e400",
	    "2025-13-01",
	    "2025-12-01T25:00",
	    "2025-12-01T11:53:20+5",
	    "2025-12-01Tx",
	    "2025-12-01T11:53:20Z junk",
	};
	double t = 42;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(timearg_parse(bad[i], NOW, &t), -1);
		assert_true(t == 42);
	}
	assert_int_equal(timearg_parse(NULL, NOW, &t), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
