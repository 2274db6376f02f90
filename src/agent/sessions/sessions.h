/*
 * sessions: the session layer's state and what one session holds.
 *
 * struct sessions is everything the layer runs in (the wiring fills it at
 * start): the settings it reads, the loop for its timers, the descriptors'
 * vhost, the config's danger rules, the event bus with its sinks, and the
 * list of sessions. struct session is one tool in its own tmux server
 * (session.h tells its life). This file's functions are the ones every
 * part of the layer needs: find, reference, serialise, save, change state,
 * publish an event, send a tmux command. None of them knows a client: a
 * request brings a completion (completion.h) and events leave through the
 * bus's sinks (sink.h).
 *
 * Each session's state file (STATE_DIR/sessions/ID.json, 0600, written
 * atomically) holds what tmux does not know: tool, task, path, creation
 * time, auto-confirm, the last state. Sessions are refcounted
 * (session_ref/session_unref with the caller's name, logged at debug); the
 * final free happens when the last reference goes, so callbacks that still
 * hold one never see freed memory.
 */
#ifndef CM_AGENT_SESSIONS_SESSIONS_H
#define CM_AGENT_SESSIONS_SESSIONS_H

#include <jansson.h>
#include <libwebsockets.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "agent/screen/autoconfirm.h"
#include "agent/sessions/bus.h"
#include "agent/sessions/completion.h"
#include "agent/sessions/tap.h"
#include "agent/sessions/recovery-state.h"
#include "agent/tmux/fdwatch.h"
#include "common/buf.h"
#include "proto/names.h"
#include "proto/protocol.h"
#include "proto/state.h"

struct config;
struct deadwatch;
struct metrics;
struct danger_rules;
struct profile;
struct tmux_link;
struct tmuxcc_client;
struct wt_registry;

/* The protocol's limits (src/proto/protocol.def). */
#define SESSION_TASK_MAX PROTO_TASK_MAX
#define SESSION_COLS_MIN PROTO_COLS_MIN
#define SESSION_COLS_MAX PROTO_COLS_MAX
#define SESSION_ROWS_MIN PROTO_ROWS_MIN
#define SESSION_ROWS_MAX PROTO_ROWS_MAX
/* Environment variables a session may add to its profile's (session_options.env). */
#define SESSION_ENV_EXTRA_MAX 8
/* Attaches in a row that may fail after a control client died, before "exited". */
#define SESSION_REATTACH_MAX 3

struct session;
struct session_op;
struct output_sub;
struct recorder;
struct recording;

/* The session layer's state (one per agent). */
struct sessions {
	const struct config *cfg;	   /* state_dir, socket_dir, debounce_ms, enter_delay_ms */
	struct lws_context *lws;	   /* the loop: timers */
	struct lws_vhost *vhost;	   /* hosts tmux's adopted pipes (fdwatch) */
	const struct tmux_link *link;	   /* how control clients are run (tmux/link.h) */
	const struct danger_rules *danger; /* the config's extra danger rules, or NULL */
	struct bus bus;			   /* events: seq, replay, sinks */
	struct taps taps;		   /* raw output and input: taps (tap.h) */
	struct recorder *recorder;	   /* transcripts (recorder.h), NULL when off */
	struct wt_registry *worktrees; /* sessions' worktrees, or NULL (worktree/wt-registry.h) */
	TAILQ_HEAD(session_list, session) list; /* every session, in creation order */
	size_t n;				/* entries in list */
	int stopping;				/* shutting down: tmux going away is expected */
	struct metrics *metrics;		/* counters for /metrics, or NULL (metrics.h) */
};

enum session_link {
	SESSION_LINK_NONE = 0, /* no control client */
	SESSION_LINK_STARTING, /* spawned, waiting for tmux's first reply */
	SESSION_LINK_UP,       /* attached */
	SESSION_LINK_CLOSING,  /* kill or shutdown in progress */
};

struct session_prompt {
	int active;			  /* a prompt is on screen */
	char fingerprint[17];		  /* hex id of question + options */
	char *text;			  /* the question */
	char *command;			  /* the command or file it is about, if any */
	json_t *options;		  /* array of option labels */
	char *reason;			  /* why it waits for a person, NULL if auto-answerable */
	uint64_t fp;			  /* fingerprint as a number */
	int announced;			  /* confirm_needed was published for this prompt */
	int answering;			  /* an answer is in progress */
	json_t *auto_ev;		  /* auto_confirmed held until the answer is seen taken */
	struct autoconfirm_memory memory; /* what auto-confirm answered, and when */
};

