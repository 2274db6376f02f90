/*
 * cli: helpers shared by the subcommands: messages, flag parsing, the
 * contexts file and the choice of a context.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "common/err.h"
#include "output.h"
#include "sanitize.h"

/*
 * Prints one error line: "cm CMD: message". Messages carry what agents
 * say (their errors, session ids): sanitized, and kept to one line.
 */
void
cli_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli && cli->cmd_name)
		fprintf(stderr, "cm %s: ", cli->cmd_name);
	else
		fprintf(stderr, "cm: ");
	va_start(ap, fmt);
	sanitize_vprintf(stderr, SANITIZE_ONELINE, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Prints one warning line. */
void
cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	fprintf(stderr, "cm: warning: ");
	va_start(ap, fmt);
	sanitize_vprintf(stderr, SANITIZE_ONELINE, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* getopt_long with one-line messages; handles --ctx, --pool and --json. */
int
cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	   const struct option *longopts)
{
	char opts[128];
	int c, idx = -1;

	snprintf(opts, sizeof(opts), ":%s", shortopts);
	for (;;) {
		opterr = 0;
		idx = -1;
		c = getopt_long(argc, argv, opts, longopts, &idx);
		if (c == '?') {
			if (optopt)
				cli_error(cli, "unknown flag -%c (see cm help %s)", optopt,
					  cli->cmd_name);
			else
				cli_error(cli, "unknown flag %s (see cm help %s)", argv[optind - 1],
					  cli->cmd_name);
			return '?';
		}
		if (c == ':') {
			if (optopt && !(idx >= 0))
				cli_error(cli, "flag -%c needs a value", optopt);
			else
				cli_error(cli, "flag %s needs a value", argv[optind - 1]);
			return '?';
		}
		if (c == 0 && idx >= 0 && longopts[idx].flag)
			continue;
		if (idx >= 0 && longopts[idx].flag == NULL) {
			const char *name = longopts[idx].name;
			if (!strcmp(name, "ctx")) {
				cli->ctx_name = optarg;
				continue;
			}
			if (!strcmp(name, "pool")) {
				cli->pool = optarg;
				continue;
			}
			if (!strcmp(name, "json")) {
				cli->json = 1;
				continue;
			}
			if (!strcmp(name, "compact")) {
				cli->compact = 1;
				continue;
			}
		}
		return c;
	}
}

/* Parses a decimal integer within bounds. */
int
cli_parse_int(struct cli *cli, const char *what, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		cli_error(cli, "%s: \"%s\" is not a number from %ld to %ld", what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a boolean word. */
int
cli_parse_bool(struct cli *cli, const char *what, const char *s, int *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	cli_error(cli, "%s: \"%s\" is not on or off", what, s);
	return -1;
}

/* Checks that one argument, and no more, follows the flags. */
int
cli_one_arg(struct cli *cli, int argc, char **argv, const char *missing)
{
	if (optind >= argc) {
		cli_error(cli, "%s", missing);
		return CLI_EXIT_USAGE;
	}
	if (optind + 1 < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind + 1]);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* Loads contexts.json once. */
int
cli_load_contexts(struct cli *cli)
{
	char path[PATH_MAX], err[1024];

	if (cli->contexts_loaded)
		return 0;
	if (contexts_path(path, sizeof(path)) < 0) {
		cli_error(cli, "cannot locate contexts.json: set HOME or XDG_CONFIG_HOME");
		return CLI_EXIT_CONFIG;
	}
	if (contexts_load(&cli->contexts, path, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		contexts_release(&cli->contexts);
		return CLI_EXIT_CONFIG;
	}
	/* Who may change it chooses the hosts cm connects to; who may read it, the tokens. */
	if (cli->contexts.exists &&
	    contexts_check_file(path, "contexts file", contexts_holds_token(&cli->contexts), err,
				sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		contexts_release(&cli->contexts);
		return CLI_EXIT_UNSAFE;
	}
	cli->contexts_loaded = 1;
	return 0;
}

/* Loads config.json once. */
int
cli_load_prefs(struct cli *cli)
{
	char path[PATH_MAX], err[1024];

	if (cli->prefs_loaded)
		return 0;
	if (prefs_path(path, sizeof(path)) < 0) {
		cli_error(cli, "cannot locate config.json: set HOME or XDG_CONFIG_HOME");
		return CLI_EXIT_CONFIG;
	}
	if (prefs_load(&cli->prefs, path, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		prefs_release(&cli->prefs);
		return CLI_EXIT_CONFIG;
	}
	cli->prefs_loaded = 1;
	return 0;
}

/* Prints a listing's table in the form asked for. */
void
cli_print_table(struct cli *cli, const struct output_table *t)
{
	if (cli->compact)
		output_table_print_compact(t, stdout);
	else
		output_table_print(t, stdout, cli->color, output_width());
}

/* The loop, created on first use (NULL only if libwebsockets fails). */
struct cm_loop *
cli_loop(struct cli *cli)
{
	if (!cli->loop)
		cli->loop = cm_loop_new();
	return cli->loop;
}

/* Picks --ctx, the current context, or the only one. */
int
cli_pick_context(struct cli *cli, struct ctx *out)
{
	const char *name = cli->ctx_name;
	int rc;

	if ((rc = cli_load_contexts(cli)) != 0)
		return rc;
	if (!name && (rc = cli_load_prefs(cli)) != 0)
		return rc;
	if (!name)
		name = cli->prefs.context;
	if (!name)
		name = contexts_current(&cli->contexts);
	if (!name && contexts_count(&cli->contexts) == 1) {
		char err[256];
		if (contexts_at(&cli->contexts, 0, out, err, sizeof(err)) < 0) {
			cli_error(cli, "%s", err);
			return CLI_EXIT_CONFIG;
		}
		return 0;
	}
	if (!name) {
		if (contexts_count(&cli->contexts) == 0)
			cli_error(cli, "no context defined: add one with cm ctx add NAME ...");
		else
			cli_error(cli, "no context chosen: use --ctx NAME or set a default with cm "
				       "ctx use NAME");
		return CLI_EXIT_CONFIG;
	}
	return cli_find_context(cli, name, out);
}

/* Finds a context by name, printing the error. */
int
cli_find_context(struct cli *cli, const char *name, struct ctx *out)
{
	if (contexts_find(&cli->contexts, name, out) < 0) {
		cli_error(cli, "unknown context \"%s\" (see cm ctx ls)", name);
		return CLI_EXIT_CONFIG;
	}
	return 0;
}
