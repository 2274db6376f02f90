/*
 * limit-time: reset times of usage limits (see limit-time.h).
 */
#include "agent/screen/limit-time.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#define LIMIT_TEXT_MAX	8192 /* bytes looked at: the end of the screen */
#define LIMIT_AT_WINDOW 40   /* bytes after "at" where the time of day may start */

/* Skips spaces, commas and the word "and". */
static const char *
lt_skip(const char *p, const char *end)
{
	for (;;) {
		while (p < end && (*p == ' ' || *p == ',' || *p == '\t'))
			p++;
		if (end - p >= 4 && strncmp(p, "and ", 4) == 0)
			p += 4;
		else
			return p;
	}
}

/* Reads digits (at most 4); -1 if none. */
static long
lt_num(const char **pp, const char *end)
{
	const char *p = *pp;
	long v = 0;
	int n = 0;

	while (p < end && isdigit((unsigned char)*p) && n < 5) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || n > 4)
		return -1;
	*pp = p;
	return v;
}

/* A duration "2 hours 5 minutes", "4h 12m", "30s"; seconds, or -1. */
static long
lt_duration(const char *p, const char *end)
{
	static const struct {
		const char *word;
		long secs;
	} units[] = {{"days", 86400}, {"day", 86400}, {"d", 86400}, {"hours", 3600}, {"hour", 3600},
		     {"hrs", 3600},   {"hr", 3600},   {"h", 3600},  {"minutes", 60}, {"minute", 60},
		     {"mins", 60},    {"min", 60},    {"m", 60},    {"seconds", 1},  {"second", 1},
		     {"secs", 1},     {"sec", 1},     {"s", 1}};
	long total = 0;
	int parts = 0;

	for (;;) {
		const char *q = lt_skip(p, end);
		long v = lt_num(&q, end);
		size_t i;

		if (v < 0)
			break;
		while (q < end && *q == ' ')
			q++;
		for (i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].word);

			if ((size_t)(end - q) >= n && strncmp(q, units[i].word, n) == 0 &&
			    (q + n == end || !isalpha((unsigned char)q[n])))
				break;
		}
		if (i == sizeof units / sizeof units[0])
			break;
		total += v * units[i].secs;
		p = q + strlen(units[i].word);
		parts++;
	}
	return parts > 0 && total <= 7 * 86400 ? total : -1;
}

/*
 * A time of day "3pm", "3:04 pm", "15:00", "3 a.m." at p: seconds after
 * midnight, or -1. Needs a ":MM" or an am/pm, so that a bare number is
 * never taken for an hour.
 */
static long
lt_clock(const char *p, const char *end)
{
	long h = lt_num(&p, end), m = 0;
	int marked = 0;

	if (h < 0 || h > 23)
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (end - p < 2 || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
			return -1;
		m = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
		marked = 1;
		if (m > 59)
			return -1;
	}
	while (p < end && *p == ' ')
		p++;
	if (end - p >= 2 && (p[0] == 'a' || p[0] == 'p') &&
	    (p[1] == 'm' || (p[1] == '.' && end - p >= 3 && p[2] == 'm'))) {
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (p[0] == 'p' ? 12 : 0);
		marked = 1;
	}
	return marked ? h * 3600 + m * 60 : -1;
}

/* The next wall time after now at secs after local midnight. */
static double
lt_next(long secs, double now)
{
	time_t t = (time_t)now;
	struct tm tm;
	time_t at;

	localtime_r(&t, &tm);
	tm.tm_hour = (int)(secs / 3600);
	tm.tm_min = (int)(secs / 60 % 60);
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	at = mktime(&tm);
	if ((double)at + 60 < now) { /* passed (a minute of slack): tomorrow's */
		tm.tm_mday++;
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	return (double)at;
}

/* What follows an anchor ("resets", "try again"): a duration or a clock. */
static double
lt_after(const char *p, const char *end, double now)
{
	long v;

	p = lt_skip(p, end);
	if (end - p >= 3 && strncmp(p, "in ", 3) == 0) {
		v = lt_duration(p + 3, end);
		return v >= 0 ? now + (double)v : 0;
	}
	if (end - p >= 3 && strncmp(p, "at ", 3) == 0)
		p += 3;
	/* "at Dec 1st, 2026 3:04 PM": the first clock within a short window. */
	for (const char *q = p; q < end && q - p < LIMIT_AT_WINDOW; q++) {
		if (!isdigit((unsigned char)*q) || (q > p && isdigit((unsigned char)q[-1])))
			continue;
		if ((v = lt_clock(q, end)) >= 0)
			return lt_next(v, now);
	}
	return 0;
}

double
limit_time_parse(const char *text, size_t len, double now)
{
	static const char *const anchors[] = {"resets", "reset", "try again"};
	char low[LIMIT_TEXT_MAX];
	const char *end;
	double found = 0;

	if (text == NULL)
		return 0;
	if (len > LIMIT_TEXT_MAX) {
		text += len - LIMIT_TEXT_MAX;
		len = LIMIT_TEXT_MAX;
	}
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)text[i]);
	end = low + len;
	for (const char *p = low; p < end; p++) {
		for (size_t a = 0; a < sizeof anchors / sizeof anchors[0]; a++) {
			size_t n = strlen(anchors[a]);
			double t;

			if ((size_t)(end - p) < n || strncmp(p, anchors[a], n) != 0)
				continue;
			if ((t = lt_after(p + n, end, now)) > 0)
				found = t;
			p += n - 1;
			break;
		}
	}
	return found;
}
