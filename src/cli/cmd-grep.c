/*
 * cmd-grep: `cm grep PATTERN [--all | --ctx NAME | --pool P] [-i]
 * [--since T] [--until T] [-m N] [--json]`: searches the transcripts the
 * agents keep (live and ended sessions) for a POSIX extended regular
 * expression and prints `CTX/ID TIME LINE` per matching line. With several
 * contexts the searches run in parallel: every request is sent first, then
 * the replies are awaited together. The agent bounds each search's work
 * and says when a bound stopped it; cm warns about that.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/timeutil.h"
#include "conn.h"
#include "output.h"
#include "sanitize.h"
#include "timearg.h"

enum { GREP_SINCE = 1, GREP_UNTIL };

struct grep_wait {
	json_t *reply; /* the transcript_matches, or the error reply */
	int err;       /* its code */
	int done;
	int *pending; /* shared: replies still awaited */
	int *all_done;
};

static void
grep_on_reply(struct cm_client *c, int err, const json_t *reply, void *arg)
{
	struct grep_wait *w = arg;

	(void)c;
	w->err = err;
	w->reply = reply ? json_deep_copy(reply) : NULL;
	w->done = 1;
	if (--*w->pending == 0)
		*w->all_done = 1;
}

static int
grep_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"pool", required_argument, NULL, 0},
					     {"json", no_argument, NULL, 0},
					     {"all", no_argument, NULL, 'a'},
					     {"ignore-case", no_argument, NULL, 'i'},
					     {"max", required_argument, NULL, 'm'},
					     {"since", required_argument, NULL, GREP_SINCE},
					     {"until", required_argument, NULL, GREP_UNTIL},
					     {NULL, 0, NULL, 0}};
	double since = -1, until = -1, now = time_wall();
	struct grep_wait *w;
	struct conn *cns = NULL;
	size_t n = 0, i, j;
	long max = 0;
	int c, rc, all = 0, icase = 0, pending = 0, all_done = 0, failed = 0, found = 0;
	const char *pattern;
	json_t *arr = NULL;

	while ((c = cli_getopt(cli, argc, argv, "aim:", opts)) != -1) {
		if (c == 'a')
			all = 1;
		else if (c == 'i')
			icase = 1;
		else if (c == 'm') {
			if (cli_parse_int(cli, "-m", optarg, 1, 1000, &max) < 0)
				return CLI_EXIT_USAGE;
		} else if (c == GREP_SINCE || c == GREP_UNTIL) {
			if (timearg_parse(optarg, now, c == GREP_SINCE ? &since : &until) < 0) {
				cli_error(cli,
					  "%s: \"%s\" is neither a duration (10m, 2h) nor a time",
					  c == GREP_SINCE ? "--since" : "--until", optarg);
				return CLI_EXIT_USAGE;
			}
		} else
			return CLI_EXIT_USAGE;
	}
	if ((rc = cli_one_arg(cli, argc, argv, "missing pattern")) != 0)
		return rc;
	pattern = argv[optind];
	if (!*pattern) {
		cli_error(cli, "the pattern is empty");
		return CLI_EXIT_USAGE;
	}
	if ((rc = conn_open_scope(cli, all, NULL, &cns, &n, NULL)) != 0)
		return rc;
	w = calloc(n ? n : 1, sizeof *w);
	for (i = 0; i < n; i++) {
		if (cns[i].status) {
			failed = failed ? failed : cns[i].status;
			continue;
		}
		w[i].pending = &pending;
		w[i].all_done = &all_done;
		pending++;
		if ((rc = cm_client_send(cns[i].client,
					 cm_request_search_transcripts(pattern, NULL, 0, icase,
								       since, until, (int)max),
					 grep_on_reply, &w[i])) < 0) {
			pending--;
			w[i].done = 1;
			w[i].err = rc;
		}
	}
	if (pending > 0)
		cm_loop_run_until(cli->loop, &all_done, 120 * 1000);
	if (cli->json)
		arr = json_array();
	for (i = 0; i < n; i++) {
		const json_t *m, *ms;

		if (cns[i].status)
			continue;
		if (!w[i].done || w[i].err < 0) {
			const char *msg = json_string_value(json_object_get(w[i].reply, "message"));

			if (n == 1) {
				if (msg)
					cli_error(cli, "%s: %s", cns[i].ctx.name, msg);
				else
					rc =
					    conn_request_failed(&cns[i], w[i].done ? w[i].err : -1);
				failed = msg ? CLI_EXIT_FAIL : rc;
			} else {
				cli_warn(cli, "%s: skipped: %s", cns[i].ctx.name,
					 msg ? msg : cm_client_error(cns[i].client));
				failed = failed ? failed : CLI_EXIT_FAIL;
			}
			continue;
		}
		ms = json_object_get(w[i].reply, "matches");
		json_array_foreach (ms, j, m) {
			const char *sid = json_string_value(json_object_get(m, "sessionId"));
			const char *line = json_string_value(json_object_get(m, "line"));
			char when[32];

			found++;
			if (arr) {
				json_array_append_new(arr, output_with_context(m, cns[i].ctx.name));
				continue;
			}
			output_time(json_number_value(json_object_get(m, "time")),
				    "%Y-%m-%d %H:%M:%S", when, sizeof when);
			printf("%s/%s %s ", cns[i].ctx.name, sid ? sid : "?", when);
			sanitize_write(stdout, line ? line : "", line ? strlen(line) : 0,
				       SANITIZE_ONELINE);
			putchar('\n');
		}
		if (json_is_true(json_object_get(w[i].reply, "truncated")))
			cli_warn(
			    cli,
			    "%s: the search stopped early (%s): narrow it with --since/--until",
			    cns[i].ctx.name,
			    json_string_value(json_object_get(w[i].reply, "stoppedBy"))
				? json_string_value(json_object_get(w[i].reply, "stoppedBy"))
				: "a limit");
	}
	if (arr)
		output_json(stdout, arr);
	fflush(stdout);
	for (i = 0; i < n; i++)
		json_decref(w[i].reply);
	free(w);
	json_decref(arr);
	conn_close_many(cns, n);
	/* As grep(1): 1 when nothing matched. */
	return failed ? failed : found ? 0 : CLI_EXIT_FAIL;
}

const struct cli_cmd cmd_grep_entry = {
    .name = "grep",
    .usage = "PATTERN [--all | --ctx NAME | --pool P] [-i] [--since T] [--until T] [-m N] "
	     "[--json]",
    .summary = "search the transcripts of live and ended sessions",
    .help = "    PATTERN      a POSIX extended regular expression, matched per line of\n"
	    "                 the output (escape sequences removed)\n"
	    "    --all        every context, in parallel\n"
	    "    -i           ignore case\n"
	    "    --since T    from T: a duration back (10m, 2h, 3d) or a time\n"
	    "    --until T    up to T\n"
	    "    -m, --max N  at most N matches per context (default 100, at most 1000)\n"
	    "    --json       a JSON array of matches, each with a \"context\" field\n"
	    "  Prints CTX/ID TIME LINE; exit status 1 when nothing matched.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = grep_exec,
};
