/*
 * dest: destinations of notifications, checked (see dest.h).
 */
#include "dest.h"

#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* True if s has a byte below 0x20 or DEL. */
static int
notify_has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Checks an http(s) URL and finds where its host ends; *path gets the
 * offset of the path ('/'), or the length when there is none.
 */
static int
notify_url_check(const char *url, size_t *host_at, size_t *path_at, char *err, size_t n)
{
	size_t len = strlen(url), at, h;

	if (len == 0 || len > NOTIFY_URL_MAX || notify_has_ctrl(url) || strchr(url, ' ')) {
		snprintf(err, n, "not a usable URL (empty, longer than %d bytes, or with spaces)",
			 NOTIFY_URL_MAX);
		return CM_EINVAL;
	}
	if (!strncmp(url, "http://", 7))
		at = 7;
	else if (!strncmp(url, "https://", 8))
		at = 8;
	else {
		snprintf(err, n, "\"%.64s\" is not an http:// or https:// URL", url);
		return CM_EINVAL;
	}
	h = at + strcspn(url + at, "/?#");
	if (h == at || memchr(url + at, '@', h - at)) {
		snprintf(err, n, "\"%.64s\": no host, or credentials in the URL", url);
		return CM_EINVAL;
	}
	*host_at = at;
	*path_at = h;
	return 0;
}

/* "KIND scheme://host" for logs. */
static void
notify_label(struct notify_dest *d, const char *kind, const char *url, size_t host_end)
{
	snprintf(d->label, sizeof(d->label), "%s %.*s", kind,
		 (int)(host_end > 120 ? 120 : host_end), url);
}

/* A webhook. */
int
notify_dest_webhook(struct notify_dest *d, const char *url, char *err, size_t n)
{
	size_t host_at, path_at;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = notify_url_check(url, &host_at, &path_at, err, n)) < 0)
		return rc;
	d->kind = NOTIFY_DEST_WEBHOOK;
	d->url = xstrdup(url);
	notify_label(d, "webhook", url, path_at);
	return 0;
}

/* An ntfy topic URL: the last path segment is the topic. */
int
notify_dest_ntfy(struct notify_dest *d, const char *url, char *err, size_t n)
{
	size_t host_at, path_at, len = strlen(url), i, slash;
	const char *topic;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = notify_url_check(url, &host_at, &path_at, err, n)) < 0)
		return rc;
	while (len > path_at && url[len - 1] == '/')
		len--;
	if (strpbrk(url + path_at, "?#") || len <= path_at) {
		snprintf(err, n,
			 "an ntfy destination is SERVER/TOPIC (\"https://ntfy.sh/mytopic\")");
		return CM_EINVAL;
	}
	for (slash = len; url[slash - 1] != '/'; slash--)
		;
	topic = url + slash;
	if (len - slash == 0 || len - slash > NOTIFY_TOPIC_MAX) {
		snprintf(err, n, "the ntfy topic must be 1 to %d characters", NOTIFY_TOPIC_MAX);
		return CM_EINVAL;
	}
	for (i = 0; i < len - slash; i++)
		if (!((topic[i] >= 'a' && topic[i] <= 'z') ||
		      (topic[i] >= 'A' && topic[i] <= 'Z') ||
		      (topic[i] >= '0' && topic[i] <= '9') || topic[i] == '-' || topic[i] == '_')) {
			snprintf(err, n, "the ntfy topic may hold only letters, digits, - and _");
			return CM_EINVAL;
		}
	d->kind = NOTIFY_DEST_NTFY;
	d->url = xstrndup(url, slash);
	d->topic = xstrndup(topic, len - slash);
	notify_label(d, "ntfy", url, path_at);
	return 0;
}

/* The desktop. */
void
notify_dest_desktop(struct notify_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->kind = NOTIFY_DEST_DESKTOP;
	snprintf(d->label, sizeof(d->label), "desktop");
}

/* A program. */
int
notify_dest_exec(struct notify_dest *d, char *const *argv, size_t argc, char *err, size_t n)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	if (argc == 0 || argc > NOTIFY_ARGV_MAX) {
		snprintf(err, n, "a program to run is 1 to %d words", NOTIFY_ARGV_MAX);
		return CM_EINVAL;
	}
	for (i = 0; i < argc; i++)
		if (!argv[i] || strlen(argv[i]) > 4096 || notify_has_ctrl(argv[i]) ||
		    (i == 0 && !*argv[i])) {
			snprintf(err, n,
				 "word %zu of the program is empty, too long or has control "
				 "characters",
				 i + 1);
			return CM_EINVAL;
		}
	d->kind = NOTIFY_DEST_EXEC;
	d->argv = xcalloc(argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++)
		d->argv[i] = xstrdup(argv[i]);
	snprintf(d->label, sizeof(d->label), "exec %.120s", argv[0]);
	return 0;
}

/* A destination from {"webhook": URL} and the like. */
int
notify_dest_from_json(struct notify_dest *d, const json_t *o, const char *where, char *err,
		      size_t n)
{
	char why[512];
	const char *key;
	json_t *v;
	int rc = CM_EINVAL;

	memset(d, 0, sizeof(*d));
	why[0] = '\0';
	if (!json_is_object(o) || json_object_size(o) != 1) {
		snprintf(err, n,
			 "%s: a destination is one of {\"webhook\": URL}, {\"ntfy\": URL}, "
			 "{\"desktop\": true}, {\"exec\": [PROGRAM, ARG...]}",
			 where);
		return CM_EINVAL;
	}
	json_object_foreach ((json_t *)o, key, v) {
		if (!strcmp(key, "webhook") && json_is_string(v))
			rc = notify_dest_webhook(d, json_string_value(v), why, sizeof(why));
		else if (!strcmp(key, "ntfy") && json_is_string(v))
			rc = notify_dest_ntfy(d, json_string_value(v), why, sizeof(why));
		else if (!strcmp(key, "desktop") && json_is_true(v)) {
			notify_dest_desktop(d);
			rc = 0;
		} else if (!strcmp(key, "exec") && json_is_array(v) && json_array_size(v) > 0 &&
			   json_array_size(v) <= NOTIFY_ARGV_MAX) {
			char *argv[NOTIFY_ARGV_MAX];
			size_t i;
			for (i = 0; i < json_array_size(v); i++)
				if (!(argv[i] = (char *)json_string_value(json_array_get(v, i))))
					break;
			if (i == json_array_size(v))
				rc = notify_dest_exec(d, argv, i, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "\"exec\" must be an array of strings");
		} else
			snprintf(
			    why, sizeof(why),
			    "\"%.32s\" is not a destination (webhook: URL, ntfy: URL, desktop: "
			    "true, exec: [argv])",
			    key);
	}
	if (rc < 0)
		snprintf(err, n, "%s: %s", where, why);
	return rc;
}

/* Frees a destination. */
void
notify_dest_release(struct notify_dest *d)
{
	size_t i;

	free(d->url);
	free(d->topic);
	for (i = 0; d->argv && d->argv[i]; i++)
		free(d->argv[i]);
	free(d->argv);
	memset(d, 0, sizeof(*d));
}
