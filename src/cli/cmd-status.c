/*
 * cmd-status: `cm status [--ctx NAME | --pool P] [--json]`: each agent's
 * health, asked in parallel: reachable or why not, version, round trip
 * (a ping), sessions (busy, waiting), load per core, free memory, and its
 * health: the quick doctor report (no program run), "ok", or "warn N" /
 * "fail N" with the number of such checks (cm doctor tells which).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "output.h"

/* Reads a number field, or -1. */
static double
cmd_status_num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : -1;
}

/* The quick doctor report in a cell ("ok", "warn 2", "fail 1") and the row. */
static void
cmd_status_health(struct cm_client *c, json_t *row, char *cell, size_t n, const char **color)
{
	json_t *report = NULL, *chk;
	const char *status;
	size_t i, count = 0;

	if (cm_client_doctor(c, 1, &report) < 0) {
		snprintf(cell, n, "?");
		return;
	}
	status = json_string_value(json_object_get(report, "status"));
	json_array_foreach (json_object_get(report, "checks"), i, chk)
		if (status &&
		    strcmp(json_string_value(json_object_get(chk, "status")), status) == 0)
			count++;
	if (status == NULL || strcmp(status, "ok") == 0)
		snprintf(cell, n, "ok");
	else
		snprintf(cell, n, "%s %zu", status, count);
	*color = status && !strcmp(status, "fail")   ? "1;31"
		 : status && !strcmp(status, "warn") ? "33"
						     : "32";
	json_object_set_new(row, "health", json_string(status ? status : "ok"));
	json_decref(report);
}

/* cm status: agent health. */
static int
cmd_status_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"pool", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"compact", no_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	static const char *const heads[] = {"CONTEXT", "STATUS",  "VERSION", "RTT",	 "SESSIONS",
					    "BUSY",    "WAITING", "LOAD",    "MEM FREE", "HEALTH"};
	struct output_table t;
	struct conn *cns;
	size_t n = 0, i;
	json_t *arr = json_array();
	int rc, worst = 0;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		json_decref(arr);
		return CLI_EXIT_USAGE;
	}
	if (cli->ctx_name) {
		struct ctx x;
		if ((rc = cli_pick_context(cli, &x)) != 0) {
			json_decref(arr);
			return rc;
		}
		cns = xcalloc(1, sizeof(*cns));
		cns[0].ctx = x;
		n = 1;
	} else if (!(cns = conn_all_contexts(cli, cli->pool, &n, &rc))) {
		json_decref(arr);
		return rc;
	}
	conn_open_many(cli, cns, n, NULL, 1);
	output_table_init(&t, 10, heads);
	for (i = 0; i < n; i++) {
		json_t *info = NULL, *row = json_pack("{s:s}", "context", cns[i].ctx.name);
		char rtt[32] = "-", sess[16] = "-", busy[16] = "-", wait[16] = "-", load[32] = "-",
		     mem[32] = "-", health[32] = "-";
		const char *cells[10], *colors[10] = {NULL};
		double ms = 0, v, cpus;

		cells[0] = cns[i].ctx.name;
		if (!cns[i].status && cm_client_ping(cns[i].client, &ms) == 0 &&
		    cm_client_agent_info(cns[i].client, &info) == 0) {
			json_object_set_new(row, "reachable", json_true());
			json_object_set_new(row, "rttMs", json_real(ms));
			json_object_set(row, "info", info);
			snprintf(rtt, sizeof(rtt), "%.1fms", ms);
			if ((v = cmd_status_num(info, "sessions")) >= 0)
				snprintf(sess, sizeof(sess), "%.0f", v);
			if ((v = cmd_status_num(info, "busy")) >= 0)
				snprintf(busy, sizeof(busy), "%.0f", v);
			if ((v = cmd_status_num(info, "waiting")) >= 0)
				snprintf(wait, sizeof(wait), "%.0f", v);
			cpus = cmd_status_num(info, "cpus");
			if ((v = cmd_status_num(info, "load1")) >= 0)
				snprintf(load, sizeof(load), "%.2f", cpus > 0 ? v / cpus : v);
			if ((v = cmd_status_num(info, "memAvailable")) >= 0)
				snprintf(mem, sizeof(mem), "%.0fM", v / 1048576.0);
			cmd_status_health(cns[i].client, row, health, sizeof(health), &colors[9]);
			cells[1] = "ok";
			colors[1] = "32";
			cells[2] = json_string_value(json_object_get(info, "version"));
		} else {
			const char *why =
			    cns[i].status ? cns[i].err : cm_client_error(cns[i].client);
			enum cm_fail f =
			    cns[i].client ? cm_client_fail(cns[i].client) : CM_FAIL_CONFIG;
			json_object_set_new(row, "reachable", json_false());
			json_object_set_new(row, "error", json_string(cm_fail_name(f)));
			json_object_set_new(row, "message", json_string(why));
			cells[1] = cm_fail_name(f);
			colors[1] = "1;31";
			cells[2] = NULL;
			if (!cli->json)
				cli_warn(cli, "%s: %s", cns[i].ctx.name, why);
			if (!worst)
				worst = cns[i].status ? cns[i].status : CLI_EXIT_NO_AGENT;
		}
		cells[3] = rtt;
		cells[4] = sess;
		cells[5] = busy;
		cells[6] = wait;
		cells[7] = load;
		cells[8] = mem;
		cells[9] = health;
		output_table_add(&t, cells, colors);
		json_array_append_new(arr, row);
		json_decref(info);
	}
	if (cli->json)
		output_json(stdout, arr);
	else
		cli_print_table(cli, &t);
	output_table_release(&t);
	json_decref(arr);
	conn_close_many(cns, n);
	return worst;
}

const struct cli_cmd cmd_status_entry = {
    .name = "status",
    .alias = NULL,
    .usage = "[--ctx NAME | --pool P] [--json | --compact]",
    .summary = "health of each agent: reachable, version, round trip, sessions, load, checks",
    .help = "    --ctx NAME   one context (default: all contexts, in parallel)\n"
	    "    --pool P     the contexts of pool P\n"
	    "    --json       a JSON array: context, reachable, rttMs, info (agent_info),\n"
	    "                 health (ok, warn or fail: see cm doctor)\n"
	    "                 or error and message\n"
	    "    --compact    one agent a line, tab-separated, no header\n"
	    "Exit status: 0 if every agent answered, else that of the first failure.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_status_exec,
};
