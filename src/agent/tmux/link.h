/*
 * link: what the session layer uses of a `tmux -C` client, as a table of
 * functions (the seam between sessions and tmux).
 *
 * tmux_link_tmuxcc is the real one: every member is the tmuxcc-client
 * function of the same name, called through one pointer, so the daemon pays
 * one indirect call per command or read and copies nothing. Unit tests put
 * a script in its place (tests/unit/agent/sessions/scripted-tmux.h): it
 * checks each command line the session layer sends against the commands it
 * expects, answers with canned replies and plays %output and notifications
 * through the callbacks, so sessions, the monitor, confirm and typing run
 * without tmux. A link whose read fd is -1 has no descriptors for the loop
 * to watch: its owner (the test) drives the callbacks.
 *
 * The contract is tmuxcc-client.h's (callbacks, lifetime, replies in order).
 */
#ifndef CM_AGENT_TMUX_LINK_H
#define CM_AGENT_TMUX_LINK_H

#include <stddef.h>
#include <sys/types.h>

#include "agent/tmux/tmuxcc-client.h"

struct tmux_link {
	int (*spawn)(char *const argv[], const struct tmuxcc_client_opts *opts,
		     const struct tmuxcc_client_cb *cb, void *arg, struct tmuxcc_client **cp);
	int (*rfd)(const struct tmuxcc_client *c);
	int (*wfd)(const struct tmuxcc_client *c);
	pid_t (*pid)(const struct tmuxcc_client *c);
	int (*on_readable)(struct tmuxcc_client *c);
	int (*on_writable)(struct tmuxcc_client *c);
	int (*command)(struct tmuxcc_client *c, const char *cmdline, tmuxcc_reply_fn cb, void *arg);
	void (*cancel)(struct tmuxcc_client *c, void *arg);
	void (*close)(struct tmuxcc_client *c);
	void (*free)(struct tmuxcc_client *c);
};

/* The real control client (tmuxcc-client.c). */
extern const struct tmux_link tmux_link_tmuxcc;

#endif
