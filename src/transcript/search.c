/*
 * search: a POSIX extended regular expression over the text (escapes
 * removed) of one, several or every transcript, line by line. Work is
 * bounded three ways: matches returned, bytes of text scanned, time spent.
 * Back-references are refused (they make matching exponential); lines are
 * cut at 1024 bytes, so one regexec() never sees more than that.
 */
#include "transcript/tr-store.h"

#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

#define TR_PATTERN_MAX 1024
#define TR_LINE_CUT    1024
#define TR_MATCHES_MAX 10000
#define TR_IDS_MAX     10000

struct tr_search {
	regex_t re;
	const struct transcript_search_opts *opts;
	size_t max_matches;
	uint64_t max_bytes, deadline_ms;
	transcript_match_cb cb;
	void *arg;
	struct transcript_search_result *res;
	struct buf line;
	double line_time;
	int stop;
};

static void
tr_search_stop(struct tr_search *q, const char *why)
{
	q->stop = 1;
	q->res->truncated = 1;
	q->res->stopped_by = why;
}

static void
tr_search_line(struct tr_search *q, const char *id)
{
	struct transcript_match m;

	if (q->line.len == 0 || q->stop)
		return;
	if (regexec(&q->re, q->line.data, 0, NULL, 0) == 0) {
		m.id = id;
		m.time = q->line_time;
		m.line = q->line.data;
		q->res->matches++;
		if (q->cb(q->arg, &m) != 0)
			q->stop = 1;
		else if (q->res->matches >= q->max_matches)
			tr_search_stop(q, "max_matches");
	}
	buf_reset(&q->line);
}

/* Splits text into lines, matching each whole one. */
static void
tr_search_text(struct tr_search *q, const char *id, double time, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end && !q->stop) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t take = (size_t)(le - p);

		if (q->line.len == 0)
			q->line_time = time;
		if (take > TR_LINE_CUT - q->line.len)
			take = TR_LINE_CUT - q->line.len;
		buf_append(&q->line, p, take);
		p += take;
		if (q->line.len >= TR_LINE_CUT || (p < end && *p == '\n')) {
			tr_search_line(q, id);
			if (p < end && *p == '\n')
				p++;
		}
	}
}

static void
tr_search_one(struct tr_search *q, struct transcript_store *s, const char *id)
{
	struct tr_reader r;
	struct tr_strip strip = {0, 0};
	struct buf data, text;
	uint64_t from_us, to_us;
	unsigned lines = 0;

	if (tr_reader_open(s, id, &r, NULL) < 0)
		return;
	q->res->transcripts++;
	from_us = tr_reader_rel(&r, q->opts->from);
	to_us = isinf(q->opts->to) ? UINT64_MAX : tr_reader_rel(&r, q->opts->to);
	if (q->opts->to < r.h.start)
		goto out0;
	buf_init(&data, (size_t)-1);
	buf_init(&text, (size_t)-1);
	buf_reset(&q->line);
	for (size_t i = tr_reader_seek(&r, from_us); i < r.f.n && !q->stop; i++) {
		const char *ft, *p, *end;
		size_t fl;

		if (r.f.frames[i].t_first > to_us)
			break;
		if (time_mono_ms() > q->deadline_ms) {
			tr_search_stop(q, "max_ms");
			break;
		}
		if (tr_file_frame(&r.f, i, &ft, &fl) < 0)
			continue;
		for (p = ft, end = ft + fl; p < end && !q->stop;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			struct tr_event ev;

			if (tr_event_parse(p, (size_t)(le - p), &ev, &data) == 0 &&
			    ev.code == 'o' && ev.t_us >= from_us) {
				if (ev.t_us > to_us) {
					i = r.f.n;
					break;
				}
				if (q->res->bytes_scanned + data.len > q->max_bytes) {
					tr_search_stop(q, "max_bytes");
					break;
				}
				q->res->bytes_scanned += data.len;
				buf_reset(&text);
				tr_strip_feed(&strip, data.data, data.len, &text);
				tr_search_text(q, r.id, r.h.start + (double)ev.t_us / 1e6,
					       text.data ? text.data : "", text.len);
				if ((++lines & 255) == 0 && time_mono_ms() > q->deadline_ms)
					tr_search_stop(q, "max_ms");
			}
			p = nl ? nl + 1 : end;
		}
	}
	tr_search_line(q, r.id); /* the last line, without its newline */
	buf_release(&data);
	buf_release(&text);
out0:
	tr_reader_close(&r);
}

