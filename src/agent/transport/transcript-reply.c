/*
 * transcript-reply: the store and its errors for the requests (see transcript-reply.h).
 */
#include "agent/transport/transcript-reply.h"

#include <stdlib.h>

#include "agent/sessions/recorder.h"
#include "agent/transport/agent.h"
#include "agent/transport/conn.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

/* A request put off until the transcripts it reads are written whole. */
struct req_put_off {
	struct agent *a;
	uint64_t conn_id; /* who asked (the connection may go meanwhile) */
	json_t *body, *id;
	char *action;
	req_handler handler;
};

static void
req_put_off_free(struct req_put_off *p)
{
	json_decref(p->body);
	json_decref(p->id);
	free(p->action);
	free(p);
}

static void
req_put_off_resume(void *arg, int err, const char *detail, const json_t *result)
{
	struct req_put_off *p = arg;
	struct conn *c = conn_find(p->a, p->conn_id);

	(void)detail;
	(void)result;
	if (c != NULL && err != COMPLETION_DROPPED) {
		struct req r = {.a = p->a,
				.c = c,
				.body = p->body,
				.id = p->id,
				.action = p->action,
				.resumed = 1};

		p->handler(&r);
	}
	req_put_off_free(p);
}

int
req_transcripts_put_off(struct req *r, const char *const *ids, size_t nids, req_handler handler)
{
	struct req_put_off *p;

	if (r->resumed)
		return 0;
	p = xcalloc(1, sizeof *p);
	p->a = r->a;
	p->conn_id = r->c->id;
	p->body = json_incref(r->body);
	p->id = r->id ? json_incref((json_t *)r->id) : NULL;
	p->action = xstrdup(r->action);
	p->handler = handler;
	if (recorder_when_written(&r->a->sessions, ids, nids,
				  (struct completion){req_put_off_resume, p, 0}))
		return 1;
	req_put_off_free(p);
	return 0;
}

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
