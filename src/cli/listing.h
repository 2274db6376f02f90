/*
 * listing: a table of rows from every agent in scope, the shape of `cm ls`
 * and `cm tools`: [--all | --ctx NAME | --pool P] [--json | --compact].
 *
 * One request per agent (opened in parallel); an agent that cannot be
 * reached or refuses is skipped with a warning when there are several, and
 * its failure is the exit code; with one context it is the error.
 */
#ifndef CM_CLI_LISTING_H
#define CM_CLI_LISTING_H

#include <jansson.h>

#include "output.h"

struct cli;
struct cm_client;

struct listing {
	const char *const *heads; /* column heads */
	size_t ncols;
	/* Asks one agent; 0 and *reply (the caller's), or a negative code. */
	int (*ask)(struct cli *cli, struct cm_client *c, json_t **reply);
	/* Adds one agent's rows to the table, or its objects to arr (--json). */
	void (*add)(const char *ctx, const json_t *reply, struct output_table *t, json_t *arr);
};

/* Runs the command: its flags, the agents, the table or the JSON. The exit code. */
int listing_run(struct cli *cli, int argc, char **argv, const struct listing *l);

#endif
