/*
 * reader: a time range or the tail of one transcript, as asciicast lines,
 * raw output or text, in bounded chunks. Only the frames whose times meet
 * the range are decompressed (the index is binary-searched); a frame that
 * does not decompress is counted and skipped.
 */
#include "transcript/tr-store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

#define TR_READ_DEFAULT (16u << 20)
#define TR_READ_MAX	(256u << 20)
#define TR_CHUNK_MAX	(1u << 20)

int
tr_reader_open(struct transcript_store *s, const char *id, struct tr_reader *r,
	       char why[TRANSCRIPT_WHY_MAX])
{
	char name[TRANSCRIPT_ID_MAX + 16];
	const char *text;
	size_t len;
	int dfd, ifd;

	memset(r, 0, sizeof *r);
	if (!transcript_id_valid(id)) {
		tr_why(why, "invalid transcript id (expected cm-N or cm-N-N)");
		return CM_EBADSESSIONID;
	}
	snprintf(r->id, sizeof r->id, "%s", id);
	snprintf(name, sizeof name, "%s%s", id, TR_DATA_SUFFIX);
	if ((dfd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		tr_why(why, "no transcript %s", id);
		return errno == ENOENT ? CM_ENOENT : CM_EIO;
	}
	snprintf(name, sizeof name, "%s%s", id, TR_IDX_SUFFIX);
	ifd = openat(s->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	tr_file_load(&r->f, dfd, ifd);
	if (ifd >= 0)
		close(ifd);
	if (r->f.n == 0 || tr_file_frame(&r->f, 0, &text, &len) < 0 ||
	    tr_header_parse(text, len, &r->h) < 0) {
		tr_why(why, "transcript %s has no readable header", id);
		tr_reader_close(r);
		return CM_EIO;
	}
	return 0;
}

void
tr_reader_close(struct tr_reader *r)
{
	if (r->f.dfd > 0)
		close(r->f.dfd);
	tr_file_release(&r->f);
	tr_header_release(&r->h);
}

size_t
tr_reader_seek(const struct tr_reader *r, uint64_t t_us)
{
	size_t lo = 1, hi = r->f.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->f.frames[mid].t_last < t_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t
tr_reader_rel(const struct tr_reader *r, double wall)
{
	double d = (wall - r->h.start) * 1e6;

	if (!(d > 0))
		return 0;
	return d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
}

double
tr_reader_end(const struct tr_reader *r)
{
	return r->h.start + (double)r->f.frames[r->f.n - 1].t_last / 1e6;
}

/* The output being assembled into chunks for the callback. */
struct tr_out {
	struct buf b;
	double time; /* of the first byte in b */
	size_t chunk;
	transcript_chunk_cb cb;
	void *arg;
	struct transcript_read_result *res;
	int stopped;
	int resume; /* a continued read: no header */
};

static int
tr_out_flush(struct tr_out *o)
{
	size_t off = 0;

	while (off < o->b.len && !o->stopped) {
		size_t n = o->b.len - off < o->chunk ? o->b.len - off : o->chunk;

		if (o->cb(o->arg, o->time, o->b.data + off, n) != 0)
			o->stopped = 1;
		o->res->bytes += n;
		off += n;
	}
	buf_reset(&o->b);
	return o->stopped;
}

static int
tr_out_add(struct tr_out *o, double time, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (o->b.len == 0)
		o->time = time;
	buf_append(&o->b, p, n);
	return o->b.len >= o->chunk ? tr_out_flush(o) : 0;
}

static int
tr_read_opts(const struct transcript_read_opts *opts, size_t *max, size_t *chunk,
	     char why[TRANSCRIPT_WHY_MAX])
{
	if (opts == NULL || opts->mode < TRANSCRIPT_CAST || opts->mode > TRANSCRIPT_TEXT) {
		tr_why(why, "unknown read mode");
		return CM_EINVAL;
	}
	*max = opts->max_bytes ? opts->max_bytes : TR_READ_DEFAULT;
	*chunk = opts->chunk_bytes ? opts->chunk_bytes : 64u << 10;
	if (*max > TR_READ_MAX || *max < (64u << 10)) {
		tr_why(why, "max_bytes must be between 64 KiB and 256 MiB");
		return CM_ELIMIT;
	}
	if (*chunk > TR_CHUNK_MAX || *chunk < 256) {
		tr_why(why, "chunk_bytes must be between 256 bytes and 1 MiB");
		return CM_ELIMIT;
	}
	return 0;
}

/* Delivers the events of r between from_us and to_us (inclusive). */
static int
tr_read_range(struct tr_reader *r, uint64_t from_us, uint64_t to_us, uint32_t skip,
	      enum transcript_mode mode, size_t max, struct tr_out *o)
{
	uint64_t last_us = UINT64_MAX; /* time of the last event delivered */
	uint32_t same = 0;	       /* events delivered at last_us */
	struct transcript_read_result *res = o->res;
	struct tr_strip strip = {0, 0};
	struct buf data, text;
	const char *ftext;
	size_t flen;

	buf_init(&data, (size_t)-1);
	buf_init(&text, (size_t)-1);
	res->start = r->h.start;
	res->end = tr_reader_end(r);
	res->frames_torn = (unsigned)(r->f.valid_end < r->f.size);
	if (mode == TRANSCRIPT_CAST && !o->resume) {
		/* The header is frame 0, already read by tr_reader_open(). */
		if (tr_file_frame(&r->f, 0, &ftext, &flen) == 0)
			tr_out_add(o, r->h.start, ftext, flen);
	}
	for (size_t i = tr_reader_seek(r, from_us); i < r->f.n && !o->stopped; i++) {
		const char *p, *end;

		if (r->f.frames[i].t_first > to_us)
			break;
		if (tr_file_frame(&r->f, i, &ftext, &flen) < 0) {
			res->frames_torn++;
			continue;
		}
		for (p = ftext, end = ftext + flen; p < end && !o->stopped;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			struct tr_event ev;
			double wall;
			const char *out = NULL;
			size_t outlen = 0;

			if (tr_event_parse(p, (size_t)(le - p), &ev, &data) < 0 ||
			    ev.t_us < from_us) {
				p = nl ? nl + 1 : end;
				continue;
			}
			if (ev.t_us > to_us)
				goto done;
			if (skip > 0 && ev.t_us == from_us) {
				skip--; /* delivered by the read this one continues */
				same++;
				last_us = ev.t_us;
				p = nl ? nl + 1 : end;
				continue;
			}
			wall = r->h.start + (double)ev.t_us / 1e6;
			if (mode == TRANSCRIPT_CAST) {
				out = p;
				outlen = (size_t)(le - p) + (nl != NULL);
			} else if (ev.code == 'o' && mode == TRANSCRIPT_RAW) {
				out = data.data;
				outlen = data.len;
			} else if (ev.code == 'o') {
				buf_reset(&text);
				tr_strip_feed(&strip, data.data, data.len, &text);
				out = text.data;
				outlen = text.len;
			}
			if (res->bytes + o->b.len + outlen > max) {
				res->truncated = 1;
				res->next_from = wall;
				res->next_us = ev.t_us;
				res->next_skip = ev.t_us == last_us ? same : 0;
				goto done;
			}
			if (ev.t_us != last_us)
				last_us = ev.t_us, same = 0;
			same++;
			tr_out_add(o, wall, out, outlen);
			p = nl ? nl + 1 : end;
		}
	}
done:
	if (!o->stopped)
		tr_out_flush(o);
	res->frames_read = r->f.decompressed;
	buf_release(&data);
	buf_release(&text);
	return 0;
}

static int
tr_read(struct transcript_store *s, const char *id, int tail, double seconds,
	const struct transcript_read_opts *opts, transcript_chunk_cb cb, void *arg,
	struct transcript_read_result *res, char why[TRANSCRIPT_WHY_MAX])
{
	struct tr_reader r;
	struct tr_out o;
	uint64_t from_us, to_us;
	size_t max, chunk;
	int rc;

	memset(res, 0, sizeof *res);
	if ((rc = tr_read_opts(opts, &max, &chunk, why)) < 0)
		return rc;
	if (tail && (!isfinite(seconds) || seconds < 0)) {
		tr_why(why, "the tail's length must be a number of seconds >= 0");
		return CM_EINVAL;
	}
	if (!tail &&
	    (isnan(opts->from) || isnan(opts->to) || opts->from < 0 || opts->to < opts->from)) {
		tr_why(why, "bad time range: need 0 <= from <= to");
		return CM_EINVAL;
	}
	if ((rc = tr_reader_open(s, id, &r, why)) < 0)
		return rc;
	if (!tail && opts->resume) {
		from_us = opts->resume_us;
		to_us = isinf(opts->to) ? UINT64_MAX : tr_reader_rel(&r, opts->to);
	} else if (tail) {
		double end = tr_reader_end(&r);

		from_us = tr_reader_rel(&r, end - seconds);
		to_us = UINT64_MAX;
	} else {
		from_us = tr_reader_rel(&r, opts->from);
		to_us = isinf(opts->to) ? UINT64_MAX : tr_reader_rel(&r, opts->to);
		if (opts->to < r.h.start)
			from_us = 1, to_us = 0; /* before the recording: nothing */
	}
	memset(&o, 0, sizeof o);
	buf_init(&o.b, (size_t)-1);
	o.chunk = chunk;
	o.cb = cb;
	o.arg = arg;
	o.res = res;
	o.resume = !tail && opts->resume;
	tr_read_range(&r, from_us, to_us, o.resume ? opts->resume_skip : 0, opts->mode, max, &o);
	buf_release(&o.b);
	tr_reader_close(&r);
	return 0;
}

int
transcript_read(struct transcript_store *s, const char *id, const struct transcript_read_opts *opts,
		transcript_chunk_cb cb, void *arg, struct transcript_read_result *res,
		char why[TRANSCRIPT_WHY_MAX])
{
	return tr_read(s, id, 0, 0, opts, cb, arg, res, why);
}

int
transcript_tail(struct transcript_store *s, const char *id, double seconds,
		const struct transcript_read_opts *opts, transcript_chunk_cb cb, void *arg,
		struct transcript_read_result *res, char why[TRANSCRIPT_WHY_MAX])
{
	return tr_read(s, id, 1, seconds, opts, cb, arg, res, why);
}
