/*
 * test-tmuxcc-client: the control-mode client against a real tmux.
 *
 * Each test starts a private tmux server on a socket in a fresh temporary
 * directory (`tmux -S DIR/sock -f /dev/null -C new-session ...`), so the
 * user's own server is never touched, drives the client with a small poll()
 * loop, and kills that server at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/tmux/tmuxcc-client.h"
#include "common/buf.h"
#include "common/err.h"

/* How long any wait in these tests may take. */
#define WAIT_MS 10000

/* One reply as received. */
struct got {
	int done;	 /* the callback ran */
	int err;	 /* its err */
	struct buf body; /* its body */
};

/* A test's world: the private server and the client. */
struct fx {
	char dir[64];		 /* temporary directory */
	char sock[128];		 /* DIR/sock */
	struct tmuxcc_client *c; /* the client, NULL once freed */
	pid_t pid;		 /* its process */
	int want_write;		 /* last want_write value */
	struct got initial;	 /* reply to argv's command */
	struct buf output;	 /* all %output of pane 0 */
	int nexit;		 /* %exit seen */
	int closed;		 /* closed callback ran */
	int closed_err;		 /* its err */
	struct buf notes;	 /* "name args\n" of every notification */
	int free_in_callback;	 /* a reply callback frees the client */
};

/* Records want_write. */
static void
fx_want_write(void *arg, int on)
{
	struct fx *f = arg;

	f->want_write = on;
}

/* Records a reply into a struct got. */
static void
got_reply(void *arg, int err, const char *body, size_t len)
{
	struct got *g = arg;

	assert_false(g->done);
	g->done = 1;
	g->err = err;
	assert_int_equal(body[len], '\0');
	buf_init(&g->body, 1 << 20);
	buf_append(&g->body, body, len);
}

/* Records the initial reply. */
static void
fx_initial(void *arg, int err, const char *body, size_t len)
{
	struct fx *f = arg;

	got_reply(&f->initial, err, body, len);
}

/* Records output. */
static void
fx_output(void *arg, unsigned pane, const char *data, size_t len)
{
	struct fx *f = arg;

	(void)pane;
	buf_append(&f->output, data, len);
}

/* Records a notification. */
static void
fx_notify(void *arg, const char *name, const char *args)
{
	struct fx *f = arg;

	buf_printf(&f->notes, "%s %s\n", name, args);
}

/* Records %exit. */
static void
fx_exit(void *arg, const char *reason)
{
	struct fx *f = arg;

	(void)reason;
	f->nexit++;
}

/* Records the end of the read side. */
static void
fx_closed(void *arg, int err)
{
	struct fx *f = arg;

	assert_false(f->closed);
	f->closed = 1;
	f->closed_err = err;
}

static const struct tmuxcc_client_cb fx_cb = {
    fx_want_write, fx_initial, fx_output, fx_notify, fx_exit, fx_closed,
};

/* Runs a program (no shell), its stderr to the test's when loud; returns its exit status. */
static int
run_to(char *const argv[], int loud)
{
	int st, fd;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 1);
		if (!loud)
			dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a program (no shell) quietly and returns its exit status. */
static int
run(char *const argv[])
{
	return run_to(argv, 0);
}

/* Returns the milliseconds of the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the loop until *flag is non-zero (or the client is gone); fails after WAIT_MS. */
static void
fx_loop_until(struct fx *f, const int *flag)
{
	long long end = now_ms() + WAIT_MS;

	while (!*flag) {
		struct pollfd pfd[2];
		nfds_t n = 0;

		assert_true(now_ms() < end);
		assert_non_null(f->c);
		pfd[n++] = (struct pollfd){.fd = tmuxcc_client_rfd(f->c), .events = POLLIN};
		if (f->want_write && tmuxcc_client_wfd(f->c) >= 0)
			pfd[n++] =
			    (struct pollfd){.fd = tmuxcc_client_wfd(f->c), .events = POLLOUT};
		if (poll(pfd, n, 100) < 0) {
			assert_int_equal(errno, EINTR);
			continue;
		}
		if (n > 1 && pfd[1].revents)
			tmuxcc_client_on_writable(f->c);
		if (pfd[0].revents && tmuxcc_client_on_readable(f->c) == CM_ECLOSED &&
		    f->free_in_callback) {
			f->c = NULL;
			return;
		}
	}
}

