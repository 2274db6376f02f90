/*
 * cmd-start: `cm start TOOL "TASK" [--ctx NAME | --pool P] [--path P]
 * [--auto-confirm on|off] [--wait]`, the seed's `cm start claude "Task"
 * --ctx prod-server`.
 *
 * Without --ctx the session goes to the default context; with --pool, or
 * when there is no default, it is placed on the best agent of the pool (or
 * of all contexts) by place.c. With --wait, cm follows the session's events
 * (reconnecting and replaying if the tunnel drops) and exits with a status
 * that tells how the task ended: 0 done, 10 waiting for a person, 11 error,
 * 12 exited.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "output.h"
#include "place.h"
#include "proto/protocol.h"
#include "proto/state.h"
#include "sanitize.h"

/* What --wait follows. */
struct cmd_start_wait {
	struct cli *cli;  /* for messages */
	int enabled;	  /* --wait given */
	int quiet;	  /* no progress lines */
	char *sid;	  /* the session, once created */
	int auto_confirm; /* the session's autoConfirm */
	json_t *early;	  /* events that came before the reply */
	int done;	  /* an ending was seen */
	int status;	  /* the exit status it maps to */
	const char *ctx;  /* context name for progress lines */
};

/* Maps an event of the session to an exit status, or -1 if it ends nothing. */
static int
cmd_start_ending(const json_t *ev, int auto_confirm)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *state = json_string_value(json_object_get(ev, "state"));
	int st = cm_state_parse(state);

	if (!type)
		return -1;
	if (proto_type_is(type, PROTO_MSG_SESSION_COMPLETED))
		return CLI_EXIT_OK;
	if (proto_type_is(type, PROTO_MSG_CONFIRM_NEEDED))
		return CLI_EXIT_WAITING;
	if (proto_type_is(type, PROTO_MSG_SESSION_EXITED) ||
	    proto_type_is(type, PROTO_MSG_SESSION_KILLED))
		return CLI_EXIT_EXITED;
	if (proto_type_is(type, PROTO_MSG_STATE_CHANGE) && state) {
		if (st == CM_STATE_DONE)
			return CLI_EXIT_OK;
		if (st == CM_STATE_ERROR)
			return CLI_EXIT_TASK_ERROR;
		if (st == CM_STATE_EXITED)
			return CLI_EXIT_EXITED;
		if (st == CM_STATE_WAITING_CONFIRM && !auto_confirm)
			return CLI_EXIT_WAITING;
	}
	return -1;
}

