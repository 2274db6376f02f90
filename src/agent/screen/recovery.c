/*
 * recovery: a profile's "resume", "restart" and "usage_limit" (see recovery.h).
 */
#include "agent/screen/recovery.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/keys.h"
#include "common/err.h"
#include "common/xmalloc.h"

/* Appends "ORIGIN: message" to err and returns CM_EINVAL. */
static int __attribute__((format(printf, 3, 4)))
rerr(struct buf *err, const char *origin, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; msg[i]; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (err != NULL)
		buf_printf(err, "%s: %s\n", origin, msg);
	return CM_EINVAL;
}

/* Refuses keys of obj outside allowed ("comment" is always allowed). */
static int
rkeys(struct buf *err, const char *origin, json_t *obj, const char *where,
      const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach (obj, key, v) {
		size_t i;

		if (strcmp(key, "comment") == 0) {
			if (!json_is_string(v))
				return rerr(err, origin, "\"comment\" must be a string");
			continue;
		}
		for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
			;
		if (allowed[i] == NULL)
			return rerr(err, origin, "unknown key \"%.64s\" in %s", key, where);
	}
	return 0;
}

/* An unsigned field in min..max; *out keeps its default when absent. */
static int
runsigned(struct buf *err, const char *origin, json_t *obj, const char *where, const char *key,
	  unsigned min, unsigned max, unsigned *out)
{
	json_t *v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return rerr(err, origin, "%s: \"%s\" must be an integer %u..%u", where, key, min,
			    max);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

/* An array of 1..RECOVERY_MAX_ARGS strings with "{id}" in exactly one. */
static int
rargs(struct buf *err, const char *origin, json_t *arr, const char *where, char ***out, size_t *n)
{
	size_t i, with_id = 0;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > RECOVERY_MAX_ARGS)
		return rerr(err, origin, "%s must be an array of 1 to %d strings", where,
			    RECOVERY_MAX_ARGS);
	*out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach (arr, i, v) {
		const char *s = json_string_value(v);

		if (s == NULL || json_string_length(v) != strlen(s) || strlen(s) > 256)
			return rerr(err, origin, "%s[%zu] must be a string of at most 256 bytes",
				    where, i);
		if (strstr(s, "{id}") != NULL)
			with_id += strstr(strstr(s, "{id}") + 4, "{id}") != NULL ? 2 : 1;
		(*out)[i] = xstrdup(s);
		(*n)++;
	}
	if (with_id != 1)
		return rerr(err, origin, "%s must hold \"{id}\" exactly once", where);
	return 0;
}

/* A regex with at least one group (the id). */
static int
rregex(struct buf *err, const char *origin, json_t *obj, const char *key,
       struct profile_regex **out)
{
	json_t *v = json_object_get(obj, key);
	struct buf why;
	int rc;

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) > PROFILE_MAX_REGEX)
		return rerr(err, origin, "resume.id.%s must be a regex of at most %d bytes", key,
			    PROFILE_MAX_REGEX);
	*out = xcalloc(1, sizeof **out);
	buf_init(&why, 256);
	rc = profile_regex_compile(*out, json_string_value(v), &why);
	if (rc != 0)
		rc = rerr(err, origin, "resume.id.%s: %s", key, why.data ? why.data : "bad regex");
	else if ((*out)->nsub < 1)
		rc = rerr(err, origin, "resume.id.%s needs a group: the id", key);
	buf_release(&why);
	return rc;
}

