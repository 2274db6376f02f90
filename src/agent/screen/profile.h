/*
 * profile: a tool described as data (profiles/<name>.json, docs/PROFILES.md).
 *
 * A profile says how to start a tool (argv, how the task is passed, env) and
 * how to read its screen: an ordered list of state rules, each looking at a
 * region of the screen with regexes that must / must not match, and for
 * waiting_confirm rules how to read the prompt and which keys answer it.
 * The agent core loads a directory of profiles at start; the classifier
 * (classify.c) and the auto-confirm policy (autoconfirm.c) read them.
 *
 * Invariants: a loaded profile is immutable and fully valid: every regex
 * compiled, every name checked (^[a-z0-9][a-z0-9_-]{0,31}$), every count
 * within the PROFILE_MAX_* limits below, unknown keys refused. A file that
 * breaks any of this is refused as a whole with one line of reason
 * ("FILE: rule NAME: reason"); the other files of a directory still load.
 * Regexes are POSIX extended, compiled in the C locale: they match bytes of
 * UTF-8 text, one line at a time (see docs/PROFILES.md).
 *
 * The struct definitions are public for classify.c and the tests; other
 * callers use the accessors (inline: reading a profile is reading data).
 */
#ifndef CM_AGENT_PROFILE_H
#define CM_AGENT_PROFILE_H

#include <jansson.h>
#include <stddef.h>

#include "agent/screen/profile-regex.h"
#include "agent/screen/prompt-kind.h"
#include "common/buf.h"
#include "proto/state.h"

#define PROFILE_SCHEMA	      1		   /* the "schema" value understood */
#define PROFILE_MAX_FILE      (256 * 1024) /* bytes per profile file */
#define PROFILE_MAX_FILES     64	   /* profiles per directory */
#define PROFILE_MAX_RULES     64	   /* state rules per profile */
#define PROFILE_MAX_CONDS     4		   /* conditions per rule (1 + "also") */
#define PROFILE_MAX_PATTERNS  16	   /* regexes per all/any/none list */
#define PROFILE_MAX_ARGV      32	   /* argv + task args elements */
#define PROFILE_MAX_ARG	      1024	   /* bytes per argv element */
#define PROFILE_MAX_ENV	      32	   /* environment variables */
#define PROFILE_MAX_KEYS      4		   /* keys per yes/no answer */
#define PROFILE_MAX_KEY	      16	   /* bytes per key name */
#define PROFILE_MAX_DANGER    32	   /* extra danger rules per profile */
#define PROFILE_MAX_LAST      200	   /* largest "last" line count */
#define PROFILE_NAME_MAX      32	   /* bytes of a tool or rule name */
#define PROFILE_TASK_MAX      (64 * 1024)  /* bytes of a task put on a command line */
#define PROFILE_SETTLE_MS     50	   /* default "settle_ms" (see bench/real-confirm.py) */
#define PROFILE_MAX_SETTLE_MS 2000	   /* largest "settle_ms" */
#define PROFILE_MAX_TESTED    8 /* programs, and versions of each, in "tested_versions" */

struct profile;
struct profile_set;
struct danger_rules;
struct profile_recovery;

/* How the task text reaches the tool. */
enum profile_task_via {
	PROFILE_TASK_ARGV = 0, /* "args" with {task} appended to argv */
	PROFILE_TASK_KEYS,     /* typed into the tool once it is ready */
	PROFILE_TASK_NONE      /* the tool takes no task */
};

/* Which part of the screen a condition looks at. */
enum profile_area {
	PROFILE_AREA_SCREEN = 0,  /* every line */
	PROFILE_AREA_ABOVE_INPUT, /* lines above the input box */
	PROFILE_AREA_INPUT,	  /* the input box (between its rules) */
	PROFILE_AREA_BELOW_INPUT  /* lines below the input box (footer) */
};

struct profile_region {
	enum profile_area area;		  /* where to look */
	struct profile_regex *after_last; /* only lines after the last match, or NULL */
	unsigned last;			  /* only the last N non-blank lines, 0 = all */
};

struct profile_cond {
	struct profile_region region; /* lines looked at */
	struct profile_regex *all;    /* each must match some line */
	size_t n_all;		      /* entries in all */
	struct profile_regex *any;    /* one must match some line */
	size_t n_any;		      /* entries in any */
	struct profile_regex *none;   /* none may match any line */
	size_t n_none;		      /* entries in none */
};

struct profile_prompt {
	enum profile_prompt_kind kind;		     /* what is asked */
	struct profile_region region;		     /* the prompt's lines (its body) */
	struct profile_regex *question;		     /* the question line; group 1 if any */
	struct profile_regex *option;		     /* an option line; last group = label */
	int answerable;				     /* auto-confirm may answer it */
	char yes[PROFILE_MAX_KEYS][PROFILE_MAX_KEY]; /* keys that approve once */
	size_t n_yes;				     /* entries in yes */
	char no[PROFILE_MAX_KEYS][PROFILE_MAX_KEY];  /* keys that refuse */
	size_t n_no;				     /* entries in no */
};

struct profile_rule {
	char *name;		       /* unique in the profile */
	enum cm_state state;	       /* state when every condition holds */
	struct profile_cond *conds;    /* conds[0] is the rule's own, then "also" */
	size_t n_conds;		       /* entries in conds (>= 1) */
	struct profile_prompt *prompt; /* for waiting_confirm rules, or NULL */
};

struct profile_input {
	struct profile_regex *line; /* the input line, or NULL: no input box */
	struct profile_regex *rule; /* the box's horizontal rules, or NULL */
	unsigned within;	    /* input line among the last N non-blank lines */
};

