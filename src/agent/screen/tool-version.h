/*
 * tool-version: what version of a program is installed, and how versions
 * order. Shared by `cm-agent classify --check-version` and the doctor
 * request (which runs it in a child process: it blocks for up to
 * timeout_ms).
 *
 * A version is the first word of `PROG --version` that starts with a digit
 * ("2.1.197 (Claude Code)", "codex-cli 0.169.0", "v1.2"): no shell, PATH
 * search, stdin /dev/null, stderr dropped.
 */
#ifndef CM_AGENT_SCREEN_TOOL_VERSION_H
#define CM_AGENT_SCREEN_TOOL_VERSION_H

#include <stddef.h>

#define TOOL_VERSION_OUT 4096 /* bytes of `PROG --version` read */

/*
 * Runs `prog flag` (flag: "--version", "-V" for tmux) and leaves its version in out. Returns 0, or
 * -1 if it could not be run, printed nothing usable or took longer than timeout_ms (it is then
 * killed).
 */
int tool_version_run(const char *prog, const char *flag, long timeout_ms, char *out, size_t size);
/* The version in a program's `--version` text (0), or -1 if it names none or it does not fit. */
int tool_version_parse(const char *text, char *out, size_t size);
/* Compares the numeric dotted parts of two versions (like strcmp). */
int tool_version_cmp(const char *a, const char *b);

#endif
