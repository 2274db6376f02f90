/*
 * profile: load and validate tool profiles (see profile.h, docs/PROFILES.md).
 *
 * Parsing walks the jansson tree by hand instead of one json_unpack_ex
 * format per object: that is what lets every error name the unknown key,
 * the rule and the field ("claude.json: rule perm-bash: \"all\"[2]: regex
 * does not compile: ..."). The first error stops the file; nothing of a
 * refused file is kept. Regexes are compiled in the C locale whatever the
 * process locale is, so a profile means the same thing everywhere.
 */
#include "agent/screen/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "agent/screen/danger.h"
#include "agent/screen/recovery.h"
#include "agent/settings/safepath.h"
#include "common/err.h"
#include "common/log.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

#define PROFILE_ERR_MAX 512 /* bytes of one error line */

struct profile_set {
	struct profile **v; /* sorted by name */
	size_t n;	    /* entries in v */
};

/* Where an error is: the file, and the rule being parsed if any. */
struct pctx {
	const char *origin; /* file name or other origin */
	const char *rule;   /* rule name, or NULL outside rules */
	struct buf *err;    /* error lines go here (may be NULL) */
};

/* Appends one error line "ORIGIN: [rule NAME: ]message" and returns CM_EINVAL. */
static int __attribute__((format(printf, 2, 3))) perr(struct pctx *c, const char *fmt, ...)
{
	char msg[PROFILE_ERR_MAX];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?'; /* one line per error, whatever a key holds */
	if (c->err == NULL)
		return CM_EINVAL;
	if (c->rule)
		buf_printf(c->err, "%s: rule %s: %s\n", c->origin, c->rule, msg);
	else
		buf_printf(c->err, "%s: %s\n", c->origin, msg);
	return CM_EINVAL;
}

/* True if name matches ^[a-z0-9][a-z0-9_-]{0,31}$. */
int
profile_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' || name[0] == '-' || name[0] == '_')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];
		if (i >= PROFILE_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Refuses any key of obj not in the NULL-terminated allowed list. */
static int
pkeys(struct pctx *c, json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach (obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return perr(c, "unknown key \"%.64s\" in %s", key, where);
		if (strcmp(key, "comment") == 0 && !json_is_string(v))
			return perr(c, "\"comment\" must be a string");
	}
	return 0;
}

/* Gets a string field; *out NULL if absent and not required. */
static int
pstr(struct pctx *c, json_t *obj, const char *key, int required, size_t max, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL) {
		if (required)
			return perr(c, "missing \"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return perr(c, "\"%s\" must be a string", key);
	if (json_string_length(v) != strlen(json_string_value(v)))
		return perr(c, "\"%s\" holds a NUL byte", key);
	if (json_string_length(v) > max)
		return perr(c, "\"%s\" is longer than %zu bytes", key, max);
	*out = json_string_value(v);
	return 0;
}

/* Gets an unsigned integer field in [min, max]; *out untouched if absent. */
static int
puint(struct pctx *c, json_t *obj, const char *key, unsigned min, unsigned max, unsigned *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return perr(c, "\"%s\" must be an integer", key);
	if (json_integer_value(v) < (json_int_t)min || json_integer_value(v) > (json_int_t)max)
		return perr(c, "\"%s\" must be between %u and %u", key, min, max);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

/* Parses a state name. */
static int
pstate(struct pctx *c, json_t *obj, const char *key, int required, enum cm_state *out)
{
	const char *s;
	int st, rc;

	if ((rc = pstr(c, obj, key, required, 64, &s)) != 0 || s == NULL)
		return rc;
	st = cm_state_parse(s);
	if (st < 0)
		return perr(c, "\"%s\": unknown state \"%s\"", key, s);
	*out = (enum cm_state)st;
	return 0;
}

/* Compiles one regex field; *out stays NULL if absent. */
static int
pregex(struct pctx *c, json_t *obj, const char *key, int required, struct profile_regex **out)
{
	struct buf why;
	const char *s;
	int rc;

	*out = NULL;
	if ((rc = pstr(c, obj, key, required, PROFILE_MAX_REGEX + 4, &s)) != 0 || s == NULL)
		return rc;
	*out = xcalloc(1, sizeof(**out));
	buf_init(&why, 400);
	rc = profile_regex_compile(*out, s, &why);
	if (rc != 0) {
		rc = perr(c, "\"%s\": %s", key, why.data ? why.data : "bad regex");
		free(*out);
		*out = NULL;
	}
	buf_release(&why);
	return rc;
}

/* Frees a heap regex from pregex. */
static void
pregex_free(struct profile_regex *r)
{
	if (r == NULL)
		return;
	profile_regex_release(r);
	free(r);
}

/* Compiles an array of regexes. */
static int
pregex_list(struct pctx *c, json_t *obj, const char *key, struct profile_regex **out, size_t *n)
{
	json_t *arr = json_object_get(obj, key), *v;
	struct buf why;
	size_t i;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return perr(c, "\"%s\" must be an array of regex strings", key);
	if (json_array_size(arr) > PROFILE_MAX_PATTERNS)
		return perr(c, "\"%s\" has more than %d regexes", key, PROFILE_MAX_PATTERNS);
	*out = xcalloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof(**out));
	buf_init(&why, 400);
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v))) {
			rc = perr(c, "\"%s\"[%zu] must be a string", key, i);
			break;
		}
		buf_reset(&why);
		if (profile_regex_compile(&(*out)[i], json_string_value(v), &why) != 0) {
			rc = perr(c, "\"%s\"[%zu]: %s", key, i, why.data ? why.data : "bad regex");
			break;
		}
		(*n)++;
	}
	buf_release(&why);
	return rc;
}

