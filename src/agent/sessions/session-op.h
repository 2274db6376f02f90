/*
 * session-op: asynchronous requests on a session. See session-op.c.
 */
#ifndef CM_AGENT_SESSION_OP_H
#define CM_AGENT_SESSION_OP_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "agent/sessions/completion.h"

struct session;

/*
 * An asynchronous request on a session: tmux commands whose replies are
 * awaited (capture, snapshot, keys with a pause). The op is owned by its
 * session's list, so when the control client goes away every op still
 * waiting is answered with an error and freed (no callback can then run).
 * Its requester is a completion: the op calls it once, with the result or
 * the error, and never learns who asked.
 */
struct session_op {
	TAILQ_ENTRY(session_op) entry; /* in session->ops */
	struct session *s;	       /* the session (not referenced: ops die first) */
	struct completion done;	       /* the requester, or none */
	int step;		       /* progress through the op's commands */
	long arg1, arg2;	       /* parameters of the op */
	char *text;		       /* a reply kept for a later step */
	size_t text_len;	       /* its length */
	char *pending;		       /* a command line for a later step */
	char *who;		       /* who asked, for the record (a client's address) */
	lws_sorted_usec_list_t sul;    /* a pause between steps */
	/* Runs when a reply arrives (err, body) or the pause ends (err 1). */
	void (*step_fn)(struct session_op *op, int err, const char *body, size_t len);
};

/* New op on s for the requester done. */
struct session_op *session_op_new(struct session *s, struct completion done,
				  void (*step_fn)(struct session_op *, int, const char *, size_t));
/* Sends a command whose reply goes to op->step_fn; on failure frees op and returns error. */
int session_op_command(struct session_op *op, const char *cmdline);
/* Calls op->step_fn(op, 1, NULL, 0) after ms milliseconds. */
void session_op_pause(struct session_op *op, long ms);
/* Frees op (unlinks it from its session). */
void session_op_free(struct session_op *op);
/* Answers op's requester with an error and frees op. */
void session_op_fail(struct session_op *op, int code, const char *detail);
/* Answers op's requester with result (borrowed) and frees op. */
void session_op_finish(struct session_op *op, const json_t *result);

#endif
