/*
 * frame: refcounted outgoing messages (see frame.h).
 */
#include "agent/sessions/frame.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "proto/message.h"

/* Allocates a frame with LWS_PRE headroom and copies the payload. */
struct frame *
frame_new(enum frame_kind kind, int binary, const void *data, size_t len)
{
	struct frame *f = xmalloc(sizeof *f + LWS_PRE + len);

	f->refs = 1;
	f->kind = kind;
	f->binary = binary;
	f->seq = 0;
	f->len = len;
	f->data = f->buf + LWS_PRE;
	if (len)
		memcpy(f->data, data, len);
	return f;
}

/* Encodes obj into a new text frame. */
struct frame *
frame_json(enum frame_kind kind, const json_t *obj)
{
	size_t len;
	char *s = message_encode(obj, &len);
	struct frame *f = frame_new(kind, 0, s, len);

	free(s);
	return f;
}

/* Takes one more reference. */
struct frame *
frame_ref(struct frame *f)
{
	f->refs++;
	return f;
}

/* Drops a reference, freeing the frame with the last. */
void
frame_unref(struct frame *f)
{
	if (f != NULL && --f->refs == 0)
		free(f);
}
