/*
 * dispatch: one incoming text frame -> one request handler -> one reply.
 *
 * The frame is decoded strictly (message.c); before authentication only
 * the seed's {"auth_token": ...} is accepted. "action" and "id" are taken
 * off the object, the action is looked up in req_table[] (dispatch.c, by
 * PROTO_REQ_*), and the rest is checked against the protocol table
 * (proto_validate with its limits, the rules libcm uses) so that an
 * unknown, missing, mistyped or out-of-range field is a `bad_request`
 * naming it; the handler then unpacks it (JSON_STRICT). Handlers reply
 * themselves, at once or when tmux has answered; either way exactly once.
 * A handler whose answer comes later hands the session layer a completion
 * from req_later(): it keeps the connection's number and the request's id
 * (the session layer never sees them) and turns the outcome into the reply.
 */
#ifndef CM_AGENT_DISPATCH_H
#define CM_AGENT_DISPATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/sessions/completion.h"

struct agent;
struct conn;
struct session;

struct req {
	struct agent *a;    /* the agent */
	struct conn *c;	    /* who asked */
	json_t *body;	    /* the request without "action" and "id" */
	const json_t *id;   /* the request's id, or NULL */
	const char *action; /* the action name */
	int resumed;	    /* run again after a wait (req_transcripts_put_off) */
};

typedef void (*req_handler)(struct req *r);

/* Handles one complete frame from c. */
void dispatch_frame(struct conn *c, const char *data, size_t len);
/* Replies an error for r. */
void req_error(struct req *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Replies r's JSON reply (reference stolen). */
void req_reply(struct req *r, json_t *reply);
/*
 * A completion that answers r later: with reply_type, the reply is
 * {type: reply_type, id, ...the result's fields}; with NULL, the result is
 * the event that answers r (session_created, session_killed), echoed with
 * r's id. Errors become error replies for r's action; nothing is sent if
 * the connection has gone.
 */
struct completion req_later(struct req *r, const char *reply_type);
/* A request answered later: the argument of req_later's completion. */
struct req_wait {
	struct agent *a;   /* the agent */
	uint64_t conn_id;  /* who asked (the connection may go meanwhile) */
	json_t *id;	   /* the request's id, or NULL */
	char *action;	   /* the action, for error replies */
	const char *reply; /* the reply's type, or NULL: echo the event */
};

/* Unpacks r->body strictly; replies bad_request and returns -1 on failure. */
int req_unpack(struct req *r, const char *fmt, ...);
/* Validates a session id and finds it; replies the error and returns NULL if none. */
struct session *req_session(struct req *r, const char *id);
/*
 * As req_session, and the session's tmux must be reachable; with need_tool
 * its tool must still run. Replies session_exited otherwise.
 */
struct session *req_session_live(struct req *r, const char *id, int need_tool);

/* The handlers, one file each (req-*.c). */
/*
 * True if the profile's program can be started from dir (the PATH the tool
 * gets); its name in prog. create_session refuses a tool that is not
 * found, list_profiles tells which are (req-create-session.c).
 */
struct profile;
int req_program_found(const struct profile *p, const char *dir, char *prog, size_t n);
void req_create_session(struct req *r);
void req_send_keys(struct req *r);
void req_capture_pane(struct req *r);
void req_list_sessions(struct req *r);
void req_kill_session(struct req *r);
void req_subscribe(struct req *r);
void req_subscribe_output(struct req *r);
void req_unsubscribe_output(struct req *r);
void req_resize(struct req *r);
void req_confirm(struct req *r);
void req_set_auto_confirm(struct req *r);
void req_list_profiles(struct req *r);
void req_agent_info(struct req *r);
void req_doctor(struct req *r);
void req_ping(struct req *r);
void req_list_transcripts(struct req *r);
void req_read_transcript(struct req *r);
void req_search_transcripts(struct req *r);
void req_delete_transcript(struct req *r);
void req_diff(struct req *r);		 /* req-worktree.c */
void req_merge(struct req *r);		 /* req-worktree.c */
void req_list_worktrees(struct req *r);	 /* req-worktree.c */
void req_clean_worktrees(struct req *r); /* req-worktree.c */

#endif
