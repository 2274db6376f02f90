/*
 * Fuzzes the protocol table's validator (src/proto/protocol.c): one frame
 * decoded strictly, as the agent does, then classified and validated with
 * and without the agent's ranges, as libcm does before sending and as the
 * agent will before dispatching. Seeds: the examples of docs/PROTOCOL.md
 * (tests/data/protocol/). What is checked is that no input crashes, leaks
 * or trips a sanitizer, and that a message valid with ranges is valid
 * without them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/buf.h"
#include "proto/message.h"
#include "proto/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs one frame. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf why;
	json_t *obj;
	int strict, loose;

	buf_init(&why, 4096);
	if (message_decode((const char *)data, size, &obj, &why) == 0) {
		strict = proto_validate_any(obj, PROTO_CHECK_LIMITS, &why);
		loose = proto_validate_any(obj, 0, &why);
		if (strict == 0 && loose != 0)
			abort();
		json_decref(obj);
	}
	buf_release(&why);
	return 0;
}
