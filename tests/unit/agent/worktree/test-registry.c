/*
 * test-registry: worktree records on disk: they come back after a restart
 * with their turns, indexes fill the lowest gap, and a record that is not
 * one (bad JSON, a relative path, an index below 1, a file name that is no
 * session id) is left alone rather than trusted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/worktree/wt-registry.h"
#include "common/xmalloc.h"

static char state[64];

static int
setup(void **s)
{
	(void)s;
	snprintf(state, sizeof state, "/tmp/cm-wtreg-XXXXXX");
	return mkdtemp(state) ? 0 : -1;
}

static int
teardown(void **s)
{
	char cmd[128];

	(void)s;
	snprintf(cmd, sizeof cmd, "rm -rf %s", state);
	return system(cmd) == 0 ? 0 : -1;
}

static struct wt_entry *
entry(const char *sid, int index)
{
	struct wt_entry *e = xcalloc(1, sizeof *e);

	e->sid = xstrdup(sid);
	e->repo = xstrdup("/r");
	e->path = xstrdup("/r.cm-worktrees/b");
	e->branch = xstrdup("b");
	e->base = xstrdup("main");
	e->base_commit = xstrdup("0123");
	e->created_branch = 1;
	e->index = index;
	e->turns = json_array();
	return e;
}

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/worktrees/%s", state, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_roundtrip(void **s)
{
	struct wt_registry reg;
	struct wt_entry *e;
	struct stat st;
	char path[256];

	(void)s;
	assert_int_equal(wt_registry_init(&reg, state), 0);
	assert_int_equal(wt_registry_next_index(&reg), 1);
	wt_registry_add(&reg, entry("cm-1-1", 1));
	wt_registry_add(&reg, entry("cm-1-3", 3));
	assert_int_equal(wt_registry_next_index(&reg), 2); /* the lowest gap */
	e = wt_registry_find(&reg, "cm-1-1");
	assert_int_equal(wt_entry_add_turn(&reg, e, "aaaa", 1.0), 1);
	assert_int_equal(wt_entry_add_turn(&reg, e, "bbbb", 2.0), 2);
	snprintf(path, sizeof path, "%s/worktrees/cm-1-1.json", state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	wt_registry_release(&reg);

	assert_int_equal(wt_registry_init(&reg, state), 0);
	e = wt_registry_find(&reg, "cm-1-1");
	assert_non_null(e);
	assert_string_equal(wt_entry_turn_tree(e, 2), "bbbb");
	assert_null(wt_entry_turn_tree(e, 3));
	assert_null(wt_entry_turn_tree(e, 0));
	assert_int_equal(wt_registry_next_index(&reg), 2);
	wt_registry_remove(&reg, e);
	assert_int_equal(wt_registry_next_index(&reg), 1);
	assert_int_equal(access(path, F_OK), -1);
	wt_registry_release(&reg);
}

static void
test_hostile_records(void **s)
{
	struct wt_registry reg;

	(void)s;
	assert_int_equal(wt_registry_init(&reg, state), 0);
	wt_registry_release(&reg);
	write_file("cm-2-1.json", "{not json");
	write_file("cm-2-2.json",
		   "{\"repo\":\"rel\",\"path\":\"/p\",\"branch\":\"b\",\"base\":\"m\","
		   "\"baseCommit\":\"c\",\"createdBranch\":true,\"index\":1}");
	write_file("cm-2-3.json",
		   "{\"repo\":\"/r\",\"path\":\"/p\",\"branch\":\"b\",\"base\":\"m\","
		   "\"baseCommit\":\"c\",\"createdBranch\":true,\"index\":0}");
	write_file("x;rm.json", "{\"repo\":\"/r\",\"path\":\"/p\",\"branch\":\"b\",\"base\":\"m\","
				"\"baseCommit\":\"c\",\"createdBranch\":true,\"index\":1}");
	write_file("cm-2-4.json",
		   "{\"repo\":\"/r\",\"path\":\"/p\",\"branch\":\"b\",\"base\":\"m\","
		   "\"baseCommit\":\"c\",\"createdBranch\":false,\"index\":2,"
		   "\"turns\":\"nope\"}");
	write_file("cm-2-5.json",
		   "{\"repo\":\"/r\",\"path\":\"/p\",\"branch\":\"b\",\"base\":\"m\","
		   "\"baseCommit\":\"c\",\"createdBranch\":false,\"index\":2}");
	assert_int_equal(wt_registry_init(&reg, state), 0);
	assert_null(wt_registry_find(&reg, "cm-2-1"));
	assert_null(wt_registry_find(&reg, "cm-2-2"));
	assert_null(wt_registry_find(&reg, "cm-2-3"));
	assert_null(wt_registry_find(&reg, "cm-2-4"));
	assert_non_null(wt_registry_find(&reg, "cm-2-5"));
	assert_int_equal(wt_registry_next_index(&reg), 1);
	wt_registry_release(&reg);
	/* A record left alone stays on disk for a person to look at. */
	{
		char path[256];

		snprintf(path, sizeof path, "%s/worktrees/cm-2-1.json", state);
		assert_int_equal(access(path, F_OK), 0);
	}
}

static void
test_no_registry(void **s)
{
	(void)s;
	assert_null(wt_registry_find(NULL, "cm-1-1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_hostile_records),
	    cmocka_unit_test(test_no_registry),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
