/*
 * wt-job: git work off the loop. A job's work() runs on a thread of its
 * own (git may take seconds on a large repository, and the loop serves
 * every session meanwhile); when it returns, done() runs on the loop,
 * woken through a pipe watched like tmux's (tmux/fdwatch.h). work() sees
 * only the job's own copies of its inputs; done() is where the results
 * meet the agent's state.
 *
 * At most WT_JOBS_MAX jobs run at once (more is CM_EBUSY). Jobs that
 * change a repository (worktree add/remove, merge) hold wt_job_repo_lock
 * while they do, so that two merges never race in one main checkout.
 * wt_jobs_shutdown() waits for the threads still running (each git has a
 * timeout) and calls their done() with cancelled set.
 */
#ifndef CM_AGENT_WORKTREE_WT_JOB_H
#define CM_AGENT_WORKTREE_WT_JOB_H

#include <pthread.h>
#include <sys/queue.h>

#include "agent/tmux/fdwatch.h"

#define WT_JOBS_MAX 8 /* git jobs at once */

struct wt_job {
	void (*work)(struct wt_job *j); /* on the job's thread */
	void (*done)(struct wt_job *j); /* on the loop afterwards; frees the job */
	int cancelled;			/* done() at shutdown: nobody is to be told */
	/* Private. */
	pthread_t thread;
	int started;
	int pipe[2];
	struct fdwatch watch;
	TAILQ_ENTRY(wt_job) entry;
};

extern pthread_mutex_t wt_job_repo_lock;

/* Starts j (work and done set) on the loop of vhost. 0, or CM_EBUSY / CM_EIO. */
int wt_job_start(struct lws_vhost *vhost, struct wt_job *j);
/* Jobs running now. */
int wt_jobs_running(void);
/* Waits for every job and calls its done() with cancelled = 1. */
void wt_jobs_shutdown(void);

#endif
