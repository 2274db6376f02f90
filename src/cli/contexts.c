/*
 * contexts: load, validate and atomically save contexts.json (see contexts.h).
 *
 * Validation is strict about what cm reads (types, ranges, names) and
 * lenient about what it does not (unknown fields are kept), so that a newer
 * cm can add fields without an older one destroying them.
 */
#include "contexts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"
#include "proto/names.h"

#define CONTEXTS_FILE_MAX (4 * 1024 * 1024)
#define TOKEN_MAX	  4096

/* Fills buf with $XDG_CONFIG_HOME/cm/contexts.json or ~/.config/cm/contexts.json. */
int
contexts_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int r;

	if (xdg && *xdg == '/')
		r = snprintf(buf, n, "%s/cm/contexts.json", xdg);
	else if (home && *home)
		r = snprintf(buf, n, "%s/.config/cm/contexts.json", home);
	else
		return CM_ENOENT;
	return r < 0 || (size_t)r >= n ? CM_ETOOBIG : 0;
}

/* True if name is usable as a context name: the rule of src/proto, which the agent shares. */
int
contexts_valid_name(const char *name)
{
	return names_context_valid(name);
}

/* Checks that key, if present, is a non-empty string without control characters. */
static int
contexts_check_string(const json_t *obj, const char *key, const char *where, char *err, size_t n)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !*(s = json_string_value(v))) {
		snprintf(err, n, "%s.%s: must be a non-empty string", where, key);
		return CM_EINVAL;
	}
	for (; *s; s++)
		if ((unsigned char)*s < 0x20) {
			snprintf(err, n, "%s.%s: contains a control character", where, key);
			return CM_EINVAL;
		}
	return 0;
}

/* Checks that key, if present, is an integer in [min, max]. */
static int
contexts_check_int(const json_t *obj, const char *key, long min, long max, const char *where,
		   char *err, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(err, n, "%s.%s: must be an integer from %ld to %ld", where, key, min, max);
		return CM_EINVAL;
	}
	return 0;
}

/* Validates one context object. */
int
contexts_validate(const json_t *obj, const char *where, char *err, size_t n)
{
	static const char *const strs[] = {"id", "path", "pool", NULL};
	static const char *const mstrs[] = {"host",	     "user",	     "authToken",
					    "authTokenFile", "authTokenEnv", "agentSocket",
					    "identityFile",  "sshConfig",    NULL};
	char mwhere[128];
	const char *name, *type;
	json_t *m;
	int i, rc, tokens = 0;

	if (!json_is_object(obj)) {
		snprintf(err, n, "%s: must be an object", where);
		return CM_EINVAL;
	}
	name = json_string_value(json_object_get(obj, "name"));
	if (!contexts_valid_name(name)) {
		snprintf(err, n,
			 "%s.name: missing or invalid (1-%d of A-Z a-z 0-9 . _ -, starting "
			 "with a letter or digit)",
			 where, CTX_NAME_MAX);
		return CM_EINVAL;
	}
	for (i = 0; strs[i]; i++)
		if ((rc = contexts_check_string(obj, strs[i], where, err, n)) < 0)
			return rc;
	m = json_object_get(obj, "machine");
	snprintf(mwhere, sizeof(mwhere), "%s.machine", where);
	if (!json_is_object(m)) {
		snprintf(err, n, "%s: missing or not an object", mwhere);
		return CM_EINVAL;
	}
	type = json_string_value(json_object_get(m, "type"));
	if (!type || (strcmp(type, "agent") && strcmp(type, "local"))) {
		snprintf(err, n, "%s.type: must be \"agent\" or \"local\"", mwhere);
		return CM_EINVAL;
	}
	for (i = 0; mstrs[i]; i++)
		if ((rc = contexts_check_string(m, mstrs[i], mwhere, err, n)) < 0)
			return rc;
	if ((rc = contexts_check_int(m, "agentPort", 1, 65535, mwhere, err, n)) < 0 ||
	    (rc = contexts_check_int(m, "sshPort", 1, 65535, mwhere, err, n)) < 0)
		return rc;
	if (!strcmp(type, "agent") && !json_is_string(json_object_get(m, "host"))) {
		snprintf(err, n, "%s.host: required for type \"agent\"", mwhere);
		return CM_EINVAL;
	}
	tokens = !!json_is_string(json_object_get(m, "authToken")) +
		 !!json_is_string(json_object_get(m, "authTokenFile")) +
		 !!json_is_string(json_object_get(m, "authTokenEnv"));
	if (tokens != 1) {
		snprintf(err, n,
			 "%s: needs exactly one of authToken, authTokenFile, authTokenEnv (has %d)",
			 mwhere, tokens);
		return CM_EINVAL;
	}
	return 0;
}

