/*
 * output: a session's terminal output streamed to subscribed clients.
 *
 * A subscription starts with a snapshot of the screen (captured with
 * escapes over the control connection, then made into terminal data a
 * client can write as is: clear, the lines, the cursor position); %output
 * that arrives before the snapshot's reply is already part of it, so live
 * bytes are forwarded only once the snapshot is out. Output for a client
 * whose queue is full is dropped and counted; when its queue drains, it
 * gets `output_dropped` and a fresh `output_snapshot` (conn.h).
 */
#ifndef CM_AGENT_OUTPUT_H
#define CM_AGENT_OUTPUT_H

#include <jansson.h>
#include <stddef.h>

struct conn;
struct session;

/* Subscribes c to s's output; replies output_subscribed with a snapshot. */
int output_subscribe(struct conn *c, struct session *s, int base64, const json_t *req_id);
/* Forwards live output of s to its subscribers. */
void output_forward(struct session *s, const char *data, size_t len);
/* c's queue is empty: send pending drop notices and snapshots. */
void output_on_drained(struct conn *c);
/* s is gone: drop every subscription to it. */
void output_session_gone(struct session *s);
/*
 * Turns a `capture-pane -e -p` capture and a cursor position into terminal
 * data that redraws the screen (caller frees).
 */
char *output_snapshot_data(const char *capture, size_t len, int cx, int cy, size_t *outlen);

#endif
