/*
 * cm.h: libcm, the C client library of cm (installed as <cm.h>).
 *
 * libcm speaks protocol v1 (docs/PROTOCOL.md) to a cm-agent: it connects,
 * directly (TCP or a Unix socket) or through an OpenSSH tunnel that it sets
 * up and reuses (ControlMaster), authenticates, matches replies to requests,
 * hands events and terminal output to callbacks, and reconnects after a drop
 * with replay from the last event seq, so that no event is lost.
 *
 * Everything runs on a struct cm_loop (libwebsockets' own event loop) in the
 * calling thread; one loop serves any number of clients, so a program can
 * talk to many agents at once. Requests are asynchronous (a callback gets
 * the reply) or blocking (the helpers run the loop until their reply comes).
 * Nothing here is thread-safe: use a loop and its clients from one thread.
 *
 * Errors: functions return 0 or a negative enum cm_error (cm-protocol.h).
 * The codes are those of the wire protocol plus a few local ones;
 * cm_error_name() gives the stable name ("unknown_session", "auth_failed",
 * "connect_failed", ...) and cm_error_text() a human one. Why a connection
 * failed is told apart further by enum cm_fail (cm_client_fail()) and a
 * one-line cm_client_error().
 *
 * The protocol's names come from one table (cm's src/proto/protocol.def):
 * cm-protocol.h, generated from it, holds CM_PROTOCOL_VERSION,
 * CM_DEFAULT_PORT, enum cm_error and enum cm_session_state; the request
 * builders (cm_request_*) take their names from it, and every request is
 * checked against its field list before it is sent.
 *
 * JSON values are jansson's json_t: requests given to libcm are stolen
 * (libcm owns the reference); replies handed back are new references that
 * the caller json_decref()s; values passed to callbacks are borrowed.
 */
#ifndef CM_H
#define CM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cm-protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CM_API __attribute__((visibility("default")))
#else
#define CM_API
#endif

#define CM_LIB_VERSION "0.1.0"

struct cm_loop;
struct cm_client;
struct cm_watch;
struct lws_context;

/* Why a connection could not be made or was lost (cm_client_fail()). */
enum cm_fail {
	CM_FAIL_NONE = 0,    /* connected, or never tried */
	CM_FAIL_CONFIG,	     /* the options are unusable (no token, bad path...) */
	CM_FAIL_UNREACHABLE, /* ssh could not reach the host (refused, no route, DNS, timeout) */
	CM_FAIL_SSH_AUTH,    /* the ssh server refused our authentication */
	CM_FAIL_HOSTKEY,     /* the host key did not match known_hosts, or is unknown */
	CM_FAIL_SSH,	     /* ssh failed for another reason (see cm_client_error()) */
	CM_FAIL_NO_AGENT,    /* nothing answers at the agent's address (agent not running) */
	CM_FAIL_TOKEN,	     /* the agent refused the token */
	CM_FAIL_RATE,	     /* the agent is rate-limiting logins from us */
	CM_FAIL_PROTOCOL,    /* the peer does not speak protocol v1 */
	CM_FAIL_TIMEOUT,     /* no answer in time */
	CM_FAIL_CLOSED,	     /* an established connection was lost */
};

/* Connection states reported to cm_client_opts.on_state. */
enum cm_conn_state {
	CM_CONN_CONNECTING = 0, /* setting up the tunnel or the WebSocket */
	CM_CONN_READY,		/* authenticated; requests flow */
	CM_CONN_LOST,		/* the connection dropped; a reconnect is scheduled */
	CM_CONN_FAILED,		/* gave up: see cm_client_fail() */
};

/* How to reach an agent through OpenSSH (`ssh -N -L` with ControlMaster). */
struct cm_ssh_opts {
	const char *host;	 /* ssh destination: host name or ~/.ssh/config alias */
	const char *user;	 /* login name (ssh -l), NULL for ssh's default */
	int port;		 /* ssh port (ssh -p), 0 for ssh's default */
	const char *identity;	 /* private key (ssh -i), NULL for ssh's default */
	const char *config;	 /* ssh_config file (ssh -F), NULL for ~/.ssh/config */
	const char *runtime_dir; /* private dir for control sockets; NULL: see cm_runtime_dir() */
	const char *name;	 /* label mixed into the file names (a context name), or NULL */
	int persist_s;		 /* ControlPersist in seconds; 0 for 600 */
	int connect_timeout_s;	 /* ssh ConnectTimeout; 0 for 10 */
};

