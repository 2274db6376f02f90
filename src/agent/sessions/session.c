/*
 * session: tmux servers, control clients, state files (see session.h).
 */
#include "agent/sessions/session.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "agent/screen/tools.h"
#include "agent/sessions/deadwatch.h"
#include "agent/sessions/metrics.h"
#include "agent/sessions/monitor.h"
#include "agent/sessions/output.h"
#include "agent/sessions/resume.h"
#include "agent/sessions/session-op.h"
#include "agent/settings/config.h"
#include "agent/tmux/link.h"
#include "agent/worktree/wt-registry.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define SESSION_STATE_MAX (256 * 1024) /* largest state file read back */

/*
 * The tmux configuration of every session server. remain-on-exit keeps the
 * pane (and its last screen) when the tool exits; the status line is off so
 * that the screen is exactly the tool's. (window-size manual is not set:
 * tmux 3.3a's server dies when it is combined with `-C new-session`.)
 */
static const char session_tmux_conf[] = "set -g remain-on-exit on\n"
					"set -g status off\n"
					"set -g history-limit 10000\n"
					"set -g default-terminal tmux-256color\n"
					"set -g focus-events off\n";

static char *session_conf_path;

/* Writes the tmux configuration once per agent start. */
static int
session_write_conf(struct sessions *set)
{
	int rc;

	if (session_conf_path != NULL)
		return 0;
	session_conf_path = xasprintf("%s/tmux.conf", set->cfg->state_dir);
	rc = fs_write_atomic(session_conf_path, session_tmux_conf, strlen(session_tmux_conf));
	if (rc < 0) {
		log_error("cannot write %s: %s", session_conf_path, cm_strerror(rc));
		free(session_conf_path);
		session_conf_path = NULL;
	}
	return rc;
}

/* Makes a tmux argv element literal: a trailing ';' would end the command. */
static char *
session_tmux_arg(const char *s)
{
	size_t len = strlen(s);

	if (len > 0 && s[len - 1] == ';')
		return xasprintf("%.*s\\;", (int)(len - 1), s);
	return xstrdup(s);
}

/* Doubles '#' so tmux does not expand formats in a -c directory. */
static char *
session_format_literal(const char *s)
{
	struct buf b;

	buf_init(&b, strlen(s) * 2 + 8);
	for (; *s; s++) {
		if (*s == '#')
			buf_append(&b, "#", 1);
		buf_append(&b, s, 1);
	}
	return buf_steal(&b, NULL);
}

/* Removes the session from the agent for good: state file, socket, list. */
static void
session_remove(struct session *s)
{
	char *path = session_state_path(s->set, s->id);
	json_t *ev;

	unlink(path);
	free(path);
	if (s->socket)
		unlink(s->socket);
	monitor_stop(s);
	deadwatch_stop(s);
	output_session_gone(s);
	ev = json_object();
	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_SESSION_KILLED)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	session_publish(s, ev, &s->kill_done);
	TAILQ_REMOVE(&s->set->list, s, entry);
	s->set->n--;
	session_unref(s, __func__);
}

/* Stops watching tmux's pipes and frees the control client. */
static void
session_unlink(struct session *s)
{
	struct session_op *op;

	fdwatch_remove(&s->rwatch);
	fdwatch_remove(&s->wwatch);
	deadwatch_stop(s);
	if (s->cc != NULL) {
		s->set->link->free(s->cc);
		s->cc = NULL;
	}
	s->link = SESSION_LINK_NONE;
	/* No reply can come any more: answer whoever still waits. */
	while ((op = TAILQ_FIRST(&s->ops)) != NULL)
		session_op_fail(op, PROTO_ERR_SESSION_EXITED, "the session's tmux went away");
}

/* tmux's stdout is readable. */
static void
session_on_readable(void *arg)
{
	struct session *s = arg;

	if (s->cc != NULL)
		s->set->link->on_readable(s->cc);
}

/* tmux's stdin is writable. */
static void
session_on_writable(void *arg)
{
	struct session *s = arg;

	if (s->cc != NULL)
		s->set->link->on_writable(s->cc);
}

/* The control client wants (or no longer wants) its write fd watched. */
static void
session_cc_want_write(void *arg, int on)
{
	struct session *s = arg;

	fdwatch_want_write(&s->wwatch, on);
}

/* Removes the state file of s. */
static void
session_forget(struct session *s)
{
	char *path = session_state_path(s->set, s->id);

	unlink(path);
	free(path);
}

