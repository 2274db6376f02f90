/*
 * session-op: an asynchronous request on a session (see session.h, struct
 * session_op): one or more tmux commands whose replies are awaited, and
 * pauses between them. The op belongs to its session's list, so when the
 * control client goes away every op still waiting is answered with an error
 * and freed (session_unlink), and no callback can run after that.
 */
#include <stdlib.h>

#include "agent/agent.h"
#include "agent/conn.h"
#include "agent/session-op.h"
#include "agent/session.h"
#include "agent/tmuxcc-client.h"
#include "common/err.h"
#include "common/xmalloc.h"

/* Creates an op linked to s; action and req_id are copied. */
struct session_op *
session_op_new(struct session *s, const char *action, uint64_t conn_id, const json_t *req_id,
	       void (*step_fn)(struct session_op *, int, const char *, size_t))
{
	struct session_op *op = xcalloc(1, sizeof *op);

	op->s = s;
	/* The request (and its action string) is freed once dispatched: keep a copy. */
	op->action = xstrdup(action);
	op->conn_id = conn_id;
	op->req_id = req_id ? json_incref((json_t *)req_id) : NULL;
	op->step_fn = step_fn;
	TAILQ_INSERT_TAIL(&s->ops, op, entry);
	return op;
}

/* Frees an op. */
void
session_op_free(struct session_op *op)
{
	TAILQ_REMOVE(&op->s->ops, op, entry);
	lws_sul_cancel(&op->sul);
	json_decref(op->req_id);
	free(op->action);
	free(op->text);
	free(op->pending);
	free(op);
}

/* Finds the op's connection. */
struct conn *
session_op_conn(struct session_op *op)
{
	return conn_find(op->s->agent, op->conn_id);
}

/* Replies an error for op and frees it. */
void
session_op_fail(struct session_op *op, int code, const char *detail)
{
	struct conn *c = session_op_conn(op);

	if (c != NULL)
		conn_error(c, code, detail, op->action, op->req_id, 0);
	session_op_free(op);
}

/* Routes a tmux reply to its op. */
static void
session_op_reply(void *arg, int err, const char *body, size_t len)
{
	struct session_op *op = arg;

	op->step_fn(op, err, body, len);
}

/* Sends a command for op; on failure op is answered with an error and freed. */
int
session_op_command(struct session_op *op, const char *cmdline)
{
	int rc = session_command(op->s, cmdline, session_op_reply, op);

	if (rc < 0 && op->s->cc != NULL)
		tmuxcc_client_cancel(op->s->cc, op); /* earlier commands of op */
	if (rc == CM_EEXITED)
		session_op_fail(op, CM_EEXITED, "the session's tmux is not reachable");
	else if (rc == CM_ELIMIT || rc == CM_ETOOBIG)
		session_op_fail(op, CM_ELIMIT,
				"the session's tmux command queue is full, try again later");
	else if (rc < 0)
		session_op_fail(op, CM_ETMUX, NULL);
	return rc;
}

/* The op's pause is over. */
static void
session_op_timer(lws_sorted_usec_list_t *sul)
{
	struct session_op *op = lws_container_of(sul, struct session_op, sul);

	op->step_fn(op, 1, NULL, 0);
}

/* Schedules the next step of op after ms milliseconds. */
void
session_op_pause(struct session_op *op, long ms)
{
	lws_sul_schedule(op->s->agent->lws, 0, &op->sul, session_op_timer,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}