/* Runs the loop until the output of the pane contains s. */
static void
fx_loop_until_output(struct fx *f, const char *s)
{
	long long end = now_ms() + WAIT_MS;
	int never = 0;

	while (f->output.data == NULL ||
	       memmem(f->output.data, f->output.len, s, strlen(s)) == NULL) {
		assert_true(now_ms() < end);
		/* One turn: the flag is never set, so poll once by hand. */
		struct pollfd pfd = {.fd = tmuxcc_client_rfd(f->c), .events = POLLIN};

		(void)never;
		if (poll(&pfd, 1, 100) > 0)
			tmuxcc_client_on_readable(f->c);
	}
}

/* Starts a private server with session t running cat, and waits for the initial reply. */
static void
fx_start(struct fx *f, const struct tmuxcc_client_opts *opts)
{
	char *argv[] = {"tmux", "-S", f->sock, "-f", "/dev/null", "-C",	 "new-session", "-s",
			"t",	"-x", "80",    "-y", "24",	  "cat", NULL};

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/cm-tmuxcc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	buf_init(&f->output, 1 << 20);
	buf_init(&f->notes, 1 << 20);
	assert_int_equal(tmuxcc_client_spawn(argv, opts, &fx_cb, f, &f->c), 0);
	f->pid = tmuxcc_client_pid(f->c);
	assert_true(f->pid > 0);
	fx_loop_until(f, &f->initial.done);
	assert_int_equal(f->initial.err, 0);
}

/* Sends a command and waits for its reply. */
static void
fx_cmd(struct fx *f, const char *line, struct got *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(tmuxcc_client_command(f->c, line, got_reply, g), 0);
	fx_loop_until(f, &g->done);
}

/* Waits (bounded) for a process to exit and returns its status. */
static int
reap(pid_t pid)
{
	long long end = now_ms() + WAIT_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r != 0 || now_ms() >= end)
			fail_msg("waitpid %ld: %ld (%s)", (long)pid, (long)r, strerror(errno));
		usleep(10000);
	}
}

/* Kills the private server, frees the client, reaps tmux and removes the directory. */
static void
fx_stop(struct fx *f)
{
	char *kill[] = {"tmux", "-S", f->sock, "kill-server", NULL};
	char path[256];

	run(kill);
	if (f->c != NULL && !f->closed)
		fx_loop_until(f, &f->closed);
	if (f->c != NULL)
		tmuxcc_client_free(f->c);
	if (f->pid > 0)
		reap(f->pid);
	snprintf(path, sizeof(path), "%s/sock", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/out", f->dir);
	unlink(path);
	rmdir(f->dir);
	buf_release(&f->output);
	buf_release(&f->notes);
	buf_release(&f->initial.body);
}

/* Commands get their replies; keys typed into cat come back as %output; capture-pane works. */
static void
test_commands_and_output(void **state)
{
	struct got g;
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	fx_cmd(&f, "display-message -p '#{pane_id} #{session_name}'", &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.body.data, "%0 t");
	buf_release(&g.body);

	fx_cmd(&f, "send-keys -t t -H 68 69 0d", &g);
	assert_int_equal(g.err, 0);
	buf_release(&g.body);
	/* Echoed by the terminal, then written back by cat. */
	fx_loop_until_output(&f, "hi\r\nhi\r\n");

	fx_cmd(&f, "capture-pane -p -t t", &g);
	assert_int_equal(g.err, 0);
	assert_true(strncmp(g.body.data, "hi\nhi\n", 6) == 0);
	buf_release(&g.body);

	fx_cmd(&f, "has-session -t nosuch", &g);
	assert_int_equal(g.err, CM_ETMUX);
	assert_non_null(strstr(g.body.data, "nosuch"));
	buf_release(&g.body);

	fx_cmd(&f, "list-windows -t t", &g);
	assert_int_equal(g.err, 0);
	assert_non_null(strstr(g.body.data, "(1 panes)"));
	buf_release(&g.body);
	assert_non_null(strstr(f.notes.data, "session-changed $0 t\n"));
	fx_stop(&f);
}

/* Many commands in flight come back in order, each to its own callback. */
static void
test_many_in_flight(void **state)
{
	enum { N = 300 };
	static struct got g[N];
	char line[64], want[16];
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "display-message -p 'reply %d'", i);
		assert_int_equal(tmuxcc_client_command(f.c, line, got_reply, &g[i]), 0);
	}
	assert_int_equal(tmuxcc_client_pending(f.c), N);
	fx_loop_until(&f, &g[N - 1].done);
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "reply %d", i);
		assert_int_equal(g[i].err, 0);
		assert_string_equal(g[i].body.data, want);
		buf_release(&g[i].body);
	}
	assert_int_equal(tmuxcc_client_pending(f.c), 0);
	fx_stop(&f);
}