/* Replies an error to the creator and forgets the failed session. */
static void
session_create_failed(struct session *s, const char *why)
{
	log_warn("%s: tmux could not create the session: %s", s->id, why);
	completion_call(&s->create_done, PROTO_ERR_TMUX_FAILED, why, NULL);
	session_forget(s);
	if (s->socket)
		unlink(s->socket);
	TAILQ_REMOVE(&s->set->list, s, entry);
	s->set->n--;
	session_unlink(s);
	session_unref(s, __func__);
}

/* tmux answered the new-session or attach-session of its command line. */
static void
session_cc_initial(void *arg, int err, const char *body, size_t len)
{
	struct session *s = arg;
	struct wt_entry *wt;
	json_t *ev;

	(void)len;
	if (err < 0) {
		if (s->create_done.fn != NULL) {
			session_create_failed(s, body && *body ? body : cm_strerror(err));
			return;
		}
		log_warn("%s: cannot attach: %s", s->id, body && *body ? body : cm_strerror(err));
		return;
	}
	s->link = SESSION_LINK_UP;
	s->reattach_tries = 0;
	if (s->create_done.fn != NULL) {
		ev = json_object();
		json_object_set_new(ev, "type",
				    json_string(proto_msg_name(PROTO_MSG_SESSION_CREATED)));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		message_set_str(ev, "socket", s->socket);
		message_set_str(ev, "tool", s->tool);
		message_set_str(ev, "task", s->task);
		message_set_str(ev, "path", s->path);
		json_object_set_new(ev, "autoConfirm", json_boolean(s->auto_confirm));
		json_object_set_new(ev, "timestamp", json_real(s->created));
		if ((wt = wt_registry_find(s->set->worktrees, s->id)) != NULL)
			json_object_set_new(ev, "worktree", wt_entry_json(wt));
		session_publish(s, ev, &s->create_done);
		session_save(s);
	} else {
		session_save(s); /* clears the creating mark of a session adopted early */
	}
	deadwatch_start(s);
	monitor_start(s);
}

/* %output: feed the output streams and the screen monitor. */
static void
session_cc_output(void *arg, unsigned pane, const char *data, size_t len)
{
	struct session *s = arg;

	(void)pane;
	METRICS_ADD(s->set->metrics, output_bytes, len);
	taps_output(&s->set->taps, s, data, len);
	if (!TAILQ_EMPTY(&s->subs)) /* nobody watching costs nothing */
		output_forward(s, data, len);
	monitor_on_output(s);
}

/* Other notifications: a closed window means the tool's pane is gone. */
static void
session_cc_notify(void *arg, const char *name, const char *args)
{
	struct session *s = arg;

	(void)args;
	if (strcmp(name, "window-close") == 0 || strcmp(name, "unlinked-window-close") == 0 ||
	    strcmp(name, "subscription-changed") == 0)
		monitor_on_output(s);
}

/* %exit: tmux detached us (server exiting or session gone). */
static void
session_cc_exit(void *arg, const char *reason)
{
	struct session *s = arg;

	log_debug("%s: control client exit (%s)", s->id, reason ? reason : "no reason");
}

static int session_spawn(struct session *s, char **argv);

/* Spawns `tmux -C attach-session` for s: at adoption, or after its control client died. */
static int
session_attach(struct session *s)
{
	char *argv[] = {"tmux", "-S", s->socket, "-C", "attach-session", "-t", s->id, NULL};

	return session_spawn(s, argv);
}

/*
 * The control client ended while the session should live (killed by hand,
 * or crashed): the tool may still run, so attach again. Bounded: a server
 * that is really gone fails SESSION_REATTACH_MAX attaches in a row.
 */
static int
session_reattach(struct session *s)
{
	if (s->reattach_tries >= SESSION_REATTACH_MAX || access(s->socket, F_OK) < 0)
		return -1;
	s->reattach_tries++;
	METRICS_ADD(s->set->metrics, tmux_reattaches, 1);
	monitor_stop(s);
	return session_attach(s);
}

