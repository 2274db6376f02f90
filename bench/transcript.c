/*
 * cm-bench-transcript: numbers for the transcript store.
 *
 *   cm-bench-transcript ratio DIR FILE.ansi...   compression of real screens
 *       replayed as one session's output, and of a flood; CPU per MB on the
 *       writer and on the caller; disk per hour of a typical session
 *   cm-bench-transcript big DIR MB              a synthetic MB-megabyte
 *       recording (made once, kept in DIR), then the time to read its last
 *       10 minutes and to search all of it
 *
 * DIR is a scratch directory (created 0700). Plain numbers on stdout.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/buf.h"
#include "common/fsutil.h"
#include "transcript/transcript.h"

static double
now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t frame_bytes = 256u << 10;

static struct transcript_store *
open_store(const char *dir, uint64_t total)
{
	struct transcript_limits l;
	struct transcript_store *s;
	char why[TRANSCRIPT_WHY_MAX];

	transcript_limits_default(&l);
	l.sync = 0;
	l.min_free_bytes = 0;
	l.max_total_bytes = total;
	l.queue_bytes = 256u << 20;
	l.frame_bytes = frame_bytes;
	if (transcript_store_open(dir, &l, &s, why) < 0) {
		fprintf(stderr, "cm-bench-transcript: %s\n", why);
		exit(1);
	}
	return s;
}

/* Records data as output in pieces of piece bytes; prints the figures. */
static void
measure(const char *dir, const char *name, const char *id, const char *data, size_t len,
	size_t piece, double seconds_of_session)
{
	struct transcript_store *s = open_store(dir, 0);
	struct transcript_meta m = {"bench", "bench", "/", 120, 40, 1764590000.0};
	struct transcript *t;
	struct transcript_status st;
	double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), caller = 0;
	double w1, c1, mb = len / 1e6;

	transcript_open(s, id, &m, &t);
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		double a = now_s(CLOCK_THREAD_CPUTIME_ID);

		transcript_output(t, m.start + seconds_of_session * off / len, data + off, n);
		caller += now_s(CLOCK_THREAD_CPUTIME_ID) - a;
	}
	transcript_close(t, m.start + seconds_of_session);
	transcript_store_flush(s);
	w1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	transcript_store_status(s, &st);
	printf("%s: %.1f MB in, %.2f MB on disk, ratio %.1f:1, %.1f ms CPU/MB (writer+caller), "
	       "caller %.2f ms/MB, %.0f MB/s wall, dropped %llu\n",
	       name, mb, st.written_bytes / 1e6, (double)len / (double)st.written_bytes,
	       (c1 - c0) * 1e3 / mb, caller * 1e3 / mb, mb / (w1 - w0),
	       (unsigned long long)st.dropped_bytes);
	transcript_store_delete(s, id);
	transcript_store_close(s);
}

static int
cmd_ratio(const char *dir, int nfiles, char **files)
{
	struct buf screens, flood;
	size_t nscreens = 0, total_screen = 0;

	buf_init(&screens, (size_t)1 << 30);
	for (int i = 0; i < nfiles; i++) {
		char *d;
		size_t n;

		if (fs_read_file(files[i], 1 << 20, &d, &n) < 0)
			continue;
		buf_append(&screens, d, n);
		total_screen += n;
		nscreens++;
		free(d);
	}
	if (nscreens == 0) {
		fprintf(stderr, "cm-bench-transcript: no screens read\n");
		return 1;
	}
	/* Replay the screens until about 64 MB, as a tool redrawing its screen. */
	{
		struct buf replay;
		size_t reps = (64u << 20) / screens.len + 1;

		buf_init(&replay, (size_t)1 << 31);
		for (size_t r = 0; r < reps; r++)
			buf_append(&replay, screens.data, screens.len);
		measure(dir, "screens", "cm-1", replay.data, replay.len, 4096, 3600);
		printf("screens: %zu distinct screens, %zu bytes each on average\n", nscreens,
		       total_screen / nscreens);
		buf_release(&replay);
	}
	/*
	 * A typical hour: the tool redraws a screen a second (busy all hour);
	 * the 5-second frame interval then cuts frames of about 5 screens.
	 */
	{
		struct buf hour;
		size_t per = screens.len / nscreens;

		buf_init(&hour, (size_t)1 << 31);
		for (size_t k = 0; hour.len < 3600 * per; k++)
			buf_append(&hour, screens.data + (k % nscreens) * per, per);
		frame_bytes = 5 * per;
		measure(dir, "hour", "cm-3", hour.data, hour.len, per, 3600);
		frame_bytes = 256u << 10;
		buf_release(&hour);
	}
	/* A flood: a build log, lines that differ in numbers and words. */
	buf_init(&flood, (size_t)1 << 31);
	srandom(1);
	while (flood.len < (64u << 20))
		buf_printf(
		    &flood,
		    "\x1b[32m[%6ld/%6d]\x1b[0m Compiling src/module_%ld/file_%ld.c -O2 -Wall "
		    "(%ld ms)\r\n",
		    random() % 100000, 100000, random() % 500, random() % 10000, random() % 900);
	measure(dir, "flood", "cm-2", flood.data, flood.len, 16384, 60);
	buf_release(&flood);
	buf_release(&screens);
	return 0;
}

