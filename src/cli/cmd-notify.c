/*
 * cmd-notify: `cm notify`: tells a person, wherever they are, when an
 * agent's session needs them, is done, fails, exits, stalls, hits a usage
 * limit or recovers.
 *
 * It follows every context (or --ctx / --pool) on one loop, through the
 * same tunnels and tokens as every other command, and runs until stopped
 * (in the foreground, or as the systemd user unit packaging/cm-notify.service).
 * Events are matched against the rules of notify.json (notify-config.h) or
 * the one destination of the command line; a match is checked against
 * dedup and the per-session rate limit (notify/limit.h), composed once
 * (notify/msg.h) and queued for the delivery thread (notify/sender.h),
 * which retries with backoff. The loop never waits on a receiver or the
 * disk.
 *
 * Nothing missed, nothing twice: each context's position (the seq of the
 * last event whose notifications are over) is kept in notify-seq.json
 * (notify-seq.h) and given to the agent as `since` when connecting, so a
 * restart of cm notify or of the agent, or a tunnel that drops, resumes
 * exactly there (libcm drops events it has already seen). An agent that
 * cannot be reached, at start or later, is tried again with backoff for as
 * long as cm notify runs. An agent that no longer holds the events asked
 * for (its state was wiped) answers with a snapshot; that is logged and the
 * position starts again from its numbering.
 *
 * A session's task comes from the agent's session list, asked for once per
 * connection; events replayed before that answer are held (in order) until
 * it comes, so that a notification of a replayed prompt still names its
 * task.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "notify-config.h"
#include "notify-seq.h"
#include "notify/kind.h"
#include "notify/limit.h"
#include "notify/msg.h"
#include "notify/sender.h"

#define NOTIFY_HELD_MAX	     10000 /* events held while the session list is asked for */
#define NOTIFY_RETRY_MIN_MS  1000  /* first delay before trying an agent again */
#define NOTIFY_RETRY_MAX_MS  60000 /* longest */
#define NOTIFY_TICK_MS	     250   /* the timer that starts those tries */
#define NOTIFY_DRAIN_MS	     3000  /* at exit, time left for queued notifications */
#define NOTIFY_TEST_DRAIN_MS 30000 /* --test waits this long for its deliveries */

struct notify_run;

/* One context followed. */
struct notify_agent {
	struct notify_run *run;	    /* owner */
	struct ctx ctx;		    /* the context */
	char *token;		    /* its token */
	struct cm_ssh_opts ssh;	    /* tunnel options */
	struct cm_client *client;   /* the connection, or NULL */
	struct notify_seq_ctx *pos; /* the persisted position */
	json_t *sessions;	    /* sessionId -> {"task", "tool", "stalled"} */
	json_t *held;		    /* events waiting for the session list */
	int listed;		    /* the session list came on this connection */
	int listing;		    /* it was asked for */
	uint64_t retry_at;	    /* when to make a new connection (0: none due) */
	int backoff_ms;		    /* the next delay */
	char last_err[256];	    /* the last failure logged (logged once) */
};

/* One run of cm notify. */
struct notify_run {
	struct cli *cli;	      /* owner */
	struct notify_config cfg;     /* rules and limits */
	struct notify_seq seq;	      /* positions */
	struct notify_limit *limit;   /* dedup and rate */
	struct notify_sender *sender; /* the delivery thread */
	struct notify_agent *agents;  /* followed contexts */
	size_t nagents;		      /* count */
	int done;		      /* leave the loop */
	unsigned long notified;	      /* notifications queued */
};

static void notify_agent_connect(struct notify_agent *a);

/* The delivery thread finished one job of an event. */
static void
notify_job_done(void *arg, void *owner, int64_t seq, int delivered)
{
	struct notify_run *run = arg;
	struct notify_agent *a = owner;

	(void)delivered;
	if (a)
		notify_seq_done(&run->seq, a->pos, seq);
}

