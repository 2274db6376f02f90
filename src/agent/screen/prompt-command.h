/*
 * prompt-command: the command shown in a command prompt's body.
 *
 * A prompt body (classify.c) holds the prompt's non-blank lines, left-
 * trimmed: a title, the command, a description, the question and the
 * options. The shell policy must see the command alone (a description such
 * as "Check the project's tests" is not shell). Two layouts are known:
 *
 *   Claude Code   "Bash command", the command's lines, one description
 *                 line, then "Do you want to proceed?"
 *   Codex         "$ " and the command, up to the first option line
 *
 * Any other body is returned whole, and the policy reads all of it (text
 * that is not shell then asks a person).
 *
 * Invariants: pure; output always NUL-terminated and within its size; a body
 * too long for the output is not cut but reported (returns -1).
 */
#ifndef CM_AGENT_PROMPT_COMMAND_H
#define CM_AGENT_PROMPT_COMMAND_H

#include <stddef.h>

enum prompt_layout {
	PROMPT_LAYOUT_CUT = -2,	 /* a known layout whose end is missing (body cut) */
	PROMPT_LAYOUT_WHOLE = 0, /* no known layout: the whole body */
	PROMPT_LAYOUT_CLAUDE,	 /* "Bash command" ... description, question */
	PROMPT_LAYOUT_CODEX	 /* "$ command" */
};

/*
 * Copies the command of body into cmd (lines joined by '\n') and, for the
 * Claude layout, the line that is probably its description into desc (""
 * otherwise). Returns the layout, PROMPT_LAYOUT_CUT if the body ends before
 * the command does (the question or options are missing), or -1 if cmd or
 * desc is too small.
 */
int prompt_command(const char *body, char *cmd, size_t cmdsz, char *desc, size_t descsz);

#endif
