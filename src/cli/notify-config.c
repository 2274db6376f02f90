/*
 * notify-config: notify.json, loaded and checked (see notify-config.h).
 */
#include "notify-config.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"
#include "contexts.h"
#include "notify/kind.h"

/* Fills buf with the file's path. */
int
notify_config_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int r;

	if (xdg && *xdg == '/')
		r = snprintf(buf, n, "%s/cm/notify.json", xdg);
	else if (home && *home)
		r = snprintf(buf, n, "%s/.config/cm/notify.json", home);
	else
		return CM_ENOENT;
	return r < 0 || (size_t)r >= n ? CM_ETOOBIG : 0;
}

/* Defaults. */
void
notify_config_init(struct notify_config *c)
{
	memset(c, 0, sizeof(*c));
	c->dedup_s = 600;
	c->burst = 5;
	c->window_s = 60;
}

/* Frees a list of names. */
static void
notify_names_release(struct notify_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Frees a rule. */
static void
notify_rule_release(struct notify_rule *r)
{
	size_t i;

	notify_names_release(&r->contexts);
	notify_names_release(&r->pools);
	notify_names_release(&r->sessions);
	for (i = 0; i < r->nto; i++)
		notify_dest_release(&r->to[i]);
	free(r->to);
	memset(r, 0, sizeof(*r));
}

/* Frees everything. */
void
notify_config_release(struct notify_config *c)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		notify_rule_release(&c->rules[i]);
	free(c->rules);
	free(c->dashboard);
	memset(c, 0, sizeof(*c));
}

/* Drops the rules, keeping the settings. */
void
notify_config_clear_rules(struct notify_config *c)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		notify_rule_release(&c->rules[i]);
	free(c->rules);
	c->rules = NULL;
	c->nrules = 0;
}

/* Appends a rule. */
void
notify_config_add_rule(struct notify_config *c, const struct notify_rule *r)
{
	c->rules = xreallocarray(c->rules, c->nrules + 1, sizeof(*c->rules));
	c->rules[c->nrules++] = *r;
}

/* Reads a list of short names (no control characters, at most 200 bytes each). */
static int
notify_names_parse(struct notify_names *l, const json_t *v, const char *where, const char *key,
		   char *err, size_t n)
{
	size_t i;
	const char *s;

	memset(l, 0, sizeof(*l));
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > NOTIFY_LIST_MAX) {
		snprintf(err, n, "%s: \"%s\" must be an array of at most %d names", where, key,
			 NOTIFY_LIST_MAX);
		return CM_EINVAL;
	}
	l->present = 1;
	l->v = xcalloc(json_array_size(v) + 1, sizeof(char *));
	for (i = 0; i < json_array_size(v); i++) {
		s = json_string_value(json_array_get(v, i));
		if (!s || !*s || strlen(s) > 200 || strpbrk(s, "\t\r\n")) {
			snprintf(err, n, "%s: \"%s\"[%zu] must be a non-empty name", where, key, i);
			return CM_EINVAL;
		}
		l->v[l->n++] = xstrdup(s);
	}
	return 0;
}

/* Reads "on": a list or a comma-separated string of kinds. */
static int
notify_on_parse(unsigned *mask, const json_t *v, const char *where, char *err, size_t n)
{
	char bad[64];
	size_t i;
	unsigned k;

	*mask = 0;
	if (json_is_string(v)) {
		if ((*mask = notify_kind_parse_list(json_string_value(v), bad, sizeof(bad))))
			return 0;
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		for (i = 0; i < json_array_size(v); i++) {
			const char *s = json_string_value(json_array_get(v, i));
			snprintf(bad, sizeof(bad), "%s", s ? s : "(not a string)");
			if (!s || !(k = notify_kind_parse_list(s, NULL, 0)))
				break;
			*mask |= k;
		}
		if (i == json_array_size(v))
			return 0;
	} else
		snprintf(bad, sizeof(bad), "(missing)");
	snprintf(err, n,
		 "%s: \"on\": unknown event \"%s\" (needs-person, done, error, exited, stalled, "
		 "usage-limit, recovered, all)",
		 where, bad);
	return CM_EINVAL;
}

