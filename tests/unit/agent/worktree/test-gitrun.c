/*
 * test-gitrun: git runs with an argv, without the agent's GIT_* variables,
 * with its output bounded and a timeout that kills it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/worktree/gitrun.h"
#include "common/err.h"

static char repo[64];

static int
setup(void **state)
{
	struct gitrun r;
	const char *init[] = {"init", "-q", NULL};

	(void)state;
	snprintf(repo, sizeof repo, "/tmp/cm-gitrun-XXXXXX");
	if (mkdtemp(repo) == NULL)
		return -1;
	gitrun_init(&r, repo, init);
	if (gitrun_run(&r) != 0)
		return -1;
	gitrun_release(&r);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
	return system(cmd) == 0 ? 0 : -1;
}

/* A GIT_DIR in the agent's environment does not point git elsewhere. */
static void
test_env_sanitised(void **state)
{
	const char *args[] = {"rev-parse", "--show-toplevel", NULL};
	struct gitrun r;
	char real[256];

	(void)state;
	setenv("GIT_DIR", "/nonexistent", 1);
	setenv("GIT_WORK_TREE", "/", 1);
	gitrun_init(&r, repo, args);
	assert_int_equal(gitrun_run(&r), 0);
	assert_non_null(realpath(repo, real));
	assert_non_null(strstr(r.out.data, real));
	gitrun_release(&r);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
}

/* Arguments are never a shell's: a ';' is just a bad revision. */
static void
test_argv(void **state)
{
	const char *args[] = {"rev-parse",	  "--verify",  "--quiet",
			      "--end-of-options", "x;touch y", NULL};
	struct gitrun r;
	char y[128];

	(void)state;
	gitrun_init(&r, repo, args);
	assert_int_equal(gitrun_run(&r), 1);
	snprintf(y, sizeof y, "%s/y", repo);
	assert_int_equal(access(y, F_OK), -1);
	gitrun_release(&r);
}

/* Output past the bound is dropped and said so. */
static void
test_bounded(void **state)
{
	const char *args[] = {"help", "-a", NULL};
	struct gitrun r;

	(void)state;
	gitrun_init(&r, repo, args);
	r.out_max = 100;
	assert_int_equal(gitrun_run(&r), 0);
	assert_int_equal(r.out.len, 100);
	assert_true(r.truncated);
	gitrun_release(&r);
}

/* A git that takes too long is killed. */
static void
test_timeout(void **state)
{
	const char *args[] = {"-c", "alias.nap=!sleep 7.31", "nap", NULL};
	struct gitrun r;

	(void)state;
	gitrun_init(&r, repo, args);
	r.timeout_ms = 200;
	assert_int_equal(gitrun_run(&r), CM_ETIMEDOUT);
	assert_true(r.timed_out);
	assert_string_equal(gitrun_why(&r), "git did not finish in time");
	/* What git started went with it: nothing holds the pipe open. */
	assert_int_equal(system("pgrep -f '^sleep 7.31$' >/dev/null"), 256);
	gitrun_release(&r);
}

/* A reaper elsewhere (the agent's SIGCHLD handler) files the status for the runner. */
static void
test_reaped_elsewhere(void **state)
{
	(void)state;
	assert_int_equal(gitrun_reaped(getpid(), 0), 0); /* not a git child */
}

/* stderr's reason, without git's "fatal: ". */
static void
test_why(void **state)
{
	const char *args[] = {"checkout", "no-such-branch", NULL};
	struct gitrun r;

	(void)state;
	gitrun_init(&r, repo, args);
	assert_true(gitrun_run(&r) > 0);
	assert_null(strstr(gitrun_why(&r), "error: "));
	assert_non_null(strstr(gitrun_why(&r), "no-such-branch"));
	gitrun_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_sanitised),    cmocka_unit_test(test_argv),
	    cmocka_unit_test(test_bounded),	     cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_reaped_elsewhere), cmocka_unit_test(test_why),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
