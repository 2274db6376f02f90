/*
 * create_session: validates the tool, task and directory, then starts the
 * session (session.c); the reply comes when tmux has created it. A tool
 * whose program is not installed is refused here, where the client hears
 * why, rather than left to fail inside tmux where only a capture shows it.
 */
#include <sys/stat.h>

#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "agent/transport/dispatch.h"
#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "agent/screen/tools.h"
#include "agent/sessions/session-worktree.h"
#include "agent/sessions/session.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/utf8.h"
#include "proto/names.h"

/* The directory of a session whose client names none: the agent's home. */
static const char *
req_default_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && home[0] == '/' && fs_is_dir(home))
		return home;
	if ((pw = getpwuid(geteuid())) != NULL && pw->pw_dir && pw->pw_dir[0] == '/' &&
	    fs_is_dir(pw->pw_dir))
		return pw->pw_dir;
	return "/";
}

/* True if file is a regular file this agent may execute. */
static int
req_executable(const char *file)
{
	struct stat st;

	return stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0;
}

/*
 * True if the profile's program can be started, found as env(1) will find
 * it: a name with a '/' from dir (the session's directory), any other on
 * the PATH the tool gets (the profile's own PATH, else the agent's).
 */
int
req_program_found(const struct profile *p, const char *dir, char *prog, size_t n)
{
	const char *path = getenv("PATH"), *s, *e;
	const char *program = profile_program(p);
	char file[PATH_MAX];
	int found = 0;

	snprintf(prog, n, "%s", program);
	for (size_t i = 0; i < profile_env_count(p); i++)
		if (strcmp(profile_env_name(p, i), "PATH") == 0)
			path = profile_env_value(p, i);
	if (strchr(program, '/') != NULL) {
		int len = snprintf(file, sizeof file, "%s%s%s", program[0] == '/' ? "" : dir,
				   program[0] == '/' ? "" : "/", program);

		/* A path too long to build is one no exec could take either. */
		found = len > 0 && (size_t)len < sizeof file && req_executable(file);
	} else {
		/* No PATH: env(1) falls back to the system's default one. */
		for (s = path ? path : "/usr/bin:/bin";; s = e + 1) {
			int len;

			e = strchrnul(s, ':');
			if (e == s) /* an empty entry is the current directory */
				len = snprintf(file, sizeof file, "%s/%s", dir, program);
			else
				len = snprintf(file, sizeof file, "%.*s/%s", (int)(e - s), s,
					       program);
			found = len > 0 && (size_t)len < sizeof file && req_executable(file);
			if (found || *e == '\0')
				break;
		}
	}
	return found;
}

/* Handles {"action":"create_session", "tool", "task", "context": {"path"}, ...}. */
void
req_create_session(struct req *r)
{
	const char *tool = NULL, *task = "", *path = NULL, *restart = NULL;
	int auto_confirm = r->a->cfg.auto_confirm, cols = 120, rows = 40, rc, auto_continue = 0;
	json_int_t stall_ms = -1;
	struct session_options opts = SESSION_OPTIONS_DEFAULT;
	const struct profile *p;
	char real[PATH_MAX], prog[256], *why = NULL;
	json_t *context = NULL, *worktree = NULL;
	struct session_wt_request wr = {NULL, NULL};
	struct completion done;

	if (req_unpack(r, "{s:s, s?:s, s?:o, s?:b, s?:i, s?:i, s?:o, s?:s, s?:b, s?:I}", "tool",
		       &tool, "task", &task, "context", &context, "autoConfirm", &auto_confirm,
		       "cols", &cols, "rows", &rows, "worktree", &worktree, "restart", &restart,
		       "autoContinue", &auto_continue, "stallMs", &stall_ms) < 0)
		return;
	if (worktree &&
	    json_unpack(worktree, "{s?:s, s?:s}", "branch", &wr.branch, "base", &wr.base) < 0) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "\"worktree\" must be {} or {\"branch\": ..., \"base\": ...}");
		return;
	}
	opts.restart = -1;
	if (restart != NULL && (opts.restart = restart_policy_parse(restart)) < 0) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "restart must be never, on-failure or always");
		return;
	}
	if (stall_ms < -1 || stall_ms > PROTO_STALL_MS_MAX ||
	    (json_object_get(r->body, "stallMs") != NULL && stall_ms < 0)) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "stallMs must be 0 (never) to %d",
			  PROTO_STALL_MS_MAX);
		return;
	}
	opts.auto_continue = auto_continue;
	opts.stall_ms = (long)stall_ms;
	if (context == NULL || !json_is_object(context)) {
		req_error(r, PROTO_ERR_BAD_REQUEST,
			  "\"context\" must be an object, {} or {\"path\": ...}");
		return;
	}
	if (json_object_get(context, "path") == NULL)
		path = req_default_dir();
	else if ((path = json_string_value(json_object_get(context, "path"))) == NULL) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "context.path must be a string");
		return;
	}
	if (strlen(task) > SESSION_TASK_MAX) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "task is longer than %d bytes",
			  SESSION_TASK_MAX);
		return;
	}
	if (cols < SESSION_COLS_MIN || cols > SESSION_COLS_MAX || rows < SESSION_ROWS_MIN ||
	    rows > SESSION_ROWS_MAX) {
		req_error(r, PROTO_ERR_BAD_REQUEST, "cols must be %d..%d and rows %d..%d",
			  SESSION_COLS_MIN, SESSION_COLS_MAX, SESSION_ROWS_MIN, SESSION_ROWS_MAX);
		return;
	}
	if (!names_tool_valid(tool) || (p = tools_find(tool)) == NULL) {
		req_error(r, PROTO_ERR_UNKNOWN_TOOL,
			  "no profile for this tool (see list_profiles)");
		return;
	}
	if (path[0] != '/' || strlen(path) >= PATH_MAX || realpath(path, real) == NULL ||
	    !fs_is_dir(real)) {
		req_error(r, PROTO_ERR_BAD_PATH,
			  "context.path must be an absolute path to an existing "
			  "directory");
		return;
	}
	if (!req_program_found(p, real, prog, sizeof prog)) {
		req_error(r, PROTO_ERR_UNKNOWN_TOOL,
			  "%s: its program \"%s\" is not installed on this machine (not found on "
			  "PATH)",
			  profile_name(p), prog);
		return;
	}
	if (r->a->sessions.n >= (size_t)r->a->cfg.max_sessions) {
		req_error(r, PROTO_ERR_LIMIT_REACHED, "the agent holds its maximum of %ld sessions",
			  r->a->cfg.max_sessions);
		return;
	}
	done = req_later(r, NULL);
	if (worktree)
		rc = session_wt_create(&r->a->sessions, p, task, real, &wr, auto_confirm, cols,
				       rows, &opts, done, &why);
	else
		rc = session_create_with(&r->a->sessions, p, task, real, auto_confirm, cols, rows,
					 &opts, done, &why);
	if (rc < 0) {
		completion_call(&done, COMPLETION_DROPPED, NULL, NULL);
		req_error(r,
			  rc == CM_EINVAL   ? PROTO_ERR_BAD_REQUEST
			  : rc == CM_ELIMIT ? PROTO_ERR_LIMIT_REACHED
					    : PROTO_ERR_TMUX_FAILED,
			  "%s", why ? why : "cannot create the session");
		free(why);
	}
}
