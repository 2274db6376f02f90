/*
 * cli: what every part of the `cm` command line shares.
 *
 * main.c parses the global flags, finds the subcommand in cmd_table[]
 * (cmd.c; unique prefixes as git and tmux accept them), and calls its exec
 * function, which parses its own flags with cli_getopt() and returns the
 * process exit status. Exit statuses are an API (docs/cm.1): scripts tell
 * "the host is down" from "the token is wrong" from "the session needs a
 * person" by them alone. Every error is one line on stderr, printed by
 * cli_error() where it is detected at the top of a command; lower layers
 * hand their text back instead of printing.
 */
#ifndef CM_CLI_CLI_H
#define CM_CLI_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "prefs.h"
#include "contexts.h"

struct cm_loop;
struct output_table;

/* Exit statuses of cm (documented in docs/cm.1 and docs/CLI.md). */
enum cli_exit {
	CLI_EXIT_OK = 0,	  /* success; `start --wait`: the task is done */
	CLI_EXIT_FAIL = 1,	  /* the agent refused or failed the request */
	CLI_EXIT_USAGE = 2,	  /* unknown command or flag, missing or bad argument */
	CLI_EXIT_CONFIG = 3,	  /* contexts.json unusable, unknown context, token source */
	CLI_EXIT_NOTFOUND = 4,	  /* no such session, or an ambiguous id prefix */
	CLI_EXIT_UNREACHABLE = 5, /* ssh could not reach the host (or failed otherwise) */
	CLI_EXIT_SSH_AUTH = 6,	  /* the ssh server refused our key */
	CLI_EXIT_HOSTKEY = 7,	  /* the host key does not match known_hosts, or is unknown */
	CLI_EXIT_NO_AGENT = 8,	  /* no agent answers (not running, lost, timed out) */
	CLI_EXIT_TOKEN = 9,	  /* the agent refused the token */
	CLI_EXIT_WAITING = 10,	  /* `start --wait`: the session waits for a person */
	CLI_EXIT_TASK_ERROR = 11, /* `start --wait`: the tool shows an error */
	CLI_EXIT_EXITED = 12,	  /* `start --wait`: the tool exited or the session was killed */
	CLI_EXIT_UNSAFE = 13,	  /* contexts.json or a token file others may change or read */
	CLI_EXIT_AMBIGUOUS = 14,  /* a session id (or prefix) found on more than one context */
	CLI_EXIT_UNSUPPORTED =
	    15, /* `agent install`: the server cannot run the agent (arch, tmux) */
};

/* State shared by main.c and the subcommands for one run of cm. */
struct cli {
	const char *cmd_name;	  /* the subcommand running ("ls") */
	const char *ctx_name;	  /* --ctx NAME, or NULL */
	const char *pool;	  /* --pool NAME, or NULL */
	int json;		  /* --json: machine-readable output */
	int compact;		  /* --compact: one record a line, tab-separated, no colour */
	int color;		  /* colours on stdout (a tty, no NO_COLOR) */
	int verbose;		  /* -v: more detail on stderr */
	int timeout_ms;		  /* connect/request timeout */
	struct contexts contexts; /* contexts.json, once loaded */
	int contexts_loaded;	  /* contexts was loaded */
	struct cm_loop *loop;	  /* the event loop, created on first use */
	struct prefs prefs;	  /* config.json, once loaded */
	int prefs_loaded;	  /* config.json was loaded */
};

/* Flags of a command table row: the shared setup main.c runs first. */
enum cli_cmd_flags {
	CMD_NEEDS_CONTEXTS = 1 << 0, /* load contexts.json before exec */
	CMD_EXACT_NAME = 1 << 1,     /* found by its whole name only, never by a prefix */
	CMD_HIDDEN = 1 << 2,	     /* not listed by cm help (internal) */
};

/* One row of the command table. */
struct cli_cmd {
	const char *name;    /* full name ("start") */
	const char *alias;   /* another accepted name, or NULL */
	const char *usage;   /* arguments after the name */
	const char *summary; /* one line for `cm help` */
	const char *help;    /* the flags, one per line, for `cm help CMD` */
	int flags;	     /* enum cli_cmd_flags */
	int (*exec)(struct cli *cli, int argc, char **argv); /* returns an exit status */
};

extern const struct cli_cmd *const cmd_table[];

/* Finds a command by name, alias or unique prefix; lists candidates in *why otherwise. */
const struct cli_cmd *cmd_find(const char *name, char *why, size_t n);
/* Prints the list of commands. */
void cmd_list(FILE *f);
/* Prints the usage and help of one command. */
void cmd_help(FILE *f, const struct cli_cmd *cmd);

/* Prints "cm[ CMD]: message" on stderr. */
void cli_error(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "cm: warning: message" on stderr. */
void cli_warn(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * getopt_long with cm's messages: returns the option, -1 at the end, or
 * '?' after printing one line for an unknown flag or a missing value.
 * Handles --json, --ctx and --pool itself when they are in longopts.
 */
int cli_getopt(struct cli *cli, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);
/* Parses a whole decimal number in [min, max]; -1 with a message otherwise. */
int cli_parse_int(struct cli *cli, const char *what, const char *s, long min, long max, long *out);
/* Parses on|off|true|false|yes|no|1|0; -1 with a message otherwise. */
int cli_parse_bool(struct cli *cli, const char *what, const char *s, int *out);
/*
 * Checks that exactly one argument is left after the flags (argv[optind]).
 * Prints missing when there is none, or names the first extra one; returns
 * 0 or CLI_EXIT_USAGE.
 */
int cli_one_arg(struct cli *cli, int argc, char **argv, const char *missing);
/* Loads contexts.json once; an exit status (CLI_EXIT_CONFIG with a message) on failure. */
int cli_load_contexts(struct cli *cli);
/* Loads config.json once; CLI_EXIT_CONFIG with a message on failure. */
int cli_load_prefs(struct cli *cli);
/* Prints a listing's table: aligned with colours, or with --compact one row a line. */
void cli_print_table(struct cli *cli, const struct output_table *t);
/* The loop, created on first use. */
struct cm_loop *cli_loop(struct cli *cli);
/*
 * Chooses the context of a command: --ctx, else the current one, else the
 * only one. Returns an exit status; *out is filled on success.
 */
int cli_pick_context(struct cli *cli, struct ctx *out);
/* Finds a context by name in the loaded contexts; CLI_EXIT_CONFIG with a message if unknown. */
int cli_find_context(struct cli *cli, const char *name, struct ctx *out);

#endif
