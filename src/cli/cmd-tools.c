/*
 * cmd-tools: `cm tools [--all | --ctx NAME | --pool P] [--json | --compact]`,
 * the tools each agent can start (its list_profiles): the program a tool
 * runs, whether the agent finds it, the version installed there, and the
 * versions the profile's rules were written against.
 */
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "listing.h"
#include "output.h"

#define CMD_TOOLS_RETRY_MS 250 /* between asks while versions are pending */
#define CMD_TOOLS_TRIES	   12  /* asks again at most (3 s) */

/* "claude 2.1.197, 2.1.198; node 22" from {"claude": ["2.1.197", ...], ...}. */
static void
cmd_tools_tested(const json_t *tested, char *buf, size_t n)
{
	const char *prog;
	json_t *list, *v;
	size_t used = 0, i;

	buf[0] = '\0';
	json_object_foreach ((json_t *)tested, prog, list) {
		int w = snprintf(buf + used, n - used, "%s%s", used ? "; " : "", prog);
		used += w > 0 && (size_t)w < n - used ? (size_t)w : 0;
		json_array_foreach (list, i, v) {
			w = snprintf(buf + used, n - used, "%s%s", i ? ", " : " ",
				     json_string_value(v) ? json_string_value(v) : "?");
			used += w > 0 && (size_t)w < n - used ? (size_t)w : 0;
		}
	}
}

/* Adds one agent's profiles to the table or the JSON array. */
static void
cmd_tools_add(const char *ctx, const json_t *reply, struct output_table *t, json_t *arr)
{
	const json_t *profiles = json_object_get(reply, "profiles"), *p;
	size_t i;

	json_array_foreach (profiles, i, p) {
		const json_t *avail = json_object_get(p, "available");
		const char *cells[7], *colors[7] = {NULL};
		char tested[512];

		if (arr) {
			json_array_append_new(arr, output_with_context(p, ctx));
			continue;
		}
		cmd_tools_tested(json_object_get(p, "testedVersions"), tested, sizeof(tested));
		cells[0] = ctx;
		cells[1] = json_string_value(json_object_get(p, "name"));
		cells[2] = json_string_value(json_object_get(p, "program"));
		/* An older agent does not say: "-". */
		cells[3] = json_is_boolean(avail) ? (json_is_true(avail) ? "yes" : "no") : NULL;
		colors[3] = json_is_false(avail) ? "1;31" : NULL;
		cells[4] = json_string_value(json_object_get(p, "version"));
		cells[5] = tested[0] ? tested : NULL;
		cells[6] = json_string_value(json_object_get(p, "description"));
		output_table_add(t, cells, colors);
	}
}

/* True if an agent's profile_list still waits for a version. */
static int
cmd_tools_pending(const json_t *reply)
{
	const json_t *p;
	size_t i;

	json_array_foreach (json_object_get(reply, "profiles"), i, p)
		if (json_is_true(json_object_get(p, "versionPending")))
			return 1;
	return 0;
}

/*
 * list_profiles, asked again while the agent is still finding versions out
 * (it never makes a reply wait for a tool's --version), for up to 3 s.
 */
static int
cmd_tools_ask(struct cli *cli, struct cm_client *c, json_t **reply)
{
	struct cm_loop *loop = cli_loop(cli);
	int rc;

	for (int tries = 0;; tries++) {
		if ((rc = cm_client_call(c, cm_request("list_profiles"), reply)) < 0)
			return rc;
		if (!cmd_tools_pending(*reply) || tries == CMD_TOOLS_TRIES)
			return 0;
		json_decref(*reply);
		*reply = NULL;
		cm_loop_run(loop, CMD_TOOLS_RETRY_MS);
	}
}

/* cm tools. */
static int
cmd_tools_exec(struct cli *cli, int argc, char **argv)
{
	static const char *const heads[] = {"CONTEXT", "TOOL",	 "PROGRAM",    "FOUND",
					    "VERSION", "TESTED", "DESCRIPTION"};
	static const struct listing tools = {heads, 7, cmd_tools_ask, cmd_tools_add};

	return listing_run(cli, argc, argv, &tools);
}

const struct cli_cmd cmd_tools_entry = {
    .name = "tools",
    .alias = NULL,
    .usage = "[--all | --ctx NAME | --pool P] [--json | --compact]",
    .summary = "the tools each agent can start, their installed and tested versions",
    .help = "    --all        every context, in parallel (unreachable ones are skipped)\n"
	    "    --ctx NAME   one context (default: the default context)\n"
	    "    --pool P     the contexts of pool P\n"
	    "    --json       a JSON array of profiles (name, description, program,\n"
	    "                 available, version, testedVersions), each with a \"context\"\n"
	    "                 field\n"
	    "    --compact    one tool a line, tab-separated, no header:\n"
	    "                 CONTEXT TOOL PROGRAM FOUND VERSION TESTED DESCRIPTION\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_tools_exec,
};