/* Sets buffer q to the bytes through tmuxcc_quote and checks save-buffer writes them back. */
static void
roundtrip(struct fx *f, const char *s, size_t len)
{
	char path[256], got[2048];
	struct buf line;
	struct got g;
	ssize_t n;
	int fd;

	buf_init(&line, 1 << 16);
	buf_append_str(&line, "set-buffer -b q -- ");
	assert_int_equal(tmuxcc_quote(&line, s, len), 0);
	fx_cmd(f, line.data, &g);
	assert_int_equal(g.err, 0);
	buf_release(&g.body);

	snprintf(path, sizeof(path), "%s/out", f->dir);
	unlink(path);
	buf_reset(&line);
	buf_append_str(&line, "save-buffer -b q -- ");
	assert_int_equal(tmuxcc_quote(&line, path, strlen(path)), 0);
	fx_cmd(f, line.data, &g);
	assert_int_equal(g.err, 0);
	buf_release(&g.body);

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got));
	close(fd);
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(got, s, len);
	buf_release(&line);
}

/* tmuxcc_quote produces tokens that tmux parses back to the same bytes. */
static void
test_quote_roundtrip(void **state)
{
	static const char *const hostile[] = {
	    "plain",
	    "-x",
	    "--",
	    "a'b\"c\\d",
	    "$HOME ${HOME} $",
	    "~ ~/x ~root",
	    "~",
	    "#{pane_id} ## #",
	    "a;b ; \\; ;",
	    "{ } }{ {",
	    "line1\nline2\r\ttab\033[31m\a\b\f\v\x7f",
	    "A=B",
	    "%if 1",
	    "\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9",
	    "\xff\xfe\x80\xc3 invalid \xed\xa0\x80 \xc0\xaf",
	    "\\134\\n\\\\ \\u00e9",
	    " leading and trailing ",
	};
	char all[256];
	struct buf q;
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		roundtrip(&f, hostile[i], strlen(hostile[i]));
	for (int c = 1; c < 256; c++)
		all[c - 1] = (char)c;
	roundtrip(&f, all, 255);
	for (int c = 1; c < 256; c++) {
		char two[2] = {(char)c, 'A'};

		roundtrip(&f, two, 2);
	}

	/* NUL cannot be passed; a full buffer is left as it was. */
	buf_init(&q, 7);
	assert_int_equal(tmuxcc_quote(&q, "a\0b", 3), CM_EINVAL);
	assert_int_equal(q.len, 0);
	assert_int_equal(tmuxcc_quote(&q, "abc", 3), 0);
	assert_string_equal(q.data, "\"abc\"");
	assert_int_equal(tmuxcc_quote(&q, "x", 1), CM_ETOOBIG);
	assert_string_equal(q.data, "\"abc\"");
	buf_release(&q);
	fx_stop(&f);
}

/* Lines that would not give exactly one reply block are refused. */
static void
test_refused_lines(void **state)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "# just a comment",
	    "display -p a ; display -p b",
	    "display -p a;",
	    "if-shell true { display -p a }",
	    "if-shell true 'display -p a'",
	    "source-file /dev/null",
	    "display -p a\nb",
	    "display -p a\r",
	};
	struct got g;
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tmuxcc_client_command(f.c, bad[i], got_reply, &g), CM_EINVAL);
	assert_int_equal(tmuxcc_client_pending(f.c), 0);
	/* Quoted or escaped separators are fine, and so is a trailing comment. */
	fx_cmd(&f, "display -p 'a;b'\"{c}\"\\; # comment ; {", &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.body.data, "a;b{c};");
	buf_release(&g.body);
	fx_stop(&f);
}

/* Blocks run by hooks (FLAGS 0) are not taken for replies. */
static void
test_hook_blocks(void **state)
{
	struct got g;
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	fx_cmd(&f, "set-hook -g after-new-window 'display-message -p HOOK'", &g);
	assert_int_equal(g.err, 0);
	buf_release(&g.body);
	fx_cmd(&f, "new-window -d -t t: cat", &g);
	if (g.err != 0)
		fail_msg("new-window: %s", g.body.data);
	buf_release(&g.body);
	fx_cmd(&f, "display-message -p after", &g);
	assert_int_equal(g.err, 0);
	assert_string_equal(g.body.data, "after");
	buf_release(&g.body);
	fx_stop(&f);
}

