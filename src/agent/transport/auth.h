/*
 * auth: the token check and the slowing down of peers that guess.
 *
 * The token is compared in constant time (a timing side channel must not
 * tell a guesser how many leading characters were right). Failed attempts
 * are counted per peer address in a small fixed table; after AUTH_MAX_FAILS
 * within AUTH_WINDOW seconds the peer gets `rate_limited` until the window
 * is over. The table is bounded: the oldest entry is reused when full.
 */
#ifndef CM_AGENT_AUTH_H
#define CM_AGENT_AUTH_H

#include <stddef.h>

#define AUTH_MAX_FAILS 5
#define AUTH_WINDOW    60
#define AUTH_TABLE     256
#define AUTH_PEER_MAX  64

struct auth_peer {
	char addr[AUTH_PEER_MAX]; /* peer address, "" if slot free */
	double first;		  /* wall time of the first failure in the window */
	int fails;		  /* failures in the window */
};

struct auth {
	const char *token;		    /* borrowed from config */
	struct auth_peer peers[AUTH_TABLE]; /* failures by address */
};

void auth_init(struct auth *au, const char *token);
/* Constant-time comparison of a presented token with ours. */
int auth_token_ok(const struct auth *au, const char *presented, size_t len);
/* True if peer must wait before trying again. */
int auth_blocked(struct auth *au, const char *peer, double now);
/* Records a failure of peer. */
void auth_failed(struct auth *au, const char *peer, double now);
/* Forgets peer's failures after a success. */
void auth_succeeded(struct auth *au, const char *peer);

#endif