/* Frees an array of regexes. */
static void
pregex_list_free(struct profile_regex *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		profile_regex_release(&v[i]);
	free(v);
}

/* Parses a region object ("region": {"area", "after_last", "last"}). */
static int
pregion(struct pctx *c, json_t *obj, struct profile_region *r)
{
	static const char *const keys[] = {"area", "after_last", "last", "comment", NULL};
	static const char *const areas[] = {"screen", "above_input", "input", "below_input", NULL};
	json_t *v = json_object_get(obj, "region");
	const char *s;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return perr(c, "\"region\" must be an object");
	if ((rc = pkeys(c, v, "region", keys)) != 0)
		return rc;
	if ((rc = pstr(c, v, "area", 0, 32, &s)) != 0)
		return rc;
	if (s != NULL) {
		for (i = 0; areas[i]; i++)
			if (strcmp(s, areas[i]) == 0)
				break;
		if (areas[i] == NULL)
			return perr(c,
				    "region: unknown area \"%s\" (screen, above_input, input, "
				    "below_input)",
				    s);
		r->area = (enum profile_area)i;
	}
	if ((rc = puint(c, v, "last", 1, PROFILE_MAX_LAST, &r->last)) != 0)
		return rc;
	return pregex(c, v, "after_last", 0, &r->after_last);
}

/* Parses the fields of one condition (region, all, any, none). */
static int
pcond(struct pctx *c, json_t *obj, struct profile_cond *cond)
{
	int rc;

	if ((rc = pregion(c, obj, &cond->region)) != 0)
		return rc;
	if ((rc = pregex_list(c, obj, "all", &cond->all, &cond->n_all)) != 0)
		return rc;
	if ((rc = pregex_list(c, obj, "any", &cond->any, &cond->n_any)) != 0)
		return rc;
	if ((rc = pregex_list(c, obj, "none", &cond->none, &cond->n_none)) != 0)
		return rc;
	if (cond->n_all + cond->n_any + cond->n_none == 0)
		return perr(c, "a condition needs \"all\", \"any\" or \"none\"");
	return 0;
}

/* Frees what pcond allocated. */
static void
pcond_release(struct profile_cond *cond)
{
	pregex_free(cond->region.after_last);
	pregex_list_free(cond->all, cond->n_all);
	pregex_list_free(cond->any, cond->n_any);
	pregex_list_free(cond->none, cond->n_none);
}

/* True if k is a key name tmux send-keys understands that we allow. */
static int
pkey_valid(const char *k)
{
	static const char *const names[] = {"Enter",  "Escape", "Tab",	  "BTab",     "Space",
					    "BSpace", "Up",	"Down",	  "Left",     "Right",
					    "Home",   "End",	"PageUp", "PageDown", NULL};
	size_t i;

	if (k[0] > 0x20 && k[0] < 0x7f && k[1] == '\0')
		return 1;
	if (k[0] == 'C' && k[1] == '-' && k[2] >= 'a' && k[2] <= 'z' && k[3] == '\0')
		return 1;
	for (i = 0; names[i]; i++)
		if (strcmp(k, names[i]) == 0)
			return 1;
	return 0;
}

