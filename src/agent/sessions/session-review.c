/*
 * session-review: diff, merge, list and clean of worktrees (see session-review.h).
 */
#include "agent/sessions/session-review.h"

#include <stdio.h>
#include <string.h>

#include "agent/sessions/session-wt-job.h"
#include "agent/worktree/wt-clean.h"
#include "agent/worktree/wt-registry.h"
#include "agent/worktree/wt-snapshot.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

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

/* Thread: a diff. */
static void
swt_diff_work(struct swt_job *q)
{
	q->result = wt_op_diff(q->path, q->base, q->from, q->to, q->stat, q->why);
}

static void
swt_diff_done(struct swt_job *q)
{
	if (q->result == NULL) {
		completion_call(&q->done, PROTO_ERR_GIT_FAILED, q->why, NULL);
		return;
	}
	json_object_set_new(q->result, "sessionId", json_string(q->sid));
	json_object_set_new(q->result, "branch", json_string(q->branch));
	json_object_set_new(q->result, "base", json_string(q->base));
	if (q->turn > 0)
		json_object_set_new(q->result, "turn", json_integer(q->turn));
	completion_call(&q->done, 0, NULL, q->result);
}

/* Thread: a merge. */
static void
swt_merge_work(struct swt_job *q)
{
	q->result = wt_op_merge(q->repo, q->path, q->branch, q->base, q->mode, &q->refusal, q->why);
}

/* The record is free for another merge or a clean. */
static void
swt_merge_drop(struct swt_job *q)
{
	struct wt_entry *e = wt_registry_find(q->set->worktrees, q->sid);

	if (e != NULL)
		e->busy = 0;
}

static void
swt_merge_done(struct swt_job *q)
{
	swt_merge_drop(q);
	if (q->result == NULL) {
		completion_call(&q->done,
				q->refusal == WT_DIRTY	    ? PROTO_ERR_DIRTY
				: q->refusal == WT_CONFLICT ? PROTO_ERR_MERGE_CONFLICT
							    : PROTO_ERR_GIT_FAILED,
				q->why, NULL);
		return;
	}
	json_object_set_new(q->result, "sessionId", json_string(q->sid));
	json_object_set_new(q->result, "branch", json_string(q->branch));
	json_object_set_new(q->result, "base", json_string(q->base));
	log_info("%s: %s merged into %s (%s)", q->sid, q->branch, q->base,
		 json_string_value(json_object_get(q->result, "mode")));
	completion_call(&q->done, 0, NULL, q->result);
}

/* Thread, clean: one record removed, or kept with the reason. */
static json_t *
swt_clean_one(const json_t *it, const json_t *status, int force)
{
	const char *repo = json_string_value(json_object_get(it, "repo"));
	const char *path = json_string_value(json_object_get(it, "path"));
	const char *branch = json_string_value(json_object_get(it, "branch"));
	int created = json_is_true(json_object_get(it, "createdBranch"));
	json_t *losses = swt_losses(status, created), *out;
	char why[WT_WHY_MAX] = "", reason[1400];

	if (json_array_size(losses) > 0 && !force) {
		snprintf(reason, sizeof reason, "it holds %s (use force to throw it away)",
			 json_string_value(json_array_get(losses, 0)));
		out = json_pack("{s:O, s:O, s:s}", "sessionId", json_object_get(it, "sessionId"),
				"path", json_object_get(it, "path"), "reason", reason);
	} else if (wt_op_remove(repo, path, branch, created, force, why) < 0) {
		out = json_pack("{s:O, s:O, s:s}", "sessionId", json_object_get(it, "sessionId"),
				"path", json_object_get(it, "path"), "reason", why);
	} else {
		out = json_pack("{s:O, s:O, s:O, s:O, s:b}", "sessionId",
				json_object_get(it, "sessionId"), "path",
				json_object_get(it, "path"), "branch",
				json_object_get(it, "branch"), "discarded", losses, "removed", 1);
	}
	json_decref(losses);
	return out;
}

