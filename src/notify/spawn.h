/*
 * spawn: runs a program for a notification (notify-send, or the user's
 * own), argv only: no shell ever sees the text. The input (the
 * notification's JSON, or nothing) is written to its standard input, which
 * is then closed; its standard output goes to /dev/null, its standard
 * error is ours (the log). A program that outlives timeout_ms is killed.
 * For the delivery threads: it waits, and expects SIGPIPE blocked in the
 * calling thread (sender.c does so) when the program may not read its input.
 */
#ifndef CM_NOTIFY_SPAWN_H
#define CM_NOTIFY_SPAWN_H

#include <stddef.h>

/*
 * Runs argv[0] (looked up on PATH) with input on stdin; 0 when it exited
 * with status 0, else -1 with why in err (not found, status N, killed after
 * the timeout or once *cancel is set).
 */
int notify_spawn(char *const argv[], const char *input, size_t len, int timeout_ms,
		 const int *cancel, char *err, size_t n);

#endif