/* Parses a key list ("yes": ["1"]). */
static int
pkeylist(struct pctx *c, json_t *obj, const char *key, char keys[][PROFILE_MAX_KEY], size_t *n)
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t i;

	*n = 0;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return perr(c, "prompt: \"%s\" must be an array of key names", key);
	if (json_array_size(arr) > PROFILE_MAX_KEYS)
		return perr(c, "prompt: \"%s\" has more than %d keys", key, PROFILE_MAX_KEYS);
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v) || json_string_length(v) >= PROFILE_MAX_KEY ||
		    json_string_length(v) != strlen(json_string_value(v)) ||
		    !pkey_valid(json_string_value(v)))
			return perr(c,
				    "prompt: \"%s\"[%zu] must be one printable character, C-x or "
				    "a key name (Enter, Escape, Tab, Up, ...)",
				    key, i);
		memcpy(keys[i], json_string_value(v), json_string_length(v) + 1);
		(*n)++;
	}
	return 0;
}

/* Parses a rule's "prompt" object. */
static int
pprompt(struct pctx *c, json_t *v, struct profile_prompt *pr)
{
	static const char *const keys[] = {"kind", "region", "question", "option", "answerable",
					   "yes",  "no",     "comment",	 NULL};
	static const char *const kinds[] = {"command", "edit",	"trust", "setup",
					    "menu",    "other", NULL};
	json_t *a;
	const char *s;
	size_t i;
	int rc;

	if (!json_is_object(v))
		return perr(c, "\"prompt\" must be an object");
	if ((rc = pkeys(c, v, "prompt", keys)) != 0)
		return rc;
	if ((rc = pstr(c, v, "kind", 1, 32, &s)) != 0)
		return rc;
	for (i = 0; kinds[i]; i++)
		if (strcmp(s, kinds[i]) == 0)
			break;
	if (kinds[i] == NULL)
		return perr(
		    c, "prompt: unknown kind \"%s\" (command, edit, trust, setup, menu, other)", s);
	pr->kind = (enum profile_prompt_kind)i;
	if ((rc = pregion(c, v, &pr->region)) != 0)
		return rc;
	if ((rc = pregex(c, v, "question", 1, &pr->question)) != 0)
		return rc;
	if ((rc = pregex(c, v, "option", 0, &pr->option)) != 0)
		return rc;
	a = json_object_get(v, "answerable");
	if (!json_is_boolean(a))
		return perr(c, "prompt: \"answerable\" must be true or false");
	pr->answerable = json_is_true(a);
	if ((rc = pkeylist(c, v, "yes", pr->yes, &pr->n_yes)) != 0)
		return rc;
	if ((rc = pkeylist(c, v, "no", pr->no, &pr->n_no)) != 0)
		return rc;
	if (pr->answerable && pr->n_yes == 0)
		return perr(c, "prompt: an answerable prompt needs \"yes\" keys");
	if (pr->kind == PROFILE_PROMPT_MENU && pr->answerable)
		return perr(c, "prompt: a menu is never answerable");
	return 0;
}

/* Frees a rule's contents. */
static void
prule_release(struct profile_rule *r)
{
	size_t i;

	free(r->name);
	for (i = 0; i < r->n_conds; i++)
		pcond_release(&r->conds[i]);
	free(r->conds);
	if (r->prompt) {
		pregex_free(r->prompt->region.after_last);
		pregex_free(r->prompt->question);
		pregex_free(r->prompt->option);
		free(r->prompt);
	}
}

