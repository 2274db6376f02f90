/*
 * test-shell-policy: every row of tests/data/policy/commands.tsv gets its
 * decision and rule from shell_policy_check(), and the same from
 * danger_check() when the command is shown in a Claude Code prompt body
 * and in a Codex one. Also: prompt_command() finds the command in those
 * layouts, a description that is not shell does not ask, and the policy's
 * reasons name what matched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/screen/danger.h"
#include "agent/screen/prompt-command.h"
#include "agent/screen/shell-policy.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"

/* Undoes the table's \n, \t and \\ escapes in place. */
static void
unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* The command as Claude Code shows it: title, lines, description, question. */
static char *
claude_body(const char *cmd)
{
	return xasprintf("Bash command\n%s\nRun the command\nDo you want to proceed?\n"
			 "❯ 1. Yes\n2. Yes, and always allow access to proj/ from this project\n"
			 "3. No\nEsc to cancel · Tab to amend · ctrl+e to explain",
			 cmd);
}

/* The command as Codex shows it. */
static char *
codex_body(const char *cmd)
{
	return xasprintf("Would you like to run the following command?\nEnvironment: local\n"
			 "Reason: Do you want to allow this?\n$ %s\n› 1. Yes, proceed (y)\n"
			 "2. Yes, and don't ask again for commands that start with `%s` (p)\n"
			 "3. No, and tell Codex what to do differently (esc)\n"
			 "Press enter to confirm or esc to cancel",
			 cmd, cmd);
}

/* Checks one row through the C API. */
static int
check_row(int line, const char *decision, const char *rule, const char *dir, const char *cmd)
{
	struct shell_verdict v;
	struct danger_hit hit;
	int ask = strcmp(decision, "ask") == 0, bad = 0, got;
	char *body;

	shell_policy_check(cmd, strlen(cmd), dir, &v);
	if (v.ask != ask || strcmp(v.rule, rule) != 0 || v.reason[0] == '\0') {
		print_error("line %d: %s: expected %s %s, got %s %s (%s)\n", line, cmd, decision,
			    rule, v.ask ? "ask" : "allow", v.rule, v.reason);
		bad = 1;
	}
	body = claude_body(cmd);
	got = danger_check(body, PROFILE_PROMPT_COMMAND, dir, NULL, NULL, &hit);
	if (got != ask || (ask && strcmp(hit.rule, rule) != 0)) {
		print_error("line %d: %s in a Claude prompt: %s %s\n", line, cmd,
			    got ? "ask" : "allow", got ? hit.rule : "");
		bad = 1;
	}
	free(body);
	if (strchr(cmd, '\n') == NULL) {
		body = codex_body(cmd);
		got = danger_check(body, PROFILE_PROMPT_COMMAND, dir, NULL, NULL, &hit);
		if (got != ask || (ask && strcmp(hit.rule, rule) != 0)) {
			print_error("line %d: %s in a Codex prompt: %s %s\n", line, cmd,
				    got ? "ask" : "allow", got ? hit.rule : "");
			bad = 1;
		}
		free(body);
	}
	return bad;
}

/* The whole table, dangerous and ordinary commands. */
static void
test_table(void **state)
{
	char *text, *p, *nl;
	size_t len;
	int line = 0, failed = 0, asks = 0, allows = 0;

	(void)state;
	assert_int_equal(
	    fs_read_file(CM_SOURCE_DIR "/tests/data/policy/commands.tsv", 1 << 20, &text, &len), 0);
	for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
		char *f[4];
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		line++;
		if (*p == '#' || *p == '\0')
			continue;
		f[0] = p;
		for (int k = 1; k < 4; k++) {
			f[k] = strchr(f[k - 1], '\t');
			assert_non_null(f[k]);
			*f[k]++ = '\0';
		}
		unescape(f[3]);
		if (strcmp(f[0], "ask") == 0)
			asks++;
		else
			allows++;
		failed += check_row(line, f[0], f[1], f[2], f[3]);
	}
	free(text);
	assert_true(asks >= 100);
	assert_true(allows >= 100);
	assert_int_equal(failed, 0);
}