static int
count_match(void *arg, const struct transcript_match *m)
{
	(void)m;
	++*(size_t *)arg;
	return 0;
}

static int
sink(void *arg, double time, const char *data, size_t len)
{
	(void)time;
	(void)data;
	*(size_t *)arg += len;
	return 0;
}

static int
cmd_big(const char *dir, double mb)
{
	const double start = 1764590000.0, hours = 10;
	struct transcript_store *s = open_store(dir, 0);
	struct transcript_info *info;
	struct transcript_read_opts o = {0, INFINITY, TRANSCRIPT_TEXT, 256u << 20, 1u << 20, 0,
					 0, 0};
	struct transcript_search_opts so = {
	    "ERROR: disk [0-9]+ full", 0, 0, INFINITY, 10000, 0, 60000};
	struct transcript_read_result r;
	struct transcript_search_result sr;
	char why[TRANSCRIPT_WHY_MAX], id[32];
	size_t n, got = 0, matches = 0;
	uint64_t have = 0;
	double t0;

	snprintf(id, sizeof id, "cm-%.0f", mb);
	transcript_store_list(s, &info, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(info[i].id, id) == 0)
			have = info[i].bytes;
	transcript_info_free(info, n);
	if (have == 0) {
		struct transcript_meta m = {"bench", "big", "/", 120, 40, start};
		struct transcript *t;
		struct buf line;
		uint64_t total = (uint64_t)(mb * 1e6), done = 0, k = 0;

		t0 = now_s(CLOCK_MONOTONIC);
		transcript_open(s, id, &m, &t);
		buf_init(&line, 1 << 20);
		srandom(2);
		while (done < total) {
			buf_reset(&line);
			for (int j = 0; j < 64; j++, k++)
				buf_printf(
				    &line, "\x1b[2K\r%s %lu: step %ld of %ld, %ld files, %s\r\n",
				    k % 5000 == 0 ? "ERROR: disk 7 full" : "info", (unsigned long)k,
				    random() % 1000, random() % 1000, random() % 100000,
				    random() % 2 ? "compiling" : "linking the objects together");
			transcript_output(t, start + hours * 3600 * (double)done / (double)total,
					  line.data, line.len);
			done += line.len;
			if ((k & 0xffff) == 0)
				transcript_store_flush(s); /* keep the queue short */
		}
		transcript_close(t, start + hours * 3600);
		transcript_store_flush(s);
		buf_release(&line);
		printf("big: made %.0f MB of output over %.0f h in %.1f s\n", mb, hours,
		       now_s(CLOCK_MONOTONIC) - t0);
		transcript_store_list(s, &info, &n);
		for (size_t i = 0; i < n; i++)
			if (strcmp(info[i].id, id) == 0)
				have = info[i].bytes;
		transcript_info_free(info, n);
	}
	printf("big: %s: %.0f MB of output, %.1f MB on disk\n", id, mb, have / 1e6);
	t0 = now_s(CLOCK_MONOTONIC);
	transcript_tail(s, id, 600, &o, sink, &got, &r, why);
	printf("big: last 10 minutes: %.1f ms, %zu bytes of text, %u frames decompressed\n",
	       (now_s(CLOCK_MONOTONIC) - t0) * 1e3, got, r.frames_read);
	t0 = now_s(CLOCK_MONOTONIC);
	if (transcript_search(s, NULL, 0, &so, count_match, &matches, &sr, why) < 0)
		fprintf(stderr, "search: %s\n", why);
	printf("big: search all: %.2f s, %.0f MB of text scanned, %zu matches%s%s\n",
	       now_s(CLOCK_MONOTONIC) - t0, sr.bytes_scanned / 1e6, matches,
	       sr.truncated ? ", stopped by " : "", sr.truncated ? sr.stopped_by : "");
	transcript_store_close(s);
	return 0;
}