/* Parses one rule. */
static int
prule(struct pctx *c, json_t *v, size_t idx, struct profile_rule *r)
{
	static const char *const keys[] = {"name", "state", "region", "all",	 "any",
					   "none", "also",  "prompt", "comment", NULL};
	static const char *const ckeys[] = {"region", "all", "any", "none", "comment", NULL};
	char where[32];
	json_t *also, *a;
	const char *name;
	size_t i;
	int rc;

	snprintf(where, sizeof(where), "#%zu", idx);
	c->rule = where;
	if (!json_is_object(v))
		return perr(c, "a rule must be an object");
	if ((rc = pstr(c, v, "name", 1, 64, &name)) != 0)
		return rc;
	if (!profile_name_valid(name))
		return perr(c, "name \"%s\" must match ^[a-z0-9][a-z0-9_-]{0,31}$", name);
	r->name = xstrdup(name);
	c->rule = r->name;
	if ((rc = pkeys(c, v, "rule", keys)) != 0)
		return rc;
	if ((rc = pstate(c, v, "state", 1, &r->state)) != 0)
		return rc;
	also = json_object_get(v, "also");
	if (also != NULL && (!json_is_array(also) || json_array_size(also) >= PROFILE_MAX_CONDS))
		return perr(c, "\"also\" must be an array of at most %d conditions",
			    PROFILE_MAX_CONDS - 1);
	r->conds = xcalloc(PROFILE_MAX_CONDS, sizeof(*r->conds));
	r->n_conds = 1;
	if ((rc = pcond(c, v, &r->conds[0])) != 0)
		return rc;
	json_array_foreach (also, i, a) {
		if (!json_is_object(a))
			return perr(c, "\"also\"[%zu] must be an object", i);
		if ((rc = pkeys(c, a, "condition", ckeys)) != 0)
			return rc;
		rc = pcond(c, a, &r->conds[r->n_conds]);
		r->n_conds++; /* counted even on error so that release frees it */
		if (rc != 0)
			return rc;
	}
	a = json_object_get(v, "prompt");
	if (a != NULL) {
		if (r->state != CM_STATE_WAITING_CONFIRM)
			return perr(c, "\"prompt\" is only for waiting_confirm rules");
		r->prompt = xcalloc(1, sizeof(*r->prompt));
		if ((rc = pprompt(c, a, r->prompt)) != 0)
			return rc;
	}
	return 0;
}

/* Validates argv[0]: a program name or path, never shell syntax. */
static int
pprogram_valid(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
		      ch == '+' || ch == '/'))
			return 0;
	}
	return 1;
}

/* Parses an array of strings into a heap vector. */
static int
pstrvec(struct pctx *c, json_t *arr, const char *key, size_t max, char ***out, size_t *n)
{
	json_t *v;
	size_t i;

	if (!json_is_array(arr))
		return perr(c, "\"%s\" must be an array of strings", key);
	if (json_array_size(arr) > max)
		return perr(c, "\"%s\" has more than %zu elements", key, max);
	*out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v))
			return perr(c, "\"%s\"[%zu] must be a string", key, i);
		if (json_string_length(v) != strlen(json_string_value(v)))
			return perr(c, "\"%s\"[%zu] holds a NUL byte", key, i);
		if (json_string_length(v) > PROFILE_MAX_ARG)
			return perr(c, "\"%s\"[%zu] is longer than %d bytes", key, i,
				    PROFILE_MAX_ARG);
		(*out)[i] = xstrdup(json_string_value(v));
		(*n)++;
	}
	return 0;
}

/* Parses "task": {"via": ..., "args": [...]}. */
static int
ptask(struct pctx *c, json_t *root, struct profile *p)
{
	static const char *const keys[] = {"via", "args", "comment", NULL};
	json_t *t = json_object_get(root, "task"), *args;
	const char *via;
	size_t i;
	int rc, found = 0;

	p->task_via = PROFILE_TASK_ARGV;
	if (t == NULL) {
		p->task_args = xcalloc(2, sizeof(char *));
		p->task_args[0] = xstrdup("{task}");
		p->n_task_args = 1;
		return 0;
	}
	if (!json_is_object(t))
		return perr(c, "\"task\" must be an object");
	if ((rc = pkeys(c, t, "task", keys)) != 0)
		return rc;
	if ((rc = pstr(c, t, "via", 1, 16, &via)) != 0)
		return rc;
	if (strcmp(via, "argv") == 0)
		p->task_via = PROFILE_TASK_ARGV;
	else if (strcmp(via, "keys") == 0)
		p->task_via = PROFILE_TASK_KEYS;
	else if (strcmp(via, "none") == 0)
		p->task_via = PROFILE_TASK_NONE;
	else
		return perr(c, "task: \"via\" must be \"argv\", \"keys\" or \"none\"");
	args = json_object_get(t, "args");
	if (p->task_via != PROFILE_TASK_ARGV) {
		if (args != NULL)
			return perr(c, "task: \"args\" only goes with \"via\": \"argv\"");
		return 0;
	}
	if (args == NULL)
		return perr(c, "task: \"via\": \"argv\" needs \"args\" (e.g. [\"{task}\"])");
	if ((rc = pstrvec(c, args, "task.args", PROFILE_MAX_ARGV, &p->task_args,
			  &p->n_task_args)) != 0)
		return rc;
	for (i = 0; i < p->n_task_args; i++) {
		const char *at = strstr(p->task_args[i], "{task}");
		if (at == NULL)
			continue;
		if (strstr(at + 1, "{task}") != NULL || found)
			return perr(c, "task: \"{task}\" may appear only once");
		found = 1;
	}
	if (!found)
		return perr(c, "task: \"args\" must contain \"{task}\"");
	return 0;
}

