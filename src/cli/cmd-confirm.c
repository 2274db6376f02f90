/*
 * cmd-confirm: `cm approve ID` and `cm deny ID`, the protocol's confirm:
 * answer the prompt a session waits on, as a person would. --prompt FP
 * answers only if the prompt on screen is still the one with fingerprint
 * FP (from `cm show` or a confirm_needed event).
 */
#include <string.h>

#include "cli.h"
#include "common/err.h"
#include "resolve.h"
#include "sanitize.h"

/* Shared body of approve and deny. */
static int
cmd_confirm_run(struct cli *cli, int argc, char **argv, int approve)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"prompt", required_argument, NULL, 'p'},
					     {NULL, 0, NULL, 0}};
	const char *fp = NULL;
	struct resolved r;
	int c, rc;

	while ((c = cli_getopt(cli, argc, argv, "p:", opts)) != -1) {
		if (c != 'p')
			return CLI_EXIT_USAGE;
		fp = optarg;
	}
	if ((rc = resolve_arg(cli, argc, argv, &r, NULL)) != 0)
		return rc;
	rc = cm_client_confirm(r.conn->client, r.sid, approve, fp);
	if (rc < 0)
		rc = conn_request_failed(r.conn, rc);
	else
		sanitize_printf(stdout, "%s %s/%s\n", approve ? "approved" : "denied",
				r.conn->ctx.name, r.sid);
	resolve_release(&r);
	return rc;
}

/* cm approve: confirm with approve=true. */
static int
cmd_confirm_approve(struct cli *cli, int argc, char **argv)
{
	return cmd_confirm_run(cli, argc, argv, 1);
}

/* cm deny: confirm with approve=false. */
static int
cmd_confirm_deny(struct cli *cli, int argc, char **argv)
{
	return cmd_confirm_run(cli, argc, argv, 0);
}

const struct cli_cmd cmd_approve_entry = {
    .name = "approve",
    .alias = "yes",
    .usage = "ID [--prompt FINGERPRINT]",
    .summary = "approve the prompt a session waits on",
    .help = "    --prompt FP   only if the prompt shown is still the one with fingerprint FP\n"
	    "Exit status 1 when no prompt waits (no_prompt) or it changed (prompt_changed).\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_confirm_approve,
};

const struct cli_cmd cmd_deny_entry = {
    .name = "deny",
    .alias = "no",
    .usage = "ID [--prompt FINGERPRINT]",
    .summary = "deny the prompt a session waits on",
    .help = "    --prompt FP   only if the prompt shown is still the one with fingerprint FP\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_confirm_deny,
};
