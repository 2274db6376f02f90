/*
 * metrics: what the agent counts for GET /metrics, and its Prometheus text.
 *
 * Most of it comes from events: metrics_sink() is registered on the bus
 * like any other sink and counts events by type and auto-confirm decisions
 * by outcome. What no event carries is counted where it happens, by one
 * addition on a path that already runs: output bytes (session.c) and
 * dropped bytes (output.c), the time from a screen's first %output to the state_change it
 * causes (monitor.c), how late the loop ran a timer (monitor.c's debounce,
 * the watchdog), tmux control clients re-attached (session.c), clients
 * resuming with `since` (the transport). Gauges (sessions by state, prompts
 * waiting and their age, the replay ring) are read from the session list
 * at scrape time, so nothing is kept up to date between scrapes.
 *
 * Nothing here wakes up the loop: an idle agent's metrics cost nothing.
 * Every hook takes the struct pointer the layer holds (set->metrics), which
 * is NULL in unit tests that do not want metrics; the METRICS_ADD macro and
 * the functions accept NULL.
 *
 * Transcript bytes are a gauge the transcript store sets through
 * metrics_set_transcript_bytes(); it reads 0 until one does.
 */
#ifndef CM_AGENT_SESSIONS_METRICS_H
#define CM_AGENT_SESSIONS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/sessions/sink.h"
#include "common/buf.h"
#include "proto/protocol.h"

#define METRICS_BUCKETS 12 /* histogram buckets, +Inf apart */

/* Upper bounds of the histogram buckets, in seconds (shared by both histograms). */
extern const double metrics_bucket_bounds[METRICS_BUCKETS];

struct metrics_histogram {
	uint64_t buckets[METRICS_BUCKETS]; /* observations <= bound (not cumulative) */
	uint64_t count;			   /* every observation, +Inf included */
	double sum;			   /* seconds */
};

/* The outcomes of a prompt seen by auto-confirm (the label of cm_autoconfirm_decisions_total). */
enum metrics_confirm {
	METRICS_CONFIRM_ANSWERED = 0, /* answered by policy, and the answer was taken */
	METRICS_CONFIRM_NOT_TAKEN,    /* answered by policy, the prompt stayed */
	METRICS_CONFIRM_REFUSED,      /* the policy left it to a person (a reason) */
	METRICS_CONFIRM_OFF,	      /* auto-confirm off for the session: left to a person */
	METRICS_CONFIRM__COUNT
};

struct metrics {
	uint64_t events[PROTO_MSG__COUNT];	  /* events published, by message */
	uint64_t events_other;			  /* events of a type the table does not know */
	uint64_t confirm[METRICS_CONFIRM__COUNT]; /* auto-confirm decisions */
	uint64_t output_bytes;			  /* %output bytes read from tmux */
	uint64_t output_dropped_bytes;		  /* bytes dropped for slow subscribers */
	uint64_t output_drops;			  /* times a subscriber started dropping */
	uint64_t tmux_reattaches;		  /* control clients attached again */
	uint64_t client_resumes;		  /* clients that asked for events `since` */
	uint64_t transcript_bytes;		  /* set by the transcript store */
	struct metrics_histogram state_latency;	  /* first %output -> state_change */
	struct metrics_histogram loop_lag;	  /* timer lateness */
	double loop_lag_max;			  /* the worst seen, seconds */
	double started;				  /* wall time the agent started */
};

/* Adds n to a counter field of m, if m is not NULL. */
#define METRICS_ADD(m, field, n)                                                                   \
	do {                                                                                       \
		if ((m) != NULL)                                                                   \
			(m)->field += (n);                                                         \
	} while (0)

/* Adds one observation of seconds to h. */
void metrics_observe(struct metrics_histogram *h, double seconds);
/* A timer due at due_us (monotonic) ran at now_us: records the lag. */
void metrics_loop_lag(struct metrics *m, uint64_t due_us, uint64_t now_us);
/* The transcript store's bytes on disk (a gauge). */
void metrics_set_transcript_bytes(struct metrics *m, uint64_t bytes);

/* The bus sink (arg: struct metrics *): counts events and auto-confirm decisions. */
void metrics_sink(void *arg, const struct event *ev);

struct sessions;

/*
 * Appends the session layer's metrics to out in the Prometheus text
 * exposition format (version 0.0.4), reading the gauges from set at wall
 * time now. Returns 0, or -1 if out is full.
 */
int metrics_render(const struct metrics *m, const struct sessions *set, double now,
		   struct buf *out);
/* Appends one histogram (name without suffix) to out. */
int metrics_render_histogram(struct buf *out, const char *name, const char *help,
			     const struct metrics_histogram *h);

#endif