/* The control connection ended. */
static void
session_cc_closed(void *arg, int err)
{
	struct session *s = arg;

	(void)err;
	session_ref(s, __func__);
	session_unlink(s);
	if (s->create_done.fn != NULL) {
		session_create_failed(s, "tmux exited before the session was created");
	} else if (s->killed || s->set->stopping) {
		if (s->killed)
			session_remove(s);
	} else if (session_reattach(s) == 0) {
		log_warn("%s: control client ended: re-attached", s->id);
	} else {
		/* Someone killed the tmux server behind our back, or it died. */
		log_warn("%s: tmux server is gone", s->id);
		s->pane_dead = 1;
		session_set_state(s, CM_STATE_EXITED, "tmux-server-gone", NULL);
	}
	session_unref(s, __func__);
}

static const struct tmuxcc_client_cb session_cc_cb = {
    .want_write = session_cc_want_write,
    .initial = session_cc_initial,
    .output = session_cc_output,
    .notify = session_cc_notify,
    .exit = session_cc_exit,
    .closed = session_cc_closed,
};

/* Spawns the control client for s with argv and puts its pipes in the loop. */
static int
session_spawn(struct session *s, char **argv)
{
	struct tmuxcc_client_opts opts = {0};
	const struct tmux_link *link = s->set->link;
	int rc;

	rc = link->spawn(argv, &opts, &session_cc_cb, s, &s->cc);
	if (rc < 0)
		return rc;
	s->cc_pid = link->pid(s->cc);
	s->link = SESSION_LINK_STARTING;
	if (link->rfd(s->cc) < 0)
		return 0; /* a scripted link (tests): its owner drives the callbacks */
	if ((rc = fdwatch_add(s->set->vhost, &s->rwatch, link->rfd(s->cc), session_on_readable,
			      NULL, s)) < 0 ||
	    (rc = fdwatch_add(s->set->vhost, &s->wwatch, link->wfd(s->cc), NULL,
			      session_on_writable, s)) < 0) {
		kill(s->cc_pid, SIGTERM);
		session_unlink(s);
		return rc;
	}
	/* Commands queued before the pipes were watched need a write turn. */
	fdwatch_want_write(&s->wwatch, 1);
	return 0;
}

/* Room left in a command line array for more arguments and its NULL. */
#define SESSION_ARGV_ROOM(a) (sizeof(a) / sizeof((a)[0]) - 1)

/* A task argument of the profile: arg with its one "{task}" replaced by task. */
static char *
session_task_arg(const char *arg, const char *task)
{
	const char *at = strstr(arg, "{task}");

	if (at == NULL)
		return xstrdup(arg);
	return xasprintf("%.*s%s%s", (int)(at - arg), arg, task, at + 6);
}

/* Picks a fresh id: cm-<unix time>-<random>, unique across agents sharing a
 * socket directory (the time alone was the same for sessions started in
 * the same second by different agents). */
static void
session_new_id(struct sessions *set, char id[NAMES_SESSION_ID_MAX + 1])
{
	long now = (long)time(NULL);
	struct stat st;

	for (;;) {
		uint32_t r;
		char *sock, *state;
		int taken;

		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r = (uint32_t)rand();
		snprintf(id, NAMES_SESSION_ID_MAX + 1, "cm-%ld-%u", now, (unsigned)r);
		sock = xasprintf("%s/%s.sock", set->cfg->socket_dir, id);
		state = session_state_path(set, id);
		taken = session_find(set, id) != NULL || lstat(sock, &st) == 0 ||
			lstat(state, &st) == 0;
		free(sock);
		free(state);
		if (!taken)
			return;
	}
}

/* Allocates a session and links it into the agent. */
static struct session *
session_alloc(struct sessions *set, const char *id)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->set = set;
	s->refs = 1;
	snprintf(s->id, sizeof s->id, "%s", id);
	s->socket = xasprintf("%s/%s.sock", set->cfg->socket_dir, id);
	s->exit_status = -1;
	s->rec.restart = -1;  /* the profile's */
	s->rec.stall_ms = -1; /* the agent's */
	s->state = CM_STATE_STARTING;
	s->state_since = time_wall();
	TAILQ_INIT(&s->ops);
	TAILQ_INIT(&s->subs);
	TAILQ_INSERT_TAIL(&set->list, s, entry);
	set->n++;
	return s;
}

/*
 * Starts the tmux server of s: one `tmux -S SOCK -f CONF -C new-session ...
 * -- env -- TOOL ARGS` in s->path. The tool's command line is tool_argv
 * when given (to bring back a session whose server is gone), else the
 * profile's for task.
 */