/* On the delivery thread: writes the positions when they moved. */
static void
notify_idle(void *arg)
{
	struct notify_run *run = arg;
	char err[512];

	if (notify_seq_flush(&run->seq, err, sizeof(err)) < 0)
		log_warn("%s", err);
}

/* True if two destinations are the same place. */
static int
notify_dest_same(const struct notify_dest *x, const struct notify_dest *y)
{
	size_t i;

	if (x->kind != y->kind || strcmp(x->label, y->label) ||
	    (x->url && (!y->url || strcmp(x->url, y->url))) ||
	    (x->topic && (!y->topic || strcmp(x->topic, y->topic))))
		return 0;
	for (i = 0; x->argv && x->argv[i]; i++)
		if (!y->argv[i] || strcmp(x->argv[i], y->argv[i]))
			return 0;
	return !x->argv || !y->argv[i];
}

/* The destinations of every rule that matches, each once; returns the count. */
static size_t
notify_dests_for(struct notify_run *run, struct notify_agent *a, unsigned kind, const char *sid,
		 const struct notify_dest **out, size_t max)
{
	size_t i, k, j, n = 0;

	for (i = 0; i < run->cfg.nrules; i++) {
		const struct notify_rule *r = &run->cfg.rules[i];
		if (!notify_rule_matches(r, kind, a->ctx.name, a->ctx.pool, sid))
			continue;
		for (k = 0; k < r->nto; k++) {
			for (j = 0; j < n && !notify_dest_same(out[j], &r->to[k]); j++)
				;
			if (j == n && n < max)
				out[n++] = &r->to[k];
		}
	}
	return n;
}

/* What tells two notifications of one kind apart, for dedup (NULL: never a duplicate). */
static char *
notify_dedup_key(const char *ctx, const char *sid, unsigned kind, const json_t *ev)
{
	const char *what = "";

	if (kind == NOTIFY_DONE || kind == NOTIFY_RECOVERED)
		return NULL; /* once per task or per recovery already */
	if (kind == NOTIFY_NEEDS_PERSON)
		what = json_string_value(json_object_get(ev, "fingerprint"));
	else if (kind == NOTIFY_ERROR || kind == NOTIFY_USAGE_LIMIT)
		what = json_string_value(json_object_get(ev, "evidence"));
	return xasprintf("%s/%s/%s/%.200s", ctx, sid ? sid : "", notify_kind_name(kind),
			 what ? what : "");
}

/* Keeps what the session list and later events say of a session. */
static void
notify_remember(struct notify_agent *a, const json_t *ev, const char *type, const char *sid)
{
	json_t *info;

	if (!sid)
		return;
	if (!strcmp(type, "session_killed")) {
		json_object_del(a->sessions, sid);
		return;
	}
	if (!(info = json_object_get(a->sessions, sid))) {
		info = json_object();
		json_object_set_new(a->sessions, sid, info);
	}
	if (json_is_string(json_object_get(ev, "task")))
		json_object_set(info, "task", json_object_get(ev, "task"));
	if (json_is_string(json_object_get(ev, "tool")))
		json_object_set(info, "tool", json_object_get(ev, "tool"));
	if (!strcmp(type, "session_stuck"))
		json_object_set_new(info, "stalled", json_true());
	else if (!strcmp(type, "state_change"))
		json_object_del(info, "stalled");
}

