/*
 * sender: the delivery thread and its bounded queue (see sender.h).
 */
#include "sender.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "http.h"
#include "spawn.h"

/* One delivery to one destination. */
struct notify_job {
	TAILQ_ENTRY(notify_job) link;
	const struct notify_dest *dest; /* borrowed */
	struct notify_msg msg;		/* a copy */
	void *owner;			/* for done() */
	int64_t seq;			/* for done() */
	int attempts;			/* tries so far */
	uint64_t due_ms;		/* monotonic time of the next try */
};
TAILQ_HEAD(notify_jobs, notify_job);

#define NOTIFY_THREADS 4 /* deliveries at once (each destination one at a time) */

struct notify_sender {
	struct notify_sender_opts o;
	pthread_t threads[NOTIFY_THREADS];
	size_t nthreads;				/* started */
	const struct notify_dest *busy[NOTIFY_THREADS]; /* destinations being delivered to */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct notify_jobs jobs; /* queued and waiting for retries */
	size_t njobs;		 /* length of jobs */
	int abort;		 /* stop attempts under way (past the drain deadline) */
	int idling;		 /* a thread runs idle() */
	int poked;		 /* idle() asked for */
	int stopping;		 /* leave once nothing is due before stop_ms */
	uint64_t stop_ms;	 /* drain deadline */
	struct notify_sender_stats stats;
};

/* Sends one ntfy message as JSON to the server's root. */
static enum notify_http_result
notify_send_ntfy(struct notify_sender *s, const struct notify_job *j, long *status, char *err,
		 size_t n)
{
	enum notify_http_result r;
	json_t *doc;
	char *body;

	doc =
	    json_pack("{s:s, s:s, s:s, s:i, s:[s]}", "topic", j->dest->topic, "title", j->msg.title,
		      "message", j->msg.body, "priority", j->msg.priority, "tags", j->msg.tag);
	if (j->msg.click)
		json_object_set_new(doc, "click", json_string(j->msg.click));
	body = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	r = notify_http_post(j->dest->url, "application/json", body, strlen(body), s->o.timeout_ms,
			     &s->abort, status, err, n);
	free(body);
	return r;
}

/* One attempt: 0 delivered, 1 worth another try, -1 given up. */
static int
notify_attempt(struct notify_sender *s, const struct notify_job *j, char *err, size_t n)
{
	enum notify_http_result r;
	long status;
	size_t len;
	char *in;

	switch (j->dest->kind) {
	case NOTIFY_DEST_WEBHOOK:
		r = notify_http_post(j->dest->url, "application/json", j->msg.json,
				     strlen(j->msg.json), s->o.timeout_ms, &s->abort, &status, err,
				     n);
		return r == NOTIFY_HTTP_OK ? 0 : r == NOTIFY_HTTP_RETRY ? 1 : -1;
	case NOTIFY_DEST_NTFY:
		r = notify_send_ntfy(s, j, &status, err, n);
		return r == NOTIFY_HTTP_OK ? 0 : r == NOTIFY_HTTP_RETRY ? 1 : -1;
	case NOTIFY_DEST_DESKTOP: {
		char *argv[] = {(char *)s->o.notify_send,
				"--app-name=cm",
				j->msg.priority >= 4 ? "--urgency=critical" : "--urgency=normal",
				"--",
				j->msg.title,
				j->msg.body,
				NULL};
		return notify_spawn(argv, NULL, 0, s->o.timeout_ms, &s->abort, err, n) == 0 ? 0 : 1;
	}
	case NOTIFY_DEST_EXEC:
		len = strlen(j->msg.json);
		in = xmalloc(len + 2);
		memcpy(in, j->msg.json, len);
		memcpy(in + len, "\n", 2);
		r = notify_spawn(j->dest->argv, in, len + 1, s->o.timeout_ms, &s->abort, err, n) ==
		    0;
		free(in);
		return r ? 0 : 1;
	}
	snprintf(err, n, "unknown destination");
	return -1;
}

