/*
 * cm-agent: runs AI coding tools in tmux and serves them over WebSocket.
 *
 * Start order: flags and config, private directories and the token, the
 * state directory's lock (one agent per STATE_DIR), tool profiles, the
 * event bus (restored from its log), the listener, the signalfd, then every
 * session found in the state directory is re-adopted and `agent_started` is
 * published. One loop (lws_service) serves everything. SIGTERM/SIGINT stop
 * it: clients are closed, control clients detached, and the tmux sessions
 * keep running for the next start.
 */
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/audit.h"
#include "agent/classify-cmd.h"
#include "agent/notify-sink.h"
#include "agent/policy-cmd.h"
#include "agent/sdnotify.h"
#include "agent/screen/danger.h"
#include "agent/screen/tools.h"
#include "agent/sessions/metrics.h"
#include "agent/sessions/recorder.h"
#include "agent/sessions/session.h"
#include "agent/sessions/watch.h"
#include "agent/tmux/fdwatch.h"
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/listener.h"
#include "agent/worktree/gitrun.h"
#include "agent/worktree/wt-job.h"
#include "agent/worktree/wt-registry.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

static struct fdwatch main_signal_watch;
/* What GET /metrics shows (sessions/metrics.h). */
static struct metrics main_metrics;
/* The sessions' worktrees (STATE_DIR/worktrees). */
static struct wt_registry main_worktrees;
/* STATE_DIR/agent.lock, locked and open until the process ends. */
static int main_lock_fd = -1;

/* Reaps every finished child and tells the sessions. */
static void
main_reap(struct agent *a)
{
	int status;
	pid_t pid;

	/* A git child's status goes to the job thread that waits for it. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (!gitrun_reaped(pid, status))
			session_reaped(&a->sessions, pid, status);
}

/* A signal arrived on the signalfd. */
static void
main_on_signal(void *arg)
{
	struct agent *a = arg;
	struct signalfd_siginfo si;

	while (read(a->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			main_reap(a);
			break;
		case SIGHUP:
			log_info("SIGHUP: reloading profiles");
			tools_load(a->cfg.profile_dirs, a->cfg.n_profile_dirs);
			sdnotify_status("profiles reloaded");
			break;
		default:
			if (!a->stopping)
				log_info("signal %u: stopping (sessions keep running)",
					 si.ssi_signo);
			a->stopping = a->sessions.stopping = 1;
			lws_cancel_service(a->lws);
			break;
		}
	}
	/* A SIGCHLD merged into one already read must not leave zombies. */
	main_reap(a);
}

/* Blocks the signals we handle and serves them through a signalfd. */
static int
main_signals(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	a->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->signal_fd < 0)
		return -1;
	return fdwatch_add(a->vhost, &main_signal_watch, a->signal_fd, main_on_signal, NULL, a);
}

/* Children (tmux) must not start with our blocked signal mask. */
static void
main_unblock_in_child(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/*
 * Raises the soft limit on open files to the hard one: each session holds
 * four descriptors (tmux's pipes and the loop's duplicates of them), and the
 * usual soft limit of 1024 would cap the agent near 250 sessions.
 */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open files limit: %s", strerror(errno));
	}
}

/* Compiles the config's extra danger rules. */
static int
main_danger_rules(struct agent *a)
{
	agent_danger_rules = danger_rules_new();
	for (size_t i = 0; i < a->cfg.n_danger_rules; i++) {
		struct buf err;
		char name[32];

		buf_init(&err, 512);
		snprintf(name, sizeof name, "config-%zu", i + 1);
		if (danger_rules_add(agent_danger_rules, name, a->cfg.danger_rules[i], &err) < 0) {
			fprintf(stderr, "cm-agent: danger rule %zu (%s): %s\n", i + 1,
				a->cfg.danger_rules[i], err.data ? err.data : "invalid");
			buf_release(&err);
			return -1;
		}
		buf_release(&err);
	}
	return 0;
}

