/*
 * tmuxcc-client: runs one `tmux -C` and matches replies to commands (see
 * tmuxcc-client.h for the contract with the owner).
 *
 * Awaited replies sit in a ring, oldest first; each reply block pops one.
 * The write queue is a bounded buf; a command is first written at once (most
 * lines fit in the pipe, which saves a loop turn per keystroke) and only
 * what does not fit is queued behind want_write().
 *
 * Freeing from inside a callback is allowed: tmuxcc_client_free() then only
 * marks the client dead (no further callback runs) and the dispatching
 * function frees it on the way out. `dispatching` counts those functions.
 */
#include "agent/tmux/tmuxcc-client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/tmux/tmuxcc-parse.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* Default bytes of unsent commands. */
#define TMUXCC_CLIENT_MAX_QUEUE (1024u * 1024)
/* Default commands awaiting replies. */
#define TMUXCC_CLIENT_MAX_PENDING 4096u
/* Bytes read per tmuxcc_client_on_readable call before yielding to the loop. */
#define TMUXCC_CLIENT_READ_BUDGET (1024u * 1024)
/* Size of one read. */
#define TMUXCC_CLIENT_READ_CHUNK 65536

/* A command awaiting its reply. */
struct tmuxcc_pending {
	tmuxcc_reply_fn cb; /* NULL once cancelled */
	void *arg;	    /* cb's argument */
};

struct tmuxcc_client {
	struct tmuxcc_client_cb cb;  /* owner's callbacks */
	void *arg;		     /* their argument */
	pid_t pid;		     /* the tmux client process */
	int rfd;		     /* tmux's stdout, non-blocking */
	int wfd;		     /* tmux's stdin, non-blocking; -1 after close */
	int wdead;		     /* a write failed: nothing more is written */
	int want_write_on;	     /* last value given to want_write */
	int eof;		     /* the read side has ended */
	int initial_done;	     /* the first block (argv's command) has come */
	int dead;		     /* freed from a callback: no more callbacks */
	int dispatching;	     /* depth of functions running callbacks */
	struct tmuxcc_parse parse;   /* the stream parser */
	struct buf wq;		     /* bytes not yet written */
	struct tmuxcc_pending *pend; /* ring of awaited replies */
	size_t pend_cap;	     /* slots in pend */
	size_t pend_head;	     /* index of the oldest */
	size_t pend_len;	     /* awaited replies */
	unsigned max_pending;	     /* limit on pend_len */
	int have_num;		     /* last_num is set */
	unsigned last_num;	     /* NUM of the last reply, to check order */
	unsigned long long nstray;   /* replies that had no command waiting */
	unsigned long long nunasked; /* FLAGS 0 blocks after the first (hooks) */
};

/* Tells the owner whether to watch the write fd, if that changed. */
static void
tmuxcc_client_want_write(struct tmuxcc_client *c, int on)
{
	if (c->want_write_on == on || c->dead)
		return;
	c->want_write_on = on;
	if (c->cb.want_write != NULL)
		c->cb.want_write(c->arg, on);
}

/* Frees everything; the caller made sure no callback is running. */
static void
tmuxcc_client_destroy(struct tmuxcc_client *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	if (c->wfd >= 0)
		close(c->wfd);
	tmuxcc_parse_release(&c->parse);
	buf_release(&c->wq);
	free(c->pend);
	free(c);
}

/* Calls a reply callback with the error code a block maps to. */
static void
tmuxcc_client_call(tmuxcc_reply_fn cb, void *arg, const struct tmuxcc_reply *r)
{
	int err = 0;

	if (cb == NULL)
		return;
	if (r->is_error)
		err = CM_ETMUX;
	else if (r->truncated)
		err = CM_ETOOBIG;
	cb(arg, err, r->body, r->len);
}

/* Removes and returns the oldest awaited reply; pend_len must be > 0. */
static struct tmuxcc_pending
tmuxcc_client_pop(struct tmuxcc_client *c)
{
	struct tmuxcc_pending p = c->pend[c->pend_head];

	c->pend_head = (c->pend_head + 1) % c->pend_cap;
	c->pend_len--;
	return p;
}

