/*
 * scripted-tmux: the session layer's tests put a script where tmux's
 * control client would be (the seam is src/agent/tmux/link.h).
 *
 * A test says which command lines it expects, in order, and what tmux
 * answers to each (st_expect); every line the session layer sends must be
 * the next one expected, or the test fails naming both. Answers are
 * delivered the way tmuxcc-client delivers them: later, in the order of
 * the commands, from the loop (st_run), never from inside the command
 * call. The test plays tmux's side of the stream with st_initial (the
 * reply to new-session/attach), st_output (%output), st_notify and
 * st_closed. The loop is a real libwebsockets context without listeners,
 * so the monitor's debounce and the pauses of typing and confirm run on
 * real timers.
 *
 * Events the layer publishes are collected by a sink (st_events); a
 * completion helper (st_done) records what a requester is told.
 *
 * Included by each test program of tests/unit/agent/sessions; one session
 * and one control client at a time.
 */
#ifndef CM_TEST_SCRIPTED_TMUX_H
#define CM_TEST_SCRIPTED_TMUX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/screen/profile.h"
#include "agent/sessions/bus.h"
#include "agent/sessions/completion.h"
#include "agent/sessions/session.h"
#include "agent/sessions/sessions.h"
#include "agent/settings/config.h"
#include "agent/tmux/link.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define ST_MAX 256

struct st_expect {
	char *cmd;   /* the command line expected */
	int err;     /* 0 or a CM_E* code for %error */
	char *reply; /* the reply's body */
};

struct st_pending {
	tmuxcc_reply_fn cb; /* who waits */
	void *arg;	    /* its argument */
	int err;	    /* the answer */
	char *body;	    /* its body */
	int cancelled;	    /* tmuxcc_client_cancel'led */
};

/* The scripted control client (one at a time). */
static struct {
	const struct tmuxcc_client_cb *cb; /* the session's callbacks */
	void *arg;			   /* their argument */
	char *argv[128];		   /* what was spawned */
	size_t argc;			   /* entries in argv */
	int spawned, closed, freed;	   /* what the session did with it */
	int spawn_err;			   /* spawn fails with this if set */
	struct st_expect expect[ST_MAX];   /* the script */
	size_t n_expect, next;		   /* entries, the next one due */
	struct st_pending pend[ST_MAX];	   /* answers not yet delivered */
	size_t n_pend, head;		   /* entries, the next one due */
	char *log[ST_MAX];		   /* every line sent, in order */
	size_t n_log;			   /* entries in log */
} st;

/* The loop and the layer under test. */
static struct lws_context *st_lws;
static struct config st_cfg;
static struct sessions st_set;
static char st_dir[64];

/* Events seen by the test's sink. */
static json_t *st_events;     /* array of the events, in order */
static uint64_t st_requester; /* requester of the last event */

static int
st_spawn(char *const argv[], const struct tmuxcc_client_opts *opts,
	 const struct tmuxcc_client_cb *cb, void *arg, struct tmuxcc_client **cp)
{
	(void)opts;
	if (st.spawn_err)
		return st.spawn_err;
	/* A new control client (a re-attach): the old one is gone. */
	for (size_t i = 0; i < st.argc; i++)
		free(st.argv[i]);
	st.freed = st.closed = 0;
	for (st.argc = 0; argv[st.argc] != NULL && st.argc < 127; st.argc++)
		st.argv[st.argc] = xstrdup(argv[st.argc]);
	st.argv[st.argc] = NULL;
	st.cb = cb;
	st.arg = arg;
	st.spawned = 1;
	*cp = (struct tmuxcc_client *)&st;
	return 0;
}

static int
st_rfd(const struct tmuxcc_client *c)
{
	(void)c;
	return -1; /* no descriptors: the test drives the callbacks */
}

static pid_t
st_pid(const struct tmuxcc_client *c)
{
	(void)c;
	return 0;
}

static int
st_io(struct tmuxcc_client *c)
{
	(void)c;
	return 0;
}

