/*
 * limit-time: when a usage limit ends, read from the tool's own words.
 *
 * The tools say it in a few shapes: "resets 3pm", "resets at 3:04 PM",
 * "reset at 15:00", "try again at 3:04 PM" (a time of day: the next one
 * after now, in the agent's local time; a zone named in parentheses is
 * not applied), "try again in 2 hours 5 minutes", "resets in 4h 12m",
 * "in 30 seconds" (a duration from now). Pure: no I/O, no global state
 * but the C library's local time zone.
 */
#ifndef CM_AGENT_SCREEN_LIMIT_TIME_H
#define CM_AGENT_SCREEN_LIMIT_TIME_H

#include <stddef.h>

/*
 * The wall time (seconds since the epoch) the limit described in text
 * (len bytes, any lines) ends, given the time now; 0 if text names none.
 * The last phrase on screen wins (the newest message).
 */
double limit_time_parse(const char *text, size_t len, double now);

#endif
