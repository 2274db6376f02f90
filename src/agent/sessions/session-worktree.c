/*
 * session-worktree: sessions in worktrees and the snapshots of their
 * turns (see session-worktree.h).
 */
#include "agent/sessions/session-worktree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/screen/profile.h"
#include "agent/screen/tools.h"
#include "agent/sessions/session-wt-job.h"
#include "agent/sessions/session.h"
#include "agent/sessions/typing.h"
#include "agent/settings/config.h"
#include "agent/worktree/refname.h"
#include "agent/worktree/wt-clean.h"
#include "agent/worktree/wt-registry.h"
#include "agent/worktree/wt-snapshot.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

/*
 * Typing into worktree sessions, in the order it was asked for: a
 * submission waits for its snapshot, and whatever is typed after it waits
 * behind it, so that keys never overtake a submitted task.
 */
static TAILQ_HEAD(, swt_job) swt_typing = TAILQ_HEAD_INITIALIZER(swt_typing);

/* Numbers the branches the agent names. */
static unsigned swt_serial;

/* Thread: a worktree for a new session. */
static void
swt_create_work(struct swt_job *q)
{
	q->result = wt_op_create(&q->create, q->why);
}

/* Thread: the removal of a worktree whose session could not start. */
static void
swt_discard_work(struct swt_job *q)
{
	wt_op_remove(q->repo, q->path, q->branch, q->created_branch, 1, q->why);
}

static void
swt_nothing(struct swt_job *q)
{
	(void)q;
}

/* A worktree made for a session that then could not start is removed again. */
static void
swt_discard(struct sessions *set, const json_t *made)
{
	struct swt_job *q = swt_new(set, swt_discard_work, swt_nothing, COMPLETION_NONE);

	q->repo = swt_dup(json_string_value(json_object_get(made, "repo")));
	q->path = swt_dup(json_string_value(json_object_get(made, "path")));
	q->branch = swt_dup(json_string_value(json_object_get(made, "branch")));
	q->created_branch = json_is_true(json_object_get(made, "createdBranch"));
	swt_start(q);
}

/* The worktree is made: start the tool in it and keep the record. */
static void
swt_create_done(struct swt_job *q)
{
	const struct profile *p = tools_find(q->tool);
	char id[NAMES_SESSION_ID_MAX + 1], idx[48], port[48], *why = NULL;
	const char *env[] = {idx, port, NULL};
	struct session_options opts = q->opts;
	struct wt_entry *e;
	int index, rc;

	if (q->result == NULL) {
		completion_call(&q->done, PROTO_ERR_GIT_FAILED, q->why, NULL);
		return;
	}
	if (p == NULL) {
		completion_call(&q->done, PROTO_ERR_UNKNOWN_TOOL, "the tool's profile is gone",
				NULL);
		swt_discard(q->set, q->result);
		return;
	}
	index = wt_registry_next_index(q->set->worktrees);
	snprintf(idx, sizeof idx, "CM_WORKTREE_INDEX=%d", index);
	snprintf(port, sizeof port, "CM_PORT_BASE=%ld",
		 q->set->cfg->worktree_port_base +
		     (long)(index - 1) * q->set->cfg->worktree_port_span);
	opts.env = env;
	opts.id_out = id;
	rc = session_create_with(q->set, p, q->task,
				 json_string_value(json_object_get(q->result, "path")),
				 q->auto_confirm, q->cols, q->rows, &opts, q->done, &why);
	if (rc < 0) {
		completion_call(&q->done,
				rc == CM_EINVAL ? PROTO_ERR_BAD_REQUEST : PROTO_ERR_TMUX_FAILED,
				why ? why : "cannot create the session", NULL);
		free(why);
		swt_discard(q->set, q->result);
		return;
	}
	q->done = COMPLETION_NONE; /* the session answers it */
	e = xcalloc(1, sizeof *e);
	e->sid = xstrdup(id);
	e->repo = xstrdup(json_string_value(json_object_get(q->result, "repo")));
	e->path = xstrdup(json_string_value(json_object_get(q->result, "path")));
	e->branch = xstrdup(json_string_value(json_object_get(q->result, "branch")));
	e->base = xstrdup(json_string_value(json_object_get(q->result, "base")));
	e->base_commit = xstrdup(json_string_value(json_object_get(q->result, "baseCommit")));
	e->created_branch = json_is_true(json_object_get(q->result, "createdBranch"));
	e->index = index;
	e->created = time_wall();
	e->turns = json_array();
	wt_registry_add(q->set->worktrees, e);
	/* The first task is turn 1: it starts from the worktree as made. */
	if (q->task && q->task[0])
		wt_entry_add_turn(q->set->worktrees, e,
				  json_string_value(json_object_get(q->result, "tree")),
				  e->created);
	log_info("%s: worktree %s (branch %s from %s, index %d)", id, e->path, e->branch, e->base,
		 index);
}

/* Types q now (its snapshot, if any, is taken) and answers through typing. */
static void
swt_type_now(struct swt_job *q)
{
	struct completion done = q->done;

	q->done = COMPLETION_NONE; /* typing answers it from here on */
	if (q->s->killed) {
		completion_call(&done, PROTO_ERR_UNKNOWN_SESSION, "the session was killed", NULL);
		return;
	}
	if (typing_start(q->s, q->text, q->text_len, q->enter, q->key, done) < 0)
		completion_call(&done, PROTO_ERR_BAD_REQUEST, "the keys cannot be typed", NULL);
}

/* Thread: the snapshot before a submission. */
static void
swt_type_work(struct swt_job *q)
{
	if (wt_op_snapshot(q->path, 1, q->tree, q->why) < 0)
		q->tree[0] = '\0';
}

