/*
 * timearg: durations and times on the command line (see timearg.h).
 */
#include "timearg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMEARG_MAX_S (100.0 * 365 * 86400) /* a duration beyond a century is a typo */

/* "10m" and friends; -1 if s is not one. */
static int
timearg_duration(const char *s, double *secs)
{
	char *end;
	double v, unit = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	if (*end && end[1] != '\0')
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -1;
	}
	v *= unit;
	if (!(v >= 0 && v <= TIMEARG_MAX_S))
		return -1;
	*secs = v;
	return 0;
}

/* "YYYY-MM-DD[(T| )HH:MM[:SS]][Z|±HH:MM]"; -1 if s is not one. */
static int
timearg_time(const char *s, double *out)
{
	struct tm tm;
	const char *p;
	int utc = 0, off = 0;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*p == 'T' || *p == ' ') {
		const char *q = strptime(p + 1, "%H:%M:%S", &tm);

		if (q == NULL && (q = strptime(p + 1, "%H:%M", &tm)) == NULL)
			return -1;
		p = q;
	}
	if (*p == 'Z') {
		utc = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int h, m;

		if (strlen(p) != 6 || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || p[3] != ':' || !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]))
			return -1;
		h = (p[1] - '0') * 10 + (p[2] - '0');
		m = (p[4] - '0') * 10 + (p[5] - '0');
		if (h > 23 || m > 59)
			return -1;
		off = (h * 3600 + m * 60) * (*p == '-' ? -1 : 1);
		utc = 1;
		p += 6;
	}
	if (*p != '\0')
		return -1;
	if (utc)
		t = timegm(&tm) - off;
	else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1 || t < 0)
		return -1;
	*out = (double)t;
	return 0;
}

int
timearg_parse(const char *s, double now, double *out)
{
	double d;

	if (s == NULL || *s == '\0')
		return -1;
	if (timearg_duration(s, &d) == 0) {
		*out = now - d > 0 ? now - d : 0;
		return 0;
	}
	return timearg_time(s, out);
}
