/*
 * conn: a context's connection to its agent: token, tunnel options, the
 * libcm client, and the exit status a failure maps to. Several contexts
 * are opened in parallel on the one loop (cm ls --all, cm status, pools).
 */
#ifndef CM_CLI_CONN_H
#define CM_CLI_CONN_H

#include "cli.h"
#include "cm.h"

struct conn;

/* Callbacks a command wants on its connections (all optional). */
struct conn_hooks {
	int reconnect; /* reconnect with replay after drops */
	void (*on_event)(struct conn *cn, const json_t *msg); /* events */
	void (*on_output)(struct conn *cn, const char *sid, const void *data, size_t len);
	void (*on_state)(struct conn *cn, enum cm_conn_state st); /* after conn's own handling */
	void *arg;						  /* for the command */
};

/* One context and its connection. */
struct conn {
	struct cli *cli;		/* owner */
	struct ctx ctx;			/* the context (strings borrowed from cli->contexts) */
	struct cm_client *client;	/* the client, or NULL before open */
	struct cm_ssh_opts ssh;		/* tunnel options (agent contexts) */
	char *token;			/* resolved token */
	int status;			/* 0 ready, else the exit status of the failure */
	int waiting;			/* counted in a parallel open */
	int *group_pending;		/* counter of a parallel open */
	int *group_done;		/* set when group_pending reaches 0 */
	const struct conn_hooks *hooks; /* the command's callbacks, or NULL */
	char err[1024];			/* why it failed */
};

/* The exit status for a failure kind. */
int conn_exit_for_fail(enum cm_fail f);
/* Fills client options for a context (token borrowed). */
void conn_options(const struct ctx *c, const char *token, struct cm_ssh_opts *ssh,
		  struct cm_client_opts *o);
/* Opens one context; prints the error and returns its exit status on failure. */
int conn_open(struct cli *cli, const struct ctx *c, struct conn *cn, const struct conn_hooks *h);
/*
 * Opens n contexts in parallel (each cns[i].ctx set by the caller or by
 * conn_all_contexts). Failures are warned about unless quiet; returns how
 * many are ready.
 */
size_t conn_open_many(struct cli *cli, struct conn *cns, size_t n, const struct conn_hooks *h,
		      int quiet);
/* Opens the context cli_pick_context() chooses; prints the error and returns its exit status. */
int conn_open_current(struct cli *cli, struct conn *cn, const struct conn_hooks *h);
/*
 * Opens the contexts a listing command covers: every one with all, those
 * of --pool, else the chosen one. Several are opened in parallel and their
 * failures warned about and skipped; the chosen one's failure is printed and
 * returned. On 0, *cns (conn_close_many) holds *n conns, *ready (if not
 * NULL) of them open.
 */
int conn_open_scope(struct cli *cli, int all, const struct conn_hooks *h, struct conn **cns,
		    size_t *n, size_t *ready);
/* Allocates a conn per context (all, or those of pool if non-NULL); *n gets the count. */
struct conn *conn_all_contexts(struct cli *cli, const char *pool, size_t *n, int *status);
/* Closes and frees what a conn holds. */
void conn_close(struct conn *cn);
/* Closes n conns and frees the array. */
void conn_close_many(struct conn *cns, size_t n);
/* Warns "CTX: why; reconnecting" when the client lost its connection. */
void conn_warn_lost(struct conn *cn);
/* Prints "CTX: why" when the client gave up and returns the exit status of the failure. */
int conn_give_up(struct conn *cn);
/* Prints "CTX: message" for a failed request and returns its exit status. */
int conn_request_failed(struct conn *cn, int err);

#endif
