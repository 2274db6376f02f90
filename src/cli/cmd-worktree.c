/*
 * cmd-worktree: the review loop of sessions started with `cm start
 * --worktree`: `cm diff ID [--turn N] [--stat]`, `cm merge ID [--rebase |
 * --squash]`, `cm worktree ls` and `cm worktree clean [ID] [--force]`.
 * Ids are looked up among the agent's worktrees (list_worktrees), so a
 * killed session's worktree can still be diffed, merged and cleaned.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "output.h"
#include "resolve.h"
#include "sanitize.h"

/* Prints a diff reply: the patch, or one line per file with --stat. */
static void
cmd_diff_print(const json_t *d, int stat)
{
	const json_t *files = json_object_get(d, "files"), *f;
	const char *patch = json_string_value(json_object_get(d, "patch"));
	long added = 0, deleted = 0;
	size_t i;

	if (!stat && patch) {
		sanitize_write(stdout, patch, strlen(patch), 0);
		if (json_is_true(json_object_get(d, "truncated")))
			fprintf(stderr, "cm: the patch was cut at the agent's limit (1 MiB)\n");
		return;
	}
	json_array_foreach (files, i, f) {
		json_int_t a = json_integer_value(json_object_get(f, "added"));
		json_int_t del = json_integer_value(json_object_get(f, "deleted"));

		added += (long)a;
		deleted += (long)del;
		if (json_is_true(json_object_get(f, "binary")))
			sanitize_printf(stdout, "%s  %s  (binary)\n",
					json_string_value(json_object_get(f, "status")),
					json_string_value(json_object_get(f, "path")));
		else
			sanitize_printf(stdout, "%s  %s  +%lld -%lld\n",
					json_string_value(json_object_get(f, "status")),
					json_string_value(json_object_get(f, "path")), (long long)a,
					(long long)del);
	}
	printf("%zu file%s changed, %ld insertion%s(+), %ld deletion%s(-)\n",
	       json_array_size(files), json_array_size(files) == 1 ? "" : "s", added,
	       added == 1 ? "" : "s", deleted, deleted == 1 ? "" : "s");
}

/* cm diff ID [--turn N] [--stat]. */
static int
cmd_diff_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"turn", required_argument, NULL, 't'},
					     {"stat", no_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	struct resolved r;
	json_t *reply = NULL;
	long turn = 0;
	int c, stat = 0, rc;

	while ((c = cli_getopt(cli, argc, argv, "t:s", opts)) != -1) {
		if (c == 't') {
			if (cli_parse_int(cli, "--turn", optarg, 1, 10000, &turn) < 0)
				return CLI_EXIT_USAGE;
		} else if (c == 's') {
			stat = 1;
		} else {
			return CLI_EXIT_USAGE;
		}
	}
	if ((rc = cli_one_arg(cli, argc, argv, "missing session id")) != 0)
		return rc;
	if ((rc = resolve_worktree(cli, argv[optind], &r)) != 0)
		return rc;
	rc = cm_client_diff(r.conn->client, r.sid, (int)turn, stat, &reply);
	if (rc < 0) {
		rc = conn_request_failed(r.conn, rc);
	} else if (cli->json) {
		output_reply_json(reply, r.conn->ctx.name);
	} else {
		cmd_diff_print(reply, stat);
	}
	json_decref(reply);
	resolve_release(&r);
	return rc;
}

