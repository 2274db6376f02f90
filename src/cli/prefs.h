/*
 * prefs: $XDG_CONFIG_HOME/cm/config.json (else ~/.config/cm), cm's
 * defaults, beside contexts.json:
 *
 *   {"version": 1,
 *    "defaults": {"context": "prod", "pool": "web", "autoConfirm": false},
 *    "mcp": {"contexts": ["prod", "staging"], "actions": ["read", "start"]},
 *    "notifications": {}}
 *
 * Every key is optional; a missing file is all defaults. Unlike
 * contexts.json (which keeps fields it does not know, for a newer cm), this
 * file is only ever written by people: a key cm does not know is a typo
 * that would silently do nothing, so it is an error with the file, line and
 * key. "notifications" is reserved: it must be an object, and holds no key
 * yet. `cm mcp` is read-only unless "mcp.actions" says otherwise (see
 * docs/CLI.md).
 */
#ifndef CM_CLI_PREFS_H
#define CM_CLI_PREFS_H

#include <stddef.h>

#define PREFS_FILE_MAX (256 * 1024) /* bytes of config.json */
#define PREFS_LIST_MAX 64	    /* names in one list ("mcp.contexts") */

/* What `cm mcp` may do (bits of prefs.mcp_actions). */
enum prefs_action {
	PREFS_ACT_READ = 1 << 0,    /* list sessions, read screens, wait for states */
	PREFS_ACT_START = 1 << 1,   /* start sessions */
	PREFS_ACT_SEND = 1 << 2,    /* send text to sessions */
	PREFS_ACT_CONFIRM = 1 << 3, /* approve or deny prompts */
	PREFS_ACT_KILL = 1 << 4,    /* kill sessions */
};

/* The loaded file (strings owned). */
struct prefs {
	char *path;			    /* the file's path */
	int exists;			    /* the file existed */
	char *context;			    /* defaults.context, or NULL */
	char *pool;			    /* defaults.pool, or NULL */
	int auto_confirm;		    /* defaults.autoConfirm: -1 unset, 0, 1 */
	char *mcp_contexts[PREFS_LIST_MAX]; /* mcp.contexts (none: every context) */
	size_t n_mcp_contexts;		    /* how many */
	int mcp_contexts_set;		    /* mcp.contexts was given */
	int mcp_actions;		    /* enum prefs_action bits (default: read) */
};

/* Fills buf with the path of config.json (CM_CONFIG overrides it). */
int prefs_path(char *buf, size_t n);
/* Loads and validates path (a missing file: defaults); "FILE: line L: ..." in err. */
int prefs_load(struct prefs *cfg, const char *path, char *err, size_t n);
/* Parses a document's text as prefs_load does (path names it in messages). */
int prefs_parse(struct prefs *cfg, const char *path, const char *text, size_t len, char *err,
		size_t n);
/* Frees the strings. */
void prefs_release(struct prefs *cfg);
/* True if `cm mcp` may use the named context. */
int prefs_mcp_context_allowed(const struct prefs *cfg, const char *name);
/* The action bit of a name ("read"); 0 if unknown. */
int prefs_action_parse(const char *name);
/* The name of one action bit. */
const char *prefs_action_name(int bit);

#endif
