/*
 * classify-fuzzer: random screens through the classifier with the claude
 * and codex profiles of the source tree, then through the auto-confirm
 * policy. Nothing may crash, leak or read out of bounds, and every text of
 * a result must be NUL-terminated within its bound.
 *
 * The profiles are found next to this file (fuzz/../profiles), so the
 * fuzzer runs from any directory. Seeds: tests/data/classify/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/autoconfirm.h"
#include "agent/screen/classify.h"
#include "agent/screen/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct profile *fuzz_profiles[2];

/* Loads one profile from the source tree or aborts. */
static struct profile *
fuzz_load(const char *name)
{
	char dir[4096], path[4200];
	struct profile *p;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", __FILE__);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), "..");
	else
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../profiles/%s.json", dir, name);
	if (profile_load_file(path, &p, NULL) != 0) {
		fprintf(stderr, "classify-fuzzer: cannot load %s\n", path);
		abort();
	}
	return p;
}

/* One input: classify with both profiles and decide. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct autoconfirm_decision d;
	struct classify_result r;
	size_t i;

	if (fuzz_profiles[0] == NULL) {
		fuzz_profiles[0] = fuzz_load("claude");
		fuzz_profiles[1] = fuzz_load("codex");
	}
	for (i = 0; i < 2; i++) {
		classify_screen(fuzz_profiles[i], (const char *)data, size, &r);
		if (memchr(r.evidence, '\0', sizeof(r.evidence)) == NULL ||
		    memchr(r.prompt.body, '\0', sizeof(r.prompt.body)) == NULL ||
		    memchr(r.prompt.question, '\0', sizeof(r.prompt.question)) == NULL)
			abort();
		if ((unsigned)r.state >= CM_STATE__COUNT)
			abort();
		autoconfirm_decide(&r, "/srv/builds/acme/work/proj", NULL, &d);
		if (d.action == AUTOCONFIRM_ANSWER && d.n_keys == 0)
			abort();
	}
	return 0;
}
