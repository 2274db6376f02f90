/*
 * cmd-help: `cm help [COMMAND]`: the command list, or one command's usage.
 */
#include "cli.h"

/* cm help. */
static int
cmd_help_exec(struct cli *cli, int argc, char **argv)
{
	const struct cli_cmd *cmd;
	char why[512];

	if (argc < 2) {
		cmd_list(stdout);
		return 0;
	}
	if (!(cmd = cmd_find(argv[1], why, sizeof(why)))) {
		cli_error(cli, "%s", why);
		return CLI_EXIT_USAGE;
	}
	cmd_help(stdout, cmd);
	return 0;
}

const struct cli_cmd cmd_help_entry = {
    .name = "help",
    .alias = NULL,
    .usage = "[COMMAND]",
    .summary = "show the commands, or how to use one",
    .help = "",
    .flags = 0,
    .exec = cmd_help_exec,
};