/*
 * Takes STATE_DIR/agent.lock for the life of the process: a second agent on
 * the same state would re-adopt the first one's sessions and write the same
 * event log. The lock belongs to the open file, which is close-on-exec, so
 * tmux children never hold it; it is released when the agent dies, however
 * it dies. The file holds the holder's pid for the refusal message.
 */
static int
main_lock_state(struct agent *a)
{
	char *path = xasprintf("%s/agent.lock", a->cfg.state_dir);
	char text[32] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "cm-agent: %s: %s\n", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			n = pread(fd, text, sizeof text - 1, 0);
			text[n > 0 ? n : 0] = '\0';
			text[strcspn(text, "\n")] = '\0';
			fprintf(stderr,
				"cm-agent: another cm-agent%s%s%s already uses the state directory "
				"%s\n",
				*text ? " (pid " : "", text, *text ? ")" : "", a->cfg.state_dir);
		} else
			fprintf(stderr, "cm-agent: cannot lock %s: %s\n", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n)
		log_warn("cannot write the pid to %s", path);
	free(path);
	main_lock_fd = fd; /* never closed: the lock lasts as long as the process */
	return 0;
}

/* Writes the bound port for scripts and tests (--port 0). */
static void
main_write_port(struct agent *a)
{
	char *path = xasprintf("%s/agent.port", a->cfg.state_dir);
	char text[16];
	int n = snprintf(text, sizeof text, "%d\n", a->port);

	if (a->port > 0 && fs_write_atomic(path, text, (size_t)n) < 0)
		log_warn("cannot write %s", path);
	free(path);
}

/* The status line systemd shows: sessions, how many work or wait, clients, where. */
static void
main_status(void *arg, char *buf, size_t n)
{
	struct agent *a = arg;
	size_t busy = 0, waiting = 0;
	struct session *s;

	TAILQ_FOREACH (s, &a->sessions.list, entry) {
		if (cm_state_is_busy(s->state))
			busy++;
		else if (s->state == CM_STATE_WAITING_CONFIRM)
			waiting++;
	}
	if (a->port > 0)
		snprintf(buf, n, "%zu sessions (%zu busy, %zu waiting), %zu clients; %s:%d",
			 a->sessions.n, busy, waiting, a->n_conns, a->cfg.bind, a->port);
	else
		snprintf(buf, n, "%zu sessions (%zu busy, %zu waiting), %zu clients; unix:%s",
			 a->sessions.n, busy, waiting, a->n_conns,
			 a->cfg.unix_path ? a->cfg.unix_path : "?");
}

/* Publishes agent_started with what was re-adopted. */
static void
main_announce(struct agent *a)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_AGENT_STARTED)));
	json_object_set_new(ev, "version", json_string(CM_VERSION));
	json_object_set_new(ev, "sessions", json_integer((json_int_t)a->sessions.n));
	bus_publish(&a->sessions.bus, ev, 0);
}

/* Records every session's transcript unless told not to; without it the agent still runs. */
static void
main_start_recorder(struct agent *a)
{
	struct transcript_limits lim;
	char why[TRANSCRIPT_WHY_MAX];

	if (a->cfg.no_transcripts)
		return;
	transcript_limits_default(&lim);
	lim.max_total_bytes = (uint64_t)a->cfg.transcript_max_mb << 20;
	lim.max_age_s = (uint32_t)a->cfg.transcript_max_days * 86400u;
	lim.min_free_bytes = (uint64_t)a->cfg.transcript_min_free_mb << 20;
	if (recorder_start(&a->sessions, a->cfg.transcript_dir, &lim, why) < 0)
		log_error("transcripts are not recorded: %s", why);
}

