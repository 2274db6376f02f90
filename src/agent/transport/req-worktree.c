/*
 * diff, merge, list_worktrees, clean_worktrees: the review loop of
 * worktree sessions (sessions/session-review.c does the work). A session
 * that was killed keeps its worktree, so these take any well-formed id,
 * not only a live session's.
 */
#include <string.h>

#include "agent/transport/agent.h"
#include "agent/transport/dispatch.h"
#include "agent/sessions/session-review.h"
#include "proto/names.h"
#include "proto/protocol.h"

/* 1 if id is a session id, else replies bad_session_id. */
static int
req_wt_id(struct req *r, const char *id)
{
	if (names_session_id_valid(id))
		return 1;
	req_error(r, PROTO_ERR_BAD_SESSION_ID, "invalid session id");
	return 0;
}

/* Handles {"action":"diff","sessionId"[,"turn"][,"stat"]}. */
void
req_diff(struct req *r)
{
	const char *id = NULL;
	int turn = 0, stat = 0;

	if (req_unpack(r, "{s:s, s?:i, s?:b}", "sessionId", &id, "turn", &turn, "stat", &stat) <
		0 ||
	    !req_wt_id(r, id))
		return;
	session_review_diff(&r->a->sessions, id, turn, stat,
			    req_later(r, proto_msg_name(PROTO_MSG_DIFF)));
}

/* Handles {"action":"merge","sessionId"[,"mode"]}. */
void
req_merge(struct req *r)
{
	const char *id = NULL, *mode = NULL;

	if (req_unpack(r, "{s:s, s?:s}", "sessionId", &id, "mode", &mode) < 0 || !req_wt_id(r, id))
		return;
	session_review_merge(&r->a->sessions, id, mode,
			     req_later(r, proto_msg_name(PROTO_MSG_MERGED)));
}

/* Handles {"action":"list_worktrees"}. */
void
req_list_worktrees(struct req *r)
{
	if (req_unpack(r, "{}") < 0)
		return;
	session_review_list(&r->a->sessions, req_later(r, proto_msg_name(PROTO_MSG_WORKTREE_LIST)));
}

/* Handles {"action":"clean_worktrees"[,"sessionId"][,"force"]}. */
void
req_clean_worktrees(struct req *r)
{
	const char *id = NULL;
	int force = 0;

	if (req_unpack(r, "{s?:s, s?:b}", "sessionId", &id, "force", &force) < 0 ||
	    (id && !req_wt_id(r, id)))
		return;
	session_review_clean(&r->a->sessions, id, force,
			     req_later(r, proto_msg_name(PROTO_MSG_WORKTREES_CLEANED)));
}