/* The contexts array of the document. */
static json_t *
contexts_array(const struct contexts *cs)
{
	return json_object_get(cs->root, "contexts");
}

/* Loads and validates the file. */
int
contexts_load(struct contexts *cs, const char *path, char *err, size_t n)
{
	json_error_t jerr;
	char *data = NULL, where[64];
	const char *cur;
	size_t len = 0, i, j;
	json_t *doc, *arr, *c;
	int rc;

	memset(cs, 0, sizeof(*cs));
	cs->path = xstrdup(path);
	rc = fs_read_file(path, CONTEXTS_FILE_MAX, &data, &len);
	if (rc == CM_ENOENT) {
		cs->root = json_pack("{s:i, s:[]}", "version", 1, "contexts");
		return 0;
	}
	if (rc < 0) {
		snprintf(err, n, "%s: cannot read: %s", path,
			 rc == CM_ETOOBIG ? "larger than 4 MiB" : strerror(errno));
		return rc;
	}
	cs->exists = 1;
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	free(data);
	if (!doc) {
		snprintf(err, n, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return CM_EBADJSON;
	}
	if (json_is_array(doc)) {
		/* A bare list of the seed's context objects. */
		cs->root = json_pack("{s:i, s:o}", "version", 1, "contexts", doc);
	} else if (json_is_object(doc)) {
		cs->root = doc;
		if (!json_object_get(doc, "contexts"))
			json_object_set_new(doc, "contexts", json_array());
	} else {
		json_decref(doc);
		snprintf(err, n, "%s: must hold a JSON object with a \"contexts\" list", path);
		return CM_EINVAL;
	}
	arr = contexts_array(cs);
	if (!json_is_array(arr)) {
		snprintf(err, n, "%s: \"contexts\" must be a list", path);
		return CM_EINVAL;
	}
	json_array_foreach (arr, i, c) {
		char inner[512];

		snprintf(where, sizeof(where), "contexts[%zu]", i);
		if ((rc = contexts_validate(c, where, inner, sizeof(inner))) < 0) {
			snprintf(err, n, "%s: %s", path, inner);
			return rc;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(
				json_string_value(json_object_get(json_array_get(arr, j), "name")),
				json_string_value(json_object_get(c, "name")))) {
				snprintf(err, n, "%s: %s: name \"%s\" is used twice", path, where,
					 json_string_value(json_object_get(c, "name")));
				return CM_EINVAL;
			}
	}
	cur = json_string_value(json_object_get(cs->root, "current"));
	if (json_object_get(cs->root, "current") &&
	    !json_is_null(json_object_get(cs->root, "current")) &&
	    (!cur || !contexts_object(cs, cur))) {
		snprintf(err, n, "%s: \"current\" names no context", path);
		return CM_EINVAL;
	}
	return 0;
}

/* Frees the document. */
void
contexts_release(struct contexts *cs)
{
	json_decref(cs->root);
	free(cs->path);
	memset(cs, 0, sizeof(*cs));
}

/* Number of contexts. */
size_t
contexts_count(const struct contexts *cs)
{
	return json_array_size(contexts_array(cs));
}

/* Returns a string field or NULL. */
static const char *
contexts_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Fills a view of a validated context object. */
static void
contexts_view(const json_t *obj, struct ctx *out)
{
	const json_t *m = json_object_get(obj, "machine");
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->id = contexts_str(obj, "id");
	out->name = contexts_str(obj, "name");
	out->path = contexts_str(obj, "path");
	out->pool = contexts_str(obj, "pool");
	out->type = !strcmp(contexts_str(m, "type"), "local") ? CTX_LOCAL : CTX_AGENT;
	out->host = contexts_str(m, "host");
	out->user = contexts_str(m, "user");
	v = json_object_get(m, "agentPort");
	out->agent_port = json_is_integer(v) ? (int)json_integer_value(v) : PROTO_DEFAULT_PORT;
	out->agent_socket = contexts_str(m, "agentSocket");
	out->token = contexts_str(m, "authToken");
	out->token_file = contexts_str(m, "authTokenFile");
	out->token_env = contexts_str(m, "authTokenEnv");
	v = json_object_get(m, "sshPort");
	out->ssh_port = json_is_integer(v) ? (int)json_integer_value(v) : 0;
	out->identity = contexts_str(m, "identityFile");
	out->ssh_config = contexts_str(m, "sshConfig");
}

/* The i-th context. */
int
contexts_at(const struct contexts *cs, size_t i, struct ctx *out, char *err, size_t n)
{
	json_t *obj = json_array_get(contexts_array(cs), i);
	char where[64];
	int rc;

	if (!obj)
		return CM_ENOENT;
	snprintf(where, sizeof(where), "contexts[%zu]", i);
	if ((rc = contexts_validate(obj, where, err, n)) < 0)
		return rc;
	contexts_view(obj, out);
	return 0;
}

/* The JSON object of a context. */
json_t *
contexts_object(const struct contexts *cs, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach (contexts_array(cs), i, c) {
		const char *cn = contexts_str(c, "name");
		if (cn && name && !strcmp(cn, name))
			return c;
	}
	return NULL;
}

/* The named context. */
int
contexts_find(const struct contexts *cs, const char *name, struct ctx *out)
{
	json_t *obj = contexts_object(cs, name);
	char err[256];

	if (!obj)
		return CM_ENOENT;
	if (contexts_validate(obj, "context", err, sizeof(err)) < 0)
		return CM_EINVAL;
	contexts_view(obj, out);
	return 0;
}

/* The current context's name. */
const char *
contexts_current(const struct contexts *cs)
{
	return json_string_value(json_object_get(cs->root, "current"));
}

/* Sets or clears the current context. */
int
contexts_set_current(struct contexts *cs, const char *name)
{
	if (!name) {
		json_object_del(cs->root, "current");
		return 0;
	}
	if (!contexts_object(cs, name))
		return CM_ENOENT;
	json_object_set_new(cs->root, "current", json_string(name));
	return 0;
}

/* Appends a context after validating it. */
int
contexts_add(struct contexts *cs, json_t *obj, char *err, size_t n)
{
	const char *name;
	int rc;

	if ((rc = contexts_validate(obj, "context", err, n)) < 0) {
		json_decref(obj);
		return rc;
	}
	name = contexts_str(obj, "name");
	if (contexts_object(cs, name)) {
		snprintf(err, n, "context \"%s\" already exists (cm ctx rm %s first)", name, name);
		json_decref(obj);
		return CM_EEXIST;
	}
	if (!json_object_get(obj, "id")) {
		char id[CTX_NAME_MAX + 8];
		snprintf(id, sizeof(id), "ctx-%s", name);
		json_object_set_new(obj, "id", json_string(id));
	}
	json_array_append_new(contexts_array(cs), obj);
	return 0;
}

/* Replaces the named context by obj (stolen) after validating it. */
int
contexts_replace(struct contexts *cs, const char *name, json_t *obj, char *err, size_t n)
{
	json_t *arr = contexts_array(cs), *c;
	const char *newname;
	size_t i;
	int rc;

	if ((rc = contexts_validate(obj, "context", err, n)) < 0) {
		json_decref(obj);
		return rc;
	}
	newname = contexts_str(obj, "name");
	json_array_foreach (arr, i, c) {
		if (strcmp(contexts_str(c, "name"), name))
			continue;
		if (strcmp(newname, name) && contexts_object(cs, newname)) {
			snprintf(err, n, "context \"%s\" already exists", newname);
			json_decref(obj);
			return CM_EEXIST;
		}
		/* The array's reference to the old object goes; name may point into it. */
		if (contexts_current(cs) && !strcmp(contexts_current(cs), name))
			json_object_set_new(cs->root, "current", json_string(newname));
		json_array_set_new(arr, i, obj);
		return 0;
	}
	snprintf(err, n, "unknown context \"%s\"", name);
	json_decref(obj);
	return CM_ENOENT;
}

/* Renames a context: its name, its id if it was the default "ctx-OLD", and "current". */
int
contexts_rename(struct contexts *cs, const char *from, const char *to, char *err, size_t n)
{
	json_t *obj = contexts_object(cs, from), *copy;
	char oldid[CTX_NAME_MAX + 8], newid[CTX_NAME_MAX + 8];
	const char *id;

	if (!obj) {
		snprintf(err, n, "unknown context \"%s\" (see cm ctx ls)", from);
		return CM_ENOENT;
	}
	if (!contexts_valid_name(to)) {
		snprintf(err, n,
			 "invalid context name \"%s\" (1-%d of A-Z a-z 0-9 . _ -, starting with a "
			 "letter or digit)",
			 to, CTX_NAME_MAX);
		return CM_EINVAL;
	}
	if (contexts_object(cs, to)) {
		snprintf(err, n, "context \"%s\" already exists", to);
		return CM_EEXIST;
	}
	copy = json_deep_copy(obj);
	snprintf(oldid, sizeof(oldid), "ctx-%s", from);
	snprintf(newid, sizeof(newid), "ctx-%s", to);
	id = contexts_str(copy, "id");
	/* An id the user chose is theirs: only the one cm made follows the name. */
	if (!id || !strcmp(id, oldid))
		json_object_set_new(copy, "id", json_string(newid));
	json_object_set_new(copy, "name", json_string(to));
	return contexts_replace(cs, from, copy, err, n);
}

/* Removes a context (and clears current if it named it). */
int
contexts_remove(struct contexts *cs, const char *name)
{
	json_t *arr = contexts_array(cs), *c;
	const char *cur = contexts_current(cs);
	size_t i;

	json_array_foreach (arr, i, c) {
		if (!strcmp(contexts_str(c, "name"), name)) {
			if (cur && !strcmp(cur, name))
				json_object_del(cs->root, "current");
			json_array_remove(arr, i);
			return 0;
		}
	}
	return CM_ENOENT;
}

/* Writes the file atomically with mode 0600. */
int
contexts_save(const struct contexts *cs, char *err, size_t n)
{
	char *dir, *slash, *text;
	int rc;

	dir = xstrdup(cs->path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if ((rc = fs_mkdirs(dir)) < 0) {
			snprintf(err, n, "%s: cannot create directory: %s", dir, strerror(errno));
			free(dir);
			return rc;
		}
	}
	free(dir);
	text = json_dumps(cs->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		snprintf(err, n, "%s: cannot encode", cs->path);
		return CM_EINTERNAL;
	}
	{
		size_t len = strlen(text);
		char *withnl = xmalloc(len + 2);
		memcpy(withnl, text, len);
		withnl[len] = '\n';
		withnl[len + 1] = '\0';
		free(text);
		rc = fs_write_atomic(cs->path, withnl, len + 1);
		free(withnl);
	}
	if (rc < 0)
		snprintf(err, n, "%s: cannot write: %s", cs->path, cm_strerror(rc));
	return rc;
}

/*
 * Checks that a file cm trusts is the user's to change alone, as sshd's
 * StrictModes does: owned by the user (or root), not writable by group or
 * others, in a directory others cannot write to (unless sticky, as /tmp,
 * where others cannot replace it); a file holding a token is not readable
 * by group or others either. what names it in the message ("token file").
 */
int
contexts_check_file(const char *path, const char *what, int secret, char *err, size_t n)
{
	struct stat st;
	char *dir, *slash;
	uid_t me = geteuid();

	if (stat(path, &st) < 0) {
		snprintf(err, n, "%s %s: %s", what, path, strerror(errno));
		return CM_ENOENT;
	}
	if (st.st_uid != me && st.st_uid != 0) {
		snprintf(err, n, "%s %s is owned by uid %u, not by you (uid %u): run chown %u %s",
			 what, path, (unsigned)st.st_uid, (unsigned)me, (unsigned)me, path);
		return CM_EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, n,
			 "%s %s is writable by group or others (mode %04o): run chmod 600 %s", what,
			 path, (unsigned)(st.st_mode & 07777), path);
		return CM_EPERM;
	}
	if (secret && (st.st_mode & 077)) {
		snprintf(err, n,
			 "%s %s holds a token and is readable by group or others (mode %04o): run "
			 "chmod 600 %s",
			 what, path, (unsigned)(st.st_mode & 07777), path);
		return CM_EPERM;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, n,
			 "%s %s is in a directory others may write to (%s, mode %04o): run chmod "
			 "o-w %s",
			 what, path, dir, (unsigned)(st.st_mode & 07777), dir);
		free(dir);
		return CM_EPERM;
	}
	free(dir);
	return 0;
}