/* Called for every event and unsolicited message (borrowed). */
typedef void (*cm_event_cb)(struct cm_client *c, const json_t *msg, void *arg);
/* Called for every chunk of terminal output of a subscribed session. */
typedef void (*cm_output_cb)(struct cm_client *c, const char *session_id, const void *data,
			     size_t len, void *arg);
/* Called when the connection changes state. */
typedef void (*cm_state_cb)(struct cm_client *c, enum cm_conn_state state, void *arg);
/*
 * Called with the reply to a request: err is 0 and reply the reply, or err
 * is negative (an error reply, whose body is in reply, or a local failure
 * with reply NULL). reply is borrowed.
 */
typedef void (*cm_reply_cb)(struct cm_client *c, int err, const json_t *reply, void *arg);
/*
 * Called, when set, with every frame the agent sends after the
 * authentication exchange, as it came (text or binary): a relay passes
 * them on untouched, and on_event, on_output and replies are not called.
 */
typedef void (*cm_frame_cb)(struct cm_client *c, const void *data, size_t len, int binary,
			    void *arg);
/* Called when a watched descriptor is readable (cm_loop_watch_fd). */
typedef void (*cm_fd_cb)(int fd, void *arg);

/* What a client connects to and how it behaves; strings are copied. */
struct cm_client_opts {
	const char *host;      /* agent host for TCP; NULL: 127.0.0.1 (the remote's, via ssh) */
	int port;	       /* agent TCP port; 0: CM_DEFAULT_PORT */
	const char *unix_path; /* agent Unix socket instead of TCP (local or remote) */
	const char *token;     /* the agent's token (required) */
	const struct cm_ssh_opts *ssh; /* non-NULL: reach the agent through this ssh tunnel */
	int reconnect;		       /* after a drop: reconnect with backoff and replay */
	int64_t since;		       /* < 0: no replay; else replay the events after this seq */
	int timeout_ms;		       /* connect and blocking-request timeout; 0: 15000 */
	cm_event_cb on_event;	       /* events and unsolicited messages, or NULL */
	cm_output_cb on_output;	       /* terminal output, or NULL */
	cm_state_cb on_state;	       /* connection state changes, or NULL */
	void *arg;		       /* passed to every callback */
};

/* Stable name of an error code ("unknown_session"). */
CM_API const char *cm_error_name(int err);
/* Human text of an error code ("no such session"). */
CM_API const char *cm_error_text(int err);
/* The code of a stable name (cm_error_name's inverse); 0 if unknown. */
CM_API int cm_error_parse(const char *name);
/* Wire name of an enum cm_session_state ("waiting_confirm"); "unknown" if none. */
CM_API const char *cm_session_state_name(int state);
/* The enum cm_session_state of a wire name; -1 if unknown. */
CM_API int cm_session_state_parse(const char *name);
/*
 * Checks a message (a request, reply or event) against the protocol's table:
 * known action or type, known fields of the right JSON types, required ones
 * present, and with check_limits the ranges the agent enforces. 0, or
 * CM_ERROR_BAD_REQUEST with the first problem in why (len bytes, may be NULL).
 */
CM_API int cm_message_validate(const json_t *msg, int check_limits, char *why, size_t len);
/* Short name of a failure kind ("host_unreachable"). */
CM_API const char *cm_fail_name(enum cm_fail fail);
/* Fills buf with the private directory libcm keeps ssh control sockets in. */
CM_API int cm_runtime_dir(char *buf, size_t len);

/* Creates an event loop (a libwebsockets context). NULL if that fails. */
CM_API struct cm_loop *cm_loop_new(void);
/* Closes every client of the loop and frees it. */
CM_API void cm_loop_free(struct cm_loop *loop);
/*
 * Runs the loop until cm_loop_stop() or timeout_ms (< 0: no timeout).
 * Returns 0 when stopped, CM_ERROR_TIMEOUT on timeout.
 */