/* Parses "env": {"NAME": "value"}. */
static int
penv(struct pctx *c, json_t *root, struct profile *p)
{
	json_t *env = json_object_get(root, "env"), *v;
	const char *k;
	size_t i;

	if (env == NULL)
		return 0;
	if (!json_is_object(env))
		return perr(c, "\"env\" must be an object of strings");
	if (json_object_size(env) > PROFILE_MAX_ENV)
		return perr(c, "\"env\" has more than %d variables", PROFILE_MAX_ENV);
	p->env_names = xcalloc(json_object_size(env) + 1, sizeof(char *));
	p->env_values = xcalloc(json_object_size(env) + 1, sizeof(char *));
	json_object_foreach (env, k, v) {
		if (k[0] == '\0' || (k[0] >= '0' && k[0] <= '9') || strlen(k) > 64)
			return perr(c, "env: bad variable name \"%.64s\"", k);
		for (i = 0; k[i] != '\0'; i++)
			if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
			      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
				return perr(c, "env: bad variable name \"%.64s\"", k);
		if (strncmp(k, "LD_", 3) == 0)
			return perr(c, "env: \"%s\" is not allowed", k);
		if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)) ||
		    json_string_length(v) > 4096)
			return perr(c, "env: \"%s\" must be a string of at most 4096 bytes", k);
		p->env_names[p->n_env] = xstrdup(k);
		p->env_values[p->n_env] = xstrdup(json_string_value(v));
		p->n_env++;
	}
	return 0;
}

/* Parses "ready": {"states": [...], "timeout_ms": N}. */
static int
pready(struct pctx *c, json_t *root, struct profile *p)
{
	static const char *const keys[] = {"states", "timeout_ms", "comment", NULL};
	json_t *r = json_object_get(root, "ready"), *states, *v;
	size_t i;
	int st, rc;

	p->ready_mask = 1u << CM_STATE_IDLE;
	if (r == NULL)
		return 0;
	if (!json_is_object(r))
		return perr(c, "\"ready\" must be an object");
	if ((rc = pkeys(c, r, "ready", keys)) != 0)
		return rc;
	if ((rc = puint(c, r, "timeout_ms", 0, 600000, &p->ready_timeout_ms)) != 0)
		return rc;
	states = json_object_get(r, "states");
	if (states == NULL)
		return 0;
	if (!json_is_array(states) || json_array_size(states) == 0)
		return perr(c, "ready: \"states\" must be a non-empty array of state names");
	p->ready_mask = 0;
	json_array_foreach (states, i, v) {
		st = json_is_string(v) ? cm_state_parse(json_string_value(v)) : -1;
		if (st < 0)
			return perr(c, "ready: \"states\"[%zu] is not a state name", i);
		p->ready_mask |= 1u << st;
	}
	return 0;
}

/* Parses "input": {"line", "rule", "within"}. */
static int
pinput(struct pctx *c, json_t *root, struct profile *p)
{
	static const char *const keys[] = {"line", "rule", "within", "comment", NULL};
	json_t *in = json_object_get(root, "input");
	int rc;

	p->input.within = 8;
	if (in == NULL)
		return 0;
	if (!json_is_object(in))
		return perr(c, "\"input\" must be an object");
	if ((rc = pkeys(c, in, "input", keys)) != 0)
		return rc;
	if ((rc = puint(c, in, "within", 1, PROFILE_MAX_LAST, &p->input.within)) != 0)
		return rc;
	if ((rc = pregex(c, in, "line", 1, &p->input.line)) != 0)
		return rc;
	return pregex(c, in, "rule", 0, &p->input.rule);
}

