/*
 * remote: a fixed sh script on a server, over ssh (see remote.h).
 */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cm.h"
#include "common/xmalloc.h"
#include "conn.h"

enum cm_fail cm_tunnel_classify(const char *log, const char *host, char *msg, size_t n);

/* Quotes one word. */
int
remote_quote(struct buf *b, const char *s)
{
	const char *p;
	int rc = buf_append_str(b, "'");

	for (p = s; *p && rc == 0; p++) {
		if (*p == '\'')
			rc = buf_append_str(b, "'\\''");
		else if (*p == '\\')
			rc = buf_append_str(b, "'\\\\'");
		else
			rc = buf_append(b, p, 1);
	}
	if (rc == 0)
		rc = buf_append_str(b, "'");
	return rc < 0 ? -1 : 0;
}

/* The command line sshd hands to the login shell. */
char *
remote_command(const char *script, const char *const *args)
{
	struct buf b;
	size_t i;

	buf_init(&b, 4 * 1024 * 1024);
	buf_append_str(&b, "/bin/sh -c ");
	remote_quote(&b, script);
	buf_append_str(&b, " cm-agent");
	for (i = 0; args && args[i]; i++) {
		buf_append_str(&b, " ");
		remote_quote(&b, args[i]);
	}
	return buf_steal(&b, NULL);
}

/* Adds an argument to a growing argv. */
static void
remote_argv_add(char ***argv, size_t *n, const char *s)
{
	*argv = xreallocarray(*argv, *n + 2, sizeof(char *));
	(*argv)[(*n)++] = xstrdup(s);
	(*argv)[*n] = NULL;
}

/* The ssh argv for a command line. */
static char **
remote_argv(const struct remote *rm, const char *cmdline)
{
	const char *prog = getenv("CM_SSH");
	char **argv = NULL, num[16];
	size_t n = 0;

	remote_argv_add(&argv, &n, prog && *prog ? prog : "ssh");
	if (rm->config && *rm->config) {
		remote_argv_add(&argv, &n, "-F");
		remote_argv_add(&argv, &n, rm->config);
	}
	if (rm->port > 0) {
		snprintf(num, sizeof(num), "%d", rm->port);
		remote_argv_add(&argv, &n, "-p");
		remote_argv_add(&argv, &n, num);
	}
	if (rm->identity && *rm->identity) {
		remote_argv_add(&argv, &n, "-i");
		remote_argv_add(&argv, &n, rm->identity);
	}
	if (rm->user && *rm->user) {
		remote_argv_add(&argv, &n, "-l");
		remote_argv_add(&argv, &n, rm->user);
	}
	remote_argv_add(&argv, &n, "-o");
	remote_argv_add(&argv, &n, "ConnectTimeout=10");
	/* Not a ControlMaster: these runs are few and must not outlive cm. */
	remote_argv_add(&argv, &n, "-o");
	remote_argv_add(&argv, &n, "ControlMaster=no");
	remote_argv_add(&argv, &n, "-o");
	remote_argv_add(&argv, &n, "ControlPath=none");
	if (!isatty(STDIN_FILENO)) {
		/* Nobody could answer a prompt: fail instead of hanging. */
		remote_argv_add(&argv, &n, "-o");
		remote_argv_add(&argv, &n, "BatchMode=yes");
	}
	remote_argv_add(&argv, &n, "-T");
	remote_argv_add(&argv, &n, "--");
	remote_argv_add(&argv, &n, rm->host);
	remote_argv_add(&argv, &n, cmdline);
	return argv;
}

/* Frees an argv. */
static void
remote_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Milliseconds of the monotonic clock. */
static long long
remote_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the script over ssh, collecting its output within limits. */
int
remote_run(const struct remote *rm, const char *script, const char *const *args,
	   const char *in_path, struct remote_result *r)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, in, status = 0, open_fds = 2;
	struct buf bo, be;
	long long deadline;
	char *cmdline, **argv;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (!rm->host || !*rm->host || rm->host[0] == '-') {
		r->ssh_failed = 1;
		r->err = xstrdup("no usable ssh host");
		return -1;
	}
	if ((in = open(in_path ? in_path : "/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		r->ssh_failed = 1;
		r->err = xasprintf("%s: %s", in_path ? in_path : "/dev/null", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r->ssh_failed = 1;
		r->err = xasprintf("pipe: %s", strerror(errno));
		close(in);
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		return -1;
	}
	cmdline = remote_command(script, args);
	argv = remote_argv(rm, cmdline);
	free(cmdline);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(in, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	remote_argv_free(argv);
	close(in);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		r->ssh_failed = 1;
		r->err = xasprintf("fork: %s", strerror(errno));
		return -1;
	}
	buf_init(&bo, REMOTE_OUT_MAX);
	buf_init(&be, REMOTE_ERR_MAX);
	deadline = remote_now_ms() + 1000LL * (rm->timeout_s > 0 ? rm->timeout_s : 120);
	while (open_fds > 0) {
		struct pollfd pf[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
		long long left = deadline - remote_now_ms();
		char chunk[8192];
		int i;

		if (left <= 0) {
			kill(pid, SIGTERM);
			buf_append_str(&be, "\ntimed out waiting for the server\n");
			break;
		}
		if (poll(pf, 2, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t got;
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(pf[i].fd, chunk, sizeof(chunk));
			if (got <= 0) {
				close(i ? err[0] : out[0]);
				if (i)
					err[0] = -1;
				else
					out[0] = -1;
				open_fds--;
				continue;
			}
			/* Past the limit the rest is read and dropped. */
			buf_append(i ? &be : &bo, chunk, (size_t)got);
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (err[0] >= 0)
		close(err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r->out = bo.data ? buf_steal(&bo, NULL) : xstrdup("");
	r->err = be.data ? buf_steal(&be, NULL) : xstrdup("");
	buf_release(&bo);
	buf_release(&be);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !*r->out && !*r->err) {
		r->ssh_failed = 1;
		free(r->err);
		r->err = xstrdup("cannot run ssh (is OpenSSH installed?)");
		return 0;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255) {
		r->ssh_failed = 1;
		return 0;
	}
	r->status = WEXITSTATUS(status);
	return 0;
}

/* Maps a failed ssh to cm's exit status. */
int
remote_ssh_exit(const struct remote *rm, const struct remote_result *r, char *msg, size_t n)
{
	enum cm_fail f = cm_tunnel_classify(r->err, rm->host, msg, n);
	int rc = conn_exit_for_fail(f);

	return rc ? rc : CLI_EXIT_UNREACHABLE;
}

/* Frees a result. */
void
remote_result_release(struct remote_result *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Finds "KEY=value" at the start of a line. */
int
remote_field(const char *out, const char *key, char *buf, size_t n)
{
	size_t kl = strlen(key);
	const char *p = out;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(buf, n, "%.*s", (int)(len - kl - 1), p + kl + 1);
			return 0;
		}
		p = e ? e + 1 : NULL;
	}
	if (n)
		buf[0] = '\0';
	return -1;
}
