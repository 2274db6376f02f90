/*
 * protocol: the tables of protocol.def and the validator (see protocol.h).
 *
 * The validator walks the flat field table for the message's fields; with
 * fewer than 300 rows that is cheaper to read than an index and fast enough
 * for every frame libcm sends and every example of the documentation.
 */
#include "proto/protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/state.h"

#define PROTO_KIND_OF_REPLY	  PROTO_KIND_REPLY
#define PROTO_KIND_OF_EVENT	  PROTO_KIND_EVENT
#define PROTO_KIND_OF_REPLY_EVENT PROTO_KIND_REPLY_EVENT
#define PROTO_KIND_OF_PUSHED	  PROTO_KIND_PUSHED

const struct proto_msg_info proto_msgs[PROTO_MSG__COUNT] = {
#define PROTO_REQUEST(sym, action, reply, doc)                                                     \
	[PROTO_REQ_##sym] = {PROTO_REQ_##sym, PROTO_KIND_REQUEST, action, PROTO_MSG_##reply, doc},
#define PROTO_MESSAGE(sym, type, kind, doc)                                                        \
	[PROTO_MSG_##sym] = {PROTO_MSG_##sym, PROTO_KIND_OF_##kind, type, PROTO_OBJ_NONE, doc},
#define PROTO_OBJECT(sym, name, doc)                                                               \
	[PROTO_OBJ_##sym] = {PROTO_OBJ_##sym, PROTO_KIND_OBJECT, name, PROTO_OBJ_NONE, doc},
#include "proto/protocol.def"
};

const struct proto_field proto_fields[] = {
#define PROTO_FIELD(owner, name, type, need, obj, min, max)                                        \
	{PROTO_##owner, name, PROTO_T_##type, PROTO_##need, PROTO_OBJ_##obj, (min), (max)},
#include "proto/protocol.def"
};
const size_t proto_nfields = sizeof proto_fields / sizeof proto_fields[0];

const struct proto_error_info proto_errors[] = {
#define PROTO_ERROR(sym, name, code, text) {PROTO_ERR_##sym, name, text},
#include "proto/protocol.def"
};
const size_t proto_nerrors = sizeof proto_errors / sizeof proto_errors[0];

const struct proto_state_info proto_states[] = {
#define PROTO_STATE(sym, name, doc) {CM_STATE_##sym, name, doc},
#include "proto/protocol.def"
};
const size_t proto_nstates = sizeof proto_states / sizeof proto_states[0];

const struct proto_const_info proto_consts[] = {
#define PROTO_CONST(sym, value, doc) {#sym, (value), doc},
#include "proto/protocol.def"
};
const size_t proto_nconsts = sizeof proto_consts / sizeof proto_consts[0];

/* Returns the row of msg. */
const struct proto_msg_info *
proto_msg_info(enum proto_msg msg)
{
	if ((int)msg < 0 || msg >= PROTO_MSG__COUNT)
		return NULL;
	return &proto_msgs[msg];
}

/* Returns the wire name of msg. */
const char *
proto_msg_name(enum proto_msg msg)
{
	const struct proto_msg_info *m = proto_msg_info(msg);

	return m ? m->name : NULL;
}

/* Finds a message by name among the kinds in mask. */
static int
proto_find(const char *name, int mask)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < PROTO_MSG__COUNT; i++)
		if ((proto_msgs[i].kind & mask) && strcmp(proto_msgs[i].name, name) == 0)
			return i;
	return -1;
}

/* Parses an action name. */
int
proto_action_parse(const char *name)
{
	return proto_find(name, PROTO_KIND_REQUEST);
}

/* Parses a type name. */
int
proto_type_parse(const char *name)
{
	return proto_find(name, PROTO_KIND_REPLY | PROTO_KIND_EVENT | PROTO_KIND_PUSHED);
}

/* Tells whether type names m. */
int
proto_type_is(const char *type, enum proto_msg m)
{
	const char *name = proto_msg_name(m);

	return type != NULL && name != NULL && strcmp(type, name) == 0;
}

/* Finds the row of a wire error code. */
static const struct proto_error_info *
proto_error_find(int code)
{
	for (size_t i = 0; i < proto_nerrors; i++)
		if ((int)proto_errors[i].code == code)
			return &proto_errors[i];
	return NULL;
}

/* Returns the wire name of code. */
const char *
proto_error_name(int code)
{
	const struct proto_error_info *e = proto_error_find(code);

	return e ? e->name : NULL;
}

/* Returns the default message of code. */
const char *
proto_error_text(int code)
{
	const struct proto_error_info *e = proto_error_find(code);

	return e ? e->text : NULL;
}

/* Parses a wire error code name. */
int
proto_error_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < proto_nerrors; i++)
		if (strcmp(proto_errors[i].name, name) == 0)
			return proto_errors[i].code;
	return 0;
}

