/*
 * auth: constant-time token check and per-peer failure limits (see auth.h).
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

/* Finds a peer's slot; with create, takes a free slot or else the oldest. */
static struct auth_peer *
auth_slot(struct auth *au, const char *peer, int create)
{
	struct auth_peer *victim = NULL;

	for (size_t i = 0; i < AUTH_TABLE; i++) {
		struct auth_peer *p = &au->peers[i];

		if (p->addr[0] == '\0') {
			if (victim == NULL || victim->addr[0] != '\0')
				victim = p;
		} else if (strcmp(p->addr, peer) == 0) {
			return p;
		} else if (victim == NULL || (victim->addr[0] && p->first < victim->first)) {
			victim = p;
		}
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof *victim);
	strncpy(victim->addr, peer, AUTH_PEER_MAX - 1);
	return victim;
}

/* Tells whether the peer has failed too often lately. */
int
auth_blocked(struct auth *au, const char *peer, double now)
{
	struct auth_peer *p = auth_slot(au, peer, 0);

	if (p == NULL)
		return 0;
	if (now - p->first > AUTH_WINDOW) {
		memset(p, 0, sizeof *p);
		return 0;
	}
	return p->fails >= AUTH_MAX_FAILS;
}

/* Counts one failure. */
void
auth_failed(struct auth *au, const char *peer, double now)
{
	struct auth_peer *p = auth_slot(au, peer, 1);

	if (p->fails == 0 || now - p->first > AUTH_WINDOW) {
		p->first = now;
		p->fails = 0;
	}
	p->fails++;
}

/* Clears the peer's record. */
void
auth_succeeded(struct auth *au, const char *peer)
{
	struct auth_peer *p = auth_slot(au, peer, 0);

	if (p != NULL)
		memset(p, 0, sizeof *p);
}
