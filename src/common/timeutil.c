/*
 * timeutil: clock helpers (see timeutil.h).
 */
#include "common/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

/* Reads CLOCK_MONOTONIC in microseconds. */
uint64_t
time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Reads CLOCK_MONOTONIC in milliseconds. */
uint64_t
time_mono_ms(void)
{
	return time_mono_us() / 1000u;
}

/* Reads the wall clock as float seconds. */
double
time_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000) / 1e6;
}

/* Formats t as RFC 3339 in UTC with milliseconds. */
void
time_rfc3339(double t, char out[64])
{
	time_t secs = (time_t)floor(t);
	int ms = (int)((t - (double)secs) * 1000.0);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ms < 0	    ? 0
		 : ms > 999 ? 999
			    : ms);
}