/* A command: it must be the next one of the script; its answer is queued. */
static int
st_command(struct tmuxcc_client *c, const char *cmdline, tmuxcc_reply_fn cb, void *arg)
{
	struct st_expect *e;
	struct st_pending *p;

	(void)c;
	if (st.n_log < ST_MAX)
		st.log[st.n_log++] = xstrdup(cmdline);
	if (st.next >= st.n_expect)
		fail_msg("unexpected tmux command: %s (the script expects nothing more)", cmdline);
	e = &st.expect[st.next++];
	if (strcmp(e->cmd, cmdline) != 0)
		fail_msg("tmux command\n  sent:     %s\n  expected: %s", cmdline, e->cmd);
	assert_true(st.n_pend < ST_MAX);
	p = &st.pend[st.n_pend++];
	p->cb = cb;
	p->arg = arg;
	p->err = e->err;
	p->body = xstrdup(e->reply ? e->reply : "");
	p->cancelled = 0;
	return 0;
}

static void
st_cancel(struct tmuxcc_client *c, void *arg)
{
	(void)c;
	for (size_t i = st.head; i < st.n_pend; i++)
		if (st.pend[i].arg == arg)
			st.pend[i].cancelled = 1;
}

static void
st_close(struct tmuxcc_client *c)
{
	(void)c;
	st.closed = 1;
}

static void
st_free(struct tmuxcc_client *c)
{
	(void)c;
	st.freed = 1;
	/* Awaited replies are dropped without being called (tmuxcc-client.h). */
	for (size_t i = st.head; i < st.n_pend; i++)
		st.pend[i].cancelled = 1;
}

static const struct tmux_link st_link = {
    .spawn = st_spawn,
    .rfd = st_rfd,
    .wfd = st_rfd,
    .pid = st_pid,
    .on_readable = st_io,
    .on_writable = st_io,
    .command = st_command,
    .cancel = st_cancel,
    .close = st_close,
    .free = st_free,
};

/* The script: tmux will be sent cmd and answer reply (or %error with err). */
static void
st_expect_err(const char *cmd, int err, const char *reply)
{
	assert_true(st.n_expect < ST_MAX);
	st.expect[st.n_expect].cmd = xstrdup(cmd);
	st.expect[st.n_expect].err = err;
	st.expect[st.n_expect].reply = xstrdup(reply ? reply : "");
	st.n_expect++;
}

static void
st_expect(const char *cmd, const char *reply)
{
	st_expect_err(cmd, 0, reply);
}

/* True once every expected command was sent. */
static int
st_script_done(void)
{
	return st.next == st.n_expect;
}

/* Delivers every queued answer, as tmux's replies arrive in order. */
static void
st_deliver(void)
{
	while (st.head < st.n_pend) {
		struct st_pending *p = &st.pend[st.head++];

		if (!p->cancelled && !st.freed && p->cb != NULL)
			p->cb(p->arg, p->err, p->body, strlen(p->body));
		free(p->body);
		p->body = NULL;
	}
}

/*
 * One turn: answers, then the loop's ripe timers. The loop is polled
 * without waiting (a context with no descriptor may otherwise sleep past
 * its timers), with a short sleep between turns.
 */
static void
st_step(void)
{
	st_deliver();
	lws_service(st_lws, -1);
	st_deliver();
	usleep(200);
}

static uint64_t
st_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop (timers, answers) for ms milliseconds. */
static void
st_run(long ms)
{
	uint64_t end = st_now_ms() + (uint64_t)ms;

	do {
		st_step();
	} while (st_now_ms() < end);
}

/* tmux's answer to the command on its command line (new-session, attach). */
static void
st_initial(int err, const char *body)
{
	st.cb->initial(st.arg, err, body, strlen(body));
}

/* %output of the tool. */
static void
st_output(const char *data)
{
	st.cb->output(st.arg, 0, data, strlen(data));
}

/* The control connection ends (tmux exited). */
static void
st_closed(void)
{
	st.cb->closed(st.arg, 0);
}

/* The test's sink: keeps every event. */
static void
st_sink(void *arg, const struct event *ev)
{
	(void)arg;
	if (EVENT_IS_RECORD(ev)) {
		json_t *r = json_deep_copy(ev->obj);

		json_object_set_new(r, "record", json_string(ev->type));
		json_array_append_new(st_events, r);
		return;
	}
	json_array_append(st_events, ev->obj);
	st_requester = ev->requester;
}