/* The command is found in the known layouts; other bodies are read whole. */
static void
test_prompt_command(void **state)
{
	char cmd[256], desc[64];
	char *b;

	(void)state;
	b = claude_body("make &&\nmake test");
	assert_int_equal(prompt_command(b, cmd, sizeof(cmd), desc, sizeof(desc)),
			 PROMPT_LAYOUT_CLAUDE);
	assert_string_equal(cmd, "make &&\nmake test");
	assert_string_equal(desc, "Run the command");
	free(b);
	b = codex_body("ls -la");
	assert_int_equal(prompt_command(b, cmd, sizeof(cmd), desc, sizeof(desc)),
			 PROMPT_LAYOUT_CODEX);
	assert_string_equal(cmd, "ls -la");
	assert_string_equal(desc, "");
	free(b);
	assert_int_equal(prompt_command("Bash command\nls\nDo you want to proceed?", cmd,
					sizeof(cmd), desc, sizeof(desc)),
			 PROMPT_LAYOUT_CLAUDE);
	assert_string_equal(cmd, "ls");
	assert_int_equal(prompt_command("rm -rf x", cmd, sizeof(cmd), desc, sizeof(desc)),
			 PROMPT_LAYOUT_WHOLE);
	assert_string_equal(cmd, "rm -rf x");
	assert_int_equal(prompt_command("rm -rf x", cmd, 4, desc, sizeof(desc)), -1);
}

/* Descriptions: prose with an apostrophe is not shell; a last command line is. */
static void
test_description(void **state)
{
	struct danger_hit hit;

	(void)state;
	assert_false(danger_check("Bash command\nnpm test\nRun the project's tests\n"
				  "Do you want to proceed?\n❯ 1. Yes",
				  PROFILE_PROMPT_COMMAND, "/srv/proj", NULL, NULL, &hit));
	/* no description: the last line before the question is a command */
	assert_true(danger_check("Bash command\nls\nrm -rf /\nDo you want to proceed?\n❯ 1. Yes",
				 PROFILE_PROMPT_COMMAND, "/srv/proj", NULL, NULL, &hit));
	assert_string_equal(hit.rule, "delete-outside");
	/* an unknown layout is read whole: prose that is not shell asks */
	assert_true(danger_check("Allow it? It's fine", PROFILE_PROMPT_COMMAND, "/srv/proj", NULL,
				 NULL, &hit));
	assert_string_equal(hit.rule, "unparsed");
	/* a body cut before the question may have lost the rest of the command */
	assert_true(danger_check("Bash command\nls\nmake", PROFILE_PROMPT_COMMAND, "/srv/proj",
				 NULL, NULL, &hit));
	assert_string_equal(hit.rule, "unparsed");
	assert_true(danger_check("Would you like to run the following command?\n$ ls",
				 PROFILE_PROMPT_COMMAND, "/srv/proj", NULL, NULL, &hit));
	assert_string_equal(hit.rule, "unparsed");
	{
		char *longb = xmalloc(2048);
		memset(longb, 'a', 2000);
		memcpy(longb, "echo ", 5);
		longb[2000] = '\0';
		assert_true(
		    danger_check(longb, PROFILE_PROMPT_COMMAND, "/srv/proj", NULL, NULL, &hit));
		assert_string_equal(hit.rule, "unparsed");
		free(longb);
	}
	/* other prompt kinds get no shell verdict */
	assert_false(danger_check("Choose the text style\nrm -rf /", PROFILE_PROMPT_SETUP,
				  "/srv/proj", NULL, NULL, &hit));
}

/* Reasons say what matched; a NULL directory makes every absolute path outside. */
static void
test_reasons(void **state)
{
	struct shell_verdict v;

	(void)state;
	assert_true(shell_policy_check("ls && rm -rf /etc", 17, "/srv/proj", &v));
	assert_string_equal(v.rule, "delete-outside");
	assert_non_null(strstr(v.reason, "/etc"));
	assert_false(shell_policy_check("ls", 2, "/srv/proj", &v));
	assert_string_equal(v.rule, "ok");
	assert_true(shell_policy_check("rm /srv/proj/x", 14, NULL, &v));
	assert_false(shell_policy_check("rm -rf build", 12, NULL, &v));
	assert_true(shell_policy_check("rm -rf ../x", 11, NULL, &v));
	/* nested sh -c deeper than the limit */
	{
		const char *cmd = "sh -c \"sh -c 'sh -c \\\"sh -c ls\\\"'\"";
		assert_false(shell_policy_check(cmd, strlen(cmd), "/srv/proj", &v));
	}
	{
		char deep[4096] = "ls";
		for (int i = 0; i < SHELL_POLICY_MAX_DEPTH + 2; i++) {
			char *q = xasprintf("eval %s", deep);
			snprintf(deep, sizeof(deep), "%s", q);
			free(q);
		}
		assert_true(shell_policy_check(deep, strlen(deep), "/srv/proj", &v));
		assert_string_equal(v.rule, "unparsed");
	}
	/* a reason never holds control bytes */
	assert_true(shell_policy_check("rm -rf $'/\\n\\t'", 16, "/srv/proj", &v));
	assert_null(strchr(v.reason, '\n'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_prompt_command),
	    cmocka_unit_test(test_description),
	    cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
