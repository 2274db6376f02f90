/*
 * cmd-watch: `cm watch [--all | --ctx NAME | --pool P] [--json]`: the
 * agents' events as they happen, one line each (or one JSON object per
 * line with a "context" field).
 *
 * A watch survives a dropped connection or tunnel: libcm reconnects with
 * backoff, rebuilding the ssh tunnel if needed, and authenticates with
 * {"auth_token": ..., "since": LAST_SEQ}, so the agent replays what was
 * missed and nothing is lost or shown twice.
 */
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "output.h"

/* What a watch counts. */
struct cmd_watch_state {
	struct cli *cli; /* for output settings */
	long count;	 /* stop after this many events (0: never) */
	long seen;	 /* events printed */
	int done;	 /* leave the loop */
	int open;	 /* connections not given up */
	int status;	 /* exit status */
};

/* Prints one event. */
static void
cmd_watch_on_event(struct conn *cn, const json_t *msg)
{
	struct cmd_watch_state *w = cn->hooks->arg;
	char line[2048];

	if (w->done)
		return;
	if (w->cli->json) {
		json_t *o = output_with_context(msg, cn->ctx.name);
		output_json_flags(stdout, o, JSON_COMPACT);
		json_decref(o);
	} else {
		output_event_line(cn->ctx.name, msg, w->cli->color, line, sizeof(line));
		puts(line);
	}
	fflush(stdout);
	if (json_object_get(msg, "seq") && w->count && ++w->seen >= w->count)
		w->done = 1;
}

/* Reports drops and recoveries on stderr. */
static void
cmd_watch_on_state(struct conn *cn, enum cm_conn_state s)
{
	struct cmd_watch_state *w = cn->hooks->arg;
	int rc;

	if (!w->open)
		return;
	if (s == CM_CONN_LOST)
		conn_warn_lost(cn);
	else if (s == CM_CONN_READY)
		cli_warn(w->cli, "%s: reconnected, replaying from seq %lld", cn->ctx.name,
			 (long long)cm_client_seq(cn->client));
	else if (s == CM_CONN_FAILED) {
		rc = conn_give_up(cn);
		if (!w->status)
			w->status = rc;
		if (--w->open == 0)
			w->done = 1;
	}
}

/* cm watch: prints events until interrupted. */
static int
cmd_watch_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 0},     {"pool", required_argument, NULL, 0},
	    {"json", no_argument, NULL, 0},	     {"all", no_argument, NULL, 'a'},
	    {"count", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	struct cmd_watch_state w;
	struct conn_hooks hooks;
	struct conn *cns = NULL;
	size_t n = 0, i, ready;
	int c, rc, all = 0;

	memset(&w, 0, sizeof(w));
	w.cli = cli;
	while ((c = cli_getopt(cli, argc, argv, "an:", opts)) != -1) {
		if (c == 'a')
			all = 1;
		else if (c == 'n') {
			if (cli_parse_int(cli, "--count", optarg, 1, 1L << 40, &w.count) < 0)
				return CLI_EXIT_USAGE;
		} else
			return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.reconnect = 1;
	hooks.on_event = cmd_watch_on_event;
	hooks.on_state = cmd_watch_on_state;
	hooks.arg = &w;
	if ((rc = conn_open_scope(cli, all, &hooks, &cns, &n, &ready)) != 0)
		return rc;
	if (ready == 0) {
		rc = n ? cns[0].status : CLI_EXIT_CONFIG;
		if (!n)
			cli_error(cli, "no context to watch");
		conn_close_many(cns, n);
		return rc;
	}
	w.open = (int)ready;
	for (i = 0; i < n; i++)
		if (!cns[i].status && cli->verbose)
			cli_warn(cli, "%s: watching from seq %lld", cns[i].ctx.name,
				 (long long)cm_client_seq(cns[i].client));
	cm_loop_run_until(cli->loop, &w.done, -1);
	w.open = 0;
	conn_close_many(cns, n);
	return w.status;
}

const struct cli_cmd cmd_watch_entry = {
    .name = "watch",
    .alias = "events",
    .usage = "[--all | --ctx NAME | --pool P] [--json] [--count N]",
    .summary = "print events as they happen (survives dropped tunnels)",
    .help = "    --all        every context, in parallel\n"
	    "    --json       one JSON event per line, with a \"context\" field\n"
	    "    -n, --count N  exit after N events\n"
	    "Runs until interrupted. After a drop it reconnects with backoff and replays\n"
	    "what it missed (auth with \"since\"): no event is lost or printed twice.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_watch_exec,
};
