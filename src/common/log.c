/*
 * log: leveled records on stderr (see log.h).
 *
 * Each record is written with one write(2) so that lines from the agent and
 * its children never interleave mid-line in the journal.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const log_names[] = {"error", "warn", "info", "debug"};

/* Sets the most verbose level that is printed. */
void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* Returns the current level. */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* Maps a level name to its value, or -1. */
int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof log_names / sizeof log_names[0]; i++)
		if (strcmp(name, log_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Formats one record into a line and writes it in one call. */
static void
log_vwrite(enum log_level level, const char *func, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m;

	n = snprintf(line, sizeof line, "cm %s %s: ", log_names[level], func);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	/* Control characters from peers must not forge log lines. */
	for (int i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			line[i] = '?';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* Nowhere left to report a failing stderr. */
	}
}

/* Writes a record if its level is enabled. */
void
log_write(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, func, fmt, ap);
	va_end(ap);
}

/* Writes an error record and aborts, leaving a core for the post-mortem. */
void
log_fatal(const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, func, fmt, ap);
	va_end(ap);
	abort();
}
