/*
 * pane: reading and sizing a session's pane for a requester.
 *
 * pane_capture() reads the last N lines of screen and history (plain or
 * with escapes); pane_resize() sets the window size (tmux resize-window,
 * which also makes the size stick when people attach by hand). Each
 * answers its completion once: the result's fields (below), or an error.
 */
#ifndef CM_AGENT_SESSIONS_PANE_H
#define CM_AGENT_SESSIONS_PANE_H

#include "agent/sessions/completion.h"
#include "proto/protocol.h"

struct session;

#define PANE_CAPTURE_LINES_MAX PROTO_LINES_MAX /* capture_pane's limit */

/*
 * Captures lines lines (-1: the screen, plus the "Pane is dead" line of an
 * exited tool). Result: {sessionId, lines, content, cols, rows}; content
 * ends with a newline for every line.
 */
void pane_capture(struct session *s, long lines, int escapes, struct completion done);
/* Resizes the window and saves the size. Result: {sessionId, cols, rows}. */
void pane_resize(struct session *s, int cols, int rows, struct completion done);

#endif