static void swt_type_done(struct swt_job *q);
static void swt_type_drop(struct swt_job *q);

/* Types what waits for s, up to the next submission, whose snapshot it starts. */
static void
swt_typing_next(struct session *s)
{
	struct swt_job *q, *next;

	for (q = TAILQ_FIRST(&swt_typing); q != NULL; q = next) {
		next = TAILQ_NEXT(q, queue);
		if (q->s != s)
			continue;
		if (q->running)
			return;
		if (q->snap) {
			q->running = 1;
			if (swt_run(q) == 0)
				return;
			log_warn("%s: no snapshot for this turn: too many git jobs", s->id);
		}
		TAILQ_REMOVE(&swt_typing, q, queue);
		swt_type_now(q);
		swt_free(q);
	}
}

/* The snapshot before a submission is taken: record it, type, go on. */
static void
swt_type_done(struct swt_job *q)
{
	struct wt_entry *e = wt_registry_find(q->set->worktrees, q->s->id);

	if (q->tree[0] && e)
		wt_entry_add_turn(q->set->worktrees, e, q->tree, time_wall());
	else if (!q->tree[0])
		log_warn("%s: no snapshot for this turn: %s", q->s->id, q->why);
	TAILQ_REMOVE(&swt_typing, q, queue);
	swt_type_now(q);
	swt_typing_next(q->s);
}

/* At shutdown: the snapshot is cancelled, and what waits behind it is let go. */
static void
swt_type_drop(struct swt_job *q)
{
	struct swt_job *w, *next;

	TAILQ_REMOVE(&swt_typing, q, queue);
	for (w = TAILQ_FIRST(&swt_typing); w != NULL; w = next) {
		next = TAILQ_NEXT(w, queue);
		if (w->s != q->s || w->running)
			continue;
		TAILQ_REMOVE(&swt_typing, w, queue);
		completion_call(&w->done, COMPLETION_DROPPED, NULL, NULL);
		swt_free(w);
	}
}

int
session_wt_create(struct sessions *set, const struct profile *p, const char *task, const char *path,
		  const struct session_wt_request *wr, int auto_confirm, int cols, int rows,
		  const struct session_options *opts, struct completion done, char **why)
{
	char reason[256], branch[REFNAME_MAX + 1];
	struct swt_job *q;
	struct wt_entry *e;
	size_t count = 0;

	*why = NULL;
	if (set->worktrees == NULL) {
		*why = xstrdup("this agent keeps no worktrees");
		return CM_EINVAL;
	}
	/* Worktrees outlive sessions, so they are bounded on their own. */
	TAILQ_FOREACH (e, &set->worktrees->list, entry)
		count++;
	if (count >= SESSION_WT_MAX(set)) {
		*why = xasprintf("the agent holds %zu worktrees, its maximum: clean some first "
				 "(cm worktree clean)",
				 count);
		return CM_ELIMIT;
	}
	if (wr->branch && !refname_branch_ok(wr->branch, reason, sizeof reason)) {
		*why = xasprintf("worktree.branch: %s", reason);
		return CM_EINVAL;
	}
	if (wr->base && !refname_base_ok(wr->base, reason, sizeof reason)) {
		*why = xasprintf("worktree.base: %s", reason);
		return CM_EINVAL;
	}
	if (wr->branch)
		snprintf(branch, sizeof branch, "%s", wr->branch);
	else /* unique even for sessions asked for in the same second */
		snprintf(branch, sizeof branch, "cm/%s-%ld-%u", profile_name(p), (long)time(NULL),
			 ++swt_serial);
	q = swt_new(set, swt_create_work, swt_create_done, done);
	q->dir = xstrdup(path);
	q->branch = xstrdup(branch);
	q->base = swt_dup(wr->base);
	q->root = swt_dup(set->cfg->worktree_dir);
	q->tool = xstrdup(profile_name(p));
	q->task = xstrdup(task ? task : "");
	q->auto_confirm = auto_confirm;
	q->opts = opts ? *opts : SESSION_OPTIONS_DEFAULT;
	q->cols = cols;
	q->rows = rows;
	q->create = (struct wt_create_req){q->dir, q->branch, q->base, q->root};
	swt_start(q);
	return 0;
}

int
session_wt_type(struct session *s, const char *text, size_t len, int enter, const char *key,
		struct completion done)
{
	struct wt_entry *e = wt_registry_find(s->set->worktrees, s->id);
	int submits = enter || (key && strcmp(key, "Enter") == 0) ||
		      (text && (memchr(text, '\r', len) || memchr(text, '\n', len)));
	struct swt_job *q;
	int waits = 0;

	TAILQ_FOREACH (q, &swt_typing, queue)
		waits |= q->s == s;
	if (e == NULL || (!submits && !waits))
		return typing_start(s, text, len, enter, key, done);
	if (len > TYPING_TEXT_MAX || (text && memchr(text, '\0', len)))
		return CM_EINVAL;
	q = swt_new(s->set, swt_type_work, swt_type_done, done);
	q->drop = swt_type_drop;
	q->s = session_ref(s, __func__);
	q->path = xstrdup(e->path);
	if (text) {
		q->text = xmalloc(len + 1);
		memcpy(q->text, text, len);
		q->text[len] = '\0';
		q->text_len = len;
	}
	q->key = swt_dup(key);
	q->enter = enter;
	q->snap = submits;
	TAILQ_INSERT_TAIL(&swt_typing, q, queue);
	swt_typing_next(s);
	return 0;
}
