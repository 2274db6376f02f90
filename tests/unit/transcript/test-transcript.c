/*
 * test-transcript: the transcript store: round trip through the writer
 * thread, frames and index, time ranges that decompress only what they
 * need, torn frames, appending after a reopen, retention, a full disk,
 * a thousand recordings at once, hostile input, search, the escape
 * stripper, and asciinema reading what we write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/names.h"
#include "transcript/tr-internal.h"
#include "transcript/transcript.h"

#define T0 1764590000.0 /* a start time: 2025-12-01 */

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/cm-test-tr.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	char *argv[] = {"rm", "-rf", tmpdir, NULL}, mnt[128];
	pid_t pid;

	(void)state;
	snprintf(mnt, sizeof mnt, "%s/small", tmpdir);
	umount2(mnt, MNT_DETACH); /* a test that failed before its umount */
	if ((pid = fork()) == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

static struct transcript_store *
store_open(const char *sub, size_t frame, uint64_t total)
{
	struct transcript_limits l;
	struct transcript_store *s;
	char dir[128], why[TRANSCRIPT_WHY_MAX];

	transcript_limits_default(&l);
	l.frame_bytes = frame;
	l.sync = 0;
	l.min_free_bytes = 0;
	l.max_total_bytes = total;
	l.frame_interval_ms = 60000;
	snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
	assert_int_equal(transcript_store_open(dir, &l, &s, why), 0);
	return s;
}

static struct transcript *
rec_open(struct transcript_store *s, const char *id, double start)
{
	struct transcript_meta m = {"claude", "fix the bug", "/home/u/p", 100, 30, start};
	struct transcript *t;

	assert_int_equal(transcript_open(s, id, &m, &t), 0);
	return t;
}

static int
collect(void *arg, double time, const char *data, size_t len)
{
	(void)time;
	return buf_append(arg, data, len) < 0;
}

/* Reads id whole in mode into b (reset first); returns the result. */
static struct transcript_read_result
read_all(struct transcript_store *s, const char *id, enum transcript_mode mode, struct buf *b)
{
	struct transcript_read_opts o = {0, INFINITY, mode, 256u << 20, 0, 0, 0, 0};
	struct transcript_read_result r;
	char why[TRANSCRIPT_WHY_MAX];

	buf_reset(b);
	assert_int_equal(transcript_read(s, id, &o, collect, b, &r, why), 0);
	return r;
}

/* Waits (5 s at most) for id's presence to be want; 1 if the fd woke meanwhile. */
static int
presence_wait(struct transcript_store *s, const char *id, enum transcript_presence want)
{
	struct transcript_event ev[4];
	struct pollfd p = {transcript_store_fd(s), POLLIN, 0};
	int woke = 0;

	for (int i = 0; i < 50 && transcript_store_presence(s, id) != want; i++)
		if (poll(&p, 1, 100) == 1) {
			woke = 1;
			transcript_store_events(s, ev, 4); /* clears the fd */
		}
	assert_int_equal(transcript_store_presence(s, id), want);
	if (!woke) /* it changed between two looks: the wake is still there */
		woke = poll(&p, 1, 1000) == 1;
	transcript_store_events(s, ev, 4);
	return woke;
}

/*
 * The store says when a transcript's file is made and when a closed one is
 * written whole, and its fd wakes the loop each time: how a read right
 * after a session started or ended knows when to go on
 * (recorder_when_written).
 */
static void
test_presence_wakes(void **state)
{
	struct transcript_store *s = store_open("wake", 256u << 10, 1ull << 30);
	struct transcript_read_result r;
	struct transcript *t;
	struct buf b;
	char chunk[4096];

	(void)state;
	memset(chunk, 'x', sizeof chunk);
	assert_int_equal(transcript_store_presence(s, "cm-1-1"), TRANSCRIPT_NOT_OPEN);
	t = rec_open(s, "cm-1-1", T0);
	assert_int_not_equal(transcript_store_presence(s, "cm-1-1"), TRANSCRIPT_NOT_OPEN);
	assert_true(presence_wait(s, "cm-1-1", TRANSCRIPT_OPEN)); /* its file is made */
	for (int i = 0; i < 2048; i++)				  /* 8 MiB for the writer */
		transcript_output(t, T0 + 1, chunk, sizeof chunk);
	transcript_close(t, T0 + 2);
	assert_true(presence_wait(s, "cm-1-1", TRANSCRIPT_NOT_OPEN)); /* written whole */
	buf_init(&b, (size_t)-1);
	r = read_all(s, "cm-1-1", TRANSCRIPT_RAW, &b);
	assert_int_equal(b.len, 2048 * sizeof chunk);
	assert_int_equal(r.frames_torn, 0);
	buf_release(&b);
	transcript_store_close(s);
}

/* What goes in comes out: raw bytes (UTF-8 split across writes), text, cast. */
static void
test_round_trip(void **state)
{
	struct transcript_store *s = store_open("rt", 1 << 16, 0);
	struct transcript *t = rec_open(s, "cm-1", T0);
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 24);
	transcript_output(t, T0 + 0.5, "\x1b[1mhello\x1b[0m \xe2\x9c", 16);
	transcript_output(t, T0 + 0.6, "\x93 world\r\n", 9);
	transcript_input(t, T0 + 1.0, "cli:alice", "y\r", 2);
	transcript_resize(t, T0 + 1.5, 120, 40);
	transcript_marker(t, T0 + 2.0, "prompt: Allow bash?");
	transcript_output(t, T0 + 2.5,
			  "\x1b]0;title\x07"
			  "done\x00\xff\n",
			  17);
	transcript_close(t, T0 + 3.0);
	transcript_store_flush(s);

	read_all(s, "cm-1", TRANSCRIPT_RAW, &b);
	assert_int_equal(b.len, 16 + 9 + 17 + 2); /* NUL kept, 0xff became U+FFFD */
	assert_memory_equal(b.data, "\x1b[1mhello\x1b[0m \xe2\x9c\x93 world\r\n", 25);
	read_all(s, "cm-1", TRANSCRIPT_TEXT, &b);
	assert_string_equal(b.data, "hello \xe2\x9c\x93 world\ndone\xef\xbf\xbd\n");
	read_all(s, "cm-1", TRANSCRIPT_CAST, &b);
	assert_non_null(strstr(b.data, "{\"version\": 2, \"width\": 100, \"height\": 30"));
	assert_non_null(strstr(b.data, "\"cm_tool\": \"claude\""));
	assert_non_null(strstr(b.data, "[1.000000, \"m\", \"input:cli:alice\"]\n"
				       "[1.000000, \"i\", \"y\\r\"]\n"));
	assert_non_null(strstr(b.data, "[1.500000, \"r\", \"120x40\"]"));
	assert_non_null(strstr(b.data, "[2.000000, \"m\", \"prompt: Allow bash?\"]"));
	assert_non_null(strstr(b.data, "\"m\", \"closed\"]"));
	buf_release(&b);
	transcript_store_close(s);
}