/* Returns the JSON name of a field type. */
const char *
proto_type_name(enum proto_type t)
{
	switch (t) {
	case PROTO_T_STRING:
		return "string";
	case PROTO_T_INT:
		return "integer";
	case PROTO_T_NUMBER:
		return "number";
	case PROTO_T_BOOL:
		return "boolean";
	case PROTO_T_OBJECT:
		return "object";
	case PROTO_T_ARRAY:
		return "array";
	case PROTO_T_STATE:
		return "state";
	case PROTO_T_ERROR:
		return "error code";
	}
	return "?";
}

/* Records a problem; always returns CM_EBADREQUEST. */
static int proto_bad(struct buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
proto_bad(struct buf *why, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(line, sizeof line, fmt, ap);
		va_end(ap);
		buf_reset(why);
		buf_printf(why, "%s", line);
	}
	return CM_EBADREQUEST;
}

/* Classifies a message by its keys. */
int
proto_classify(const json_t *obj, struct buf *why)
{
	const json_t *action, *type;
	int m;

	if (!json_is_object(obj)) {
		proto_bad(why, "not an object");
		return -1;
	}
	if (json_object_get(obj, "auth_token") != NULL)
		return PROTO_REQ_AUTH;
	action = json_object_get(obj, "action");
	type = json_object_get(obj, "type");
	/* A type first: an error reply names the failed request in its "action". */
	if (type != NULL) {
		if ((m = proto_type_parse(json_string_value(type))) < 0) {
			proto_bad(why, "unknown type \"%s\"",
				  json_is_string(type) ? json_string_value(type) : "?");
			return -1;
		}
		return m;
	}
	if (action != NULL) {
		if ((m = proto_action_parse(json_string_value(action))) < 0 ||
		    m == PROTO_REQ_AUTH) {
			proto_bad(why, "unknown action \"%s\"",
				  json_is_string(action) ? json_string_value(action) : "?");
			return -1;
		}
		return m;
	}
	proto_bad(why, "neither \"action\", \"type\" nor \"auth_token\"");
	return -1;
}

/* Checks a request or reply id. */
static int
proto_id_ok(const json_t *id)
{
	return json_is_integer(id) ||
	       (json_is_string(id) && json_string_length(id) <= (size_t)PROTO_ID_MAX);
}

/* True if v has the JSON type of t. */
static int
proto_type_ok(enum proto_type t, const json_t *v)
{
	switch (t) {
	case PROTO_T_STRING:
		return json_is_string(v);
	case PROTO_T_INT:
		return json_is_integer(v);
	case PROTO_T_NUMBER:
		return json_is_number(v);
	case PROTO_T_BOOL:
		return json_is_boolean(v);
	case PROTO_T_OBJECT:
		return json_is_object(v);
	case PROTO_T_ARRAY:
		return json_is_array(v);
	case PROTO_T_STATE:
		return json_is_string(v) && cm_state_parse(json_string_value(v)) >= 0;
	case PROTO_T_ERROR:
		return json_is_string(v) && proto_error_parse(json_string_value(v)) != 0;
	}
	return 0;
}

/* Checks v against f's range. */
static int
proto_limits_ok(const struct proto_field *f, const json_t *v)
{
	int64_t n;

	if (f->min == 0 && f->max == 0)
		return 1;
	if (json_is_string(v))
		n = (int64_t)json_string_length(v);
	else if (json_is_integer(v))
		n = json_integer_value(v);
	else
		return 1;
	return n >= f->min && (f->max == 0 || n <= f->max);
}

static int proto_check(enum proto_msg msg, const json_t *obj, int flags, struct buf *why,
		       int depth);

/*
 * A nested object's field problem ("\"path\" must be a string") names its
 * parent ("\"context.path\" must be a string"). Returns CM_EBADREQUEST.
 */
static int
proto_nested(struct buf *why, const char *parent)
{
	char line[256];

	if (why != NULL && why->data != NULL && why->data[0] == '"') {
		snprintf(line, sizeof line, "\"%s.%s", parent, why->data + 1);
		buf_reset(why);
		buf_printf(why, "%s", line);
	}
	return CM_EBADREQUEST;
}