/*
 * N transcripts open and written at once, as N sessions of an agent: each
 * gets a screen of output a second, interleaved, for SECONDS of session
 * time; prints the wall and CPU time, the descriptors open while all are
 * open, and what reached the disk.
 */
static int
cmd_many(const char *dir, int n, double seconds)
{
	struct transcript_store *s = open_store(dir, 0);
	struct transcript_meta m = {"bench", "bench", "/", 120, 40, 1764590000.0};
	struct transcript **t = calloc((size_t)n, sizeof *t);
	struct transcript_status st;
	char id[64], screen[4096];
	double w0, c0, w1, c1, in = 0;
	int fds = 0, rc = 0;
	DIR *d;

	if (t == NULL)
		return 1;
	for (size_t i = 0; i < sizeof screen; i++)
		screen[i] = (char)(i % 97 == 96 ? '\n' : 'a' + (int)(i * 7 % 26));
	w0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "cm-1764590000-%08d", i);
		if (transcript_open(s, id, &m, &t[i]) < 0) {
			fprintf(stderr, "cm-bench-transcript: cannot open transcript %d\n", i);
			rc = 1;
			n = i;
			break;
		}
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while (readdir(d) != NULL)
			fds++;
		closedir(d);
	}
	for (int sec = 0; sec < (int)seconds; sec++)
		for (int i = 0; i < n; i++) {
			/* A redraw: the screen with a line that differs each second. */
			snprintf(screen, 32, "\x1b[H%8d %8d ", sec, i);
			screen[strlen(screen)] = ' ';
			transcript_output(t[i], m.start + sec, screen, sizeof screen);
			in += sizeof screen;
		}
	for (int i = 0; i < n; i++)
		transcript_close(t[i], m.start + seconds);
	transcript_store_flush(s);
	w1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	transcript_store_status(s, &st);
	printf("many: %d transcripts at once, %.0f s of session each: %.1f MB in, %.2f MB on disk, "
	       "%.2f s wall, %.2f s CPU, %d descriptors open with all open, dropped %llu\n",
	       n, seconds, in / 1e6, st.written_bytes / 1e6, w1 - w0, c1 - c0, fds,
	       (unsigned long long)st.dropped_bytes);
	for (int i = 0; i < n; i++) {
		snprintf(id, sizeof id, "cm-1764590000-%08d", i);
		transcript_store_delete(s, id);
	}
	transcript_store_close(s);
	free(t);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "ratio") == 0)
		return cmd_ratio(argv[2], argc - 3, argv + 3);
	if (argc == 4 && strcmp(argv[1], "big") == 0 && atof(argv[3]) > 0)
		return cmd_big(argv[2], atof(argv[3]));
	if (argc == 5 && strcmp(argv[1], "many") == 0 && atoi(argv[3]) > 0 && atof(argv[4]) > 0)
		return cmd_many(argv[2], atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: cm-bench-transcript ratio DIR FILE.ansi...\n"
			"       cm-bench-transcript big DIR MB\n"
			"       cm-bench-transcript many DIR N SECONDS\n");
	return 2;
}
