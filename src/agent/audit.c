/*
 * audit: the append-only audit log (see audit.h).
 */
#include "agent/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/transport/agent.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "proto/message.h"

static int audit_fd = -1;

/* Opens the log on first use. */
static int
audit_open(struct agent *a)
{
	if (audit_fd >= 0)
		return 0;
	audit_fd = open(a->cfg.audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (audit_fd < 0) {
		log_error("cannot open audit log %s: %s", a->cfg.audit_log, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes one record with optional extra fields. */
void
audit_write_json(struct agent *a, const char *session, const char *action, json_t *extra)
{
	json_t *o = extra ? json_deep_copy(extra) : json_object();
	char ts[64];
	size_t len;
	char *line;

	if (audit_open(a) < 0) {
		json_decref(o);
		return;
	}
	time_rfc3339(time_wall(), ts);
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "action", json_string(action));
	if (session)
		json_object_set_new(o, "sessionId", json_string(session));
	json_object_del(o, "seq");
	line = message_encode(o, &len);
	json_decref(o);
	line[len] = '\n';
	if (write(audit_fd, line, len + 1) < 0)
		log_error("cannot write the audit log: %s", strerror(errno));
	free(line);
}

/* Writes a record with a text detail. */
void
audit_write(struct agent *a, const char *session, const char *action, const char *detail)
{
	json_t *o = json_object();

	if (detail)
		message_set_str(o, "detail", detail);
	audit_write_json(a, session, action, o);
	json_decref(o);
}

/* Closes the log. */
void
audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}