static int
session_spawn_new(struct session *s, const char *task, char *const *tool_argv)
{
	const struct profile *p = s->profile;
	const struct profile_recovery *rec = profile_recovery(p);
	char colsbuf[16], rowsbuf[16];
	char *argv[64 + 2 * 40], *dirarg;
	char *owned[64 + 2 * 40];
	size_t n = 0, n_owned = 0;
	int rc;

	snprintf(colsbuf, sizeof colsbuf, "%d", s->cols);
	snprintf(rowsbuf, sizeof rowsbuf, "%d", s->rows);

#define ARG(x) (argv[n++] = (x))
#define OWN(x) (argv[n++] = owned[n_owned++] = (x))
	ARG("tmux");
	ARG("-S");
	ARG(s->socket);
	ARG("-f");
	ARG(session_conf_path);
	ARG("-C");
	ARG("new-session");
	ARG("-s");
	ARG(s->id);
	ARG("-x");
	ARG(colsbuf);
	ARG("-y");
	ARG(rowsbuf);
	ARG("-c");
	dirarg = session_format_literal(s->path);
	OWN(session_tmux_arg(dirarg));
	free(dirarg);
	ARG("-e");
	OWN(xasprintf("CM_SESSION_ID=%s", s->id));
	for (size_t i = 0; i < profile_env_count(p) && n_owned < 40; i++) {
		ARG("-e");
		char *kv = xasprintf("%s=%s", profile_env_name(p, i), profile_env_value(p, i));

		OWN(session_tmux_arg(kv));
		free(kv);
	}
	for (size_t i = 0; i < s->n_env_extra && n_owned < 40 + SESSION_ENV_EXTRA_MAX; i++) {
		ARG("-e");
		OWN(session_tmux_arg(s->env_extra[i]));
	}
	ARG("--");
	/* env guarantees tmux gets more than one argument, so it never uses a shell. */
	ARG("env");
	ARG("--");
	/*
	 * The tool's own command line: the one given (a restart: resume.h), or
	 * the profile's argv, the start args naming the conversation when the
	 * profile has the agent name it (recovery.h), then its task arguments
	 * when it takes the task on argv (profile.h).
	 */
	for (size_t i = 0; tool_argv && tool_argv[i] && n < SESSION_ARGV_ROOM(argv); i++)
		OWN(session_tmux_arg(tool_argv[i]));
	for (size_t i = 0; !tool_argv && i < p->argc && n < SESSION_ARGV_ROOM(argv); i++)
		OWN(session_tmux_arg(p->argv[i]));
	for (size_t i = 0; !tool_argv && rec && rec->id == RECOVERY_ID_UUID && s->rec.conv_id &&
			   i < rec->n_start && n < SESSION_ARGV_ROOM(argv);
	     i++) {
		char *arg = recovery_arg(rec->start_args[i], s->rec.conv_id);

		OWN(session_tmux_arg(arg));
		free(arg);
	}
	for (size_t i = 0; !tool_argv && task && *task && p->task_via == PROFILE_TASK_ARGV &&
			   i < p->n_task_args && n < SESSION_ARGV_ROOM(argv);
	     i++) {
		char *arg = session_task_arg(p->task_args[i], task);

		OWN(session_tmux_arg(arg));
		free(arg);
	}
	argv[n] = NULL;
#undef ARG
#undef OWN
	rc = session_spawn(s, argv);
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	return rc;
}

/* Starts a new tool in a new tmux server. */
int
session_create(struct sessions *set, const struct profile *p, const char *task, const char *path,
	       int auto_confirm, int cols, int rows, struct completion done, char **why)
{
	return session_create_with(set, p, task, path, auto_confirm, cols, rows, NULL, done, why);
}