CM_API int cm_loop_run(struct cm_loop *loop, int timeout_ms);
/*
 * Runs the loop until *flag becomes non-zero (0), cm_loop_stop() (a negative
 * code) or timeout_ms (< 0: none) passes (the "timeout" code).
 */
CM_API int cm_loop_run_until(struct cm_loop *loop, const int *flag, int timeout_ms);
/* Makes the innermost cm_loop_run() return (callable from callbacks). */
CM_API void cm_loop_stop(struct cm_loop *loop);
/*
 * The loop's libwebsockets context, for a program that serves on the same
 * loop (a vhost of its own made with lws_create_vhost()).
 */
CM_API struct lws_context *cm_loop_lws_context(struct cm_loop *loop);
/* Calls cb whenever fd is readable, until cm_watch_free(). */
CM_API struct cm_watch *cm_loop_watch_fd(struct cm_loop *loop, int fd, cm_fd_cb cb, void *arg);
/* Stops watching a descriptor (the descriptor itself stays open). */
CM_API void cm_watch_free(struct cm_watch *w);

/* Creates a client on a loop; it does nothing until cm_client_connect(). */
CM_API struct cm_client *cm_client_new(struct cm_loop *loop, const struct cm_client_opts *opts);
/*
 * Makes the client a relay's (before cm_client_connect()): every frame after
 * the authentication goes to cb, with the options' arg. A setter rather
 * than a field of struct cm_client_opts, whose layout programs (and the
 * Python binding) already mirror.
 */
CM_API void cm_client_set_on_frame(struct cm_client *c, cm_frame_cb cb);
/* Starts connecting (tunnel, WebSocket, authentication) without waiting. */
CM_API int cm_client_connect(struct cm_client *c);
/* Runs the loop until the client is ready or has failed; 0 when ready. */
CM_API int cm_client_wait_ready(struct cm_client *c, int timeout_ms);
/* cm_client_new + cm_client_connect + cm_client_wait_ready; *out even on failure. */
CM_API int cm_client_open(struct cm_loop *loop, const struct cm_client_opts *opts,
			  struct cm_client **out);
/* Closes the connection and frees the client; pending requests get CM_ERROR_CLOSED. */
CM_API void cm_client_free(struct cm_client *c);
/* Current connection state. */
CM_API enum cm_conn_state cm_client_state(const struct cm_client *c);
/* Why the last attempt failed or the connection was lost. */
CM_API enum cm_fail cm_client_fail(const struct cm_client *c);
/* One line telling what went wrong last (a failure or an error reply). */
CM_API const char *cm_client_error(const struct cm_client *c);
/* The `authenticated` message of the current connection (borrowed), or NULL. */
CM_API const json_t *cm_client_hello(const struct cm_client *c);
/* The highest event seq seen (-1: none yet). */
CM_API int64_t cm_client_seq(const struct cm_client *c);
/* The user pointer of the options. */
CM_API void *cm_client_arg(const struct cm_client *c);

/*
 * Sends a request (stolen); cb (may be NULL) gets its reply. Needs
 * CM_CONN_READY. A request the protocol's table refuses (unknown action or
 * field, wrong type, required field missing) is not sent: CM_ERROR_BAD_REQUEST,
 * with why in cm_client_error(); NULL gives CM_ERROR_INVALID.
 */
CM_API int cm_client_send(struct cm_client *c, json_t *req, cm_reply_cb cb, void *arg);
/*
 * Sends one text frame as it is (a relay's; no id is added and no reply is
 * matched). Needs CM_CONN_READY; CM_ERROR_INVALID for NULL or empty.
 */
CM_API int cm_client_send_raw(struct cm_client *c, const char *text, size_t len);
/*
 * Sends a request (stolen) and runs the loop until its reply. On success *reply
 * (if non-NULL) is the reply; on an error reply the code is returned and the
 * message is in cm_client_error().
 */
CM_API int cm_client_call(struct cm_client *c, json_t *req, json_t **reply);

/*
 * Request builders: new {"action": ...} objects for cm_client_send() or
 * cm_client_call(), which steal them. NULL when an argument cannot be
 * encoded (NULL session id, text that is not UTF-8); the client functions
 * refuse NULL with CM_ERROR_INVALID. Optional arguments: NULL, 0 or < 0 as
 * each says.
 */
