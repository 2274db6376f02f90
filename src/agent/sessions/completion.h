/*
 * completion: how a request hears how it ended.
 *
 * Whoever asks the session layer for something that takes tmux's answer
 * (create, kill, capture, resize, keys, confirm, an output subscription)
 * hands it a completion: a function and an opaque argument. The session
 * layer calls it exactly once, with err 0 and the result (a JSON object of
 * the outcome's fields, borrowed for the call), with a negative CM_E* code
 * and a detail (may be NULL), or with COMPLETION_DROPPED when the request
 * lost its subject before it could be answered (a subscriber that went
 * away, a session freed at shutdown): then nothing is to be said, only the
 * argument released. The session layer never knows who asked: the caller's
 * argument holds that (the transport keeps a connection number and a
 * request id there), and the caller builds its own reply from the result.
 *
 * When the outcome is also an event (session_created, session_killed), the
 * event carries the completion's requester: a number the caller chose for
 * itself (the transport: its connection's), opaque to the session layer.
 * A sink that delivers events to the requesters leaves that one out, since
 * it gets the event as its reply.
 */
#ifndef CM_AGENT_SESSIONS_COMPLETION_H
#define CM_AGENT_SESSIONS_COMPLETION_H

#include <jansson.h>

#define COMPLETION_DROPPED 1 /* err: no answer is due, release arg */

typedef void (*completion_fn)(void *arg, int err, const char *detail, const json_t *result);

#include <stdint.h>

struct completion {
	completion_fn fn;   /* NULL: nobody waits */
	void *arg;	    /* the caller's */
	uint64_t requester; /* who asked, for the events that answer it; 0: nobody to name */
};

/* No completion: nobody waits for the outcome. */
#define COMPLETION_NONE ((struct completion){NULL, NULL, 0})

/* Calls c once (nothing if c->fn is NULL) and clears it. */
static inline void
completion_call(struct completion *c, int err, const char *detail, const json_t *result)
{
	struct completion now = *c;

	c->fn = NULL;
	c->arg = NULL;
	c->requester = 0;
	if (now.fn != NULL)
		now.fn(now.arg, err, detail, result);
}

#endif
