/*
 * store: the transcript directory: opening it (private, 0700), the events
 * told to the loop, retention, listing and deletion.
 */
#include "transcript/tr-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

void
transcript_limits_default(struct transcript_limits *l)
{
	l->max_total_bytes = 1ull << 30;
	l->max_age_s = 30u * 24 * 3600;
	l->frame_bytes = 256u << 10;
	l->frame_interval_ms = 5000;
	l->queue_bytes = 64u << 20;
	l->min_free_bytes = 64u << 20;
	l->level = 3;
	l->sync = 1;
	l->prune_interval_s = 600;
}

void
tr_why(char *why, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(why, TRANSCRIPT_WHY_MAX, fmt, ap);
	va_end(ap);
}

/* Same rule as names_session_id_valid() in src/proto (not linked here). */
int
transcript_id_valid(const char *id)
{
	size_t n;

	if (id == NULL || strnlen(id, TRANSCRIPT_ID_MAX + 1) > TRANSCRIPT_ID_MAX ||
	    strncmp(id, "cm-", 3) != 0)
		return 0;
	id += 3;
	for (n = 0; id[n] >= '0' && id[n] <= '9'; n++)
		;
	if (n == 0)
		return 0;
	id += n;
	if (*id == '\0')
		return 1;
	if (*id++ != '-')
		return 0;
	for (n = 0; id[n] >= '0' && id[n] <= '9'; n++)
		;
	return n > 0 && id[n] == '\0';
}

int
transcript_store_open(const char *dir, const struct transcript_limits *limits,
		      struct transcript_store **out, char why[TRANSCRIPT_WHY_MAX])
{
	struct transcript_store *s;
	const char *reason;
	int rc;

	*out = NULL;
	if (dir == NULL || *dir == '\0') {
		tr_why(why, "no transcript directory");
		return CM_EINVAL;
	}
	if ((rc = fs_private_dir(dir, &reason)) < 0) {
		tr_why(why, "%s: %s", dir, reason ? reason : cm_strerror(rc));
		return rc;
	}
	s = xcalloc(1, sizeof *s);
	if (limits != NULL)
		s->lim = *limits;
	else
		transcript_limits_default(&s->lim);
	if (s->lim.frame_bytes < 1024)
		s->lim.frame_bytes = 1024;
	if (s->lim.frame_bytes > (16u << 20))
		s->lim.frame_bytes = 16u << 20;
	if (s->lim.queue_bytes < (64u << 10))
		s->lim.queue_bytes = 64u << 10; /* room for a few writes at least */
	if (s->lim.frame_interval_ms == 0)
		s->lim.frame_interval_ms = 5000;
	s->dir = xstrdup(dir);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 || pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		tr_why(why, "%s: %s", dir, strerror(errno));
		if (s->dirfd >= 0)
			close(s->dirfd);
		free(s->dir);
		free(s);
		return CM_EIO;
	}
	s->cctx = ZSTD_createCCtx();
	if (s->cctx == NULL)
		abort();
	ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_compressionLevel, s->lim.level);
	ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_contentSizeFlag, 1);
	s->tailp = &s->head;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	pthread_cond_init(&s->flushed, NULL);
	transcript_store_prune(s, time_wall());
	if ((rc = pthread_create(&s->thread, NULL, tr_writer_main, s)) != 0) {
		tr_why(why, "cannot start the writer: %s", strerror(rc));
		transcript_store_close(s);
		return CM_EINTERNAL;
	}
	s->started = 1;
	*out = s;
	return 0;
}

int
transcript_store_fd(const struct transcript_store *s)
{
	return s->pipe[0];
}

/* Makes the fd readable unless it is already ([lock] held). */
static void
tr_store_notify_locked(struct transcript_store *s)
{
	if (!s->notified) {
		/* One byte until the loop drains; a full pipe still means readable. */
		if (write(s->pipe[1], "!", 1) < 0 && errno != EAGAIN)
			log_warn("cannot wake the loop: %s", strerror(errno));
		s->notified = 1;
	}
}

