/*
 * session-worktree: worktree sessions and their review (see session-worktree.h).
 */
#include "agent/sessions/session-worktree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/screen/profile.h"
#include "agent/screen/tools.h"
#include "agent/sessions/session.h"
#include "agent/sessions/typing.h"
#include "agent/settings/config.h"
#include "agent/worktree/refname.h"
#include "agent/worktree/wt-job.h"
#include "agent/worktree/wt-clean.h"
#include "agent/worktree/wt-create.h"
#include "agent/worktree/wt-git.h"
#include "agent/worktree/wt-merge.h"
#include "agent/worktree/wt-snapshot.h"
#include "agent/worktree/wt-registry.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

enum swt_kind { SWT_CREATE, SWT_TYPE, SWT_DIFF, SWT_MERGE, SWT_LIST, SWT_CLEAN, SWT_DISCARD };

/* One job and everything it needs; strings are its own copies. */
struct swt_job {
	struct wt_job job;	 /* first: the job is the struct */
	enum swt_kind kind;	 /* what it does */
	struct sessions *set;	 /* the layer */
	struct completion done;	 /* who waits */
	char why[WT_WHY_MAX];	 /* the reason of a failure */
	json_t *result;		 /* what work() found */
	enum wt_refusal refusal; /* a merge's refusal */
	/* Inputs. */
	struct wt_create_req create;
	char *dir, *branch, *base, *root, *tool, *task, *path, *repo, *from, *to, *sid, *text, *key;
	size_t text_len;
	int auto_confirm, cols, rows, enter, stat, turn, force, created_branch;
	enum wt_merge_mode mode;
	json_t *items;		    /* list and clean: the records, as objects */
	struct session *s;	    /* type: the session (a reference) */
	char tree[64];		    /* type: the snapshot */
	int snap;		    /* type: a submission, snapshotted before it is typed */
	int running;		    /* type: its snapshot job runs */
	TAILQ_ENTRY(swt_job) queue; /* type: in swt_typing */
};

/*
 * Typing into worktree sessions, in the order it was asked for: a
 * submission waits for its snapshot, and whatever is typed after it waits
 * behind it, so that keys never overtake a submitted task.
 */
static TAILQ_HEAD(, swt_job) swt_typing = TAILQ_HEAD_INITIALIZER(swt_typing);

static void swt_done(struct wt_job *j);

/* Numbers the branches the agent names. */
static unsigned swt_serial;

