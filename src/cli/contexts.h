/*
 * contexts: $XDG_CONFIG_HOME/cm/contexts.json (else ~/.config/cm), the
 * agents cm knows about.
 *
 * The file holds the seed's context objects in a list:
 *
 *   {"version": 1, "current": "prod-server", "contexts": [
 *     {"id": "ctx-prod-server", "name": "prod-server", "path": "/var/www/app",
 *      "pool": "web",
 *      "machine": {"type": "agent", "host": "prod.example.com", "user": "deploy",
 *                  "agentPort": 9876, "authToken": "...",
 *                  "authTokenFile": "/path", "authTokenEnv": "VAR",
 *                  "agentSocket": "/run/cm/agent.sock", "sshPort": 22,
 *                  "identityFile": "/path", "sshConfig": "/path"}}]}
 *
 * (a bare array of contexts is read too). The whole file is validated on
 * load: an unreadable or corrupt file is reported with its path and the
 * reason, and is never written over. Writes are atomic with mode 0600
 * (fs_write_atomic), so a failed `ctx add` leaves the file as it was.
 * Fields cm does not know are kept as they are.
 *
 * struct ctx is a view: its strings are borrowed from the loaded document
 * and live until contexts_release() or the next change.
 */
#ifndef CM_CLI_CONTEXTS_H
#define CM_CLI_CONTEXTS_H

#include <stddef.h>

#include <jansson.h>

#include "proto/names.h"

#define CTX_NAME_MAX NAMES_CONTEXT_MAX

/* How a context reaches its agent. */
enum ctx_type {
	CTX_AGENT = 0, /* "agent": a remote agent through an ssh tunnel */
	CTX_LOCAL,     /* "local": an agent on this machine, no ssh */
};

/* One context, validated (strings borrowed from the document). */
struct ctx {
	const char *id;		  /* "ctx-NAME" */
	const char *name;	  /* unique name */
	const char *path;	  /* default project path on the agent's machine, or NULL */
	const char *pool;	  /* pool it belongs to, or NULL */
	enum ctx_type type;	  /* agent or local */
	const char *host;	  /* ssh host (agent) or agent host (local, default 127.0.0.1) */
	const char *user;	  /* ssh user, or NULL */
	int agent_port;		  /* the agent's TCP port (default 9876) */
	const char *agent_socket; /* the agent's Unix socket instead of the port, or NULL */
	const char *token;	  /* inline token, or NULL */
	const char *token_file;	  /* file holding the token, or NULL */
	const char *token_env;	  /* environment variable holding it, or NULL */
	int ssh_port;		  /* ssh -p, 0 for default */
	const char *identity;	  /* ssh -i, or NULL */
	const char *ssh_config;	  /* ssh -F, or NULL */
};

/* The loaded file. */
struct contexts {
	char *path;   /* the file's path */
	json_t *root; /* the document ({"version", "current", "contexts"}) */
	int exists;   /* the file existed when loaded */
};

/* Fills buf with the path of contexts.json. */
int contexts_path(char *buf, size_t n);
/* Loads and validates path (a missing file is an empty list); message in err. */
int contexts_load(struct contexts *cs, const char *path, char *err, size_t n);
/* Frees the document. */
void contexts_release(struct contexts *cs);
/* Number of contexts. */
size_t contexts_count(const struct contexts *cs);
/* The i-th context. */
int contexts_at(const struct contexts *cs, size_t i, struct ctx *out, char *err, size_t n);
/* The context named name; CM_ENOENT if none. */
int contexts_find(const struct contexts *cs, const char *name, struct ctx *out);
/* The name of the current (default) context, or NULL. */
const char *contexts_current(const struct contexts *cs);
/* Sets (or with NULL clears) the current context; CM_ENOENT for an unknown name. */
int contexts_set_current(struct contexts *cs, const char *name);
/* Validates and appends a context object (stolen); CM_EEXIST if the name is taken. */
int contexts_add(struct contexts *cs, json_t *obj, char *err, size_t n);
/*
 * Replaces the named context by obj (stolen), validated in full, keeping
 * its place in the list; "current" follows a new name. CM_ENOENT, CM_EEXIST
 * (the new name is taken) or CM_EINVAL with the message in err.
 */
int contexts_replace(struct contexts *cs, const char *name, json_t *obj, char *err, size_t n);
/* Renames a context (and its id "ctx-OLD", and "current"); CM_ENOENT, CM_EEXIST, CM_EINVAL. */
int contexts_rename(struct contexts *cs, const char *from, const char *to, char *err, size_t n);
/* Removes the named context; CM_ENOENT if none. */
int contexts_remove(struct contexts *cs, const char *name);
/* Writes the file atomically (0600), creating its directory. */
int contexts_save(const struct contexts *cs, char *err, size_t n);
/* Validates one context object; message (with where) in err. */
int contexts_validate(const json_t *obj, const char *where, char *err, size_t n);
/* True if name is a valid context name: names_context_valid() of src/proto/names.h. */
int contexts_valid_name(const char *name);
/*
 * Checks that a file cm trusts (contexts.json, a token file) is safe, as
 * sshd's StrictModes: owned by the user (or root), not writable by group or
 * others, its directory not writable by others (unless sticky); with secret,
 * not readable by group or others. CM_EPERM with the file and the fix
 * ("run chmod 600 FILE") in err; CM_ENOENT if it cannot be read.
 */
int contexts_check_file(const char *path, const char *what, int secret, char *err, size_t n);
/* True if a context of the file holds an inline authToken. */
int contexts_holds_token(const struct contexts *cs);
/*
 * Resolves the token of a context (caller frees *token): inline, from a
 * file (checked by contexts_check_file, as a secret), or from the
 * environment.
 */
int contexts_token(const struct ctx *c, char **token, char *err, size_t n);
/* A copy of a context object with its inline token masked, for display. */
json_t *contexts_redacted(const json_t *obj);
/* The JSON object of the named context (borrowed), or NULL. */
json_t *contexts_object(const struct contexts *cs, const char *name);

#endif
