/*
 * timeutil: clocks. Monotonic time for every interval and timeout (immune
 * to the wall clock being set); wall time only for what people read and for
 * the seed's float `timestamp` fields.
 */
#ifndef CM_COMMON_TIMEUTIL_H
#define CM_COMMON_TIMEUTIL_H

#include <stdint.h>

/* Monotonic microseconds. */
uint64_t time_mono_us(void);
/* Monotonic milliseconds. */
uint64_t time_mono_ms(void);
/* Wall-clock seconds since the epoch, with microseconds, as the seed sends. */
double time_wall(void);
/* Writes an RFC 3339 UTC time ("2026-11-25T13:17:41.123Z") of t into out. */
void time_rfc3339(double t, char out[64]);

#endif