/* Small frames: many of them, each with its index record. */
static void
test_frames_and_index(void **state)
{
	struct transcript_store *s = store_open("fr", 2048, 0);
	struct transcript *t = rec_open(s, "cm-2", T0);
	char line[200], path[256];
	struct stat st;
	struct tr_file f;
	int dfd, ifd;

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(line, sizeof line, "line %04d %s\r\n", i,
			 "the quick brown fox jumps over the lazy dog");
		transcript_output(t, T0 + i, line, strlen(line));
	}
	transcript_close(t, T0 + 500);
	transcript_store_flush(s);
	transcript_store_close(s);

	snprintf(path, sizeof path, "%s/fr/cm-2.cast.zst", tmpdir);
	assert_true((dfd = open(path, O_RDONLY)) >= 0);
	snprintf(path, sizeof path, "%s/fr/cm-2.idx", tmpdir);
	assert_true((ifd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(fstat(ifd, &st), 0);
	assert_int_equal(tr_file_load(&f, dfd, ifd), 0);
	assert_true(f.n > 10);
	assert_int_equal(f.indexed, f.n);    /* all from the index, */
	assert_int_equal(f.decompressed, 0); /* nothing decompressed to learn it */
	assert_int_equal((size_t)st.st_size, TR_IDX_HDR + f.n * TR_REC_SIZE);
	assert_int_equal(f.valid_end, f.size);
	for (size_t i = 1; i < f.n; i++) {
		assert_int_equal(f.frames[i].off, f.frames[i - 1].off + f.frames[i - 1].csize);
		assert_true(f.frames[i].t_first >= f.frames[i - 1].t_last);
	}
	tr_file_release(&f);
	close(dfd);
	close(ifd);
}

/* A ten-second range of a 1000-second recording reads a few frames only. */
static void
test_range_reads_few_frames(void **state)
{
	struct transcript_store *s = store_open("rg", 4096, 0);
	struct transcript *t = rec_open(s, "cm-3", T0);
	struct transcript_read_opts o = {T0 + 500, T0 + 510, TRANSCRIPT_RAW, 0, 0, 0, 0, 0};
	struct transcript_read_result r;
	char line[200], why[TRANSCRIPT_WHY_MAX];
	struct buf b, want;

	(void)state;
	buf_init(&b, 1 << 24);
	buf_init(&want, 1 << 24);
	for (int i = 0; i < 1000; i++) {
		snprintf(
		    line, sizeof line, "event %04d %.*s\n", i, 100 + i % 50,
		    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
		    "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis");
		transcript_output(t, T0 + i, line, strlen(line));
		if (i >= 500 && i <= 510)
			buf_append_str(&want, line);
	}
	transcript_close(t, T0 + 1000);
	transcript_store_flush(s);
	assert_int_equal(transcript_read(s, "cm-3", &o, collect, &b, &r, why), 0);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, want.len);
	/* The header (to open) plus the two or three frames holding 500..510. */
	assert_true(r.frames_read <= 5);
	read_all(s, "cm-3", TRANSCRIPT_RAW, &b);
	r = read_all(s, "cm-3", TRANSCRIPT_RAW, &b);
	assert_true(r.frames_read > 25);

	/* The tail: the last 10.5 s are events 990..999. */
	buf_reset(&b);
	assert_int_equal(transcript_tail(s, "cm-3", 10.5, &o, collect, &b, &r, why), 0);
	assert_non_null(strstr(b.data, "event 0990"));
	assert_null(strstr(b.data, "event 0989"));
	assert_true(r.frames_read <= 4);

	/* max_bytes stops early and says where to go on. */
	o.from = T0;
	o.to = INFINITY;
	o.max_bytes = 64 << 10;
	buf_reset(&b);
	assert_int_equal(transcript_read(s, "cm-3", &o, collect, &b, &r, why), 0);
	assert_true(r.truncated);
	assert_true(b.len <= 64 << 10);
	assert_true(r.next_from > T0 && r.next_from < T0 + 1000);
	buf_release(&b);
	buf_release(&want);
	transcript_store_close(s);
}