/* Refuses what regcomp() would accept but we do not want to run. */
static int
tr_pattern_ok(const char *pat, char why[TRANSCRIPT_WHY_MAX])
{
	size_t n;

	if (pat == NULL || *pat == '\0') {
		tr_why(why, "empty regular expression");
		return 0;
	}
	if ((n = strnlen(pat, TR_PATTERN_MAX + 1)) > TR_PATTERN_MAX) {
		tr_why(why, "regular expression longer than %d bytes", TR_PATTERN_MAX);
		return 0;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		if (pat[i] != '\\')
			continue;
		if (pat[i + 1] >= '1' && pat[i + 1] <= '9') {
			tr_why(why, "back-references are not supported");
			return 0;
		}
		i++;
	}
	return 1;
}

int
transcript_search(struct transcript_store *s, const char *const *ids, size_t nids,
		  const struct transcript_search_opts *opts, transcript_match_cb cb, void *arg,
		  struct transcript_search_result *res, char why[TRANSCRIPT_WHY_MAX])
{
	struct tr_search q;
	struct transcript_info *all = NULL;
	size_t nall = 0;
	uint32_t ms;
	int rc;

	memset(res, 0, sizeof *res);
	if (opts == NULL || !tr_pattern_ok(opts->pattern, why))
		return CM_EINVAL;
	if (isnan(opts->from) || isnan(opts->to) || opts->from < 0 || opts->to < opts->from) {
		tr_why(why, "bad time range: need 0 <= from <= to");
		return CM_EINVAL;
	}
	if (opts->max_matches > TR_MATCHES_MAX || opts->max_ms > 60000 || nids > TR_IDS_MAX) {
		tr_why(why, "limit too large (max_matches <= %d, max_ms <= 60000, ids <= %d)",
		       TR_MATCHES_MAX, TR_IDS_MAX);
		return CM_ELIMIT;
	}
	for (size_t i = 0; i < nids; i++) {
		char name[TRANSCRIPT_ID_MAX + 16];

		if (!transcript_id_valid(ids[i])) {
			tr_why(why, "invalid transcript id (expected cm-N or cm-N-N)");
			return CM_EBADSESSIONID;
		}
		snprintf(name, sizeof name, "%s%s", ids[i], TR_DATA_SUFFIX);
		if (faccessat(s->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
			tr_why(why, "no transcript %s", ids[i]);
			return CM_ENOENT;
		}
	}
	memset(&q, 0, sizeof q);
	if ((rc = regcomp(&q.re, opts->pattern,
			  REG_EXTENDED | REG_NOSUB | REG_NEWLINE |
			      (opts->icase ? REG_ICASE : 0))) != 0) {
		char msg[128];

		regerror(rc, &q.re, msg, sizeof msg);
		tr_why(why, "bad regular expression: %s", msg);
		return CM_EINVAL;
	}
	q.opts = opts;
	q.max_matches = opts->max_matches ? opts->max_matches : 100;
	q.max_bytes = opts->max_bytes ? opts->max_bytes : 2ull << 30;
	ms = opts->max_ms ? opts->max_ms : 10000;
	q.deadline_ms = time_mono_ms() + ms;
	q.cb = cb;
	q.arg = arg;
	q.res = res;
	buf_init(&q.line, TR_LINE_CUT + 1);
	if (nids == 0) {
		if (transcript_store_list(s, &all, &nall) < 0) {
			regfree(&q.re);
			buf_release(&q.line);
			tr_why(why, "cannot list the transcripts");
			return CM_EIO;
		}
		for (size_t i = 0; i < nall && !q.stop; i++)
			tr_search_one(&q, s, all[i].id);
		transcript_info_free(all, nall);
	} else {
		for (size_t i = 0; i < nids && !q.stop; i++)
			tr_search_one(&q, s, ids[i]);
	}
	regfree(&q.re);
	buf_release(&q.line);
	return 0;
}
