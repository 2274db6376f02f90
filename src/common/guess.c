/*
 * guess: constant-time token check and a door's failure score (see guess.h).
 */
#include "common/guess.h"

#include <string.h>

/* Compares without an early exit: time depends only on the lengths. */
int
guess_token_equal(const char *ours, const char *presented, size_t len)
{
	size_t n = strlen(ours);
	unsigned char diff = (unsigned char)(len != n);

	if (n == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)presented[i] ^ (unsigned char)ours[i % n];
	return diff == 0;
}

/* Drains the score for the time passed, adds this failure, returns the delay. */
double
guess_failed(struct guess_score *g, double now)
{
	double drained = now > g->last ? (now - g->last) / GUESS_DRAIN : 0;
	double delay;

	g->score = (g->score > drained ? g->score - drained : 0) + 1;
	g->last = now;
	delay = GUESS_STEP * g->score;
	return delay < GUESS_DELAY_MAX ? delay : GUESS_DELAY_MAX;
}