/* A cancelled reply's callback is not called and the next reply still matches. */
static void
test_cancel(void **state)
{
	struct got cancelled = {0}, g;
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p one", got_reply, &cancelled), 0);
	tmuxcc_client_cancel(f.c, &cancelled);
	fx_cmd(&f, "display -p two", &g);
	assert_false(cancelled.done);
	assert_string_equal(g.body.data, "two");
	buf_release(&g.body);
	fx_stop(&f);
}

/* kill-server gives %exit, then EOF; replies still awaited fail with CM_ECLOSED. */
static void
test_kill_server_exit(void **state)
{
	char *killsrv[] = {"tmux", "-S", NULL, "kill-server", NULL};
	struct got blocked = {0}, after = {0}, g;
	pid_t server;
	struct fx f;
	int st;

	(void)state;
	fx_start(&f, NULL);
	/* kill-server sent through the client is answered like any command. */
	fx_cmd(&f, "kill-server", &g);
	assert_int_equal(g.err, 0);
	buf_release(&g.body);
	fx_loop_until(&f, &f.closed);
	assert_int_equal(f.closed_err, 0);
	assert_int_equal(f.nexit, 1);
	st = reap(f.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	f.pid = 0;
	tmuxcc_client_free(f.c);
	f.c = NULL;

	/* Killed from outside: tmux still answers what it has read (even wait-for), then exits. */
	fx_stop(&f);
	fx_start(&f, NULL);
	assert_int_equal(tmuxcc_client_command(f.c, "wait-for cm-never", got_reply, &blocked), 0);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p late", got_reply, &after), 0);
	killsrv[2] = f.sock;
	assert_int_equal(run(killsrv), 0);
	fx_loop_until(&f, &f.closed);
	assert_int_equal(f.nexit, 1);
	assert_true(blocked.done && after.done);
	assert_int_equal(tmuxcc_client_on_readable(f.c), CM_ECLOSED);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p x", NULL, NULL), CM_ECLOSED);
	buf_release(&blocked.body);
	buf_release(&after.body);
	fx_stop(&f);

	/*
	 * The server dies while commands wait: they fail with CM_ECLOSED. (Killing
	 * only the tmux client is not enough: since 3.2 the server itself holds
	 * the client's stdin and stdout and keeps answering.)
	 */
	memset(&blocked, 0, sizeof(blocked));
	memset(&after, 0, sizeof(after));
	fx_start(&f, NULL);
	fx_cmd(&f, "display-message -p '#{pid}'", &g);
	server = (pid_t)atol(g.body.data);
	assert_true(server > 1);
	buf_release(&g.body);
	/* wait-for's own block ends at once; it is the queue behind it that waits. */
	fx_cmd(&f, "wait-for cm-never", &blocked);
	assert_int_equal(blocked.err, 0);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p never", got_reply, &after), 0);
	assert_int_equal(kill(server, SIGKILL), 0);
	fx_loop_until(&f, &f.closed);
	assert_int_equal(after.err, CM_ECLOSED);
	assert_int_equal(tmuxcc_client_pending(f.c), 0);
	reap(f.pid);
	f.pid = 0;
	buf_release(&blocked.body);
	buf_release(&after.body);
	fx_stop(&f);
}

/* Freeing a client that is still attached, with output pending, leaves nothing hanging. */
static void
test_free_attached(void **state)
{
	char *keys[] = {"tmux", "-S", NULL, "send-keys", "-t", "t", "hello", "Enter", NULL};
	char *kill[] = {"tmux", "-S", NULL, "kill-server", NULL};
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	keys[2] = kill[2] = f.sock;
	assert_int_equal(run(keys), 0);
	tmuxcc_client_free(f.c);
	f.c = NULL;
	reap(f.pid);
	assert_int_equal(run_to(keys, 1), 0); /* tmux says why, if not */
	assert_int_equal(run(kill), 0);
	f.pid = 0; /* reaped already */
	fx_stop(&f);
}

/* Closing stdin detaches: %exit, EOF, tmux exits 0, and the session lives on. */
static void
test_close_detaches(void **state)
{
	char *has[] = {"tmux", "-S", NULL, "has-session", "-t", "t", NULL};
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	tmuxcc_client_close(f.c);
	assert_int_equal(tmuxcc_client_wfd(f.c), -1);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p x", NULL, NULL), CM_ECLOSED);
	fx_loop_until(&f, &f.closed);
	assert_int_equal(f.nexit, 1);
	assert_int_equal(reap(f.pid), 0);
	has[2] = f.sock;
	assert_int_equal(run(has), 0);
	f.pid = 0;
	tmuxcc_client_free(f.c);
	f.c = NULL;
	{
		char *kill[] = {"tmux", "-S", f.sock, "kill-server", NULL};

		run(kill);
	}
	unlink(f.sock);
	rmdir(f.dir);
	buf_release(&f.output);
	buf_release(&f.notes);
	buf_release(&f.initial.body);
}

/* Frees the client from its own reply callback. */
static void
free_reply(void *arg, int err, const char *body, size_t len)
{
	struct fx *f = arg;

	(void)err;
	(void)body;
	(void)len;
	tmuxcc_client_free(f->c);
	f->closed = 1;
}

/* A callback may free the client; no other callback runs afterwards. */
static void
test_free_in_callback(void **state)
{
	struct got never = {0};
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	f.free_in_callback = 1;
	assert_int_equal(tmuxcc_client_command(f.c, "display -p a", free_reply, &f), 0);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p b", got_reply, &never), 0);
	fx_loop_until(&f, &f.closed);
	assert_null(f.c);
	assert_false(never.done);
	fx_stop(&f);
}

/* The write queue and the number of awaited replies are bounded. */
static void
test_limits(void **state)
{
	struct tmuxcc_client_opts o = {.max_queue = 64, .max_pending = 2};
	char line[128];
	struct got g1 = {0}, g2 = {0};
	struct fx f;

	(void)state;
	fx_start(&f, &o);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "display -p ", 11);
	assert_int_equal(tmuxcc_client_command(f.c, line, NULL, NULL), CM_ETOOBIG);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p 1", got_reply, &g1), 0);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p 2", got_reply, &g2), 0);
	assert_int_equal(tmuxcc_client_command(f.c, "display -p 3", NULL, NULL), CM_ELIMIT);
	fx_loop_until(&f, &g2.done);
	assert_string_equal(g1.body.data, "1");
	assert_string_equal(g2.body.data, "2");
	buf_release(&g1.body);
	buf_release(&g2.body);
	fx_stop(&f);
}

