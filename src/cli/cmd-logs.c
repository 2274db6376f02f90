/*
 * cmd-logs: `cm logs ID [-f] [-n LINES]`: the session's text so far (its
 * screen and history); for a session that has ended, or with --since,
 * --until, --raw or --cast, its transcript (logs-transcript.h), which the
 * agent keeps after the session is gone; with -f, then its live output as the tool writes it
 * (subscribe_output), until the session ends or cm is interrupted. A drop
 * of the connection is bridged: cm reconnects and subscribes again. Both
 * are sanitized (sanitize.h): the live output's escape sequences show as
 * text ("^[[1m") instead of acting on the terminal; `cm attach` is the
 * terminal view.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/timeutil.h"
#include "logs-transcript.h"
#include "proto/protocol.h"
#include "resolve.h"
#include "sanitize.h"
#include "timearg.h"

enum { LOGS_SINCE = 1, LOGS_UNTIL, LOGS_RAW, LOGS_CAST };

/* What a following `cm logs -f` keeps. */
struct cmd_logs_state {
	const char *sid; /* the session followed */
	int done;	 /* the session ended or the connection gave up */
	int status;	 /* exit status */
	int lost;	 /* the connection dropped since the subscription */
	char held[4];	 /* the start of a UTF-8 sequence cut by the last chunk */
	size_t nheld;	 /* bytes in held */
};

/* Writes live output of the session to stdout. */
static void
cmd_logs_on_output(struct conn *cn, const char *sid, const void *data, size_t len)
{
	struct cmd_logs_state *st = cn->hooks->arg;
	struct buf in, out;
	size_t used;

	if (!st->sid || strcmp(sid, st->sid))
		return;
	/* A character cut between two chunks is joined before it is judged. */
	buf_init(&in, st->nheld + len);
	buf_init(&out, 8 * (st->nheld + len) + 16);
	buf_append(&in, st->held, st->nheld);
	buf_append(&in, data, len);
	used = sanitize(&out, in.data, in.len, SANITIZE_PARTIAL);
	st->nheld = in.len - used;
	if (st->nheld >= sizeof(st->held)) {
		/* Cannot happen (at most 3 bytes are held); flush them as escapes. */
		sanitize(&out, in.data + used, st->nheld, 0);
		st->nheld = 0;
	}
	memcpy(st->held, in.data + used, st->nheld);
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	fflush(stdout);
	buf_release(&in);
	buf_release(&out);
}

/* Stops following when the session ends. */
static void
cmd_logs_on_event(struct conn *cn, const json_t *msg)
{
	struct cmd_logs_state *st = cn->hooks->arg;
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *sid = json_string_value(json_object_get(msg, "sessionId"));

	if (!st->sid || !sid || strcmp(sid, st->sid) || !type)
		return;
	if (proto_type_is(type, PROTO_MSG_SESSION_EXITED) ||
	    proto_type_is(type, PROTO_MSG_SESSION_KILLED)) {
		st->done = 1;
		st->status = 0;
	}
}

/* Subscribes again after a reconnect; gives up with the client. */
static void
cmd_logs_on_state(struct conn *cn, enum cm_conn_state s)
{
	struct cmd_logs_state *st = cn->hooks->arg;

	if (!st->sid)
		return;
	if (s == CM_CONN_LOST) {
		st->lost = 1;
		conn_warn_lost(cn);
	} else if (s == CM_CONN_READY && st->lost) {
		st->lost = 0;
		cm_client_send(cn->client, cm_request_subscribe_output(st->sid), NULL, NULL);
	} else if (s == CM_CONN_FAILED) {
		st->done = 1;
		st->status = conn_give_up(cn);
	}
}

