/*
 * config: the agent's settings, from defaults, an optional JSON config file
 * (--config) and the command line, in that order (later wins).
 *
 * Every setting is one row of config_table[] in config.c: its name, type,
 * default, bounds and help text, so the flags, the config file keys, the
 * --help text and the man page all come from one place (as tmux's
 * options-table.c).
 */
#ifndef CM_AGENT_CONFIG_H
#define CM_AGENT_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_PROFILE_DIRS 8
#define CONFIG_MAX_DANGER_RULES 64
#define CONFIG_MAX_ORIGINS	8
#define CONFIG_MAX_NOTIFY	8

struct config {
	int port;	   /* TCP port; 0 picks a free one; -1 disables TCP */
	char *bind;	   /* address to listen on */
	char *unix_path;   /* Unix socket path, or NULL */
	char *token;	   /* the token itself (never logged) */
	char *token_file;  /* where the token was read from, or NULL */
	char *config_file; /* --config, or NULL */
	char *state_dir;   /* private dir: state files, event log, token */
	char *socket_dir;  /* private dir: one tmux socket per session */
	char *profile_dirs[CONFIG_MAX_PROFILE_DIRS]; /* searched in order */
	size_t n_profile_dirs;			     /* entries used */
	char *danger_rules[CONFIG_MAX_DANGER_RULES]; /* extra danger regexes */
	size_t n_danger_rules;			     /* entries used */
	char *origins[CONFIG_MAX_ORIGINS];	     /* extra allowed Origin values */
	size_t n_origins;			     /* entries used */
	char *audit_log;	     /* audit log path (default state_dir/audit.log) */
	int log_level;		     /* enum log_level */
	int auto_confirm;	     /* default for new sessions */
	long max_message;	     /* largest accepted frame, bytes */
	long max_clients;	     /* concurrent WebSocket clients */
	long max_sessions;	     /* sessions held at once */
	long client_queue;	     /* queued output bytes per client before dropping */
	long replay_events;	     /* events kept for replay */
	long debounce_ms;	     /* output quiet time before the screen is read */
	long enter_delay_ms;	     /* pause between pasted text and its Enter */
	long stall_ms;		     /* working, no output this long: session_stalled (0: never) */
	char *transcript_dir;	     /* transcripts (default state_dir/transcripts) */
	long transcript_max_mb;	     /* retention: total size */
	long transcript_max_days;    /* retention: age */
	long transcript_min_free_mb; /* recording stops below this much free space */
	int no_transcripts;	     /* recording off */
	int no_compression;	     /* permessage-deflate refused */
	char *notify_webhooks[CONFIG_MAX_NOTIFY]; /* JSON POST of notifications */
	size_t n_notify_webhooks;		  /* entries used */
	char *notify_ntfys[CONFIG_MAX_NOTIFY];	  /* ntfy SERVER/TOPIC */
	size_t n_notify_ntfys;			  /* entries used */
	char *notify_on;	/* kinds notified (notify/kind.h names), NULL: all */
	char *notify_dashboard; /* link put in notifications, or NULL */
	char *worktree_dir; /* where worktrees go; NULL: REPO.cm-worktrees beside the repository */
	long worktree_port_base; /* CM_PORT_BASE of worktree 1 */
	long worktree_port_span; /* ports each worktree gets */
	int token_from_cli;	 /* --token was used (warned about) */
	int token_generated;	 /* the token was created at this start */
};

/* Fills cfg with defaults. */
void config_init(struct config *cfg);
void config_release(struct config *cfg);
/*
 * Applies argv (after the program name) and the config file it names.
 * Returns 0, 1 if --help or --version was handled (exit 0), or -1 with the
 * reason printed on stderr (exit 2).
 */
int config_parse_args(struct config *cfg, int argc, char **argv);
/* Applies JSON config text; -1 with a reason in *why (caller frees) naming origin. */
int config_parse_text(struct config *cfg, const char *text, size_t len, const char *origin,
		      char **why);
/* Loads a JSON config file into cfg; -1 with a reason in *why (caller frees). */
int config_load_file(struct config *cfg, const char *path, char **why);
/* Fills in derived defaults (dirs) and resolves the token; -1 with a message on failure. */
int config_finish(struct config *cfg);
/* Prints --help. */
void config_usage(void);

#endif
