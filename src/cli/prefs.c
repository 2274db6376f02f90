/*

 * prefs: load and strictly validate config.json (see config.h).
 *
 * jansson keeps no positions of values, so the line of a key named in a
 * message is found again in the text: the first string token equal to the
 * key and followed by ':' after its section's key. That is exact for every
 * file jansson accepted with JSON_REJECT_DUPLICATES, except when the same
 * key appears in an earlier section too, where the line may point at that
 * one; the message always names the key's full path, which is exact.
 */
#include "prefs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"
#include "proto/names.h"

/* The actions `cm mcp` knows, in bit order. */
static const char *const prefs_actions[] = {"read", "start", "send", "confirm", "kill", NULL};

/* Fills buf with the path of config.json. */
int
prefs_path(char *buf, size_t n)
{
	const char *over = getenv("CM_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME"),
		   *home = getenv("HOME");
	int r;

	if (over && *over)
		r = snprintf(buf, n, "%s", over);
	else if (xdg && *xdg == '/')
		r = snprintf(buf, n, "%s/cm/config.json", xdg);
	else if (home && *home)
		r = snprintf(buf, n, "%s/.config/cm/config.json", home);
	else
		return CM_ENOENT;
	return r < 0 || (size_t)r >= n ? CM_ETOOBIG : 0;
}

/* The action bit of a name. */
int
prefs_action_parse(const char *name)
{
	for (int i = 0; name && prefs_actions[i]; i++)
		if (!strcmp(name, prefs_actions[i]))
			return 1 << i;
	return 0;
}

/* The name of an action bit. */
const char *
prefs_action_name(int bit)
{
	for (int i = 0; prefs_actions[i]; i++)
		if (bit == 1 << i)
			return prefs_actions[i];
	return "?";
}

/*
 * Finds the offset of the ':' after the key token "key" (from a point
 * outside any string), or -1.
 * Strings are skipped whole (escapes included) so that a key's text inside
 * a value is not taken for the key.
 */
static long
prefs_find_key(const char *text, size_t len, size_t from, const char *key)
{
	size_t kl = strlen(key), i = from, start, j;

	while (i < len) {
		if (text[i] != '"') {
			i++;
			continue;
		}
		start = ++i;
		while (i < len && text[i] != '"')
			i += text[i] == '\\' ? 2 : 1;
		if (i >= len)
			return -1;
		j = i + 1;
		while (j < len &&
		       (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
			j++;
		if (j < len && text[j] == ':' && i - start == kl && !memcmp(text + start, key, kl))
			return (long)j; /* past the key: a later search starts outside any string */
		i++;
	}
	return -1;
}

/* The 1-based line of section.key (section NULL: top level) in the text, or 0. */
static int
prefs_key_line(const char *text, size_t len, const char *section, const char *key)
{
	long at = 0;
	int line = 1;

	if (section && (at = prefs_find_key(text, len, 0, section)) < 0)
		return 0;
	if ((at = prefs_find_key(text, len, (size_t)at, key)) < 0)
		return 0;
	for (long i = 0; i < at; i++)
		line += text[i] == '\n';
	return line;
}

/* What the parse is working on, for messages. */
struct prefs_parse {
	const char *path; /* the file, in messages */
	const char *text; /* its text, for lines */
	size_t len;	  /* bytes of text */
	char *err;	  /* message buffer */
	size_t n;	  /* its size */
};

/* Writes "FILE: line L: SECTION.KEY: why" and returns CM_EINVAL. */
static int
prefs_fail(struct prefs_parse *p, const char *section, const char *key, const char *why)
{
	int line = key ? prefs_key_line(p->text, p->len, section, key) : 0;
	char where[160];

	snprintf(where, sizeof(where), "%s%s%s", section ? section : "", section && key ? "." : "",
		 key ? key : "");
	if (line)
		snprintf(p->err, p->n, "%s: line %d: %s: %s", p->path, line, where, why);
	else
		snprintf(p->err, p->n, "%s: %s: %s", p->path, where, why);
	return CM_EINVAL;
}

/* Refuses any key of obj not in known (NULL-terminated). */
static int
prefs_known_keys(struct prefs_parse *p, const json_t *obj, const char *section,
		 const char *const *known)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)obj, key, v) {
		int ok = 0;
		for (size_t i = 0; known[i]; i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			char why[256], shown[64];
			size_t k = 0;
			/* The key is the file's text: keep the message printable. */
			for (const char *s = key; *s && k < sizeof(shown) - 1; s++)
				shown[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
			shown[k] = '\0';
			snprintf(why, sizeof(why), "unknown key \"%s\"%s", shown,
				 section && !strcmp(section, "notifications")
				     ? " (no notification setting exists yet)"
				     : "");
			return prefs_fail(p, section, key, why);
		}
	}
	(void)v;
	return 0;
}

/* Reads a name (a context or pool name rule) into *out. */
static int
prefs_name(struct prefs_parse *p, const json_t *obj, const char *section, const char *key,
	   char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || !names_context_valid(json_string_value(v)))
		return prefs_fail(p, section, key,
				  "must be a name (1-64 of A-Z a-z 0-9 . _ -, starting with a "
				  "letter or digit)");
	free(*out);
	*out = xstrdup(json_string_value(v));
	return 0;
}

