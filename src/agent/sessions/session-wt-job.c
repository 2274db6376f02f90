/*
 * session-wt-job: git jobs of the session layer (see session-wt-job.h).
 */
#include "agent/sessions/session-wt-job.h"

#include <stdlib.h>

#include "agent/sessions/session.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

/* On the thread. */
static void
swt_work(struct wt_job *j)
{
	struct swt_job *q = (struct swt_job *)j;

	q->work(q);
}

/* Back on the loop. */
static void
swt_done(struct wt_job *j)
{
	struct swt_job *q = (struct swt_job *)j;

	if (j->cancelled) {
		completion_call(&q->done, COMPLETION_DROPPED, NULL, NULL);
		if (q->drop)
			q->drop(q);
	} else {
		q->finish(q);
	}
	swt_free(q);
}

struct swt_job *
swt_new(struct sessions *set, swt_fn work, swt_fn finish, struct completion done)
{
	struct swt_job *q = xcalloc(1, sizeof *q);

	q->set = set;
	q->work = work;
	q->finish = finish;
	q->done = done;
	return q;
}

int
swt_run(struct swt_job *q)
{
	q->job.work = swt_work;
	q->job.done = swt_done;
	return wt_job_start(q->set->vhost, &q->job);
}

void
swt_start(struct swt_job *q)
{
	int rc = swt_run(q);

	if (rc < 0) {
		completion_call(&q->done, PROTO_ERR_BUSY,
				rc == CM_EBUSY ? "too many git jobs at once, try again"
					       : "cannot start a git job",
				NULL);
		if (q->drop)
			q->drop(q);
		swt_free(q);
	}
}

void
swt_free(struct swt_job *q)
{
	if (q->s)
		session_unref(q->s, __func__);
	free(q->dir);
	free(q->branch);
	free(q->base);
	free(q->root);
	free(q->tool);
	free(q->task);
	free(q->path);
	free(q->repo);
	free(q->from);
	free(q->to);
	free(q->sid);
	free(q->text);
	free(q->key);
	json_decref(q->items);
	json_decref(q->result);
	free(q);
}

char *
swt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int
swt_live(struct sessions *set, const char *sid)
{
	struct session *s = session_find(set, sid);

	return s != NULL && !s->killed && s->state != CM_STATE_EXITED;
}
