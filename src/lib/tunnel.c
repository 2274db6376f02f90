/*
 * tunnel: the OpenSSH tunnel supervisor of libcm.
 *
 * OpenSSH does the transport, so users' keys, agents, ~/.ssh/config, jump
 * hosts and known_hosts all work. For each (context, host, target) there is
 * one ControlMaster, started as
 *
 *   ssh [-F cfg] [-p port] [-i key] [-l user] -o ControlPath=DIR/H.ctl
 *       -o ControlMaster=yes -o ControlPersist=600 -o ExitOnForwardFailure=yes
 *       -o StreamLocalBindUnlink=yes -E DIR/H.log -f -N -L DIR/H.sock:TARGET host
 *
 * where DIR is a private 0700 runtime directory, H a hash of everything that
 * identifies the tunnel, and TARGET the agent's loopback port (127.0.0.1:N)
 * or Unix socket on the remote. The local end is a Unix socket in DIR, so no
 * port is ever opened, not even on the local loopback. `-f` returns once
 * the forward listens, which is the readiness signal; the WebSocket
 * handshake through it is the probe that the agent itself answers.
 *
 * Later commands find DIR/H.sock and connect at once (the fast path: no
 * ssh process at all). When that fails, the client asks the tunnel to
 * check the master (`ssh -O check`), to re-add the forward (`-O forward`),
 * or to start a new master. Each step is a child process that the client
 * polls from a timer, so that several tunnels come up in parallel; a lock
 * file keeps two cm processes from starting the same master at once.
 *
 * Why a step failed is read from ssh's log (-E): the texts of OpenSSH's
 * error messages are stable and are matched in cm_tunnel_classify().
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define TUNNEL_LOG_MAX (256 * 1024)

/* Fills buf with the runtime directory (not created). */
static int
tunnel_dir_path(char *buf, size_t len)
{
	const char *e;
	int n;

	if ((e = getenv("CM_RUNTIME_DIR")) && *e)
		n = snprintf(buf, len, "%s", e);
	else if ((e = getenv("XDG_RUNTIME_DIR")) && *e)
		n = snprintf(buf, len, "%s/cm", e);
	else
		n = snprintf(buf, len, "/tmp/cm-%u", (unsigned)getuid());
	if (n < 0 || (size_t)n >= len)
		return CM_ETOOBIG;
	return 0;
}

/* Fills buf with the private runtime directory, creating it 0700. */
int
cm_runtime_dir(char *buf, size_t len)
{
	const char *why = NULL;
	int rc;

	if ((rc = tunnel_dir_path(buf, len)) < 0)
		return rc;
	return fs_private_dir(buf, &why);
}

