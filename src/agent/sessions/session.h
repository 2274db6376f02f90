/*
 * session: one tool running in its own tmux server, followed through a
 * control-mode client (struct session is in sessions.h).
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
 * The control client is run through the set's tmux link (tmux/link.h),
 * which tests replace with a script.
 */
#ifndef CM_AGENT_SESSIONS_SESSION_H
#define CM_AGENT_SESSIONS_SESSION_H

#include <sys/types.h>

#include "agent/sessions/completion.h"
#include "agent/sessions/sessions.h"

struct profile;

/* Loads STATE_DIR/sessions and re-attaches every session found. */
void session_adopt_all(struct sessions *set);
/*
 * Creates a session; done hears the outcome once tmux has answered: the
 * session_created event as published (the requester's reply), or an error.
 * Returns 0, or an error with a reason in *why (caller frees) if nothing
 * was started (done is then not called).
 */
int session_create(struct sessions *set, const struct profile *p, const char *task,
		   const char *path, int auto_confirm, int cols, int rows, struct completion done,
		   char **why);
/* What a create_session may set beyond the basics (recovery-state.h). */
struct session_options {
	int restart;	   /* enum restart_policy, or -1: the profile's */
	int auto_continue; /* continue by itself after a usage limit */
	long stall_ms;	   /* silence that raises session_stalled; -1: the agent's, 0: never */
	const char *const
	    *env;     /* more environment for the tool ("NAME=VALUE", NULL-ended), or NULL */
	char *id_out; /* gets the new session's id (NAMES_SESSION_ID_MAX + 1 bytes), or NULL */
};

/* The options of a plain create_session: the profile's and the agent's. */
#define SESSION_OPTIONS_DEFAULT ((struct session_options){-1, 0, -1, NULL, NULL})

/* session_create with options (NULL: the defaults). */
int session_create_with(struct sessions *set, const struct profile *p, const char *task,
			const char *path, int auto_confirm, int cols, int rows,
			const struct session_options *opts, struct completion done, char **why);
/*
 * Runs the tool of s again with tool_argv (in its directory): in the pane
 * its tmux server kept, or in a new server if that is gone. Returns 0 or
 * an error; the monitor follows the new tool as it did the old.
 */
int session_restart(struct session *s, char **tool_argv);
/* Kills the session; done gets the session_killed event once tmux is gone. */
void session_kill(struct session *s, struct completion done);
/*
 * Turns auto-confirm on or off, saves and records it (the audit log keeps
 * it); a prompt already on screen is decided again under the new setting.
 */
void session_set_auto_confirm(struct session *s, int enabled);
/* Called from the SIGCHLD handler for each reaped pid. */
void session_reaped(struct sessions *set, pid_t pid, int status);
/* Detaches every control client (tmux keeps the sessions) at shutdown. */
void session_detach_all(struct sessions *set);

#endif
