/*
 * notify-seq: the persisted position of cm notify (see notify-seq.h).
 */
#include "notify-seq.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define NOTIFY_SEQ_FILE_MAX (1024 * 1024)

/* Fills buf with the default path. */
int
notify_seq_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int r;

	if (xdg && *xdg == '/')
		r = snprintf(buf, n, "%s/cm/notify-seq.json", xdg);
	else if (home && *home)
		r = snprintf(buf, n, "%s/.local/state/cm/notify-seq.json", home);
	else
		return CM_ENOENT;
	return r < 0 || (size_t)r >= n ? CM_ETOOBIG : 0;
}

/* Finds or adds a context (lock held). */
static struct notify_seq_ctx *
notify_seq_find(struct notify_seq *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nctxs; i++)
		if (!strcmp(s->ctxs[i]->name, name))
			return s->ctxs[i];
	return NULL;
}

/* Adds a context (lock held); each is its own allocation, so pointers stay valid. */
static struct notify_seq_ctx *
notify_seq_add(struct notify_seq *s, const char *name, int64_t seq)
{
	struct notify_seq_ctx *c;

	s->ctxs = xreallocarray(s->ctxs, s->nctxs + 1, sizeof(*s->ctxs));
	c = s->ctxs[s->nctxs++] = xcalloc(1, sizeof(*c));
	c->name = xstrdup(name);
	c->seen = seq;
	c->saved = seq;
	return c;
}

/* Loads the file. */
int
notify_seq_open(struct notify_seq *s, const char *path, char *err, size_t n)
{
	json_error_t je;
	json_t *root, *ctxs, *v;
	const char *key;
	char *text;
	size_t len;
	int rc;

	memset(s, 0, sizeof(*s));
	s->path = xstrdup(path);
	pthread_mutex_init(&s->mu, NULL);
	if ((rc = fs_read_file(path, NOTIFY_SEQ_FILE_MAX, &text, &len)) == CM_ENOENT)
		return 0;
	if (rc < 0) {
		snprintf(err, n, "%s: cannot be read", path);
		return rc;
	}
	root = json_loadb(text, len, 0, &je);
	free(text);
	ctxs = json_object_get(root, "contexts");
	if (!json_is_object(ctxs)) {
		snprintf(err, n, "%s: not cm notify's state (remove it to start afresh)", path);
		json_decref(root);
		return CM_EINVAL;
	}
	json_object_foreach (ctxs, key, v) {
		json_t *seq = json_object_get(v, "seq");
		if (!json_is_integer(seq) || json_integer_value(seq) < 0)
			continue;
		notify_seq_add(s, key, json_integer_value(seq));
	}
	json_decref(root);
	return 0;
}

/* Frees the store. */
void
notify_seq_close(struct notify_seq *s)
{
	size_t i;

	for (i = 0; i < s->nctxs; i++) {
		free(s->ctxs[i]->name);
		free(s->ctxs[i]->inflight);
		free(s->ctxs[i]);
	}
	free(s->ctxs);
	free(s->path);
	pthread_mutex_destroy(&s->mu);
	memset(s, 0, sizeof(*s));
}

/* The position of a context. */
struct notify_seq_ctx *
notify_seq_ctx(struct notify_seq *s, const char *name)
{
	struct notify_seq_ctx *c;

	pthread_mutex_lock(&s->mu);
	if (!(c = notify_seq_find(s, name)))
		c = notify_seq_add(s, name, -1);
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* The saved seq. */
int64_t
notify_seq_resume(struct notify_seq *s, struct notify_seq_ctx *c)
{
	int64_t v;

	pthread_mutex_lock(&s->mu);
	v = c->seen;
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* Where a context stands (lock held). */
static int64_t
notify_seq_at(const struct notify_seq_ctx *c)
{
	return c->ninflight ? c->inflight[0] - 1 : c->seen;
}

/* The position now. */
int64_t
notify_seq_committed(struct notify_seq *s, struct notify_seq_ctx *c)
{
	int64_t v;

	pthread_mutex_lock(&s->mu);
	v = notify_seq_at(c);
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* The loop saw an event. */
void
notify_seq_seen(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq, size_t jobs)
{
	pthread_mutex_lock(&s->mu);
	if (seq > c->seen)
		c->seen = seq;
	if (c->ninflight + jobs > c->cap) {
		c->cap = (c->ninflight + jobs) * 2;
		c->inflight = xreallocarray(c->inflight, c->cap, sizeof(*c->inflight));
	}
	while (jobs--)
		c->inflight[c->ninflight++] = seq;
	if (notify_seq_at(c) != c->saved)
		s->dirty = 1;
	pthread_mutex_unlock(&s->mu);
}

/* One notification is over. */
void
notify_seq_done(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < c->ninflight; i++)
		if (c->inflight[i] == seq) {
			memmove(c->inflight + i, c->inflight + i + 1,
				(c->ninflight - i - 1) * sizeof(*c->inflight));
			c->ninflight--;
			break;
		}
	if (notify_seq_at(c) != c->saved)
		s->dirty = 1;
	pthread_mutex_unlock(&s->mu);
}

/* The agent numbers afresh. */
void
notify_seq_reset(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq)
{
	pthread_mutex_lock(&s->mu);
	c->seen = seq;
	c->ninflight = 0;
	s->dirty = 1;
	pthread_mutex_unlock(&s->mu);
}

/* Writes the file if needed. */
int
notify_seq_flush(struct notify_seq *s, char *err, size_t n)
{
	json_t *root, *ctxs;
	char *text, *dir;
	int64_t *at;
	size_t i, k;
	int rc;

	pthread_mutex_lock(&s->mu);
	if (!s->dirty) {
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	s->dirty = 0;
	ctxs = json_object();
	at = xcalloc(s->nctxs + 1, sizeof(*at));
	for (i = 0; i < s->nctxs; i++) {
		at[i] = notify_seq_at(s->ctxs[i]);
		if (at[i] >= 0)
			json_object_set_new(ctxs, s->ctxs[i]->name,
					    json_pack("{s:I}", "seq", (json_int_t)at[i]));
	}
	k = s->nctxs;
	pthread_mutex_unlock(&s->mu);

	root = json_pack("{s:i, s:o}", "version", 1, "contexts", ctxs);
	text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(root);
	dir = xstrdup(s->path);
	fs_mkdirs(dirname(dir));
	free(dir);
	rc = fs_write_atomic(s->path, text, strlen(text));
	free(text);
	pthread_mutex_lock(&s->mu);
	if (rc < 0) {
		s->dirty = 1;
		snprintf(err, n, "%s: cannot be written", s->path);
	} else
		for (i = 0; i < k && i < s->nctxs; i++)
			s->ctxs[i]->saved = at[i];
	pthread_mutex_unlock(&s->mu);
	free(at);
	return rc < 0 ? CM_EIO : 0;
}
