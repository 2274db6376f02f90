/*
 * sender: delivers notifications on threads of their own, so that neither
 * the CLI's event loop nor the agent's ever waits on a network, a D-Bus
 * daemon or a user's program. Four threads; a destination gets one attempt
 * at a time, so one that hangs holds one thread and delays only itself.
 *
 * The loop pushes a job (a destination and a copy of the notification)
 * into a bounded queue and goes on; a full queue refuses the job at once
 * (CM_ELIMIT, the caller logs it). A thread takes the job that is due
 * first (of a destination nobody delivers to now), delivers it (one attempt is bounded by
 * timeout_ms), and on a failure that may pass (network, timeout, HTTP 408/429/5xx, a program that
 * failed) puts it back with a doubled delay, up to max_attempts; every failure is logged with the
 * destination's label (never a URL's path, which may hold a secret). done() is called from the
 * thread once a job is over, delivered or given up, so that the caller can record how far it has
 * got (cm notify's persisted seq); idle() runs on one thread at a time
 * after every job and after every poke, for work that must not be done on
 * the loop (writing that record).
 */
#ifndef CM_NOTIFY_SENDER_H
#define CM_NOTIFY_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "dest.h"
#include "msg.h"

struct notify_sender;

struct notify_sender_opts {
	size_t max_jobs;	 /* queue bound; 0: 1024 */
	int max_attempts;	 /* 0: 6 */
	int backoff_ms;		 /* first retry delay; 0: 1000 */
	int backoff_max_ms;	 /* longest delay; 0: 60000 */
	int timeout_ms;		 /* one attempt; 0: 10000 */
	const char *notify_send; /* desktop program; NULL: "notify-send" */
	/* A job is over (on the thread); delivered is 0 when it was given up. */
	void (*done)(void *arg, void *owner, int64_t seq, int delivered);
	void (*idle)(void *arg); /* on the thread: after jobs, and on pokes */
	void *arg;		 /* for done and idle */
};

/* Counters, for logs and tests. */
struct notify_sender_stats {
	unsigned long delivered, given_up, retried, refused;
};

/* Starts the thread; NULL (logged) if it cannot. */
struct notify_sender *notify_sender_new(const struct notify_sender_opts *o);
/*
 * Queues one delivery: d is borrowed (it must outlive the sender), m is
 * copied. owner and seq are handed back to done(). 0, or CM_ELIMIT when
 * the queue is full.
 */
int notify_sender_push(struct notify_sender *s, const struct notify_dest *d,
		       const struct notify_msg *m, void *owner, int64_t seq);
/* Wakes the thread to run idle(). */
void notify_sender_poke(struct notify_sender *s);
/* Jobs queued or waiting for a retry. */
size_t notify_sender_pending(struct notify_sender *s);
/* A copy of the counters. */
void notify_sender_stats(struct notify_sender *s, struct notify_sender_stats *out);
/*
 * Stops: jobs due within drain_ms are still tried; at the deadline,
 * attempts under way are cut short and the rest are dropped without
 * done() (they were not delivered: a persisted position that waits on them
 * makes the next run send them). Runs idle() last.
 */
void notify_sender_free(struct notify_sender *s, int drain_ms);

#endif