/* Handles one event: rules, limits, queueing; then moves the position on. */
static void
notify_handle(struct notify_agent *a, const json_t *ev)
{
	struct notify_run *run = a->run;
	const struct notify_dest *dests[64];
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	int64_t seq = json_integer_value(json_object_get(ev, "seq"));
	json_t *info = sid ? json_object_get(a->sessions, sid) : NULL;
	struct notify_about about;
	struct notify_msg m;
	enum notify_verdict v;
	size_t n = 0, i;
	unsigned kind, held;
	char who[256], *key;

	if (!type)
		return;
	kind = notify_kind_of(ev, json_is_true(json_object_get(info, "stalled")));
	notify_remember(a, ev, type, sid);
	info = sid ? json_object_get(a->sessions, sid) : NULL;
	if (kind)
		n = notify_dests_for(run, a, kind, sid, dests, sizeof(dests) / sizeof(dests[0]));
	if (n > 0) {
		snprintf(who, sizeof(who), "%s/%s", a->ctx.name, sid ? sid : "");
		key = notify_dedup_key(a->ctx.name, sid, kind, ev);
		v = notify_limit_check(run->limit, who, key, time_wall(), &held);
		free(key);
		if (v != NOTIFY_ADMIT) {
			log_info("%s: %s (event %lld) held back: %s", who, notify_kind_name(kind),
				 (long long)seq,
				 v == NOTIFY_DUPLICATE ? "the same was sent lately" : "rate limit");
			n = 0;
		}
	}
	/* The jobs count before they are queued, so that none can end before it counts. */
	notify_seq_seen(&run->seq, a->pos, seq, n);
	if (n > 0) {
		memset(&about, 0, sizeof(about));
		about.kind = kind;
		about.context = a->ctx.name;
		about.event = ev;
		about.task = json_string_value(json_object_get(info, "task"));
		about.tool = json_string_value(json_object_get(info, "tool"));
		about.dashboard = run->cfg.dashboard;
		about.suppressed = held;
		notify_msg_compose(&m, &about);
		for (i = 0; i < n; i++) {
			if (notify_sender_push(run->sender, dests[i], &m, a, seq) < 0) {
				log_warn("%s: the queue is full; %s of event %lld dropped",
					 dests[i]->label, notify_kind_name(kind), (long long)seq);
				notify_seq_done(&run->seq, a->pos, seq);
			} else
				run->notified++;
		}
		log_info("%s/%s: %s (event %lld) to %zu destination(s)", a->ctx.name,
			 sid ? sid : "", notify_kind_name(kind), (long long)seq, n);
		notify_msg_release(&m);
	}
	notify_sender_poke(run->sender);
}

/* Handles the held events, in order. */
static void
notify_release_held(struct notify_agent *a)
{
	size_t i;

	for (i = 0; i < json_array_size(a->held); i++)
		notify_handle(a, json_array_get(a->held, i));
	json_array_clear(a->held);
}

/* Fills the session cache from a list (session_list or a resync snapshot). */
static void
notify_learn_sessions(struct notify_agent *a, const json_t *list)
{
	size_t i;
	json_t *s;

	json_array_foreach (list, i, s) {
		const char *sid = json_string_value(json_object_get(s, "sessionId"));
		if (sid)
			notify_remember(a, s, "session_list", sid);
	}
}

/*
 * After a resync the events in between are gone, but a prompt that still
 * waits is in the snapshot: it is notified as its confirm_needed would
 * have been (marked "fromSnapshot"), so a person is not left unasked.
 */
static void
notify_waiting_in_snapshot(struct notify_agent *a, const json_t *list, int64_t seq)
{
	const json_t *s, *p;
	json_t *ev;
	size_t i;

	json_array_foreach (list, i, s) {
		p = json_object_get(s, "prompt");
		if (!json_is_object(p) || !json_is_string(json_object_get(s, "sessionId")))
			continue;
		ev = json_pack("{s:s, s:O, s:I, s:f, s:b}", "type", "confirm_needed", "sessionId",
			       json_object_get(s, "sessionId"), "seq", (json_int_t)seq, "timestamp",
			       time_wall(), "fromSnapshot", 1);
		if (json_is_string(json_object_get(p, "text")))
			json_object_set(ev, "prompt", json_object_get(p, "text"));
		if (json_is_string(json_object_get(p, "command")))
			json_object_set(ev, "command", json_object_get(p, "command"));
		if (json_is_string(json_object_get(p, "reason")))
			json_object_set(ev, "reason", json_object_get(p, "reason"));
		if (json_is_string(json_object_get(p, "fingerprint")))
			json_object_set(ev, "fingerprint", json_object_get(p, "fingerprint"));
		notify_handle(a, ev);
		json_decref(ev);
	}
}

