/*
 * tmuxcc-parse-fuzzer: feeds arbitrary bytes to the control-mode parser in
 * chunks whose sizes come from the input itself, with small limits so that
 * overlong lines and truncated replies are reached, and checks the limits
 * hold. It also checks that tmuxcc_quote's output decodes back to its input
 * under tmux's double-quote rules.
 *
 * Input layout: byte 0 picks the limits, bytes 1..8 seed the chunk sizes,
 * the rest is the stream. Seeds: tests/data/tmuxcc-parse/.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agent/tmux/tmuxcc-client.h"
#include "agent/tmux/tmuxcc-parse.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Limits of the current run, checked by the callbacks. */
static size_t fuzz_max_line, fuzz_max_body;

/* Checks a reply against the limits. */
static void
fuzz_reply(void *arg, const struct tmuxcc_reply *r)
{
	(void)arg;
	assert(r->len <= fuzz_max_body);
	assert(r->body[r->len] == '\0');
}

/* Checks output against the limits. */
static void
fuzz_output(void *arg, unsigned pane, const char *data, size_t len)
{
	(void)arg;
	(void)pane;
	(void)data;
	assert(len <= fuzz_max_line);
}

/* Checks a notification's strings. */
static void
fuzz_notify(void *arg, const char *name, const char *args)
{
	(void)arg;
	assert(name[0] != '\0' && strlen(name) + strlen(args) <= fuzz_max_line);
}

/* Checks %exit's reason. */
static void
fuzz_exit(void *arg, const char *reason)
{
	(void)arg;
	assert(reason == NULL || strlen(reason) <= fuzz_max_line);
}

/* Decodes one double-quoted token as tmux 3.3a does for the escapes tmuxcc_quote uses. */
static size_t
fuzz_unquote(const char *q, size_t n, char *out)
{
	size_t i = 1, o = 0;

	assert(n >= 2 && q[0] == '"' && q[n - 1] == '"');
	while (i < n - 1) {
		unsigned char c = (unsigned char)q[i];

		/* What tmux would act on inside double quotes must never appear bare. */
		assert(c != '"' && c != '$' && c != '~' && c >= 0x20 && c != 0x7f && c != 0xff);
		if (c != '\\') {
			out[o++] = q[i++];
			continue;
		}
		assert(i + 1 < n - 1);
		if (q[i + 1] >= '0' && q[i + 1] <= '3') {
			assert(i + 3 < n - 1);
			out[o++] = (char)(((q[i + 1] - '0') << 6) | ((q[i + 2] - '0') << 3) |
					  (q[i + 3] - '0'));
			i += 4;
		} else {
			assert(strchr("\\\"$~", q[i + 1]) != NULL);
			out[o++] = q[i + 1];
			i += 2;
		}
	}
	return o;
}

/* Quotes the input and checks it decodes back. */
static void
fuzz_quote(const uint8_t *data, size_t size)
{
	static char back[65536];
	struct buf q;
	int rc;

	if (size > sizeof(back))
		size = sizeof(back);
	buf_init(&q, 4 * size + 2);
	rc = tmuxcc_quote(&q, (const char *)data, size);
	if (memchr(data, '\0', size) != NULL) {
		assert(rc < 0 && q.len == 0);
	} else {
		assert(rc == 0);
		assert(fuzz_unquote(q.data, q.len, back) == size);
		assert(memcmp(back, data, size) == 0);
	}
	buf_release(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tmuxcc_parse_cb cb = {fuzz_reply, fuzz_output, fuzz_notify, fuzz_exit};
	struct tmuxcc_parse p;
	uint64_t seed = 0;
	size_t off;

	if (size < 9)
		return 0;
	/* Small limits half the time, defaults otherwise. */
	fuzz_max_line = (data[0] & 1) ? 256 + (data[0] >> 1) * 8 : TMUXCC_PARSE_MAX_LINE;
	fuzz_max_body = (data[0] & 1) ? (size_t)(data[0] >> 1) * 4 : TMUXCC_PARSE_MAX_BODY;
	if (fuzz_max_body == 0)
		fuzz_max_body = TMUXCC_PARSE_MAX_BODY;
	memcpy(&seed, data + 1, 8);
	tmuxcc_parse_init(&p, &cb, NULL, fuzz_max_line, fuzz_max_body);
	for (off = 9; off < size;) {
		size_t n;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		n = (size_t)(seed >> 33) % 64;
		if (n > size - off)
			n = size - off;
		tmuxcc_parse_feed(&p, data + off, n);
		off += n;
		assert(p.line.len <= fuzz_max_line);
	}
	tmuxcc_parse_release(&p);
	fuzz_quote(data + 9, size - 9);
	return 0;
}
