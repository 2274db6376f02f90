/*
 * gitrun: git commands with an argv, bounded and timed (see gitrun.h).
 */
#include "agent/worktree/gitrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

extern char **environ;

#define GITRUN_SLOTS 32 /* git children at once (the job threads are fewer) */

/* The running git children: filled by the thread that spawns, the status by
 * whoever reaps first (the SIGCHLD handler or the thread itself). */
static struct {
	pid_t pid;  /* 0: free */
	int reaped; /* status is known */
	int status; /* waitpid's status */
} gitrun_slots[GITRUN_SLOTS];
static pthread_mutex_t gitrun_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gitrun_cond = PTHREAD_COND_INITIALIZER;

void
gitrun_init(struct gitrun *r, const char *dir, const char *const *args)
{
	size_t n = 0;

	memset(r, 0, sizeof *r);
	r->dir = dir;
	r->status = -1;
	for (; args && args[n] && n < GITRUN_ARGS_MAX; n++)
		r->args[n] = args[n];
	r->args[n] = NULL;
}

int
gitrun_arg(struct gitrun *r, const char *arg)
{
	size_t n = 0;

	while (r->args[n])
		n++;
	if (n >= GITRUN_ARGS_MAX)
		return -1;
	r->args[n] = arg;
	r->args[n + 1] = NULL;
	return 0;
}

int
gitrun_env(struct gitrun *r, const char *kv)
{
	size_t n = 0;

	while (r->env[n])
		n++;
	if (n >= GITRUN_ENV_MAX)
		return -1;
	r->env[n] = kv;
	r->env[n + 1] = NULL;
	return 0;
}

void
gitrun_release(struct gitrun *r)
{
	buf_release(&r->out);
	buf_release(&r->err);
}

const char *
gitrun_why(struct gitrun *r)
{
	char *nl;

	if (r->timed_out)
		return "git did not finish in time";
	if (r->err.len == 0)
		return "git failed";
	/* "fatal: " and "error: " say nothing a reader needs. */
	nl = strchr(r->err.data, '\n');
	if (nl && nl[1] == '\0')
		*nl = '\0';
	if (strncmp(r->err.data, "fatal: ", 7) == 0)
		return r->err.data + 7;
	if (strncmp(r->err.data, "error: ", 7) == 0)
		return r->err.data + 7;
	return r->err.data;
}

/* The environment git gets: the agent's without GIT_*, plus fixed and extra ones. */
static char **
gitrun_environ(const struct gitrun *r)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = xcalloc(n + GITRUN_ENV_MAX + 4, sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "GIT_", 4) != 0 && strncmp(environ[i], "LC_ALL=", 7) != 0)
			env[k++] = environ[i];
	env[k++] = "LC_ALL=C";
	env[k++] = "GIT_TERMINAL_PROMPT=0";
	for (size_t i = 0; r->env[i]; i++)
		env[k++] = (char *)r->env[i];
	env[k] = NULL;
	return env;
}

/* Files a status for pid if it is ours. */
int
gitrun_reaped(pid_t pid, int status)
{
	int ours = 0;

	pthread_mutex_lock(&gitrun_lock);
	for (size_t i = 0; i < GITRUN_SLOTS; i++)
		if (gitrun_slots[i].pid == pid && !gitrun_slots[i].reaped) {
			gitrun_slots[i].reaped = 1;
			gitrun_slots[i].status = status;
			ours = 1;
			pthread_cond_broadcast(&gitrun_cond);
		}
	pthread_mutex_unlock(&gitrun_lock);
	return ours;
}

