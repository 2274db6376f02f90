/*
 * sessions: the layer's state, and finding, saving and publishing sessions
 * (see sessions.h).
 */
#include "agent/sessions/sessions.h"

#include <stdlib.h>
#include <string.h>

#include "agent/screen/limit-time.h"
#include "agent/screen/recovery.h"
#include "agent/settings/config.h"
#include "agent/tmux/link.h"
#include "agent/worktree/wt-registry.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

/* An empty set. */
void
sessions_init(struct sessions *set)
{
	memset(set, 0, sizeof *set);
	TAILQ_INIT(&set->list);
	set->link = &tmux_link_tmuxcc;
}

/* Path of the state file of id. */
char *
session_state_path(struct sessions *set, const char *id)
{
	return xasprintf("%s/sessions/%s.json", set->cfg->state_dir, id);
}

/* Finds a session by id. */
struct session *
session_find(struct sessions *set, const char *id)
{
	struct session *s;

	TAILQ_FOREACH (s, &set->list, entry)
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
	/* A requester still waiting (the agent is stopping) is let go. */
	completion_call(&s->create_done, COMPLETION_DROPPED, NULL, NULL);
	completion_call(&s->kill_done, COMPLETION_DROPPED, NULL, NULL);
	lws_sul_cancel(&s->rec.timer);
	lws_sul_cancel(&s->rec.stall);
	lws_sul_cancel(&s->rec.limit);
	lws_sul_cancel(&s->rec.watch);
	free(s->rec.conv_id);
	for (size_t i = 0; i < s->n_env_extra; i++)
		free(s->env_extra[i]);
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

/* Serialises the durable part of a session. */
json_t *
session_to_json(const struct session *s)
{
	json_t *o = json_object();
	struct wt_entry *wt;

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
	if ((wt = wt_registry_find(s->set->worktrees, s->id)) != NULL)
		json_object_set_new(o, "worktree", wt_entry_json(wt));
	/* Recovery: the tool's conversation and what to do when it ends. */
	if (s->rec.conv_id)
		message_set_str(o, "conversationId", s->rec.conv_id);
	if (s->rec.restart >= 0)
		message_set_str(o, "restart",
				restart_policy_name((enum restart_policy)s->rec.restart));
	if (s->rec.attempts > 0)
		json_object_set_new(o, "restarts", json_integer(s->rec.attempts));
	if (s->rec.pending)
		json_object_set_new(o, "restartPending", json_true());
	if (s->rec.auto_continue)
		json_object_set_new(o, "autoContinue", json_true());
	if (s->rec.stall_ms >= 0)
		json_object_set_new(o, "stallMs", json_integer(s->rec.stall_ms));
	if (s->state == CM_STATE_USAGE_LIMIT && s->rec.resets_at > 0)
		json_object_set_new(o, "resetsAt", json_real(s->rec.resets_at));
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

/*
 * Every session as an array of objects. A session is left out only while
 * its creator still waits for session_created: one re-adopted after a
 * restart, or re-attaching after its control client died, exists and is
 * listed even before tmux has answered the attach.
 */
json_t *
sessions_to_json(struct sessions *set)
{
	json_t *arr = json_array();
	struct session *s;

	TAILQ_FOREACH (s, &set->list, entry) {
		if (!s->killed && s->create_done.fn == NULL)
			json_array_append_new(arr, session_to_json(s));
	}
	return arr;
}

/* Writes STATE_DIR/sessions/ID.json atomically. */
void
session_save(struct session *s)
{
	json_t *o = session_to_json(s);
	char *path = session_state_path(s->set, s->id);
	size_t len;
	char *text;
	int rc;

	json_object_del(o, "prompt");
	json_object_set_new(o, "worked", json_boolean(s->worked));
	if (s->rec.conv_started)
		json_object_set_new(o, "conversationStarted", json_true());
	/* Written before tmux starts, so that no tmux server is ever unknown. */
	if (s->create_done.fn != NULL)
		json_object_set_new(o, "creating", json_true());
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

/* Publishes an event about s; a waiting requester gets it as its answer. */
void
session_publish(struct session *s, json_t *ev, struct completion *done)
{
	if (json_object_get(ev, "timestamp") == NULL)
		json_object_set_new(ev, "timestamp", json_real(time_wall()));
	if (done == NULL || done->fn == NULL) {
		bus_publish(&s->set->bus, ev, 0);
		return;
	}
	json_incref(ev);
	bus_publish(&s->set->bus, ev, done->requester);
	completion_call(done, 0, NULL, ev);
	json_decref(ev);
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
	json_object_set_new(ev, "type", json_string(proto_msg_name(PROTO_MSG_STATE_CHANGE)));
	json_object_set_new(ev, "sessionId", json_string(s->id));
	json_object_set_new(ev, "state", json_string(cm_state_name(st)));
	json_object_set_new(ev, "previous", json_string(cm_state_name(prev)));
	if (rule)
		message_set_str(ev, "rule", rule);
	if (evidence && *evidence)
		message_set_str(ev, "evidence", evidence);
	if (st == CM_STATE_USAGE_LIMIT) {
		/* When the limit ends, from the matched lines, else the whole screen. */
		s->rec.resets_at =
		    limit_time_parse(evidence, evidence ? strlen(evidence) : 0, s->state_since);
		if (s->rec.resets_at <= 0 && s->screen != NULL)
			s->rec.resets_at =
			    limit_time_parse(s->screen, s->screen_len, s->state_since);
		if (s->rec.resets_at > 0)
			json_object_set_new(ev, "resetsAt", json_real(s->rec.resets_at));
	}
	json_object_set_new(ev, "timestamp", json_real(s->state_since));
	bus_publish(&s->set->bus, ev, 0);
	log_info("%s: %s -> %s (%s)", s->id, cm_state_name(prev), cm_state_name(st),
		 rule ? rule : "-");
	if (cm_state_is_busy(st) || st == CM_STATE_WAITING_CONFIRM)
		s->worked = 1;
	if (st == CM_STATE_DONE && s->worked) {
		s->worked = 0;
		s->task_unfinished = 0;
		ev = json_object();
		json_object_set_new(ev, "type",
				    json_string(proto_msg_name(PROTO_MSG_SESSION_COMPLETED)));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		json_object_set_new(ev, "state", json_string("done"));
		bus_publish(&s->set->bus, ev, 0);
	}
	if (st == CM_STATE_EXITED) {
		ev = json_object();
		json_object_set_new(ev, "type",
				    json_string(proto_msg_name(PROTO_MSG_SESSION_EXITED)));
		json_object_set_new(ev, "sessionId", json_string(s->id));
		if (s->exit_status >= 0)
			json_object_set_new(ev, "exitStatus", json_integer(s->exit_status));
		bus_publish(&s->set->bus, ev, 0);
	}
	session_save(s);
}

/* Sends one command over the control connection. */
int
session_command(struct session *s, const char *cmdline,
		void (*cb)(void *arg, int err, const char *body, size_t len), void *arg)
{
	if (s->cc == NULL || s->link == SESSION_LINK_NONE)
		return CM_EEXITED;
	return s->set->link->command(s->cc, cmdline, cb, arg);
}
