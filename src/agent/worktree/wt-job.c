/*
 * wt-job: threads for git work, finished on the loop (see wt-job.h).
 */
#include "agent/worktree/wt-job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"

pthread_mutex_t wt_job_repo_lock = PTHREAD_MUTEX_INITIALIZER;

static TAILQ_HEAD(, wt_job) wt_jobs = TAILQ_HEAD_INITIALIZER(wt_jobs);
static int wt_n_jobs;

/* The thread: the work, then one byte to wake the loop. */
static void *
wt_job_thread(void *arg)
{
	struct wt_job *j = arg;
	char one = 1;

	j->work(j);
	while (write(j->pipe[1], &one, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Joins j's thread and hands it to done(). */
static void
wt_job_finish(struct wt_job *j)
{
	fdwatch_remove(&j->watch);
	pthread_join(j->thread, NULL);
	close(j->pipe[0]);
	close(j->pipe[1]);
	TAILQ_REMOVE(&wt_jobs, j, entry);
	wt_n_jobs--;
	j->done(j);
}

/* The pipe is readable: the work is over. */
static void
wt_job_on_read(void *arg)
{
	wt_job_finish(arg);
}

int
wt_job_start(struct lws_vhost *vhost, struct wt_job *j)
{
	sigset_t all, old;
	int rc;

	if (wt_n_jobs >= WT_JOBS_MAX)
		return CM_EBUSY;
	if (pipe2(j->pipe, O_CLOEXEC) < 0)
		return CM_EIO;
	if (fdwatch_add(vhost, &j->watch, j->pipe[0], wt_job_on_read, NULL, j) < 0) {
		close(j->pipe[0]);
		close(j->pipe[1]);
		return CM_EIO;
	}
	/* The thread blocks every signal: they are the loop's, through its signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&j->thread, NULL, wt_job_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		fdwatch_remove(&j->watch);
		close(j->pipe[0]);
		close(j->pipe[1]);
		return CM_EIO;
	}
	j->started = 1;
	TAILQ_INSERT_TAIL(&wt_jobs, j, entry);
	wt_n_jobs++;
	return 0;
}

int
wt_jobs_running(void)
{
	return wt_n_jobs;
}

void
wt_jobs_shutdown(void)
{
	struct wt_job *j;

	while ((j = TAILQ_FIRST(&wt_jobs)) != NULL) {
		log_info("waiting for a git job to finish");
		j->cancelled = 1;
		wt_job_finish(j);
	}
}
