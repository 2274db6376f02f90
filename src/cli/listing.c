/*
 * listing: rows from every agent in scope (see listing.h).
 */
#include "listing.h"

#include "cli.h"
#include "conn.h"

int
listing_run(struct cli *cli, int argc, char **argv, const struct listing *l)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 0},  {"json", no_argument, NULL, 0},
	    {"compact", no_argument, NULL, 0},	  {"all", no_argument, NULL, 'a'},
	    {"pool", required_argument, NULL, 0}, {NULL, 0, NULL, 0},
	};
	struct output_table t;
	struct conn *cns = NULL;
	size_t n = 0, i;
	json_t *arr = NULL;
	int c, all = 0, rc = 0, failed = 0;

	while ((c = cli_getopt(cli, argc, argv, "a", opts)) != -1) {
		if (c != 'a')
			return CLI_EXIT_USAGE;
		all = 1;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = conn_open_scope(cli, all, NULL, &cns, &n, NULL)) != 0)
		return rc;
	if (cli->json)
		arr = json_array();
	output_table_init(&t, l->ncols, l->heads);
	for (i = 0; i < n; i++) {
		json_t *reply = NULL;

		if (cns[i].status) {
			failed = failed ? failed : cns[i].status;
			continue;
		}
		if ((rc = l->ask(cli, cns[i].client, &reply)) < 0) {
			if (n == 1) {
				rc = conn_request_failed(&cns[i], rc);
				goto out;
			}
			cli_warn(cli, "%s: skipped: %s", cns[i].ctx.name,
				 cm_client_error(cns[i].client));
			failed = failed ? failed : CLI_EXIT_NO_AGENT;
			continue;
		}
		l->add(cns[i].ctx.name, reply, &t, arr);
		json_decref(reply);
	}
	if (arr)
		output_json(stdout, arr);
	else
		cli_print_table(cli, &t);
	rc = failed;
out:
	output_table_release(&t);
	json_decref(arr);
	conn_close_many(cns, n);
	return rc;
}