/* The session list came (or the request failed). */
static void
notify_listed(struct cm_client *c, int err, const json_t *reply, void *arg)
{
	struct notify_agent *a = arg;

	(void)c;
	a->listing = 0;
	if (err == CM_ECLOSED) /* the connection dropped: asked again on the next one */
		return;
	if (err < 0)
		/* Held events must not wait for ever: they go out without their tasks. */
		log_warn("%s: list_sessions: %s; notifying without the sessions' tasks",
			 a->ctx.name, cm_error_name(err));
	else
		notify_learn_sessions(a, json_object_get(reply, "sessions"));
	a->listed = 1;
	notify_release_held(a);
}

/* Every event and unsolicited message of an agent. */
static void
notify_on_event(struct cm_client *c, const json_t *msg, void *arg)
{
	struct notify_agent *a = arg;

	(void)c;
	if (!json_is_integer(json_object_get(msg, "seq")) ||
	    !json_is_number(json_object_get(msg, "timestamp")))
		return;
	if (!a->listed && json_array_size(a->held) < NOTIFY_HELD_MAX) {
		json_array_append(a->held, (json_t *)msg);
		return;
	}
	notify_handle(a, msg);
}

/* Connection changes: logs them, resyncs, asks for the session list, schedules retries. */
static void
notify_on_state(struct cm_client *c, enum cm_conn_state st, void *arg)
{
	struct notify_agent *a = arg;
	const json_t *hello;
	int64_t seq;

	if (st == CM_CONN_READY) {
		hello = cm_client_hello(c);
		seq = json_integer_value(json_object_get(hello, "seq"));
		if (json_is_true(json_object_get(hello, "resync"))) {
			log_warn(
			    "%s: the agent no longer holds the events after seq %lld; going on "
			    "from its seq %lld (events in between are not notified)",
			    a->ctx.name, (long long)notify_seq_resume(&a->run->seq, a->pos),
			    (long long)seq);
			notify_seq_reset(&a->run->seq, a->pos, seq);
			notify_learn_sessions(a, json_object_get(hello, "sessions"));
			notify_waiting_in_snapshot(a, json_object_get(hello, "sessions"), seq);
		} else if (notify_seq_resume(&a->run->seq, a->pos) < 0) {
			/* The first run starts from now: history is not news. */
			notify_seq_reset(&a->run->seq, a->pos, seq);
		}
		log_info("%s: following from seq %lld", a->ctx.name,
			 (long long)notify_seq_resume(&a->run->seq, a->pos));
		a->last_err[0] = '\0';
		a->backoff_ms = NOTIFY_RETRY_MIN_MS;
		if (!a->listed && !a->listing &&
		    cm_client_send(c, cm_request("list_sessions"), notify_listed, a) == 0)
			a->listing = 1;
		notify_sender_poke(a->run->sender);
	} else if (st == CM_CONN_LOST) {
		log_warn("%s: %s; reconnecting", a->ctx.name, cm_client_error(c));
	} else if (st == CM_CONN_FAILED) {
		if (strcmp(a->last_err, cm_client_error(c))) {
			snprintf(a->last_err, sizeof(a->last_err), "%s", cm_client_error(c));
			log_warn("%s: %s; trying again until it answers", a->ctx.name, a->last_err);
		}
		a->retry_at = time_mono_ms() + (uint64_t)a->backoff_ms;
		a->backoff_ms = a->backoff_ms * 2 > NOTIFY_RETRY_MAX_MS ? NOTIFY_RETRY_MAX_MS
									: a->backoff_ms * 2;
	}
}

