/*
 * cmd-kill: `cm kill ID...`, ends sessions (the tool and its tmux server).
 */
#include "cli.h"
#include "resolve.h"
#include "sanitize.h"

/* cm kill: kill_session for each id. */
static int
cmd_kill_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	struct resolved r;
	int rc, worst = 0;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if (optind >= argc) {
		cli_error(cli, "missing session id");
		return CLI_EXIT_USAGE;
	}
	for (; optind < argc; optind++) {
		if ((rc = resolve_session(cli, argv[optind], &r, NULL)) == 0) {
			rc = cm_client_kill_session(r.conn->client, r.sid);
			if (rc < 0)
				rc = conn_request_failed(r.conn, rc);
			else
				sanitize_printf(stdout, "killed %s/%s\n", r.conn->ctx.name, r.sid);
			resolve_release(&r);
		}
		if (rc && !worst)
			worst = rc;
	}
	return worst;
}

const struct cli_cmd cmd_kill_entry = {
    .name = "kill",
    .alias = "rm",
    .usage = "ID...",
    .summary = "kill sessions",
    .help = "    ID    CTX/ID or a unique prefix; several may be given\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_kill_exec,
};
