/*
 * transcript-reply: what the transcript requests (req-*-transcript*.c)
 * share: the store, and the store's errors as the protocol's.
 */
#ifndef CM_AGENT_TRANSPORT_TRANSCRIPT_REPLY_H
#define CM_AGENT_TRANSPORT_TRANSCRIPT_REPLY_H

#include "agent/transport/dispatch.h"
#include "transcript/transcript.h"

/* The store; replies unknown_transcript and returns NULL when recording is off. */
struct transcript_store *req_transcripts(struct req *r);
/* Replies the store's error rc with its explanation why. */
void req_transcript_error(struct req *r, int rc, const char *why);
/*
 * True if r is put off until the transcripts of ids (nids 0: of every
 * session) can be read whole (recorder_when_written): handler then runs r
 * again, with r->resumed set, unless the connection has gone. Never puts
 * off a request that was resumed already.
 */
int req_transcripts_put_off(struct req *r, const char *const *ids, size_t nids,
			    req_handler handler);

#endif