/* Makes a fresh connection that resumes from the position (a failed one is freed). */
static void
notify_agent_connect(struct notify_agent *a)
{
	struct cm_client_opts o;

	if (a->client)
		cm_client_free(a->client);
	conn_options(&a->ctx, a->token, &a->ssh, &o);
	o.reconnect = 1;
	o.since = notify_seq_resume(&a->run->seq, a->pos);
	o.timeout_ms = a->run->cli->timeout_ms;
	o.on_event = notify_on_event;
	o.on_state = notify_on_state;
	o.arg = a;
	a->retry_at = 0;
	a->listed = 0;
	a->listing = 0;
	a->client = cm_client_new(a->run->cli->loop, &o);
	if (cm_client_state(a->client) == CM_CONN_FAILED || cm_client_fail(a->client))
		notify_on_state(a->client, CM_CONN_FAILED, a);
	else
		cm_client_connect(a->client);
}

/* The timer: makes the connections that are due. */
static void
notify_tick(int fd, void *arg)
{
	struct notify_run *run = arg;
	uint64_t n, now = time_mono_ms();
	size_t i;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	for (i = 0; i < run->nagents; i++)
		if (run->agents[i].retry_at && run->agents[i].retry_at <= now)
			notify_agent_connect(&run->agents[i]);
}

/* SIGINT or SIGTERM: leave. */
static void
notify_signal(int fd, void *arg)
{
	struct notify_run *run = arg;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info("signal %u: stopping", si.ssi_signo);
		run->done = 1;
		cm_loop_stop(run->cli->loop);
	}
}

/* Parses the quick destination flags into one rule. */
static int
notify_quick_rule(struct cli *cli, struct notify_config *cfg, int ac, char **av,
		  const char *const *webhooks, size_t nweb, const char *const *ntfys, size_t nntfy,
		  int desktop, const char *exec_prog, unsigned on)
{
	struct notify_rule r;
	char err[512];
	size_t i;

	memset(&r, 0, sizeof(r));
	r.on = on;
	r.to = xcalloc(nweb + nntfy + 2, sizeof(*r.to));
	for (i = 0; i < nweb; i++) {
		if (notify_dest_webhook(&r.to[r.nto], webhooks[i], err, sizeof(err)) < 0)
			goto bad;
		r.nto++;
	}
	for (i = 0; i < nntfy; i++) {
		if (notify_dest_ntfy(&r.to[r.nto], ntfys[i], err, sizeof(err)) < 0)
			goto bad;
		r.nto++;
	}
	if (desktop)
		notify_dest_desktop(&r.to[r.nto++]);
	if (exec_prog) {
		char **argv = xcalloc((size_t)ac + 2, sizeof(char *));
		argv[0] = (char *)exec_prog;
		for (i = 0; i < (size_t)ac; i++)
			argv[i + 1] = av[i];
		i = notify_dest_exec(&r.to[r.nto], argv, (size_t)ac + 1, err, sizeof(err)) < 0;
		free(argv);
		if (i)
			goto bad;
		r.nto++;
	}
	notify_config_add_rule(cfg, &r);
	return 0;
bad:
	cli_error(cli, "%s", err);
	for (i = 0; i < r.nto; i++)
		notify_dest_release(&r.to[i]);
	free(r.to);
	return CLI_EXIT_USAGE;
}

