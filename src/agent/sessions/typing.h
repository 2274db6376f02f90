/*
 * typing: text and keys into a session, the way a person types them.
 *
 * Text is either typed literally (send-keys -l) or, when it is to be
 * submitted, pasted (paste-buffer -p: bracketed when the tool asked for it)
 * and followed by Enter as its own key after enter_delay_ms, because TUI
 * tools such as Codex take an Enter that arrives within ~150 ms of typed
 * text as part of a paste and would not submit. Named keys are checked by
 * keys.c. Used by send_keys requests and to hand a task to tools whose
 * profile takes it as keys once they are ready.
 */
#ifndef CM_AGENT_TYPING_H
#define CM_AGENT_TYPING_H

#include <stddef.h>

#include "agent/sessions/completion.h"
#include "proto/protocol.h"

struct session;

#define TYPING_TEXT_MAX PROTO_KEYS_MAX /* bytes of text in one go: send_keys' limit */

/*
 * Types text (may be NULL), then Enter if enter, then the named key if key;
 * done gets {sessionId} when tmux has taken all of it, or an error if tmux
 * refused. Returns CM_EINVAL (nothing typed, done not called) for text over
 * TYPING_TEXT_MAX, a NUL byte or an unknown key.
 */
int typing_start(struct session *s, const char *text, size_t len, int enter, const char *key,
		 struct completion done);

#endif
