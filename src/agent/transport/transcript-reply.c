/*
 * transcript-reply: the store and its errors for the requests (see transcript-reply.h).
 */
#include "agent/transport/transcript-reply.h"

#include "agent/sessions/recorder.h"
#include "agent/transport/agent.h"
#include "common/err.h"
#include "proto/protocol.h"

struct transcript_store *
req_transcripts(struct req *r)
{
	struct transcript_store *s = recorder_store(&r->a->sessions);

	if (s == NULL)
		req_error(r, PROTO_ERR_UNKNOWN_TRANSCRIPT,
			  "this agent records no transcripts (--no-transcripts, or its "
			  "directory could not be opened)");
	return s;
}

void
req_transcript_error(struct req *r, int rc, const char *why)
{
	int code;

	switch (rc) {
	case CM_ENOENT:
		code = PROTO_ERR_UNKNOWN_TRANSCRIPT;
		break;
	case CM_EBADSESSIONID:
		code = PROTO_ERR_BAD_SESSION_ID;
		break;
	case CM_EBUSY:
		code = PROTO_ERR_BUSY;
		break;
	case CM_EINVAL:
	case CM_ELIMIT:
		code = PROTO_ERR_BAD_REQUEST;
		break;
	default:
		code = PROTO_ERR_INTERNAL;
		break;
	}
	req_error(r, code, "%s", why && *why ? why : cm_strerror(rc));
}
