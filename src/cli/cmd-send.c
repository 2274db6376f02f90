/*
 * cmd-send: `cm send ID TEXT [--enter] [--key KEY]`: types text into a
 * session as is (never through a shell), then optionally submits it with
 * Enter or presses one named key (Escape, C-c, Up, F1...).
 */
#include <string.h>

#include "cli.h"
#include "resolve.h"

/* cm send: send_keys. */
static int
cmd_send_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"enter", no_argument, NULL, 'e'},
					     {"key", required_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	const char *key = NULL, *text = "";
	struct resolved r;
	int c, rc, enter = 0;

	while ((c = cli_getopt(cli, argc, argv, "ek:", opts)) != -1) {
		if (c == 'e')
			enter = 1;
		else if (c == 'k')
			key = optarg;
		else
			return CLI_EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_error(cli, "missing session id");
		return CLI_EXIT_USAGE;
	}
	if (optind + 1 < argc)
		text = argv[optind + 1];
	else if (!key && !enter) {
		cli_error(cli, "missing TEXT (or --key KEY, --enter)");
		return CLI_EXIT_USAGE;
	}
	if (optind + 2 < argc) {
		cli_error(cli, "unexpected argument \"%s\" (quote the text)", argv[optind + 2]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = resolve_session(cli, argv[optind], &r, NULL)) != 0)
		return rc;
	/* Enter alone (no text) is the named key. */
	if (!*text && enter && !key) {
		enter = 0;
		key = "Enter";
	}
	rc = cm_client_send_keys(r.conn->client, r.sid, text, enter, key);
	rc = rc < 0 ? conn_request_failed(r.conn, rc) : 0;
	resolve_release(&r);
	return rc;
}

const struct cli_cmd cmd_send_entry = {
    .name = "send",
    .alias = NULL,
    .usage = "ID [TEXT] [--enter] [--key KEY]",
    .summary = "type text or press a key in a session",
    .help = "    TEXT           typed literally (key names in it are not interpreted)\n"
	    "    -e, --enter    submit the text: paste it, then press Enter\n"
	    "    -k, --key KEY  press one key after the text: Enter, Escape, Tab, BTab,\n"
	    "                   BSpace, Space, Up, Down, Left, Right, Home, End, PageUp,\n"
	    "                   PageDown, DC, F1..F12, C-a..C-z, M-x, or one character\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_send_exec,
};
