/*
 * notify-config: the rules of `cm notify`, from $XDG_CONFIG_HOME/cm/notify.json
 * (else ~/.config/cm/notify.json, beside contexts.json), or from one
 * destination on the command line.
 *
 *   {"version": 1,
 *    "dashboard": "http://127.0.0.1:8787/",
 *    "limits": {"dedupSeconds": 600, "perSession": 5, "windowSeconds": 60},
 *    "rules": [
 *      {"on": ["needs-person", "error", "usage-limit"], "pools": ["web"],
 *       "to": [{"ntfy": "https://ntfy.sh/my-topic"}, {"desktop": true}]},
 *      {"on": "all", "contexts": ["prod"], "sessions": ["cm-1770795611-2417965073"],
 *       "to": [{"webhook": "https://hooks.example.com/cm"},
 *              {"exec": ["/usr/local/bin/page-me", "--quiet"]}]}]}
 *
 * A rule matches an event when its kind is in "on" (a list or a
 * comma-separated string; "all") and the event's context is in "contexts",
 * the context's pool in "pools", its session in "sessions" (an id or
 * CTX/ID), each list that is present; every matching rule's destinations
 * get the notification, each destination once. The whole file is checked on
 * load: unknown keys, bad kinds, bad URLs are errors with the path and the
 * place, and a file others may write (it names programs to run) is refused
 * as contexts.json is.
 */
#ifndef CM_CLI_NOTIFY_CONFIG_H
#define CM_CLI_NOTIFY_CONFIG_H

#include <stddef.h>

#include <jansson.h>

#include "notify/dest.h"

#define NOTIFY_RULES_MAX      64
#define NOTIFY_RULE_DESTS_MAX 16
#define NOTIFY_LIST_MAX	      256
#define NOTIFY_CONFIG_MAX     (256 * 1024)

/* A list of names (owned). */
struct notify_names {
	char **v;    /* NULL when the list is absent: anything matches */
	size_t n;    /* entries */
	int present; /* the key was given */
};

/* One rule. */
struct notify_rule {
	unsigned on;			     /* enum notify_kind mask */
	struct notify_names contexts, pools; /* scope */
	struct notify_names sessions;	     /* ids or CTX/ID */
	struct notify_dest *to;		     /* destinations */
	size_t nto;			     /* count */
};

/* The rules and settings. */
struct notify_config {
	struct notify_rule *rules; /* the rules */
	size_t nrules;		   /* count */
	char *dashboard;	   /* link base, or NULL */
	double dedup_s;		   /* see notify/limit.h */
	unsigned burst;		   /* notifications per session per window */
	double window_s;	   /* the window */
};

/* Fills buf with the path of notify.json. */
int notify_config_path(char *buf, size_t n);
/* Sets the defaults (no rules). */
void notify_config_init(struct notify_config *c);
/* Loads and checks a file; CM_ENOENT if it does not exist (c unchanged). */
int notify_config_load(struct notify_config *c, const char *path, char *err, size_t n);
/* Checks a document and fills c; where prefixes messages. */
int notify_config_parse(struct notify_config *c, const json_t *root, const char *where, char *err,
			size_t n);
/* Appends a rule (its destinations stolen). */
void notify_config_add_rule(struct notify_config *c, const struct notify_rule *r);
/* Drops the rules, keeping the dashboard and limits. */
void notify_config_clear_rules(struct notify_config *c);
/* Frees everything. */
void notify_config_release(struct notify_config *c);
/* True if a rule covers an event of kind in context ctx (pool may be NULL), session sid. */
int notify_rule_matches(const struct notify_rule *r, unsigned kind, const char *ctx,
			const char *pool, const char *sid);

#endif
