/*
 * resume: the tool's own conversation id, and the command lines that start
 * the tool fresh or bring its conversation back (the profile's "resume",
 * screen/recovery.h).
 *
 * A profile whose id is "uuid" gets one picked here at creation and passed
 * with its "start" args (Claude Code: --session-id UUID). A profile whose
 * tool picks its own id has it learned once the tool works: from the path
 * of a file the tool's process holds open (Codex keeps its rollout file
 * CODEX_HOME/sessions/.../rollout-...-ID.jsonl open), or from a screen line.
 * The id is kept in the session's state file and listed as conversationId.
 */
#ifndef CM_AGENT_SESSIONS_RESUME_H
#define CM_AGENT_SESSIONS_RESUME_H

#include <jansson.h>

#include "agent/sessions/sessions.h"

struct profile;

/*
 * A new session: notes whether the tool starts on its task at once and,
 * for a "uuid" profile, picks the id that session.c passes with the
 * profile's start args.
 */
void resume_begin(struct session *s, const char *task);
/*
 * The command line that brings the tool of s back: its resume args when it
 * has a conversation to resume (*resumed = 1); the start command with the
 * task again when it never got to work; else the bare argv. NULL without
 * a profile.
 */
char **resume_restart_argv(struct session *s, int *resumed);
/* Takes the recovery fields back from a state file's object. */
void resume_load(struct session *s, json_t *state);
/* Looks for the id of a tool that picks its own, if not known yet. */
void resume_learn(struct session *s);

#endif
