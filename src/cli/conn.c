/*
 * conn: connecting contexts to their agents (see conn.h).
 */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* Maps a failure kind to an exit status. */
int
conn_exit_for_fail(enum cm_fail f)
{
	switch (f) {
	case CM_FAIL_NONE:
		return CLI_EXIT_OK;
	case CM_FAIL_CONFIG:
		return CLI_EXIT_CONFIG;
	case CM_FAIL_UNREACHABLE:
	case CM_FAIL_SSH:
		return CLI_EXIT_UNREACHABLE;
	case CM_FAIL_SSH_AUTH:
		return CLI_EXIT_SSH_AUTH;
	case CM_FAIL_HOSTKEY:
		return CLI_EXIT_HOSTKEY;
	case CM_FAIL_TOKEN:
	case CM_FAIL_RATE:
		return CLI_EXIT_TOKEN;
	case CM_FAIL_NO_AGENT:
	case CM_FAIL_PROTOCOL:
	case CM_FAIL_TIMEOUT:
	case CM_FAIL_CLOSED:
	default:
		return CLI_EXIT_NO_AGENT;
	}
}

/* Fills client options for a context. */
void
conn_options(const struct ctx *c, const char *token, struct cm_ssh_opts *ssh,
	     struct cm_client_opts *o)
{
	memset(o, 0, sizeof(*o));
	memset(ssh, 0, sizeof(*ssh));
	o->token = token;
	o->port = c->agent_port;
	o->unix_path = c->agent_socket;
	o->since = -1;
	if (c->type == CTX_AGENT) {
		ssh->host = c->host;
		ssh->user = c->user;
		ssh->port = c->ssh_port;
		ssh->identity = c->identity;
		ssh->config = c->ssh_config;
		ssh->name = c->name;
		o->ssh = ssh;
	} else {
		o->host = c->host;
	}
}

/* Routes libcm events to the command. */
static void
conn_event_cb(struct cm_client *c, const json_t *msg, void *arg)
{
	struct conn *cn = arg;

	(void)c;
	if (cn->hooks && cn->hooks->on_event)
		cn->hooks->on_event(cn, msg);
}

/* Routes terminal output to the command. */
static void
conn_output_cb(struct cm_client *c, const char *sid, const void *data, size_t len, void *arg)
{
	struct conn *cn = arg;

	(void)c;
	if (cn->hooks && cn->hooks->on_output)
		cn->hooks->on_output(cn, sid, data, len);
}

/* Counts settled connections of a parallel open, then tells the command. */
static void
conn_state_cb(struct cm_client *c, enum cm_conn_state st, void *arg)
{
	struct conn *cn = arg;

	(void)c;
	if (cn->waiting && (st == CM_CONN_READY || st == CM_CONN_FAILED)) {
		cn->waiting = 0;
		if (cn->group_pending && --*cn->group_pending == 0 && cn->group_done)
			*cn->group_done = 1;
	}
	if (cn->hooks && cn->hooks->on_state)
		cn->hooks->on_state(cn, st);
}

/* Resolves the token and creates the client (not yet connecting). */
static int
conn_prepare(struct cli *cli, struct conn *cn, const struct conn_hooks *h)
{
	struct cm_client_opts o;
	char err[1024];
	int rc;

	cn->cli = cli;
	cn->hooks = h;
	if ((rc = contexts_token(&cn->ctx, &cn->token, err, sizeof(err))) < 0) {
		snprintf(cn->err, sizeof(cn->err), "%s", err);
		cn->status = rc == CM_EPERM ? CLI_EXIT_UNSAFE : CLI_EXIT_CONFIG;
		return cn->status;
	}
	conn_options(&cn->ctx, cn->token, &cn->ssh, &o);
	o.reconnect = h ? h->reconnect : 0;
	o.timeout_ms = cli->timeout_ms;
	o.on_event = conn_event_cb;
	o.on_output = conn_output_cb;
	o.on_state = conn_state_cb;
	o.arg = cn;
	if (!cli_loop(cli)) {
		snprintf(cn->err, sizeof(cn->err), "cannot create the event loop (libwebsockets)");
		cn->status = CLI_EXIT_FAIL;
		return cn->status;
	}
	cn->client = cm_client_new(cli->loop, &o);
	if (cm_client_state(cn->client) == CM_CONN_FAILED || cm_client_fail(cn->client)) {
		snprintf(cn->err, sizeof(cn->err), "%s", cm_client_error(cn->client));
		cn->status = conn_exit_for_fail(cm_client_fail(cn->client));
		return cn->status;
	}
	return 0;
}

