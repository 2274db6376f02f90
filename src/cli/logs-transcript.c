/*
 * logs-transcript: a transcript read chunk by chunk through libcm (see
 * logs-transcript.h). Text is sanitized like every other output of cm
 * (escapes show as text); --raw and --cast are written as they are, raw
 * being meant for a terminal and a cast for asciinema.
 */
#include "logs-transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sanitize.h"

struct logs_sink {
	FILE *f;
	int sanitize;
	int failed; /* a write failed (errno kept) */
};

static int
logs_write(void *arg, const char *data, size_t len)
{
	struct logs_sink *k = arg;

	if (k->sanitize)
		sanitize_write(k->f, data, len, 0);
	else if (fwrite(data, 1, len, k->f) != len)
		k->failed = errno ? errno : EIO;
	return k->failed;
}

int
logs_transcript(struct cli *cli, struct conn *cn, const char *sid, const struct logs_opts *o)
{
	struct cm_read_opts ro = {o->since, o->until, 0, "text", 1 << 20, NULL};
	struct logs_sink k = {stdout, 1, 0};
	int rc, fd = -1;

	if (o->raw)
		ro.format = "raw", k.sanitize = 0;
	if (o->cast)
		ro.format = "cast", k.sanitize = 0;
	if (o->out) {
		/* A transcript may hold secrets the tool printed: the file is private. */
		fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || (k.f = fdopen(fd, "w")) == NULL) {
			cli_error(cli, "%s: %s", o->out, strerror(errno));
			if (fd >= 0)
				close(fd);
			return CLI_EXIT_FAIL;
		}
	}
	rc = cm_client_read_transcript_all(cn->client, sid, &ro, logs_write, &k);
	if (k.f != stdout && fclose(k.f) != 0 && !k.failed)
		k.failed = errno;
	else if (k.f == stdout)
		fflush(stdout);
	if (rc < 0)
		return conn_request_failed(cn, rc);
	if (k.failed) {
		cli_error(cli, "%s: %s", o->out ? o->out : "standard output", strerror(k.failed));
		return CLI_EXIT_FAIL;
	}
	return 0;
}