/* Parses "danger": [{"name", "pattern"}]. */
static int
pdanger(struct pctx *c, json_t *root, struct profile *p)
{
	static const char *const keys[] = {"name", "pattern", "comment", NULL};
	json_t *d = json_object_get(root, "danger"), *v;
	const char *name, *pat;
	struct buf why;
	size_t i;
	int rc;

	p->danger = danger_rules_new();
	if (d == NULL)
		return 0;
	if (!json_is_array(d) || json_array_size(d) > PROFILE_MAX_DANGER)
		return perr(c, "\"danger\" must be an array of at most %d {name, pattern}",
			    PROFILE_MAX_DANGER);
	json_array_foreach (d, i, v) {
		if (!json_is_object(v))
			return perr(c, "danger[%zu] must be an object", i);
		if ((rc = pkeys(c, v, "danger rule", keys)) != 0)
			return rc;
		if ((rc = pstr(c, v, "name", 1, 63, &name)) != 0)
			return rc;
		if ((rc = pstr(c, v, "pattern", 1, PROFILE_MAX_REGEX + 4, &pat)) != 0)
			return rc;
		buf_init(&why, 400);
		rc = danger_rules_add(p->danger, name, pat, &why);
		if (rc != 0)
			rc = perr(c, "danger[%zu]: %s", i, why.data ? why.data : "bad rule");
		buf_release(&why);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* True if v looks like a version: digits and dots, then [A-Za-z0-9.+-]. */
static int
pversion_valid(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 32 || v[0] < '0' || v[0] > '9')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && strchr(".+-", v[i]) == NULL)
			return 0;
	return 1;
}

/* Parses "tested_versions": {"claude": ["2.1.197"], ...}: program -> versions. */
static int
ptested(struct pctx *c, json_t *root, struct profile *p)
{
	json_t *t = json_object_get(root, "tested_versions"), *list, *v;
	const char *prog;
	size_t i;

	if (t == NULL)
		return 0;
	if (!json_is_object(t) || json_object_size(t) == 0 ||
	    json_object_size(t) > PROFILE_MAX_TESTED)
		return perr(c, "\"tested_versions\" must be an object of 1 to %d programs",
			    PROFILE_MAX_TESTED);
	json_object_foreach (t, prog, list) {
		if (strlen(prog) > 64 || strchr(prog, '/') != NULL || !pprogram_valid(prog))
			return perr(c, "tested_versions: \"%.64s\" is not a program name", prog);
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > PROFILE_MAX_TESTED)
			return perr(c,
				    "tested_versions: \"%s\" must be an array of 1 to %d versions",
				    prog, PROFILE_MAX_TESTED);
		json_array_foreach (list, i, v)
			if (!json_is_string(v) || !pversion_valid(json_string_value(v)))
				return perr(
				    c,
				    "tested_versions: \"%s\"[%zu] must be a version such as "
				    "\"2.1.197\"",
				    prog, i);
	}
	p->tested = json_incref(t);
	return 0;
}