/* The n-th (0 first) event of a type, or NULL. */
static json_t *
st_event(const char *type, int n)
{
	size_t i;
	json_t *ev;

	json_array_foreach (st_events, i, ev) {
		const char *t = json_string_value(json_object_get(ev, "type"));
		const char *r = json_string_value(json_object_get(ev, "record"));

		if (((t && strcmp(t, type) == 0) || (r && strcmp(r, type) == 0)) && n-- == 0)
			return ev;
	}
	return NULL;
}

/* How many events of a type were published. */
static int
st_count(const char *type)
{
	int n = 0;

	while (st_event(type, n) != NULL)
		n++;
	return n;
}

/* The states of the state_change events, space-separated. */
static const char *
st_states(void)
{
	static char out[512];
	json_t *ev;

	out[0] = '\0';
	for (int i = 0; (ev = st_event("state_change", i)) != NULL; i++) {
		if (i)
			strncat(out, " ", sizeof out - strlen(out) - 1);
		strncat(out, json_string_value(json_object_get(ev, "state")),
			sizeof out - strlen(out) - 1);
	}
	return out;
}

/* What a requester was told. */
struct st_answer {
	int called; /* times the completion ran */
	int err;    /* its err */
	char *detail;
	json_t *result; /* a copy of the result */
};

/* Set while tearing down: answers of a failed test may be gone with its stack. */
static int st_tearing_down;

static void
st_done(void *arg, int err, const char *detail, const json_t *result)
{
	struct st_answer *a = arg;

	if (st_tearing_down)
		return;
	a->called++;
	a->err = err;
	free(a->detail);
	a->detail = detail ? xstrdup(detail) : NULL;
	json_decref(a->result);
	a->result = result ? json_deep_copy(result) : NULL;
}

static struct completion
st_completion(struct st_answer *a)
{
	memset(a, 0, sizeof *a);
	/* The answer's address, as a number: the requester events name. */
	return (struct completion){st_done, a, (uint64_t)(uintptr_t)a};
}

static void
st_answer_release(struct st_answer *a)
{
	free(a->detail);
	json_decref(a->result);
	memset(a, 0, sizeof *a);
}

/* A small tool (docs/PROFILES.md's example; trailing blanks are stripped, so "^mytool>"). */
static const char st_profile_json[] =
    "{\"schema\": 1, \"name\": \"mytool\", \"argv\": [\"mytool\", \"--color=never\"],"
    " \"task\": {\"via\": \"argv\", \"args\": [\"--\", \"{task}\"]},"
    " \"input\": {\"line\": \"^mytool>\", \"within\": 2},"
    " \"rules\": ["
    "  {\"name\": \"exited\", \"state\": \"exited\", \"region\": {\"last\": 3},"
    "   \"any\": [\"^Pane is dead\", \"^Bye\\\\.$\"]},"
    "  {\"name\": \"run-command\", \"state\": \"waiting_confirm\", \"region\": {\"last\": 1},"
    "   \"any\": [\"^Run this command\\\\? \\\\[y/N\\\\]$\"],"
    "   \"prompt\": {\"kind\": \"command\", \"region\": {\"last\": 4},"
    "    \"question\": \"^(Run this command\\\\?)\", \"answerable\": true,"
    "    \"yes\": [\"y\", \"Enter\"], \"no\": [\"n\", \"Enter\"]}},"
    "  {\"name\": \"working\", \"state\": \"thinking\", \"region\": {\"last\": 2},"
    "   \"any\": [\"^Working\\\\.\\\\.\\\\.\"]},"
    "  {\"name\": \"prompt\", \"state\": \"idle\", \"region\": {\"area\": \"input\"},"
    "   \"any\": [\"^mytool>\"]}]}";

/* Screens of that tool. */
#define ST_SCREEN_IDLE	  "Welcome to mytool\n\nmytool> "
#define ST_SCREEN_WORKING "mytool> fix the bug\nWorking..."
#define ST_SCREEN_PROMPT  "mytool> fix the bug\n$ make test\n1. Yes\n2. No\nRun this command? [y/N]"
#define ST_SCREEN_DANGER                                                                           \
	"mytool> clean up\n$ rm -rf /etc/cm\n1. Yes\n2. No\nRun this command? [y/N]"

