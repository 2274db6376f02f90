/*
 * limit: dedup and per-session rate limit (see limit.h).
 */
#include "limit.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

/* Sets the limits. */
void
notify_limit_init(struct notify_limit *l, double dedup_s, unsigned burst, double window_s)
{
	memset(l, 0, sizeof(*l));
	l->dedup_s = dedup_s;
	l->burst = burst;
	l->window_s = window_s > 0 ? window_s : 60;
}

/* Frees the tables. */
void
notify_limit_release(struct notify_limit *l)
{
	size_t i;

	for (i = 0; i < NOTIFY_LIMIT_KEYS; i++)
		free(l->keys[i].key);
	for (i = 0; i < NOTIFY_LIMIT_SESSIONS; i++)
		free(l->buckets[i].session);
	memset(l, 0, sizeof(*l));
}

/* True if key was admitted within dedup_s. */
static int
notify_limit_seen(struct notify_limit *l, const char *key, double now)
{
	size_t i;

	for (i = 0; i < NOTIFY_LIMIT_KEYS; i++)
		if (l->keys[i].key && now - l->keys[i].when < l->dedup_s &&
		    !strcmp(l->keys[i].key, key))
			return 1;
	return 0;
}

/* The bucket of a session: found, else a free one, else the least recently used. */
static struct notify_limit_bucket *
notify_limit_bucket(struct notify_limit *l, const char *session, double now)
{
	struct notify_limit_bucket *b, *oldest = NULL;
	size_t i;

	for (i = 0; i < NOTIFY_LIMIT_SESSIONS; i++) {
		b = &l->buckets[i];
		if (b->session && !strcmp(b->session, session))
			return b;
		if (!oldest || !b->session || (oldest->session && b->last < oldest->last))
			oldest = b;
	}
	free(oldest->session);
	oldest->session = xstrdup(session);
	oldest->tokens = l->burst;
	oldest->last = now;
	oldest->suppressed = 0;
	return oldest;
}

/* Decides on one notification. */
enum notify_verdict
notify_limit_check(struct notify_limit *l, const char *session, const char *key, double now,
		   unsigned *suppressed)
{
	struct notify_limit_bucket *b;

	*suppressed = 0;
	if (key && l->dedup_s > 0 && notify_limit_seen(l, key, now))
		return NOTIFY_DUPLICATE;
	if (l->burst > 0) {
		b = notify_limit_bucket(l, session, now);
		if (now > b->last) {
			b->tokens += (now - b->last) * l->burst / l->window_s;
			if (b->tokens > l->burst)
				b->tokens = l->burst;
		}
		b->last = now;
		if (b->tokens < 1) {
			b->suppressed++;
			return NOTIFY_RATE_LIMITED;
		}
		b->tokens -= 1;
		*suppressed = b->suppressed;
		b->suppressed = 0;
	}
	if (key && l->dedup_s > 0) {
		free(l->keys[l->next_key].key);
		l->keys[l->next_key].key = xstrdup(key);
		l->keys[l->next_key].when = now;
		l->next_key = (l->next_key + 1) % NOTIFY_LIMIT_KEYS;
	}
	return NOTIFY_ADMIT;
}