/* Reads one rule. */
static int
notify_rule_parse(struct notify_rule *r, const json_t *o, const char *where, char *err, size_t n)
{
	const char *key;
	json_t *v, *to;
	char at[160];
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o)) {
		snprintf(err, n, "%s: a rule must be an object", where);
		return CM_EINVAL;
	}
	json_object_foreach ((json_t *)o, key, v) {
		if (strcmp(key, "on") && strcmp(key, "contexts") && strcmp(key, "pools") &&
		    strcmp(key, "sessions") && strcmp(key, "to")) {
			snprintf(err, n,
				 "%s: unknown key \"%.40s\" (on, contexts, pools, sessions, to)",
				 where, key);
			return CM_EINVAL;
		}
	}
	if ((rc = notify_on_parse(&r->on, json_object_get(o, "on"), where, err, n)) < 0 ||
	    (rc = notify_names_parse(&r->contexts, json_object_get(o, "contexts"), where,
				     "contexts", err, n)) < 0 ||
	    (rc = notify_names_parse(&r->pools, json_object_get(o, "pools"), where, "pools", err,
				     n)) < 0 ||
	    (rc = notify_names_parse(&r->sessions, json_object_get(o, "sessions"), where,
				     "sessions", err, n)) < 0)
		return rc;
	to = json_object_get(o, "to");
	if (!json_is_array(to) || json_array_size(to) == 0 ||
	    json_array_size(to) > NOTIFY_RULE_DESTS_MAX) {
		snprintf(err, n, "%s: \"to\" must be an array of 1 to %d destinations", where,
			 NOTIFY_RULE_DESTS_MAX);
		return CM_EINVAL;
	}
	r->to = xcalloc(json_array_size(to), sizeof(*r->to));
	for (i = 0; i < json_array_size(to); i++) {
		snprintf(at, sizeof(at), "%s.to[%zu]", where, i);
		if ((rc = notify_dest_from_json(&r->to[i], json_array_get(to, i), at, err, n)) < 0)
			return rc;
		r->nto++;
	}
	return 0;
}

/* Reads a number in [min, max]. */
static int
notify_number(const json_t *o, const char *key, double min, double max, double *out,
	      const char *where, char *err, size_t n)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max) {
		snprintf(err, n, "%s: \"limits\".\"%s\" must be a number from %g to %g", where, key,
			 min, max);
		return CM_EINVAL;
	}
	*out = json_number_value(v);
	return 0;
}

