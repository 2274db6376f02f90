/*
 * place: placement of new sessions across a pool (see place.h).
 */
#include "place.h"

#include <stdio.h>

#define PLACE_MIN_MEM (256.0 * 1024 * 1024)

/* Reads a number field, or def. */
static double
place_num(const json_t *o, const char *key, double def)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

/* Scores one agent. */
int
place_score(const json_t *info, double *score, char *why, size_t n)
{
	double cpus, load, busy, sessions, max, mem_total, mem_avail, proto;

	if (!json_is_object(info)) {
		snprintf(why, n, "no agent_info");
		return -1;
	}
	proto = place_num(info, "protocol", 1);
	if (proto != 1) {
		snprintf(why, n, "speaks protocol %.0f", proto);
		return -1;
	}
	cpus = place_num(info, "cpus", 1);
	if (cpus < 1)
		cpus = 1;
	load = place_num(info, "load1", 0);
	busy = place_num(info, "busy", 0);
	sessions = place_num(info, "sessions", 0);
	max = place_num(info, "maxSessions", 0);
	mem_total = place_num(info, "memTotal", 0);
	mem_avail = place_num(info, "memAvailable", -1);
	if (max > 0 && sessions >= max) {
		snprintf(why, n, "at its session limit (%.0f)", max);
		return -1;
	}
	if (mem_avail >= 0 && mem_avail < PLACE_MIN_MEM) {
		snprintf(why, n, "low on memory (%.0f MiB available)", mem_avail / 1048576.0);
		return -1;
	}
	*score = load / cpus + 0.5 * busy / cpus + 0.1 * sessions;
	if (mem_total > 0 && mem_avail >= 0)
		*score += 0.5 * (1.0 - mem_avail / mem_total);
	return 0;
}

/* Picks the best eligible agent. */
int
place_pick(const json_t *const *infos, size_t n)
{
	double best = 0, s;
	char why[128];
	size_t i;
	int pick = -1;

	for (i = 0; i < n; i++) {
		if (!infos[i] || place_score(infos[i], &s, why, sizeof(why)) < 0)
			continue;
		if (pick < 0 || s < best) {
			best = s;
			pick = (int)i;
		}
	}
	return pick;
}
