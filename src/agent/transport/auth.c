/*
 * auth: constant-time token check and the agent-wide failure score (see auth.h).
 */
#include "agent/transport/auth.h"

#include <string.h>

/* Prepares an empty failure table. */
void
auth_init(struct auth *au, const char *token)
{
	memset(au, 0, sizeof *au);
	au->token = token;
}

/* Compares without an early exit: time depends only on the lengths. */
int
auth_token_ok(const struct auth *au, const char *presented, size_t len)
{
	size_t ours = strlen(au->token);
	unsigned char diff = (unsigned char)(len != ours);

	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)presented[i] ^ (unsigned char)au->token[i % ours];
	return diff == 0;
}

/* Drains the score for the time passed, adds this failure, returns the delay. */
double
auth_failed(struct auth *au, double now)
{
	double drained = now > au->last ? (now - au->last) / AUTH_DRAIN : 0;
	double delay;

	au->score = (au->score > drained ? au->score - drained : 0) + 1;
	au->last = now;
	delay = AUTH_STEP * au->score;
	return delay < AUTH_DELAY_MAX ? delay : AUTH_DELAY_MAX;
}
