/*
 * tool-version: `PROG --version` and the order of versions (see tool-version.h).
 */
#include "agent/screen/tool-version.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* "2.1.197 (Claude Code)", "codex-cli 0.169.0": the first word that starts with a digit. */
int
tool_version_parse(const char *text, char *out, size_t size)
{
	const char *v;
	size_t n;

	for (v = text; *v != '\0'; v++)
		if (isdigit((unsigned char)*v) &&
		    (v == text || isspace((unsigned char)v[-1]) || v[-1] == 'v'))
			break;
	if (*v == '\0')
		return -1;
	for (n = 0; v[n] != '\0' && (isalnum((unsigned char)v[n]) || strchr(".+-", v[n])); n++)
		;
	if (n == 0 || n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

/*
 * Runs `prog --version` (no shell; PATH search) and leaves the first
 * version-looking word of its output in out. Returns 0, or -1 if it could
 * not be run, printed nothing usable or took too long.
 */
int
tool_version_run(const char *prog, const char *flag, long timeout_ms, char *out, size_t size)
{
	char *argv[] = {(char *)prog, (char *)flag, NULL}, buf[TOOL_VERSION_OUT];
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	struct pollfd pfd;
	size_t len = 0;
	int fds[2], status, rc;
	ssize_t got;
	long ms;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd = (struct pollfd){.fd = fds[0], .events = POLLIN};
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = timeout_ms -
		     ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&pfd, 1, (int)ms) == 0) {
			kill(pid, SIGKILL); /* too slow: not a version answer */
			len = 0;
			break;
		}
		got = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len == sizeof buf - 1)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[len] = '\0';
	return tool_version_parse(buf, out, size);
}

/* Compares the numeric dotted parts of two versions (like strcmp). */
int
tool_version_cmp(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		if (*a != '.' && *b != '.')
			break; /* suffixes such as "-beta.1" are not ordered */
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}
