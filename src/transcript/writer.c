/*
 * writer: the caller's side of recording (copy into the bounded queue,
 * nothing else) and the one writer thread that turns queued calls into
 * asciicast lines, cuts them into frames, compresses and writes them.
 *
 * Each frame is written with pwrite(2) at the end of the last whole frame,
 * made durable (fdatasync, when limits.sync), then its index record is
 * written. No file stays open between frames, so a thousand recordings do
 * not hold two thousand descriptors. A failed or short write is cut off
 * again (ftruncate), so the file always ends with a whole frame except
 * when the machine stops in the middle of one; reopening cuts that off.
 */
#include "transcript/tr-store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

/* ---- the caller's side ---- */

#define TR_WAKE_BYTES	(256u << 10) /* queued bytes that wake the writer at once */
#define TR_IDLE_WAKE_MS 200	     /* else it looks this often */
#define TR_WRITER_NICE	10	     /* the writer yields the CPU to the loop and tmux */

/* Queues one call; control records (open, close, gap) are never refused. */
static void
tr_enqueue(struct transcript *t, enum tr_rec_kind kind, double time, uint64_t aux, const void *a,
	   size_t alen, const void *b, size_t blen)
{
	struct transcript_store *s = t->s;
	int control = kind == REC_OPEN || kind == REC_CLOSE;
	size_t cost = sizeof(struct tr_rec) + alen + blen;
	struct tr_rec *r, *gap = NULL;

	/* Copied before the lock is taken: the loop holds it for a few pointer moves only. */
	r = xmalloc(cost);
	r->next = NULL;
	r->t = t;
	r->kind = kind;
	r->time = time;
	r->aux = aux;
	r->len = alen + blen;
	r->cost = cost;
	if (alen)
		memcpy(r->data, a, alen);
	if (blen)
		memcpy(r->data + alen, b, blen);

	pthread_mutex_lock(&s->lock);
	if (!control && s->queued + cost > s->lim.queue_bytes) {
		t->dropped += alen + blen;
		s->st.dropped_bytes += alen + blen;
		pthread_mutex_unlock(&s->lock);
		free(r);
		return;
	}
	if (t->dropped > 0 && kind != REC_OPEN) {
		gap = xcalloc(1, sizeof *gap);
		gap->t = t;
		gap->kind = REC_GAP;
		gap->time = time;
		gap->aux = t->dropped;
		gap->cost = sizeof *gap;
		t->dropped = 0;
		*s->tailp = gap;
		s->tailp = &gap->next;
		s->queued += gap->cost;
	}
	*s->tailp = r;
	s->tailp = &r->next;
	s->queued += cost;
	s->st.input_bytes += alen + blen;
	/*
	 * The writer is woken for an open or a close, or once a batch is worth
	 * it; otherwise its own timer (TR_IDLE_WAKE_MS) picks the records up.
	 * A wake per %output (thousands a second in a flood) cost the loop a
	 * third of its throughput on two cores in context switches.
	 */
	if (s->waiting && (control || s->queued >= TR_WAKE_BYTES))
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* Appends the header line of a new recording: asciicast v2 plus cm_ fields. */
static void
tr_header_line(struct buf *b, const char *id, const struct transcript_meta *m)
{
	buf_printf(b, "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld",
		   m->cols > 0 ? m->cols : 80, m->rows > 0 ? m->rows : 24,
		   (long long)floor(m->start));
	if (m->task != NULL && *m->task) {
		buf_append_str(b, ", \"title\": ");
		tr_json_string(b, m->task, strlen(m->task), NULL);
	}
	buf_append_str(b, ", \"env\": {\"TERM\": \"xterm-256color\"}, \"cm_session\": ");
	tr_json_string(b, id, strlen(id), NULL);
	buf_printf(b, ", \"cm_start\": %.6f", m->start);
	if (m->tool != NULL) {
		buf_append_str(b, ", \"cm_tool\": ");
		tr_json_string(b, m->tool, strnlen(m->tool, 256), NULL);
	}
	if (m->task != NULL) {
		buf_append_str(b, ", \"cm_task\": ");
		tr_json_string(b, m->task, strnlen(m->task, 4096), NULL);
	}
	if (m->path != NULL) {
		buf_append_str(b, ", \"cm_path\": ");
		tr_json_string(b, m->path, strnlen(m->path, 4096), NULL);
	}
	buf_append_str(b, "}\n");
}

int
transcript_open(struct transcript_store *s, const char *id, const struct transcript_meta *meta,
		struct transcript **out)
{
	struct transcript *t;
	struct buf hdr;
	int busy;

	*out = NULL;
	if (!transcript_id_valid(id))
		return CM_EBADSESSIONID;
	if (meta == NULL || !isfinite(meta->start) || meta->start < 0 || meta->start > 1e11 ||
	    meta->cols < 0 || meta->rows < 0 || meta->cols > 10000 || meta->rows > 10000)
		return CM_EINVAL;
	t = xcalloc(1, sizeof *t);
	t->s = s;
	snprintf(t->id, sizeof t->id, "%s", id);
	pthread_mutex_lock(&s->lock);
	if (!(busy = tr_store_is_open_locked(s, id))) {
		t->open_next = s->open;
		s->open = t;
		s->st.open++;
	}
	pthread_mutex_unlock(&s->lock);
	if (busy) {
		free(t);
		return CM_EBUSY;
	}
	buf_init(&hdr, 64 * 1024);
	tr_header_line(&hdr, id, meta);
	tr_enqueue(t, REC_OPEN, meta->start, (uint64_t)meta->cols << 32 | (uint32_t)meta->rows,
		   hdr.data, hdr.len, NULL, 0);
	buf_release(&hdr);
	*out = t;
	return 0;
}

void
transcript_output(struct transcript *t, double time, const void *data, size_t len)
{
	if (t != NULL && len > 0)
		tr_enqueue(t, REC_OUTPUT, time, 0, data, len, NULL, 0);
}

void
transcript_resize(struct transcript *t, double time, int cols, int rows)
{
	if (t != NULL && cols > 0 && rows > 0 && cols <= 10000 && rows <= 10000)
		tr_enqueue(t, REC_RESIZE, time, (uint64_t)cols << 32 | (uint32_t)rows, NULL, 0,
			   NULL, 0);
}

void
transcript_input(struct transcript *t, double time, const char *who, const void *data, size_t len)
{
	size_t wlen;

	if (t == NULL || len == 0)
		return;
	who = who ? who : "";
	wlen = strnlen(who, 128);
	tr_enqueue(t, REC_INPUT, time, wlen, who, wlen, data, len);
}

void
transcript_marker(struct transcript *t, double time, const char *label)
{
	if (t != NULL && label != NULL)
		tr_enqueue(t, REC_MARKER, time, 0, label, strnlen(label, 1024), NULL, 0);
}

void
transcript_close(struct transcript *t, double time)
{
	if (t != NULL)
		tr_enqueue(t, REC_CLOSE, time, 0, NULL, 0, NULL, 0);
}

void
transcript_store_flush(struct transcript_store *s)
{
	uint64_t want;

	pthread_mutex_lock(&s->lock);
	want = ++s->flush_req;
	pthread_cond_signal(&s->wake);
	while (s->flush_done < want)
		pthread_cond_wait(&s->flushed, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void
transcript_store_close(struct transcript_store *s)
{
	if (s == NULL)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
	}
	for (struct tr_rec *r = s->head, *next; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	ZSTD_freeCCtx(s->cctx);
	free(s->zbuf);
	close(s->pipe[0]);
	close(s->pipe[1]);
	close(s->dirfd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->flushed);
	free(s->dir);
	free(s);
}

/* ---- the writer thread ---- */

static int
tr_openat(struct transcript_store *s, const char *id, const char *suffix, int flags)
{
	char name[TRANSCRIPT_ID_MAX + 16];

	snprintf(name, sizeof name, "%s%s", id, suffix);
	return openat(s->dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int
tr_pwrite(int fd, const void *p, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(fd, (const char *)p + done, n - done, (off_t)(off + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

/* Free bytes for us on the store's file system, or UINT64_MAX if unknown. */
static uint64_t
tr_free_bytes(struct transcript_store *s)
{
	struct statvfs v;

	if (fstatvfs(s->dirfd, &v) < 0)
		return UINT64_MAX;
	return (uint64_t)v.f_bavail * v.f_frsize;
}

static void
tr_set_full(struct transcript_store *s, const char *why)
{
	if (s->full)
		return;
	s->full = 1;
	s->full_check_ms = time_mono_ms();
	pthread_mutex_lock(&s->lock);
	s->st.disk_full = 1;
	pthread_mutex_unlock(&s->lock);
	log_warn("transcripts: recording stopped in %s: %s", s->dir, why);
	tr_store_post(s, TRANSCRIPT_EV_DISK_FULL, NULL, 0, "recording stopped: %s", why);
}

/* While full, looks for room again (at most once a second). */
static void
tr_check_room(struct transcript_store *s, int force)
{
	uint64_t now = time_mono_ms();

	if (!s->full || (!force && now - s->full_check_ms < 1000))
		return;
	s->full_check_ms = now;
	if (tr_free_bytes(s) < s->lim.min_free_bytes + 2 * s->lim.frame_bytes)
		return;
	s->full = 0;
	pthread_mutex_lock(&s->lock);
	s->st.disk_full = 0;
	pthread_mutex_unlock(&s->lock);
	log_info("transcripts: recording resumed in %s", s->dir);
	tr_store_post(s, TRANSCRIPT_EV_RESUMED, NULL, 0, "recording resumed");
}

static void
tr_lose(struct transcript *t, uint64_t n)
{
	t->lost += n;
	pthread_mutex_lock(&t->s->lock);
	t->s->st.lost_bytes += n;
	pthread_mutex_unlock(&t->s->lock);
}

/* Writes the index file's header and every record of f (an index rebuilt). */
static void
tr_write_index(struct transcript *t, const struct tr_file *f)
{
	struct buf b;
	unsigned char rec[TR_REC_SIZE], hdr[TR_IDX_HDR] = {0};
	char *path;

	buf_init(&b, (size_t)-1);
	memcpy(hdr, TR_IDX_MAGIC, 8);
	hdr[8] = TR_REC_SIZE;
	buf_append(&b, hdr, sizeof hdr);
	for (size_t i = 0; i < f->n; i++) {
		tr_rec_encode(&f->frames[i], rec);
		buf_append(&b, rec, sizeof rec);
	}
	path = xasprintf("%s/%s%s", t->s->dir, t->id, TR_IDX_SUFFIX);
	if (fs_write_atomic_nosync(path, b.data, b.len) < 0)
		log_warn("transcript %s: cannot write its index", t->id);
	free(path);
	buf_release(&b);
}

/* Compresses pending into one frame and appends it with its index record. */
static int
tr_write_frame(struct transcript *t, const char *text, size_t len, uint64_t first, uint64_t last,
	       uint32_t events)
{
	struct transcript_store *s = t->s;
	ZSTD_inBuffer in = {text, len, 0};
	ZSTD_outBuffer out;
	struct tr_frame fr;
	unsigned char rec[TR_REC_SIZE];
	size_t left;
	int fd, rc;

	if (ZSTD_compressBound(len) > s->zcap) {
		s->zcap = ZSTD_compressBound(len);
		s->zbuf = xrealloc(s->zbuf, s->zcap);
	}
	out = (ZSTD_outBuffer){s->zbuf, s->zcap, 0};
	ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_only);
	ZSTD_CCtx_setPledgedSrcSize(s->cctx, len);
	do {
		left = ZSTD_compressStream2(s->cctx, &out, &in, ZSTD_e_end);
		if (ZSTD_isError(left))
			return CM_EINTERNAL;
	} while (left != 0);

	if (s->lim.min_free_bytes > 0 && tr_free_bytes(s) < s->lim.min_free_bytes + out.pos) {
		tr_set_full(s, "free space below the minimum");
		return CM_ELIMIT;
	}
	if ((fd = tr_openat(s, t->id, TR_DATA_SUFFIX, O_WRONLY)) < 0) {
		tr_store_post(s, TRANSCRIPT_EV_IO_ERROR, t->id, 0, "cannot open: %s",
			      strerror(errno));
		return CM_EIO;
	}
	rc = tr_pwrite(fd, out.dst, out.pos, t->size);
	if (rc == 0 && s->lim.sync && fdatasync(fd) < 0)
		rc = -errno;
	if (rc < 0) {
		/* Take the partial frame back: the file ends with a whole frame. */
		if (ftruncate(fd, (off_t)t->size) < 0)
			log_warn("transcript %s: cannot cut a torn frame", t->id);
		close(fd);
		if (rc == -ENOSPC || rc == -EDQUOT) {
			tr_set_full(s, strerror(-rc));
			return CM_ELIMIT;
		}
		log_warn("transcript %s: write failed: %s", t->id, strerror(-rc));
		tr_store_post(s, TRANSCRIPT_EV_IO_ERROR, t->id, 0, "write failed: %s",
			      strerror(-rc));
		return CM_EIO;
	}
	close(fd);
	fr = (struct tr_frame){t->size, (uint32_t)out.pos, (uint32_t)len, first, last, events};
	tr_rec_encode(&fr, rec);
	if ((fd = tr_openat(s, t->id, TR_IDX_SUFFIX, O_WRONLY)) >= 0) {
		/* A missing record is found again from the data: no need to fail. */
		if (tr_pwrite(fd, rec, sizeof rec, TR_IDX_HDR + t->nframes * TR_REC_SIZE) < 0)
			log_debug("transcript %s: index record not written", t->id);
		close(fd);
	}
	t->size += out.pos;
	t->nframes++;
	pthread_mutex_lock(&s->lock);
	s->st.written_bytes += out.pos;
	s->st.frames++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void
tr_line_begin(struct buf *b, uint64_t us, char code)
{
	buf_printf(b, "[%llu.%06llu, \"%c\", ", (unsigned long long)(us / 1000000),
		   (unsigned long long)(us % 1000000), code);
}

/* Frames the pending lines (dropping them while the disk is full). */
static void
tr_flush(struct transcript *t)
{
	struct transcript_store *s = t->s;

	if (t->pending.len == 0 || !t->ready)
		return;
	tr_check_room(s, 0);
	if (!s->full && t->header != NULL) {
		if (tr_write_frame(t, t->header, t->header_len, 0, 0, 0) == 0) {
			free(t->header);
			t->header = NULL;
		}
	}
	if (t->header != NULL) { /* no header yet: nothing else may be written */
		tr_lose(t, t->pending.len);
		buf_reset(&t->pending);
		t->p_events = 0;
		return;
	}
	if (!s->full && t->lost > 0) {
		/* Say where the hole is, before what follows it. */
		struct buf note;

		buf_init(&note, (size_t)-1);
		tr_line_begin(&note, t->p_first, 'm');
		buf_printf(&note, "\"gap: %llu bytes not recorded (disk full or write error)\"]\n",
			   (unsigned long long)t->lost);
		buf_append(&note, t->pending.data, t->pending.len);
		buf_reset(&t->pending);
		buf_append(&t->pending, note.data, note.len);
		buf_release(&note);
		t->p_events++;
		t->lost = 0;
	}
	if (s->full || tr_write_frame(t, t->pending.data, t->pending.len, t->p_first, t->p_last,
				      t->p_events) < 0)
		tr_lose(t, t->pending.len);
	buf_reset(&t->pending);
	t->p_events = 0;
}

/* Adds one whole line at time us; cuts a frame when it is big enough. */
static void
tr_add_line(struct transcript *t, uint64_t us, const struct buf *line)
{
	if (t->pending.len == 0) {
		t->p_first = us;
		t->p_since_ms = time_mono_ms();
	}
	buf_append(&t->pending, line->data, line->len);
	t->p_last = us;
	t->p_events++;
	if (t->pending.len >= t->s->lim.frame_bytes)
		tr_flush(t);
}

static uint64_t
tr_rel_us(struct transcript *t, double time)
{
	double d = (time - t->start) * 1e6;
	uint64_t us = isfinite(d) && d > 0 ? (d > 1e17 ? (uint64_t)1e17 : (uint64_t)d) : 0;

	/* asciicast times never go back, whatever the clock did. */
	if (us < t->last_us)
		us = t->last_us;
	t->last_us = us;
	return us;
}

static void
tr_event(struct transcript *t, uint64_t us, char code, const void *data, size_t len,
	 struct tr_utf8_carry *carry)
{
	struct buf line;

	buf_init(&line, (size_t)-1);
	tr_line_begin(&line, us, code);
	tr_json_string(&line, data, len, carry);
	buf_append(&line, "]\n", 2);
	tr_add_line(t, us, &line);
	buf_release(&line);
}

/* Opens (or reopens and repairs) the data file; writes the header if new. */
static void
tr_w_open(struct transcript *t, struct tr_rec *r)
{
	struct transcript_store *s = t->s;
	int dfd, ifd;
	struct stat st;
	struct tr_file f;
	unsigned char hdr[TR_IDX_HDR] = {0};
	char resize[32];

	buf_init(&t->pending, (size_t)-1);
	t->start = r->time;
	dfd = tr_openat(s, t->id, TR_DATA_SUFFIX, O_RDWR | O_CREAT);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		tr_store_post(s, TRANSCRIPT_EV_IO_ERROR, t->id, 0, "cannot open: %s",
			      strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return;
	}
	if (st.st_size > 0) {
		const char *text;
		size_t len;
		struct tr_header h;

		ifd = tr_openat(s, t->id, TR_IDX_SUFFIX, O_RDONLY);
		tr_file_load(&f, dfd, ifd);
		if (ifd >= 0)
			close(ifd);
		if (f.n > 0 && tr_file_frame(&f, 0, &text, &len) == 0 &&
		    tr_header_parse(text, len, &h) == 0) {
			if (f.valid_end < f.size) {
				log_warn("transcript %s: torn last frame cut (%llu bytes)", t->id,
					 (unsigned long long)(f.size - f.valid_end));
				if (ftruncate(dfd, (off_t)f.valid_end) < 0)
					log_warn("transcript %s: cannot cut it", t->id);
			}
			t->start = h.start;
			t->last_us = f.frames[f.n - 1].t_last;
			t->size = f.valid_end;
			t->nframes = f.n;
			tr_header_release(&h);
			tr_write_index(t, &f);
			tr_file_release(&f);
			close(dfd);
			t->ready = 1;
			tr_event(t, tr_rel_us(t, r->time), 'm', "reopened", 8, NULL);
			snprintf(resize, sizeof resize, "%llux%llu",
				 (unsigned long long)(r->aux >> 32),
				 (unsigned long long)(r->aux & 0xffffffffu));
			if (r->aux >> 32 && (r->aux & 0xffffffffu))
				tr_event(t, t->last_us, 'r', resize, strlen(resize), NULL);
			return;
		}
		/* Not even a header: start again. */
		tr_file_release(&f);
		log_warn("transcript %s: no readable header, recording anew", t->id);
		if (ftruncate(dfd, 0) < 0) {
			close(dfd);
			return;
		}
	}
	close(dfd);
	memcpy(hdr, TR_IDX_MAGIC, 8);
	hdr[8] = TR_REC_SIZE;
	ifd = tr_openat(s, t->id, TR_IDX_SUFFIX, O_WRONLY | O_CREAT | O_TRUNC);
	if (ifd >= 0) {
		if (tr_pwrite(ifd, hdr, sizeof hdr, 0) < 0)
			log_debug("transcript %s: index header not written", t->id);
		close(ifd);
	}
	t->size = 0;
	t->nframes = 0;
	/*
	 * The header is a frame of its own: listing reads only that one. If it
	 * cannot be written now (a full disk), it is kept and written before
	 * the first frame that can be.
	 */
	t->ready = 1;
	if (tr_write_frame(t, r->data, r->len, 0, 0, 0) < 0)
		t->header = xmemdup(r->data, r->len), t->header_len = r->len;
}

static void
tr_w_free(struct transcript *t)
{
	struct transcript_store *s = t->s;
	struct transcript **pp;

	for (pp = &s->live; *pp != NULL; pp = &(*pp)->w_next)
		if (*pp == t) {
			*pp = t->w_next;
			break;
		}
	pthread_mutex_lock(&s->lock);
	for (pp = &s->open; *pp != NULL; pp = &(*pp)->open_next)
		if (*pp == t) {
			*pp = t->open_next;
			s->st.open--;
			break;
		}
	pthread_mutex_unlock(&s->lock);
	buf_release(&t->pending);
	free(t->header);
	free(t);
	tr_store_wake(s); /* a reader may wait for this transcript to be whole */
}

static void
tr_w_record(struct tr_rec *r)
{
	struct transcript *t = r->t;
	char label[64];
	uint64_t us;

	if (r->kind == REC_OPEN) {
		t->w_next = t->s->live;
		t->s->live = t;
		tr_w_open(t, r);
		tr_store_opened(t); /* a reader may wait for its file */
		return;
	}
	if (!t->ready) {
		if (r->kind == REC_CLOSE)
			tr_w_free(t);
		else
			tr_lose(t, r->len);
		return;
	}
	us = tr_rel_us(t, r->time);
	switch (r->kind) {
	case REC_OUTPUT:
		for (size_t off = 0; off < r->len; off += TR_PIECE_MAX) {
			size_t n = r->len - off < TR_PIECE_MAX ? r->len - off : TR_PIECE_MAX;

			tr_event(t, us, 'o', r->data + off, n, &t->carry_o);
		}
		break;
	case REC_INPUT:
		snprintf(label, sizeof label, "input:%.*s", (int)r->aux, r->data);
		tr_event(t, us, 'm', label, strlen(label), NULL);
		for (size_t off = r->aux; off < r->len; off += TR_PIECE_MAX) {
			size_t n = r->len - off < TR_PIECE_MAX ? r->len - off : TR_PIECE_MAX;

			tr_event(t, us, 'i', r->data + off, n, &t->carry_i);
		}
		break;
	case REC_RESIZE:
		snprintf(label, sizeof label, "%llux%llu", (unsigned long long)(r->aux >> 32),
			 (unsigned long long)(r->aux & 0xffffffffu));
		tr_event(t, us, 'r', label, strlen(label), NULL);
		break;
	case REC_MARKER:
		tr_event(t, us, 'm', r->data, r->len, NULL);
		break;
	case REC_GAP:
		snprintf(label, sizeof label, "gap: %llu bytes not recorded (queue full)",
			 (unsigned long long)r->aux);
		tr_event(t, us, 'm', label, strlen(label), NULL);
		tr_store_post(t->s, TRANSCRIPT_EV_DROPPED, t->id, r->aux,
			      "%llu bytes not recorded: the queue was full",
			      (unsigned long long)r->aux);
		break;
	case REC_CLOSE:
		tr_event(t, us, 'm', "closed", 6, NULL);
		tr_flush(t);
		tr_w_free(t);
		break;
	case REC_OPEN:
		break;
	}
}

/* Frames every recording whose oldest pending line is old enough (all: force). */
static uint64_t
tr_flush_due(struct transcript_store *s, int force)
{
	uint64_t now = time_mono_ms(), next = UINT64_MAX;

	for (struct transcript *t = s->live; t != NULL; t = t->w_next) {
		uint64_t due;

		if (t->pending.len == 0)
			continue;
		due = t->p_since_ms + s->lim.frame_interval_ms;
		if (force || due <= now)
			tr_flush(t);
		else if (due < next)
			next = due;
	}
	return next;
}

void *
tr_writer_main(void *arg)
{
	struct transcript_store *s = arg;
	uint64_t next = UINT64_MAX;

	s->prune_ms = time_mono_ms();
	/*
	 * Recording is background work: on a busy machine the loop and tmux
	 * come first (the queue absorbs a burst; what does not fit is a gap).
	 * On Linux a thread's nice value is its own.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), TR_WRITER_NICE) < 0)
		log_debug("transcripts: the writer keeps the loop's priority: %s", strerror(errno));
	for (;;) {
		struct tr_rec *batch;
		uint64_t req, cost = 0, now;
		int stopping;

		pthread_mutex_lock(&s->lock);
		if (s->head == NULL && !s->stop && s->flush_req == s->flush_done) {
			uint64_t now_ms = time_mono_ms(), wait_ms = TR_IDLE_WAKE_MS;
			struct timespec ts;

			if (next != UINT64_MAX)
				wait_ms = next <= now_ms		    ? 0
					  : next - now_ms > TR_IDLE_WAKE_MS ? TR_IDLE_WAKE_MS
									    : next - now_ms;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(wait_ms / 1000);
			ts.tv_nsec += (long)(wait_ms % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			s->waiting = 1;
			pthread_cond_timedwait(&s->wake, &s->lock, &ts);
			s->waiting = 0;
		}
		batch = s->head;
		s->head = NULL;
		s->tailp = &s->head;
		req = s->flush_req;
		stopping = s->stop;
		pthread_mutex_unlock(&s->lock);

		while (batch != NULL) {
			struct tr_rec *r = batch;

			batch = r->next;
			cost += r->cost;
			tr_w_record(r);
			free(r);
		}
		tr_check_room(s, 0);
		next = tr_flush_due(s, stopping || req != s->flush_done);
		now = time_mono_ms();
		if (s->lim.prune_interval_s > 0 &&
		    now - s->prune_ms >= (uint64_t)s->lim.prune_interval_s * 1000) {
			s->prune_ms = now;
			transcript_store_prune(s, time_wall());
		}

		pthread_mutex_lock(&s->lock);
		s->queued -= cost;
		if (req != s->flush_done) {
			s->flush_done = req;
			pthread_cond_broadcast(&s->flushed);
		}
		if (stopping && s->head == NULL) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_unlock(&s->lock);
	}
	/* Recordings never closed by their owner are closed with the store. */
	while (s->live != NULL) {
		struct transcript *t = s->live;

		if (t->ready) {
			tr_event(t, tr_rel_us(t, time_wall()), 'm', "closed", 6, NULL);
			tr_flush(t);
		}
		tr_w_free(t);
	}
	return NULL;
}