/* Parses the whole document into p. */
static int
pdoc(struct pctx *c, json_t *root, struct profile *p)
{
	static const char *const keys[] = {"schema",	  "name",
					   "description", "argv",
					   "task",	  "env",
					   "ready",	  "input",
					   "fallback",	  "rules",
					   "danger",	  "comment",
					   "settle_ms",	  "tested_versions",
					   "resume",	  "restart",
					   "usage_limit", NULL};
	const char *s;
	json_t *rules, *argv, *v;
	unsigned schema = PROFILE_SCHEMA;
	size_t i, j;
	int rc;

	if (!json_is_object(root))
		return perr(c, "a profile must be a JSON object");
	if ((rc = pkeys(c, root, "profile", keys)) != 0)
		return rc;
	if ((rc = puint(c, root, "schema", 1, 1000, &schema)) != 0)
		return rc;
	if (schema != PROFILE_SCHEMA)
		return perr(c, "\"schema\" %u is not supported (only %d)", schema, PROFILE_SCHEMA);
	if ((rc = pstr(c, root, "name", 1, 64, &s)) != 0)
		return rc;
	if (!profile_name_valid(s))
		return perr(c, "name \"%s\" must match ^[a-z0-9][a-z0-9_-]{0,31}$", s);
	p->name = xstrdup(s);
	if ((rc = pstr(c, root, "description", 0, 256, &s)) != 0)
		return rc;
	p->description = xstrdup(s ? s : "");
	argv = json_object_get(root, "argv");
	if (argv == NULL)
		return perr(c, "missing \"argv\"");
	if ((rc = pstrvec(c, argv, "argv", PROFILE_MAX_ARGV, &p->argv, &p->argc)) != 0)
		return rc;
	if (p->argc == 0)
		return perr(c, "\"argv\" must not be empty");
	if (!pprogram_valid(p->argv[0]))
		return perr(c,
			    "argv[0] \"%.64s\" must be a program name or path ([A-Za-z0-9._+/-], "
			    "no shell syntax)",
			    p->argv[0]);
	if ((rc = ptask(c, root, p)) != 0)
		return rc;
	if (p->argc + p->n_task_args > PROFILE_MAX_ARGV)
		return perr(c, "argv and task args exceed %d elements", PROFILE_MAX_ARGV);
	if ((rc = penv(c, root, p)) != 0 || (rc = pready(c, root, p)) != 0 ||
	    (rc = pinput(c, root, p)) != 0 || (rc = pdanger(c, root, p)) != 0)
		return rc;
	p->fallback = CM_STATE_STARTING;
	if ((rc = pstate(c, root, "fallback", 0, &p->fallback)) != 0)
		return rc;
	p->settle_ms = PROFILE_SETTLE_MS;
	if ((rc = puint(c, root, "settle_ms", 0, PROFILE_MAX_SETTLE_MS, &p->settle_ms)) != 0 ||
	    (rc = ptested(c, root, p)) != 0)
		return rc;
	if ((rc = recovery_parse(root, c->origin, &p->recovery, c->err)) != 0)
		return rc;
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || json_array_size(rules) == 0)
		return perr(c, "\"rules\" must be a non-empty array");
	if (json_array_size(rules) > PROFILE_MAX_RULES)
		return perr(c, "more than %d rules", PROFILE_MAX_RULES);
	p->rules = xcalloc(json_array_size(rules), sizeof(*p->rules));
	json_array_foreach (rules, i, v) {
		rc = prule(c, v, i, &p->rules[i]);
		p->n_rules++;
		if (rc != 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(p->rules[j].name, p->rules[i].name) == 0)
				return perr(c, "duplicate rule name");
		for (j = 0; j < p->rules[i].n_conds; j++)
			if (p->rules[i].conds[j].region.area != PROFILE_AREA_SCREEN &&
			    p->input.line == NULL)
				return perr(c, "region area needs the profile's \"input\"");
		if (p->rules[i].prompt && p->rules[i].prompt->region.area != PROFILE_AREA_SCREEN &&
		    p->input.line == NULL)
			return perr(c, "prompt region area needs the profile's \"input\"");
		c->rule = NULL;
	}
	return 0;
}

/* Parses one profile from JSON text. */
int
profile_parse_json(const char *text, size_t len, const char *origin, struct profile **out,
		   struct buf *err)
{
	struct pctx c = {.origin = origin ? origin : "profile", .rule = NULL, .err = err};
	json_error_t jerr;
	struct profile *p;
	json_t *root;
	int rc;