/* cm merge ID [--rebase | --squash]. */
static int
cmd_merge_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"rebase", no_argument, NULL, 'r'},
					     {"squash", no_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	const char *mode = NULL;
	struct resolved r;
	json_t *reply = NULL;
	int c, rc;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'r' && c != 's')
			return CLI_EXIT_USAGE;
		if (mode) {
			cli_error(cli, "give --rebase or --squash, not both");
			return CLI_EXIT_USAGE;
		}
		mode = c == 'r' ? "rebase" : "squash";
	}
	if ((rc = cli_one_arg(cli, argc, argv, "missing session id")) != 0)
		return rc;
	if ((rc = resolve_worktree(cli, argv[optind], &r)) != 0)
		return rc;
	rc = cm_client_merge(r.conn->client, r.sid, mode, &reply);
	if (rc < 0) {
		rc = conn_request_failed(r.conn, rc);
	} else if (cli->json) {
		output_reply_json(reply, r.conn->ctx.name);
	} else {
		const char *commit = json_string_value(json_object_get(reply, "commit"));

		sanitize_printf(stdout, "merged %s into %s (%s%s): %.12s\n",
				json_string_value(json_object_get(reply, "branch")),
				json_string_value(json_object_get(reply, "base")),
				json_string_value(json_object_get(reply, "mode")),
				json_is_true(json_object_get(reply, "committed"))
				    ? ", uncommitted work committed first"
				    : "",
				commit ? commit : "");
	}
	json_decref(reply);
	resolve_release(&r);
	return rc;
}

/* What a worktree holds, for the table: "2 changed, 1 untracked, 3 unmerged" or "clean". */
static void
cmd_worktree_holds(const json_t *w, char *buf, size_t n)
{
	size_t changed = json_array_size(json_object_get(w, "changed"));
	size_t untracked = json_array_size(json_object_get(w, "untracked"));
	json_int_t unmerged = json_integer_value(json_object_get(w, "unmerged"));

	if (!changed && !untracked && !unmerged)
		snprintf(buf, n, "clean");
	else
		snprintf(buf, n, "%zu changed, %zu untracked, %lld unmerged", changed, untracked,
			 (long long)unmerged);
}

/* cm worktree ls. */
static int
cmd_worktree_ls(struct cli *cli, struct conn *cn)
{
	static const char *const heads[] = {"SESSION", "BRANCH", "BASE", "STATE", "HOLDS", "PATH"};
	struct output_table t;
	json_t *list = NULL, *w;
	size_t i;
	int rc;

	if ((rc = cm_client_list_worktrees(cn->client, &list)) < 0)
		return conn_request_failed(cn, rc);
	if (cli->json) {
		json_t *o = output_with_context(list, cn->ctx.name);

		output_json(stdout, o);
		json_decref(o);
		json_decref(list);
		return 0;
	}
	output_table_init(&t, 6, heads);
	json_array_foreach (list, i, w) {
		char id[160], holds[96];
		const char *state = !json_is_true(json_object_get(w, "exists")) ? "gone"
				    : json_is_true(json_object_get(w, "live"))	? "live"
										: "ended";
		const char *cells[6];

		snprintf(id, sizeof id, "%s/%s", cn->ctx.name,
			 json_string_value(json_object_get(w, "sessionId")));
		cmd_worktree_holds(w, holds, sizeof holds);
		cells[0] = id;
		cells[1] = json_string_value(json_object_get(w, "branch"));
		cells[2] = json_string_value(json_object_get(w, "base"));
		cells[3] = state;
		cells[4] = holds;
		cells[5] = json_string_value(json_object_get(w, "path"));
		output_table_add(&t, cells, NULL);
	}
	output_table_print(&t, stdout, 0, output_width());
	output_table_release(&t);
	json_decref(list);
	return 0;
}

/* Prints a clean_worktrees reply; 1 if something was kept. */
static int
cmd_worktree_clean_print(const char *ctx, const json_t *reply)
{
	const json_t *e, *d;
	size_t i, j;

	json_array_foreach (json_object_get(reply, "removed"), i, e) {
		sanitize_printf(stdout, "removed %s/%s %s\n", ctx,
				json_string_value(json_object_get(e, "sessionId")),
				json_string_value(json_object_get(e, "path")));
		json_array_foreach (json_object_get(e, "discarded"), j, d)
			sanitize_printf(stdout, "  threw away %s\n", json_string_value(d));
	}
	json_array_foreach (json_object_get(reply, "kept"), i, e)
		sanitize_printf(stdout, "kept %s/%s %s: %s\n", ctx,
				json_string_value(json_object_get(e, "sessionId")),
				json_string_value(json_object_get(e, "path")),
				json_string_value(json_object_get(e, "reason")));
	return json_array_size(json_object_get(reply, "kept")) > 0;
}

