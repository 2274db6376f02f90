/*
 * session: tmux servers, control clients, state files (see session.h).
 */
#include "agent/session-op.h"
#include "agent/session.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/audit.h"
#include "agent/bus.h"
#include "agent/conn.h"
#include "agent/frame.h"
#include "agent/monitor.h"
#include "agent/output.h"
#include "agent/profile.h"
#include "agent/tools.h"
#include "agent/tmuxcc-client.h"
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

/* Path of the state file of id. */
static char *
session_state_path(struct agent *a, const char *id)
{
	return xasprintf("%s/sessions/%s.json", a->cfg.state_dir, id);
}

/* Writes the tmux configuration once per agent start. */
static int
session_write_conf(struct agent *a)
{
	int rc;

	if (session_conf_path != NULL)
		return 0;
	session_conf_path = xasprintf("%s/tmux.conf", a->cfg.state_dir);
	rc = fs_write_atomic(session_conf_path, session_tmux_conf, strlen(session_tmux_conf));
	if (rc < 0) {
		log_error("cannot write %s: %s", session_conf_path, cm_strerror(rc));
		free(session_conf_path);
		session_conf_path = NULL;
	}
	return rc;
}

/* Finds a session by id. */
struct session *
session_find(struct agent *a, const char *id)
{
	struct session *s;

	TAILQ_FOREACH (s, &a->sessions, entry)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

/* Takes a reference. */
struct session *
session_ref(struct session *s, const char *who)
{
	s->refs++;
	log_debug("%s: %s refs %d", s->id, who, s->refs);
	return s;
}

/* Frees what the session owns. */
static void
session_free(struct session *s)
{
	free(s->tool);
	free(s->task);
	free(s->path);
	free(s->socket);
	free(s->rule);
	free(s->screen);
	free(s->prompt.text);
	free(s->prompt.command);
	free(s->prompt.reason);
	json_decref(s->prompt.options);
	json_decref(s->prompt.auto_ev);
	json_decref(s->create_id);
	json_decref(s->kill_id);
	free(s);
}

/* Drops a reference; the last one frees. */
void
session_unref(struct session *s, const char *who)
{
	log_debug("%s: %s refs %d", s->id, who, s->refs - 1);
	if (--s->refs == 0)
		session_free(s);
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

/* Serialises the durable part of a session. */
json_t *
session_to_json(const struct session *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "sessionId", json_string(s->id));
	message_set_str(o, "tool", s->tool);
	message_set_str(o, "task", s->task);
	message_set_str(o, "path", s->path);
	json_object_set_new(o, "state", json_string(cm_state_name(s->state)));
	json_object_set_new(o, "stateSince", json_real(s->state_since));
	json_object_set_new(o, "created", json_real(s->created));
	json_object_set_new(o, "autoConfirm", json_boolean(s->auto_confirm));
	message_set_str(o, "socket", s->socket);
	json_object_set_new(o, "cols", json_integer(s->cols));
	json_object_set_new(o, "rows", json_integer(s->rows));
	if (s->rule)
		message_set_str(o, "rule", s->rule);
	if (s->state == CM_STATE_EXITED && s->exit_status >= 0)
		json_object_set_new(o, "exitStatus", json_integer(s->exit_status));
	if (s->prompt.active && s->prompt.reason) {
		json_t *p = json_object();

		message_set_str(p, "text", s->prompt.text);
		if (s->prompt.command)
			message_set_str(p, "command", s->prompt.command);
		json_object_set(p, "options", s->prompt.options ? s->prompt.options : json_array());
		message_set_str(p, "reason", s->prompt.reason);
		json_object_set_new(p, "fingerprint", json_string(s->prompt.fingerprint));
		json_object_set_new(o, "prompt", p);
	}
	return o;
}

/* Writes STATE_DIR/sessions/ID.json atomically. */
void
session_save(struct session *s)
{
	json_t *o = session_to_json(s);
	char *path = session_state_path(s->agent, s->id);
	size_t len;
	char *text;
	int rc;

	json_object_del(o, "prompt");
	json_object_set_new(o, "worked", json_boolean(s->worked));
	text = message_encode(o, &len);
	json_decref(o);
	/*
	 * Rewritten at every state change, so the loop must not wait on the
	 * disk; and no fsync is lost: after a power cut the tmux servers are
	 * gone too.
	 */
	if ((rc = fs_write_atomic_nosync(path, text, len)) < 0)
		log_error("%s: cannot save %s: %s", s->id, path, cm_strerror(rc));
	free(text);
	free(path);
}

/* Publishes an event about s; the requester (if any) gets it as its reply. */
static void
session_publish(struct session *s, json_t *ev, uint64_t conn_id, json_t *req_id)
{
	struct conn *c = conn_find(s->agent, conn_id);
	struct frame *f;

	if (json_object_get(ev, "timestamp") == NULL)
		json_object_set_new(ev, "timestamp", json_real(time_wall()));
	if (c == NULL) {
		bus_publish(s->agent, ev, NULL);
		return;
	}
	if (req_id != NULL) {
		/* The requester's copy carries its id: encode it separately. */
		json_t *copy = json_deep_copy(ev);

		f = bus_publish(s->agent, ev, c);
		json_object_set_new(copy, "seq", json_integer((json_int_t)f->seq));
		json_object_set(copy, "id", req_id);
		conn_reply(c, copy);
	} else {
		bus_publish(s->agent, ev, NULL);
	}
}

/* Sets a new state and publishes it with its evidence. */
void
session_set_state(struct session *s, enum cm_state st, const char *rule, const char *evidence)
{
	enum cm_state prev = s->state;
	json_t *ev;

	if (st == prev)
		return;
	s->state = st;
	s->state_since = time_wall();
	free(s->rule);
	s->rule = rule ? xstrdup(rule) : NULL;
	ev = json_object();
	json_object_set_new(ev, "type", json_string("state_change"));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	json_object_set_new(ev, "state", json_string(cm_state_name(st)));
	json_object_set_new(ev, "previous", json_string(cm_state_name(prev)));
	if (rule)
		message_set_str(ev, "rule", rule);
	if (evidence && *evidence)
		message_set_str(ev, "evidence", evidence);
	json_object_set_new(ev, "timestamp", json_real(s->state_since));
	bus_publish(s->agent, ev, NULL);
	log_info("%s: %s -> %s (%s)", s->id, cm_state_name(prev), cm_state_name(st),
		 rule ? rule : "-");
	if (cm_state_is_busy(st) || st == CM_STATE_WAITING_CONFIRM)
		s->worked = 1;
	if (st == CM_STATE_DONE && s->worked) {
		s->worked = 0;
		ev = json_object();
		json_object_set_new(ev, "type", json_string("session_completed"));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		json_object_set_new(ev, "state", json_string("done"));
		bus_publish(s->agent, ev, NULL);
	}
	if (st == CM_STATE_EXITED) {
		ev = json_object();
		json_object_set_new(ev, "type", json_string("session_exited"));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		if (s->exit_status >= 0)
			json_object_set_new(ev, "exitStatus", json_integer(s->exit_status));
		bus_publish(s->agent, ev, NULL);
	}
	session_save(s);
}

/* Removes the session from the agent for good: state file, socket, list. */
static void
session_remove(struct session *s)
{
	char *path = session_state_path(s->agent, s->id);
	json_t *ev;

	unlink(path);
	free(path);
	if (s->socket)
		unlink(s->socket);
	monitor_stop(s);
	output_session_gone(s);
	ev = json_object();
	json_object_set_new(ev, "type", json_string("session_killed"));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	session_publish(s, ev, s->kill_conn, s->kill_id);
	TAILQ_REMOVE(&s->agent->sessions, s, entry);
	s->agent->n_sessions--;
	audit_write(s->agent, s->id, "session_killed", NULL);
	session_unref(s, __func__);
}

/* Stops watching tmux's pipes and frees the control client. */
static void
session_unlink(struct session *s)
{
	struct session_op *op;

	fdwatch_remove(&s->rwatch);
	fdwatch_remove(&s->wwatch);
	if (s->cc != NULL) {
		tmuxcc_client_free(s->cc);
		s->cc = NULL;
	}
	s->link = SESSION_LINK_NONE;
	/* No reply can come any more: answer whoever still waits. */
	while ((op = TAILQ_FIRST(&s->ops)) != NULL)
		session_op_fail(op, CM_EEXITED, "the session's tmux went away");
}

/* tmux's stdout is readable. */
static void
session_on_readable(void *arg)
{
	struct session *s = arg;

	if (s->cc != NULL)
		tmuxcc_client_on_readable(s->cc);
}

/* tmux's stdin is writable. */
static void
session_on_writable(void *arg)
{
	struct session *s = arg;

	if (s->cc != NULL)
		tmuxcc_client_on_writable(s->cc);
}

/* The control client wants (or no longer wants) its write fd watched. */
static void
session_cc_want_write(void *arg, int on)
{
	struct session *s = arg;

	fdwatch_want_write(&s->wwatch, on);
}

/* Replies an error to the creator and forgets the failed session. */
static void
session_create_failed(struct session *s, const char *why)
{
	struct conn *c = conn_find(s->agent, s->create_conn);

	log_warn("%s: tmux could not create the session: %s", s->id, why);
	if (c)
		conn_error(c, CM_ETMUX, why, "create_session", s->create_id, 0);
	s->create_conn = 0;
	if (s->socket)
		unlink(s->socket);
	TAILQ_REMOVE(&s->agent->sessions, s, entry);
	s->agent->n_sessions--;
	session_unlink(s);
	session_unref(s, __func__);
}

/*
 * Asks tmux to tell us when the pane dies. A tool that exits without
 * printing anything gives no %output; the format subscription reports
 * #{pane_dead} on tmux's one-second timer, which is soon enough for an exit.
 */
static void
session_subscribe_dead(struct session *s)
{
	struct buf cmd;

	buf_init(&cmd, 128);
	buf_append_str(&cmd, "refresh-client -B ");
	tmuxcc_quote(&cmd, "cmdead::#{pane_dead}", 20);
	if (session_command(s, cmd.data, NULL, NULL) < 0)
		log_warn("%s: cannot subscribe to pane_dead", s->id);
	buf_release(&cmd);
}

/* tmux answered the new-session or attach-session of its command line. */
static void
session_cc_initial(void *arg, int err, const char *body, size_t len)
{
	struct session *s = arg;
	json_t *ev;

	(void)len;
	if (err < 0) {
		if (s->create_conn) {
			session_create_failed(s, body && *body ? body : cm_strerror(err));
			return;
		}
		log_warn("%s: cannot attach: %s", s->id, body && *body ? body : cm_strerror(err));
		return;
	}
	s->link = SESSION_LINK_UP;
	if (s->create_conn || s->create_id) {
		ev = json_object();
		json_object_set_new(ev, "type", json_string("session_created"));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		message_set_str(ev, "socket", s->socket);
		message_set_str(ev, "tool", s->tool);
		message_set_str(ev, "task", s->task);
		message_set_str(ev, "path", s->path);
		json_object_set_new(ev, "autoConfirm", json_boolean(s->auto_confirm));
		json_object_set_new(ev, "timestamp", json_real(s->created));
		session_publish(s, ev, s->create_conn, s->create_id);
		s->create_conn = 0;
		json_decref(s->create_id);
		s->create_id = NULL;
		session_save(s);
		audit_write(s->agent, s->id, "session_created", s->tool);
	}
	session_subscribe_dead(s);
	monitor_start(s);
}

/* %output: feed the output streams and the screen monitor. */
static void
session_cc_output(void *arg, unsigned pane, const char *data, size_t len)
{
	struct session *s = arg;

	(void)pane;
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

/* The control connection ended. */
static void
session_cc_closed(void *arg, int err)
{
	struct session *s = arg;

	(void)err;
	session_ref(s, __func__);
	session_unlink(s);
	if (s->create_conn) {
		session_create_failed(s, "tmux exited before the session was created");
	} else if (s->killed || s->agent->stopping) {
		if (s->killed)
			session_remove(s);
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
	int rc;

	rc = tmuxcc_client_spawn(argv, &opts, &session_cc_cb, s, &s->cc);
	if (rc < 0)
		return rc;
	s->cc_pid = tmuxcc_client_pid(s->cc);
	s->link = SESSION_LINK_STARTING;
	if ((rc = fdwatch_add(s->agent, &s->rwatch, tmuxcc_client_rfd(s->cc), session_on_readable,
			      NULL, s)) < 0 ||
	    (rc = fdwatch_add(s->agent, &s->wwatch, tmuxcc_client_wfd(s->cc), NULL,
			      session_on_writable, s)) < 0) {
		kill(s->cc_pid, SIGTERM);
		session_unlink(s);
		return rc;
	}
	/* Commands queued before the pipes were watched need a write turn. */
	fdwatch_want_write(&s->wwatch, 1);
	return 0;
}

/* Sends one command over the control connection. */
int
session_command(struct session *s, const char *cmdline,
		void (*cb)(void *arg, int err, const char *body, size_t len), void *arg)
{
	if (s->cc == NULL || s->link == SESSION_LINK_NONE)
		return CM_EEXITED;
	return tmuxcc_client_command(s->cc, cmdline, cb, arg);
}

/* Picks a fresh id: cm-<unix time>, then -2, -3... within the same second. */
static void
session_new_id(struct agent *a, char id[NAMES_SESSION_ID_MAX + 1])
{
	long now = (long)time(NULL);
	struct stat st;

	for (int n = 1;; n++) {
		char *sock, *state;
		int taken;

		if (n == 1)
			snprintf(id, NAMES_SESSION_ID_MAX + 1, "cm-%ld", now);
		else
			snprintf(id, NAMES_SESSION_ID_MAX + 1, "cm-%ld-%d", now, n);
		sock = xasprintf("%s/%s.sock", a->cfg.socket_dir, id);
		state = session_state_path(a, id);
		taken =
		    session_find(a, id) != NULL || lstat(sock, &st) == 0 || lstat(state, &st) == 0;
		free(sock);
		free(state);
		if (!taken)
			return;
	}
}

/* Allocates a session and links it into the agent. */
static struct session *
session_alloc(struct agent *a, const char *id)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->agent = a;
	s->refs = 1;
	snprintf(s->id, sizeof s->id, "%s", id);
	s->socket = xasprintf("%s/%s.sock", a->cfg.socket_dir, id);
	s->exit_status = -1;
	s->state = CM_STATE_STARTING;
	s->state_since = time_wall();
	TAILQ_INIT(&s->ops);
	TAILQ_INSERT_TAIL(&a->sessions, s, entry);
	a->n_sessions++;
	return s;
}

/* Starts a new tool in a new tmux server. */
int
session_create(struct agent *a, const struct profile *p, const char *task, const char *path,
	       int auto_confirm, int cols, int rows, uint64_t conn_id, const json_t *req_id,
	       char **why)
{
	char id[NAMES_SESSION_ID_MAX + 1], colsbuf[16], rowsbuf[16];
	char **tool_argv, *argv[64 + 2 * 40];
	char *owned[64 + 2 * 40];
	size_t n = 0, n_owned = 0;
	struct session *s;
	int rc;

	*why = NULL;
	if ((rc = session_write_conf(a)) < 0) {
		*why = xstrdup("cannot write the tmux configuration");
		return CM_EIO;
	}
	session_new_id(a, id);
	if (strlen(a->cfg.socket_dir) + strlen(id) + 6 >=
	    sizeof(((struct sockaddr_un *)0)->sun_path)) {
		*why = xasprintf("socket path %s/%s.sock is too long for a Unix socket",
				 a->cfg.socket_dir, id);
		return CM_EINVAL;
	}
	tool_argv = profile_build_argv(p, task);
	if (tool_argv == NULL) {
		*why = xstrdup("the profile cannot build a command for this task");
		return CM_EINVAL;
	}
	s = session_alloc(a, id);
	s->tool = xstrdup(profile_name(p));
	s->task = xstrdup(task ? task : "");
	s->path = xstrdup(path);
	s->created = time_wall();
	s->auto_confirm = auto_confirm;
	s->cols = cols;
	s->rows = rows;
	s->profile = p;
	s->task_pending = profile_task_via(p) == PROFILE_TASK_KEYS && task && *task;
	s->create_conn = conn_id;
	s->create_id = req_id ? json_incref((json_t *)req_id) : NULL;
	snprintf(colsbuf, sizeof colsbuf, "%d", cols);
	snprintf(rowsbuf, sizeof rowsbuf, "%d", rows);

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
	OWN(session_format_literal(path));
	ARG("-e");
	OWN(xasprintf("CM_SESSION_ID=%s", s->id));
	for (size_t i = 0; i < profile_env_count(p) && n_owned < 40; i++) {
		ARG("-e");
		char *kv = xasprintf("%s=%s", profile_env_name(p, i), profile_env_value(p, i));

		OWN(session_tmux_arg(kv));
		free(kv);
	}
	ARG("--");
	/* env guarantees tmux gets more than one argument, so it never uses a shell. */
	ARG("env");
	ARG("--");
	for (size_t i = 0; tool_argv[i] && n < sizeof argv / sizeof argv[0] - 1 &&
			   n_owned < sizeof owned / sizeof owned[0];
	     i++)
		OWN(session_tmux_arg(tool_argv[i]));
	argv[n] = NULL;
#undef ARG
#undef OWN
	profile_argv_free(tool_argv);

	rc = session_spawn(s, argv);
	for (size_t i = 0; i < n_owned; i++)
		free(owned[i]);
	if (rc < 0) {
		*why = xasprintf("cannot run tmux: %s", cm_strerror(rc));
		s->create_conn = 0;
		TAILQ_REMOVE(&a->sessions, s, entry);
		a->n_sessions--;
		session_unref(s, __func__);
		return CM_ETMUX;
	}
	log_info("%s: created: tool %s in %s", s->id, s->tool, s->path);
	return 0;
}

/* Kills the tmux server of s. */
void
session_kill(struct session *s, uint64_t conn_id, const json_t *req_id)
{
	s->killed = 1;
	s->kill_conn = conn_id;
	json_decref(s->kill_id);
	s->kill_id = req_id ? json_incref((json_t *)req_id) : NULL;
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

/* A child process ended: if it was a control client, note it. */
void
session_reaped(struct agent *a, pid_t pid, int status)
{
	struct session *s;

	(void)status;
	TAILQ_FOREACH (s, &a->sessions, entry)
		if (s->cc_pid == pid) {
			s->cc_pid = 0;
			log_debug("%s: control client %ld exited", s->id, (long)pid);
		}
}

/* Reads one state file and re-attaches its session. */
static void
session_adopt_one(struct agent *a, const char *file)
{
	char *path = xasprintf("%s/sessions/%s", a->cfg.state_dir, file);
	char id[NAMES_SESSION_ID_MAX + 1];
	json_t *o = NULL;
	json_error_t jerr;
	const char *tool = NULL, *task = NULL, *dir = NULL, *state = NULL;
	double created = 0, since = 0;
	int auto_confirm = 0, cols = 120, rows = 40, worked = 0, st;
	struct session *s;
	char *text = NULL;
	size_t len = strlen(file);
	char *argv[8];

	if (len < 6 || strcmp(file + len - 5, ".json") != 0 || len - 5 > NAMES_SESSION_ID_MAX)
		goto out;
	snprintf(id, sizeof id, "%.*s", (int)(len - 5), file);
	if (!names_session_id_valid(id) || session_find(a, id) != NULL)
		goto out;
	if (fs_read_file(path, SESSION_STATE_MAX, &text, NULL) < 0 ||
	    (o = json_loads(text, 0, &jerr)) == NULL ||
	    json_unpack_ex(o, &jerr, 0, "{s:s, s:s, s:s, s:F, s?:b, s?:i, s?:i, s?:s, s?:F, s?:b}",
			   "tool", &tool, "task", &task, "path", &dir, "created", &created,
			   "autoConfirm", &auto_confirm, "cols", &cols, "rows", &rows, "state",
			   &state, "stateSince", &since, "worked", &worked) < 0) {
		log_warn("%s: unreadable state file, left alone: %s", path, o ? jerr.text : "");
		goto out;
	}
	s = session_alloc(a, id);
	s->tool = xstrdup(tool);
	s->task = xstrdup(task);
	s->path = xstrdup(dir);
	s->created = created;
	s->auto_confirm = auto_confirm;
	s->cols = cols > 0 && cols <= SESSION_COLS_MAX ? cols : 120;
	s->rows = rows > 0 && rows <= SESSION_ROWS_MAX ? rows : 40;
	s->worked = worked;
	s->profile = tools_find(s->tool);
	if (state && (st = cm_state_parse(state)) >= 0) {
		s->state = (enum cm_state)st;
		s->state_since = since > 0 ? since : s->state_since;
	}
	argv[0] = "tmux";
	argv[1] = "-S";
	argv[2] = s->socket;
	argv[3] = "-C";
	argv[4] = "attach-session";
	argv[5] = "-t";
	argv[6] = s->id;
	argv[7] = NULL;
	if (access(s->socket, F_OK) < 0 || session_spawn(s, argv) < 0) {
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
session_adopt_all(struct agent *a)
{
	char *dir = xasprintf("%s/sessions", a->cfg.state_dir);
	struct dirent **names;
	const char *why;
	int n;

	if (fs_private_dir(dir, &why) < 0) {
		log_error("%s: %s", dir, why);
		free(dir);
		return;
	}
	session_write_conf(a);
	n = scandir(dir, &names, NULL, versionsort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			session_adopt_one(a, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	free(dir);
}

/* Detaches from every tmux server, leaving the sessions running. */
void
session_detach_all(struct agent *a)
{
	struct session *s;

	while ((s = TAILQ_FIRST(&a->sessions)) != NULL) {
		monitor_stop(s);
		if (s->cc != NULL)
			tmuxcc_client_close(s->cc);
		session_unlink(s);
		TAILQ_REMOVE(&a->sessions, s, entry);
		a->n_sessions--;
		session_unref(s, __func__);
	}
	free(session_conf_path);
	session_conf_path = NULL;
}
