/*
 * message: JSON framing of protocol v1 (docs/PROTOCOL.md), shared by the
 * agent and libcm.
 *
 * Decoding is strict: one JSON object per frame, duplicate keys refused.
 * Encoding is compact, with reals printed to 15 significant digits so that
 * timestamps look like the seed's (1770795650.123). Every text that came
 * from outside (screens, tasks) must go through utf8_repair before it is put
 * in a message, because jansson refuses invalid UTF-8.
 */
#ifndef CM_PROTO_MESSAGE_H
#define CM_PROTO_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

#include "common/buf.h"
#include "proto/protocol.h" /* PROTO_VERSION and the rest of the table */

#define MESSAGE_ID_MAX PROTO_ID_MAX /* longest string "id" a request may carry */

/*
 * Parses one frame into a JSON object (new reference in *out). Returns
 * CM_EBADJSON (with the parser's reason in why) or CM_ENOTOBJECT.
 */
int message_decode(const char *data, size_t len, json_t **out, struct buf *why);
/* Serialises obj compactly; caller frees. */
char *message_encode(const json_t *obj, size_t *lenp);
/* Checks a request's "id": absent, an integer, or a short string. */
int message_id_valid(const json_t *id);
/* New reply {"type": type} carrying id (borrowed; may be NULL). */
json_t *message_reply(const char *type, const json_t *id);
/*
 * New error reply {"type":"error","code","message"[,"action"][,"id"]}.
 * detail, when given, replaces the generic text of code.
 */
json_t *message_error(int code, const char *detail, const char *action, const json_t *id);
/* Sets key to a string made valid UTF-8 from s[0..len). */
void message_set_text(json_t *obj, const char *key, const char *s, size_t len);
/* Sets key to the string s (must already be valid UTF-8), or null if s is NULL. */
void message_set_str(json_t *obj, const char *key, const char *s);

#endif
