/*
 * err: the error codes shared by every module and by the wire protocol.
 *
 * Functions return 0 or a negative enum cm_err. Each code has a stable
 * snake_case name that travels in `{"type":"error","code":...}` replies, so
 * a name, once published in docs/PROTOCOL.md, never changes.
 */
#ifndef CM_COMMON_ERR_H
#define CM_COMMON_ERR_H

#define CM_ERR_LIST(X)                                                                             \
	X(CM_EINTERNAL, "internal", "internal error")                                              \
	X(CM_ENOMEM, "no_memory", "out of memory")                                                 \
	X(CM_EBADJSON, "bad_json", "message is not valid JSON")                                    \
	X(CM_ENOTOBJECT, "not_object", "message is not a JSON object")                             \
	X(CM_EBINARY, "binary_frame", "binary frames are not accepted")                            \
	X(CM_ETOOBIG, "too_large", "message is larger than the limit")                             \
	X(CM_EUNKNOWNACTION, "unknown_action", "unknown action")                                   \
	X(CM_EBADREQUEST, "bad_request", "missing or invalid field")                               \
	X(CM_EAUTHREQUIRED, "auth_required", "authenticate first")                                 \
	X(CM_EAUTHFAILED, "auth_failed", "authentication failed")                                  \
	X(CM_EBADSESSIONID, "bad_session_id", "invalid session id")                                \
	X(CM_ENOSESSION, "unknown_session", "no such session")                                     \
	X(CM_EBADPATH, "bad_path", "path is not an existing directory")                            \
	X(CM_EUNKNOWNTOOL, "unknown_tool", "no profile for this tool")                             \
	X(CM_ELIMIT, "limit_reached", "a configured limit was reached")                            \
	X(CM_ETMUX, "tmux_failed", "tmux command failed")                                          \
	X(CM_EEXITED, "session_exited", "the session's tool has exited")                           \
	X(CM_ENOPROMPT, "no_prompt", "no confirmation prompt is waiting")                          \
	X(CM_EPROMPTCHANGED, "prompt_changed", "the prompt on screen is not the one expected")     \
	X(CM_ERESYNC, "resync", "events since that seq are no longer held")                        \
	X(CM_EIO, "io_error", "input/output error")                                                \
	X(CM_EEXIST, "exists", "already exists")                                                   \
	X(CM_ENOENT, "not_found", "not found")                                                     \
	X(CM_EPERM, "permission", "permission denied")                                             \
	X(CM_EINVAL, "invalid", "invalid argument")                                                \
	X(CM_EBUSY, "busy", "busy, try again")                                                     \
	X(CM_ETIMEDOUT, "timeout", "timed out")                                                    \
	X(CM_ECONNECT, "connect_failed", "could not connect")                                      \
	X(CM_ECLOSED, "closed", "connection closed")                                               \
	X(CM_EDANGER, "dangerous", "refused by a danger rule")                                     \
	X(CM_ERATE, "rate_limited", "too many requests")                                           \
	X(CM_ENOTRANSCRIPT, "unknown_transcript", "no transcript of that session")                 \
	X(CM_EBADPATTERN, "bad_pattern", "the search pattern is not a valid regular expression")   \
	X(CM_ENOWORKTREE, "no_worktree", "the session has no worktree")                            \
	X(CM_EGIT, "git_failed", "git refused or failed")                                          \
	X(CM_ECONFLICT, "merge_conflict", "the merge conflicts")                                   \
	X(CM_EDIRTY, "dirty", "uncommitted changes are in the way")

enum cm_err {
	CM_OK = 0,
#define CM_ERR_ENUM(sym, name, text) sym,
	CM__ERR_FIRST = -100,
	CM_ERR_LIST(CM_ERR_ENUM) CM__ERR_END
#undef CM_ERR_ENUM
};

/* Human text for an error code ("no such session"). */
const char *cm_strerror(int err);
/* Stable wire name for an error code ("unknown_session"). */
const char *cm_errname(int err);
/* Inverse of cm_errname; returns CM_EINTERNAL for an unknown name. */
int cm_errparse(const char *name);

#endif