/* The same, with the recovery options of the session. */
int
session_create_with(struct sessions *set, const struct profile *p, const char *task,
		    const char *path, int auto_confirm, int cols, int rows,
		    const struct session_options *opts, struct completion done, char **why)
{
	char id[NAMES_SESSION_ID_MAX + 1];
	struct session *s;
	int rc;

	*why = NULL;
	if ((rc = session_write_conf(set)) < 0) {
		*why = xstrdup("cannot write the tmux configuration");
		return CM_EIO;
	}
	session_new_id(set, id);
	if (strlen(set->cfg->socket_dir) + strlen(id) + 6 >=
	    sizeof(((struct sockaddr_un *)0)->sun_path)) {
		*why = xasprintf("socket path %s/%s.sock is too long for a Unix socket",
				 set->cfg->socket_dir, id);
		return CM_EINVAL;
	}
	if (task != NULL && strlen(task) > PROFILE_TASK_MAX) {
		*why = xasprintf("task longer than %d bytes", PROFILE_TASK_MAX);
		return CM_EINVAL;
	}
	s = session_alloc(set, id);
	s->tool = xstrdup(profile_name(p));
	s->task = xstrdup(task ? task : "");
	s->path = xstrdup(path);
	s->created = time_wall();
	s->auto_confirm = auto_confirm;
	s->cols = cols;
	s->rows = rows;
	s->profile = p;
	s->task_pending = profile_task_via(p) == PROFILE_TASK_KEYS && task && *task;
	s->task_unfinished = task && *task;
	if (opts != NULL) {
		s->rec.restart = opts->restart;
		s->rec.auto_continue = opts->auto_continue;
		s->rec.stall_ms = opts->stall_ms;
		/* Kept: a restart in a new tmux server gives the tool the same. */
		for (size_t i = 0;
		     opts->env && opts->env[i] && s->n_env_extra < SESSION_ENV_EXTRA_MAX; i++)
			s->env_extra[s->n_env_extra++] = xstrdup(opts->env[i]);
	}
	resume_begin(s, task); /* names the tool's conversation if the agent is to */

	/* The state file comes first: an agent killed from here on adopts it. */
	s->create_done = done;
	session_save(s);
	rc = session_spawn_new(s, task, NULL);
	if (rc < 0) {
		*why = xasprintf("cannot run tmux: %s", cm_strerror(rc));
		session_forget(s);
		s->create_done = COMPLETION_NONE; /* not called: the error is returned */
		TAILQ_REMOVE(&set->list, s, entry);
		set->n--;
		session_unref(s, __func__);
		return CM_ETMUX;
	}
	log_info("%s: created: tool %s in %s", s->id, s->tool, s->path);
	if (opts != NULL && opts->id_out != NULL)
		snprintf(opts->id_out, NAMES_SESSION_ID_MAX + 1, "%s", s->id);
	return 0;
}

/*
 * Runs the tool of s again with tool_argv: in a new window in place of the
 * dead one when its server still runs, else in a new server on the same
 * socket. Not respawn-pane: tmux (3.3a to at least 3.6a) crashes when a pane
 * is respawned while a control client has not read all its output, which is
 * our own client on a busy machine; a new window starts every reader afresh.
 * The window is sized again, since a new window takes the default size.
 * A session has one window, index 0 (session_tmux_conf leaves base-index
 * alone, and -f keeps the user's tmux.conf out).
 */
int
session_restart(struct session *s, char **tool_argv)
{
	struct buf cmd;
	char *dir;
	int rc;

	s->pane_dead = 0;
	s->exit_status = -1;
	s->rec.started = time_wall();
	if (s->cc != NULL && s->link == SESSION_LINK_UP) {
		buf_init(&cmd, 256);
		char *target = xasprintf("%s:0", s->id);
		char size[64];

		buf_append_str(&cmd, "new-window -k -t ");
		tmuxcc_quote(&cmd, target, strlen(target));
		free(target);
		buf_append_str(&cmd, " -c ");
		dir = session_format_literal(s->path);
		tmuxcc_quote(&cmd, dir, strlen(dir));
		free(dir);
		buf_append_str(&cmd, " -- env --");
		for (size_t i = 0; tool_argv[i]; i++) {
			buf_append_str(&cmd, " ");
			tmuxcc_quote(&cmd, tool_argv[i], strlen(tool_argv[i]));
		}
		rc = session_command(s, cmd.data, NULL, NULL);
		buf_release(&cmd);
		if (rc < 0)
			return rc;
		snprintf(size, sizeof size, "resize-window -x %d -y %d", s->cols, s->rows);
		if (session_command(s, size, NULL, NULL) < 0)
			log_warn("%s: cannot size the new window", s->id);
		/* The new process is watched again (deadwatch.h). */
		deadwatch_start(s);
		monitor_schedule(s, s->set->cfg->debounce_ms);
		return 0;
	}
	if (s->cc != NULL)
		return CM_EBUSY; /* a control client still starting or closing */
	if ((rc = session_write_conf(s->set)) < 0)
		return rc;
	if (s->socket)
		unlink(s->socket); /* a stale socket of a server that died */
	s->reattach_tries = 0;
	monitor_stop(s);
	return session_spawn_new(s, NULL, tool_argv);
}

