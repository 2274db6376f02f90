/*
 * session-review: the review loop of worktree sessions: the diff against
 * the base or of one turn, the merge into the base, the list of worktrees
 * and their removal. A killed session's worktree is reviewed, merged and
 * cleaned as a live one's (its record outlives it, worktree/wt-registry.h).
 * Every function answers through its completion, once, with the result's
 * fields or a protocol error and its reason; git runs on a job's thread.
 */
#ifndef CM_AGENT_SESSIONS_SESSION_REVIEW_H
#define CM_AGENT_SESSIONS_SESSION_REVIEW_H

#include "agent/sessions/completion.h"
#include "agent/sessions/sessions.h"

/* The changes of session sid against its base (turn 0) or of one turn. */
void session_review_diff(struct sessions *set, const char *sid, int turn, int stat,
			 struct completion done);
/* Merges session sid's branch into its base (mode: "merge", "rebase", "squash" or NULL). */
void session_review_merge(struct sessions *set, const char *sid, const char *mode,
			  struct completion done);
/* Every worktree with what it holds. */
void session_review_list(struct sessions *set, struct completion done);
/* Removes the worktree of sid, or of every ended session (sid NULL); force: whatever they hold. */
void session_review_clean(struct sessions *set, const char *sid, int force, struct completion done);

#endif
