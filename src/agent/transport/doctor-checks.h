/*
 * doctor-checks: the checks of the machine the agent runs on, each one
 * appended to a JSON array as {name, status, message, fix} (the "check"
 * object of doctor_report, docs/PROTOCOL.md): status "ok", "warn" (works,
 * but look) or "fail" (broken), a message saying what was found and, for a
 * problem, the command or step that fixes it. Each is a stat(), a statvfs()
 * or a read of /proc: nothing here runs a program or blocks.
 */
#ifndef CM_AGENT_DOCTOR_CHECKS_H
#define CM_AGENT_DOCTOR_CHECKS_H

#include <jansson.h>

/* Appends one check; fix may be NULL. */
void doctor_add(json_t *checks, const char *name, const char *status, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True if prog is an executable file, itself (with a '/') or on PATH. */
int doctor_found(const char *prog);
/* Free space where dir lives: fail under 100 MB or 2%, warn under 1 GB or 10%. */
void doctor_disk(json_t *checks, const char *name, const char *dir);
/* A private file (0600) or directory (0700, dir): the agent's, nobody else's bits. */
void doctor_private(json_t *checks, const char *name, const char *path, int dir);
/*
 * How the agent runs, from /proc/self/cgroup: a systemd system unit, a user
 * unit (and then linger, without which it stops at logout), or no unit.
 */
void doctor_systemd(json_t *checks);
/* The kernel's view of the clock: synchronised (NTP) or not (adjtimex). */
void doctor_clock(json_t *checks);

#endif
