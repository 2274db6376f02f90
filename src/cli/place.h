/*
 * place: choosing the agent of a pool for a new session, from what each
 * agent reports in agent_info. An agent is left out when it speaks another
 * protocol, is at its session limit, or has less than 256 MiB of memory
 * available. Among the others the lowest score wins:
 *
 *   score = load1 / cpus + 0.5 * busy / cpus + 0.1 * sessions
 *           + 0.5 * (1 - memAvailable / memTotal)
 *
 * so an idle machine beats a loaded one, a machine whose sessions are
 * working counts as more loaded than one whose sessions wait, and memory
 * pressure breaks near-ties. Ties go to the first context in the file.
 */
#ifndef CM_CLI_PLACE_H
#define CM_CLI_PLACE_H

#include <stddef.h>

#include <jansson.h>

/* Scores an agent_info reply: 0 and *score when eligible, else -1 with why. */
int place_score(const json_t *info, double *score, char *why, size_t n);
/* Index of the best of n infos (NULL entries are unreachable), or -1 if none is eligible. */
int place_pick(const json_t *const *infos, size_t n);

#endif