/* A request without fields: "list_sessions", "list_profiles", "agent_info", "ping". */
CM_API json_t *cm_request(const char *action);
/* create_session; task, path NULL: none (no path: the agent's home); auto_confirm < 0: the
 * agent's default. */
CM_API json_t *cm_request_create_session(const char *tool, const char *task, const char *path,
					 int auto_confirm);
/* send_keys: len bytes of text (NULL: none), then optionally Enter and/or a named key. */
CM_API json_t *cm_request_send_keys(const char *session_id, const char *text, size_t len, int enter,
				    const char *key);
/* capture_pane; lines <= 0: the visible screen. */
CM_API json_t *cm_request_capture(const char *session_id, int lines, int escapes);
/* kill_session. */
CM_API json_t *cm_request_kill_session(const char *session_id);
/* subscribe: replay the events after since (< 0: none, from now on). */
CM_API json_t *cm_request_subscribe(int64_t since);
/* subscribe_output. */
CM_API json_t *cm_request_subscribe_output(const char *session_id);
/* unsubscribe_output. */
CM_API json_t *cm_request_unsubscribe_output(const char *session_id);
/* resize. */
CM_API json_t *cm_request_resize(const char *session_id, int cols, int rows);
/* confirm; fingerprint NULL: answer whatever prompt is shown. */
CM_API json_t *cm_request_confirm(const char *session_id, int approve, const char *fingerprint);
/* set_auto_confirm. */
CM_API json_t *cm_request_set_auto_confirm(const char *session_id, int enabled);
/*
 * Asks a create_session request (req) for a worktree of its own: branch
 * (new from base, or existing; NULL: the agent names one) and base (NULL:
 * the main checkout's branch). 0, or CM_ERROR_INVALID.
 */
CM_API int cm_request_set_worktree(json_t *req, const char *branch, const char *base);
/*
 * Sets a create_session request's recovery options: restart ("never",
 * "on-failure", "always", or NULL: the profile's), auto_continue (after a
 * usage limit) and stall_ms (-1: the agent's, 0: never). 0, or
 * CM_ERROR_INVALID (nothing set).
 */
CM_API int cm_request_set_recovery(json_t *req, const char *restart, int auto_continue,
				   long stall_ms);
/* diff; turn <= 0: everything against the base; stat: files only. */
CM_API json_t *cm_request_diff(const char *session_id, int turn, int stat);
/* merge; mode "merge", "rebase", "squash" or NULL (merge). */
CM_API json_t *cm_request_merge(const char *session_id, const char *mode);
/* clean_worktrees; session_id NULL: every ended session's. */
CM_API json_t *cm_request_clean_worktrees(const char *session_id, int force);

/* create_session; *session_id (caller frees) gets the new id. auto_confirm < 0: agent default. */
CM_API int cm_client_create_session(struct cm_client *c, const char *tool, const char *task,
				    const char *path, int auto_confirm, char **session_id);
/* list_sessions; *sessions is the array (new reference). */
CM_API int cm_client_list_sessions(struct cm_client *c, json_t **sessions);
/* send_keys: text typed as is, then optionally Enter and/or a named key (NULL: none). */
CM_API int cm_client_send_keys(struct cm_client *c, const char *session_id, const char *text,
			       int enter, const char *key);
/* capture_pane; lines <= 0 for the visible screen; *content (caller frees). */
CM_API int cm_client_capture(struct cm_client *c, const char *session_id, int lines, int escapes,
			     char **content);
/* kill_session. */
CM_API int cm_client_kill_session(struct cm_client *c, const char *session_id);
/* confirm: answers the waiting prompt; fingerprint may be NULL. */
CM_API int cm_client_confirm(struct cm_client *c, const char *session_id, int approve,
			     const char *fingerprint);
/* set_auto_confirm. */
CM_API int cm_client_set_auto_confirm(struct cm_client *c, const char *session_id, int enabled);
/* agent_info; *info (new reference). */
CM_API int cm_client_agent_info(struct cm_client *c, json_t **info);
/*
 * doctor: the agent's checks of itself and its machine; *report (new
 * reference) is the doctor_report: status ("ok", "warn", "fail"), checks
 * [{name, status, message, fix}], timestamp (the agent's clock). quick:
 * no program is run for its version (fast; for cm status).
 */
