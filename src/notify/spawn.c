/*
 * spawn: a program run with argv and input on stdin (see spawn.h).
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/timeutil.h"

extern char **environ;

/* Writes what the child takes of input before the deadline; the rest is dropped. */
static void
notify_spawn_feed(int fd, const char *input, size_t len, uint64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	ssize_t w;
	uint64_t now;

	while (len > 0 && (now = time_mono_ms()) < deadline) {
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			break;
		w = write(fd, input, len);
		if (w < 0 && errno == EPIPE) {
			/* The program does not read its input: take the SIGPIPE it raised
			 * (blocked in the delivery threads) so that it is not delivered later. */
			sigset_t set;
			struct timespec zero = {0, 0};
			sigemptyset(&set);
			sigaddset(&set, SIGPIPE);
			sigtimedwait(&set, NULL, &zero);
			break;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (w > 0) {
			input += w;
			len -= (size_t)w;
		}
	}
}

/* Runs a program. */
int
notify_spawn(char *const argv[], const char *input, size_t len, int timeout_ms, const int *cancel,
	     char *err, size_t n)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	uint64_t deadline = time_mono_ms() + (uint64_t)timeout_ms;
	int pfd[2], rc, status = 0;
	struct timespec pause = {0, 10 * 1000 * 1000};
	pid_t pid, w;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, n, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* The program gets default signals and an open mask, whatever ours are. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[0]);
	if (rc != 0) {
		close(pfd[1]);
		snprintf(err, n, "cannot run %s: %s", argv[0], strerror(rc));
		return -1;
	}
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	if (input)
		notify_spawn_feed(pfd[1], input, len, deadline);
	close(pfd[1]);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (time_mono_ms() >= deadline ||
		    (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED))) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(err, n, "%s did not finish in %d ms; killed", argv[0], timeout_ms);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (w == pid && WIFEXITED(status))
		snprintf(err, n, "%s exited with status %d", argv[0], WEXITSTATUS(status));
	else
		snprintf(err, n, "%s ended by a signal", argv[0]);
	return -1;
}
