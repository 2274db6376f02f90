/*
 * Unit tests of the pure parts of cm agent: the remote quoting (read back
 * by real shells: sh, bash, and zsh and fish when installed), the tmux
 * version check, the ELF architecture of a binary, the PATH the agent gets,
 * systemd's Environment= quoting and the unit install writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "deploy.h"
#include "remote.h"

/* Runs SHELL -c "printf %s WORD" and returns what it printed (caller frees), or NULL. */
static char *
run_shell(const char *shell, const char *word)
{
	struct buf b, out;
	int fd[2], status;
	char chunk[4096];
	ssize_t r;
	pid_t pid;

	if (access(shell, X_OK) < 0)
		return NULL;
	buf_init(&b, 1 << 20);
	buf_append_str(&b, "printf %s ");
	assert_int_equal(remote_quote(&b, word), 0);
	assert_int_equal(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execl(shell, shell, "-c", b.data, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	buf_init(&out, 1 << 20);
	while ((r = read(fd[0], chunk, sizeof(chunk))) > 0)
		buf_append(&out, chunk, (size_t)r);
	close(fd[0]);
	waitpid(pid, &status, 0);
	buf_release(&b);
	return out.data ? buf_steal(&out, NULL) : strdup("");
}

/* Every nasty word comes back unchanged from every shell there is. */
static void
test_quote_roundtrip(void **state)
{
	static const char *const words[] = {"plain",
					    "",
					    "it's",
					    "a\\b",
					    "\\'",
					    "'\\''",
					    "$HOME `id` $(id)",
					    "a\nb\n",
					    "*?[a]~",
					    "\"dq\" ; & | < > ( ) { } #",
					    "trailing\\",
					    "%s %% \\n",
					    "ünï ✓",
					    NULL};
	static const char *const shells[] = {"/bin/sh", "/bin/bash", "/usr/bin/zsh",
					     "/usr/bin/fish", NULL};
	size_t i, k;

	(void)state;
	for (k = 0; shells[k]; k++)
		for (i = 0; words[i]; i++) {
			char *got = run_shell(shells[k], words[i]);
			if (!got)
				break; /* that shell is not installed */
			if (strcmp(got, words[i]) != 0)
				fail_msg("%s read [%s] back as [%s]", shells[k], words[i], got);
			free(got);
		}
}

/* The command line keeps the script and each argument as one word. */
static void
test_remote_command(void **state)
{
	const char *args[] = {"a b", "it's", NULL};
	char *c = remote_command("echo \"$1\"", args);

	(void)state;
	assert_string_equal(c, "/bin/sh -c 'echo \"$1\"' cm-agent 'a b' 'it'\\''s'");
	free(c);
}

/* tmux versions: releases, next-, master; too old, missing, garbage. */
static void
test_tmux_version(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(deploy_tmux_ok("tmux 3.3a", why, sizeof(why)), 0);
	assert_int_equal(deploy_tmux_ok("tmux 3.2", why, sizeof(why)), 0);
	assert_int_equal(deploy_tmux_ok("tmux 10.0", why, sizeof(why)), 0);
	assert_int_equal(deploy_tmux_ok("tmux next-3.5", why, sizeof(why)), 0);
	assert_int_equal(deploy_tmux_ok("tmux master", why, sizeof(why)), 0);
	assert_int_equal(deploy_tmux_ok("tmux 3.1c", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "3.1 is too old"));
	assert_int_equal(deploy_tmux_ok("tmux 2.9", why, sizeof(why)), -1);
	assert_int_equal(deploy_tmux_ok("", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not installed"));
	assert_int_equal(deploy_tmux_ok("sh: tmux: not found", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "cannot read"));
}

/* The architecture of a real binary, and a file that is not one. */
static void
test_elf(void **state)
{
	char arch[32], why[256];
	int st = -1;

	(void)state;
	assert_int_equal(deploy_elf_info("/bin/sh", arch, sizeof(arch), &st, why, sizeof(why)), 0);
#if defined(__x86_64__)
	assert_string_equal(arch, "x86_64");
#endif
	assert_int_equal(st, 0); /* /bin/sh is linked dynamically */
	assert_int_equal(
	    deploy_elf_info(CM_SOURCE_DIR "/README.md", arch, sizeof(arch), &st, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "not a little-endian ELF"));
	assert_int_equal(deploy_elf_info("/nonexistent", arch, sizeof(arch), &st, why, sizeof(why)),
			 -1);
}

/* ~/.local/bin first, duplicates, relative and empty entries, control characters dropped. */
static void
test_path(void **state)
{
	char *p;

	(void)state;
	p = deploy_path("/home/u/npm/bin:/usr/bin::.:/usr/bin:/bad\x01:/bin", "/home/u");
	assert_string_equal(p, "/home/u/.local/bin:/home/u/npm/bin:/usr/bin:/bin");
	free(p);
	p = deploy_path("/home/u/.local/bin:/usr/bin", "/home/u");
	assert_string_equal(p, "/home/u/.local/bin:/usr/bin");
	free(p);
	p = deploy_path("", "/h");
	assert_string_equal(p, "/h/.local/bin:/usr/local/bin:/usr/bin:/bin");
	free(p);
}

/* systemd's quoting: %, \ and " escaped, the whole assignment in quotes. */
static void
test_systemd_env(void **state)
{
	char *e = deploy_systemd_env("PATH", "/a b:/c%d:/e\\f\"g");

	(void)state;
	assert_string_equal(e, "Environment=\"PATH=/a b:/c%%d:/e\\\\f\\\"g\"");
	free(e);
}

/* The unit install writes runs the installed binary with its config; KillMode=process stays. */
static void
test_unit(void **state)
{
	char *u = deploy_unit(cm_agent_user_unit_text), *c = deploy_config("/home/u", 9000);

	(void)state;
	assert_non_null(strstr(
	    u, "\nExecStart=%h/.local/bin/cm-agent --config %h/.config/cm-agent/agent.json\n"));
	assert_null(strstr(u, "@CM_AGENT_BIN@"));
	assert_non_null(strstr(u, "\nKillMode=process\n"));
	assert_non_null(strstr(c, "\"token_file\": \"/home/u/.local/state/cm-agent/token\""));
	assert_non_null(strstr(c, "\"port\": 9000"));
	free(u);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quote_roundtrip),
	    cmocka_unit_test(test_remote_command),
	    cmocka_unit_test(test_tmux_version),
	    cmocka_unit_test(test_elf),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_systemd_env),
	    cmocka_unit_test(test_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
