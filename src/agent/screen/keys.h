/*
 * keys: what a client may ask tmux to press, and how it is said to tmux.
 *
 * Named keys are checked against a fixed grammar (modifiers C- M- S-, then
 * a tmux key name or one printable character) before they reach tmux, and
 * every argument is quoted with tmuxcc_quote, so no text a client sends can
 * become a tmux command.
 */
#ifndef CM_AGENT_KEYS_H
#define CM_AGENT_KEYS_H

#include <stddef.h>

#include "common/buf.h"

#define KEYS_NAME_MAX 16

/* True if name is a key we let clients press. */
int keys_name_valid(const char *name);
/* Appends `send-keys -- KEY` for a named key to cmd. */
int keys_cmd_key(struct buf *cmd, const char *name);
/* Appends `send-keys -l -- TEXT` for literal text to cmd. */
int keys_cmd_text(struct buf *cmd, const char *text, size_t len);

#endif
