/*
 * guess: what every door of cm (the agent's listener, cm dashboard) does
 * with a presented token.
 *
 * The token is compared in constant time (a timing side channel must not
 * tell a guesser how many leading characters were right). Tokens are long
 * and random, so guessing is hopeless; what must never happen is that
 * guesses lock out the owner. A right token is therefore always accepted at
 * once. A wrong one is answered late: every failure at a door, whatever the
 * peer, adds to one score that drains by one point every GUESS_DRAIN
 * seconds, and the failing connection waits GUESS_STEP seconds per point
 * (at most GUESS_DELAY_MAX) before it is told. Only the failing connection
 * waits; the door's caller holds it without blocking its loop.
 */
#ifndef CM_COMMON_GUESS_H
#define CM_COMMON_GUESS_H

#include <stddef.h>

#define GUESS_STEP	0.05 /* seconds of delay per point of score */
#define GUESS_DELAY_MAX 3.0  /* longest delay of one failure */
#define GUESS_DRAIN	0.5  /* seconds for one point of score to drain */

/* A door's recent failures. Zeroed: none. */
struct guess_score {
	double score; /* draining over time */
	double last;  /* wall time it was last updated */
};

/* True if the len bytes at presented are ours; time depends only on len. */
int guess_token_equal(const char *ours, const char *presented, size_t len);
/* Records a failure at wall time now; returns how long (seconds) its answer waits. */
double guess_failed(struct guess_score *g, double now);

#endif
