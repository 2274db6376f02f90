/*
 * auth: the agent's door: its token and the slowing down of guessers,
 * common/guess.h's rules (constant-time comparison; a wrong token answered
 * later the more came lately, a right one at once) with one score for the
 * whole agent, whatever the peer and whether the token came in the auth
 * message or an `Authorization: Bearer` header. The failing connection
 * waits in auth-slow.h; the loop never blocks.
 */
#ifndef CM_AGENT_AUTH_H
#define CM_AGENT_AUTH_H

#include <stddef.h>

#include "common/guess.h"

struct auth {
	const char *token;	    /* borrowed from config */
	struct guess_score guesses; /* recent failures, agent-wide */
};

void auth_init(struct auth *au, const char *token);
/* Constant-time comparison of a presented token with ours. */
int auth_token_ok(const struct auth *au, const char *presented, size_t len);
/* Records a failure at wall time now; returns how long (seconds) the failing
 * connection must wait for its answer. */
double auth_failed(struct auth *au, double now);

#endif
