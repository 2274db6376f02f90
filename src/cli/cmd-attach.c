/*
 * cmd-attach: `cm attach ID`, an interactive terminal on a session through
 * the agent: the terminal goes raw, the screen is drawn from the
 * subscription's snapshot, then the tool's output is written as it comes
 * and every key typed is sent as literal text (send_keys). The session is
 * resized to the terminal, again on every SIGWINCH.
 *
 * Detach with Ctrl-\ , or with Enter ~ . (as in ssh: "~." at the start of
 * a line; "~~" types one "~"). The session goes on running. When the
 * tool exits, attach ends by itself.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"
#include "resolve.h"
#include "sanitize.h"
#include "tty.h"

#define ATTACH_DETACH_KEY 0x1c /* Ctrl-\ */

/* The state of an attached terminal. */
struct cmd_attach_state {
	struct cli *cli; /* for messages */
	struct conn *cn; /* the connection holding the session */
	const char *sid; /* the session */
	struct tty tty;	 /* the raw terminal */
	int line_start;	 /* the last key typed ended a line (or none yet) */
	int tilde;	 /* a "~" at a line start is held back */
	int done;	 /* leave the loop */
	const char *why; /* what to say when leaving */
	int status;	 /* exit status */
	int lost;	 /* the connection dropped; resubscribe when back */
};

/* Writes all of buf to stdout. */
static void
cmd_attach_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(STDOUT_FILENO, p, len);
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* Sends typed bytes as literal keys (invalid UTF-8 bytes become '?'). */
static void
cmd_attach_send(struct cmd_attach_state *a, const char *buf, size_t len)
{
	json_t *req;

	if (len == 0)
		return;
	req = cm_request_send_keys(a->sid, buf, len, 0, NULL);
	if (!req) {
		char *copy = xmemdup(buf, len);
		size_t i;
		for (i = 0; i < len; i++)
			if ((unsigned char)copy[i] >= 0x80)
				copy[i] = '?';
		req = cm_request_send_keys(a->sid, copy, len, 0, NULL);
		free(copy);
		if (!req)
			return;
	}
	cm_client_send(a->cn->client, req, NULL, NULL);
}

/* Reads keys from the terminal: detach keys are handled here, the rest is sent. */
static void
cmd_attach_on_stdin(int fd, void *arg)
{
	struct cmd_attach_state *a = arg;
	char in[4096], out[4096 + 2];
	size_t o = 0;
	ssize_t n, i;

	n = read(fd, in, sizeof(in));
	if (n <= 0) {
		a->done = 1;
		a->why = "input closed";
		return;
	}
	for (i = 0; i < n; i++) {
		char ch = in[i];
		if (ch == ATTACH_DETACH_KEY) {
			cmd_attach_send(a, out, o);
			a->done = 1;
			return;
		}
		if (a->tilde) {
			a->tilde = 0;
			if (ch == '.') {
				cmd_attach_send(a, out, o);
				a->done = 1;
				return;
			}
			out[o++] = '~';
			if (ch == '~') {
				a->line_start = 0;
				continue;
			}
		} else if (a->line_start && ch == '~') {
			a->tilde = 1;
			continue;
		}
		out[o++] = ch;
		a->line_start = ch == '\r' || ch == '\n';
	}
	cmd_attach_send(a, out, o);
}

/* Sends the terminal's size to the session. */
static void
cmd_attach_resize(struct cmd_attach_state *a)
{
	int cols, rows;

	if (tty_size(STDIN_FILENO, &cols, &rows) == 0)
		cm_client_send(a->cn->client, cm_request_resize(a->sid, cols, rows), NULL, NULL);
}

/* Handles SIGWINCH (resize) and SIGTERM/SIGHUP (detach). */
static void
cmd_attach_on_signal(int fd, void *arg)
{
	struct cmd_attach_state *a = arg;

	(void)fd;
	switch (tty_signal(&a->tty)) {
	case 'w':
		cmd_attach_resize(a);
		break;
	case 't':
		a->done = 1;
		a->why = "terminated";
		break;
	default:
		break;
	}
}

/* Writes the session's output. */
static void
cmd_attach_on_output(struct conn *cn, const char *sid, const void *data, size_t len)
{
	struct cmd_attach_state *a = cn->hooks->arg;

	if (a->sid && !strcmp(sid, a->sid))
		cmd_attach_write(data, len);
}

/* Draws a snapshot (screen with escapes) and puts the cursor back. */
static void
cmd_attach_draw(const json_t *msg)
{
	const char *snap = json_string_value(json_object_get(msg, "snapshot"));
	const json_t *cur = json_object_get(msg, "cursor");
	char pos[64];

	cmd_attach_write("\033[H\033[2J", 7);
	if (snap) {
		/* Screen lines are separated by newlines: each must return to column 0. */
		const char *p = snap, *nl;
		while ((nl = strchr(p, '\n'))) {
			cmd_attach_write(p, (size_t)(nl - p));
			cmd_attach_write("\r\n", 2);
			p = nl + 1;
		}
		cmd_attach_write(p, strlen(p));
	}
	if (json_is_object(cur)) {
		int n = snprintf(pos, sizeof(pos), "\033[%lld;%lldH",
				 (long long)json_integer_value(json_object_get(cur, "y")) + 1,
				 (long long)json_integer_value(json_object_get(cur, "x")) + 1);
		cmd_attach_write(pos, (size_t)n);
	}
}

