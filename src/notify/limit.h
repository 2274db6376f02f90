/*
 * limit: deduplication and a rate limit per session, so that a flapping
 * session does not send fifty messages.
 *
 * Dedup: a notification whose key (context, session, kind and what tells
 * two of a kind apart: a prompt's fingerprint, an error's screen line) was
 * admitted less than dedup_s ago is dropped. Rate: each session has a
 * bucket of burst notifications that refills at burst per window_s; an
 * empty bucket holds notifications back and counts them, and the next one
 * admitted says how many were held (notify_about.suppressed).
 *
 * Pure: time is passed in; tables are bounded (oldest entries forgotten).
 */
#ifndef CM_NOTIFY_LIMIT_H
#define CM_NOTIFY_LIMIT_H

#include <stddef.h>

#define NOTIFY_LIMIT_KEYS     4096 /* dedup keys remembered */
#define NOTIFY_LIMIT_SESSIONS 1024 /* sessions with a bucket */

struct notify_limit_key {
	char *key;   /* dedup key, or NULL */
	double when; /* admitted at */
};

struct notify_limit_bucket {
	char *session;	     /* "ctx/session id", or NULL */
	double tokens;	     /* notifications left */
	double last;	     /* last refill */
	unsigned suppressed; /* held back since the last one admitted */
};

struct notify_limit {
	double dedup_s;	 /* 0: no dedup */
	double window_s; /* refill period of a full bucket */
	unsigned burst;	 /* 0: no rate limit */
	struct notify_limit_key keys[NOTIFY_LIMIT_KEYS];
	size_t next_key; /* ring position */
	struct notify_limit_bucket buckets[NOTIFY_LIMIT_SESSIONS];
};

/* Why a notification was not admitted. */
enum notify_verdict {
	NOTIFY_ADMIT = 0,
	NOTIFY_DUPLICATE,
	NOTIFY_RATE_LIMITED,
};

/* Sets the limits (defaults: dedup 600 s, 5 per 60 s). */
void notify_limit_init(struct notify_limit *l, double dedup_s, unsigned burst, double window_s);
/* Frees the tables. */
void notify_limit_release(struct notify_limit *l);
/*
 * Decides on one notification of session (key NULL: never a duplicate) at
 * now; on NOTIFY_ADMIT *suppressed gets the count held back before it.
 */
enum notify_verdict notify_limit_check(struct notify_limit *l, const char *session, const char *key,
				       double now, unsigned *suppressed);

#endif
