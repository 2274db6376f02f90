/*
 * message: strict JSON framing (see message.h).
 */
#include "proto/message.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/utf8.h"
#include "common/xmalloc.h"

/* Parses a frame; only an object is a message. */
int
message_decode(const char *data, size_t len, json_t **out, struct buf *why)
{
	json_error_t jerr;
	json_t *j;

	*out = NULL;
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		if (why)
			buf_printf(why, "%s at line %d column %d", jerr.text, jerr.line,
				   jerr.column);
		return CM_EBADJSON;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return CM_ENOTOBJECT;
	}
	*out = j;
	return 0;
}

/* Serialises an object compactly. */
char *
message_encode(const json_t *obj, size_t *lenp)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));

	if (s == NULL) /* only on allocation failure or invalid UTF-8, both bugs */
		fatalx("cannot encode a message");
	if (lenp)
		*lenp = strlen(s);
	return s;
}

/* Accepts an absent id, any integer, or a string of at most MESSAGE_ID_MAX bytes. */
int
message_id_valid(const json_t *id)
{
	if (id == NULL || json_is_integer(id))
		return 1;
	return json_is_string(id) && json_string_length(id) <= MESSAGE_ID_MAX;
}

/* Builds a reply with a type and the request's id. */
json_t *
message_reply(const char *type, const json_t *id)
{
	json_t *r = json_object();

	json_object_set_new(r, "type", json_string(type));
	if (id != NULL && message_id_valid(id))
		json_object_set(r, "id", (json_t *)id);
	return r;
}

/* Builds an error reply. */
json_t *
message_error(int code, const char *detail, const char *action, const json_t *id)
{
	json_t *r = message_reply("error", id);

	json_object_set_new(r, "code", json_string(cm_errname(code)));
	message_set_text(r, "message", detail ? detail : cm_strerror(code),
			 strlen(detail ? detail : cm_strerror(code)));
	if (action)
		message_set_text(r, "action", action, strlen(action));
	return r;
}

/* Sets a string field from untrusted bytes. */
void
message_set_text(json_t *obj, const char *key, const char *s, size_t len)
{
	char *fixed = utf8_repair(s, len);

	json_object_set_new(obj, key, json_string(fixed));
	free(fixed);
}

/* Sets a string field, or null. */
void
message_set_str(json_t *obj, const char *key, const char *s)
{
	if (s == NULL)
		json_object_set_new(obj, key, json_null());
	else
		message_set_text(obj, key, s, strlen(s));
}
