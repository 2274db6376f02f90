/*
 * recovery: what a profile says about bringing its tool back (docs/PROFILES.md).
 *
 *   "resume":  how the tool's own conversation is named and resumed.
 *              {"id": "uuid", "start": ["--session-id", "{id}"],
 *               "args": ["--resume", "{id}"]} : the agent picks a UUID and
 *              starts the tool with it (Claude Code);
 *              {"id": {"open_file": REGEX, "screen": REGEX},
 *               "args": ["resume", "{id}"]} : the tool picks it, the agent
 *              learns it from the path of a file the tool holds open (group
 *              1) or from a screen line (group 1) (Codex's rollout file).
 *   "restart": {"policy": "never|on-failure|always", "backoff_ms",
 *               "max_backoff_ms", "max_attempts"}.
 *   "usage_limit": {"continue": TEXT, "spread_ms": N, "verify_ms": N,
 *              "dismiss": {"rule": NAME, "key": KEY}}: what to type once a
 *              usage limit has reset, and the key that first closes what
 *              the tool drew over its input when NAME gave the state.
 *
 * Invariants: like the rest of a profile, immutable once loaded; every
 * regex checked, every vector bounded, "{id}" exactly once in "args" and
 * in "start" (when given).
 */
#ifndef CM_AGENT_SCREEN_RECOVERY_H
#define CM_AGENT_SCREEN_RECOVERY_H

#include <jansson.h>
#include <stddef.h>

#include "agent/screen/profile-regex.h"
#include "common/buf.h"

#define RECOVERY_ID_MAX		  64	     /* bytes of a conversation id */
#define RECOVERY_MAX_ARGS	  8	     /* elements of "start" or "args" */
#define RECOVERY_CONTINUE_MAX	  256	     /* bytes of the continue text */
#define RECOVERY_BACKOFF_MS	  2000	     /* default first delay */
#define RECOVERY_MAX_BACKOFF_MS	  60000	     /* default largest delay */
#define RECOVERY_MAX_ATTEMPTS	  5	     /* default restarts in a row */
#define RECOVERY_SPREAD_MS	  60000	     /* default random spread after a reset */
#define RECOVERY_VERIFY_MS	  15000	     /* default wait to see the tool back at work */
#define RECOVERY_LIMIT_BACKOFF_MS (3600000u) /* largest backoff_ms / max_backoff_ms */

enum restart_policy {
	RESTART_NEVER = 0,  /* an exit is final */
	RESTART_ON_FAILURE, /* restart after a crash or a lost tmux server, not a clean exit */
	RESTART_ALWAYS	    /* restart after any exit */
};

enum recovery_id {
	RECOVERY_ID_NONE = 0, /* the profile cannot resume */
	RECOVERY_ID_UUID,     /* the agent picks a UUID ("start" passes it) */
	RECOVERY_ID_LEARNED   /* the tool picks it; learned from a file or the screen */
};

struct profile_recovery {
	enum recovery_id id;		 /* how the conversation id is had */
	char **start_args;		 /* fresh start with a chosen id, "{id}" in one */
	size_t n_start;			 /* entries in start_args */
	char **resume_args;		 /* appended to argv to resume, "{id}" in one */
	size_t n_resume;		 /* entries in resume_args */
	struct profile_regex *id_file;	 /* open-file path -> id (group 1), or NULL */
	struct profile_regex *id_screen; /* screen line -> id (group 1), or NULL */
	enum restart_policy restart;	 /* the default policy */
	unsigned backoff_ms;		 /* first delay before a restart */
	unsigned max_backoff_ms;	 /* the delay doubles up to this */
	unsigned max_attempts;		 /* restarts in a row before giving up */
	char *continue_text;		 /* typed after a usage limit, or NULL */
	char *dismiss_rule;		 /* when this rule gave the state, first press... */
	char dismiss_key[16];		 /* ...this key (a menu to close), or "" */
	unsigned spread_ms;		 /* random 0..spread_ms added to the reset time */
	unsigned verify_ms;		 /* how long the tool has to get back to work */
};

/*
 * Parses "resume", "restart" and "usage_limit" of a profile document.
 * Absent sections give the defaults (no resume, never restart). Returns 0,
 * or CM_EINVAL with one line "ORIGIN: reason" appended to err (may be NULL).
 */
int recovery_parse(json_t *root, const char *origin, struct profile_recovery **out,
		   struct buf *err);
void recovery_free(struct profile_recovery *r);

/* "never" / "on-failure" / "always", or -1. */
int restart_policy_parse(const char *name);
const char *restart_policy_name(enum restart_policy p);

/*
 * args with "{id}" replaced by id, appended to a copy of base (n_base
 * entries): a NULL-terminated heap vector (free with profile_argv_free).
 */
char **recovery_argv(char *const *base, size_t n_base, char *const *args, size_t n_args,
		     const char *id);
/* arg with its "{id}" (if any) replaced by id (caller frees). */
char *recovery_arg(const char *arg, const char *id);
/* True if id is a conversation id the agent will pass on a command line. */
int recovery_id_valid(const char *id);

#endif