/* A program that cannot be run is reported at once and nothing is left behind. */
static void
test_spawn_failure(void **state)
{
	char *argv[] = {"/nonexistent/tmux", "-C", NULL};
	struct tmuxcc_client *c = (void *)1;

	(void)state;
	assert_int_equal(tmuxcc_client_spawn(argv, NULL, &fx_cb, NULL, &c), CM_ENOENT);
	assert_null(c);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* Attaching to a session that does not exist: the initial reply is an error, then EOF. */
static void
test_initial_error(void **state)
{
	char dir[] = "/tmp/cm-tmuxcc-XXXXXX", sock[128];
	char *start[] = {"tmux", "-S", sock, "-f",  "/dev/null", "new-session",
			 "-d",	 "-s", "x",  "cat", NULL};
	char *argv[] = {"tmux", "-S",	  sock, "-f",	  "/dev/null",
			"-C",	"attach", "-t", "nosuch", NULL};
	char *kill[] = {"tmux", "-S", sock, "kill-server", NULL};
	struct fx f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	assert_int_equal(run(start), 0);
	memset(&f, 0, sizeof(f));
	buf_init(&f.output, 1024);
	buf_init(&f.notes, 1024);
	assert_int_equal(tmuxcc_client_spawn(argv, NULL, &fx_cb, &f, &f.c), 0);
	fx_loop_until(&f, &f.closed);
	assert_true(f.initial.done);
	assert_int_equal(f.initial.err, CM_ETMUX);
	assert_non_null(strstr(f.initial.body.data, "nosuch"));
	assert_int_equal(f.nexit, 1);
	assert_int_equal(WEXITSTATUS(reap(tmuxcc_client_pid(f.c))), 1);
	tmuxcc_client_free(f.c);
	run(kill);
	unlink(sock);
	rmdir(dir);
	buf_release(&f.output);
	buf_release(&f.notes);
	buf_release(&f.initial.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands_and_output),
	    cmocka_unit_test(test_many_in_flight),
	    cmocka_unit_test(test_quote_roundtrip),
	    cmocka_unit_test(test_refused_lines),
	    cmocka_unit_test(test_hook_blocks),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_kill_server_exit),
	    cmocka_unit_test(test_free_attached),
	    cmocka_unit_test(test_close_detaches),
	    cmocka_unit_test(test_free_in_callback),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_spawn_failure),
	    cmocka_unit_test(test_initial_error),
	};

	/* A write to a tmux that has exited must fail with EPIPE, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	/* Never act on an enclosing tmux. */
	unsetenv("TMUX");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
