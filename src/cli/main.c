/*
 * main: the `cm` command line. Parses the global flags (those before the
 * command name), finds the command in cmd_table[], runs the shared setup its
 * flags ask for, runs it, and exits with its status (see cli.h).
 */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm.h"
#include "output.h"

/* Runs cm. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
	    {"compact", no_argument, NULL, 'q'},   {"no-color", no_argument, NULL, 'C'},
	    {"verbose", no_argument, NULL, 'v'},   {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},	   {NULL, 0, NULL, 0},
	};
	const struct cli_cmd *cmd;
	struct cli cli;
	const char *env;
	char why[512];
	int c, rc, at, no_color = 0;

	memset(&cli, 0, sizeof(cli));
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:jqCvVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.ctx_name = optarg;
			break;
		case 'j':
			cli.json = 1;
			break;
		case 'q':
			cli.compact = 1;
			break;
		case 'C':
			no_color = 1;
			break;
		case 'v':
			cli.verbose = 1;
			break;
		case 'V':
			printf("cm %s (protocol %d)\n", CM_LIB_VERSION, CM_PROTOCOL_VERSION);
			return 0;
		case 'h':
			cmd_list(stdout);
			return 0;
		case ':':
			cli_error(NULL, "flag %s needs a value", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		default:
			cli_error(NULL, "unknown flag %s (see cm help)", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cmd_list(stderr);
		return CLI_EXIT_USAGE;
	}
	cmd = cmd_find(argv[optind], why, sizeof(why));
	if (!cmd) {
		cli_error(NULL, "%s", why);
		return CLI_EXIT_USAGE;
	}
	cli.cmd_name = cmd->name;
	/*
	 * `cm COMMAND --help` (or -h) anywhere before a "--": the command's
	 * help, as `cm help COMMAND` prints it. Not for the completion
	 * helper, whose arguments are the words being completed.
	 */
	if (strcmp(cmd->name, "__complete") != 0) {
		for (int i = optind + 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				cmd_help(stdout, cmd);
				return CLI_EXIT_OK;
			}
		}
	}
	cli.color = !no_color && output_color_enabled(STDOUT_FILENO);
	env = getenv("CM_TIMEOUT_MS");
	cli.timeout_ms = env && atoi(env) > 0 ? atoi(env) : 15000;
	if ((cmd->flags & CMD_NEEDS_CONTEXTS) && (rc = cli_load_contexts(&cli)) != 0)
		return rc;
	/* The command sees its own name as argv[0]; getopt starts afresh. */
	at = optind;
	optind = 0;
	rc = cmd->exec(&cli, argc - at, argv + at);
	fflush(stdout);
	if (cli.loop)
		cm_loop_free(cli.loop);
	if (cli.contexts_loaded)
		contexts_release(&cli.contexts);
	if (cli.prefs_loaded)
		prefs_release(&cli.prefs);
	return rc;
}
