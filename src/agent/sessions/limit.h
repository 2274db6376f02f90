/*
 * limit: a session in usage_limit with autoContinue on is continued by
 * the agent when the limit resets. At the reset time (state_change's
 * resetsAt) plus a random spread (the profile's usage_limit.spread_ms, so
 * that the sessions of one account do not all wake at once) it checks that
 * the screen is still the limit screen it saw (a person who typed, or
 * anything else that changed it, leaves the session alone), types the
 * profile's continue text with Enter, and then waits verify_ms for the tool
 * to work again. Each attempt ends with one auto_continued event: outcome
 * "continued", or "still_limited", "screen_changed", "no_reset_time",
 * "no_continue_text" for a person to look at.
 */
#ifndef CM_AGENT_SESSIONS_LIMIT_H
#define CM_AGENT_SESSIONS_LIMIT_H

#include "agent/sessions/sessions.h"

/* The state of s changed. */
void limit_on_state(struct session *s);

#endif