static void
copy_file(const char *from, const char *to, off_t cut)
{
	char *data;
	size_t len;
	int fd;

	assert_int_equal(fs_read_file(from, 1u << 26, &data, &len), 0);
	if (cut >= 0 && (size_t)cut < len)
		len = (size_t)cut;
	assert_true((fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(data);
}

/*
 * Cut at many offsets, as a crash mid-frame leaves it: never fatal, every
 * frame that is whole stays readable, and recording appends after them.
 */
static void
test_torn_frames(void **state)
{
	struct transcript_store *s = store_open("tn", 2048, 0);
	struct transcript *t = rec_open(s, "cm-4", T0);
	char line[128], src[256], dst[256], idx[256];
	struct tr_file full, f;
	struct buf b;
	int dfd;

	(void)state;
	buf_init(&b, 1 << 24);
	for (int i = 0; i < 300; i++) {
		snprintf(line, sizeof line, "output %d: %u\n", i, (unsigned)(i * 2654435761u));
		transcript_output(t, T0 + i * 0.1, line, strlen(line));
	}
	transcript_close(t, T0 + 31);
	transcript_store_flush(s);
	snprintf(src, sizeof src, "%s/tn/cm-4.cast.zst", tmpdir);
	snprintf(dst, sizeof dst, "%s/tn/cm-5.cast.zst", tmpdir);
	snprintf(idx, sizeof idx, "%s/tn/cm-4.idx", tmpdir);
	assert_true((dfd = open(src, O_RDONLY)) >= 0);
	tr_file_load(&full, dfd, -1); /* no index: walks the data */
	close(dfd);
	assert_true(full.n > 5);
	assert_int_equal(full.valid_end, full.size);
	srandom(42);
	for (int k = 0; k < 40; k++) {
		off_t cut = random() % (off_t)full.size;
		size_t whole = 0;
		char idx5[256];

		for (size_t i = 0; i < full.n; i++)
			if (full.frames[i].off + full.frames[i].csize <= (uint64_t)cut)
				whole++;
		copy_file(src, dst, cut);
		/* the old index names frames that are gone: it must not be believed */
		snprintf(idx5, sizeof idx5, "%s/tn/cm-5.idx", tmpdir);
		copy_file(idx, idx5, -1);
		assert_true((dfd = open(dst, O_RDONLY)) >= 0);
		int ifd = open(idx5, O_RDONLY);
		tr_file_load(&f, dfd, ifd);
		assert_int_equal(f.n, whole);
		assert_true(f.valid_end <= (uint64_t)cut);
		tr_file_release(&f);
		close(dfd);
		close(ifd);
		if (whole > 0) {
			struct transcript_read_result r = read_all(s, "cm-5", TRANSCRIPT_RAW, &b);

			assert_int_equal(r.frames_torn,
					 (uint64_t)cut > full.frames[whole - 1].off +
							     full.frames[whole - 1].csize);
		}
	}
	/* The last cut file: reopening cuts the torn tail and appends. */
	/* (all but the last byte of a frame: more than what is appended) */
	copy_file(src, dst, (off_t)(full.frames[4].off + full.frames[4].csize - 1));
	snprintf(idx, sizeof idx, "%s/tn/cm-5.idx", tmpdir);
	unlink(idx);
	t = rec_open(s, "cm-5", T0 + 100);
	transcript_output(t, T0 + 101, "after the crash\n", 16);
	transcript_close(t, T0 + 102);
	transcript_store_flush(s);
	read_all(s, "cm-5", TRANSCRIPT_CAST, &b);
	assert_non_null(strstr(b.data, "output 0:"));
	assert_non_null(strstr(b.data, "\"reopened\""));
	assert_non_null(strstr(b.data, "after the crash"));
	assert_int_equal(read_all(s, "cm-5", TRANSCRIPT_RAW, &b).frames_torn, 0);
	tr_file_release(&full);
	buf_release(&b);
	transcript_store_close(s);
}

/* A re-adopted session appends: one header, times going on from the start. */
static void
test_append_after_reopen(void **state)
{
	struct transcript_store *s = store_open("ap", 1 << 16, 0);
	struct transcript *t = rec_open(s, "cm-6-2", T0);
	struct transcript_info *info;
	size_t n;
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, 1 << 24);
	transcript_output(t, T0 + 1, "first ", 6);
	transcript_close(t, T0 + 2);
	transcript_store_flush(s);
	transcript_store_close(s);
	s = store_open("ap", 1 << 16, 0);
	t = rec_open(s, "cm-6-2", T0 + 50);
	transcript_output(t, T0 + 60, "second", 6);
	transcript_close(t, T0 + 61);
	transcript_store_flush(s);
	read_all(s, "cm-6-2", TRANSCRIPT_RAW, &b);
	assert_string_equal(b.data, "first second");
	read_all(s, "cm-6-2", TRANSCRIPT_CAST, &b);
	assert_int_equal(strstr(b.data + 1, "{\"version\"") == NULL, 1);
	assert_non_null(p = strstr(b.data, "[60.000000, \"o\", \"second\"]"));
	assert_int_equal(transcript_store_list(s, &info, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(info[0].tool, "claude");
	assert_string_equal(info[0].task, "fix the bug");
	assert_string_equal(info[0].path, "/home/u/p");
	assert_true(fabs(info[0].start - T0) < 1e-3);
	assert_true(fabs(info[0].end - (T0 + 61)) < 1e-3);
	assert_false(info[0].recording);
	transcript_info_free(info, n);
	buf_release(&b);
	transcript_store_close(s);
}

static void
age_file(const char *id, double age)
{
	char path[256];
	struct timespec ts[2];

	snprintf(path, sizeof path, "%s/rp/%s.cast.zst", tmpdir, id);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= (time_t)age;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static uint64_t
file_bytes(const char *id)
{
	char path[256];
	struct stat st;
	uint64_t n = 0;

	snprintf(path, sizeof path, "%s/rp/%s.cast.zst", tmpdir, id);
	if (stat(path, &st) == 0)
		n += (uint64_t)st.st_size;
	snprintf(path, sizeof path, "%s/rp/%s.idx", tmpdir, id);
	if (stat(path, &st) == 0)
		n += (uint64_t)st.st_size;
	return n;
}

/* Retention: too old goes first, then the oldest until the total fits. */
static void
test_retention(void **state)
{
	struct transcript_store *s = store_open("rp", 1 << 16, 0);
	struct transcript *t, *live;
	struct transcript_info *info;
	char id[16], noise[4096];
	size_t n, removed;

	(void)state;
	srandom(7);
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (char)('a' + random() % 26);
	for (int i = 1; i <= 6; i++) {
		snprintf(id, sizeof id, "cm-%d", 100 + i);
		t = rec_open(s, id, T0 + i);
		transcript_output(t, T0 + i, noise, sizeof noise);
		transcript_close(t, T0 + i + 1);
	}
	live = rec_open(s, "cm-200", T0);
	transcript_output(live, T0, noise, sizeof noise);
	transcript_store_flush(s);
	age_file("cm-101", 40.0 * 86400); /* older than 30 days */
	age_file("cm-102", 3000);
	age_file("cm-103", 2000);
	age_file("cm-200", 90.0 * 86400); /* old, but still recording */
	assert_int_equal(transcript_store_prune(s, time_wall()), 1);
	assert_int_equal(transcript_store_delete(s, "cm-101"), CM_ENOENT);
	assert_int_equal(transcript_store_delete(s, "cm-200"), CM_EBUSY);
	transcript_store_close(s); /* closes cm-200 too */

	/* Now a total of the two newest transcripts' worth: the oldest go. */
	s = store_open("rp", 1 << 16, file_bytes("cm-106") + file_bytes("cm-200"));
	assert_int_equal(transcript_store_list(s, &info, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(info[0].id, "cm-200"); /* list is oldest start first */
	assert_string_equal(info[1].id, "cm-106");
	transcript_info_free(info, n);
	assert_int_equal(transcript_store_delete_older(s, 3600, time_wall(), &removed), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(transcript_store_delete_older(s, 0, time_wall() + 10, &removed), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(transcript_store_delete_older(s, NAN, time_wall(), &removed), CM_EINVAL);
	transcript_store_close(s);
}

static size_t
wait_event(struct transcript_store *s, enum transcript_event_kind kind, int ms)
{
	struct pollfd pfd = {transcript_store_fd(s), POLLIN, 0};
	struct transcript_event ev[8];

	while (ms > 0) {
		size_t n;

		poll(&pfd, 1, 100);
		ms -= 100;
		n = transcript_store_events(s, ev, 8);
		for (size_t i = 0; i < n; i++)
			if (ev[i].kind == kind)
				return 1;
	}
	return 0;
}

/*
 * A full disk (a 1 MiB tmpfs): recording stops with an event, the session
 * goes on, recording resumes when there is room, and a marker tells the gap.
 */
static void
test_disk_full(void **state)
{
	char mnt[128], filler[160], noise[8192];
	struct transcript_store *s;
	struct transcript *t, *t2;
	struct transcript_status st;
	struct buf b;
	int fd;

	(void)state;
	snprintf(mnt, sizeof mnt, "%s/small", tmpdir);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") < 0) {
		print_message("skipped: cannot mount a tmpfs (%s): needs root\n", strerror(errno));
		skip();
	}
	s = store_open("small/tr", 4096, 0);
	t = rec_open(s, "cm-7", T0);
	transcript_output(t, T0 + 1, "before\n", 7);
	transcript_store_flush(s);
	/* Fill the file system. */
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	assert_true((fd = open(filler, O_WRONLY | O_CREAT, 0600)) >= 0);
	memset(noise, 'x', sizeof noise);
	while (write(fd, noise, sizeof noise) > 0)
		;
	close(fd);
	/* A session that starts while the disk is full gets its header later. */
	t2 = rec_open(s, "cm-8", T0 + 1);
	transcript_output(t2, T0 + 1.5, "lost\n", 5);
	transcript_store_flush(s);
	srandom(3);
	for (int i = 0; i < 20; i++) {
		for (size_t k = 0; k < sizeof noise; k++)
			noise[k] = (char)('a' + random() % 26);
		transcript_output(t, T0 + 2 + i * 0.01, noise, sizeof noise);
	}
	transcript_store_flush(s);
	assert_true(wait_event(s, TRANSCRIPT_EV_DISK_FULL, 3000));
	transcript_store_status(s, &st);
	assert_true(st.disk_full);
	assert_true(st.lost_bytes > 0);
	/* Room again. */
	assert_int_equal(unlink(filler), 0);
	transcript_output(t, T0 + 5, "after\n", 6);
	for (int i = 0; i < 30 && st.disk_full; i++) {
		usleep(100 * 1000);
		transcript_marker(t, T0 + 5, "tick");
		transcript_store_flush(s);
		transcript_store_status(s, &st);
	}
	assert_false(st.disk_full);
	assert_true(wait_event(s, TRANSCRIPT_EV_RESUMED, 3000));
	transcript_output(t, T0 + 6, "resumed\n", 8);
	transcript_close(t, T0 + 7);
	transcript_output(t2, T0 + 6, "second session\n", 15);
	transcript_close(t2, T0 + 7);
	transcript_store_flush(s);
	buf_init(&b, 1 << 24);
	read_all(s, "cm-7", TRANSCRIPT_CAST, &b);
	assert_non_null(strstr(b.data, "before"));
	assert_non_null(strstr(b.data, "\"gap: "));
	assert_non_null(strstr(b.data, "resumed"));
	read_all(s, "cm-8", TRANSCRIPT_RAW, &b);
	assert_string_equal(b.data, "second session\n");
	buf_release(&b);
	transcript_store_close(s);
	assert_int_equal(umount(mnt), 0);
}

/*
 * A writer that cannot keep up: calls that do not fit the queue are
 * dropped and counted, never block, and a marker says where the gap is.
 */
static void
test_queue_full(void **state)
{
	struct transcript_limits l;
	struct transcript_store *s;
	struct transcript *t;
	struct transcript_status st;
	char dir[128], why[TRANSCRIPT_WHY_MAX], *chunk = xmalloc(64 << 10);
	struct buf b;

	(void)state;
	transcript_limits_default(&l);
	l.sync = 0;
	l.min_free_bytes = 0;
	l.queue_bytes = 128 << 10; /* two writes */
	snprintf(dir, sizeof dir, "%s/q", tmpdir);
	assert_int_equal(transcript_store_open(dir, &l, &s, why), 0);
	t = rec_open(s, "cm-30", T0);
	srandom(5);
	for (size_t k = 0; k < (64u << 10); k++)
		chunk[k] = (char)('a' + random() % 26);
	for (int i = 0; i < 1000; i++)
		transcript_output(t, T0 + i * 0.001, chunk, 64 << 10);
	transcript_output(t, T0 + 2, "the end", 7);
	transcript_close(t, T0 + 3);
	transcript_store_flush(s);
	transcript_store_status(s, &st);
	assert_true(st.dropped_bytes > 0);
	buf_init(&b, (size_t)1 << 30);
	read_all(s, "cm-30", TRANSCRIPT_RAW, &b);
	assert_int_equal(b.len + st.dropped_bytes, 1000u * (64 << 10) + 7);
	assert_true(wait_event(s, TRANSCRIPT_EV_DROPPED, 1000));
	read_all(s, "cm-30", TRANSCRIPT_CAST, &b);
	assert_non_null(strstr(b.data, "bytes not recorded (queue full)"));
	buf_release(&b);
	free(chunk);
	transcript_store_close(s);
}

/* A thousand recordings at once: no descriptor each, all complete. */
static void
test_thousand(void **state)
{
	static struct transcript *t[1000];
	struct transcript_store *s = store_open("k", 1 << 16, 0);
	struct transcript_info *info;
	struct rlimit rl;
	char id[16], line[64];
	struct buf b;
	size_t n;

	(void)state;
	/* Fewer descriptors than recordings: none may be held per recording. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 256;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "cm-%d", 1000 + i);
		t[i] = rec_open(s, id, T0);
	}
	for (int round = 0; round < 10; round++)
		for (int i = 0; i < 1000; i++) {
			snprintf(line, sizeof line, "session %d round %d\n", i, round);
			transcript_output(t[i], T0 + round, line, strlen(line));
		}
	for (int i = 0; i < 1000; i++)
		transcript_close(t[i], T0 + 11);
	transcript_store_flush(s);
	assert_int_equal(transcript_store_list(s, &info, &n), 0);
	assert_int_equal(n, 1000);
	transcript_info_free(info, n);
	buf_init(&b, 1 << 20);
	read_all(s, "cm-1999", TRANSCRIPT_TEXT, &b);
	assert_non_null(strstr(b.data, "session 999 round 0\n"));
	assert_non_null(strstr(b.data, "session 999 round 9\n"));
	buf_release(&b);
	transcript_store_close(s);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int
count_match(void *arg, const struct transcript_match *m)
{
	struct buf *b = arg;

	buf_printf(b, "%s@%.0f:%s\n", m->id, m->time - T0, m->line);
	return 0;
}

/* Search: lines, with their session and time, across transcripts; limits. */
static void
test_search(void **state)
{
	struct transcript_store *s = store_open("se", 1 << 12, 0);
	struct transcript_search_opts o = {"err(or)?: [a-z]+", 0, 0, INFINITY, 0, 0, 0};
	struct transcript_search_result r;
	struct transcript *a = rec_open(s, "cm-10", T0), *c = rec_open(s, "cm-11", T0 + 100);
	const char *ids[] = {"cm-11"};
	char why[TRANSCRIPT_WHY_MAX];
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	transcript_output(a, T0 + 1, "ok\r\n\x1b[31merr", 12);
	transcript_output(a, T0 + 2, "or: \x1b[1mdisk\x1b[0m\r\nfine\r\n", 23);
	transcript_output(c, T0 + 105, "ERROR: loud\nerr: quiet", 22);
	transcript_close(a, T0 + 3);
	transcript_close(c, T0 + 106);
	transcript_store_flush(s);
	assert_int_equal(transcript_search(s, NULL, 0, &o, count_match, &b, &r, why), 0);
	assert_string_equal(b.data, "cm-10@1:error: disk\ncm-11@105:err: quiet\n");
	assert_int_equal(r.transcripts, 2);
	buf_reset(&b);
	o.icase = 1;
	assert_int_equal(transcript_search(s, ids, 1, &o, count_match, &b, &r, why), 0);
	assert_string_equal(b.data, "cm-11@105:ERROR: loud\ncm-11@105:err: quiet\n");
	o.max_matches = 1;
	assert_int_equal(transcript_search(s, NULL, 0, &o, count_match, &b, &r, why), 0);
	assert_int_equal(r.matches, 1);
	assert_true(r.truncated);
	assert_string_equal(r.stopped_by, "max_matches");
	o.max_matches = 0;
	o.max_bytes = 10;
	assert_int_equal(transcript_search(s, NULL, 0, &o, count_match, &b, &r, why), 0);
	assert_string_equal(r.stopped_by, "max_bytes");
	buf_release(&b);
	transcript_store_close(s);
}

static int
no_chunk(void *arg, double time, const char *data, size_t len)
{
	(void)arg;
	(void)time;
	(void)data;
	(void)len;
	fail_msg("no data expected");
	return 1;
}

/* Hostile ids, ranges and patterns: clear errors, nothing touched. */
static void
test_hostile(void **state)
{
	static const char *bad[] = {"",
				    "cm-",
				    "cm-x",
				    "../cm-1",
				    "cm-1/../../etc/passwd",
				    "cm-1-",
				    "cm-1-2-3",
				    "cm-1 ",
				    "CM-1",
				    "cm-1\n",
				    "cm-1.idx",
				    "cm-12345678901234567890123456789012345678"};
	static const char *good[] = {"cm-1", "cm-0", "cm-123-4",
				     "cm-1234567890123456789012345678901234567"};
	struct transcript_store *s = store_open("ho", 1 << 16, 0);
	struct transcript *t = rec_open(s, "cm-9", T0), *t2;
	struct transcript_meta m = {NULL, NULL, NULL, 80, 24, T0};
	struct transcript_read_opts o = {0, INFINITY, TRANSCRIPT_RAW, 0, 0, 0, 0, 0};
	struct transcript_search_opts so = {"(", 0, 0, INFINITY, 0, 0, 0};
	struct transcript_read_result r;
	struct transcript_search_result sr;
	char why[TRANSCRIPT_WHY_MAX];

	(void)state;
	transcript_output(t, T0 + 1, "x", 1);
	transcript_store_flush(s);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(transcript_id_valid(bad[i]));
		assert_int_equal(names_session_id_valid(bad[i]), 0);
		assert_int_equal(transcript_open(s, bad[i], &m, &t2), CM_EBADSESSIONID);
		assert_int_equal(transcript_read(s, bad[i], &o, no_chunk, NULL, &r, why),
				 CM_EBADSESSIONID);
		assert_int_equal(transcript_store_delete(s, bad[i]), CM_EBADSESSIONID);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_true(transcript_id_valid(good[i]));
		assert_true(names_session_id_valid(good[i]));
	}
	assert_false(transcript_id_valid(NULL));
	assert_int_equal(transcript_open(s, "cm-9", &m, &t2), CM_EBUSY);
	m.start = NAN;
	assert_int_equal(transcript_open(s, "cm-8", &m, &t2), CM_EINVAL);
	assert_int_equal(transcript_read(s, "cm-77", &o, no_chunk, NULL, &r, why), CM_ENOENT);
	assert_string_equal(why, "no transcript cm-77");
	o.from = T0 + 10;
	o.to = T0;
	assert_int_equal(transcript_read(s, "cm-9", &o, no_chunk, NULL, &r, why), CM_EINVAL);
	o.from = NAN;
	assert_int_equal(transcript_read(s, "cm-9", &o, no_chunk, NULL, &r, why), CM_EINVAL);
	o.from = 0;
	o.to = INFINITY;
	o.max_bytes = (size_t)1 << 40;
	assert_int_equal(transcript_read(s, "cm-9", &o, no_chunk, NULL, &r, why), CM_ELIMIT);
	o.max_bytes = 0;
	o.mode = (enum transcript_mode)7;
	assert_int_equal(transcript_read(s, "cm-9", &o, no_chunk, NULL, &r, why), CM_EINVAL);
	o.mode = TRANSCRIPT_RAW;
	assert_int_equal(transcript_tail(s, "cm-9", -1, &o, no_chunk, NULL, &r, why), CM_EINVAL);
	assert_int_equal(transcript_tail(s, "cm-9", INFINITY, &o, no_chunk, NULL, &r, why),
			 CM_EINVAL);
	/* a range before the recording: nothing, no error */
	o.from = 1;
	o.to = 2;
	assert_int_equal(transcript_read(s, "cm-9", &o, no_chunk, NULL, &r, why), 0);
	assert_int_equal(transcript_search(s, NULL, 0, &so, NULL, NULL, &sr, why), CM_EINVAL);
	assert_non_null(strstr(why, "bad regular expression"));
	so.pattern = "(a)\\1";
	assert_int_equal(transcript_search(s, NULL, 0, &so, NULL, NULL, &sr, why), CM_EINVAL);
	assert_non_null(strstr(why, "back-references"));
	so.pattern = "";
	assert_int_equal(transcript_search(s, NULL, 0, &so, NULL, NULL, &sr, why), CM_EINVAL);
	so.pattern = "x";
	so.max_matches = 1000000;
	assert_int_equal(transcript_search(s, NULL, 0, &so, NULL, NULL, &sr, why), CM_ELIMIT);
	so.max_matches = 0;
	assert_int_equal(transcript_search(s, bad, 1, &so, NULL, NULL, &sr, why), CM_EBADSESSIONID);
	{
		const char *missing[] = {"cm-9", "cm-404"};

		assert_int_equal(transcript_search(s, missing, 2, &so, NULL, NULL, &sr, why),
				 CM_ENOENT);
		assert_string_equal(why, "no transcript cm-404");
	}
	transcript_close(t, T0 + 2);
	transcript_store_close(s);
}

/* Headers that are not JSON are refused, never looped on (found by fuzzing). */
static void
test_bad_headers(void **state)
{
	static const char *const bad[] = {"{\"version\": 2, \"a\": [1 2], \"width\": 3}",
					  "{\"version\": 2, \"a\": {\"b\" 1}}",
					  "{\"version\": 2, \"a\": :}",
					  "{\"version\": 1}",
					  "[]",
					  "{\"version\": 2, \"cm_tool\": \"x",
					  ""};
	struct tr_header h;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(tr_header_parse(bad[i], strlen(bad[i]), &h), CM_EINVAL);
	assert_int_equal(tr_header_parse("{\"version\": 2, \"a\": \0}", 22, &h), CM_EINVAL);
	assert_int_equal(
	    tr_header_parse("{\"version\": 2, \"e\": {\"x\": [1, {}]}, \"cm_tool\": \"t\"}", 51,
			    &h),
	    0);
	assert_string_equal(h.tool, "t");
	tr_header_release(&h);
}

static char *
strip(const char *const *chunks)
{
	struct tr_strip st = {0, 0};
	struct buf b;

	buf_init(&b, 1 << 16);
	for (; *chunks; chunks++)
		tr_strip_feed(&st, *chunks, strlen(*chunks), &b);
	return b.data ? buf_steal(&b, NULL) : xstrdup("");
}

/* The stripper: each kind of sequence, split anywhere; CR and LF. */
static void
test_strip(void **state)
{
	static const char *const c1[] = {"a\x1b[1;3", "1mb\x1b[0m", "c", NULL};
	static const char *const c2[] = {"\x1b]0;title\x07x\x1b]8;;http://e\x1b", "\\y", NULL};
	static const char *const c3[] = {"\x1bP1$r0m\x1b\\z\x1b(Bq\x1b=w\x1b", "7v", NULL};
	static const char *const c4[] = {"one\r\ntwo\r", "\nthree\rfour\n\n", NULL};
	static const char *const c5[] = {"a\x1b[12\x18"
					 "b\tc\x08\x7f\x01"
					 "d",
					 NULL};
	static const char *const c6[] = {"\x1b[?2004h\xe2\x9c\x93 ok\x1b_apc\x1b\\!", NULL};
	char *s;

	(void)state;
	assert_string_equal(s = strip(c1), "abc");
	free(s);
	assert_string_equal(s = strip(c2), "xy");
	free(s);
	assert_string_equal(s = strip(c3), "zqwv");
	free(s);
	assert_string_equal(s = strip(c4), "one\ntwo\nthree\nfour\n\n");
	free(s);
	assert_string_equal(s = strip(c5), "ab\tcd");
	free(s);
	assert_string_equal(s = strip(c6), "\xe2\x9c\x93 ok!");
	free(s);
}

/* Runs argv with stdout into b; returns the exit status, or -1. */
static int
run(char *const argv[], struct buf *b)
{
	int p[2], status;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(null, 2);
		close(p[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	buf_reset(b);
	while ((n = read(p[0], chunk, sizeof chunk)) > 0)
		buf_append(b, chunk, (size_t)n);
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * asciinema reads what we write: `zstd -dc` of the file is exactly the
 * whole cast read back, and `asciinema cat` prints the tool's output (it
 * needs a terminal: script(1) gives it one).
 */
static void
test_asciinema(void **state)
{
	struct transcript_store *s = store_open("an", 8192, 0);
	struct transcript *t = rec_open(s, "cm-20", T0);
	char cast[256], data[256], cmd[600], *screen;
	struct buf raw, out, whole;
	size_t len, off = 0;
	int fd;

	(void)state;
	assert_int_equal(
	    fs_read_file(CM_FIXTURES_DIR "/claude/done-01.ansi", 1 << 20, &screen, &len), 0);
	srandom(11);
	for (int rep = 0; rep < 3; rep++)
		for (off = 0; off < len;) {
			size_t n = 1 + (size_t)random() % 700;

			n = n > len - off ? len - off : n;
			transcript_output(t, T0 + rep + off / 1e5, screen + off, n);
			off += n;
		}
	transcript_input(t, T0 + 4, "dashboard:bob", "1", 1);
	transcript_resize(t, T0 + 4.5, 90, 20);
	transcript_close(t, T0 + 5);
	transcript_store_flush(s);
	buf_init(&raw, 1 << 24);
	buf_init(&out, 1 << 24);
	buf_init(&whole, 1 << 24);
	read_all(s, "cm-20", TRANSCRIPT_RAW, &raw);
	read_all(s, "cm-20", TRANSCRIPT_CAST, &whole);
	assert_true(raw.len >= 3 * len - 6); /* all of it (a few U+FFFD may differ) */

	snprintf(data, sizeof data, "%s/an/cm-20.cast.zst", tmpdir);
	{
		char *argv[] = {"zstd", "-dcq", data, NULL};

		if (run(argv, &out) == 127) {
			print_message("skipped: zstd not installed\n");
			skip();
		}
	}
	assert_int_equal(out.len, whole.len);
	assert_memory_equal(out.data, whole.data, whole.len);

	snprintf(cast, sizeof cast, "%s/an/cm-20.cast", tmpdir);
	assert_true((fd = open(cast, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(write(fd, whole.data, whole.len), (ssize_t)whole.len);
	close(fd);
	snprintf(cmd, sizeof cmd, "asciinema cat %s", cast);
	{
		char *argv[] = {"script", "-qefc", cmd, "/dev/null", NULL};
		int rc = run(argv, &out);

		if (rc == 127 || access("/usr/bin/asciinema", X_OK) != 0) {
			print_message("skipped: asciinema or script not installed\n");
			skip();
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(out.len, raw.len);
	assert_memory_equal(out.data, raw.data, raw.len);
	free(screen);
	buf_release(&raw);
	buf_release(&out);
	buf_release(&whole);
	transcript_store_close(s);
}

/*
 * A read cut by max_bytes continues exactly where it stopped, even inside
 * one big write (several events of the same time): the resumed reads
 * together give the bytes of one whole read, none lost or doubled, and a
 * resumed cast has no second header.
 */
static void
test_resume(void **state)
{
	struct transcript_store *s = store_open("resume", 1 << 16, 0);
	struct transcript *t = rec_open(s, "cm-7", T0);
	struct transcript_read_opts o = {0, INFINITY, TRANSCRIPT_RAW, 64u << 10, 0, 0, 0, 0};
	struct transcript_read_result r;
	char why[TRANSCRIPT_WHY_MAX], *big = malloc(300 * 1024);
	struct buf whole, parts, cast;
	int reads = 0;

	(void)state;
	for (size_t i = 0; i < 300 * 1024; i++)
		big[i] = (char)('a' + (char)(i % 26));
	for (int i = 0; i < 26; i++)
		big[i * 10000] = '\n';
	transcript_output(t, T0 + 1, "start\n", 6);
	transcript_output(t, T0 + 2, big, 300 * 1024); /* 19 events of one time */
	transcript_output(t, T0 + 3, "end\n", 4);
	transcript_close(t, T0 + 4);
	transcript_store_flush(s);
	buf_init(&whole, 1 << 24);
	buf_init(&parts, 1 << 24);
	buf_init(&cast, 1 << 24);
	read_all(s, "cm-7", TRANSCRIPT_RAW, &whole);
	for (;;) {
		assert_int_equal(transcript_read(s, "cm-7", &o, collect, &parts, &r, why), 0);
		reads++;
		if (!r.truncated)
			break;
		assert_true(reads < 100);
		o.resume = 1;
		o.resume_us = r.next_us;
		o.resume_skip = r.next_skip;
	}
	assert_true(reads >= 5);
	assert_int_equal(parts.len, whole.len);
	assert_memory_equal(parts.data, whole.data, whole.len);
	/* Cast: one header, then every event once. */
	o = (struct transcript_read_opts){0, INFINITY, TRANSCRIPT_CAST, 64u << 10, 0, 0, 0, 0};
	for (;;) {
		assert_int_equal(transcript_read(s, "cm-7", &o, collect, &cast, &r, why), 0);
		if (!r.truncated)
			break;
		o.resume = 1;
		o.resume_us = r.next_us;
		o.resume_skip = r.next_skip;
	}
	read_all(s, "cm-7", TRANSCRIPT_CAST, &whole);
	assert_int_equal(cast.len, whole.len);
	assert_memory_equal(cast.data, whole.data, whole.len);
	free(big);
	buf_release(&whole);
	buf_release(&parts);
	buf_release(&cast);
	transcript_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_frames_and_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_range_reads_few_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_after_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_presence_wakes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_thousand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	    cmocka_unit_test(test_strip),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test_setup_teardown(test_asciinema, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
