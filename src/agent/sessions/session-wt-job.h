/*
 * session-wt-job: the session layer's git jobs (worktree/wt-job.h) for
 * worktree sessions (session-worktree.c) and their review
 * (session-review.c). A job carries its own copies of what its thread
 * needs, the completion of whoever waits, and three functions: work (on
 * the thread), finish (back on the loop) and drop (on the loop, when the
 * job cannot start or is cancelled at shutdown: state it holds, such as a
 * record's busy mark, is let go). The core answers the completion with
 * busy when a job cannot start and with COMPLETION_DROPPED when it is
 * cancelled, then frees the job.
 */
#ifndef CM_AGENT_SESSIONS_SESSION_WT_JOB_H
#define CM_AGENT_SESSIONS_SESSION_WT_JOB_H

#include <jansson.h>
#include <sys/queue.h>

#include "agent/sessions/completion.h"
#include "agent/sessions/session.h"
#include "agent/sessions/sessions.h"
#include "agent/worktree/wt-create.h"
#include "agent/worktree/wt-git.h"
#include "agent/worktree/wt-job.h"
#include "agent/worktree/wt-merge.h"

struct swt_job;
typedef void (*swt_fn)(struct swt_job *q);

/* One job and everything it needs; strings are its own copies. */
struct swt_job {
	struct wt_job job;	 /* first: the job is the struct */
	swt_fn work;		 /* on the job's thread */
	swt_fn finish;		 /* on the loop, when work is over */
	swt_fn drop;		 /* on the loop, when it never ran or was cancelled; may be NULL */
	struct sessions *set;	 /* the layer */
	struct completion done;	 /* who waits */
	char why[WT_WHY_MAX];	 /* the reason of a failure */
	json_t *result;		 /* what work found */
	enum wt_refusal refusal; /* a merge's refusal */
	/* Inputs. */
	struct wt_create_req create;
	char *dir, *branch, *base, *root, *tool, *task, *path, *repo, *from, *to, *sid, *text, *key;
	size_t text_len;
	int auto_confirm, cols, rows, enter, stat, turn, force, created_branch;
	struct session_options opts; /* create: restart, stall, auto-continue */
	enum wt_merge_mode mode;
	json_t *items;		    /* list and clean: the records, as objects */
	struct session *s;	    /* typing: the session (a reference, released by the core) */
	char tree[64];		    /* typing: the snapshot */
	int snap;		    /* typing: a submission, snapshotted before it is typed */
	int running;		    /* typing: its snapshot job runs */
	TAILQ_ENTRY(swt_job) queue; /* typing: in the typing queue */
};

/* A new job of set for done. */
struct swt_job *swt_new(struct sessions *set, swt_fn work, swt_fn finish, struct completion done);
/* Starts q's thread: 0, or CM_EBUSY / CM_EIO with q untouched. */
int swt_run(struct swt_job *q);
/* Starts q; when it cannot, answers busy, drops and frees it. */
void swt_start(struct swt_job *q);
/* Frees q and the session reference it holds. */
void swt_free(struct swt_job *q);
/* A copy of s, NULL for NULL. */
char *swt_dup(const char *s);
/* A session counts as live while its tool may still change its worktree. */
int swt_live(struct sessions *set, const char *sid);

#endif
