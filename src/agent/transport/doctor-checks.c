/*
 * doctor-checks: disk, modes, the unit, the clock (see doctor-checks.h).
 */
#include "agent/transport/doctor-checks.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/timex.h>
#include <unistd.h>

#include "proto/message.h"

/* Appends one check; fix may be NULL (status ok). */
void
doctor_add(json_t *checks, const char *name, const char *status, const char *fix, const char *fmt,
	   ...)
{
	json_t *o = json_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "status", json_string(status));
	message_set_str(o, "message", msg);
	if (fix != NULL)
		message_set_str(o, "fix", fix);
	json_array_append_new(checks, o);
}

/* True if prog is an executable file, itself (with a '/') or on PATH. */
int
doctor_found(const char *prog)
{
	const char *path = getenv("PATH"), *s, *e;
	char file[4096];

	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0;
	for (s = path ? path : "/usr/bin:/bin";; s = e + 1) {
		struct stat st;
		int len;

		e = strchrnul(s, ':');
		len = snprintf(file, sizeof file, "%.*s/%s", (int)(e - s), s, prog);
		if (e > s && len > 0 && (size_t)len < sizeof file && stat(file, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(file, X_OK) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

/* Free space where dir lives: fail under 100 MB or 2%, warn under 1 GB or 10%. */
void
doctor_disk(json_t *checks, const char *name, const char *dir)
{
	struct statvfs v;
	double free_b, pct;
	char fix[512];

	if (dir == NULL)
		return;
	if (statvfs(dir, &v) < 0) {
		doctor_add(checks, name, "fail", NULL, "%s: %s", dir, strerror(errno));
		return;
	}
	free_b = (double)v.f_bavail * (double)v.f_frsize;
	pct = v.f_blocks > 0 ? 100.0 * (double)v.f_bavail / (double)v.f_blocks : 100;
	snprintf(fix, sizeof fix, "free space on the file system of %s", dir);
	if (free_b < 100e6 || pct < 2)
		doctor_add(checks, name, "fail", fix, "%.1f MB free (%.0f%%) in %s", free_b / 1e6,
			   pct, dir);
	else if (free_b < 1e9 || pct < 10)
		doctor_add(checks, name, "warn", fix, "%.1f GB free (%.0f%%) in %s", free_b / 1e9,
			   pct, dir);
	else
		doctor_add(checks, name, "ok", NULL, "%.1f GB free (%.0f%%) in %s", free_b / 1e9,
			   pct, dir);
}

/* A private file or directory: ours, nobody else's bits. */
void
doctor_private(json_t *checks, const char *name, const char *path, int dir)
{
	struct stat st;
	char fix[512];

	if (path == NULL)
		return;
	if (lstat(path, &st) < 0) {
		doctor_add(checks, name, "fail", NULL, "%s: %s", path, strerror(errno));
		return;
	}
	if (st.st_uid != geteuid()) {
		snprintf(fix, sizeof fix, "chown %s %s",
			 getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "USER", path);
		doctor_add(checks, name, "fail", fix, "%s belongs to uid %u, not the agent's", path,
			   (unsigned)st.st_uid);
	} else if ((st.st_mode & 077) != 0) {
		snprintf(fix, sizeof fix, "chmod %s %s", dir ? "700" : "600", path);
		doctor_add(checks, name, "fail", fix, "%s is mode %04o: others may read%s it", path,
			   (unsigned)(st.st_mode & 07777), dir ? " or change" : "");
	} else {
		doctor_add(checks, name, "ok", NULL, "%s is mode %04o", path,
			   (unsigned)(st.st_mode & 07777));
	}
}

/* How the agent runs: a systemd unit (user or system), linger for a user unit. */
void
doctor_systemd(json_t *checks)
{
	char line[1024], unit[256] = "", linger[512];
	struct passwd *pw = getpwuid(geteuid());
	FILE *f = fopen("/proc/self/cgroup", "re");
	int user = 0;

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *svc = strstr(line, ".service");

		if (svc == NULL)
			continue;
		/* The last path component ending in .service is the unit. */
		for (char *p = line; (p = strstr(p, ".service")) != NULL; p++) {
			char *b = p;

			while (b > line && b[-1] != '/')
				b--;
			if (strncmp(b, "user@", 5) == 0) {
				user = 1;
				continue;
			}
			snprintf(unit, sizeof unit, "%.*s", (int)(p + 8 - b), b);
		}
	}
	if (f != NULL)
		fclose(f);
	if (unit[0] == '\0') {
		doctor_add(
		    checks, "systemd", "warn",
		    "cm agent install (a user unit), or packaging/cm-agent.service",
		    "not run by a systemd unit: nothing restarts it after a crash or a reboot");
		return;
	}
	if (!user) {
		doctor_add(checks, "systemd", "ok", NULL, "%s (system unit)", unit);
		return;
	}
	snprintf(linger, sizeof linger, "/var/lib/systemd/linger/%s", pw ? pw->pw_name : "");
	if (pw == NULL || access(linger, F_OK) < 0) {
		char fix[300];

		snprintf(fix, sizeof fix, "loginctl enable-linger %s", pw ? pw->pw_name : "USER");
		doctor_add(checks, "systemd", "warn", fix,
			   "%s is a user unit without linger: it stops when you log out", unit);
		return;
	}
	doctor_add(checks, "systemd", "ok", NULL, "%s (user unit), linger on", unit);
}

/* The kernel's view of the clock: synchronised (NTP) or not. */
void
doctor_clock(json_t *checks)
{
	struct timex tx = {0};
	int state = adjtimex(&tx);

	if (state == TIME_ERROR)
		doctor_add(checks, "clock", "warn",
			   "enable time synchronisation: timedatectl set-ntp true",
			   "the clock is not synchronised (no NTP)");
	else
		doctor_add(checks, "clock", "ok", NULL, "the clock is synchronised");
}
