/*
 * session-op: an asynchronous request on a session (see session.h, struct
 * session_op): one or more tmux commands whose replies are awaited, and
 * pauses between them. The op belongs to its session's list, so when the
 * control client goes away every op still waiting is answered with an error
 * and freed (session_unlink), and no callback can run after that.
 */
#include <stdlib.h>

#include "agent/sessions/session-op.h"
#include "agent/sessions/sessions.h"
#include "agent/tmux/link.h"
#include "common/err.h"
#include "common/xmalloc.h"

/* Creates an op linked to s for the requester done. */
struct session_op *
session_op_new(struct session *s, struct completion done,
	       void (*step_fn)(struct session_op *, int, const char *, size_t))
{
	struct session_op *op = xcalloc(1, sizeof *op);

	op->s = s;
	op->done = done;
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
	/* Whoever still waits (nothing else could answer) is let go. */
	completion_call(&op->done, COMPLETION_DROPPED, NULL, NULL);
	free(op->text);
	free(op->pending);
	free(op->who);
	free(op);
}

/* Answers an error for op and frees it. */
void
session_op_fail(struct session_op *op, int code, const char *detail)
{
	completion_call(&op->done, code, detail, NULL);
	session_op_free(op);
}

/* Answers op's result and frees it. */
void
session_op_finish(struct session_op *op, const json_t *result)
{
	completion_call(&op->done, 0, NULL, result);
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
		op->s->set->link->cancel(op->s->cc, op); /* earlier commands of op */
	if (rc == CM_EEXITED)
		session_op_fail(op, PROTO_ERR_SESSION_EXITED,
				"the session's tmux is not reachable");
	else if (rc == CM_ELIMIT || rc == CM_ETOOBIG)
		session_op_fail(op, PROTO_ERR_LIMIT_REACHED,
				"the session's tmux command queue is full, try again later");
	else if (rc < 0)
		session_op_fail(op, PROTO_ERR_TMUX_FAILED, NULL);
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
	lws_sul_schedule(op->s->set->lws, 0, &op->sul, session_op_timer,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}