/* Kills the tmux server of s. */
void
session_kill(struct session *s, struct completion done)
{
	s->killed = 1;
	completion_call(&s->kill_done, COMPLETION_DROPPED, NULL, NULL);
	s->kill_done = done;
	if (s->cc != NULL && session_command(s, "kill-server", NULL, NULL) == 0) {
		s->link = SESSION_LINK_CLOSING;
		return; /* session_cc_closed finishes the job */
	}
	/* No control client: the server is already gone or unreachable. */
	if (s->cc_pid > 0)
		kill(s->cc_pid, SIGTERM);
	session_unlink(s);
	session_ref(s, __func__);
	session_remove(s);
	session_unref(s, __func__);
}

/* Turns auto-confirm on or off. */
void
session_set_auto_confirm(struct session *s, int enabled)
{
	json_t *detail = json_object();

	s->auto_confirm = enabled;
	session_save(s);
	message_set_str(detail, "detail", enabled ? "on" : "off");
	bus_record(&s->set->bus, "set_auto_confirm", s->id, detail);
	json_decref(detail);
	/* A prompt already on screen is decided again under the new setting. */
	if (enabled && s->prompt.active) {
		s->prompt.active = 0;
		s->prompt.fp = 0;
		monitor_schedule(s, 0);
	}
}

/* A child process ended: if it was a control client, note it. */
void
session_reaped(struct sessions *set, pid_t pid, int status)
{
	struct session *s;

	(void)status;
	TAILQ_FOREACH (s, &set->list, entry)
		if (s->cc_pid == pid) {
			s->cc_pid = 0;
			log_debug("%s: control client %ld exited", s->id, (long)pid);
		}
}

#define SESSION_BIRTH_WAIT_MS  3000 /* how long a start cut short may still be under way */
#define SESSION_BIRTH_GRACE_MS 1500 /* ...and at least, when no tmux of it is seen */

/*
 * The pids of the tmux processes started for sock (its argv names the
 * socket after -S): the client the agent spawned and the server it forks.
 * Fills at most n; returns how many were found.
 */
static size_t
session_tmux_pids(const char *sock, pid_t *pids, size_t n)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t found = 0;

	if (d == NULL)
		return 0;
	while (found < n && (de = readdir(d)) != NULL) {
		char path[64], argv[4096];
		pid_t pid = (pid_t)atol(de->d_name);
		ssize_t len;
		FILE *f;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		len = (ssize_t)fread(argv, 1, sizeof argv - 1, f);
		fclose(f);
		for (ssize_t i = 0; i + 1 < len; i += (ssize_t)strlen(argv + i) + 1) {
			if (strcmp(argv + i, "-S") == 0 && i + 3 <= len &&
			    strcmp(argv + i + 3, sock) == 0) {
				pids[found++] = pid;
				break;
			}
		}
	}
	closedir(d);
	return found;
}

/*
 * A session whose creation was cut short (the agent died between writing
 * its state file and tmux's first reply) may still be starting: its tmux
 * client outlived the agent and the socket appears moments later. At start
 * only, wait a bounded time for it; if it never comes, end what was
 * started, so that no tmux server runs that no agent knows. Returns 1 when
 * the socket is there to adopt.
 */
static int
session_wait_birth(const char *sock)
{
	pid_t pids[8];
	size_t n;

	for (int waited = 0; waited < SESSION_BIRTH_WAIT_MS; waited += 10) {
		if (access(sock, F_OK) == 0)
			return 1;
		/*
		 * No tmux of it seen: the start may still be between fork and exec,
		 * so give it a short grace before taking "gone" for an answer.
		 */
		if (waited >= SESSION_BIRTH_GRACE_MS && session_tmux_pids(sock, pids, 8) == 0)
			return access(sock, F_OK) == 0;
		usleep(10 * 1000);
	}
	if (access(sock, F_OK) == 0)
		return 1;
	n = session_tmux_pids(sock, pids, 8);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	log_warn("%s: a tmux start that never made its socket was ended (%zu processes)", sock, n);
	return 0;
}

