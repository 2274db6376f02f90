/*
 * cm-bench-flip: a tool for the benchmarks that changes its screen when told.
 *
 *   cm-bench-flip FIFO
 *
 * It reads commands, one per line, from FIFO (opened read-write, so that it
 * never sees end-of-file) and writes to its terminal (stdout):
 *
 *   busy        clears the screen and draws "BUSY <t>"
 *   idle        clears the screen and draws "IDLE <t>"
 *   flood N     writes N bytes of text (lines of 99 characters and a
 *               newline), then "FLOOD-END <t0> <n>" on a line of its own
 *   quit        exits
 *
 * <t> is CLOCK_REALTIME (seconds.nanoseconds) read just before the write
 * that carries it, so that a reader on the same machine can tell how long
 * the line took to reach it; <t0> is the time the flood started. Each
 * screen change is one write(2). Plain libc: it must behave like an
 * external tool.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLIP_LINE 100 /* bytes of one flood line, newline included */

/* Writes all of buf; returns 0 or -1. */
static int
flip_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The wall clock as seconds.nanoseconds into out. */
static void
flip_now(char *out, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, size, "%lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
}

/* Clears the screen and draws "WORD <now>". */
static int
flip_draw(const char *word)
{
	char now[64], buf[160];
	int n;

	flip_now(now, sizeof now);
	n = snprintf(buf, sizeof buf, "\033[H\033[2J%s %s\r\n", word, now);
	return flip_write(buf, (size_t)n);
}

/* Writes total bytes of text, then the end marker. */
static int
flip_flood(long long total)
{
	static char chunk[FLIP_LINE * 640];
	char t0[64], end[160];
	long long left = total, line = 0;
	int n;

	flip_now(t0, sizeof t0);
	while (left > 0) {
		size_t len = 0;

		while (len + FLIP_LINE <= sizeof chunk) {
			int k = snprintf(chunk + len, FLIP_LINE, "%08lld ", line++);

			memset(chunk + len + k, 'a' + (int)(line % 26),
			       (size_t)(FLIP_LINE - 1 - k));
			chunk[len + FLIP_LINE - 1] = '\n';
			len += FLIP_LINE;
		}
		if ((long long)len > left)
			len = (size_t)left;
		if (flip_write(chunk, len) < 0)
			return -1;
		left -= (long long)len;
	}
	n = snprintf(end, sizeof end, "\r\nFLOOD-END %s %lld\r\n", t0, total);
	return flip_write(end, (size_t)n);
}

int
main(int argc, char **argv)
{
	FILE *in;
	char cmd[128];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: cm-bench-flip FIFO\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || (in = fdopen(fd, "r")) == NULL) {
		fprintf(stderr, "cm-bench-flip: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (flip_draw("IDLE") < 0)
		return 1;
	while (fgets(cmd, sizeof cmd, in) != NULL) {
		int rc = 0;

		if (strncmp(cmd, "busy", 4) == 0)
			rc = flip_draw("BUSY");
		else if (strncmp(cmd, "idle", 4) == 0)
			rc = flip_draw("IDLE");
		else if (strncmp(cmd, "flood ", 6) == 0)
			rc = flip_flood(atoll(cmd + 6));
		else if (strncmp(cmd, "quit", 4) == 0)
			break;
		if (rc < 0)
			return 1;
	}
	return 0;
}
