/*
 * cmd-history: `cm history [--ctx NAME | --pool P] [--json]`, the sessions
 * that have ended whose transcripts the agents keep, newest first, across
 * every context (asked in parallel; unreachable ones are warned about and
 * skipped). `cm logs CTX/ID` prints one.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "output.h"

struct history_row {
	const char *ctx;
	const json_t *t; /* its list_transcripts entry */
	double end;
};

static int
history_newest_first(const void *a, const void *b)
{
	const struct history_row *x = a, *y = b;

	return x->end < y->end ? 1 : x->end > y->end ? -1 : 0;
}

/* "12K", "3.4M". */
static void
history_size(json_int_t b, char *buf, size_t n)
{
	if (b < 1024)
		snprintf(buf, n, "%lldB", (long long)b);
	else if (b < 1024 * 1024)
		snprintf(buf, n, "%lldK", (long long)(b / 1024));
	else
		snprintf(buf, n, "%.1fM", (double)b / (1024.0 * 1024.0));
}

static int
history_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"pool", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"compact", no_argument, NULL, 0},
					     {NULL, 0, NULL, 0}};
	static const char *const heads[] = {"SESSION", "TOOL", "STARTED", "LASTED", "SIZE", "TASK"};
	struct history_row *rows = NULL;
	json_t **lists, *arr = NULL;
	struct output_table t;
	struct conn *cns = NULL;
	size_t n = 0, nrows = 0, cap = 0, i, j;
	int c, rc, failed = 0;

	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1)
		return CLI_EXIT_USAGE;
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	/* Across contexts unless one (or a pool) is named. */
	if ((rc = conn_open_scope(cli, cli->ctx_name == NULL && cli->pool == NULL, NULL, &cns, &n,
				  NULL)) != 0)
		return rc;
	lists = calloc(n ? n : 1, sizeof *lists);
	for (i = 0; i < n; i++) {
		const json_t *e;

		if (cns[i].status) {
			failed = failed ? failed : cns[i].status;
			continue;
		}
		if ((rc = cm_client_list_transcripts(cns[i].client, &lists[i])) < 0) {
			cli_warn(cli, "%s: skipped: %s", cns[i].ctx.name,
				 cm_client_error(cns[i].client));
			failed = failed ? failed : CLI_EXIT_FAIL;
			continue;
		}
		json_array_foreach (lists[i], j, e) {
			if (json_is_true(json_object_get(e, "live")))
				continue;
			if (nrows == cap) {
				cap = cap ? cap * 2 : 64;
				rows = realloc(rows, cap * sizeof *rows);
			}
			rows[nrows].ctx = cns[i].ctx.name;
			rows[nrows].t = e;
			rows[nrows].end = json_number_value(json_object_get(e, "end"));
			nrows++;
		}
	}
	if (nrows)
		qsort(rows, nrows, sizeof *rows, history_newest_first);
	if (cli->json)
		arr = json_array();
	output_table_init(&t, 6, heads);
	for (i = 0; i < nrows; i++) {
		const json_t *e = rows[i].t;
		const char *cells[6], *colors[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
		char id[300], start[32], lasted[32], size[32];
		double st = json_number_value(json_object_get(e, "start"));

		if (arr) {
			json_array_append_new(arr, output_with_context(e, rows[i].ctx));
			continue;
		}
		snprintf(id, sizeof id, "%s/%s", rows[i].ctx,
			 json_string_value(json_object_get(e, "sessionId")));
		output_time(st, "%Y-%m-%d %H:%M", start, sizeof start);
		output_age(rows[i].end - st, lasted, sizeof lasted);
		history_size(json_integer_value(json_object_get(e, "bytes")), size, sizeof size);
		cells[0] = id;
		cells[1] = json_string_value(json_object_get(e, "tool"));
		cells[2] = start;
		cells[3] = lasted;
		cells[4] = size;
		cells[5] = json_string_value(json_object_get(e, "task"));
		output_table_add(&t, cells, colors);
	}
	if (arr)
		output_json(stdout, arr);
	else
		cli_print_table(cli, &t);
	output_table_release(&t);
	json_decref(arr);
	free(rows);
	for (i = 0; i < n; i++)
		json_decref(lists[i]);
	free(lists);
	conn_close_many(cns, n);
	return failed;
}

const struct cli_cmd cmd_history_entry = {
    .name = "history",
    .usage = "[--ctx NAME | --pool P] [--json | --compact]",
    .summary = "list ended sessions whose transcripts are kept, newest first",
    .help = "    --ctx NAME   one context (default: every context, in parallel)\n"
	    "    --pool P     the contexts of pool P\n"
	    "    --json       a JSON array of transcripts, each with a \"context\" field\n"
	    "    --compact    one transcript a line, tab-separated, no header\n"
	    "  cm logs CTX/ID prints one (--cast for asciinema).\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = history_exec,
};