/* The contexts to follow: --ctx, --pool, else every one. */
static int
notify_pick_agents(struct notify_run *run)
{
	struct cli *cli = run->cli;
	struct conn *cns = NULL;
	size_t i, n = 0;
	char err[1024];
	int rc;

	if (cli->ctx_name) {
		cns = xcalloc(1, sizeof(*cns));
		if ((rc = cli_find_context(cli, cli->ctx_name, &cns[0].ctx)) != 0) {
			free(cns);
			return rc;
		}
		n = 1;
	} else if (!(cns = conn_all_contexts(cli, cli->pool, &n, &rc)))
		return rc;
	if (n == 0) {
		free(cns);
		cli_error(cli, cli->pool ? "no context in pool \"%s\"" : "no context to follow%s",
			  cli->pool ? cli->pool : " (cm ctx add ...)");
		return CLI_EXIT_CONFIG;
	}
	run->agents = xcalloc(n, sizeof(*run->agents));
	for (i = 0; i < n; i++) {
		struct notify_agent *a = &run->agents[run->nagents];
		a->ctx = cns[i].ctx;
		if ((rc = contexts_token(&a->ctx, &a->token, err, sizeof(err))) < 0) {
			cli_warn(cli, "%s: skipped: %s", a->ctx.name, err);
			continue;
		}
		a->run = run;
		a->pos = notify_seq_ctx(&run->seq, a->ctx.name);
		a->sessions = json_object();
		a->held = json_array();
		a->backoff_ms = NOTIFY_RETRY_MIN_MS;
		run->nagents++;
	}
	free(cns);
	if (run->nagents == 0) {
		cli_error(cli, "no context can be followed (tokens)");
		return CLI_EXIT_CONFIG;
	}
	return 0;
}

/* --test: one made-up prompt to every destination; waits for the outcome. */
static int
notify_test(struct notify_run *run)
{
	struct notify_sender_stats st;
	struct notify_about about;
	struct notify_msg m;
	json_t *ev;
	size_t i, k, n = 0;

	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:f}", "type", "confirm_needed", "sessionId",
		       "cm-0-0", "prompt", "This is a test of cm notify", "command", "echo hello",
		       "fingerprint", "0000000000000000", "seq", (json_int_t)0, "timestamp",
		       time_wall());
	memset(&about, 0, sizeof(about));
	about.kind = NOTIFY_NEEDS_PERSON;
	about.context = "test";
	about.event = ev;
	about.task = "Check that notifications arrive";
	about.tool = "cm";
	about.dashboard = run->cfg.dashboard;
	notify_msg_compose(&m, &about);
	for (i = 0; i < run->cfg.nrules; i++)
		for (k = 0; k < run->cfg.rules[i].nto; k++)
			if (notify_sender_push(run->sender, &run->cfg.rules[i].to[k], &m, NULL,
					       0) == 0)
				n++;
	notify_msg_release(&m);
	json_decref(ev);
	for (i = 0; i < NOTIFY_TEST_DRAIN_MS / 50 && notify_sender_pending(run->sender); i++)
		usleep(50 * 1000);
	notify_sender_stats(run->sender, &st);
	printf("%lu of %zu delivered\n", st.delivered, n);
	return st.delivered == n ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* Follows the agents until a signal. */
static int
notify_follow(struct notify_run *run)
{
	struct itimerspec its = {{0, NOTIFY_TICK_MS * 1000000L}, {0, NOTIFY_TICK_MS * 1000000L}};
	struct cm_watch *wsig, *wtick;
	sigset_t set;
	int sfd, tfd;
	size_t i;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		cli_error(run->cli, "cannot set up signals and timers");
		if (sfd >= 0)
			close(sfd);
		if (tfd >= 0)
			close(tfd);
		return CLI_EXIT_FAIL;
	}
	wsig = cm_loop_watch_fd(run->cli->loop, sfd, notify_signal, run);
	wtick = cm_loop_watch_fd(run->cli->loop, tfd, notify_tick, run);
	for (i = 0; i < run->nagents; i++)
		notify_agent_connect(&run->agents[i]);
	while (!run->done)
		cm_loop_run_until(run->cli->loop, &run->done, -1);
	for (i = 0; i < run->nagents; i++) {
		cm_client_free(run->agents[i].client);
		run->agents[i].client = NULL;
	}
	cm_watch_free(wsig);
	cm_watch_free(wtick);
	close(sfd);
	close(tfd);
	return CLI_EXIT_OK;
}