/* "resume": {"id": "uuid" | {"open_file", "screen"}, "start": [...], "args": [...]}. */
static int
rresume(struct buf *err, const char *origin, json_t *o, struct profile_recovery *r)
{
	static const char *const keys[] = {"id", "start", "args", NULL};
	static const char *const id_keys[] = {"open_file", "screen", NULL};
	json_t *id = json_object_get(o, "id"), *v;
	int rc;

	if (!json_is_object(o))
		return rerr(err, origin, "\"resume\" must be an object");
	if ((rc = rkeys(err, origin, o, "resume", keys)) != 0)
		return rc;
	if (json_is_string(id) && strcmp(json_string_value(id), "uuid") == 0) {
		r->id = RECOVERY_ID_UUID;
	} else if (json_is_object(id)) {
		r->id = RECOVERY_ID_LEARNED;
		if ((rc = rkeys(err, origin, id, "resume.id", id_keys)) != 0 ||
		    (rc = rregex(err, origin, id, "open_file", &r->id_file)) != 0 ||
		    (rc = rregex(err, origin, id, "screen", &r->id_screen)) != 0)
			return rc;
		if (r->id_file == NULL && r->id_screen == NULL)
			return rerr(err, origin, "resume.id needs \"open_file\" or \"screen\"");
	} else {
		return rerr(
		    err, origin,
		    "resume.id must be \"uuid\" or {\"open_file\": REGEX, \"screen\": REGEX}");
	}
	if ((v = json_object_get(o, "args")) == NULL)
		return rerr(err, origin, "resume needs \"args\"");
	if ((rc = rargs(err, origin, v, "resume.args", &r->resume_args, &r->n_resume)) != 0)
		return rc;
	if ((v = json_object_get(o, "start")) != NULL &&
	    (rc = rargs(err, origin, v, "resume.start", &r->start_args, &r->n_start)) != 0)
		return rc;
	if (r->id == RECOVERY_ID_UUID && r->start_args == NULL)
		return rerr(err, origin, "resume.id \"uuid\" needs \"start\": how the id is given");
	return 0;
}

/* "restart": {"policy", "backoff_ms", "max_backoff_ms", "max_attempts"}. */
static int
rrestart(struct buf *err, const char *origin, json_t *o, struct profile_recovery *r)
{
	static const char *const keys[] = {"policy", "backoff_ms", "max_backoff_ms", "max_attempts",
					   NULL};
	json_t *pol = json_object_get(o, "policy");
	int rc, p;

	if (!json_is_object(o))
		return rerr(err, origin, "\"restart\" must be an object");
	if ((rc = rkeys(err, origin, o, "restart", keys)) != 0)
		return rc;
	if (pol == NULL || (p = restart_policy_parse(json_string_value(pol))) < 0)
		return rerr(err, origin, "restart.policy must be never, on-failure or always");
	r->restart = (enum restart_policy)p;
	if ((rc = runsigned(err, origin, o, "restart", "backoff_ms", 100, RECOVERY_LIMIT_BACKOFF_MS,
			    &r->backoff_ms)) != 0 ||
	    (rc = runsigned(err, origin, o, "restart", "max_backoff_ms", 100,
			    RECOVERY_LIMIT_BACKOFF_MS, &r->max_backoff_ms)) != 0 ||
	    (rc = runsigned(err, origin, o, "restart", "max_attempts", 1, 100, &r->max_attempts)) !=
		0)
		return rc;
	if (r->max_backoff_ms < r->backoff_ms)
		return rerr(err, origin, "restart.max_backoff_ms must be at least backoff_ms");
	return 0;
}

/* "usage_limit": {"continue", "spread_ms", "verify_ms"}. */
static int
rlimit(struct buf *err, const char *origin, json_t *o, struct profile_recovery *r)
{
	static const char *const keys[] = {"continue", "spread_ms", "verify_ms", "dismiss", NULL};
	static const char *const dkeys[] = {"rule", "key", NULL};
	json_t *t = json_object_get(o, "continue"), *d = json_object_get(o, "dismiss");
	const char *s, *rule, *key;

	if (!json_is_object(o))
		return rerr(err, origin, "\"usage_limit\" must be an object");
	if (rkeys(err, origin, o, "usage_limit", keys) != 0)
		return CM_EINVAL;
	s = json_string_value(t);
	if (t == NULL || s == NULL || json_string_length(t) != strlen(s) || s[0] == '\0' ||
	    strlen(s) > RECOVERY_CONTINUE_MAX || strpbrk(s, "\r\n\x1b") != NULL)
		return rerr(err, origin, "usage_limit.continue must be one line of 1 to %d bytes",
			    RECOVERY_CONTINUE_MAX);
	r->continue_text = xstrdup(s);
	if (d != NULL) {
		if (!json_is_object(d) || rkeys(err, origin, d, "usage_limit.dismiss", dkeys) != 0)
			return rerr(err, origin, "usage_limit.dismiss must be {\"rule\", \"key\"}");
		rule = json_string_value(json_object_get(d, "rule"));
		key = json_string_value(json_object_get(d, "key"));
		if (rule == NULL || strlen(rule) > 32 || key == NULL || !keys_name_valid(key) ||
		    strlen(key) >= sizeof r->dismiss_key)
			return rerr(err, origin,
				    "usage_limit.dismiss needs a rule name and a key name "
				    "(send_keys' names)");
		r->dismiss_rule = xstrdup(rule);
		snprintf(r->dismiss_key, sizeof r->dismiss_key, "%s", key);
	}
	if (runsigned(err, origin, o, "usage_limit", "spread_ms", 0, 3600000, &r->spread_ms) != 0 ||
	    runsigned(err, origin, o, "usage_limit", "verify_ms", 1000, 600000, &r->verify_ms) != 0)
		return CM_EINVAL;
	return 0;
}