/* Parser callback: a reply block, matched to the oldest command. */
static void
tmuxcc_client_on_reply(void *arg, const struct tmuxcc_reply *r)
{
	struct tmuxcc_client *c = arg;
	struct tmuxcc_pending p;

	if (c->dead)
		return;
	if (!c->initial_done) {
		c->initial_done = 1;
		if (c->cb.initial != NULL)
			tmuxcc_client_call(c->cb.initial, c->arg, r);
		return;
	}
	if (r->flags == 0) {
		/* Hooks and the rest of argv's command list; nobody asked here. */
		c->nunasked++;
		log_debug("tmux block %u with flags 0 (not ours), dropped", r->num);
		return;
	}
	if (c->pend_len == 0) {
		c->nstray++;
		log_warn("tmux reply %u arrived with no command waiting", r->num);
		return;
	}
	if (c->have_num && r->num <= c->last_num)
		log_warn("tmux reply %u after %u: numbers out of order", r->num, c->last_num);
	c->have_num = 1;
	c->last_num = r->num;
	p = tmuxcc_client_pop(c);
	tmuxcc_client_call(p.cb, p.arg, r);
}

/* Parser callback: pane output. */
static void
tmuxcc_client_on_output(void *arg, unsigned pane, const char *data, size_t len)
{
	struct tmuxcc_client *c = arg;

	if (!c->dead && c->cb.output != NULL)
		c->cb.output(c->arg, pane, data, len);
}

/* Parser callback: a notification. */
static void
tmuxcc_client_on_notify(void *arg, const char *name, const char *args)
{
	struct tmuxcc_client *c = arg;

	if (!c->dead && c->cb.notify != NULL)
		c->cb.notify(c->arg, name, args);
}

/* Parser callback: %exit. */
static void
tmuxcc_client_on_exit(void *arg, const char *reason)
{
	struct tmuxcc_client *c = arg;

	log_debug("tmux %ld: %%exit %s", (long)c->pid, reason != NULL ? reason : "");
	if (!c->dead && c->cb.exit != NULL)
		c->cb.exit(c->arg, reason);
}

/* Sets O_NONBLOCK on fd. */
static int
tmuxcc_client_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return CM_EIO;
	return 0;
}

/* In the child: makes fd become target, without close-on-exec. */
static int
tmuxcc_client_child_dup(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target);
}

/* In the child: wires the pipes to 0, 1, 2 and runs argv; reports errno on status on failure. */
static _Noreturn void
tmuxcc_client_child(char *const argv[], int in, int out, int err, int status)
{
	sigset_t all;
	int e;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Move the pipe ends above 2 first, so no dup2 below overwrites another. */
	in = fcntl(in, F_DUPFD_CLOEXEC, 3);
	out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	err = fcntl(err, F_DUPFD_CLOEXEC, 3);
	if (in < 0 || out < 0 || err < 0 || tmuxcc_client_child_dup(in, 0) < 0 ||
	    tmuxcc_client_child_dup(out, 1) < 0 || tmuxcc_client_child_dup(err, 2) < 0)
		goto fail;
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(status, &e, sizeof(e)) < 0) {
		/* Nothing more can be done. */
	}
	_exit(127);
}