/* The job due first, or NULL; *wait_ms gets the time until it is due. */
static struct notify_job *
notify_next(struct notify_sender *s, uint64_t now, uint64_t *wait_ms)
{
	struct notify_job *j, *best = NULL;

	TAILQ_FOREACH (j, &s->jobs, link)
		if (!best || j->due_ms < best->due_ms)
			best = j;
	if (!best)
		return NULL;
	*wait_ms = best->due_ms > now ? best->due_ms - now : 0;
	return best;
}

/* Waits on the condition for at most ms. */
static void
notify_wait(struct notify_sender *s, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

/* Frees a job. */
static void
notify_job_free(struct notify_job *j)
{
	notify_msg_release(&j->msg);
	free(j);
}

/* Runs idle() without the lock, on one thread at a time. */
static void
notify_run_idle(struct notify_sender *s)
{
	if (s->idling)
		return;
	s->poked = 0;
	if (!s->o.idle)
		return;
	s->idling = 1;
	pthread_mutex_unlock(&s->mu);
	s->o.idle(s->o.arg);
	pthread_mutex_lock(&s->mu);
	s->idling = 0;
}

/* The slot of this thread in busy[]. */
static size_t
notify_slot(struct notify_sender *s)
{
	size_t i;

	for (i = 0; i < NOTIFY_THREADS; i++)
		if (pthread_equal(s->threads[i], pthread_self()))
			return i;
	return 0;
}

/* A thread: takes due jobs, delivers, retries. */
static void *
notify_thread(void *arg)
{
	struct notify_sender *s = arg;
	struct notify_job *j;
	size_t slot;
	uint64_t now, wait;
	char err[512];
	int rc, delay;

	sigset_t pipe_set;

	/*
	 * A program that exits without reading its input makes our write raise
	 * SIGPIPE, which would end the whole process unless it ignores it:
	 * blocked here, it stays pending for this thread and spawn.c takes it.
	 */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	pthread_mutex_lock(&s->mu);
	slot = notify_slot(s);
	for (;;) {
		if (s->abort)
			break;
		if (s->poked)
			notify_run_idle(s);
		now = time_mono_ms();
		j = notify_next(s, now, &wait);
		if (s->stopping && (!j || j->due_ms > s->stop_ms || now >= s->stop_ms))
			break;
		if (!j || wait > 0) {
			notify_wait(s, j ? wait : 60000);
			continue;
		}
		TAILQ_REMOVE(&s->jobs, j, link);
		s->busy[slot] = j->dest;
		pthread_mutex_unlock(&s->mu);
		err[0] = '\0';
		rc = notify_attempt(s, j, err, sizeof(err));
		j->attempts++;
		pthread_mutex_lock(&s->mu);
		s->busy[slot] = NULL;
		pthread_cond_broadcast(&s->cv); /* its destination is free again */
		if (s->abort) {
			/* Cut short at exit: not delivered, and not given up either. */
			TAILQ_INSERT_TAIL(&s->jobs, j, link);
			break;
		}
		if (rc > 0 && j->attempts < s->o.max_attempts) {
			delay = s->o.backoff_ms << (j->attempts - 1);
			if (delay > s->o.backoff_max_ms || delay <= 0)
				delay = s->o.backoff_max_ms;
			log_warn("%s: %s; try %d of %d in %d ms (event %lld)", j->dest->label, err,
				 j->attempts + 1, s->o.max_attempts, delay, (long long)j->seq);
			j->due_ms = time_mono_ms() + (uint64_t)delay;
			TAILQ_INSERT_TAIL(&s->jobs, j, link);
			s->stats.retried++;
			continue;
		}
		s->njobs--;
		if (rc == 0) {
			s->stats.delivered++;
			log_debug("%s: delivered (event %lld)", j->dest->label, (long long)j->seq);
		} else {
			s->stats.given_up++;
			log_warn("%s: %s; given up after %d tries (event %lld)", j->dest->label,
				 err, j->attempts, (long long)j->seq);
		}
		if (s->o.done) {
			pthread_mutex_unlock(&s->mu);
			s->o.done(s->o.arg, j->owner, j->seq, rc == 0);
			pthread_mutex_lock(&s->mu);
		}
		notify_job_free(j);
		s->poked = 1;
		pthread_cond_broadcast(&s->cv); /* for a drain that waits */
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Starts the thread. */
struct notify_sender *
notify_sender_new(const struct notify_sender_opts *o)
{
	struct notify_sender *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int rc;

	s->o = *o;
	if (!s->o.max_jobs)
		s->o.max_jobs = 1024;
	if (s->o.max_attempts <= 0)
		s->o.max_attempts = 6;
	if (s->o.backoff_ms <= 0)
		s->o.backoff_ms = 1000;
	if (s->o.backoff_max_ms <= 0)
		s->o.backoff_max_ms = 60000;
	if (s->o.timeout_ms <= 0)
		s->o.timeout_ms = 10000;
	if (!s->o.notify_send)
		s->o.notify_send = "notify-send";
	TAILQ_INIT(&s->jobs);
	notify_http_global_init();
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* The lock keeps the threads from looking up their slot before it is filled. */
	pthread_mutex_lock(&s->mu);
	for (s->nthreads = 0; s->nthreads < NOTIFY_THREADS; s->nthreads++)
		if ((rc = pthread_create(&s->threads[s->nthreads], NULL, notify_thread, s)) != 0)
			break;
	pthread_mutex_unlock(&s->mu);
	if (s->nthreads == 0) {
		log_error("cannot start the notification thread: %s", strerror(rc));
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return NULL;
	}
	return s;
}

/* Queues one delivery. */
int
notify_sender_push(struct notify_sender *s, const struct notify_dest *d, const struct notify_msg *m,
		   void *owner, int64_t seq)
{
	struct notify_job *j;

	pthread_mutex_lock(&s->mu);
	if (s->njobs >= s->o.max_jobs || s->stopping) {
		s->stats.refused++;
		pthread_mutex_unlock(&s->mu);
		return CM_ELIMIT;
	}
	j = xcalloc(1, sizeof(*j));
	j->dest = d;
	notify_msg_copy(&j->msg, m);
	j->owner = owner;
	j->seq = seq;
	j->due_ms = time_mono_ms();
	TAILQ_INSERT_TAIL(&s->jobs, j, link);
	s->njobs++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* Wakes the thread for idle(). */
void
notify_sender_poke(struct notify_sender *s)
{
	pthread_mutex_lock(&s->mu);
	s->poked = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Jobs not over yet. */
size_t
notify_sender_pending(struct notify_sender *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->njobs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* A copy of the counters. */
void
notify_sender_stats(struct notify_sender *s, struct notify_sender_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	pthread_mutex_unlock(&s->mu);
}

/* Drains, stops and frees. */
void
notify_sender_free(struct notify_sender *s, int drain_ms)
{
	struct notify_job *j;

	if (!s)
		return;
	size_t i;
	uint64_t now;

	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	s->stop_ms = time_mono_ms() + (uint64_t)(drain_ms > 0 ? drain_ms : 0);
	pthread_cond_broadcast(&s->cv);
	/* Attempts still under way at the deadline are cut short. */
	while (s->njobs > 0 && (now = time_mono_ms()) < s->stop_ms)
		notify_wait(s, s->stop_ms - now);
	/* Read without the lock by attempts under way (http.c, spawn.c). */
	__atomic_store_n(&s->abort, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	while ((j = TAILQ_FIRST(&s->jobs))) {
		TAILQ_REMOVE(&s->jobs, j, link);
		log_warn("%s: not delivered before exit (event %lld)", j->dest->label,
			 (long long)j->seq);
		notify_job_free(j);
	}
	if (s->o.idle)
		s->o.idle(s->o.arg);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
