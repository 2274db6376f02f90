/*
 * timearg: the times `cm logs --since/--until` and `cm grep` take: a
 * duration back from now ("90s", "10m", "2h", "3d", "1w", or seconds), or
 * a time ("2026-12-01T14:05:00Z", "2026-12-01 14:05", "2026-12-01"; local
 * time unless it ends in Z or an offset +HH:MM).
 */
#ifndef CM_CLI_TIMEARG_H
#define CM_CLI_TIMEARG_H

/* Parses s relative to now (seconds since the epoch); -1 if it is neither form. */
int timearg_parse(const char *s, double now, double *out);

#endif