/* Frees a job. */
static void
swt_free(struct swt_job *q)
{
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

static char *
swt_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* What a record's removal throws away, as sentences (status from wt_op_status). */
static json_t *
swt_losses(const json_t *status, int created_branch)
{
	json_t *out = json_array(), *changed = json_object_get(status, "changed"),
	       *untracked = json_object_get(status, "untracked");
	json_int_t unmerged = json_integer_value(json_object_get(status, "unmerged"));
	char line[1024];
	size_t i, used;
	json_t *v;

	for (int k = 0; k < 2; k++) {
		const json_t *a = k == 0 ? changed : untracked;

		if (json_array_size(a) == 0)
			continue;
		used = (size_t)snprintf(line, sizeof line, "%zu %s file%s:", json_array_size(a),
					k == 0 ? "uncommitted" : "untracked",
					json_array_size(a) == 1 ? "" : "s");
		json_array_foreach (a, i, v)
			if (used < sizeof line)
				used += (size_t)snprintf(line + used, sizeof line - used, " %s",
							 json_string_value(v));
		json_array_append_new(out, json_string(line));
	}
	/* An existing branch stays: its commits are not lost. */
	if (created_branch && unmerged > 0) {
		snprintf(line, sizeof line, "%lld commit%s not merged into the base",
			 (long long)unmerged, unmerged == 1 ? "" : "s");
		json_array_append_new(out, json_string(line));
	}
	return out;
}

/* The thread's part. */
static void
swt_work(struct wt_job *j)
{
	struct swt_job *q = (struct swt_job *)j;
	size_t i;
	json_t *it;

	switch (q->kind) {
	case SWT_CREATE:
		q->result = wt_op_create(&q->create, q->why);
		break;
	case SWT_TYPE:
		if (wt_op_snapshot(q->path, 1, q->tree, q->why) < 0)
			q->tree[0] = '\0';
		break;
	case SWT_DIFF:
		q->result = wt_op_diff(q->path, q->base, q->from, q->to, q->stat, q->why);
		break;
	case SWT_MERGE:
		q->result =
		    wt_op_merge(q->repo, q->path, q->branch, q->base, q->mode, &q->refusal, q->why);
		break;
	case SWT_LIST:
	case SWT_CLEAN:
		q->result = json_array();
		json_array_foreach (q->items, i, it) {
			const char *repo = json_string_value(json_object_get(it, "repo"));
			const char *path = json_string_value(json_object_get(it, "path"));
			const char *branch = json_string_value(json_object_get(it, "branch"));
			const char *base = json_string_value(json_object_get(it, "base"));
			int created = json_is_true(json_object_get(it, "createdBranch"));
			json_t *st = wt_op_status(repo, path, branch, base), *losses;
			char why[WT_WHY_MAX] = "";

			if (q->kind == SWT_LIST) {
				json_object_update(st, it);
				json_object_del(st, "createdBranch");
				json_array_append_new(q->result, st);
				continue;
			}
			losses = swt_losses(st, created);
			json_decref(st);
			if (json_array_size(losses) > 0 && !q->force) {
				char reason[1400];

				snprintf(reason, sizeof reason,
					 "it holds %s (use force to throw it away)",
					 json_string_value(json_array_get(losses, 0)));
				json_array_append_new(q->result,
						      json_pack("{s:O, s:O, s:s}", "sessionId",
								json_object_get(it, "sessionId"),
								"path", json_object_get(it, "path"),
								"reason", reason));
			} else if (wt_op_remove(repo, path, branch, created, q->force, why) < 0) {
				json_array_append_new(q->result,
						      json_pack("{s:O, s:O, s:s}", "sessionId",
								json_object_get(it, "sessionId"),
								"path", json_object_get(it, "path"),
								"reason", why));
			} else {
				json_array_append_new(
				    q->result, json_pack("{s:O, s:O, s:O, s:O, s:b}", "sessionId",
							 json_object_get(it, "sessionId"), "path",
							 json_object_get(it, "path"), "branch",
							 json_object_get(it, "branch"), "discarded",
							 losses, "removed", 1));
			}
			json_decref(losses);
		}
		break;
	case SWT_DISCARD:
		wt_op_remove(q->repo, q->path, q->branch, q->created_branch, 1, q->why);
		break;
	}
}

/* Lets the records a merge or clean held go. */
static void
swt_unbusy(struct swt_job *q)
{
	struct wt_entry *e;
	size_t i;
	json_t *it;

	if (q->kind == SWT_MERGE && (e = wt_registry_find(q->set->worktrees, q->sid)) != NULL)
		e->busy = 0;
	json_array_foreach (q->items, i, it)
		if (q->kind == SWT_CLEAN &&
		    (e = wt_registry_find(q->set->worktrees,
					  json_string_value(json_object_get(it, "sessionId")))))
			e->busy = 0;
}

/* Starts q; on failure answers its completion with busy and frees it. */
static void
swt_start(struct swt_job *q)
{
	int rc;

	q->job.work = swt_work;
	q->job.done = swt_done;
	if ((rc = wt_job_start(q->set->vhost, &q->job)) < 0) {
		completion_call(&q->done, PROTO_ERR_BUSY,
				rc == CM_EBUSY ? "too many git jobs at once, try again"
					       : "cannot start a git job",
				NULL);
		swt_unbusy(q);
		if (q->s)
			session_unref(q->s, __func__);
		swt_free(q);
	}
}

static struct swt_job *
swt_new(struct sessions *set, enum swt_kind kind, struct completion done)
{
	struct swt_job *q = xcalloc(1, sizeof *q);

	q->set = set;
	q->kind = kind;
	q->done = done;
	return q;
}

/* A worktree made for a session that then could not start is removed again. */
static void
swt_discard(struct sessions *set, const json_t *made)
{
	struct swt_job *q = swt_new(set, SWT_DISCARD, COMPLETION_NONE);

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
	rc = session_create_env(q->set, p, q->task,
				json_string_value(json_object_get(q->result, "path")),
				q->auto_confirm, q->cols, q->rows, env, id, q->done, &why);
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

static void swt_job_free(struct swt_job *q);

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
			q->job.work = swt_work;
			q->job.done = swt_done;
			if (wt_job_start(s->set->vhost, &q->job) == 0)
				return;
			log_warn("%s: no snapshot for this turn: too many git jobs", s->id);
		}
		TAILQ_REMOVE(&swt_typing, q, queue);
		swt_type_now(q);
		swt_job_free(q);
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

/* At shutdown: what waits to be typed into s is let go. */
static void
swt_typing_drop(struct session *s)
{
	struct swt_job *q, *next;

	for (q = TAILQ_FIRST(&swt_typing); q != NULL; q = next) {
		next = TAILQ_NEXT(q, queue);
		if (q->s != s || q->running)
			continue;
		TAILQ_REMOVE(&swt_typing, q, queue);
		completion_call(&q->done, COMPLETION_DROPPED, NULL, NULL);
		swt_job_free(q);
	}
}

/* A session counts as live while its tool may still change its worktree. */
static int
swt_live(struct sessions *set, const char *sid)
{
	struct session *s = session_find(set, sid);

	return s != NULL && !s->killed && s->state != CM_STATE_EXITED;
}

/* Back on the loop. */
static void
swt_done(struct wt_job *j)
{
	struct swt_job *q = (struct swt_job *)j;
	struct wt_entry *e;
	size_t i;
	json_t *it, *out;

	if (j->cancelled) {
		completion_call(&q->done, COMPLETION_DROPPED, NULL, NULL);
		if (q->kind == SWT_TYPE) {
			TAILQ_REMOVE(&swt_typing, q, queue);
			swt_typing_drop(q->s);
		}
		goto out;
	}
	switch (q->kind) {
	case SWT_CREATE:
		swt_create_done(q);
		break;
	case SWT_TYPE:
		swt_type_done(q);
		break;
	case SWT_DIFF:
		if (q->result == NULL) {
			completion_call(&q->done, PROTO_ERR_GIT_FAILED, q->why, NULL);
			break;
		}
		json_object_set_new(q->result, "sessionId", json_string(q->sid));
		json_object_set_new(q->result, "branch", json_string(q->branch));
		json_object_set_new(q->result, "base", json_string(q->base));
		if (q->turn > 0)
			json_object_set_new(q->result, "turn", json_integer(q->turn));
		completion_call(&q->done, 0, NULL, q->result);
		break;
	case SWT_MERGE:
		if ((e = wt_registry_find(q->set->worktrees, q->sid)) != NULL)
			e->busy = 0;
		if (q->result == NULL) {
			completion_call(&q->done,
					q->refusal == WT_DIRTY	    ? PROTO_ERR_DIRTY
					: q->refusal == WT_CONFLICT ? PROTO_ERR_MERGE_CONFLICT
								    : PROTO_ERR_GIT_FAILED,
					q->why, NULL);
			break;
		}
		json_object_set_new(q->result, "sessionId", json_string(q->sid));
		json_object_set_new(q->result, "branch", json_string(q->branch));
		json_object_set_new(q->result, "base", json_string(q->base));
		log_info("%s: %s merged into %s (%s)", q->sid, q->branch, q->base,
			 json_string_value(json_object_get(q->result, "mode")));
		completion_call(&q->done, 0, NULL, q->result);
		break;
	case SWT_LIST:
		json_array_foreach (q->result, i, it) {
			const char *sid = json_string_value(json_object_get(it, "sessionId"));

			json_object_set_new(it, "live", json_boolean(swt_live(q->set, sid)));
		}
		out = json_pack("{s:O}", "worktrees", q->result);
		completion_call(&q->done, 0, NULL, out);
		json_decref(out);
		break;
	case SWT_CLEAN: {
		json_t *removed = json_array(), *kept = json_array();

		json_array_foreach (q->result, i, it) {
			const char *sid = json_string_value(json_object_get(it, "sessionId"));

			if ((e = wt_registry_find(q->set->worktrees, sid)) != NULL)
				e->busy = 0;
			if (json_is_true(json_object_get(it, "removed"))) {
				json_object_del(it, "removed");
				if (e)
					wt_registry_remove(q->set->worktrees, e);
				log_info("%s: worktree removed", sid);
				json_array_append(removed, it);
			} else {
				json_array_append(kept, it);
			}
		}
		out = json_pack("{s:o, s:o}", "removed", removed, "kept", kept);
		completion_call(&q->done, 0, NULL, out);
		json_decref(out);
		break;
	}
	case SWT_DISCARD:
		break;
	}
out:
	swt_job_free(q);
}

/* Frees a job and the session reference it holds. */
static void
swt_job_free(struct swt_job *q)
{
	if (q->s)
		session_unref(q->s, __func__);
	swt_free(q);
}

int
session_wt_create(struct sessions *set, const struct profile *p, const char *task, const char *path,
		  const struct session_wt_request *wr, int auto_confirm, int cols, int rows,
		  struct completion done, char **why)
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
	q = swt_new(set, SWT_CREATE, done);
	q->dir = xstrdup(path);
	q->branch = xstrdup(branch);
	q->base = swt_dup(wr->base);
	q->root = swt_dup(set->cfg->worktree_dir);
	q->tool = xstrdup(profile_name(p));
	q->task = xstrdup(task ? task : "");
	q->auto_confirm = auto_confirm;
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
	q = swt_new(s->set, SWT_TYPE, done);
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

/* The record of sid, or NULL after answering done with the error. */
static struct wt_entry *
swt_entry(struct sessions *set, const char *sid, struct completion *done)
{
	struct wt_entry *e = wt_registry_find(set->worktrees, sid);

	if (e == NULL)
		completion_call(done,
				session_find(set, sid) ? PROTO_ERR_NO_WORKTREE
						       : PROTO_ERR_UNKNOWN_SESSION,
				session_find(set, sid) ? "the session was not started in a worktree"
						       : "no session or worktree with that id",
				NULL);
	return e;
}

void
session_wt_diff(struct sessions *set, const char *sid, int turn, int stat, struct completion done)
{
	struct wt_entry *e = swt_entry(set, sid, &done);
	struct swt_job *q;
	int turns;
	char why[128];

	if (e == NULL)
		return;
	turns = (int)json_array_size(e->turns);
	if (turn > turns) {
		snprintf(why, sizeof why, "the session has %d turn%s", turns,
			 turns == 1 ? "" : "s");
		completion_call(&done, PROTO_ERR_BAD_REQUEST, why, NULL);
		return;
	}
	q = swt_new(set, SWT_DIFF, done);
	q->sid = xstrdup(sid);
	q->path = xstrdup(e->path);
	q->branch = xstrdup(e->branch);
	q->base = xstrdup(e->base);
	q->turn = turn;
	q->stat = stat;
	if (turn > 0) {
		q->from = xstrdup(wt_entry_turn_tree(e, turn));
		q->to = swt_dup(wt_entry_turn_tree(e, turn + 1)); /* NULL: the worktree now */
	}
	swt_start(q);
}

void
session_wt_merge(struct sessions *set, const char *sid, const char *mode, struct completion done)
{
	struct wt_entry *e;
	struct swt_job *q;
	enum wt_merge_mode m;

	if (mode == NULL || strcmp(mode, "merge") == 0)
		m = WT_MERGE;
	else if (strcmp(mode, "rebase") == 0)
		m = WT_MERGE_REBASE;
	else if (strcmp(mode, "squash") == 0)
		m = WT_MERGE_SQUASH;
	else {
		completion_call(&done, PROTO_ERR_BAD_REQUEST,
				"\"mode\" must be merge, rebase or squash", NULL);
		return;
	}
	if ((e = swt_entry(set, sid, &done)) == NULL)
		return;
	if (e->busy) {
		completion_call(&done, PROTO_ERR_BUSY, "a merge or clean of it is running", NULL);
		return;
	}
	e->busy = 1;
	q = swt_new(set, SWT_MERGE, done);
	q->sid = xstrdup(sid);
	q->repo = xstrdup(e->repo);
	q->path = xstrdup(e->path);
	q->branch = xstrdup(e->branch);
	q->base = xstrdup(e->base);
	q->mode = m;
	swt_start(q);
}

/* A record as the object the thread works from. */
static json_t *
swt_item(const struct wt_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "sessionId", e->sid, "repo",
			 e->repo, "path", e->path, "branch", e->branch, "base", e->base, "index",
			 e->index, "turns", (int)json_array_size(e->turns), "createdBranch",
			 e->created_branch);
}