/* cm notify. */
static int
cmd_notify_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"ctx", required_argument, NULL, 0},
					     {"pool", required_argument, NULL, 0},
					     {"all", no_argument, NULL, 'a'},
					     {"config", required_argument, NULL, 'f'},
					     {"webhook", required_argument, NULL, 'w'},
					     {"ntfy", required_argument, NULL, 'n'},
					     {"desktop", no_argument, NULL, 'd'},
					     {"exec", required_argument, NULL, 'x'},
					     {"on", required_argument, NULL, 'o'},
					     {"dashboard", required_argument, NULL, 'D'},
					     {"state", required_argument, NULL, 's'},
					     {"test", no_argument, NULL, 't'},
					     {NULL, 0, NULL, 0}};
	const char *webhooks[8], *ntfys[8], *exec_prog = NULL, *config = NULL, *state = NULL;
	const char *on_list = NULL, *dashboard = NULL;
	size_t nweb = 0, nntfy = 0;
	int c, rc, desktop = 0, test = 0, quick;
	struct notify_sender_opts so;
	struct notify_run run;
	char path[4096], err[1024], bad[64];
	unsigned on = NOTIFY_KIND_ALL;
	sigset_t set;

	memset(&run, 0, sizeof(run));
	run.cli = cli;
	while ((c = cli_getopt(cli, argc, argv, "af:w:n:dx:o:D:s:t", opts)) != -1) {
		switch (c) {
		case 'a':
			break;
		case 'f':
			config = optarg;
			break;
		case 'w':
		case 'n':
			if ((c == 'w' ? nweb : nntfy) >= 8) {
				cli_error(cli, "at most 8 --webhook and 8 --ntfy");
				return CLI_EXIT_USAGE;
			}
			if (c == 'w')
				webhooks[nweb++] = optarg;
			else
				ntfys[nntfy++] = optarg;
			break;
		case 'd':
			desktop = 1;
			break;
		case 'x':
			exec_prog = optarg;
			break;
		case 'o':
			on_list = optarg;
			break;
		case 'D':
			dashboard = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 't':
			test = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc && !exec_prog) {
		cli_error(cli,
			  "unexpected argument \"%s\" (arguments after -- go to --exec's program)",
			  argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (on_list && !(on = notify_kind_parse_list(on_list, bad, sizeof(bad)))) {
		cli_error(cli,
			  "--on: unknown event \"%s\" (needs-person, done, error, exited, stalled, "
			  "usage-limit, recovered, all)",
			  bad);
		return CLI_EXIT_USAGE;
	}
	quick = nweb || nntfy || desktop || exec_prog;
	notify_config_init(&run.cfg);
	/* The file's settings always apply; its rules only without a destination flag. */
	if (!config && notify_config_path(path, sizeof(path)) == 0)
		config = path;
	if (config && (rc = notify_config_load(&run.cfg, config, err, sizeof(err))) < 0 &&
	    rc != CM_ENOENT) {
		cli_error(cli, "%s", err);
		notify_config_release(&run.cfg);
		return rc == CM_EPERM ? CLI_EXIT_UNSAFE : CLI_EXIT_CONFIG;
	}
	if (quick) {
		/* The file's dashboard and limits stay; the flags replace its rules. */
		notify_config_clear_rules(&run.cfg);
		if ((rc = notify_quick_rule(cli, &run.cfg, argc - optind, argv + optind, webhooks,
					    nweb, ntfys, nntfy, desktop, exec_prog, on)) != 0) {
			notify_config_release(&run.cfg);
			return rc;
		}
	} else if (on_list) {
		size_t i;
		for (i = 0; i < run.cfg.nrules; i++)
			run.cfg.rules[i].on &= on;
	}
	if (dashboard) {
		struct notify_dest probe;
		if (notify_dest_webhook(&probe, dashboard, err, sizeof(err)) < 0) {
			cli_error(cli, "--dashboard: %s", err);
			notify_config_release(&run.cfg);
			return CLI_EXIT_USAGE;
		}
		notify_dest_release(&probe);
		free(run.cfg.dashboard);
		run.cfg.dashboard = xstrdup(dashboard);
	}
	if (run.cfg.nrules == 0) {
		cli_error(cli,
			  "nowhere to send notifications: give --webhook, --ntfy, --desktop or "
			  "--exec, or rules in %s",
			  config ? config : "notify.json");
		notify_config_release(&run.cfg);
		return CLI_EXIT_USAGE;
	}
	if (cli->verbose)
		log_set_level(LOG_LEVEL_DEBUG);

	if (!state && notify_seq_path(path, sizeof(path)) == 0)
		state = path;
	if (!state || notify_seq_open(&run.seq, state, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", state ? err : "no place for the state file (set HOME)");
		notify_config_release(&run.cfg);
		return CLI_EXIT_CONFIG;
	}
	if (!test && (rc = notify_pick_agents(&run)) != 0)
		goto out_seq;
	if (!cli_loop(cli)) {
		cli_error(cli, "cannot create the event loop (libwebsockets)");
		rc = CLI_EXIT_FAIL;
		goto out_agents;
	}
	/* Blocked before the thread starts, so that only the signalfd sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	run.limit = xcalloc(1, sizeof(*run.limit));
	notify_limit_init(run.limit, run.cfg.dedup_s, run.cfg.burst, run.cfg.window_s);
	memset(&so, 0, sizeof(so));
	so.done = notify_job_done;
	so.idle = notify_idle;
	so.arg = &run;
	so.notify_send = getenv("CM_NOTIFY_SEND");
	if (test)
		so.max_attempts = 1;
	if (!(run.sender = notify_sender_new(&so))) {
		rc = CLI_EXIT_FAIL;
		goto out_limit;
	}
	rc = test ? notify_test(&run) : notify_follow(&run);
	notify_sender_free(run.sender, test ? 0 : NOTIFY_DRAIN_MS);
out_limit:
	notify_limit_release(run.limit);
	free(run.limit);
out_agents:
	for (size_t i = 0; i < run.nagents; i++) {
		struct notify_agent *a = &run.agents[i];
		if (a->client)
			cm_client_free(a->client);
		json_decref(a->sessions);
		json_decref(a->held);
		if (a->token) {
			memset(a->token, 0, strlen(a->token));
			free(a->token);
		}
	}
	free(run.agents);
out_seq:
	notify_seq_close(&run.seq);
	notify_config_release(&run.cfg);
	return rc;
}

const struct cli_cmd cmd_notify_entry = {
    .name = "notify",
    .alias = NULL,
    .usage = "[--ctx NAME | --pool P] [--config FILE] [--webhook URL] [--ntfy URL/TOPIC] "
	     "[--desktop] [--exec PROG [-- ARG...]] [--on EVENTS] [--dashboard URL] [--test]",
    .summary = "send notifications of agents' events (desktop, webhook, ntfy, a program)",
    .help = "    --config FILE    rules (default ~/.config/cm/notify.json; see docs/NOTIFY.md)\n"
	    "    --webhook URL    POST each notification as JSON (instead of the file's rules)\n"
	    "    --ntfy URL/TOPIC push through an ntfy server (https://ntfy.sh/TOPIC)\n"
	    "    --desktop        desktop notifications (freedesktop, via notify-send)\n"
	    "    --exec PROG      run PROG (no shell; args after --), the JSON on its stdin\n"
	    "    --on EVENTS      needs-person,done,error,exited,stalled,usage-limit,recovered\n"
	    "                     or all (default)\n"
	    "    --dashboard URL  link notifications to this dashboard\n"
	    "    --state FILE     position file (default ~/.local/state/cm/notify-seq.json)\n"
	    "    --test           send one test notification to every destination and exit\n"
	    "Follows every context (or --ctx/--pool) until SIGINT/SIGTERM, through dropped\n"
	    "tunnels and agent restarts; each event is notified once (position saved per\n"
	    "context), with dedup, a rate limit per session and retries with backoff.\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_notify_exec,
};