struct session {
	TAILQ_ENTRY(session) entry;	    /* in set->list */
	int refs;			    /* references; freed at zero */
	struct sessions *set;		    /* owner */
	char id[NAMES_SESSION_ID_MAX + 1];  /* "cm-1770795611" */
	char *tool;			    /* profile name */
	char *task;			    /* the task text, as given */
	char *path;			    /* working directory */
	char *socket;			    /* tmux socket path */
	double created;			    /* wall time */
	int auto_confirm;		    /* answer safe prompts */
	int cols, rows;			    /* window size */
	const struct profile *profile;	    /* NULL if the profile is gone */
	enum cm_state state;		    /* current state */
	double state_since;		    /* wall time of the last change */
	char *rule;			    /* rule that gave the state */
	int worked;			    /* busy since the last completion */
	int denied;			    /* a person denied a prompt since then */
	int task_pending;		    /* the task is typed once the tool is ready */
	int task_unfinished;		    /* created with a task not completed yet */
	int pane_dead;			    /* the tool's process has ended */
	int exit_status;		    /* its status, -1 if unknown */
	int killed;			    /* kill requested */
	enum session_link link;		    /* control client state */
	struct tmuxcc_client *cc;	    /* control client, NULL when none */
	pid_t cc_pid;			    /* its pid, 0 when reaped */
	int reattach_tries;		    /* re-attaches since the last one that worked */
	struct fdwatch rwatch;		    /* tmux's stdout in the loop */
	struct fdwatch wwatch;		    /* tmux's stdin in the loop */
	struct completion create_done;	    /* the creator, until session_created */
	struct completion kill_done;	    /* the killer, until session_killed */
	lws_sorted_usec_list_t debounce;    /* screen read after output */
	int debounce_armed;		    /* debounce is scheduled */
	long debounce_ms;		    /* current delay: grows while output never stops */
	uint64_t last_read_us;		    /* monotonic time the last screen read started */
	int reading;			    /* a screen read is in flight */
	int dirty;			    /* output came during the read */
	lws_sorted_usec_list_t ready_timer; /* the profile's ready timeout */
	struct session_prompt prompt;	    /* the prompt on screen, if any */
	TAILQ_HEAD(, session_op) ops;	    /* requests awaiting tmux */
	TAILQ_HEAD(, output_sub) subs;	    /* output subscribers (output.h) */
	char *screen;			    /* the last screen read (plain text) */
	size_t screen_len;		    /* its length */
	uint64_t output_us;		    /* monotonic time of the first %output not yet read */
	uint64_t debounce_due_us;	    /* when the debounce timer should fire */
	struct deadwatch *deadwatch;	    /* the tool's pidfd in the loop (deadwatch.h) */
	struct recording *recording;	    /* its transcript (recorder.c), or NULL */
	struct session_recovery rec;	    /* resume, restart, stall, usage limit */
	char *env_extra[SESSION_ENV_EXTRA_MAX]; /* more "NAME=VALUE" for the tool (a worktree's) */
	size_t n_env_extra;			/* entries in env_extra */
};

/* Prepares set (an empty list; the caller fills in the rest). */
void sessions_init(struct sessions *set);
/* Finds a session by id (borrowed). */
struct session *session_find(struct sessions *set, const char *id);
struct session *session_ref(struct session *s, const char *who);
void session_unref(struct session *s, const char *who);
/* Path of the state file of id (caller frees). */
char *session_state_path(struct sessions *set, const char *id);
/* Sends one tmux command for s; cb gets the reply (may be NULL). */
int session_command(struct session *s, const char *cmdline,
		    void (*cb)(void *arg, int err, const char *body, size_t len), void *arg);
/* The session as a JSON object for list_sessions / resync. */
json_t *session_to_json(const struct session *s);
/* Every listed session (not killed, not still starting) as an array. */
json_t *sessions_to_json(struct sessions *set);
/* Writes the state file. */
void session_save(struct session *s);
/* Sets the state, publishing state_change (and the follow-up events). */
void session_set_state(struct session *s, enum cm_state st, const char *rule, const char *evidence);
/*
 * Publishes ev (reference stolen) about s. With a waiting completion done,
 * the event is its requester's answer: done gets the event as published
 * (with its seq) and is cleared.
 */
void session_publish(struct session *s, json_t *ev, struct completion *done);

#endif
