/*
 * create_session: validates the tool, task and directory, then starts the
 * session (session.c); the reply comes when tmux has created it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/screen/profile.h"
#include "agent/screen/tools.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/utf8.h"
#include "proto/names.h"

/* Handles {"action":"create_session", "tool", "task", "context": {"path"}, ...}. */
void
req_create_session(struct req *r)
{
	const char *tool = NULL, *task = "", *path = NULL;
	int auto_confirm = r->a->cfg.auto_confirm, cols = 120, rows = 40, rc;
	const struct profile *p;
	char real[PATH_MAX], *why = NULL;
	json_t *context = NULL;
	struct completion done;

	if (req_unpack(r, "{s:s, s?:s, s?:o, s?:b, s?:i, s?:i}", "tool", &tool, "task", &task,
		       "context", &context, "autoConfirm", &auto_confirm, "cols", &cols, "rows",
		       &rows) < 0)
		return;
	if (context == NULL || !json_is_object(context)) {
		req_error(r, CM_EBADREQUEST, "\"context\" must be an object with a \"path\"");
		return;
	}
	{
		json_error_t jerr;

		if (json_unpack_ex(context, &jerr, 0, "{s:s}", "path", &path) < 0) {
			req_error(r, CM_EBADREQUEST, "context: %s", jerr.text);
			return;
		}
	}
	if (strlen(task) > SESSION_TASK_MAX) {
		req_error(r, CM_EBADREQUEST, "task is longer than %d bytes", SESSION_TASK_MAX);
		return;
	}
	if (cols < 10 || cols > SESSION_COLS_MAX || rows < 5 || rows > SESSION_ROWS_MAX) {
		req_error(r, CM_EBADREQUEST, "cols must be 10..%d and rows 5..%d", SESSION_COLS_MAX,
			  SESSION_ROWS_MAX);
		return;
	}
	if (!names_tool_valid(tool) || (p = tools_find(tool)) == NULL) {
		req_error(r, CM_EUNKNOWNTOOL, "no profile for this tool (see list_profiles)");
		return;
	}
	if (path[0] != '/' || strlen(path) >= PATH_MAX || realpath(path, real) == NULL ||
	    !fs_is_dir(real)) {
		req_error(r, CM_EBADPATH,
			  "context.path must be an absolute path to an existing "
			  "directory");
		return;
	}
	if (r->a->sessions.n >= (size_t)r->a->cfg.max_sessions) {
		req_error(r, CM_ELIMIT, "the agent holds its maximum of %ld sessions",
			  r->a->cfg.max_sessions);
		return;
	}
	done = req_later(r, NULL);
	rc = session_create(&r->a->sessions, p, task, real, auto_confirm, cols, rows, done, &why);
	if (rc < 0) {
		completion_call(&done, COMPLETION_DROPPED, NULL, NULL);
		req_error(r, rc == CM_EINVAL ? CM_EBADREQUEST : CM_ETMUX, "%s",
			  why ? why : "cannot create the session");
		free(why);
	}
}
