/*
 * session: one tool running in its own tmux server, followed through a
 * control-mode client.
 *
 * Life of a session:
 *   create  -> `tmux -S SOCK -f CONF -C new-session ... -- env -- TOOL ARGS`:
 *              one process starts the server, creates the session and
 *              attaches us as a control client; the tool's argv comes from
 *              its profile and the task is one argument (no shell).
 *   adopt   -> after an agent restart, `tmux -S SOCK -C attach-session`
 *              for every state file in STATE_DIR/sessions.
 *   follow  -> %output drives output streaming (output.c) and the screen
 *              monitor (monitor.c).
 *   exit    -> the tool exits; remain-on-exit keeps the pane and its last
 *              screen; the state becomes `exited`.
 *   kill    -> kill-server; state file and socket removed.
 *
 * Each session's state file (STATE_DIR/sessions/ID.json, 0600, written
 * atomically) holds what tmux does not know: tool, task, path, creation
 * time, auto-confirm, the last state. Sessions are refcounted
 * (session_ref/session_unref with the caller's name, logged at debug); the
 * final free happens when the last reference goes, so callbacks that still
 * hold one never see freed memory.
 */
#ifndef CM_AGENT_SESSION_H
#define CM_AGENT_SESSION_H

#include <jansson.h>
#include <libwebsockets.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "agent/autoconfirm.h"
#include "agent/fdwatch.h"
#include "common/buf.h"
#include "proto/names.h"
#include "proto/state.h"

struct agent;
struct profile;
struct tmuxcc_client;

#define SESSION_TASK_MAX 16384
#define SESSION_COLS_MAX 1000
#define SESSION_ROWS_MAX 500

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

struct session_op;

struct session {
	TAILQ_ENTRY(session) entry;	    /* in agent->sessions */
	int refs;			    /* references; freed at zero */
	struct agent *agent;		    /* owner */
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
	int task_pending;		    /* the task is typed once the tool is ready */
	int pane_dead;			    /* the tool's process has ended */
	int exit_status;		    /* its status, -1 if unknown */
	int killed;			    /* kill requested */
	enum session_link link;		    /* control client state */
	struct tmuxcc_client *cc;	    /* control client, NULL when none */
	pid_t cc_pid;			    /* its pid, 0 when reaped */
	struct fdwatch rwatch;		    /* tmux's stdout in the loop */
	struct fdwatch wwatch;		    /* tmux's stdin in the loop */
	uint64_t create_conn;		    /* connection awaiting session_created */
	json_t *create_id;		    /* that request's id */
	uint64_t kill_conn;		    /* connection awaiting session_killed */
	json_t *kill_id;		    /* that request's id */
	lws_sorted_usec_list_t debounce;    /* screen read after output */
	int debounce_armed;		    /* debounce is scheduled */
	long debounce_ms;		    /* current delay: grows while output never stops */
	uint64_t last_read_us;		    /* monotonic time the last screen read started */
	int reading;			    /* a screen read is in flight */
	int dirty;			    /* output came during the read */
	lws_sorted_usec_list_t ready_timer; /* the profile's ready timeout */
	struct session_prompt prompt;	    /* the prompt on screen, if any */
	TAILQ_HEAD(, session_op) ops;	    /* requests awaiting tmux */
	char *screen;			    /* the last screen read (plain text) */
	size_t screen_len;		    /* its length */
};

/* Loads STATE_DIR/sessions and re-attaches every session found. */
void session_adopt_all(struct agent *a);
/*
 * Creates a session; the reply (session_created or an error) goes to
 * connection conn_id with request id once tmux has answered. Returns 0, or
 * an error with a reason in *why (caller frees) if nothing was started.
 */
int session_create(struct agent *a, const struct profile *p, const char *task, const char *path,
		   int auto_confirm, int cols, int rows, uint64_t conn_id, const json_t *req_id,
		   char **why);
/* Kills the session; the reply goes to conn_id once tmux is gone. */
void session_kill(struct session *s, uint64_t conn_id, const json_t *req_id);
/* Finds a session by id (borrowed). */
struct session *session_find(struct agent *a, const char *id);
struct session *session_ref(struct session *s, const char *who);
void session_unref(struct session *s, const char *who);
/* Sends one tmux command for s; cb gets the reply (may be NULL). */
int session_command(struct session *s, const char *cmdline,
		    void (*cb)(void *arg, int err, const char *body, size_t len), void *arg);
/* The session as a JSON object for list_sessions / resync. */
json_t *session_to_json(const struct session *s);
/* Writes the state file. */
void session_save(struct session *s);
/* Sets the state, publishing state_change (and the follow-up events). */
void session_set_state(struct session *s, enum cm_state st, const char *rule, const char *evidence);
/* Called from the SIGCHLD handler for each reaped pid. */
void session_reaped(struct agent *a, pid_t pid, int status);
/* Detaches every control client (tmux keeps the sessions) at shutdown. */
void session_detach_all(struct agent *a);

#endif
