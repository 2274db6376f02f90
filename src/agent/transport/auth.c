/*
 * auth: the agent's token and its failure score (see auth.h).
 */
#include "agent/transport/auth.h"

#include <string.h>

void
auth_init(struct auth *au, const char *token)
{
	memset(au, 0, sizeof *au);
	au->token = token;
}

int
auth_token_ok(const struct auth *au, const char *presented, size_t len)
{
	return guess_token_equal(au->token, presented, len);
}

double
auth_failed(struct auth *au, double now)
{
	return guess_failed(&au->guesses, now);
}
