/*
 * cmd-mcp: `cm mcp`, the Model Context Protocol server on stdio (see mcp.h).
 *
 * The transport is MCP's stdio one: JSON-RPC 2.0 messages, one a line, on
 * stdin and stdout; stdout carries nothing else (messages for people go to
 * stderr). Requests are answered in the order they come: a call that waits
 * (wait_for_state) runs libcm's loop, so events keep flowing to the queue of
 * send_text meanwhile, and the next request is read after it. A line that
 * is not JSON, too long, or not a request gets its JSON-RPC error and the
 * server goes on; end of input ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cm.h"
#include "common/xmalloc.h"
#include "mcp.h"

/* The protocol revisions this server speaks, newest first. */
static const char *const mcp_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
					   NULL};

/* JSON-RPC error codes. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
};

/* Writes one message, one line, and flushes. */
static void
mcp_send(json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(text);
	}
	json_decref(msg);
}

/* Sends an error response (id may be NULL: JSON null). */
static void
mcp_send_error(const json_t *id, int code, const char *message)
{
	mcp_send(json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
			   id ? id : json_null(), "error", "code", code, "message", message));
}

/* The initialize result: the client's revision when this server speaks it, else the newest. */
static json_t *
mcp_initialize(const json_t *params)
{
	const char *want = json_string_value(json_object_get(params, "protocolVersion"));
	const char *version = mcp_versions[0];

	for (size_t i = 0; want && mcp_versions[i]; i++)
		if (!strcmp(want, mcp_versions[i]))
			version = mcp_versions[i];
	return json_pack("{s:s, s:{s:{s:b}}, s:{s:s, s:s}, s:s}", "protocolVersion", version,
			 "capabilities", "tools", "listChanged", 0, "serverInfo", "name", "cm",
			 "version", CM_LIB_VERSION, "instructions",
			 "Sessions are named CTX/ID. Read-only unless the user's config.json "
			 "allows more (mcp.actions).");
}

/* Handles one parsed message. */
static void
mcp_handle(struct mcp *m, const json_t *msg)
{
	const json_t *id = json_object_get(msg, "id"), *params;
	const char *method = json_string_value(json_object_get(msg, "method"));
	json_t *result = NULL;

	if (!json_is_object(msg)) {
		mcp_send_error(NULL, RPC_INVALID_REQUEST, "a message must be a JSON-RPC object");
		return;
	}
	if (!method) {
		/* A response to us (we send no requests) or garbage: answer garbage only. */
		if (!json_object_get(msg, "result") && !json_object_get(msg, "error"))
			mcp_send_error(id, RPC_INVALID_REQUEST, "no method");
		return;
	}
	if (id && !json_is_string(id) && !json_is_integer(id)) {
		mcp_send_error(NULL, RPC_INVALID_REQUEST, "id must be a string or an integer");
		return;
	}
	if (!id)
		return; /* notifications (initialized, cancelled): nothing to answer */
	params = json_object_get(msg, "params");
	if (params && !json_is_object(params)) {
		mcp_send_error(id, RPC_INVALID_PARAMS, "params must be an object");
		return;
	}
	if (!strcmp(method, "initialize")) {
		result = mcp_initialize(params);
	} else if (!strcmp(method, "ping")) {
		result = json_object();
	} else if (!strcmp(method, "tools/list")) {
		result = mcp_tools_list(m);
	} else if (!strcmp(method, "tools/call")) {
		const char *name = json_string_value(json_object_get(params, "name"));
		const json_t *args = json_object_get(params, "arguments");
		if (!name || (args && !json_is_object(args))) {
			mcp_send_error(id, RPC_INVALID_PARAMS,
				       "tools/call needs a name and an arguments object");
			return;
		}
		if (!(result = mcp_tools_call(m, name, args))) {
			mcp_send_error(id, RPC_INVALID_PARAMS, "unknown tool");
			return;
		}
	} else {
		mcp_send_error(id, RPC_METHOD_NOT_FOUND, "method not found");
		return;
	}
	mcp_send(json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result));
}

/* Parses and handles one line. */
static void
mcp_line(struct mcp *m, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *msg;

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len == 0)
		return;
	if (!(msg = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr))) {
		mcp_send_error(NULL, RPC_PARSE_ERROR, "parse error");
		return;
	}
	if (json_is_array(msg))
		mcp_send_error(NULL, RPC_INVALID_REQUEST, "batches are not supported");
	else
		mcp_handle(m, msg);
	json_decref(msg);
}

/* The stdin watch: makes the loop return so that the input is read at top level. */
static void
mcp_on_stdin(int fd, void *arg)
{
	int *readable = arg;

	(void)fd;
	*readable = 1;
}

/* cm mcp. */
static int
cmd_mcp_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct cm_watch *watch;
	struct mcp *m;
	char *buf = xmalloc(MCP_LINE_MAX + 1);
	size_t used = 0;
	int readable = 0, rc, eof = 0, skipping = 0;

	if (cli_getopt(cli, argc, argv, "", opts) != -1) {
		free(buf);
		return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		free(buf);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_load_prefs(cli)) != 0) {
		free(buf);
		return rc;
	}
	if (!cli_loop(cli)) {
		cli_error(cli, "cannot create the event loop");
		free(buf);
		return CLI_EXIT_FAIL;
	}
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	m = mcp_new(cli);
	watch = cm_loop_watch_fd(cli_loop(cli), STDIN_FILENO, mcp_on_stdin, &readable);
	while (!eof && watch) {
		ssize_t got;
		char *nl;

		readable = 0;
		cm_loop_run_until(cli_loop(cli), &readable, -1);
	again:
		got = read(STDIN_FILENO, buf + used, MCP_LINE_MAX - used);
		if (got < 0 && errno == EINTR)
			goto again;
		if (got == 0 || (got < 0 && errno != EAGAIN)) {
			eof = 1;
			got = 0;
		}
		if (got < 0)
			continue;
		used += (size_t)got;
		while ((nl = memchr(buf, '\n', used))) {
			size_t len = (size_t)(nl - buf);
			if (!skipping)
				mcp_line(m, buf, len);
			skipping = 0;
			memmove(buf, nl + 1, used - len - 1);
			used -= len + 1;
		}
		if (used == MCP_LINE_MAX) {
			/* One message may not fill memory: refuse it, drop it up to its newline. */
			if (!skipping)
				mcp_send_error(NULL, RPC_INVALID_REQUEST, "message too large");
			skipping = 1;
			used = 0;
		}
		/* Read on until the pipe is empty: the watch may not fire again at its end. */
		if (got > 0 && !eof)
			goto again;
	}
	if (eof && used && !skipping)
		mcp_line(m, buf, used);
	cm_watch_free(watch);
	mcp_free(m);
	free(buf);
	return watch ? 0 : CLI_EXIT_FAIL;
}

const struct cli_cmd cmd_mcp_entry = {
    .name = "mcp",
    .alias = NULL,
    .usage = "",
    .summary = "serve the Model Context Protocol on stdin/stdout (for orchestrating programs)",
    .help = "Tools: list_sessions, read_screen, wait_for_state (allowed by default);\n"
	    "start_session, send_text, confirm, kill_session (each only when config.json\n"
	    "allows it: \"mcp\": {\"actions\": [\"read\", \"start\", \"send\", \"confirm\", "
	    "\"kill\"]}).\n"
	    "\"mcp\": {\"contexts\": [...]} limits the contexts (default: all).\n",
    .flags = CMD_NEEDS_CONTEXTS | CMD_EXACT_NAME,
    .exec = cmd_mcp_exec,
};
