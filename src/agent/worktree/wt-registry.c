/*
 * wt-registry: worktree records on disk (see wt-registry.h).
 */
#include "agent/worktree/wt-registry.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/names.h"

#define WT_RECORD_MAX (4 << 20) /* largest record read back */

static char *
wt_record_path(const struct wt_registry *reg, const char *sid)
{
	return xasprintf("%s/%s.json", reg->dir, sid);
}

void
wt_entry_free(struct wt_entry *e)
{
	if (e == NULL)
		return;
	free(e->sid);
	free(e->repo);
	free(e->path);
	free(e->branch);
	free(e->base);
	free(e->base_commit);
	json_decref(e->turns);
	free(e);
}

/* One record file back into an entry, or NULL (logged) if it is not one. */
static struct wt_entry *
wt_entry_load(const char *file, const char *sid)
{
	const char *repo, *path, *branch, *base, *commit;
	json_t *o = NULL, *turns = NULL;
	struct wt_entry *e = NULL;
	int created = 0, index = 0;
	double at = 0;
	json_error_t jerr;
	char *text = NULL;

	if (fs_read_file(file, WT_RECORD_MAX, &text, NULL) < 0 ||
	    (o = json_loads(text, 0, &jerr)) == NULL ||
	    json_unpack_ex(o, &jerr, 0, "{s:s, s:s, s:s, s:s, s:s, s:b, s:i, s?:F, s?:o}", "repo",
			   &repo, "path", &path, "branch", &branch, "base", &base, "baseCommit",
			   &commit, "createdBranch", &created, "index", &index, "created", &at,
			   "turns", &turns) < 0 ||
	    repo[0] != '/' || path[0] != '/' || index < 1 || (turns && !json_is_array(turns))) {
		log_warn("%s: unreadable worktree record, left alone", file);
		goto out;
	}
	e = xcalloc(1, sizeof *e);
	e->sid = xstrdup(sid);
	e->repo = xstrdup(repo);
	e->path = xstrdup(path);
	e->branch = xstrdup(branch);
	e->base = xstrdup(base);
	e->base_commit = xstrdup(commit);
	e->created_branch = created;
	e->index = index;
	e->created = at;
	e->turns = turns ? json_incref(turns) : json_array();
out:
	json_decref(o);
	free(text);
	return e;
}

int
wt_registry_init(struct wt_registry *reg, const char *state_dir)
{
	const char *why;
	struct dirent *de;
	DIR *d;

	reg->dir = xasprintf("%s/worktrees", state_dir);
	TAILQ_INIT(&reg->list);
	if (fs_private_dir(reg->dir, &why) < 0) {
		log_error("%s: %s", reg->dir, why);
		return CM_EIO;
	}
	if ((d = opendir(reg->dir)) == NULL)
		return CM_EIO;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char sid[NAMES_SESSION_ID_MAX + 1], *file;
		struct wt_entry *e;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
		    len - 5 > NAMES_SESSION_ID_MAX)
			continue;
		snprintf(sid, sizeof sid, "%.*s", (int)(len - 5), de->d_name);
		if (!names_session_id_valid(sid))
			continue;
		file = wt_record_path(reg, sid);
		if ((e = wt_entry_load(file, sid)) != NULL)
			TAILQ_INSERT_TAIL(&reg->list, e, entry);
		free(file);
	}
	closedir(d);
	return 0;
}

void
wt_registry_release(struct wt_registry *reg)
{
	struct wt_entry *e;

	while ((e = TAILQ_FIRST(&reg->list)) != NULL) {
		TAILQ_REMOVE(&reg->list, e, entry);
		wt_entry_free(e);
	}
	free(reg->dir);
	reg->dir = NULL;
}

struct wt_entry *
wt_registry_find(struct wt_registry *reg, const char *sid)
{
	struct wt_entry *e;

	if (reg == NULL || reg->dir == NULL)
		return NULL;
	TAILQ_FOREACH (e, &reg->list, entry)
		if (strcmp(e->sid, sid) == 0)
			return e;
	return NULL;
}

int
wt_registry_next_index(struct wt_registry *reg)
{
	struct wt_entry *e;

	for (int i = 1;; i++) {
		int taken = 0;

		TAILQ_FOREACH (e, &reg->list, entry)
			taken |= e->index == i;
		if (!taken)
			return i;
	}
}

void
wt_registry_save(struct wt_registry *reg, struct wt_entry *e)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:i, s:f, s:O}", "sessionId", e->sid,
		      "repo", e->repo, "path", e->path, "branch", e->branch, "base", e->base,
		      "baseCommit", e->base_commit, "createdBranch", e->created_branch, "index",
		      e->index, "created", e->created, "turns", e->turns);
	char *text = json_dumps(o, JSON_COMPACT), *file = wt_record_path(reg, e->sid);
	int rc = fs_write_atomic(file, text, strlen(text));

	if (rc < 0)
		log_error("%s: cannot write: %s", file, cm_strerror(rc));
	free(file);
	free(text);
	json_decref(o);
}

void
wt_registry_add(struct wt_registry *reg, struct wt_entry *e)
{
	TAILQ_INSERT_TAIL(&reg->list, e, entry);
	wt_registry_save(reg, e);
}

void
wt_registry_remove(struct wt_registry *reg, struct wt_entry *e)
{
	char *file = wt_record_path(reg, e->sid);

	unlink(file);
	free(file);
	TAILQ_REMOVE(&reg->list, e, entry);
	wt_entry_free(e);
}

int
wt_entry_add_turn(struct wt_registry *reg, struct wt_entry *e, const char *tree, double at)
{
	int n = (int)json_array_size(e->turns) + 1;

	if (n > WT_TURNS_MAX)
		return n - 1;
	json_array_append_new(e->turns,
			      json_pack("{s:i, s:s, s:f}", "turn", n, "tree", tree, "at", at));
	wt_registry_save(reg, e);
	return n;
}

const char *
wt_entry_turn_tree(const struct wt_entry *e, int n)
{
	json_t *t = json_array_get(e->turns, (size_t)(n - 1));

	return n >= 1 ? json_string_value(json_object_get(t, "tree")) : NULL;
}

json_t *
wt_entry_json(const struct wt_entry *e)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "path", e->path, "branch", e->branch,
			 "base", e->base, "repo", e->repo, "index", e->index, "turns",
			 (int)json_array_size(e->turns));
}
