/*
 * cmd-capture: `cm capture ID [-n LINES] [-e]`, the screen (and history)
 * of a session as text, sanitized (sanitize.h), or with its colours as
 * escape sequences (-e): then the bytes are the agent's, unchanged, for
 * whoever asked for them to reach a terminal or a file as they are.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "proto/protocol.h"
#include "resolve.h"
#include "sanitize.h"

/* cm capture: prints the pane. */
static int
cmd_capture_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"lines", required_argument, NULL, 'n'},
					     {"escapes", no_argument, NULL, 'e'},
					     {"json", no_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	struct resolved r;
	long lines = 0;
	int c, rc, escapes = 0;
	json_t *reply = NULL;

	while ((c = cli_getopt(cli, argc, argv, "n:e", opts)) != -1) {
		if (c == 'n') {
			if (cli_parse_int(cli, "-n", optarg, 1, PROTO_LINES_MAX, &lines) < 0)
				return CLI_EXIT_USAGE;
		} else if (c == 'e') {
			escapes = 1;
		} else {
			return CLI_EXIT_USAGE;
		}
	}
	if ((rc = resolve_arg(cli, argc, argv, &r, NULL)) != 0)
		return rc;
	rc = cm_client_call(r.conn->client, cm_request_capture(r.sid, (int)lines, escapes), &reply);
	if (rc < 0) {
		rc = conn_request_failed(r.conn, rc);
	} else if (cli->json) {
		output_reply_json(reply, r.conn->ctx.name);
		rc = 0;
	} else {
		const char *content = json_string_value(json_object_get(reply, "content"));
		size_t len = content ? strlen(content) : 0;
		if (escapes)
			fwrite(content ? content : "", 1, len, stdout);
		else
			sanitize_write(stdout, content ? content : "", len, 0);
		if (len && content[len - 1] != '\n')
			fputc('\n', stdout);
		rc = 0;
	}
	json_decref(reply);
	resolve_release(&r);
	return rc;
}

const struct cli_cmd cmd_capture_entry = {
    .name = "capture",
    .alias = NULL,
    .usage = "ID [-n LINES] [-e] [--json]",
    .summary = "print the screen of a session",
    .help = "    -n, --lines N    the last N lines, through the history (default: the screen)\n"
	    "    -e, --escapes    keep colours and attributes as escape sequences\n"
	    "    --json           the pane_captured reply\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_capture_exec,
};
