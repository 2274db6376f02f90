/*
 * transcript-fuzzer: the transcript reader on hostile files. The input is
 * an index and a data file (split at the first 4 bytes' little-endian
 * length); the frame list is learnt from both, every frame is
 * decompressed, every line parsed, the header parsed and the output run
 * through the escape stripper, as a read or a search would.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "transcript/tr-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_file f;
	struct tr_strip st = {0, 0};
	struct buf dec, text;
	size_t ilen;

	if (size < 4)
		return 0;
	ilen = (size_t)data[0] | (size_t)data[1] << 8;
	data += 4;
	size -= 4;
	if (ilen > size)
		ilen = size;
	if (tr_file_load_mem(&f, data + ilen, size - ilen, data, ilen) < 0)
		return 0;
	buf_init(&dec, (size_t)-1);
	buf_init(&text, (size_t)-1);
	for (size_t i = 0; i < f.n; i++) {
		const char *t, *p, *end;
		size_t len;

		if (tr_file_frame(&f, i, &t, &len) < 0)
			continue;
		if (i == 0) {
			struct tr_header h;

			if (tr_header_parse(t, len, &h) == 0)
				tr_header_release(&h);
		}
		for (p = t, end = t + len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			struct tr_event ev;

			if (tr_event_parse(p, (size_t)(le - p), &ev, &dec) == 0) {
				buf_reset(&text);
				tr_strip_feed(&st, dec.data ? dec.data : "", dec.len, &text);
			}
			p = nl ? nl + 1 : end;
		}
	}
	/* The stripper and the line parser straight on the input as well. */
	{
		struct tr_event ev;
		struct tr_header h;

		tr_event_parse((const char *)data, size, &ev, &dec);
		if (tr_header_parse((const char *)data, size, &h) == 0)
			tr_header_release(&h);
		buf_reset(&text);
		tr_strip_feed(&st, (const char *)data, size, &text);
	}
	buf_release(&dec);
	buf_release(&text);
	close(f.dfd);
	tr_file_release(&f);
	return 0;
}