/* Opens n contexts in parallel. */
size_t
conn_open_many(struct cli *cli, struct conn *cns, size_t n, const struct conn_hooks *h, int quiet)
{
	int pending = 0, done = 0;
	size_t i, ready = 0;

	for (i = 0; i < n; i++) {
		cns[i].status = 0;
		if (conn_prepare(cli, &cns[i], h) != 0)
			continue;
		cns[i].waiting = 1;
		cns[i].group_pending = &pending;
		cns[i].group_done = &done;
		pending++;
	}
	for (i = 0; i < n; i++)
		if (cns[i].waiting)
			cm_client_connect(cns[i].client);
	if (pending > 0)
		cm_loop_run_until(cli->loop, &done, cli->timeout_ms + 2000);
	for (i = 0; i < n; i++) {
		cns[i].waiting = 0;
		cns[i].group_pending = NULL;
		cns[i].group_done = NULL;
		if (!cns[i].status && cm_client_state(cns[i].client) == CM_CONN_READY) {
			ready++;
		} else if (!cns[i].status) {
			snprintf(cns[i].err, sizeof(cns[i].err), "%s",
				 cm_client_error(cns[i].client));
			cns[i].status = conn_exit_for_fail(cm_client_fail(cns[i].client));
			if (!cns[i].status)
				cns[i].status = CLI_EXIT_NO_AGENT;
		}
		if (cns[i].status && !quiet)
			cli_warn(cli, "%s: skipped: %s", cns[i].ctx.name, cns[i].err);
	}
	return ready;
}

/* Opens one context, printing the error on failure. */
int
conn_open(struct cli *cli, const struct ctx *c, struct conn *cn, const struct conn_hooks *h)
{
	memset(cn, 0, sizeof(*cn));
	cn->ctx = *c;
	if (conn_open_many(cli, cn, 1, h, 1) == 1)
		return 0;
	cli_error(cli, "%s: %s", c->name, cn->err);
	return cn->status;
}

/* Opens the chosen context, printing the error on failure. */
int
conn_open_current(struct cli *cli, struct conn *cn, const struct conn_hooks *h)
{
	struct ctx x;
	int rc;

	memset(cn, 0, sizeof(*cn));
	if ((rc = cli_pick_context(cli, &x)) != 0)
		return rc;
	return conn_open(cli, &x, cn, h);
}

/* Opens every context, a pool's, or the chosen one. */
int
conn_open_scope(struct cli *cli, int all, const struct conn_hooks *h, struct conn **cns, size_t *n,
		size_t *ready)
{
	int rc;

	size_t k;

	*n = 0;
	if (all || cli->pool) {
		if (!(*cns = conn_all_contexts(cli, cli->pool, n, &rc)))
			return rc;
		k = conn_open_many(cli, *cns, *n, h, 0);
		if (ready)
			*ready = k;
		return 0;
	}
	*cns = xcalloc(1, sizeof(**cns));
	if ((rc = conn_open_current(cli, *cns, h)) != 0) {
		conn_close_many(*cns, 1);
		*cns = NULL;
		return rc;
	}
	*n = 1;
	if (ready)
		*ready = 1;
	return 0;
}

/* Allocates conns for all contexts (or a pool's). */
struct conn *
conn_all_contexts(struct cli *cli, const char *pool, size_t *n, int *status)
{
	struct conn *cns;
	size_t i, k = 0, total;
	char err[512];
	int rc;

	*n = 0;
	*status = 0;
	if ((rc = cli_load_contexts(cli)) != 0) {
		*status = rc;
		return NULL;
	}
	total = contexts_count(&cli->contexts);
	cns = xcalloc(total ? total : 1, sizeof(*cns));
	for (i = 0; i < total; i++) {
		struct ctx c;
		if (contexts_at(&cli->contexts, i, &c, err, sizeof(err)) < 0) {
			cli_error(cli, "%s", err);
			free(cns);
			*status = CLI_EXIT_CONFIG;
			return NULL;
		}
		if (pool && (!c.pool || strcmp(c.pool, pool)))
			continue;
		cns[k++].ctx = c;
	}
	*n = k;
	return cns;
}

/* Closes a conn. */
void
conn_close(struct conn *cn)
{
	if (cn->client)
		cm_client_free(cn->client);
	cn->client = NULL;
	if (cn->token) {
		memset(cn->token, 0, strlen(cn->token));
		free(cn->token);
	}
	cn->token = NULL;
}

/* Closes n conns and frees the array. */
void
conn_close_many(struct conn *cns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		conn_close(&cns[i]);
	free(cns);
}

/* Warns that a connection dropped and is being restored. */
void
conn_warn_lost(struct conn *cn)
{
	cli_warn(cn->cli, "%s: %s; reconnecting", cn->ctx.name, cm_client_error(cn->client));
}

/* Reports a connection the client gave up on. */
int
conn_give_up(struct conn *cn)
{
	cli_error(cn->cli, "%s: %s", cn->ctx.name, cm_client_error(cn->client));
	return conn_exit_for_fail(cm_client_fail(cn->client));
}

/* Reports a failed request. */
int
conn_request_failed(struct conn *cn, int err)
{
	cli_error(cn->cli, "%s: %s", cn->ctx.name, cm_client_error(cn->client));
	if (err == CM_ENOSESSION || err == CM_EBADSESSIONID)
		return CLI_EXIT_NOTFOUND;
	if (err == CM_ECLOSED || err == CM_ETIMEDOUT)
		return CLI_EXIT_NO_AGENT;
	return CLI_EXIT_FAIL;
}
