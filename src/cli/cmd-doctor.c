/*
 * cmd-doctor: `cm doctor [--ctx NAME] [--quick] [--json]`: asks the agent to
 * check itself and its machine (the doctor request: tmux, each profile's
 * programs and their versions against the tested ones, disk space, token
 * and directory modes, the systemd unit, the clock's synchronisation),
 * adds what only this side can tell (how far the agent's clock is from
 * ours), prints each check and what to fix. Exit status 1 when a check
 * fails, 0 when everything is ok or only warns.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "cli.h"
#include "conn.h"
#include "output.h"

#define CMD_DOCTOR_SKEW_WARN 2.0  /* seconds of clock skew worth a warning */
#define CMD_DOCTOR_SKEW_FAIL 60.0 /* seconds that break timestamps and reset times */

static double
cmd_doctor_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Adds the clock skew check: the agent's timestamp against the middle of the round trip. */
static void
cmd_doctor_skew(json_t *report, double sent, double got)
{
	json_t *ts = json_object_get(report, "timestamp"), *o, *checks;
	double skew, abs_skew;
	char msg[160];
	const char *status;

	checks = json_object_get(report, "checks");
	if (!json_is_number(ts) || !json_is_array(checks))
		return;
	skew = json_number_value(ts) - (sent + got) / 2;
	abs_skew = skew < 0 ? -skew : skew;
	status = abs_skew > CMD_DOCTOR_SKEW_FAIL   ? "fail"
		 : abs_skew > CMD_DOCTOR_SKEW_WARN ? "warn"
						   : "ok";
	snprintf(msg, sizeof msg, "the agent's clock is %.1f s %s this machine's%s", abs_skew,
		 skew >= 0 ? "ahead of" : "behind",
		 strcmp(status, "ok") ? "" : " (within the round trip)");
	o = json_pack("{s:s, s:s, s:s}", "name", "clock skew", "status", status, "message", msg);
	if (strcmp(status, "ok") != 0)
		json_object_set_new(
		    o, "fix", json_string("synchronise both clocks (timedatectl set-ntp true)"));
	json_array_append_new(checks, o);
	if (strcmp(status, "fail") == 0)
		json_object_set_new(report, "status", json_string("fail"));
	else if (strcmp(status, "warn") == 0 &&
		 strcmp(json_string_value(json_object_get(report, "status")), "ok") == 0)
		json_object_set_new(report, "status", json_string("warn"));
}

/* Prints the checks, problems last-line-summed; returns how many fail. */
static int
cmd_doctor_print(struct cli *cli, const char *ctx, const json_t *report)
{
	const json_t *checks = json_object_get(report, "checks"), *c;
	int fails = 0, warns = 0;
	size_t i;

	printf("cm doctor: %s (%s)\n", ctx,
	       json_string_value(json_object_get(report, "hostname"))
		   ? json_string_value(json_object_get(report, "hostname"))
		   : "?");
	json_array_foreach (checks, i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		const char *fix = json_string_value(json_object_get(c, "fix"));
		const char *color = !strcmp(st, "ok") ? "32" : !strcmp(st, "warn") ? "33" : "1;31";

		if (!strcmp(st, "fail"))
			fails++;
		else if (!strcmp(st, "warn"))
			warns++;
		if (cli->color)
			printf("\033[%sm%-4s\033[0m  ", color, st);
		else
			printf("%-4s  ", st);
		printf("%s: %s\n", json_string_value(json_object_get(c, "name")),
		       json_string_value(json_object_get(c, "message")));
		if (fix != NULL && strcmp(st, "ok") != 0)
			printf("      fix: %s\n", fix);
	}
	if (fails || warns)
		printf("%d problem%s, %d warning%s\n", fails, fails == 1 ? "" : "s", warns,
		       warns == 1 ? "" : "s");
	else
		printf("everything is fine\n");
	return fails;
}

/* cm doctor. */
static int
cmd_doctor_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"quick", no_argument, NULL, 'q'},
					     {"json", no_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	struct conn cn;
	json_t *report = NULL;
	int c, rc, quick = 0;
	double sent, got;

	while ((c = cli_getopt(cli, argc, argv, "q", opts)) != -1) {
		if (c == 'q')
			quick = 1;
		else
			return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = conn_open_current(cli, &cn, NULL)) != 0) {
		conn_close(&cn);
		return rc;
	}
	sent = cmd_doctor_now();
	rc = cm_client_doctor(cn.client, quick, &report);
	got = cmd_doctor_now();
	if (rc < 0) {
		rc = conn_request_failed(&cn, rc);
		conn_close(&cn);
		return rc;
	}
	cmd_doctor_skew(report, sent, got);
	json_object_del(report, "id");
	if (cli->json) {
		json_t *o = output_with_context(report, cn.ctx.name);

		output_json(stdout, o);
		json_decref(o);
		rc = strcmp(json_string_value(json_object_get(report, "status")), "fail") == 0;
	} else {
		rc = cmd_doctor_print(cli, cn.ctx.name, report) > 0;
	}
	json_decref(report);
	conn_close(&cn);
	return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

const struct cli_cmd cmd_doctor_entry = {
    .name = "doctor",
    .alias = NULL,
    .usage = "[--ctx NAME] [--quick] [--json]",
    .summary = "check an agent and its machine, and say what to fix",
    .help = "    --ctx NAME   the agent to check (default: the current context)\n"
	    "    -q, --quick  run no program on the agent's machine (no version checks)\n"
	    "    --json       the doctor_report, with the clock skew check and the context\n"
	    "Checks: tmux and its version; each profile's programs, installed and their\n"
	    "versions against the profile's tested_versions; free disk space of the state\n"
	    "directory; modes of the token file and the private directories; the systemd\n"
	    "unit (and linger for a user unit); the clock's synchronisation and its skew\n"
	    "from this machine.\n"
	    "Exit status: 1 if a check fails, 0 if everything is ok or only warns.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_doctor_exec,
};