	*out = NULL;
	if (len > PROFILE_MAX_FILE) {
		perr(&c, "larger than %d bytes", PROFILE_MAX_FILE);
		return CM_ETOOBIG;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return perr(&c, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	p = xcalloc(1, sizeof(*p));
	rc = pdoc(&c, root, p);
	json_decref(root);
	if (rc != 0) {
		profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Frees a profile. */
void
profile_free(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	json_decref(p->tested);
	profile_argv_free(p->argv);
	profile_argv_free(p->task_args);
	profile_argv_free(p->env_names);
	profile_argv_free(p->env_values);
	pregex_free(p->input.line);
	pregex_free(p->input.rule);
	for (i = 0; i < p->n_rules; i++)
		prule_release(&p->rules[i]);
	free(p->rules);
	danger_rules_free(p->danger);
	recovery_free(p->recovery);
	free(p);
}

/* Compiles the regexes of a list. */
static void
pregex_list_prepare(struct profile_regex *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_regex_prepare(&v[i]);
}

/* Compiles every regex the classifier may run (see profile.h). */
void
profile_prepare(const struct profile *cp)
{
	/* Compiling mutates the regexes, never what they match. */
	struct profile *p = (struct profile *)cp;

	if (p->prepared)
		return;
	profile_regex_prepare(p->input.line);
	profile_regex_prepare(p->input.rule);
	for (size_t i = 0; i < p->n_rules; i++) {
		struct profile_rule *r = &p->rules[i];

		for (size_t c = 0; c < r->n_conds; c++) {
			struct profile_cond *cond = &r->conds[c];

			profile_regex_prepare(cond->region.after_last);
			pregex_list_prepare(cond->all, cond->n_all);
			pregex_list_prepare(cond->any, cond->n_any);
			pregex_list_prepare(cond->none, cond->n_none);
		}
		if (r->prompt != NULL) {
			profile_regex_prepare(r->prompt->region.after_last);
			profile_regex_prepare(r->prompt->question);
			profile_regex_prepare(r->prompt->option);
		}
	}
	p->prepared = 1;
}

/* Base name of a path. */
static const char *
profile_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Loads one profile file; its name must match the file's base name. */
int
profile_load_file(const char *path, struct profile **out, struct buf *err)
{
	struct pctx c = {.origin = profile_basename(path), .rule = NULL, .err = err};
	const char *base = profile_basename(path);
	size_t len, blen = strlen(base);
	char *text;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, PROFILE_MAX_FILE, &text, &len);
	if (rc == CM_ETOOBIG) {
		perr(&c, "larger than %d bytes", PROFILE_MAX_FILE);
		return CM_ETOOBIG;
	}
	if (rc != 0) {
		perr(&c, "cannot read: %s", cm_strerror(rc));
		return rc;
	}
	rc = profile_parse_json(text, len, c.origin, out, err);
	free(text);
	if (rc != 0)
		return rc;
	if (blen > 5 && strcmp(base + blen - 5, ".json") == 0 &&
	    (strlen((*out)->name) != blen - 5 || strncmp((*out)->name, base, blen - 5) != 0)) {
		perr(&c, "name \"%s\" does not match the file name", (*out)->name);
		profile_free(*out);
		*out = NULL;
		return CM_EINVAL;
	}
	return 0;
}

/* qsort comparator for file names. */
static int
profile_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds p to set, refusing a second profile of the same name. */
static void
profile_set_add(struct profile_set *set, struct profile *p, const char *origin, struct buf *errors)
{
	if (profile_set_find(set, p->name) != NULL) {
		if (errors)
			buf_printf(errors, "%s: a profile named \"%s\" is already loaded\n", origin,
				   p->name);
		profile_free(p);
		return;
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	set->v[set->n++] = p;
}

/* Loads a directory of profiles (or one file). */
int
profile_set_load(const char *dir, struct profile_set **out, struct buf *errors)
{
	struct profile_set *set;
	struct profile *p;
	struct dirent *de;
	struct stat st;
	char **names = NULL, *path, why[512];
	size_t n = 0, i, len;
	DIR *d;

	*out = NULL;
	if (stat(dir, &st) != 0)
		return errno == ENOENT ? CM_ENOENT : CM_EIO;
	set = xcalloc(1, sizeof(*set));
	/* Profiles are commands to run: none from a place others could write. */
	if (S_ISREG(st.st_mode) ? safepath_check_file(dir, why, sizeof why) < 0
				: safepath_check(dir, why, sizeof why) < 0) {
		if (errors)
			buf_printf(errors, "%s: refused: %s\n", dir, why);
		*out = set;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		if (profile_load_file(dir, &p, errors) == 0)
			profile_set_add(set, p, profile_basename(dir), errors);
		*out = set;
		return 0;
	}
	d = opendir(dir);
	if (d == NULL) {
		free(set);
		return errno == EACCES ? CM_EPERM : CM_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n >= PROFILE_MAX_FILES) {
			if (errors)
				buf_printf(errors, "%s: more than %d profiles; skipped\n",
					   de->d_name, PROFILE_MAX_FILES);
			continue;
		}
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), profile_cmp_str);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if (safepath_check(path, why, sizeof why) < 0) {
			if (errors)
				buf_printf(errors, "%s: refused: %s\n", names[i], why);
		} else if (profile_load_file(path, &p, errors) == 0)
			profile_set_add(set, p, names[i], errors);
		free(path);
		free(names[i]);
	}
	free(names);
	*out = set;
	return 0;
}

/* Frees a set. */
void
profile_set_free(struct profile_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		profile_free(set->v[i]);
	free(set->v);
	free(set);
}

/* Profile by name. */
const struct profile *
profile_set_find(const struct profile_set *set, const char *name)
{
	size_t i;

	if (set == NULL || name == NULL)
		return NULL;
	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

/* Number of profiles in a set. */
size_t
profile_set_count(const struct profile_set *set)
{
	return set ? set->n : 0;
}

/* The i-th profile. */
const struct profile *
profile_set_at(const struct profile_set *set, size_t i)
{
	return set && i < set->n ? set->v[i] : NULL;
}

/* Frees a NULL-terminated string vector. */
void
profile_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
