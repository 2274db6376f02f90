/*
 * tool-versions: probes of `PROGRAM --version` beside the loop (see
 * tool-versions.h).
 */
#include "agent/transport/tool-versions.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/screen/tool-version.h"
#include "agent/tmux/fdwatch.h"
#include "common/log.h"
#include "common/timeutil.h"

extern char **environ;

/* One program's version, or its probe. */
struct tool_version {
	char program[256];		 /* as the profile names it */
	char version[64];		 /* when known */
	enum tool_version_state state;	 /* pending, known, unknown */
	uint64_t at_ms;			 /* when the probe ended (or started) */
	int used;			 /* slot in use */
	int fd;				 /* the probe's stdout, or -1 */
	struct fdwatch watch;		 /* on fd */
	char out[TOOL_VERSIONS_OUT_MAX]; /* what it printed */
	size_t len;			 /* bytes in out */
};

static struct tool_version tool_versions[TOOL_VERSIONS_MAX];

/* Ends a probe: the version from its output, the watch and the pipe gone. */
static void
tool_versions_finish(struct tool_version *t)
{
	t->out[t->len] = '\0';
	t->state = tool_version_parse(t->out, t->version, sizeof t->version) == 0
		       ? TOOL_VERSION_KNOWN
		       : TOOL_VERSION_UNKNOWN;
	t->at_ms = time_mono_ms();
	fdwatch_remove(&t->watch);
	close(t->fd);
	t->fd = -1;
	log_debug("tool version of %s: %s", t->program,
		  t->state == TOOL_VERSION_KNOWN ? t->version : "none");
}

/* The probe's output is readable (or it ended). */
static void
tool_versions_on_read(void *arg)
{
	struct tool_version *t = arg;
	ssize_t got;

	for (;;) {
		if (t->len == sizeof t->out - 1) {
			/* Enough for a version line; timeout(1) ends the rest. */
			tool_versions_finish(t);
			return;
		}
		got = read(t->fd, t->out + t->len, sizeof t->out - 1 - t->len);
		if (got > 0) {
			t->len += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		tool_versions_finish(t);
		return;
	}
}

/* Starts `timeout -s KILL 10 PROGRAM --version` with its stdout on a pipe. */
static int
tool_versions_spawn(struct lws_vhost *vh, struct tool_version *t)
{
	char *argv[] = {"timeout", "-s", "KILL", "10", t->program, "--version", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int fds[2], rc;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	/* The agent blocks the signals its signalfd serves; the probe must not inherit that. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		log_warn("cannot run timeout(1) for %s --version: %s", t->program, strerror(rc));
		return -1;
	}
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	t->fd = fds[0];
	t->len = 0;
	if (fdwatch_add(vh, &t->watch, t->fd, tool_versions_on_read, NULL, t) < 0) {
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	log_debug("probing the version of %s (pid %ld)", t->program, (long)pid);
	return 0;
}

/* The version of a program, or a probe started for it. */
enum tool_version_state
tool_versions_get(struct lws_vhost *vh, const char *program, char *version, size_t n)
{
	struct tool_version *t = NULL, *free_slot = NULL, *oldest = NULL;
	uint64_t now = time_mono_ms();

	if (strlen(program) >= sizeof t->program)
		return TOOL_VERSION_UNKNOWN;
	for (size_t i = 0; i < TOOL_VERSIONS_MAX; i++) {
		struct tool_version *e = &tool_versions[i];
		if (!e->used) {
			free_slot = free_slot ? free_slot : e;
			continue;
		}
		if (!strcmp(e->program, program))
			t = e;
		else if (e->fd < 0 && (!oldest || e->at_ms < oldest->at_ms))
			oldest = e;
	}
	if (t && (t->fd >= 0 || now - t->at_ms < TOOL_VERSIONS_TTL_MS)) {
		if (t->state == TOOL_VERSION_KNOWN)
			snprintf(version, n, "%s", t->version);
		return t->fd >= 0 ? TOOL_VERSION_PENDING : t->state;
	}
	if (!t && !(t = free_slot ? free_slot : oldest))
		return TOOL_VERSION_UNKNOWN; /* every slot probes: ask again later */
	memset(t, 0, sizeof *t);
	t->used = 1;
	t->fd = -1;
	snprintf(t->program, sizeof t->program, "%s", program);
	t->at_ms = now;
	if (tool_versions_spawn(vh, t) < 0) {
		t->state = TOOL_VERSION_UNKNOWN;
		return TOOL_VERSION_UNKNOWN;
	}
	t->state = TOOL_VERSION_PENDING;
	return TOOL_VERSION_PENDING;
}