/* Checks a document. */
int
notify_config_parse(struct notify_config *c, const json_t *root, const char *where, char *err,
		    size_t n)
{
	const char *key;
	json_t *v, *rules, *limits;
	struct notify_rule r;
	double burst = c->burst;
	char at[200];
	size_t i;
	int rc;

	if (!json_is_object(root)) {
		snprintf(err, n, "%s: must be a JSON object", where);
		return CM_EINVAL;
	}
	json_object_foreach ((json_t *)root, key, v) {
		if (strcmp(key, "version") && strcmp(key, "dashboard") && strcmp(key, "limits") &&
		    strcmp(key, "rules")) {
			snprintf(err, n,
				 "%s: unknown key \"%.40s\" (version, dashboard, limits, rules)",
				 where, key);
			return CM_EINVAL;
		}
	}
	v = json_object_get(root, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 1)) {
		snprintf(err, n, "%s: \"version\" must be 1", where);
		return CM_EINVAL;
	}
	v = json_object_get(root, "dashboard");
	if (v) {
		struct notify_dest probe;
		if (!json_is_string(v) ||
		    notify_dest_webhook(&probe, json_string_value(v), at, sizeof(at)) < 0) {
			snprintf(err, n, "%s: \"dashboard\" must be an http:// or https:// URL",
				 where);
			return CM_EINVAL;
		}
		notify_dest_release(&probe);
		free(c->dashboard);
		c->dashboard = xstrdup(json_string_value(v));
	}
	limits = json_object_get(root, "limits");
	if (limits) {
		if (!json_is_object(limits)) {
			snprintf(err, n, "%s: \"limits\" must be an object", where);
			return CM_EINVAL;
		}
		json_object_foreach (limits, key, v) {
			if (strcmp(key, "dedupSeconds") && strcmp(key, "perSession") &&
			    strcmp(key, "windowSeconds")) {
				snprintf(err, n,
					 "%s: unknown key \"limits\".\"%.40s\" (dedupSeconds, "
					 "perSession, windowSeconds)",
					 where, key);
				return CM_EINVAL;
			}
		}
		if ((rc = notify_number(limits, "dedupSeconds", 0, 86400, &c->dedup_s, where, err,
					n)) < 0 ||
		    (rc = notify_number(limits, "perSession", 0, 1000, &burst, where, err, n)) <
			0 ||
		    (rc = notify_number(limits, "windowSeconds", 1, 86400, &c->window_s, where, err,
					n)) < 0)
			return rc;
		c->burst = (unsigned)burst;
	}
	rules = json_object_get(root, "rules");
	if (rules && (!json_is_array(rules) || json_array_size(rules) > NOTIFY_RULES_MAX)) {
		snprintf(err, n, "%s: \"rules\" must be an array of at most %d rules", where,
			 NOTIFY_RULES_MAX);
		return CM_EINVAL;
	}
	for (i = 0; rules && i < json_array_size(rules); i++) {
		snprintf(at, sizeof(at), "%s: rules[%zu]", where, i);
		if ((rc = notify_rule_parse(&r, json_array_get(rules, i), at, err, n)) < 0) {
			notify_rule_release(&r);
			return rc;
		}
		notify_config_add_rule(c, &r);
	}
	return 0;
}

/* Loads a file. */
int
notify_config_load(struct notify_config *c, const char *path, char *err, size_t n)
{
	json_error_t je;
	json_t *root;
	char *text;
	size_t len;
	int rc;

	if ((rc = fs_read_file(path, NOTIFY_CONFIG_MAX, &text, &len)) < 0) {
		if (rc == CM_ENOENT)
			return rc;
		snprintf(err, n, "%s: %s", path,
			 rc == CM_ETOOBIG ? "larger than 256 KiB" : "cannot be read");
		return CM_EINVAL;
	}
	/* It names programs to run: nobody else may have written it. */
	if ((rc = contexts_check_file(path, "notify.json", 0, err, n)) < 0) {
		free(text);
		return rc;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!root) {
		snprintf(err, n, "%s: line %d: %s", path, je.line, je.text);
		return CM_EINVAL;
	}
	rc = notify_config_parse(c, root, path, err, n);
	json_decref(root);
	return rc;
}

/* True if name is in the list (an absent list holds everything). */
static int
notify_names_has(const struct notify_names *l, const char *name)
{
	size_t i;

	if (!l->present)
		return 1;
	for (i = 0; name && i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return 1;
	return 0;
}

/* True if a rule covers an event. */
int
notify_rule_matches(const struct notify_rule *r, unsigned kind, const char *ctx, const char *pool,
		    const char *sid)
{
	size_t i;
	int found = 0;

	if (!(r->on & kind) || !notify_names_has(&r->contexts, ctx) ||
	    !notify_names_has(&r->pools, pool))
		return 0;
	if (!r->sessions.present)
		return 1;
	for (i = 0; sid && i < r->sessions.n && !found; i++) {
		const char *s = r->sessions.v[i];
		size_t cl = strlen(ctx);
		found = !strcmp(s, sid) ||
			(!strncmp(s, ctx, cl) && s[cl] == '/' && !strcmp(s + cl + 1, sid));
	}
	return found;
}
