/*
 * Unit tests of the pure parts of the cm command line: command lookup by
 * unique prefix, exit statuses of failures, session id matching, argument
 * counts, output formatting, placement in pools, and the classification of ssh's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cm.h"
#include "conn.h"
#include "output.h"
#include "place.h"
#include "resolve.h"

enum cm_fail cm_tunnel_classify(const char *log, const char *host, char *msg, size_t n);

/* Exact names, aliases and unique prefixes find commands; ambiguity lists candidates. */
static void
test_cmd_find(void **state)
{
	char why[256];

	(void)state;
	assert_string_equal(cmd_find("start", why, sizeof(why))->name, "start");
	assert_string_equal(cmd_find("sta", why, sizeof(why)) ? "found" : why,
			    "ambiguous command \"sta\": could be start, status");
	assert_string_equal(cmd_find("star", why, sizeof(why))->name, "start");
	assert_string_equal(cmd_find("att", why, sizeof(why))->name, "attach");
	assert_string_equal(cmd_find("a", why, sizeof(why))->name, "attach");
	assert_string_equal(cmd_find("rm", why, sizeof(why))->name, "kill");
	assert_string_equal(cmd_find("w", why, sizeof(why))->name, "watch");
	assert_string_equal(cmd_find("wt", why, sizeof(why))->name, "worktree");
	assert_string_equal(cmd_find("dif", why, sizeof(why))->name, "diff");
	/* What changes a checkout is never run by a prefix. */
	assert_null(cmd_find("merg", why, sizeof(why)));
	assert_null(cmd_find("worktre", why, sizeof(why)));
	assert_null(cmd_find("zap", why, sizeof(why)));
	assert_non_null(strstr(why, "unknown command"));
	/* Every command has usage, summary and exec. */
	for (size_t i = 0; cmd_table[i]; i++) {
		assert_non_null(cmd_table[i]->usage);
		assert_non_null(cmd_table[i]->summary);
		assert_non_null(cmd_table[i]->exec);
	}
}

/* Each failure kind has its own documented exit status. */
static void
test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(conn_exit_for_fail(CM_FAIL_NONE), 0);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_CONFIG), CLI_EXIT_CONFIG);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_UNREACHABLE), 5);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_SSH_AUTH), 6);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_HOSTKEY), 7);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_NO_AGENT), 8);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_TIMEOUT), 8);
	assert_int_equal(conn_exit_for_fail(CM_FAIL_TOKEN), 9);
	assert_string_equal(cm_fail_name(CM_FAIL_HOSTKEY), "host_key_mismatch");
	assert_string_equal(cm_fail_name((enum cm_fail)99), "unknown");
}

/* CTX/ID splitting and prefix matching. */
static void
test_resolve(void **state)
{
	json_t *l = json_pack("[{s:s}, {s:s}, {s:s}]", "sessionId", "cm-1770795611", "sessionId",
			      "cm-1770795611-2", "sessionId", "cm-1770799999");
	const json_t *m;
	const char *id;
	char ctx[80];

	(void)state;
	assert_int_equal(resolve_split("prod/cm-1", ctx, sizeof(ctx), &id), 0);
	assert_string_equal(ctx, "prod");
	assert_string_equal(id, "cm-1");
	assert_int_equal(resolve_split("cm-1", ctx, sizeof(ctx), &id), 0);
	assert_string_equal(ctx, "");
	assert_string_equal(id, "cm-1");
	/* exact id wins over a longer id it prefixes */
	assert_int_equal(resolve_match(l, "cm-1770795611", &m), 1);
	assert_string_equal(json_string_value(json_object_get(m, "sessionId")), "cm-1770795611");
	assert_int_equal(resolve_match(l, "cm-17707956", &m), 2);
	assert_int_equal(resolve_match(l, "cm-17707999", &m), 1);
	assert_int_equal(resolve_match(l, "17707999", &m), 1); /* without cm- */
	assert_string_equal(json_string_value(json_object_get(m, "sessionId")), "cm-1770799999");
	assert_int_equal(resolve_match(l, "cm-9", &m), 0);
	assert_null(m);
	assert_int_equal(resolve_match(l, "", &m), 0);
	json_decref(l);
}