/*
 * A loaded profile. Public so that reading a screen (classify.c, on every
 * screen change) reads it as data, with the accessors below inline; only
 * loading it runs this file's code.
 */
struct profile {
	char *name;			   /* tool name, the file's base name */
	char *description;		   /* one line for people */
	char **argv;			   /* argc strings */
	size_t argc;			   /* entries in argv (>= 1) */
	enum profile_task_via task_via;	   /* how the task is passed */
	char **task_args;		   /* appended to argv, "{task}" replaced */
	size_t n_task_args;		   /* entries in task_args */
	char **env_names;		   /* n_env names */
	char **env_values;		   /* n_env values */
	size_t n_env;			   /* environment variables */
	unsigned ready_mask;		   /* 1 << state for each ready state */
	unsigned ready_timeout_ms;	   /* 0 if not given */
	unsigned settle_ms;		   /* a prompt stays this long before an auto-answer */
	json_t *tested;			   /* "tested_versions": program -> [versions], or NULL */
	enum cm_state fallback;		   /* state when no rule matches */
	struct profile_input input;	   /* how to find the input box */
	struct profile_rule *rules;	   /* ordered rules */
	size_t n_rules;			   /* entries in rules */
	struct danger_rules *danger;	   /* extra danger rules (maybe empty) */
	int prepared;			   /* every regex compiled for use (profile_prepare) */
	struct profile_recovery *recovery; /* resume, restart, usage_limit (recovery.h) */
};

/* Loads every *.json of dir (or the one file dir names); see above. */
int profile_set_load(const char *dir, struct profile_set **out, struct buf *errors);
/* Frees a set and its profiles (NULL is fine). */
void profile_set_free(struct profile_set *set);
/* Profile by tool name, or NULL; borrowed from the set. */
const struct profile *profile_set_find(const struct profile_set *set, const char *name);
size_t profile_set_count(const struct profile_set *set);
/* The i-th profile in name order (i < count); borrowed from the set. */
const struct profile *profile_set_at(const struct profile_set *set, size_t i);

/* Parses one profile from JSON text; origin prefixes every error line. */
int profile_parse_json(const char *text, size_t len, const char *origin, struct profile **out,
		       struct buf *err);
/* Loads one profile file (at most PROFILE_MAX_FILE bytes). */
int profile_load_file(const char *path, struct profile **out, struct buf *err);
/* Frees a profile from profile_parse_json or profile_load_file. */
void profile_free(struct profile *p);

/* True if name is a valid tool name (^[a-z0-9][a-z0-9_-]{0,31}$). */
int profile_name_valid(const char *name);
/*
 * Compiles every regex of p for use (they are checked at load and compiled
 * on first use: see profile-regex.h); the classifier calls it before the
 * first screen it reads with p. Idempotent.
 */
void profile_prepare(const struct profile *p);

static inline const char *
profile_name(const struct profile *p)
{
	return p->name;
}

/* The description ("" if none). */
static inline const char *
profile_description(const struct profile *p)
{
	return p->description;
}

static inline enum profile_task_via
profile_task_via(const struct profile *p)
{
	return p->task_via;
}

/* The program the tool runs (argv[0]: a name looked up on PATH, or a path). */
static inline const char *
profile_program(const struct profile *p)
{
	return p->argv[0];
}
/* Frees a NULL-terminated string vector (NULL is fine). */
void profile_argv_free(char **argv);
static inline size_t
profile_env_count(const struct profile *p)
{
	return p->n_env;
}

/* Name and value of the i-th environment variable (NULL past the count). */
static inline const char *
profile_env_name(const struct profile *p, size_t i)
{
	return i < p->n_env ? p->env_names[i] : NULL;
}

static inline const char *
profile_env_value(const struct profile *p, size_t i)
{
	return i < p->n_env ? p->env_values[i] : NULL;
}

/* True if state s means "the tool takes input now" (the "ready" hint). */
static inline int
profile_ready_state(const struct profile *p, enum cm_state s)
{
	return (unsigned)s < CM_STATE__COUNT && (p->ready_mask & (1u << s)) != 0;
}

/* Milliseconds to wait for a ready state after start (0: not given). */
static inline unsigned
profile_ready_timeout_ms(const struct profile *p)
{
	return p->ready_timeout_ms;
}

/* Milliseconds a prompt must stay on screen before an automatic answer. */
static inline unsigned
profile_settle_ms(const struct profile *p)
{
	return p->settle_ms;
}

/* "tested_versions": an object program -> array of versions, or NULL. */
static inline const json_t *
profile_tested_versions(const struct profile *p)
{
	return p->tested;
}

/* State when no rule matches (default starting). */
static inline enum cm_state
profile_fallback(const struct profile *p)
{
	return p->fallback;
}

static inline size_t
profile_rule_count(const struct profile *p)
{
	return p->n_rules;
}

/* The i-th rule, or NULL past the count. */
static inline const struct profile_rule *
profile_rule_at(const struct profile *p, size_t i)
{
	return i < p->n_rules ? &p->rules[i] : NULL;
}

static inline const struct profile_input *
profile_input(const struct profile *p)
{
	return &p->input;
}

/* Resume, restart and usage-limit settings (recovery.h; never NULL once loaded). */
static inline const struct profile_recovery *
profile_recovery(const struct profile *p)
{
	return p->recovery;
}

/* The profile's own extra danger rules (never NULL). */
static inline const struct danger_rules *
profile_danger(const struct profile *p)
{
	return p->danger;
}

#endif
