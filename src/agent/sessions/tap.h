/*
 * tap: the raw bytes of a session, for whoever registered at start.
 *
 * Events travel on the bus (bus.h), but a session's terminal output and
 * the input cm types into it do not: they are too many and too big to be
 * encoded as events. A tap sees them as they pass: output where the
 * control client hands %output to the output streams (session.c), input
 * where a request types into the tool (who: the client, as the audit log
 * names it). The transcript recorder (recorder.h) is one tap. A tap runs
 * on the loop, inside the caller: it must not block and must not change
 * the session.
 */
#ifndef CM_AGENT_SESSIONS_TAP_H
#define CM_AGENT_SESSIONS_TAP_H

#include <stddef.h>

#define TAPS_MAX 4 /* taps registered at start */

struct session;

struct tap {
	const char *name; /* for logs */
	/* What the tool wrote (may be NULL). */
	void (*output)(void *arg, struct session *s, const char *data, size_t len);
	/* What was sent to the tool, and who sent it (may be NULL). */
	void (*input)(void *arg, struct session *s, const char *who, const char *data, size_t len);
	void *arg; /* the tap's */
};

struct taps {
	struct tap tap[TAPS_MAX];
	size_t n;
};

/* Registers a tap (at start); CM_ELIMIT past TAPS_MAX. */
int taps_add(struct taps *taps, const struct tap *tap);
/* Hands output of s to every tap (taps: s's set's). */
void taps_output(const struct taps *taps, struct session *s, const char *data, size_t len);
/* Hands input to s, sent by who, to every tap. */
void taps_input(const struct taps *taps, struct session *s, const char *who, const char *data,
		size_t len);

#endif