void
tr_store_post(struct transcript_store *s, enum transcript_event_kind kind, const char *id,
	      uint64_t bytes, const char *fmt, ...)
{
	struct transcript_event *ev;
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (s->nev < sizeof s->evq / sizeof s->evq[0]) {
		ev = &s->evq[s->nev++];
		memset(ev, 0, sizeof *ev);
		ev->kind = kind;
		snprintf(ev->id, sizeof ev->id, "%s", id ? id : "");
		ev->bytes = bytes;
		va_start(ap, fmt);
		vsnprintf(ev->text, sizeof ev->text, fmt, ap);
		va_end(ap);
	}
	tr_store_notify_locked(s);
	pthread_mutex_unlock(&s->lock);
}

size_t
transcript_store_events(struct transcript_store *s, struct transcript_event *ev, size_t max)
{
	char drain[64];
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->nev < max ? s->nev : max;
	memcpy(ev, s->evq, n * sizeof *ev);
	memmove(s->evq, s->evq + n, (s->nev - n) * sizeof *ev);
	s->nev -= n;
	if (s->nev == 0 && s->notified) {
		while (read(s->pipe[0], drain, sizeof drain) > 0)
			;
		s->notified = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

void
transcript_store_status(struct transcript_store *s, struct transcript_status *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	st->queued_bytes = s->queued;
	pthread_mutex_unlock(&s->lock);
}

void
tr_store_wake(struct transcript_store *s)
{
	pthread_mutex_lock(&s->lock);
	tr_store_notify_locked(s);
	pthread_mutex_unlock(&s->lock);
}

void
tr_store_opened(struct transcript *t)
{
	pthread_mutex_lock(&t->s->lock);
	t->opened = 1;
	tr_store_notify_locked(t->s);
	pthread_mutex_unlock(&t->s->lock);
}

/* The open transcript id, or NULL ([lock] held). */
static struct transcript *
tr_store_find_open_locked(struct transcript_store *s, const char *id)
{
	for (struct transcript *t = s->open; t != NULL; t = t->open_next)
		if (strcmp(t->id, id) == 0)
			return t;
	return NULL;
}

enum transcript_presence
transcript_store_presence(struct transcript_store *s, const char *id)
{
	enum transcript_presence p = TRANSCRIPT_NOT_OPEN;
	struct transcript *t;

	pthread_mutex_lock(&s->lock);
	if ((t = tr_store_find_open_locked(s, id)) != NULL)
		p = t->opened ? TRANSCRIPT_OPEN : TRANSCRIPT_OPENING;
	pthread_mutex_unlock(&s->lock);
	return p;
}

int
tr_store_is_open_locked(struct transcript_store *s, const char *id)
{
	return tr_store_find_open_locked(s, id) != NULL;
}

/* One transcript found in the directory. */
struct tr_entry {
	char id[TRANSCRIPT_ID_MAX + 1];
	double mtime;
	uint64_t bytes;
	int open;
};

static int
tr_entry_cmp(const void *a, const void *b)
{
	const struct tr_entry *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Every transcript of the directory, oldest write first. */
static int
tr_store_scan(struct transcript_store *s, struct tr_entry **out, size_t *n)
{
	DIR *d;
	struct dirent *de;
	struct tr_entry *v = NULL;
	size_t cap = 0, cnt = 0;
	const size_t sl = strlen(TR_DATA_SUFFIX);

	*out = NULL;
	*n = 0;
	if ((d = opendir(s->dir)) == NULL)
		return CM_EIO;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char id[TRANSCRIPT_ID_MAX + 1], idx[TRANSCRIPT_ID_MAX + 8];
		struct stat st;

		if (len <= sl || len - sl > TRANSCRIPT_ID_MAX ||
		    strcmp(de->d_name + len - sl, TR_DATA_SUFFIX) != 0)
			continue;
		memcpy(id, de->d_name, len - sl);
		id[len - sl] = '\0';
		if (!transcript_id_valid(id) ||
		    fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		memcpy(v[cnt].id, id, len - sl + 1);
		v[cnt].mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		v[cnt].bytes = (uint64_t)st.st_size;
		snprintf(idx, sizeof idx, "%s%s", id, TR_IDX_SUFFIX);
		if (fstatat(s->dirfd, idx, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			v[cnt].bytes += (uint64_t)st.st_size;
		cnt++;
	}
	closedir(d);
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < cnt; i++)
		v[i].open = tr_store_is_open_locked(s, v[i].id);
	pthread_mutex_unlock(&s->lock);
	if (cnt > 0)
		qsort(v, cnt, sizeof *v, tr_entry_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

/* Removes a transcript's two files (the index first: the data is the truth). */
static int
tr_store_unlink(struct transcript_store *s, const char *id)
{
	char name[TRANSCRIPT_ID_MAX + 16];

	snprintf(name, sizeof name, "%s%s", id, TR_IDX_SUFFIX);
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return CM_EIO;
	snprintf(name, sizeof name, "%s%s", id, TR_DATA_SUFFIX);
	if (unlinkat(s->dirfd, name, 0) < 0)
		return errno == ENOENT ? CM_ENOENT : CM_EIO;
	return 0;
}

int
transcript_store_prune(struct transcript_store *s, double now)
{
	struct tr_entry *v;
	size_t n;
	uint64_t total = 0;
	int removed = 0;

	if (tr_store_scan(s, &v, &n) < 0)
		return CM_EIO;
	for (size_t i = 0; i < n; i++)
		total += v[i].bytes;
	/* Oldest first: by age, then until the total fits. Recording ones stay. */
	for (size_t i = 0; i < n; i++) {
		int old = s->lim.max_age_s > 0 && now - v[i].mtime > (double)s->lim.max_age_s;
		int big = s->lim.max_total_bytes > 0 && total > s->lim.max_total_bytes;

		if (v[i].open || (!old && !big))
			continue;
		if (tr_store_unlink(s, v[i].id) == 0) {
			log_info("transcript %s removed (%s)", v[i].id, old ? "age" : "total size");
			total -= v[i].bytes;
			removed++;
		}
	}
	free(v);
	return removed;
}

int
transcript_store_delete(struct transcript_store *s, const char *id)
{
	int open;

	if (!transcript_id_valid(id))
		return CM_EBADSESSIONID;
	pthread_mutex_lock(&s->lock);
	open = tr_store_is_open_locked(s, id);
	pthread_mutex_unlock(&s->lock);
	if (open)
		return CM_EBUSY;
	return tr_store_unlink(s, id);
}

int
transcript_store_delete_older(struct transcript_store *s, double age_s, double now, size_t *removed)
{
	struct tr_entry *v;
	size_t n;

	*removed = 0;
	if (!(age_s >= 0) || age_s > 1e10 || !(now > 0) || now > 1e11)
		return CM_EINVAL;
	if (tr_store_scan(s, &v, &n) < 0)
		return CM_EIO;
	for (size_t i = 0; i < n; i++)
		if (!v[i].open && now - v[i].mtime > age_s && tr_store_unlink(s, v[i].id) == 0)
			++*removed;
	free(v);
	return 0;
}

static int
tr_info_cmp(const void *a, const void *b)
{
	const struct transcript_info *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
transcript_store_list(struct transcript_store *s, struct transcript_info **out, size_t *np)
{
	struct tr_entry *v;
	struct transcript_info *info;
	size_t n, k = 0;

	*out = NULL;
	*np = 0;
	if (tr_store_scan(s, &v, &n) < 0)
		return CM_EIO;
	info = xcalloc(n ? n : 1, sizeof *info);
	for (size_t i = 0; i < n; i++) {
		struct tr_reader r;
		struct transcript_info *in = &info[k];

		if (tr_reader_open(s, v[i].id, &r, NULL) < 0)
			continue; /* not (yet) a whole transcript */
		snprintf(in->id, sizeof in->id, "%s", v[i].id);
		in->tool = xstrdup(r.h.tool ? r.h.tool : "");
		in->task = xstrdup(r.h.task ? r.h.task : "");
		in->path = xstrdup(r.h.path ? r.h.path : "");
		in->cols = r.h.cols;
		in->rows = r.h.rows;
		in->start = r.h.start;
		in->end = tr_reader_end(&r);
		in->bytes = v[i].bytes;
		in->recording = v[i].open;
		tr_reader_close(&r);
		k++;
	}
	free(v);
	if (k > 0)
		qsort(info, k, sizeof *info, tr_info_cmp);
	*out = info;
	*np = k;
	return 0;
}

void
transcript_info_free(struct transcript_info *info, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(info[i].tool);
		free(info[i].task);
		free(info[i].path);
	}
	free(info);
}