CM_API int cm_client_doctor(struct cm_client *c, int quick, json_t **report);
/* ping; *rtt_ms gets the round trip in milliseconds. */
CM_API int cm_client_ping(struct cm_client *c, double *rtt_ms);
/* subscribe_output; *reply (new reference, may be NULL) has the snapshot. */
CM_API int cm_client_subscribe_output(struct cm_client *c, const char *session_id, json_t **reply);
/* unsubscribe_output. */
CM_API int cm_client_unsubscribe_output(struct cm_client *c, const char *session_id);
/* resize. */
CM_API int cm_client_resize(struct cm_client *c, const char *session_id, int cols, int rows);
/* diff; *reply (new reference) is the diff message. */
CM_API int cm_client_diff(struct cm_client *c, const char *session_id, int turn, int stat,
			  json_t **reply);
/* merge; *reply (new reference, may be NULL) is the merged message. */
CM_API int cm_client_merge(struct cm_client *c, const char *session_id, const char *mode,
			   json_t **reply);
/* list_worktrees; *worktrees is the array (new reference). */
CM_API int cm_client_list_worktrees(struct cm_client *c, json_t **worktrees);
/* clean_worktrees; *reply (new reference) has "removed" and "kept". */
CM_API int cm_client_clean_worktrees(struct cm_client *c, const char *session_id, int force,
				     json_t **reply);

/*
 * Transcripts: every session's recorded output, kept after it ended.
 * A read returns one chunk at a time; cm_client_read_transcript_all()
 * follows the chunks' cursors to the end.
 */
struct cm_read_opts {
	double from, to;    /* seconds since the epoch; < 0: none */
	double tail;	    /* > 0: the last tail seconds instead of from/to */
	const char *format; /* "text" (NULL), "raw" or "cast" */
	int max_bytes;	    /* per reply; 0: the agent's default (256 KiB) */
	const char *cursor; /* a chunk's "cursor": continue after it (no from, no tail) */
};
/* list_transcripts. */
CM_API json_t *cm_request_list_transcripts(void);
/* read_transcript; opts NULL: the whole transcript as text. */
CM_API json_t *cm_request_read_transcript(const char *session_id, const struct cm_read_opts *opts);
/* search_transcripts over ids[0..n) (n 0: all); from/to < 0: none; max_matches 0: default. */
CM_API json_t *cm_request_search_transcripts(const char *pattern, const char *const *ids, size_t n,
					     int ignore_case, double from, double to,
					     int max_matches);
/* delete_transcript: one (session_id), or with session_id NULL those older than older_than s. */
CM_API json_t *cm_request_delete_transcript(const char *session_id, double older_than);
/* list_transcripts; *list is the array (new reference). */
CM_API int cm_client_list_transcripts(struct cm_client *c, json_t **list);
/* read_transcript: one chunk; *chunk is the transcript_chunk reply (new reference). */
CM_API int cm_client_read_transcript(struct cm_client *c, const char *session_id,
				     const struct cm_read_opts *opts, json_t **chunk);
/*
 * Reads every chunk from opts on, following the cursors, and hands each
 * chunk's data to cb (nonzero from cb stops). A cast read has its header
 * once.
 */
CM_API int cm_client_read_transcript_all(struct cm_client *c, const char *session_id,
					 const struct cm_read_opts *opts,
					 int (*cb)(void *arg, const char *data, size_t len),
					 void *arg);
/* search_transcripts; *reply is the transcript_matches reply (new reference). */
CM_API int cm_client_search_transcripts(struct cm_client *c, const char *pattern,
					const char *const *ids, size_t n, int ignore_case,
					double from, double to, int max_matches, json_t **reply);
/* delete_transcript; *removed (may be NULL) gets how many were removed. */
CM_API int cm_client_delete_transcript(struct cm_client *c, const char *session_id,
				       double older_than, int *removed);

/* Stops the ssh ControlMaster that libcm keeps for these options (ssh -O exit). */
CM_API int cm_ssh_close(const struct cm_ssh_opts *ssh, const char *unix_path, int port);

#ifdef __cplusplus
}
#endif

#endif