/* Mixes a string (or NULL) into an FNV-1a hash. */
static uint64_t
tunnel_hash(uint64_t h, const char *s)
{
	if (s)
		for (; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

/* Appends one argument to the base argv. */
static void
tunnel_arg(struct cm_tunnel *t, const char *s)
{
	t->base = xreallocarray(t->base, (size_t)t->nbase + 2, sizeof(char *));
	t->base[t->nbase++] = xstrdup(s);
	t->base[t->nbase] = NULL;
}

/* Prepares paths and the common ssh arguments of a tunnel. */
int
cm_tunnel_init(struct cm_tunnel *t, const struct cm_ssh_opts *ssh, const char *remote_unix,
	       int remote_port)
{
	const char *why = NULL, *prog;
	char num[32], opt[400];
	uint64_t h = 14695981039346656037ULL;
	int rc;

	memset(t, 0, sizeof(*t));
	t->lockfd = -1;
	if (!ssh->host || !*ssh->host || ssh->host[0] == '-') {
		snprintf(t->err, sizeof(t->err), "no usable ssh host");
		t->fail = CM_FAIL_CONFIG;
		return CM_EINVAL;
	}
	snprintf(t->host, sizeof(t->host), "%s", ssh->host);
	if (remote_unix && *remote_unix)
		snprintf(t->target, sizeof(t->target), "%s", remote_unix);
	else
		snprintf(t->target, sizeof(t->target), "127.0.0.1:%d",
			 remote_port > 0 ? remote_port : CM_DEFAULT_PORT);
	if (ssh->runtime_dir && *ssh->runtime_dir)
		snprintf(t->dir, sizeof(t->dir), "%s", ssh->runtime_dir);
	else if (tunnel_dir_path(t->dir, sizeof(t->dir)) < 0) {
		snprintf(t->err, sizeof(t->err), "runtime directory path is too long");
		t->fail = CM_FAIL_CONFIG;
		return CM_ETOOBIG;
	}
	if ((rc = fs_private_dir(t->dir, &why)) < 0) {
		snprintf(t->err, sizeof(t->err), "%s: %s", t->dir, why ? why : cm_strerror(rc));
		t->fail = CM_FAIL_CONFIG;
		return rc;
	}
	h = tunnel_hash(h, ssh->name);
	h = tunnel_hash(h, ssh->host);
	h = tunnel_hash(h, ssh->user);
	snprintf(num, sizeof(num), "%d", ssh->port);
	h = tunnel_hash(h, num);
	h = tunnel_hash(h, ssh->identity);
	h = tunnel_hash(h, ssh->config);
	h = tunnel_hash(h, t->target);
	if ((size_t)snprintf(t->ctl, sizeof(t->ctl), "%s/%016llx.ctl", t->dir,
			     (unsigned long long)h) >= 90) {
		/* ssh appends 17 characters to the ControlPath while binding it. */
		snprintf(t->err, sizeof(t->err), "runtime directory %s is too long for sockets",
			 t->dir);
		t->fail = CM_FAIL_CONFIG;
		return CM_ETOOBIG;
	}
	snprintf(t->sock, sizeof(t->sock), "%s/%016llx.sock", t->dir, (unsigned long long)h);
	snprintf(t->log, sizeof(t->log), "%s/%016llx.log", t->dir, (unsigned long long)h);
	snprintf(t->lock, sizeof(t->lock), "%s/%016llx.lock", t->dir, (unsigned long long)h);

	prog = getenv("CM_SSH");
	tunnel_arg(t, prog && *prog ? prog : "ssh");
	if (ssh->config && *ssh->config) {
		tunnel_arg(t, "-F");
		tunnel_arg(t, ssh->config);
	}
	if (ssh->port > 0) {
		tunnel_arg(t, "-p");
		tunnel_arg(t, num);
	}
	if (ssh->identity && *ssh->identity) {
		tunnel_arg(t, "-i");
		tunnel_arg(t, ssh->identity);
	}
	if (ssh->user && *ssh->user) {
		tunnel_arg(t, "-l");
		tunnel_arg(t, ssh->user);
	}
	snprintf(opt, sizeof(opt), "ControlPath=%s", t->ctl);
	tunnel_arg(t, "-o");
	tunnel_arg(t, opt);
	snprintf(opt, sizeof(opt), "ConnectTimeout=%d",
		 ssh->connect_timeout_s > 0 ? ssh->connect_timeout_s : 10);
	tunnel_arg(t, "-o");
	tunnel_arg(t, opt);
	snprintf(opt, sizeof(opt), "ControlPersist=%d", ssh->persist_s > 0 ? ssh->persist_s : 600);
	tunnel_arg(t, "-o");
	tunnel_arg(t, opt);
	tunnel_arg(t, "-o");
	tunnel_arg(t, "StreamLocalBindUnlink=yes");
	tunnel_arg(t, "-o");
	tunnel_arg(t, "ExitOnForwardFailure=yes");
	tunnel_arg(t, "-o");
	tunnel_arg(t, "ServerAliveInterval=15");
	if (!isatty(STDIN_FILENO)) {
		/* Nobody could answer a prompt: fail instead of hanging. */
		tunnel_arg(t, "-o");
		tunnel_arg(t, "BatchMode=yes");
	}
	tunnel_arg(t, "-E");
	tunnel_arg(t, t->log);
	return 0;
}

/* Releases the lock file if held. */
static void
tunnel_unlock(struct cm_tunnel *t)
{
	if (t->lockfd >= 0) {
		close(t->lockfd);
		t->lockfd = -1;
	}
}

/* Frees the argv, kills a running child, drops the lock. */
void
cm_tunnel_release(struct cm_tunnel *t)
{
	int i;

	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
	tunnel_unlock(t);
	for (i = 0; i < t->nbase; i++)
		free(t->base[i]);
	free(t->base);
	t->base = NULL;
	t->nbase = 0;
}

/* True if the forward's local socket exists. */
int
cm_tunnel_socket_exists(const struct cm_tunnel *t)
{
	struct stat st;

	return stat(t->sock, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Runs ssh with the base arguments plus extra (NULL-terminated) in a child. */
static int
tunnel_spawn(struct cm_tunnel *t, const char *const *extra)
{
	char **argv;
	int n = 0, i, fd;
	sigset_t none;
	pid_t pid;

	for (i = 0; extra[i]; i++)
		n++;
	argv = xcalloc((size_t)(t->nbase + n + 1), sizeof(char *));
	for (i = 0; i < t->nbase; i++)
		argv[i] = t->base[i];
	for (i = 0; i < n; i++)
		argv[t->nbase + i] = (char *)extra[i];
	pid = fork();
	if (pid < 0) {
		free(argv);
		snprintf(t->err, sizeof(t->err), "fork: %s", strerror(errno));
		t->fail = CM_FAIL_SSH;
		return CM_EIO;
	}
	if (pid == 0) {
		/*
		 * The master lives on after us: it must hold none of our
		 * descriptors, or a caller reading our stdout would never
		 * see end-of-file. Prompts, if any, go through /dev/tty.
		 */
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		closefrom(3);
		/*
		 * Nor our blocked signals: a caller that takes SIGTERM through a
		 * signalfd (cm notify) blocks it, and a master that inherited
		 * that mask could not be stopped with kill.
		 */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	free(argv);
	t->pid = pid;
	return 0;
}

/* Enters step by running its ssh child; a failed spawn fails the tunnel and drops the lock. */
static int
tunnel_step(struct cm_tunnel *t, enum cm_tunnel_step step, const char *const *extra)
{
	t->step = step;
	if (tunnel_spawn(t, extra) < 0) {
		t->step = CM_TUNNEL_FAILED;
		tunnel_unlock(t);
		return CM_EIO;
	}
	return 0;
}

/* Starts `ssh -O check`, taking the lock first. */
int
cm_tunnel_start(struct cm_tunnel *t)
{
	const char *argv[] = {"-o", "ControlMaster=no", "-O", "check", t->host, NULL};

	if (t->lockfd < 0) {
		t->lockfd = open(t->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (t->lockfd >= 0)
			flock(t->lockfd, LOCK_EX);
	}
	return tunnel_step(t, CM_TUNNEL_CHECK, argv);
}

/* Reads the tail of the ssh log into a fresh string (or NULL). */
static char *
tunnel_read_log(const struct cm_tunnel *t)
{
	char *data = NULL;
	size_t len = 0;

	if (fs_read_file(t->log, 4 * TUNNEL_LOG_MAX, &data, &len) < 0)
		return NULL;
	return data;
}

/* Finds the line of text containing needle; copies it (trimmed) into out. */
static int
tunnel_find_line(const char *text, const char *needle, char *out, size_t n)
{
	const char *p = NULL, *q, *s, *e;

	/* The last occurrence is the one of the latest attempt. */
	for (q = strstr(text, needle); q; q = strstr(q + 1, needle))
		p = q;
	if (!p)
		return 0;
	for (s = p; s > text && s[-1] != '\n'; s--)
		;
	for (e = p; *e && *e != '\n' && *e != '\r'; e++)
		;
	snprintf(out, n, "%.*s", (int)(e - s), s);
	return 1;
}

/* Classifies what ssh logged when it failed. */
enum cm_fail
cm_tunnel_classify(const char *log, const char *host, char *msg, size_t n)
{
	char line[300] = "";
	const char *last, *e;
	static const char *const unreachable[] = {
	    "Could not resolve hostname", "Connection refused",	    "Connection timed out",
	    "No route to host",		  "Network is unreachable", "connect to host",
	    "Connection closed by",	  "Connection reset by",    NULL};
	int i;

	if (!log)
		log = "";
	if (strstr(log, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
	    strstr(log, "has changed and you have requested strict checking")) {
		snprintf(msg, n,
			 "host key of %s does not match known_hosts (the key changed or someone "
			 "is intercepting): check it, then fix known_hosts",
			 host);
		return CM_FAIL_HOSTKEY;
	}
	if (tunnel_find_line(log, "host key is known", line, sizeof(line)) ||
	    tunnel_find_line(log, "Host key verification failed", line, sizeof(line))) {
		snprintf(msg, n,
			 "host key of %s is not trusted (%s): connect once with ssh to check "
			 "and accept it",
			 host, line);
		return CM_FAIL_HOSTKEY;
	}
	if (tunnel_find_line(log, "Permission denied", line, sizeof(line)) ||
	    tunnel_find_line(log, "Too many authentication failures", line, sizeof(line)) ||
	    tunnel_find_line(log, "No more authentication methods", line, sizeof(line))) {
		snprintf(msg, n, "ssh authentication refused by %s (%s)", host, line);
		return CM_FAIL_SSH_AUTH;
	}
	for (i = 0; unreachable[i]; i++)
		if (tunnel_find_line(log, unreachable[i], line, sizeof(line))) {
			snprintf(msg, n, "cannot reach host %s (%s)", host, line);
			return CM_FAIL_UNREACHABLE;
		}
	/* Otherwise the last line ssh wrote says most. */
	e = log + strlen(log);
	while (e > log && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	for (last = e; last > log && last[-1] != '\n'; last--)
		;
	if (e > last)
		snprintf(msg, n, "ssh to %s failed: %.*s", host, (int)(e - last), last);
	else
		snprintf(msg, n, "ssh to %s failed", host);
	return CM_FAIL_SSH;
}

/* Sets the failure from the log (or a fallback text). */
static int
tunnel_failed(struct cm_tunnel *t, int status)
{
	char *log = tunnel_read_log(t);

	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		snprintf(t->err, sizeof(t->err), "cannot run ssh (is OpenSSH installed?)");
		t->fail = CM_FAIL_SSH;
	} else {
		t->fail = cm_tunnel_classify(log, t->host, t->err, sizeof(t->err));
	}
	free(log);
	t->step = CM_TUNNEL_FAILED;
	tunnel_unlock(t);
	return CM_ECONNECT;
}

/* Starts a new master holding the forward. */
static int
tunnel_start_master(struct cm_tunnel *t)
{
	char fwd[512];
	const char *argv[] = {"-o", "ControlMaster=yes", "-f", "-N", "-L", fwd, t->host, NULL};
	struct stat st;

	snprintf(fwd, sizeof(fwd), "%s:%s", t->sock, t->target);
	unlink(t->ctl);
	unlink(t->sock);
	if (stat(t->log, &st) == 0 && st.st_size > TUNNEL_LOG_MAX)
		(void)truncate(t->log, 0);
	return tunnel_step(t, CM_TUNNEL_MASTER, argv) < 0 ? CM_EIO : 1;
}

/* Adds the forward to a live master. */
static int
tunnel_start_forward(struct cm_tunnel *t)
{
	char fwd[512];
	const char *argv[] = {"-o", "ControlMaster=no", "-O", "forward", "-L", fwd, t->host, NULL};

	snprintf(fwd, sizeof(fwd), "%s:%s", t->sock, t->target);
	return tunnel_step(t, CM_TUNNEL_FORWARD, argv) < 0 ? CM_EIO : 1;
}

/* Moves the tunnel on when its child has exited. */
int
cm_tunnel_poll(struct cm_tunnel *t)
{
	int status = 0;
	pid_t r;

	if (t->step == CM_TUNNEL_UP)
		return 0;
	if (t->step == CM_TUNNEL_FAILED)
		return CM_ECONNECT;
	if (t->pid <= 0)
		return CM_EINTERNAL;
	r = waitpid(t->pid, &status, WNOHANG);
	if (r == 0)
		return 1;
	t->pid = 0;
	if (r < 0)
		status = 255 << 8;
	switch (t->step) {
	case CM_TUNNEL_CHECK:
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			if (cm_tunnel_socket_exists(t)) {
				/* Master and socket are there: the forward is fine. */
				t->step = CM_TUNNEL_UP;
				tunnel_unlock(t);
				return 0;
			}
			return tunnel_start_forward(t);
		}
		return tunnel_start_master(t);
	case CM_TUNNEL_FORWARD:
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			t->step = CM_TUNNEL_UP;
			tunnel_unlock(t);
			return 0;
		}
		return tunnel_start_master(t);
	case CM_TUNNEL_MASTER:
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && cm_tunnel_socket_exists(t)) {
			t->step = CM_TUNNEL_UP;
			tunnel_unlock(t);
			return 0;
		}
		return tunnel_failed(t, status);
	default:
		return CM_EINTERNAL;
	}
}

/* Remembers how long the log is now. */
void
cm_tunnel_mark_log(struct cm_tunnel *t)
{
	struct stat st;

	t->log_mark = stat(t->log, &st) == 0 ? (long)st.st_size : 0;
}

/* Tells why a connection through a live tunnel failed, from the master's log. */
enum cm_fail
cm_tunnel_diagnose_forward(struct cm_tunnel *t, const char *why)
{
	char *log = tunnel_read_log(t);
	const char *fresh = log;
	char line[300];

	if (log && (size_t)t->log_mark <= strlen(log))
		fresh = log + t->log_mark;
	if (fresh && tunnel_find_line(fresh, "open failed", line, sizeof(line)))
		snprintf(t->err, sizeof(t->err),
			 "agent not running on %s: nothing answers at %s there (ssh: %s)", t->host,
			 t->target, line);
	else
		snprintf(t->err, sizeof(t->err),
			 "agent not answering on %s: no WebSocket answer from %s through the "
			 "tunnel (%s)",
			 t->host, t->target, why ? why : "closed");
	free(log);
	t->fail = CM_FAIL_NO_AGENT;
	return t->fail;
}

/* Stops the master of these options, if any (ssh -O exit). */
int
cm_ssh_close(const struct cm_ssh_opts *ssh, const char *unix_path, int port)
{
	const char *argv[] = {"-o", "ControlMaster=no", "-O", "exit", NULL, NULL};
	struct cm_tunnel t;
	int status = 0, rc;

	if ((rc = cm_tunnel_init(&t, ssh, unix_path, port)) < 0) {
		cm_tunnel_release(&t);
		return rc;
	}
	argv[4] = t.host;
	rc = 0;
	if (access(t.ctl, F_OK) == 0) {
		if (tunnel_spawn(&t, argv) == 0) {
			waitpid(t.pid, &status, 0);
			t.pid = 0;
		}
		rc = 1;
	}
	unlink(t.sock);
	cm_tunnel_release(&t);
	return rc;
}
