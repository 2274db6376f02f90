/*
 * recovery-state: what one session holds for its recovery (struct session's
 * "rec"): the tool's conversation id and restart policy (resume.c,
 * recover.c), the stall watch (stall.c) and the usage-limit watch (limit.c).
 * The durable part (conversation id, policy, options) is in the session's
 * state file; the timers are the loop's.
 */
#ifndef CM_AGENT_SESSIONS_RECOVERY_STATE_H
#define CM_AGENT_SESSIONS_RECOVERY_STATE_H

#include <libwebsockets.h>
#include <stdint.h>

enum limit_phase {
	LIMIT_NONE = 0,	 /* no usage limit on screen, or auto-continue is off */
	LIMIT_WAITING,	 /* waiting for the reset time (plus the spread) */
	LIMIT_VERIFYING, /* the continue text was sent: is the tool working again? */
	LIMIT_LEFT	 /* left to a person, until the limit screen goes */
};

struct session_recovery {
	/* Resume (resume.c). */
	char *conv_id;	  /* the tool's conversation id, or NULL if not known */
	int conv_started; /* the tool has a conversation to resume (it worked or had a task) */
	int learning;	  /* a look for the tool's id is in flight */
	/* Restart (recover.c). */
	int restart;		      /* enum restart_policy; -1: the profile's */
	unsigned attempts;	      /* restarts in a row */
	double started;		      /* wall time of the last (re)start */
	const char *reason;	      /* why the pending restart (static text) */
	int pending;		      /* a restart is scheduled */
	int pending_saved;	      /* the state file says one was (the agent died first) */
	int dead_waits;		      /* looks for the process of a tool that said goodbye */
	int resumed;		      /* the last (re)start resumed the conversation */
	int alive;		      /* the tool reached a working or waiting state since */
	int resume_broken;	      /* a resume ended before that: start afresh */
	lws_sorted_usec_list_t timer; /* the backoff */
	/* Stall (stall.c). */
	long stall_ms;		      /* -1: the agent's --stall-ms */
	int stall_armed;	      /* stall_timer is scheduled */
	int stalled;		      /* session_stalled was raised, no output since */
	uint64_t stall_hash;	      /* the screen as last seen by the watch */
	uint64_t stall_since;	      /* monotonic us it was first seen so (0: not watching) */
	lws_sorted_usec_list_t stall; /* the check */
	/* Usage limit (limit.c). */
	int auto_continue;	      /* continue by itself once the limit resets */
	double resets_at;	      /* wall time the limit ends, 0 if not known */
	uint64_t limit_screen;	      /* hash of the limit's rule and evidence as first seen */
	unsigned typed;		      /* typing_start calls, by anyone (typing.c) */
	unsigned typed_at_limit;      /* typed when the limit was seen */
	enum limit_phase limit_phase; /* where auto-continue is */
	int limit_worked;	      /* the tool worked since the continue text */
	lws_sorted_usec_list_t limit; /* reset time, then the check after the continue */
	/* Events to act on outside the bus's publish call (watch.c). */
	unsigned watch_flags;	      /* WATCH_* */
	lws_sorted_usec_list_t watch; /* runs them on the next loop turn */
};

#endif