/* Reads one state file and re-attaches its session. */
static void
session_adopt_one(struct sessions *set, const char *file)
{
	char *path = xasprintf("%s/sessions/%s", set->cfg->state_dir, file);
	char id[NAMES_SESSION_ID_MAX + 1];
	json_t *o = NULL;
	json_error_t jerr;
	const char *tool = NULL, *task = NULL, *dir = NULL, *state = NULL;
	double created = 0, since = 0;
	int auto_confirm = 0, cols = 120, rows = 40, worked = 0, creating = 0, st;
	struct session *s;
	char *text = NULL;
	size_t len = strlen(file);

	if (len < 6 || strcmp(file + len - 5, ".json") != 0 || len - 5 > NAMES_SESSION_ID_MAX)
		goto out;
	snprintf(id, sizeof id, "%.*s", (int)(len - 5), file);
	if (!names_session_id_valid(id) || session_find(set, id) != NULL)
		goto out;
	if (fs_read_file(path, SESSION_STATE_MAX, &text, NULL) < 0 ||
	    (o = json_loads(text, 0, &jerr)) == NULL ||
	    json_unpack_ex(o, &jerr, 0,
			   "{s:s, s:s, s:s, s:F, s?:b, s?:i, s?:i, s?:s, s?:F, s?:b, s?:b}", "tool",
			   &tool, "task", &task, "path", &dir, "created", &created, "autoConfirm",
			   &auto_confirm, "cols", &cols, "rows", &rows, "state", &state,
			   "stateSince", &since, "worked", &worked, "creating", &creating) < 0) {
		log_warn("%s: unreadable state file, left alone: %s", path, o ? jerr.text : "");
		goto out;
	}
	s = session_alloc(set, id);
	s->tool = xstrdup(tool);
	s->task = xstrdup(task);
	s->path = xstrdup(dir);
	s->created = created;
	s->auto_confirm = auto_confirm;
	s->cols = cols > 0 && cols <= SESSION_COLS_MAX ? cols : 120;
	s->rows = rows > 0 && rows <= SESSION_ROWS_MAX ? rows : 40;
	s->worked = worked;
	s->profile = tools_find(s->tool);
	resume_load(s, o);
	if (state && (st = cm_state_parse(state)) >= 0) {
		s->state = (enum cm_state)st;
		s->state_since = since > 0 ? since : s->state_since;
	}
	/*
	 * The last agent died while a restart waited out its backoff: the
	 * session is taken as starting, so that the dead pane (or the gone
	 * server) seen now is a state change, which the recovery acts on as
	 * it would have. An exited session with nothing pending stays exited.
	 */
	if (s->rec.pending_saved && s->state == CM_STATE_EXITED)
		s->state = CM_STATE_STARTING;
	if (creating && !session_wait_birth(s->socket)) {
		/* The agent stopped before tmux even started: nothing to adopt. */
		log_info("%s: its creation never reached tmux: forgotten", s->id);
		session_forget(s);
		TAILQ_REMOVE(&set->list, s, entry);
		set->n--;
		session_unref(s, __func__);
		goto out;
	}
	if (access(s->socket, F_OK) < 0 || session_attach(s) < 0) {
		log_warn("%s: its tmux server is gone", s->id);
		s->pane_dead = 1;
		session_set_state(s, CM_STATE_EXITED, "tmux-server-gone", NULL);
	} else {
		log_info("%s: re-adopted (tool %s, state %s)", s->id, s->tool,
			 cm_state_name(s->state));
	}
out:
	json_decref(o);
	free(text);
	free(path);
}

/* Re-attaches every session that has a state file, oldest first. */
void
session_adopt_all(struct sessions *set)
{
	char *dir = xasprintf("%s/sessions", set->cfg->state_dir);
	struct dirent **names;
	const char *why;
	int n;

	if (fs_private_dir(dir, &why) < 0) {
		log_error("%s: %s", dir, why);
		free(dir);
		return;
	}
	session_write_conf(set);
	n = scandir(dir, &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			session_adopt_one(set, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	free(dir);
}

/* Detaches from every tmux server, leaving the sessions running. */
void
session_detach_all(struct sessions *set)
{
	struct session *s;

	while ((s = TAILQ_FIRST(&set->list)) != NULL) {
		monitor_stop(s);
		deadwatch_stop(s);
		output_session_gone(s);
		if (s->cc != NULL)
			s->set->link->close(s->cc);
		session_unlink(s);
		TAILQ_REMOVE(&set->list, s, entry);
		set->n--;
		session_unref(s, __func__);
	}
	free(session_conf_path);
	session_conf_path = NULL;
}