void
session_wt_list(struct sessions *set, struct completion done)
{
	struct swt_job *q = swt_new(set, SWT_LIST, done);
	struct wt_entry *e;

	q->items = json_array();
	if (set->worktrees)
		TAILQ_FOREACH (e, &set->worktrees->list, entry)
			json_array_append_new(q->items, swt_item(e));
	swt_start(q);
}

void
session_wt_clean(struct sessions *set, const char *sid, int force, struct completion done)
{
	struct wt_entry *e;
	struct swt_job *q;

	if (sid != NULL) {
		if ((e = swt_entry(set, sid, &done)) == NULL)
			return;
		if (swt_live(set, sid) || e->busy) {
			completion_call(&done, PROTO_ERR_BUSY,
					e->busy ? "a merge or clean of it is running"
						: "its session is still running: kill it first",
					NULL);
			return;
		}
	}
	q = swt_new(set, SWT_CLEAN, done);
	q->force = force;
	q->items = json_array();
	if (set->worktrees)
		TAILQ_FOREACH (e, &set->worktrees->list, entry) {
			if (sid ? strcmp(e->sid, sid) != 0 : (swt_live(set, e->sid) || e->busy))
				continue;
			e->busy = 1;
			json_array_append_new(q->items, swt_item(e));
		}
	swt_start(q);
}