/* Ends on exit of the tool; redraws after dropped output. */
static void
cmd_attach_on_event(struct conn *cn, const json_t *msg)
{
	struct cmd_attach_state *a = cn->hooks->arg;
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *sid = json_string_value(json_object_get(msg, "sessionId"));

	if (!a->sid || !type || !sid || strcmp(sid, a->sid))
		return;
	if (proto_type_is(type, PROTO_MSG_SESSION_EXITED) ||
	    proto_type_is(type, PROTO_MSG_SESSION_KILLED)) {
		a->done = 1;
		a->why = proto_type_is(type, PROTO_MSG_SESSION_KILLED) ? "session killed"
								       : "tool exited";
	} else if (proto_type_is(type, PROTO_MSG_OUTPUT_SNAPSHOT) ||
		   proto_type_is(type, PROTO_MSG_OUTPUT_SUBSCRIBED)) {
		cmd_attach_draw(msg);
	}
}

/* Redraws after a reconnect; gives up with the client. */
static void
cmd_attach_on_state(struct conn *cn, enum cm_conn_state s)
{
	struct cmd_attach_state *a = cn->hooks->arg;

	if (!a->sid)
		return;
	if (s == CM_CONN_LOST) {
		a->lost = 1;
	} else if (s == CM_CONN_READY && a->lost) {
		a->lost = 0;
		cmd_attach_resize(a);
		/* The reply (output_subscribed with a snapshot) redraws the screen. */
		cm_client_send(cn->client, cm_request_subscribe_output(a->sid), NULL, NULL);
	} else if (s == CM_CONN_FAILED) {
		a->done = 1;
		a->why = cm_client_error(cn->client);
		a->status = conn_exit_for_fail(cm_client_fail(cn->client));
	}
}

/* cm attach: interactive terminal on a session. */
static int
cmd_attach_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	struct cmd_attach_state a;
	struct conn_hooks hooks;
	struct cm_watch *win = NULL, *wsig = NULL;
	struct resolved r;
	json_t *reply = NULL;
	int rc, cols, rows;

	memset(&a, 0, sizeof(a));
	a.cli = cli;
	a.line_start = 1;
	a.tty.sigfd = -1;
	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if ((rc = cli_one_arg(cli, argc, argv, "missing session id")) != 0)
		return rc;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error(cli, "needs a terminal (use cm send and cm logs -f otherwise)");
		return CLI_EXIT_USAGE;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.reconnect = 1;
	hooks.on_output = cmd_attach_on_output;
	hooks.on_event = cmd_attach_on_event;
	hooks.on_state = cmd_attach_on_state;
	hooks.arg = &a;
	if ((rc = resolve_session(cli, argv[optind], &r, &hooks)) != 0)
		return rc;
	a.cn = r.conn;
	a.sid = r.sid;
	if (tty_size(STDIN_FILENO, &cols, &rows) == 0 &&
	    (rc = cm_client_resize(a.cn->client, a.sid, cols, rows)) < 0) {
		rc = conn_request_failed(a.cn, rc);
		goto out;
	}
	if ((rc = cm_client_subscribe_output(a.cn->client, a.sid, &reply)) < 0) {
		rc = conn_request_failed(a.cn, rc);
		goto out;
	}
	if (tty_raw(&a.tty, STDIN_FILENO) < 0) {
		cli_error(cli, "cannot put the terminal in raw mode");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	cmd_attach_draw(reply);
	win = cm_loop_watch_fd(cli->loop, STDIN_FILENO, cmd_attach_on_stdin, &a);
	if (a.tty.sigfd >= 0)
		wsig = cm_loop_watch_fd(cli->loop, a.tty.sigfd, cmd_attach_on_signal, &a);
	cm_loop_run_until(cli->loop, &a.done, -1);
	cm_watch_free(win);
	cm_watch_free(wsig);
	if (cm_client_state(a.cn->client) == CM_CONN_READY)
		cm_client_send(a.cn->client, cm_request_unsubscribe_output(a.sid), NULL, NULL);
	tty_restore(&a.tty);
	/* The session's bytes are passed as they are; this line is cm's, sanitized. */
	fputs("\r\n", stderr);
	sanitize_printf(stderr, "[%s %s/%s%s%s]", a.why ? "left" : "detached from", a.cn->ctx.name,
			a.sid, a.why ? ": " : "", a.why ? a.why : "");
	fputs("\r\n", stderr);
	rc = a.status;
out:
	tty_restore(&a.tty);
	json_decref(reply);
	resolve_release(&r);
	return rc;
}

const struct cli_cmd cmd_attach_entry = {
    .name = "attach",
    .alias = "a",
    .usage = "ID",
    .summary = "attach this terminal to a session (detach: Ctrl-\\ or Enter ~ .)",
    .help = "Keys typed go to the tool; the session takes this terminal's size.\n"
	    "Detach with Ctrl-\\ , or with ~. at the start of a line (~~ types one ~).\n"
	    "The session keeps running; attach ends by itself when the tool exits.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_attach_exec,
};
