/*
 * audit: the append-only audit log (see audit.h).
 */
#include "agent/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timeutil.h"
#include "proto/message.h"
#include "proto/protocol.h"

static int audit_fd = -1;

/* Opens the log on first use. */
static int
audit_open(const char *path)
{
	if (audit_fd >= 0)
		return 0;
	audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (audit_fd < 0) {
		log_error("cannot open audit log %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes one record with optional extra fields. */
static void
audit_write_json(const char *path, const char *session, const char *action, const json_t *extra)
{
	json_t *o = extra ? json_deep_copy(extra) : json_object();
	char ts[64];
	size_t len;
	char *line;

	if (audit_open(path) < 0) {
		json_decref(o);
		return;
	}
	time_rfc3339(time_wall(), ts);
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "action", json_string(action));
	if (session)
		json_object_set_new(o, "sessionId", json_string(session));
	/* The record has its own time: the event's seq and timestamp are not kept. */
	json_object_del(o, "seq");
	json_object_del(o, "timestamp");
	line = message_encode(o, &len);
	json_decref(o);
	line[len] = '\n';
	if (write(audit_fd, line, len + 1) < 0)
		log_error("cannot write the audit log: %s", strerror(errno));
	free(line);
}

/* Writes a record with a text detail. */
static void
audit_write(const char *path, const char *session, const char *action, const char *detail)
{
	json_t *o = json_object();

	if (detail)
		message_set_str(o, "detail", detail);
	audit_write_json(path, session, action, o);
	json_decref(o);
}

/* The messages the audit log keeps. */
const int audit_messages[] = {
    PROTO_MSG_SESSION_CREATED,
    PROTO_MSG_SESSION_KILLED,
    PROTO_MSG_CONFIRM_NEEDED,
    PROTO_MSG_AUTO_CONFIRMED,
    PROTO_MSG_PROMPT_ANSWERED,
    SINK_RECORDS,
    SINK_END,
};

/* The audit sink: the events of audit_messages, and the records. */
void
audit_sink(void *arg, const struct event *ev)
{
	const char *path = arg, *type = ev->type ? ev->type : "";

	switch (ev->msg) {
	case PROTO_MSG_SESSION_CREATED:
		audit_write(path, ev->session, type,
			    json_string_value(json_object_get(ev->obj, "tool")));
		break;
	case PROTO_MSG_SESSION_KILLED:
		audit_write(path, ev->session, type, NULL);
		break;
	case PROTO_MSG_CONFIRM_NEEDED:
	case PROTO_MSG_AUTO_CONFIRMED:
	case PROTO_MSG_PROMPT_ANSWERED:
	case SINK_RECORDS:
		audit_write_json(path, ev->session, type, ev->obj);
		break;
	default:
		break;
	}
}

/* Closes the log. */
void
audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}