/* Ages, cleaning of control characters, state colours, event lines. */
static void
test_output(void **state)
{
	char buf[512];
	json_t *ev;

	(void)state;
	output_age(5, buf, sizeof(buf));
	assert_string_equal(buf, "5s");
	output_age(125, buf, sizeof(buf));
	assert_string_equal(buf, "2m");
	output_age(7200, buf, sizeof(buf));
	assert_string_equal(buf, "2h");
	output_age(200000, buf, sizeof(buf));
	assert_string_equal(buf, "2d");
	output_age(-3, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	output_clean("a\033[2Jb\nc", 0, buf, sizeof(buf));
	/* ESC is shown as ^[ (sanitize.h), the newline as a space. */
	assert_string_equal(buf, "a^[[2Jb c");
	output_clean("héllo wörld", 4, buf, sizeof(buf));
	assert_string_equal(buf, "héll");
	assert_string_equal(output_state_color("done"), "32");
	assert_string_equal(output_state_color("waiting_confirm"), "1;35");
	assert_null(output_state_color("starting"));
	ev =
	    json_pack("{s:s, s:s, s:s, s:s, s:i, s:f}", "type", "state_change", "sessionId", "cm-1",
		      "state", "editing", "previous", "thinking", "seq", 44, "timestamp", 0.0);
	output_event_line("prod", ev, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, " prod/cm-1 state_change state=editing from=thinking seq=44"));
	output_event_line("prod", ev, 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\033[33mstate_change\033[0m"));
	json_decref(ev);
}

/* NO_COLOR and TERM=dumb turn colours off. */
static void
test_no_color(void **state)
{
	(void)state;
	setenv("NO_COLOR", "1", 1);
	assert_false(output_color_enabled(1));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_false(output_color_enabled(1));
}

/* Tables align columns and show missing cells as "-". */
static void
test_table(void **state)
{
	static const char *const heads[] = {"A", "BB"};
	const char *row1[] = {"xxx", NULL}, *row2[] = {"y", "z"};
	struct output_table t;
	char out[256] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");

	(void)state;
	output_table_init(&t, 2, heads);
	output_table_add(&t, row1, NULL);
	output_table_add(&t, row2, NULL);
	output_table_print(&t, f, 0, 0);
	fclose(f);
	assert_string_equal(out, "A    BB\nxxx  -\ny    z\n");
	output_table_release(&t);
}

/* The least loaded eligible agent wins; full, low-memory and unknown ones are skipped. */
static void
test_place(void **state)
{
	json_t *busy =
	    json_pack("{s:i, s:f, s:i, s:i, s:i, s:f, s:f}", "protocol", 1, "load1", 1.8, "cpus", 2,
		      "sessions", 4, "busy", 3, "memTotal", 8e9, "memAvailable", 2e9);
	json_t *idle =
	    json_pack("{s:i, s:f, s:i, s:i, s:i, s:f, s:f}", "protocol", 1, "load1", 0.1, "cpus", 2,
		      "sessions", 1, "busy", 0, "memTotal", 8e9, "memAvailable", 6e9);
	json_t *full =
	    json_pack("{s:i, s:i, s:i}", "protocol", 1, "sessions", 10, "maxSessions", 10);
	json_t *lowmem = json_pack("{s:i, s:f}", "protocol", 1, "memAvailable", 1e6);
	const json_t *infos[5];
	char why[128];
	double s;

	(void)state;
	infos[0] = busy;
	infos[1] = NULL;
	infos[2] = full;
	infos[3] = idle;
	infos[4] = lowmem;
	assert_int_equal(place_pick(infos, 5), 3);
	assert_int_equal(place_pick(infos, 3), 0);
	infos[0] = NULL;
	assert_int_equal(place_pick(infos, 3), -1);
	assert_int_equal(place_score(full, &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "session limit"));
	assert_int_equal(place_score(lowmem, &s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "memory"));
	json_decref(busy);
	json_decref(idle);
	json_decref(full);
	json_decref(lowmem);
}

/* ssh's own words map to distinct failures. */
static void
test_ssh_classify(void **state)
{
	char msg[512];

	(void)state;
	assert_int_equal(cm_tunnel_classify("ssh: connect to host 127.0.0.1 port 1: Connection "
					    "refused\n",
					    "h", msg, sizeof(msg)),
			 CM_FAIL_UNREACHABLE);
	assert_non_null(strstr(msg, "cannot reach host h"));
	assert_int_equal(cm_tunnel_classify("ssh: Could not resolve hostname x: Name or service "
					    "not known\n",
					    "x", msg, sizeof(msg)),
			 CM_FAIL_UNREACHABLE);
	assert_int_equal(cm_tunnel_classify("root@127.0.0.1: Permission denied (publickey).\n", "h",
					    msg, sizeof(msg)),
			 CM_FAIL_SSH_AUTH);
	assert_int_equal(
	    cm_tunnel_classify("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost "
			       "key verification failed.\n",
			       "h", msg, sizeof(msg)),
	    CM_FAIL_HOSTKEY);
	assert_non_null(strstr(msg, "does not match"));
	assert_int_equal(cm_tunnel_classify("No ED25519 host key is known for [127.0.0.1]:22 and "
					    "you have requested strict checking.\nHost key "
					    "verification failed.\n",
					    "h", msg, sizeof(msg)),
			 CM_FAIL_HOSTKEY);
	assert_non_null(strstr(msg, "not trusted"));
	assert_int_equal(cm_tunnel_classify("something odd\n", "h", msg, sizeof(msg)), CM_FAIL_SSH);
	assert_non_null(strstr(msg, "something odd"));
	assert_int_equal(cm_tunnel_classify(NULL, "h", msg, sizeof(msg)), CM_FAIL_SSH);
}

/* One argument after the flags, no fewer and no more. */
static void
test_one_arg(void **state)
{
	char *one[] = {"show", "cm-1", NULL}, *two[] = {"show", "cm-1", "x", NULL};
	struct cli cli;

	(void)state;
	memset(&cli, 0, sizeof(cli));
	cli.cmd_name = "show";
	optind = 1;
	assert_int_equal(cli_one_arg(&cli, 2, one, "missing session id"), 0);
	optind = 2;
	assert_int_equal(cli_one_arg(&cli, 2, one, "missing session id"), CLI_EXIT_USAGE);
	optind = 1;
	assert_int_equal(cli_one_arg(&cli, 3, two, "missing session id"), CLI_EXIT_USAGE);
}

/* --json objects are copies with their context added. */
static void
test_with_context(void **state)
{
	json_t *s = json_pack("{s:s}", "sessionId", "cm-1"), *o;

	(void)state;
	o = output_with_context(s, "prod");
	assert_string_equal(json_string_value(json_object_get(o, "context")), "prod");
	assert_string_equal(json_string_value(json_object_get(o, "sessionId")), "cm-1");
	assert_null(json_object_get(s, "context"));
	json_decref(o);
	json_decref(s);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmd_find), cmocka_unit_test(test_exit_codes),
	    cmocka_unit_test(test_resolve),  cmocka_unit_test(test_output),
	    cmocka_unit_test(test_no_color), cmocka_unit_test(test_table),
	    cmocka_unit_test(test_place),    cmocka_unit_test(test_ssh_classify),
	    cmocka_unit_test(test_one_arg),  cmocka_unit_test(test_with_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
