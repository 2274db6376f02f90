/*
 * resolve: turning what a person types for a session into a context and a
 * session id. `CTX/ID` names the context; otherwise --ctx does; otherwise
 * every context is asked (in parallel). ID may be a whole id or a unique
 * prefix of one, with or without the "cm-" ("cm-17707", "17707"). An exact
 * id wins over prefixes; two matches are an error that lists both: on one
 * context CLI_EXIT_NOTFOUND, on several CLI_EXIT_AMBIGUOUS (ids are unique
 * on one agent only, whatever their form).
 */
#ifndef CM_CLI_RESOLVE_H
#define CM_CLI_RESOLVE_H

#include "conn.h"

/* A resolved session and the connections opened to find it. */
struct resolved {
	struct conn *conns; /* every connection opened */
	size_t n;	    /* how many */
	struct conn *conn;  /* the one holding the session */
	json_t *session;    /* its list_sessions entry (owned) */
	const char *sid;    /* its id (inside session) */
};

/* Splits "CTX/ID": copies CTX into ctx (empty if none), points *id after the slash. */
int resolve_split(const char *arg, char *ctx, size_t n, const char **id);
/*
 * Counts the sessions matching id in a list_sessions array; *match gets
 * the exact match or the only prefix match (borrowed).
 */
int resolve_match(const json_t *sessions, const char *id, const json_t **match);
/*
 * Finds the session arg names. On failure prints the error, returns an exit
 * status and leaves nothing in r to release.
 */
int resolve_session(struct cli *cli, const char *arg, struct resolved *r,
		    const struct conn_hooks *hooks);
/*
 * resolve_session() on the one argument left after the flags (argv[optind]):
 * "missing session id" or an extra argument is CLI_EXIT_USAGE.
 */
int resolve_arg(struct cli *cli, int argc, char **argv, struct resolved *r,
		const struct conn_hooks *hooks);
/*
 * As resolve_session, among the transcripts the agents keep (list_transcripts:
 * live and ended sessions); r->session is the transcript's entry. With quiet,
 * a transcript not found (or an agent without transcripts) prints nothing.
 */
int resolve_transcript(struct cli *cli, const char *arg, struct resolved *r,
		       const struct conn_hooks *hooks, int quiet);
/*
 * As resolve_session, among the sessions that have a worktree (from
 * list_worktrees: killed sessions too); r->session is the worktree's entry.
 */
int resolve_worktree(struct cli *cli, const char *arg, struct resolved *r);
/* Closes the connections and frees. */
void resolve_release(struct resolved *r);

#endif