/* cm worktree ls | clean [ID] [--force]. */
static int
cmd_worktree_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"force", no_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	struct conn single;
	struct resolved r;
	json_t *reply = NULL;
	const char *sub;
	int c, force = 0, rc;

	memset(&single, 0, sizeof single);
	while ((c = cli_getopt(cli, argc, argv, "f", opts)) != -1) {
		if (c != 'f')
			return CLI_EXIT_USAGE;
		force = 1;
	}
	if (optind >= argc) {
		cli_error(cli, "missing subcommand: cm worktree ls | clean [ID] [--force]");
		return CLI_EXIT_USAGE;
	}
	sub = argv[optind++];
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0) {
		if (optind < argc || force) {
			cli_error(cli, "cm worktree ls takes no argument");
			return CLI_EXIT_USAGE;
		}
		if ((rc = conn_open_current(cli, &single, NULL)) != 0)
			return rc;
		rc = cmd_worktree_ls(cli, &single);
		conn_close(&single);
		return rc;
	}
	if (strcmp(sub, "clean") != 0) {
		cli_error(cli, "unknown subcommand \"%s\": cm worktree ls | clean [ID] [--force]",
			  sub);
		return CLI_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind + 1]);
		return CLI_EXIT_USAGE;
	}
	memset(&r, 0, sizeof r);
	if (optind < argc) {
		if ((rc = resolve_worktree(cli, argv[optind], &r)) != 0)
			return rc;
		rc = cm_client_clean_worktrees(r.conn->client, r.sid, force, &reply);
	} else {
		if ((rc = conn_open_current(cli, &single, NULL)) != 0)
			return rc;
		r.conn = &single;
		rc = cm_client_clean_worktrees(single.client, NULL, force, &reply);
	}
	if (rc < 0) {
		rc = conn_request_failed(r.conn, rc);
	} else if (cli->json) {
		output_reply_json(reply, r.conn->ctx.name);
	} else {
		rc = cmd_worktree_clean_print(r.conn->ctx.name, reply) && optind < argc
			 ? CLI_EXIT_FAIL
			 : 0;
	}
	json_decref(reply);
	if (r.conns)
		resolve_release(&r);
	else
		conn_close(&single);
	return rc;
}

const struct cli_cmd cmd_diff_entry = {
    .name = "diff",
    .usage = "ID [--turn N] [--stat]",
    .summary = "show a worktree session's changes",
    .help = "    ID        CTX/ID or a unique prefix (killed sessions too, until cleaned)\n"
	    "    --turn N  only what turn N (the Nth task submitted) changed\n"
	    "    --stat    the files and their counts, no patch\n"
	    "  Without --turn: everything against the base, uncommitted and untracked\n"
	    "  files included.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_diff_exec,
};

const struct cli_cmd cmd_merge_entry = {
    .name = "merge",
    .usage = "ID [--rebase | --squash]",
    .summary = "merge a worktree session's branch into its base",
    .help = "    ID        CTX/ID or a unique prefix\n"
	    "    --rebase  rebase the branch onto the base, then fast-forward the base\n"
	    "    --squash  one commit on the base\n"
	    "  The main checkout must be on the base branch and have no uncommitted\n"
	    "  changes; a merge that would conflict is refused with the files, and\n"
	    "  nothing is changed. Uncommitted work in the worktree is committed first.\n",
    .flags = CMD_NEEDS_CONTEXTS | CMD_EXACT_NAME,
    .exec = cmd_merge_exec,
};

const struct cli_cmd cmd_worktree_entry = {
    .name = "worktree",
    .alias = "wt",
    .usage = "ls | clean [ID] [--force]",
    .summary = "list or remove sessions' worktrees",
    .help = "    ls              every worktree: live, ended or gone, what it holds\n"
	    "    clean [ID]      remove the worktree of ID, or of every ended session;\n"
	    "                    one holding uncommitted, untracked or unmerged work is kept\n"
	    "    --force         remove it anyway, printing what was thrown away\n",
    /* Exact: "w" stays watch, and a clean is never run by a typo's prefix. */
    .flags = CMD_NEEDS_CONTEXTS | CMD_EXACT_NAME,
    .exec = cmd_worktree_exec,
};