/* Thread: what each record holds (list), and its removal when nothing is lost (clean). */
static void swt_list_done(struct swt_job *q);

static void
swt_status_work(struct swt_job *q)
{
	int cleaning = q->finish != swt_list_done;
	size_t i;
	json_t *it;

	q->result = json_array();
	json_array_foreach (q->items, i, it) {
		json_t *st = wt_op_status(json_string_value(json_object_get(it, "repo")),
					  json_string_value(json_object_get(it, "path")),
					  json_string_value(json_object_get(it, "branch")),
					  json_string_value(json_object_get(it, "base")));

		if (cleaning) {
			json_array_append_new(q->result, swt_clean_one(it, st, q->force));
			json_decref(st);
			continue;
		}
		json_object_update(st, it);
		json_object_del(st, "createdBranch");
		json_array_append_new(q->result, st);
	}
}

static void
swt_list_done(struct swt_job *q)
{
	size_t i;
	json_t *it, *out;

	json_array_foreach (q->result, i, it) {
		const char *sid = json_string_value(json_object_get(it, "sessionId"));

		json_object_set_new(it, "live", json_boolean(swt_live(q->set, sid)));
	}
	out = json_pack("{s:O}", "worktrees", q->result);
	completion_call(&q->done, 0, NULL, out);
	json_decref(out);
}

/* The records a clean held are free again. */
static void
swt_clean_drop(struct swt_job *q)
{
	struct wt_entry *e;
	size_t i;
	json_t *it;

	json_array_foreach (q->items, i, it)
		if ((e = wt_registry_find(q->set->worktrees,
					  json_string_value(json_object_get(it, "sessionId")))))
			e->busy = 0;
}

static void
swt_clean_done(struct swt_job *q)
{
	json_t *removed = json_array(), *kept = json_array(), *it, *out;
	struct wt_entry *e;
	size_t i;

	swt_clean_drop(q);
	json_array_foreach (q->result, i, it) {
		const char *sid = json_string_value(json_object_get(it, "sessionId"));

		if (!json_is_true(json_object_get(it, "removed"))) {
			json_array_append(kept, it);
			continue;
		}
		json_object_del(it, "removed");
		if ((e = wt_registry_find(q->set->worktrees, sid)) != NULL)
			wt_registry_remove(q->set->worktrees, e);
		log_info("%s: worktree removed", sid);
		json_array_append(removed, it);
	}
	out = json_pack("{s:o, s:o}", "removed", removed, "kept", kept);
	completion_call(&q->done, 0, NULL, out);
	json_decref(out);
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
session_review_diff(struct sessions *set, const char *sid, int turn, int stat,
		    struct completion done)
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
	q = swt_new(set, swt_diff_work, swt_diff_done, done);
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
session_review_merge(struct sessions *set, const char *sid, const char *mode,
		     struct completion done)
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
	q = swt_new(set, swt_merge_work, swt_merge_done, done);
	q->sid = xstrdup(sid);
	q->repo = xstrdup(e->repo);
	q->path = xstrdup(e->path);
	q->branch = xstrdup(e->branch);
	q->base = xstrdup(e->base);
	q->mode = m;
	q->drop = swt_merge_drop;
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
session_review_list(struct sessions *set, struct completion done)
{
	struct swt_job *q = swt_new(set, swt_status_work, swt_list_done, done);
	struct wt_entry *e;

	q->items = json_array();
	if (set->worktrees)
		TAILQ_FOREACH (e, &set->worktrees->list, entry)
			json_array_append_new(q->items, swt_item(e));
	swt_start(q);
}

void
session_review_clean(struct sessions *set, const char *sid, int force, struct completion done)
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
	q = swt_new(set, swt_status_work, swt_clean_done, done);
	q->force = force;
	q->drop = swt_clean_drop;
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