int
main(int argc, char **argv)
{
	static struct agent agent;
	struct agent *a = &agent;
	struct agent_notify *notify;
	char *log_path, *why;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "classify") == 0)
		return classify_cmd_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "policy") == 0)
		return policy_cmd_main(argc - 1, argv + 1);

	agent_self = a;
	/* Read before anything is spawned: the tools must not inherit systemd's socket. */
	sdnotify_init();
	TAILQ_INIT(&a->conns);
	sessions_init(&a->sessions);
	a->signal_fd = -1;
	config_init(&a->cfg);
	rc = config_parse_args(&a->cfg, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	log_set_level((enum log_level)a->cfg.log_level);
	if (a->cfg.token_from_cli)
		log_warn("--token is visible to every user in the process list; use "
			 "CM_AGENT_TOKEN or --token-file");
	if (config_finish(&a->cfg) < 0)
		return 2;
	if (a->cfg.token_generated)
		log_warn("no token configured: generated one in %s (mode 0600)", a->cfg.token_file);
	if (main_danger_rules(a) < 0)
		return 2;
	if (main_lock_state(a) < 0)
		return 1;
	pthread_atfork(NULL, NULL, main_unblock_in_child);
	main_raise_nofile();
	gethostname(a->hostname, sizeof a->hostname - 1);
	a->started = time_wall();
	auth_init(&a->auth, a->cfg.token);
	log_info("%zu tools: built in, then %zu profiles dirs",
		 tools_load(a->cfg.profile_dirs, a->cfg.n_profile_dirs), a->cfg.n_profile_dirs);
	log_path = xasprintf("%s/events.log", a->cfg.state_dir);
	/* Events leave the session layer through these sinks, in this order. */
	bus_init(&a->sessions.bus, (size_t)a->cfg.replay_events, log_path);
	free(log_path);
	bus_add_sink_for(&a->sessions.bus, "audit", audit_messages, audit_sink, a->cfg.audit_log);
	main_metrics.started = a->started;
	a->sessions.metrics = &main_metrics;
	bus_add_sink(&a->sessions.bus, "metrics", metrics_sink, &main_metrics);
	bus_add_sink(&a->sessions.bus, "clients", conn_fanout, a);
	if (listener_start(a) < 0 || main_signals(a) < 0) {
		listener_stop(a);
		return 1;
	}
	/* After main_signals: the delivery thread inherits the blocked signals. */
	if (!(notify = agent_notify_start(&a->cfg, &a->sessions, a->hostname, &why)) && why) {
		log_error("%s", why);
		free(why);
		listener_stop(a);
		return 2;
	}
	if (notify)
		bus_add_sink_for(&a->sessions.bus, "notify", agent_notify_messages,
				 agent_notify_sink, notify);
	a->sessions.cfg = &a->cfg;
	a->sessions.lws = a->lws;
	a->sessions.vhost = a->vhost;
	a->sessions.danger = agent_danger_rules;
	main_start_recorder(a);
	if (wt_registry_init(&main_worktrees, a->cfg.state_dir) == 0)
		a->sessions.worktrees = &main_worktrees;
	/* Restarts, stalls and usage limits follow state changes from the bus. */
	watch_start(&a->sessions);
	session_adopt_all(&a->sessions);
	main_announce(a);
	main_write_port(a);
	log_info("cm-agent %s ready: %zu sessions, state in %s", CM_VERSION, a->sessions.n,
		 a->cfg.state_dir);
	/* Type=notify: systemd counts the agent started now; the watchdog begins. */
	sdnotify_ready(a->lws, a->sessions.metrics, main_status, a);

	while (!a->stopping)
		if (lws_service(a->lws, 0) < 0)
			break;

	sdnotify_stopping();
	fdwatch_remove(&main_signal_watch);
	wt_jobs_shutdown();
	session_detach_all(&a->sessions);
	recorder_stop(&a->sessions);
	wt_registry_release(&main_worktrees);
	listener_stop(a);
	main_reap(a);
	bus_release(&a->sessions.bus);
	agent_notify_stop(notify);
	audit_close();
	tools_release();
	danger_rules_free(agent_danger_rules);
	close(a->signal_fd);
	config_release(&a->cfg);
	log_info("stopped");
	return 0;
}