/* The two commands of one screen read by the monitor. */
#define ST_READ_SCREEN "capture-pane -p"
#define ST_READ_DEAD   "display-message -p -- \"#{pane_dead} #{pane_dead_status}\""
/* The pane_dead subscription made once a session is up. */
#define ST_SUBSCRIBE_DEAD "refresh-client -B \"cmdead::#{pane_dead}\""

static struct profile *st_profile;

/* Frees what the script and its log hold. */
static void
st_script_free(void)
{
	for (size_t i = 0; i < st.n_expect; i++) {
		free(st.expect[i].cmd);
		free(st.expect[i].reply);
	}
	for (size_t i = 0; i < st.n_log; i++)
		free(st.log[i]);
	for (size_t i = 0; i < st.argc; i++)
		free(st.argv[i]);
	for (size_t i = st.head; i < st.n_pend; i++)
		free(st.pend[i].body);
}

/* A fresh layer, loop and script; the test's sink collects events. */
static int
st_setup(void **state)
{
	struct lws_context_creation_info info;
	struct buf err;
	char path[128];

	(void)state;
	memset(&st, 0, sizeof st);
	st_tearing_down = 0;
	/* A scripted pane has no process: pane_dead comes through the subscription. */
	setenv("CM_AGENT_NO_PIDFD", "1", 1);
	lws_set_log_level(0, NULL);
	log_set_level(LOG_LEVEL_ERROR);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	st_lws = lws_create_context(&info);
	assert_non_null(st_lws);
	snprintf(st_dir, sizeof st_dir, "/tmp/cm-test-sessions-XXXXXX");
	assert_non_null(mkdtemp(st_dir));
	snprintf(path, sizeof path, "%s/sessions", st_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	config_init(&st_cfg);
	st_cfg.state_dir = xstrdup(st_dir);
	st_cfg.socket_dir = xstrdup(st_dir);
	sessions_init(&st_set);
	st_set.cfg = &st_cfg;
	st_set.lws = st_lws;
	st_set.link = &st_link;
	bus_init(&st_set.bus, 256, NULL);
	bus_add_sink(&st_set.bus, "test", st_sink, NULL);
	st_events = json_array();
	st_requester = 0;
	buf_init(&err, 4096);
	assert_int_equal(profile_parse_json(st_profile_json, strlen(st_profile_json), "mytool.json",
					    &st_profile, &err),
			 0);
	buf_release(&err);
	return 0;
}

static int
st_unlink(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
st_teardown(void **state)
{
	(void)state;
	st_tearing_down = 1;
	session_detach_all(&st_set);
	st_deliver();
	bus_release(&st_set.bus);
	lws_context_destroy(st_lws);
	json_decref(st_events);
	profile_free(st_profile);
	st_script_free();
	/* Only our own scratch directory, by its exact name. */
	nftw(st_dir, st_unlink, 8, FTW_DEPTH | FTW_PHYS);
	config_release(&st_cfg);
	return 0;
}

/* Creates a session of profile p with task; done hears the creation. */
static struct session *
st_create(const struct profile *p, const char *task, int auto_confirm, struct st_answer *done)
{
	char *why = NULL;

	assert_int_equal(session_create(&st_set, p, task, st_dir, auto_confirm, 80, 24,
					st_completion(done), &why),
			 0);
	assert_true(st.spawned);
	return TAILQ_LAST(&st_set.list, session_list);
}

/*
 * tmux answers new-session; the script expects the pane_dead subscription
 * and the first screen read, which shows screen. The caller may expect
 * more, then runs the loop.
 */
static void
st_up(const char *screen)
{
	st_expect(ST_SUBSCRIBE_DEAD, "");
	st_expect(ST_READ_SCREEN, screen);
	st_expect(ST_READ_DEAD, "0 ");
	st_initial(0, "");
}

/* A session of the small tool, up, its first screen read. */
static struct session *
st_start(const char *task, int auto_confirm, const char *screen, struct st_answer *done)
{
	struct session *s = st_create(st_profile, task, auto_confirm, done);

	st_up(screen);
	st_run(20);
	assert_true(st_script_done());
	return s;
}

/* Output arrives and the next screen read shows screen. */
static void
st_redraw(const char *screen)
{
	st_expect(ST_READ_SCREEN, screen);
	st_expect(ST_READ_DEAD, "0 ");
	st_output("\033[Hsomething new");
	st_run(40);
	assert_true(st_script_done());
}

#endif
