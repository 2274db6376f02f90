/*
 * auth: the token check and the slowing down of guessers.
 *
 * The token is compared in constant time (a timing side channel must not
 * tell a guesser how many leading characters were right). Tokens are long
 * and random, so guessing is hopeless; what must never happen is that
 * guesses lock out the owner. A right token is therefore always accepted at
 * once. A wrong one is answered late: every failure, whatever the peer and
 * whether it came in the auth message or an `Authorization: Bearer` header,
 * adds to one agent-wide score that drains by one point every AUTH_DRAIN
 * seconds, and the failing connection waits AUTH_STEP seconds per point
 * (at most AUTH_DELAY_MAX) before it gets `auth_failed` and is closed. Only
 * the failing connection waits (see auth-slow.h); the loop never blocks.
 */
#ifndef CM_AGENT_AUTH_H
#define CM_AGENT_AUTH_H

#include <stddef.h>

#define AUTH_STEP      0.05 /* seconds of delay per point of score */
#define AUTH_DELAY_MAX 3.0  /* longest delay of one failure */
#define AUTH_DRAIN     0.5  /* seconds for one point of score to drain */

struct auth {
	const char *token; /* borrowed from config */
	double score;	   /* recent failures, agent-wide, draining over time */
	double last;	   /* wall time the score was last updated */
};

void auth_init(struct auth *au, const char *token);
/* Constant-time comparison of a presented token with ours. */
int auth_token_ok(const struct auth *au, const char *presented, size_t len);
/* Records a failure at wall time now; returns how long (seconds) the failing
 * connection must wait for its answer. */
double auth_failed(struct auth *au, double now);

#endif