/* Waits for the child in slot: reaps it here, or takes what the handler filed. */
static int
gitrun_wait(size_t slot)
{
	int status = 0, st;
	pid_t pid = gitrun_slots[slot].pid, got;

	while ((got = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&gitrun_lock);
	if (got == pid) {
		gitrun_slots[slot].reaped = 1;
		gitrun_slots[slot].status = st;
	}
	/* ECHILD: the SIGCHLD handler reaped it and files the status. */
	while (!gitrun_slots[slot].reaped)
		pthread_cond_wait(&gitrun_cond, &gitrun_lock);
	status = gitrun_slots[slot].status;
	gitrun_slots[slot].pid = 0;
	gitrun_slots[slot].reaped = 0;
	pthread_mutex_unlock(&gitrun_lock);
	return status;
}

/* Reads what fd has into b (bounded by max; the rest is dropped). Returns 0 at EOF. */
static int
gitrun_drain(int fd, struct buf *b, size_t max, int *truncated)
{
	char chunk[8192];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len + (size_t)n > max) {
		size_t room = max > b->len ? max - b->len : 0;

		buf_append(b, chunk, room);
		if (truncated)
			*truncated = 1;
	} else {
		buf_append(b, chunk, (size_t)n);
	}
	return 1;
}

int
gitrun_run(struct gitrun *r)
{
	const char *argv[GITRUN_ARGS_MAX + 5];
	int out[2] = {-1, -1}, err[2] = {-1, -1}, rc, open_fds = 2;
	size_t slot = GITRUN_SLOTS, n = 0, out_max = r->out_max ? r->out_max : GITRUN_OUT_MAX;
	long timeout = r->timeout_ms > 0 ? r->timeout_ms : GITRUN_TIMEOUT_MS;
	uint64_t deadline;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char **env;
	pid_t pid;

	buf_init(&r->out, out_max + 1);
	buf_init(&r->err, GITRUN_ERR_MAX + 1);
	r->status = -1;
	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = r->dir;
	for (size_t i = 0; r->args[i]; i++)
		argv[n++] = r->args[i];
	argv[n] = NULL;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		rc = CM_EIO;
		goto fail;
	}
	env = gitrun_environ(r);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	/* The slot is taken before the child exists and its pid filed under the
	 * same lock, so that a reap in between still finds it. */
	pthread_mutex_lock(&gitrun_lock);
	for (size_t i = 0; i < GITRUN_SLOTS; i++)
		if (gitrun_slots[i].pid == 0) {
			slot = i;
			break;
		}
	if (slot == GITRUN_SLOTS) {
		pthread_mutex_unlock(&gitrun_lock);
		posix_spawn_file_actions_destroy(&fa);
		free(env);
		rc = CM_EBUSY;
		goto fail;
	}
	/* The job thread blocks every signal; git gets a plain mask and SIGPIPE. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	/* Its own process group: a timeout kills what git started too (hooks, aliases). */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					    POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, "git", &fa, &attr, (char *const *)argv, env);
	posix_spawnattr_destroy(&attr);
	if (rc == 0) {
		gitrun_slots[slot].pid = pid;
		gitrun_slots[slot].reaped = 0;
	}
	pthread_mutex_unlock(&gitrun_lock);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0) {
		rc = rc == ENOENT ? CM_ENOENT : CM_EIO;
		goto fail;
	}
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	deadline = time_mono_us() + (uint64_t)timeout * 1000;
	while (open_fds > 0) {
		struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
		uint64_t now = time_mono_us();
		int left = now >= deadline ? 0 : (int)((deadline - now) / 1000) + 1;

		if (poll(p, 2, left) == 0 || now >= deadline) {
			r->timed_out = 1;
			kill(-pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!gitrun_drain(p[i].fd, i == 0 ? &r->out : &r->err,
					  i == 0 ? out_max : GITRUN_ERR_MAX,
					  i == 0 ? &r->truncated : NULL)) {
				close(i == 0 ? out[0] : err[0]);
				if (i == 0)
					out[0] = -1;
				else
					err[0] = -1;
				open_fds--;
			}
		}
	}
	rc = gitrun_wait(slot);
	r->status = !r->timed_out && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	rc = r->timed_out ? CM_ETIMEDOUT : r->status < 0 ? CM_EIO : r->status;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return rc;
}