/* Parses "defaults". */
static int
prefs_defaults(struct prefs_parse *p, struct prefs *cfg, const json_t *d)
{
	static const char *const known[] = {"context", "pool", "autoConfirm", NULL};
	json_t *v;
	int rc;

	if (!json_is_object(d))
		return prefs_fail(p, NULL, "defaults", "must be an object");
	if ((rc = prefs_known_keys(p, d, "defaults", known)) < 0 ||
	    (rc = prefs_name(p, d, "defaults", "context", &cfg->context)) < 0 ||
	    (rc = prefs_name(p, d, "defaults", "pool", &cfg->pool)) < 0)
		return rc;
	if ((v = json_object_get(d, "autoConfirm"))) {
		if (!json_is_boolean(v))
			return prefs_fail(p, "defaults", "autoConfirm", "must be true or false");
		cfg->auto_confirm = json_is_true(v);
	}
	return 0;
}

/* Parses "mcp". */
static int
prefs_mcp(struct prefs_parse *p, struct prefs *cfg, const json_t *m)
{
	static const char *const known[] = {"contexts", "actions", NULL};
	json_t *v, *e;
	size_t i;
	int rc;

	if (!json_is_object(m))
		return prefs_fail(p, NULL, "mcp", "must be an object");
	if ((rc = prefs_known_keys(p, m, "mcp", known)) < 0)
		return rc;
	if ((v = json_object_get(m, "contexts"))) {
		if (!json_is_array(v) || json_array_size(v) > PREFS_LIST_MAX)
			return prefs_fail(p, "mcp", "contexts",
					  "must be a list of at most 64 context names");
		json_array_foreach (v, i, e) {
			if (!json_is_string(e) || !names_context_valid(json_string_value(e)))
				return prefs_fail(p, "mcp", "contexts",
						  "every entry must be a context name");
			cfg->mcp_contexts[cfg->n_mcp_contexts++] = xstrdup(json_string_value(e));
		}
		cfg->mcp_contexts_set = 1;
	}
	if ((v = json_object_get(m, "actions"))) {
		if (!json_is_array(v) || json_array_size(v) > PREFS_LIST_MAX)
			return prefs_fail(p, "mcp", "actions", "must be a list of actions");
		cfg->mcp_actions = 0;
		json_array_foreach (v, i, e) {
			int bit = prefs_action_parse(json_string_value(e));
			if (!bit)
				return prefs_fail(p, "mcp", "actions",
						  "every entry must be one of read, start, send, "
						  "confirm, kill");
			cfg->mcp_actions |= bit;
		}
	}
	return 0;
}

/* Sets the defaults of a file that says nothing. */
static void
prefs_init(struct prefs *cfg, const char *path)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(path);
	cfg->auto_confirm = -1;
	cfg->mcp_actions = PREFS_ACT_READ;
}

/* Parses the text of a config file. */
int
prefs_parse(struct prefs *cfg, const char *path, const char *text, size_t len, char *err, size_t n)
{
	static const char *const known[] = {"version", "defaults", "mcp", "notifications", NULL};
	struct prefs_parse p = {path, text, len, err, n};
	json_error_t jerr;
	json_t *doc, *v;
	int rc;

	prefs_init(cfg, path);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, n, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return CM_EBADJSON;
	}
	if (!json_is_object(doc)) {
		snprintf(err, n, "%s: must hold a JSON object", path);
		rc = CM_EINVAL;
		goto out;
	}
	if ((rc = prefs_known_keys(&p, doc, NULL, known)) < 0)
		goto out;
	v = json_object_get(doc, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 1)) {
		rc = prefs_fail(&p, NULL, "version", "must be 1");
		goto out;
	}
	if ((v = json_object_get(doc, "defaults")) && (rc = prefs_defaults(&p, cfg, v)) < 0)
		goto out;
	if ((v = json_object_get(doc, "mcp")) && (rc = prefs_mcp(&p, cfg, v)) < 0)
		goto out;
	if ((v = json_object_get(doc, "notifications"))) {
		static const char *const none[] = {NULL};
		if (!json_is_object(v))
			rc = prefs_fail(&p, NULL, "notifications", "must be an object");
		else
			rc = prefs_known_keys(&p, v, "notifications", none);
	}
out:
	json_decref(doc);
	return rc;
}

/* Loads the file. */
int
prefs_load(struct prefs *cfg, const char *path, char *err, size_t n)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	rc = fs_read_file(path, PREFS_FILE_MAX, &data, &len);
	if (rc < 0) {
		prefs_init(cfg, path);
		if (rc == CM_ENOENT)
			return 0;
		snprintf(err, n, "%s: cannot read: %s", path,
			 rc == CM_ETOOBIG ? "larger than 256 KiB" : strerror(errno));
		return rc;
	}
	rc = prefs_parse(cfg, path, data, len, err, n);
	cfg->exists = 1;
	free(data);
	return rc;
}

/* Frees the strings. */
void
prefs_release(struct prefs *cfg)
{
	free(cfg->path);
	free(cfg->context);
	free(cfg->pool);
	for (size_t i = 0; i < cfg->n_mcp_contexts; i++)
		free(cfg->mcp_contexts[i]);
	memset(cfg, 0, sizeof(*cfg));
}

/* True if mcp may use the context. */
int
prefs_mcp_context_allowed(const struct prefs *cfg, const char *name)
{
	if (!cfg->mcp_contexts_set)
		return 1;
	for (size_t i = 0; i < cfg->n_mcp_contexts; i++)
		if (!strcmp(cfg->mcp_contexts[i], name))
			return 1;
	return 0;
}
