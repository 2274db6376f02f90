/*
 * protocol: protocol v1 as C, from the one table src/proto/protocol.def.
 *
 * Enums for requests (PROTO_REQ_*), replies, events and pushed messages
 * (PROTO_MSG_*), nested objects (PROTO_OBJ_*), and wire error codes
 * (PROTO_ERR_*, whose values are the src/common/err.h codes they are:
 * PROTO_ERR_BUSY == CM_EBUSY, so either may be passed where the other is
 * expected); the protocol's numbers (PROTO_VERSION, PROTO_DEFAULT_PORT,
 * PROTO_TASK_MAX...); name tables; and a validator that checks a JSON object
 * against its message's fields. Session states stay enum cm_state
 * (state.h), which is generated from the same table.
 */
#ifndef CM_PROTO_PROTOCOL_H
#define CM_PROTO_PROTOCOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/* The protocol's numbers. */
enum proto_const {
#define PROTO_CONST(sym, value, doc) PROTO_##sym = (value),
#include "proto/protocol.def"
};

/* Every message and nested object, one enum so that fields can name their owner. */
enum proto_msg {
#define PROTO_REQUEST(sym, action, reply, doc) PROTO_REQ_##sym,
#define PROTO_MESSAGE(sym, type, kind, doc)    PROTO_MSG_##sym,
#define PROTO_OBJECT(sym, name, doc)	       PROTO_OBJ_##sym,
#include "proto/protocol.def"
	PROTO_MSG__COUNT,
	PROTO_OBJ_NONE = -1 /* a field without a shape */
};

/* What a message is. */
enum proto_kind {
	PROTO_KIND_REQUEST = 1, /* {"action": ...} from a client */
	PROTO_KIND_REPLY = 2,	/* the answer to a request */
	PROTO_KIND_EVENT = 4,	/* seq'd, sent to every client */
	PROTO_KIND_REPLY_EVENT = PROTO_KIND_REPLY | PROTO_KIND_EVENT, /* both */
	PROTO_KIND_PUSHED = 8,	/* to one client, without a request or seq */
	PROTO_KIND_OBJECT = 16, /* nested in a field */
};

/* JSON type of a field. */
enum proto_type {
	PROTO_T_STRING,
	PROTO_T_INT,
	PROTO_T_NUMBER, /* integer or real */
	PROTO_T_BOOL,
	PROTO_T_OBJECT,
	PROTO_T_ARRAY,
	PROTO_T_STATE, /* a string naming a session state */
	PROTO_T_ERROR, /* a string naming a wire error code */
};

/* Whether a field must be there. */
enum proto_need {
	PROTO_OPTIONAL,
	PROTO_REQUIRED,
	PROTO_NULLABLE, /* present, a value of its type or null */
};

/* Wire error codes; each value is its src/common/err.h code. */
enum proto_error {
#define PROTO_ERROR(sym, name, code, text) PROTO_ERR_##sym = (code),
#include "proto/protocol.def"
};

/* One row of the table: a message or an object. */
struct proto_msg_info {
	enum proto_msg msg;   /* its enum value */
	enum proto_kind kind; /* request, reply, event... */
	const char *name;     /* "action" of a request, "type" of a message, or object name */
	enum proto_msg reply; /* a request's reply on success, else PROTO_OBJ_NONE */
	const char *doc;      /* what it is */
};

/* One field of a message or object. */
struct proto_field {
	enum proto_msg owner; /* the message or object it belongs to */
	const char *name;     /* its key */
	enum proto_type type; /* its JSON type */
	enum proto_need need; /* required, optional, nullable */
	enum proto_msg shape; /* object or array element shape, or PROTO_OBJ_NONE */
	int64_t min, max;     /* limits; see protocol.def */
};

/* One wire error code. */
struct proto_error_info {
	enum proto_error code; /* its value (a CM_E* code) */
	const char *name;      /* wire name ("busy") */
	const char *text;      /* default message */
};

/* One session state. */
struct proto_state_info {
	int state;	  /* its enum cm_state value */
	const char *name; /* wire name */
	const char *doc;  /* what it means */
};

/* One protocol number. */
struct proto_const_info {
	const char *name; /* "VERSION" */
	long value;	  /* 1 */
	const char *doc;  /* what it is */
};

extern const struct proto_msg_info proto_msgs[PROTO_MSG__COUNT];
extern const struct proto_field proto_fields[];
extern const size_t proto_nfields;
extern const struct proto_error_info proto_errors[];
extern const size_t proto_nerrors;
extern const struct proto_state_info proto_states[];
extern const size_t proto_nstates;
extern const struct proto_const_info proto_consts[];
extern const size_t proto_nconsts;

/* The row of msg, or NULL if out of range. */
const struct proto_msg_info *proto_msg_info(enum proto_msg msg);
/* Wire name of msg ("create_session", "session_created"), or NULL. */
const char *proto_msg_name(enum proto_msg msg);
/* The request whose action is name; -1 if none. */
int proto_action_parse(const char *name);
/* The reply/event/pushed message whose type is name; -1 if none. */
int proto_type_parse(const char *name);
/* True if type (may be NULL) is the "type" of message m. */
int proto_type_is(const char *type, enum proto_msg m);
/* Wire name of a wire error code ("busy"), or NULL if code is not one. */
const char *proto_error_name(int code);
/* Default message of a wire error code, or NULL if code is not one. */
const char *proto_error_text(int code);
/* The wire error code named name; 0 if none. */
int proto_error_parse(const char *name);
/* JSON type name of t ("string", "integer"...). */
const char *proto_type_name(enum proto_type t);

/*
 * Which message obj is: {"auth_token"} is PROTO_REQ_AUTH, {"action"} a
 * request, {"type"} a reply or event. -1 (with why) if none.
 */
int proto_classify(const json_t *obj, struct buf *why);

/* Validation options. */
#define PROTO_CHECK_LIMITS 1 /* also the ranges the agent enforces */

/*
 * Checks obj against the fields of msg: every required field present, every
 * field known and of its type, nested objects by their shape, and with
 * PROTO_CHECK_LIMITS every range. "action"/"type" and "id" are allowed
 * where they belong. Returns 0, or CM_EBADREQUEST with the first problem in
 * why (which may be NULL).
 */
int proto_validate(enum proto_msg msg, const json_t *obj, int flags, struct buf *why);
/* proto_classify, then proto_validate. */
int proto_validate_any(const json_t *obj, int flags, struct buf *why);

#endif