/* True if a context of the file has an inline token. */
int
contexts_holds_token(const struct contexts *cs)
{
	json_t *c;
	size_t i;

	json_array_foreach (contexts_array(cs), i, c)
		if (json_is_string(json_object_get(json_object_get(c, "machine"), "authToken")))
			return 1;
	return 0;
}

/* Trims trailing newlines and spaces from a token read from a file or the environment. */
static void
contexts_trim(char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
		       s[len - 1] == '\t'))
		s[--len] = '\0';
}

/* Resolves the token of a context. */
int
contexts_token(const struct ctx *c, char **token, char *err, size_t n)
{
	size_t len = 0;
	char *data = NULL;
	const char *v;
	int rc;

	*token = NULL;
	if (c->token) {
		*token = xstrdup(c->token);
		return 0;
	}
	if (c->token_env) {
		v = getenv(c->token_env);
		if (!v || !*v) {
			snprintf(err, n,
				 "context %s: environment variable %s (authTokenEnv) is not set",
				 c->name, c->token_env);
			return CM_ENOENT;
		}
		*token = xstrdup(v);
		contexts_trim(*token);
		return 0;
	}
	if (c->token_file) {
		char why[768];
		if ((rc = contexts_check_file(c->token_file, "token file", 1, why, sizeof(why))) <
		    0) {
			snprintf(err, n, "context %s: %s", c->name, why);
			return rc;
		}
		if ((rc = fs_read_file(c->token_file, TOKEN_MAX, &data, &len)) < 0) {
			snprintf(err, n, "context %s: token file %s: %s", c->name, c->token_file,
				 rc == CM_ETOOBIG ? "too large" : strerror(errno));
			return rc;
		}
		contexts_trim(data);
		if (!*data) {
			free(data);
			snprintf(err, n, "context %s: token file %s is empty", c->name,
				 c->token_file);
			return CM_EINVAL;
		}
		*token = data;
		return 0;
	}
	snprintf(err, n, "context %s: no token (authToken, authTokenFile or authTokenEnv)",
		 c->name);
	return CM_EINVAL;
}

/* A copy of a context object with the inline token masked. */
json_t *
contexts_redacted(const json_t *obj)
{
	json_t *copy = json_deep_copy(obj), *m = json_object_get(copy, "machine");

	if (json_is_string(json_object_get(m, "authToken")))
		json_object_set_new(m, "authToken", json_string("***"));
	return copy;
}