/* Parses the three sections. */
int
recovery_parse(json_t *root, const char *origin, struct profile_recovery **out, struct buf *err)
{
	struct profile_recovery *r = xcalloc(1, sizeof *r);
	json_t *v;
	int rc = 0;

	r->backoff_ms = RECOVERY_BACKOFF_MS;
	r->max_backoff_ms = RECOVERY_MAX_BACKOFF_MS;
	r->max_attempts = RECOVERY_MAX_ATTEMPTS;
	r->spread_ms = RECOVERY_SPREAD_MS;
	r->verify_ms = RECOVERY_VERIFY_MS;
	if ((v = json_object_get(root, "resume")) != NULL)
		rc = rresume(err, origin, v, r);
	if (rc == 0 && (v = json_object_get(root, "restart")) != NULL)
		rc = rrestart(err, origin, v, r);
	if (rc == 0 && (v = json_object_get(root, "usage_limit")) != NULL)
		rc = rlimit(err, origin, v, r);
	if (rc != 0) {
		recovery_free(r);
		*out = NULL;
		return rc;
	}
	*out = r;
	return 0;
}

/* Frees a heap vector of strings. */
static void
rvec_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Frees one regex. */
static void
rregex_free(struct profile_regex *re)
{
	if (re == NULL)
		return;
	profile_regex_release(re);
	free(re);
}

void
recovery_free(struct profile_recovery *r)
{
	if (r == NULL)
		return;
	rvec_free(r->start_args);
	rvec_free(r->resume_args);
	rregex_free(r->id_file);
	rregex_free(r->id_screen);
	free(r->continue_text);
	free(r->dismiss_rule);
	free(r);
}

static const char *const policy_names[] = {"never", "on-failure", "always"};

int
restart_policy_parse(const char *name)
{
	for (int i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, policy_names[i]) == 0)
			return i;
	return -1;
}

const char *
restart_policy_name(enum restart_policy p)
{
	return (unsigned)p < 3 ? policy_names[p] : "never";
}

char *
recovery_arg(const char *arg, const char *id)
{
	const char *at = strstr(arg, "{id}");

	if (at == NULL)
		return xstrdup(arg);
	return xasprintf("%.*s%s%s", (int)(at - arg), arg, id, at + 4);
}

/* base, then args with the one "{id}" replaced. */
char **
recovery_argv(char *const *base, size_t n_base, char *const *args, size_t n_args, const char *id)
{
	char **v = xcalloc(n_base + n_args + 1, sizeof(char *));
	size_t n = 0;

	for (size_t i = 0; i < n_base; i++)
		v[n++] = xstrdup(base[i]);
	for (size_t i = 0; i < n_args; i++)
		v[n++] = recovery_arg(args[i], id);
	return v;
}

/* [A-Za-z0-9._-], 1..RECOVERY_ID_MAX bytes, not starting with '-'. */
int
recovery_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0' || id[0] == '-')
		return 0;
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (i >= RECOVERY_ID_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
