/*
 * profile-fuzzer: random JSON through the profile parser. A profile that
 * loads is then used: argv built with a task, one screen classified. Every
 * refusal must come with exactly one error line. Seeds: tests/data/profile/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz_screen[] = "● Bash(touch x)\n"
				  "────────────────────────────────────────\n"
				  " Do you want to proceed?\n"
				  " ❯ 1. Yes\n"
				  "   3. No\n"
				  " Esc to cancel · Tab to amend\n"
				  "────────────────────────────────────────\n"
				  "❯\xc2\xa0hello\n"
				  "────────────────────────────────────────\n"
				  "  ? for shortcuts\n";

/* One input: parse, and use what parsed. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_result r;
	struct profile *p = NULL;
	struct buf err;
	int rc;

	buf_init(&err, 4096);
	rc = profile_parse_json((const char *)data, size, "fuzz.json", &p, &err);
	if (rc != 0) {
		if (p != NULL || err.len == 0 || err.data[err.len - 1] != '\n' ||
		    memchr(err.data, '\n', err.len) != err.data + err.len - 1)
			abort();
	} else {
		/* A loaded profile always has a program to run. */
		if (profile_program(p) == NULL)
			abort();
		classify_screen(p, fuzz_screen, sizeof(fuzz_screen) - 1, &r);
		profile_free(p);
	}
	buf_release(&err);
	return 0;
}
