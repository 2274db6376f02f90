/*
 * cmd-show: `cm show ID [--json]`, everything the agent knows about one
 * session. Every text is the agent's and goes through sanitize().
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"
#include "resolve.h"
#include "sanitize.h"

/* Prints one "key: value" line for a field if present. */
static void
cmd_show_field(const json_t *s, const char *key, const char *label)
{
	const json_t *v = json_object_get(s, key);
	char clean[1024];

	if (json_is_string(v)) {
		output_clean(json_string_value(v), 0, clean, sizeof(clean));
		printf("%-12s %s\n", label, clean);
	} else if (json_is_integer(v)) {
		printf("%-12s %lld\n", label, (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		printf("%-12s %s\n", label, json_is_true(v) ? "on" : "off");
	} else if (json_is_real(v)) {
		char when[64], age[32];

		output_time(json_real_value(v), "%Y-%m-%d %H:%M:%S", when, sizeof(when));
		output_age((double)time(NULL) - json_real_value(v), age, sizeof(age));
		printf("%-12s %s (%s ago)\n", label, when, age);
	}
}

/* Prints a text of several lines (a prompt's command) under one label. */
static void
cmd_show_lines(const json_t *s, const char *key, const char *label)
{
	const char *v = json_string_value(json_object_get(s, key));
	char *clean, *line, *next;

	if (!v || !*v)
		return;
	clean = sanitize_dup(v, 0);
	for (line = clean; line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (next && !*next)
			next = NULL;
		printf("%-12s %s\n", line == clean ? label : "", line);
	}
	free(clean);
}

/* cm show: prints a session. */
static int
cmd_show_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	struct resolved r;
	const json_t *prompt;
	int rc;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if ((rc = resolve_arg(cli, argc, argv, &r, NULL)) != 0)
		return rc;
	if (cli->json) {
		json_t *o = output_with_context(r.session, r.conn->ctx.name);
		output_json(stdout, o);
		json_decref(o);
		resolve_release(&r);
		return 0;
	}
	sanitize_printf(stdout, "%-12s %s/%s\n", "session", r.conn->ctx.name, r.sid);
	cmd_show_field(r.session, "tool", "tool");
	cmd_show_field(r.session, "state", "state");
	cmd_show_field(r.session, "stateSince", "since");
	cmd_show_field(r.session, "task", "task");
	cmd_show_field(r.session, "path", "path");
	cmd_show_field(r.session, "created", "created");
	cmd_show_field(r.session, "autoConfirm", "autoConfirm");
	cmd_show_field(r.session, "exitStatus", "exitStatus");
	if (json_is_integer(json_object_get(r.session, "cols")))
		printf("%-12s %lldx%lld\n", "size",
		       (long long)json_integer_value(json_object_get(r.session, "cols")),
		       (long long)json_integer_value(json_object_get(r.session, "rows")));
	cmd_show_field(r.session, "socket", "socket");
	if (json_is_object(json_object_get(r.session, "worktree"))) {
		const json_t *wt = json_object_get(r.session, "worktree");

		cmd_show_field(wt, "branch", "branch");
		cmd_show_field(wt, "base", "base");
		cmd_show_field(wt, "repo", "repo");
		cmd_show_field(wt, "turns", "turns");
	}
	prompt = json_object_get(r.session, "prompt");
	if (json_is_object(prompt)) {
		const json_t *o;
		size_t i;
		cmd_show_field(prompt, "text", "prompt");
		cmd_show_lines(prompt, "command", "command");
		cmd_show_field(prompt, "reason", "reason");
		json_array_foreach (json_object_get(prompt, "options"), i, o) {
			char clean[512];
			output_clean(json_string_value(o), 0, clean, sizeof(clean));
			printf("%-12s %s\n", i == 0 ? "options" : "", clean);
		}
		cmd_show_field(prompt, "fingerprint", "fingerprint");
	}
	resolve_release(&r);
	return 0;
}

const struct cli_cmd cmd_show_entry = {
    .name = "show",
    .alias = NULL,
    .usage = "ID [--json]",
    .summary = "show one session (state, task, prompt waiting...)",
    .help = "    ID          CTX/ID or a unique prefix of a session id\n"
	    "    --json      the agent's session object, with a \"context\" field\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_show_exec,
};
