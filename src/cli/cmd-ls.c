/*
 * cmd-ls: `cm ls [--all] [--json]`, the sessions of one context or of all
 * contexts (asked in parallel; unreachable ones are reported and skipped).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conn.h"
#include "listing.h"
#include "output.h"

/* Adds the rows of one context's sessions to the table or the JSON array. */
static void
cmd_ls_add(const char *ctx, const json_t *sessions, struct output_table *t, json_t *arr)
{
	const json_t *s;
	double now = (double)time(NULL);
	size_t i;

	json_array_foreach (sessions, i, s) {
		const char *state = json_string_value(json_object_get(s, "state"));
		json_t *since = json_object_get(s, "stateSince");
		const char *cells[6], *colors[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
		char id[300], age[32] = "-";

		if (arr) {
			json_array_append_new(arr, output_with_context(s, ctx));
			continue;
		}
		snprintf(id, sizeof(id), "%s/%s", ctx,
			 json_string_value(json_object_get(s, "sessionId"))
			     ? json_string_value(json_object_get(s, "sessionId"))
			     : "?");
		if (json_is_number(since))
			output_age(now - json_number_value(since), age, sizeof(age));
		cells[0] = id;
		cells[1] = json_string_value(json_object_get(s, "tool"));
		cells[2] = state;
		colors[2] = output_state_color(state);
		cells[3] = age;
		cells[4] = json_string_value(json_object_get(s, "path"));
		cells[5] = json_string_value(json_object_get(s, "task"));
		output_table_add(t, cells, colors);
	}
}

/* One agent's sessions. */
static int
cmd_ls_ask(struct cli *cli, struct cm_client *c, json_t **reply)
{
	(void)cli;
	return cm_client_list_sessions(c, reply);
}

/* cm ls: lists sessions. */
static int
cmd_ls_exec(struct cli *cli, int argc, char **argv)
{
	static const char *const heads[] = {"SESSION", "TOOL", "STATE", "SINCE", "PATH", "TASK"};
	static const struct listing ls = {heads, 6, cmd_ls_ask, cmd_ls_add};

	return listing_run(cli, argc, argv, &ls);
}

const struct cli_cmd cmd_ls_entry = {
    .name = "ls",
    .alias = "list",
    .usage = "[--all | --ctx NAME | --pool P] [--json | --compact]",
    .summary = "list sessions",
    .help = "    --all        every context, in parallel (unreachable ones are skipped\n"
	    "                 with a warning and the exit status tells the first failure)\n"
	    "    --ctx NAME   one context (default: the default context)\n"
	    "    --pool P     the contexts of pool P\n"
	    "    --json       a JSON array of sessions, each with a \"context\" field\n"
	    "    --compact    one session a line, tab-separated, no header:\n"
	    "                 CTX/ID TOOL STATE SINCE PATH TASK\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_ls_exec,
};