/* cm logs: prints the text so far, then follows with -f. */
static int
cmd_logs_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"follow", no_argument, NULL, 'f'},
					     {"lines", required_argument, NULL, 'n'},
					     {"since", required_argument, NULL, LOGS_SINCE},
					     {"until", required_argument, NULL, LOGS_UNTIL},
					     {"raw", no_argument, NULL, LOGS_RAW},
					     {"cast", no_argument, NULL, LOGS_CAST},
					     {"output", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	struct logs_opts lo = {-1, -1, 0, 0, NULL};
	double now = time_wall();
	int from_transcript = 0;
	struct cmd_logs_state st;
	struct conn_hooks hooks;
	struct resolved r;
	long lines = 0;
	int c, rc, follow = 0;
	char *content = NULL;

	memset(&st, 0, sizeof(st));
	while ((c = cli_getopt(cli, argc, argv, "fn:o:", opts)) != -1) {
		if (c == 'f')
			follow = 1;
		else if (c == 'n') {
			if (cli_parse_int(cli, "-n", optarg, 1, PROTO_LINES_MAX, &lines) < 0)
				return CLI_EXIT_USAGE;
		} else if (c == LOGS_SINCE || c == LOGS_UNTIL) {
			if (timearg_parse(optarg, now, c == LOGS_SINCE ? &lo.since : &lo.until) <
			    0) {
				cli_error(
				    cli,
				    "%s: \"%s\" is neither a duration (90s, 10m, 2h, 3d) nor a "
				    "time (2026-12-01T14:05:00Z, 2026-12-01 14:05)",
				    c == LOGS_SINCE ? "--since" : "--until", optarg);
				return CLI_EXIT_USAGE;
			}
			from_transcript = 1;
		} else if (c == LOGS_RAW || c == LOGS_CAST) {
			*(c == LOGS_RAW ? &lo.raw : &lo.cast) = 1;
			from_transcript = 1;
		} else if (c == 'o')
			lo.out = optarg;
		else
			return CLI_EXIT_USAGE;
	}
	if (lo.raw && lo.cast) {
		cli_error(cli, "--raw and --cast: choose one");
		return CLI_EXIT_USAGE;
	}
	if (lo.out && !lo.cast) {
		cli_error(cli, "-o FILE writes a cast: give --cast too");
		return CLI_EXIT_USAGE;
	}
	if (lo.since >= 0 && lo.until >= 0 && lo.until < lo.since) {
		cli_error(cli, "--until is before --since");
		return CLI_EXIT_USAGE;
	}
	if (from_transcript && (follow || lines > 0)) {
		cli_error(cli, "-f and -n read the live screen; --since, --until, --raw and --cast "
			       "the transcript: not both");
		return CLI_EXIT_USAGE;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.reconnect = follow;
	hooks.on_output = cmd_logs_on_output;
	hooks.on_event = cmd_logs_on_event;
	hooks.on_state = cmd_logs_on_state;
	hooks.arg = &st;
	memset(&r, 0, sizeof(r));
	if (!follow && lines == 0) {
		/* The transcripts know live and ended sessions alike. */
		if ((rc = cli_one_arg(cli, argc, argv, "missing session id")) != 0)
			return rc;
		rc = resolve_transcript(cli, argv[optind], &r, &hooks, !from_transcript);
		if (rc == 0 &&
		    (from_transcript || !json_is_true(json_object_get(r.session, "live")))) {
			rc = logs_transcript(cli, r.conn, r.sid, &lo);
			resolve_release(&r);
			return rc;
		}
		/* Live: its screen and history, as always, through the same connection. */
		if (rc != 0 && (rc != CLI_EXIT_NOTFOUND || from_transcript))
			return rc;
	}
	if (r.conn == NULL && (rc = resolve_arg(cli, argc, argv, &r, &hooks)) != 0)
		return rc;
	rc =
	    cm_client_capture(r.conn->client, r.sid,
			      lines > 0 ? (int)lines : (follow ? 0 : PROTO_LINES_MAX), 0, &content);
	if (rc < 0) {
		rc = conn_request_failed(r.conn, rc);
		goto out;
	}
	{
		/* Trailing blank lines of the screen are noise in a log. */
		size_t len = strlen(content);
		while (len > 1 && content[len - 1] == '\n' && content[len - 2] == '\n')
			len--;
		sanitize_write(stdout, content, len, 0);
		fflush(stdout);
	}
	rc = 0;
	if (!follow)
		goto out;
	st.sid = r.sid;
	if ((rc = cm_client_subscribe_output(r.conn->client, r.sid, NULL)) < 0) {
		rc = conn_request_failed(r.conn, rc);
		goto out;
	}
	cm_loop_run_until(cli->loop, &st.done, -1);
	rc = st.status;
out:
	free(content);
	resolve_release(&r);
	return rc;
}

const struct cli_cmd cmd_logs_entry = {
    .name = "logs",
    .alias = "log",
    .usage = "ID [-f] [-n LINES] | ID [--since T] [--until T] [--raw | --cast [-o FILE]]",
    .summary = "print a session's output (also of ended sessions); -f follows it live",
    .help = "    -f, --follow     then print the tool's output as it comes (escape\n"
	    "                     sequences shown as text), until the session ends or Ctrl-C\n"
	    "    -n, --lines N    how many lines of history to print first (default: all\n"
	    "                     kept, up to 10000; with -f the screen)\n"
	    "    --since T        from the transcript: from T, a duration back (90s, 10m,\n"
	    "                     2h, 3d) or a time (2026-12-01T14:05:00Z, 2026-12-01 14:05)\n"
	    "    --until T        from the transcript: up to T\n"
	    "    --raw            the output with its escape sequences (for a terminal)\n"
	    "    --cast           asciicast v2 (asciinema play/cat read it)\n"
	    "    -o, --output F   write the cast to F (mode 0600) instead of stdout\n"
	    "  A session that has ended is read from its transcript.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_logs_exec,
};
