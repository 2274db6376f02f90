/*
 * shell-parse-fuzzer: random command lines through the shell parser, then
 * through the shell policy and the command-prompt path of danger_check().
 * Nothing may crash, leak, read out of bounds or recurse without bound;
 * a parse result must be consistent (every index in range), and a verdict
 * must carry a rule name from shell_policy_rules or "ok" and a
 * NUL-terminated reason. Seeds: tests/data/shell-parse/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/danger.h"
#include "agent/screen/shell-parse.h"
#include "agent/screen/shell-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless every index of the result is in range. */
static void
fuzz_check_result(const struct shp_result *r)
{
	for (size_t c = 0; c < r->ncmds; c++) {
		const struct shp_cmd *cmd = &r->cmds[c];
		if (cmd->scope < 0 || (size_t)cmd->scope >= r->nscopes)
			abort();
		for (size_t k = 0; k < cmd->argc; k++)
			if (cmd->argv[k] < 0 || (size_t)cmd->argv[k] >= r->nwords)
				abort();
		for (size_t k = 0; k < cmd->nredir; k++)
			if (cmd->redir[k].word < 0 || (size_t)cmd->redir[k].word >= r->nwords)
				abort();
	}
	for (size_t w = 0; w < r->nwords; w++)
		if (r->words[w].text == NULL || strlen(r->words[w].text) > r->words[w].len)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shp_result r;
	struct shell_verdict v;
	struct danger_hit hit;
	char *text = malloc(size + 1);
	int known = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (shp_parse(text, size, &r) == SHP_OK)
		fuzz_check_result(&r);
	shp_result_free(&r);
	shell_policy_check(text, size, "/srv/builds/acme/work/proj", &v);
	if (memchr(v.reason, '\0', sizeof(v.reason)) == NULL)
		abort();
	for (size_t i = 0; shell_policy_rules[i]; i++)
		known |= strcmp(v.rule, shell_policy_rules[i]) == 0;
	if (!known && strcmp(v.rule, "ok") != 0)
		abort();
	if (v.ask == (strcmp(v.rule, "ok") == 0))
		abort();
	if (memchr(text, '\0', size) == NULL)
		danger_check(text, PROFILE_PROMPT_COMMAND, "/srv/p", NULL, NULL, &hit);
	free(text);
	return 0;
}