/* Checks one field's value. */
static int
proto_check_field(const struct proto_field *f, const json_t *v, int flags, struct buf *why,
		  int depth)
{
	size_t i;
	json_t *el;

	if (json_is_null(v) && f->need == PROTO_NULLABLE)
		return 0;
	if (!proto_type_ok(f->type, v))
		return proto_bad(why, "\"%s\" must be %s %s", f->name,
				 strchr("aeiou", proto_type_name(f->type)[0]) ? "an" : "a",
				 proto_type_name(f->type));
	if ((flags & PROTO_CHECK_LIMITS) && !proto_limits_ok(f, v)) {
		if (json_is_string(v) && f->min == 1 && f->max == 0)
			return proto_bad(why, "\"%s\" must not be empty", f->name);
		if (f->max == 0 || f->max == INT64_MAX)
			return proto_bad(why, "\"%s\" must be at least %lld%s", f->name,
					 (long long)f->min, json_is_string(v) ? " bytes" : "");
		if (f->min == f->max)
			return proto_bad(why, "\"%s\" must be %lld%s", f->name, (long long)f->min,
					 json_is_string(v) ? " bytes" : "");
		return proto_bad(why, "\"%s\" must be %lld..%lld%s", f->name, (long long)f->min,
				 (long long)f->max, json_is_string(v) ? " bytes" : "");
	}
	if (f->shape == PROTO_OBJ_NONE)
		return 0;
	if (f->type == PROTO_T_OBJECT) {
		if (proto_check(f->shape, v, flags, why, depth + 1) < 0)
			return proto_nested(why, f->name);
		return 0;
	}
	json_array_foreach (v, i, el) {
		if (proto_check(f->shape, el, flags, why, depth + 1) < 0)
			return CM_EBADREQUEST;
	}
	return 0;
}

/* Checks obj against msg's fields. */
static int
proto_check(enum proto_msg msg, const json_t *obj, int flags, struct buf *why, int depth)
{
	const struct proto_msg_info *m = proto_msg_info(msg);
	const char *key;
	json_t *v;
	int rc;

	if (m == NULL)
		return proto_bad(why, "unknown message");
	if (depth > 4)
		return proto_bad(why, "nested too deep");
	if (!json_is_object(obj))
		return proto_bad(why, "%s must be an object", m->name);
	/* Every key known and well typed. */
	json_object_foreach ((json_t *)obj, key, v) {
		const struct proto_field *f = NULL;

		/* Requests and replies may carry an id; events, pushed messages and objects not. */
		if ((m->kind & (PROTO_KIND_REQUEST | PROTO_KIND_REPLY)) && strcmp(key, "id") == 0) {
			if (!proto_id_ok(v))
				return proto_bad(why,
						 "\"id\" must be an integer or a string of at most "
						 "%d bytes",
						 PROTO_ID_MAX);
			continue;
		}
		if (m->kind == PROTO_KIND_REQUEST && msg != PROTO_REQ_AUTH &&
		    !strcmp(key, "action"))
			continue;
		if ((m->kind & (PROTO_KIND_REPLY | PROTO_KIND_EVENT | PROTO_KIND_PUSHED)) &&
		    !strcmp(key, "type"))
			continue;
		for (size_t i = 0; i < proto_nfields; i++)
			if (proto_fields[i].owner == msg && !strcmp(proto_fields[i].name, key)) {
				f = &proto_fields[i];
				break;
			}
		if (f == NULL)
			return proto_bad(why, "%s: unknown field \"%s\"", m->name, key);
		if ((rc = proto_check_field(f, v, flags, why, depth)) < 0)
			return rc;
	}
	/* Every required field there. */
	for (size_t i = 0; i < proto_nfields; i++) {
		const struct proto_field *f = &proto_fields[i];

		if (f->owner == msg && f->need != PROTO_OPTIONAL && !json_object_get(obj, f->name))
			return proto_bad(why, "%s: missing \"%s\"", m->name, f->name);
	}
	return 0;
}

/* Validates obj as msg. */
int
proto_validate(enum proto_msg msg, const json_t *obj, int flags, struct buf *why)
{
	return proto_check(msg, obj, flags, why, 0);
}

/* Classifies and validates. */
int
proto_validate_any(const json_t *obj, int flags, struct buf *why)
{
	int m = proto_classify(obj, why);

	if (m < 0)
		return CM_EBADREQUEST;
	return proto_validate((enum proto_msg)m, obj, flags, why);
}