/* Starts tmux with pipes and returns the client. */
int
tmuxcc_client_spawn(char *const argv[], const struct tmuxcc_client_opts *opts,
		    const struct tmuxcc_client_cb *cb, void *arg, struct tmuxcc_client **cp)
{
	struct tmuxcc_client_opts o = {0};
	struct tmuxcc_parse_cb pcb = {
	    .reply = tmuxcc_client_on_reply,
	    .output = tmuxcc_client_on_output,
	    .notify = tmuxcc_client_on_notify,
	    .exit = tmuxcc_client_on_exit,
	};
	struct tmuxcc_client *c;
	int in[2] = {-1, -1}, out[2] = {-1, -1}, st[2] = {-1, -1}, errfd = -1;
	int rc = CM_EIO, e = 0;
	ssize_t n;
	pid_t pid;

	*cp = NULL;
	if (argv == NULL || argv[0] == NULL)
		return CM_EINVAL;
	if (opts != NULL)
		o = *opts;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
		log_warn("pipe2: %s", strerror(errno));
		goto out;
	}
	if (o.stderr_fd > 0)
		errfd = fcntl(o.stderr_fd, F_DUPFD_CLOEXEC, 3);
	else
		errfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (errfd < 0) {
		log_warn("stderr for tmux: %s", strerror(errno));
		goto out;
	}

	pid = fork();
	if (pid < 0) {
		log_warn("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		tmuxcc_client_child(argv, in[0], out[1], errfd, st[1]);

	close(st[1]);
	st[1] = -1;
	do
		n = read(st[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		/* exec failed: the child has exited, reap it here. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		log_warn("cannot run %s: %s", argv[0], strerror(e));
		rc = e == ENOENT || e == EACCES ? CM_ENOENT : CM_EIO;
		goto out;
	}

	c = xcalloc(1, sizeof(*c));
	if (cb != NULL)
		c->cb = *cb;
	c->arg = arg;
	c->pid = pid;
	c->rfd = out[0];
	c->wfd = in[1];
	out[0] = in[1] = -1;
	tmuxcc_parse_init(&c->parse, &pcb, c, o.max_line, o.max_body);
	buf_init(&c->wq, o.max_queue ? o.max_queue : TMUXCC_CLIENT_MAX_QUEUE);
	c->max_pending = o.max_pending ? o.max_pending : TMUXCC_CLIENT_MAX_PENDING;
	if (tmuxcc_client_nonblock(c->rfd) < 0 || tmuxcc_client_nonblock(c->wfd) < 0)
		fatalx("fcntl O_NONBLOCK on a fresh pipe: %s", strerror(errno));
	log_debug("started %s as pid %ld", argv[0], (long)pid);
	*cp = c;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (st[i] >= 0)
			close(st[i]);
	}
	if (errfd >= 0)
		close(errfd);
	return rc;
}

/* Returns the read fd. */
int
tmuxcc_client_rfd(const struct tmuxcc_client *c)
{
	return c->rfd;
}

/* Returns the write fd, or -1 once closed. */
int
tmuxcc_client_wfd(const struct tmuxcc_client *c)
{
	return c->wfd;
}

/* Returns the tmux process id. */
pid_t
tmuxcc_client_pid(const struct tmuxcc_client *c)
{
	return c->pid;
}

/* Returns the number of commands awaiting a reply. */
size_t
tmuxcc_client_pending(const struct tmuxcc_client *c)
{
	return c->pend_len;
}

/* The read side ended: fail every awaited reply, then tell the owner. */
static void
tmuxcc_client_ended(struct tmuxcc_client *c, int err)
{
	struct tmuxcc_pending p;

	c->eof = 1;
	log_debug("tmux %ld: read side ended (%s)", (long)c->pid, err ? cm_errname(err) : "eof");
	if (!c->initial_done) {
		c->initial_done = 1;
		if (c->cb.initial != NULL)
			c->cb.initial(c->arg, CM_ECLOSED, "", 0);
	}
	while (c->pend_len > 0 && !c->dead) {
		p = tmuxcc_client_pop(c);
		if (p.cb != NULL)
			p.cb(p.arg, CM_ECLOSED, "", 0);
	}
	if (!c->dead && c->cb.closed != NULL)
		c->cb.closed(c->arg, err);
}

/* Frees the client if a callback asked for it; returns 1 if it did. */
static int
tmuxcc_client_leave(struct tmuxcc_client *c)
{
	if (--c->dispatching == 0 && c->dead) {
		tmuxcc_client_destroy(c);
		return 1;
	}
	return 0;
}

/* Reads and parses what tmux has written. */
int
tmuxcc_client_on_readable(struct tmuxcc_client *c)
{
	char chunk[TMUXCC_CLIENT_READ_CHUNK];
	size_t total = 0;
	ssize_t n;

	if (c->eof)
		return CM_ECLOSED;
	c->dispatching++;
	while (total < TMUXCC_CLIENT_READ_BUDGET && !c->dead) {
		n = read(c->rfd, chunk, sizeof(chunk));
		if (n > 0) {
			total += (size_t)n;
			tmuxcc_parse_feed(&c->parse, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			log_warn("read from tmux %ld: %s", (long)c->pid, strerror(errno));
		tmuxcc_client_ended(c, n == 0 ? 0 : CM_EIO);
		break;
	}
	if (tmuxcc_client_leave(c))
		return CM_ECLOSED;
	return c->eof ? CM_ECLOSED : 0;
}

/* Writes as much of the queue as the pipe takes; returns 0 or CM_ECLOSED. */
static int
tmuxcc_client_flush(struct tmuxcc_client *c)
{
	ssize_t n;

	while (c->wq.len > 0) {
		n = write(c->wfd, c->wq.data, c->wq.len);
		if (n > 0) {
			buf_consume(&c->wq, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/* tmux is gone (EPIPE); the read side will end and fail the replies. */
		log_warn("write to tmux %ld: %s", (long)c->pid, strerror(errno));
		c->wdead = 1;
		buf_reset(&c->wq);
		return CM_ECLOSED;
	}
	return 0;
}

/* Writes queued commands; stops watching when the queue is empty. */
int
tmuxcc_client_on_writable(struct tmuxcc_client *c)
{
	int rc = 0;

	if (c->wfd >= 0 && !c->wdead)
		rc = tmuxcc_client_flush(c);
	else
		rc = CM_ECLOSED;
	if (c->wq.len == 0)
		tmuxcc_client_want_write(c, 0);
	else if (rc == 0) {
		/*
		 * The pipe filled again. The owner's watch may fire once per
		 * request (fdwatch does): ask again, or the rest would wait
		 * for a want_write that never comes.
		 */
		c->want_write_on = 0;
		tmuxcc_client_want_write(c, 1);
	}
	return rc;
}

/* Returns 1 if the first word of the line names a command that runs other commands. */
static int
tmuxcc_client_runs_commands(const char *s)
{
	static const char *const names[] = {
	    "if-shell", "if", "source-file", "source", "run-shell", "run",
	};
	size_t n;

	s += strspn(s, " \t");
	n = strcspn(s, " \t");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == n && memcmp(s, names[i], n) == 0)
			return 1;
	}
	return 0;
}

/*
 * Returns 0 if tmux would answer the line with exactly one block as far as a
 * lexer that knows quotes, backslashes and comments can tell, else CM_EINVAL.
 */
static int
tmuxcc_client_check_line(const char *line)
{
	enum { PLAIN, SINGLE, DOUBLE } state = PLAIN;
	int word_start = 1, any = 0;
	const char *s;

	for (s = line; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r')
			return CM_EINVAL;
		switch (state) {
		case PLAIN:
			if (*s == ' ' || *s == '\t') {
				word_start = 1;
				continue;
			}
			if (*s == '#' && word_start)
				goto end; /* a comment to the end of the line */
			if (*s == ';' || *s == '{' || *s == '}')
				return CM_EINVAL;
			if (*s == '\'')
				state = SINGLE;
			else if (*s == '"')
				state = DOUBLE;
			else if (*s == '\\' && s[1] != '\0')
				s++;
			break;
		case SINGLE:
			if (*s == '\'')
				state = PLAIN;
			break;
		case DOUBLE:
			if (*s == '"')
				state = PLAIN;
			else if (*s == '\\' && s[1] != '\0')
				s++;
			break;
		}
		any = 1;
		word_start = 0;
	}
end:
	if (!any || tmuxcc_client_runs_commands(line))
		return CM_EINVAL;
	return 0;
}

/* Adds an awaited reply at the end of the ring. */
static void
tmuxcc_client_push(struct tmuxcc_client *c, tmuxcc_reply_fn cb, void *arg)
{
	struct tmuxcc_pending *np;
	size_t ncap;

	if (c->pend_len == c->pend_cap) {
		ncap = c->pend_cap ? c->pend_cap * 2 : 16;
		np = xreallocarray(NULL, ncap, sizeof(*np));
		for (size_t i = 0; i < c->pend_len; i++)
			np[i] = c->pend[(c->pend_head + i) % c->pend_cap];
		free(c->pend);
		c->pend = np;
		c->pend_cap = ncap;
		c->pend_head = 0;
	}
	c->pend[(c->pend_head + c->pend_len) % c->pend_cap] = (struct tmuxcc_pending){cb, arg};
	c->pend_len++;
}

/* Queues one command line and the callback for its reply. */
int
tmuxcc_client_command(struct tmuxcc_client *c, const char *cmdline, tmuxcc_reply_fn cb, void *arg)
{
	size_t len = strlen(cmdline);
	int rc;

	if (c->dead || c->eof || c->wfd < 0 || c->wdead)
		return CM_ECLOSED;
	if ((rc = tmuxcc_client_check_line(cmdline)) < 0)
		return rc;
	if (c->pend_len >= c->max_pending)
		return CM_ELIMIT;
	if (len + 1 > c->wq.max - c->wq.len)
		return CM_ETOOBIG;
	buf_append(&c->wq, cmdline, len);
	buf_append(&c->wq, "\n", 1);
	tmuxcc_client_push(c, cb, arg);
	/* Write at once if nothing is queued ahead; the loop gets only the rest. */
	if (c->wq.len == len + 1)
		tmuxcc_client_flush(c);
	if (c->wq.len > 0)
		tmuxcc_client_want_write(c, 1);
	return 0;
}

/* Forgets the callbacks of awaited replies whose argument is arg. */
void
tmuxcc_client_cancel(struct tmuxcc_client *c, void *arg)
{
	for (size_t i = 0; i < c->pend_len; i++) {
		struct tmuxcc_pending *p = &c->pend[(c->pend_head + i) % c->pend_cap];

		if (p->arg == arg)
			p->cb = NULL;
	}
}

/* Closes tmux's stdin so that it exits. */
void
tmuxcc_client_close(struct tmuxcc_client *c)
{
	if (c->wfd < 0)
		return;
	tmuxcc_client_want_write(c, 0);
	buf_reset(&c->wq);
	close(c->wfd);
	c->wfd = -1;
}

/*
 * Frees the client now, or when the running callback returns; terminates a
 * tmux that has not finished (see the header for why).
 */
void
tmuxcc_client_free(struct tmuxcc_client *c)
{
	if (c == NULL)
		return;
	c->pend_len = 0;
	if (!c->eof && !c->dead && c->pid > 0) {
		log_debug("tmux %ld still attached: SIGTERM", (long)c->pid);
		kill(c->pid, SIGTERM);
	}
	if (c->dispatching > 0) {
		c->dead = 1;
		return;
	}
	tmuxcc_client_destroy(c);
}

/* Returns the length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
tmuxcc_quote_utf8(const unsigned char *s, size_t n)
{
	size_t need, i;
	unsigned cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Appends s as one double-quoted tmux token. */
int
tmuxcc_quote(struct buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = out->len, i = 0, k;
	int rc = 0;

	if (memchr(s, '\0', len) != NULL)
		return CM_EINVAL;
	rc = buf_append(out, "\"", 1);
	while (rc == 0 && i < len) {
		if (u[i] == '\\' || u[i] == '"' || u[i] == '$' || u[i] == '~') {
			/* `~` expands to $HOME at the start of a token, even in quotes. */
			char esc[2] = {'\\', (char)u[i]};

			rc = buf_append(out, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			rc = buf_printf(out, "\\%03o", u[i]);
			i++;
		} else if (u[i] < 0x80) {
			rc = buf_append(out, &u[i], 1);
			i++;
		} else if ((k = tmuxcc_quote_utf8(u + i, len - i)) > 0) {
			rc = buf_append(out, &u[i], k);
			i += k;
		} else {
			/* tmux 3.3a's lexer reads a raw 0xff as end of input. */
			rc = buf_printf(out, "\\%03o", u[i]);
			i++;
		}
	}
	if (rc == 0)
		rc = buf_append(out, "\"", 1);
	if (rc < 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return rc;
}