/* Handles one event of the session being waited for. */
static void
cmd_start_event(struct cmd_start_wait *w, const json_t *ev)
{
	char line[1024];
	int st;

	if (w->done)
		return;
	if (!w->quiet) {
		output_event_line(w->ctx, ev, 0, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	st = cmd_start_ending(ev, w->auto_confirm);
	if (st >= 0) {
		w->done = 1;
		w->status = st;
	}
}

/* Event hook: buffers events until the id is known, then filters by it. */
static void
cmd_start_on_event(struct conn *cn, const json_t *msg)
{
	struct cmd_start_wait *w = cn->hooks->arg;
	const char *sid = json_string_value(json_object_get(msg, "sessionId"));

	if (!w->enabled || !sid)
		return;
	if (!w->sid) {
		json_array_append(w->early, (json_t *)msg);
		return;
	}
	if (!strcmp(sid, w->sid))
		cmd_start_event(w, msg);
}

/* State hook: reports drops and gives up when the client does. */
static void
cmd_start_on_state(struct conn *cn, enum cm_conn_state st)
{
	struct cmd_start_wait *w = cn->hooks->arg;

	if (!w->enabled || !w->sid || w->done)
		return;
	if (st == CM_CONN_LOST)
		conn_warn_lost(cn);
	else if (st == CM_CONN_READY)
		cli_warn(w->cli, "%s: reconnected", cn->ctx.name);
	else if (st == CM_CONN_FAILED) {
		w->done = 1;
		w->status = conn_give_up(cn);
	}
}

/* Opens the pool (or every context) and keeps the best agent in *out. */
static int
cmd_start_place(struct cli *cli, const char *pool, const struct conn_hooks *h, struct conn **all,
		size_t *nall, struct conn **out)
{
	const json_t **infos;
	json_t **owned;
	size_t n, i;
	int status, pick;

	*all = conn_all_contexts(cli, pool, &n, &status);
	*nall = n;
	if (!*all)
		return status;
	if (n == 0) {
		if (pool)
			cli_error(cli, "no context belongs to pool \"%s\" (cm ctx add --pool)",
				  pool);
		else
			cli_error(cli, "no context defined: add one with cm ctx add NAME ...");
		return CLI_EXIT_CONFIG;
	}
	if (conn_open_many(cli, *all, n, h, 0) == 0) {
		cli_error(cli, "no agent of %s%s%s is reachable", pool ? "pool \"" : "all contexts",
			  pool ? pool : "", pool ? "\"" : "");
		return (*all)[0].status ? (*all)[0].status : CLI_EXIT_NO_AGENT;
	}
	infos = xcalloc(n, sizeof(*infos));
	owned = xcalloc(n, sizeof(*owned));
	for (i = 0; i < n; i++) {
		char why[128];
		double score;
		if ((*all)[i].status)
			continue;
		if (cm_client_agent_info((*all)[i].client, &owned[i]) < 0) {
			cli_warn(cli, "%s: skipped: %s", (*all)[i].ctx.name,
				 cm_client_error((*all)[i].client));
			continue;
		}
		if (place_score(owned[i], &score, why, sizeof(why)) < 0)
			cli_warn(cli, "%s: skipped: %s", (*all)[i].ctx.name, why);
		infos[i] = owned[i];
	}
	pick = place_pick(infos, n);
	for (i = 0; i < n; i++)
		json_decref(owned[i]);
	free(infos);
	free(owned);
	if (pick < 0) {
		cli_error(cli, "no agent of %s%s%s can take a session",
			  pool ? "pool \"" : "all contexts", pool ? pool : "", pool ? "\"" : "");
		return CLI_EXIT_NO_AGENT;
	}
	*out = &(*all)[pick];
	if (cli->verbose)
		fprintf(stderr, "cm: placing on %s\n", (*out)->ctx.name);
	return 0;
}

/* cm start: creates a session. */
static int
cmd_start_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 0},
	    {"pool", required_argument, NULL, 0},
	    {"json", no_argument, NULL, 0},
	    {"path", required_argument, NULL, 'p'},
	    {"auto-confirm", required_argument, NULL, 'a'},
	    {"wait", no_argument, NULL, 'w'},
	    {"timeout", required_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"worktree", optional_argument, NULL, 'W'},
	    {"base", required_argument, NULL, 'B'},
	    {"restart", required_argument, NULL, 'R'},
	    {"auto-continue", no_argument, NULL, 'C'},
	    {"stall-ms", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	struct cmd_start_wait w;
	struct conn_hooks hooks;
	struct conn *all = NULL, *cn = NULL, single;
	size_t nall = 0, i;
	const char *path = NULL, *tool, *task = NULL, *branch = NULL, *base = NULL;
	const char *restart = NULL;
	int worktree = 0, auto_continue = 0;
	long timeout = 0, stall_ms = -1;
	int c, rc, auto_confirm = -1, place = 0;
	char *sid = NULL;
	json_t *reply = NULL, *req;

	memset(&w, 0, sizeof(w));
	memset(&single, 0, sizeof(single));
	w.cli = cli;
	while ((c = cli_getopt(cli, argc, argv, "p:wt:q", opts)) != -1) {
		switch (c) {
		case 'p':
			path = optarg;
			break;
		case 'a':
			if (cli_parse_bool(cli, "--auto-confirm", optarg, &auto_confirm) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'w':
			w.enabled = 1;
			break;
		case 't':
			if (cli_parse_int(cli, "--timeout", optarg, 0, 86400 * 365, &timeout) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'q':
			w.quiet = 1;
			break;
		case 'W':
			worktree = 1;
			branch = optarg;
			break;
		case 'B':
			base = optarg;
			break;
		case 'R':
			if (strcmp(optarg, "never") != 0 && strcmp(optarg, "on-failure") != 0 &&
			    strcmp(optarg, "always") != 0) {
				cli_error(cli, "--restart must be never, on-failure or always");
				return CLI_EXIT_USAGE;
			}
			restart = optarg;
			break;
		case 'C':
			auto_continue = 1;
			break;
		case 'S':
			if (cli_parse_int(cli, "--stall-ms", optarg, 0, PROTO_STALL_MS_MAX,
					  &stall_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error(cli, "missing TOOL (cm start TOOL \"TASK\" --ctx NAME)");
		return CLI_EXIT_USAGE;
	}
	tool = argv[optind++];
	if (optind < argc)
		task = argv[optind++];
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\" (quote the task)", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (base && !worktree) {
		cli_error(cli, "--base needs --worktree");
		return CLI_EXIT_USAGE;
	}
	if (cli->ctx_name && cli->pool) {
		cli_error(cli, "give --ctx or --pool, not both");
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_load_contexts(cli)) != 0 || (rc = cli_load_prefs(cli)) != 0)
		return rc;
	/* config.json's defaults: a context before a pool; flags win over both. */
	if (!cli->ctx_name && !cli->pool && !cli->prefs.context && cli->prefs.pool)
		cli->pool = cli->prefs.pool;
	if (auto_confirm < 0)
		auto_confirm = cli->prefs.auto_confirm;
	w.early = json_array();
	memset(&hooks, 0, sizeof(hooks));
	hooks.reconnect = w.enabled;
	hooks.on_event = cmd_start_on_event;
	hooks.on_state = cmd_start_on_state;
	hooks.arg = &w;
	place =
	    cli->pool || (!cli->ctx_name && !cli->prefs.context &&
			  !contexts_current(&cli->contexts) && contexts_count(&cli->contexts) > 1);
	if (place) {
		rc = cmd_start_place(cli, cli->pool, &hooks, &all, &nall, &cn);
		if (rc)
			goto out;
		/* Only the chosen agent stays connected. */
		for (i = 0; i < nall; i++)
			if (&all[i] != cn)
				conn_close(&all[i]);
	} else {
		if ((rc = conn_open_current(cli, &single, &hooks)) != 0)
			goto out;
		cn = &single;
	}
	w.ctx = cn->ctx.name;
	if (!path)
		path = cn->ctx.path;
	req = cm_request_create_session(tool, task, path, auto_confirm);
	if (worktree)
		cm_request_set_worktree(req, branch, base);
	cm_request_set_recovery(req, restart, auto_continue, stall_ms);
	if ((rc = cm_client_call(cn->client, req, &reply)) < 0) {
		rc = conn_request_failed(cn, rc);
		goto out;
	}
	if (!json_string_value(json_object_get(reply, "sessionId"))) {
		cli_error(cli, "%s: reply without a sessionId", cn->ctx.name);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	sid = xstrdup(json_string_value(json_object_get(reply, "sessionId")));
	w.auto_confirm = json_is_true(json_object_get(reply, "autoConfirm"));
	if (cli->json) {
		output_reply_json(reply, cn->ctx.name);
	} else {
		const json_t *wt = json_object_get(reply, "worktree");

		sanitize_printf(stdout, "%s/%s\n", cn->ctx.name, sid);
		if (wt)
			sanitize_printf(stderr, "cm: worktree %s (branch %s from %s)\n",
					json_string_value(json_object_get(wt, "path")),
					json_string_value(json_object_get(wt, "branch")),
					json_string_value(json_object_get(wt, "base")));
	}
	fflush(stdout);
	rc = 0;
	if (!w.enabled)
		goto out;
	w.sid = sid;
	{
		json_t *ev;
		json_array_foreach (w.early, i, ev) {
			const char *esid = json_string_value(json_object_get(ev, "sessionId"));
			const char *type = json_string_value(json_object_get(ev, "type"));
			if (esid && !strcmp(esid, sid) && type &&
			    !proto_type_is(type, PROTO_MSG_SESSION_CREATED))
				cmd_start_event(&w, ev);
		}
	}
	rc = cm_loop_run_until(cli->loop, &w.done, timeout > 0 ? (int)(timeout * 1000) : -1);
	if (!w.done) {
		cli_error(cli, "%s/%s: still running after %ld s", cn->ctx.name, sid, timeout);
		rc = CLI_EXIT_FAIL;
	} else {
		rc = w.status;
	}
out:
	json_decref(reply);
	json_decref(w.early);
	free(sid);
	if (all)
		conn_close_many(all, nall);
	else
		conn_close(&single);
	return rc;
}

const struct cli_cmd cmd_start_entry = {
    .name = "start",
    .alias = "run",
    .usage = "TOOL [\"TASK\"] [--ctx NAME | --pool P] [--path P] [--auto-confirm on|off] "
	     "[--worktree[=BRANCH] [--base REF]] [--restart never|on-failure|always] "
	     "[--auto-continue] [--stall-ms MS] [--wait [--timeout S]] [--json]",
    .summary = "start a tool (claude, codex, ...) on a task in a new session",
    .help = "    --ctx NAME           the context (agent) to start on; default: cm ctx use\n"
	    "    --pool P             place on the healthiest, least loaded agent of pool P\n"
	    "                         (also used over all contexts when no default is set)\n"
	    "    --path P             project directory on the agent's machine (default: the\n"
	    "                         context's path, else the agent's home)\n"
	    "    --auto-confirm on|off  answer the tool's safe prompts by policy\n"
	    "    --worktree[=BRANCH]  run in a git worktree of its own: BRANCH is made from\n"
	    "                         the base, or checked out if it exists (default: the\n"
	    "                         agent names one); see cm diff, cm merge, cm worktree\n"
	    "    --base REF           with --worktree: the branch to start from and merge\n"
	    "                         into (default: the main checkout's branch)\n"
	    "    --restart POLICY     never, on-failure or always: start the tool again,\n"
	    "                         resuming its conversation, when it ends (default: the\n"
	    "                         profile's; claude and codex: on-failure)\n"
	    "    --auto-continue      after a usage limit, continue by itself at the reset time\n"
	    "    --stall-ms MS        working this long with a still screen raises\n"
	    "                         session_stalled (0: never; default: the agent's)\n"
	    "    --wait               follow the session until the task ends; exit status:\n"
	    "                         0 done, 10 waiting for a person, 11 error, 12 exited\n"
	    "    --timeout S          with --wait: give up after S seconds (exit 1)\n"
	    "    -q, --quiet          with --wait: no progress lines on stderr\n"
	    "    --json               print the session_created reply as JSON\n"
	    "Prints CTX/SESSION-ID of the new session.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_start_exec,
};
