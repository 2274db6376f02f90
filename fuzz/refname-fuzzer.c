/*
 * refname-fuzzer: arbitrary bytes as a branch name and a base ref. Checks
 * that whatever is accepted can never read as an option, leave the
 * worktrees' directory or hold shell syntax, and that a refusal always
 * says why; the directory name of an accepted branch has no '/'.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/worktree/refname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What no accepted name may hold, whatever the alphabet becomes. */
static void
fuzz_check_accepted(const char *s)
{
	assert(s[0] != '-' && s[0] != '/' && s[0] != '.');
	assert(strstr(s, "..") == NULL && strstr(s, "//") == NULL && strstr(s, "@{") == NULL);
	for (const char *c = s; *c; c++)
		assert(strchr(";|&$`'\" \t\n\\*?[#:<>(){}!", *c) == NULL);
	assert(strlen(s) <= REFNAME_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), why[256], dir[REFNAME_MAX + 1];

	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	if (refname_branch_ok(s, why, sizeof why)) {
		fuzz_check_accepted(s);
		refname_dirname(s, dir, sizeof dir);
		assert(strchr(dir, '/') == NULL);
	} else {
		assert(why[0] != '\0');
	}
	why[0] = '\0';
	if (refname_base_ok(s, why, sizeof why))
		fuzz_check_accepted(s);
	else
		assert(why[0] != '\0');
	free(s);
	return 0;
}
