/*
 * metrics: counters, histograms and their Prometheus text (see metrics.h).
 */
#include "agent/sessions/metrics.h"

#include <jansson.h>
#include <string.h>

#include "agent/sessions/sessions.h"
#include "proto/state.h"

/* From a millisecond (a debounce) to several seconds (a loop that hangs). */
const double metrics_bucket_bounds[METRICS_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

static const char *const metrics_confirm_names[METRICS_CONFIRM__COUNT] = {
    [METRICS_CONFIRM_ANSWERED] = "answered",
    [METRICS_CONFIRM_NOT_TAKEN] = "not_taken",
    [METRICS_CONFIRM_REFUSED] = "refused",
    [METRICS_CONFIRM_OFF] = "off",
};

void
metrics_observe(struct metrics_histogram *h, double seconds)
{
	if (seconds < 0)
		seconds = 0;
	for (size_t i = 0; i < METRICS_BUCKETS; i++)
		if (seconds <= metrics_bucket_bounds[i]) {
			h->buckets[i]++;
			break;
		}
	h->count++;
	h->sum += seconds;
}

void
metrics_loop_lag(struct metrics *m, uint64_t due_us, uint64_t now_us)
{
	double lag;

	if (m == NULL)
		return;
	lag = now_us > due_us ? (double)(now_us - due_us) / 1e6 : 0;
	metrics_observe(&m->loop_lag, lag);
	if (lag > m->loop_lag_max)
		m->loop_lag_max = lag;
}

void
metrics_set_transcript_bytes(struct metrics *m, uint64_t bytes)
{
	if (m != NULL)
		m->transcript_bytes = bytes;
}

void
metrics_sink(void *arg, const struct event *ev)
{
	struct metrics *m = arg;
	int type = ev->msg; /* parsed once by the bus */

	if (EVENT_IS_RECORD(ev) || type == SINK_RECORDS)
		return;
	if (type < 0 || type >= PROTO_MSG__COUNT) {
		m->events_other++;
		return;
	}
	m->events[type]++;
	if (type == PROTO_MSG_AUTO_CONFIRMED) {
		json_t *took = json_object_get(ev->obj, "tookEffect");

		m->confirm[json_is_false(took) ? METRICS_CONFIRM_NOT_TAKEN
					       : METRICS_CONFIRM_ANSWERED]++;
	} else if (type == PROTO_MSG_CONFIRM_NEEDED) {
		json_t *reason = json_object_get(ev->obj, "reason");

		m->confirm[json_is_string(reason) ? METRICS_CONFIRM_REFUSED
						  : METRICS_CONFIRM_OFF]++;
	}
}

/* Appends "# HELP" and "# TYPE" lines. */
static int
metrics_head(struct buf *out, const char *name, const char *type, const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int
metrics_render_histogram(struct buf *out, const char *name, const char *help,
			 const struct metrics_histogram *h)
{
	uint64_t cum = 0;
	int rc = metrics_head(out, name, "histogram", help);

	for (size_t i = 0; i < METRICS_BUCKETS && rc == 0; i++) {
		cum += h->buckets[i];
		rc = buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, metrics_bucket_bounds[i],
				(unsigned long long)cum);
	}
	if (rc == 0)
		rc = buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n",
				name, (unsigned long long)h->count, name, h->sum, name,
				(unsigned long long)h->count);
	return rc;
}

/* Appends one counter or gauge without labels. */
static int
metrics_one(struct buf *out, const char *name, const char *type, const char *help, double v)
{
	if (metrics_head(out, name, type, help) < 0)
		return -1;
	return buf_printf(out, "%s %.17g\n", name, v);
}

/* Sessions by state, prompts waiting and the age of the oldest. */
static int
metrics_render_sessions(const struct sessions *set, double now, struct buf *out)
{
	size_t by_state[CM_STATE__COUNT] = {0}, waiting = 0;
	double oldest = 0, total_age = 0;
	const struct session *s;
	int rc;

	TAILQ_FOREACH (s, &set->list, entry) {
		if ((unsigned)s->state < CM_STATE__COUNT)
			by_state[s->state]++;
		if (s->state == CM_STATE_WAITING_CONFIRM && s->prompt.active) {
			double age = now > s->state_since ? now - s->state_since : 0;

			waiting++;
			total_age += age;
			if (age > oldest)
				oldest = age;
		}
	}
	rc = metrics_head(out, "cm_sessions", "gauge", "Sessions by state.");
	for (int st = 0; st < CM_STATE__COUNT && rc == 0; st++)
		rc = buf_printf(out, "cm_sessions{state=\"%s\"} %zu\n",
				cm_state_name((enum cm_state)st), by_state[st]);
	if (rc == 0)
		rc = metrics_one(out, "cm_prompts_waiting", "gauge",
				 "Prompts on screen waiting for an answer.", (double)waiting);
	if (rc == 0)
		rc = metrics_one(out, "cm_prompt_wait_oldest_seconds", "gauge",
				 "How long the oldest waiting prompt has waited.", oldest);
	if (rc == 0)
		rc = metrics_one(out, "cm_prompt_wait_seconds_total", "gauge",
				 "Sum of the waits of the prompts waiting now.", total_age);
	return rc;
}

/* Events published, by type (only the types seen, so the page stays short). */
static int
metrics_render_events(const struct metrics *m, struct buf *out)
{
	int rc = metrics_head(out, "cm_events_published_total", "counter",
			      "Events published on the bus, by type.");

	for (int i = 0; i < PROTO_MSG__COUNT && rc == 0; i++)
		if (m->events[i] > 0)
			rc = buf_printf(out, "cm_events_published_total{type=\"%s\"} %llu\n",
					proto_msg_name((enum proto_msg)i),
					(unsigned long long)m->events[i]);
	if (rc == 0 && m->events_other > 0)
		rc = buf_printf(out, "cm_events_published_total{type=\"other\"} %llu\n",
				(unsigned long long)m->events_other);
	if (rc == 0)
		rc = metrics_head(out, "cm_autoconfirm_decisions_total", "counter",
				  "Prompts seen by auto-confirm, by outcome.");
	for (int i = 0; i < METRICS_CONFIRM__COUNT && rc == 0; i++)
		rc = buf_printf(out, "cm_autoconfirm_decisions_total{outcome=\"%s\"} %llu\n",
				metrics_confirm_names[i], (unsigned long long)m->confirm[i]);
	return rc;
}

int
metrics_render(const struct metrics *m, const struct sessions *set, double now, struct buf *out)
{
	const struct bus *bus = &set->bus;
	int rc = metrics_render_sessions(set, now, out);

	if (rc == 0)
		rc = metrics_render_events(m, out);
	if (rc == 0)
		rc = metrics_render_histogram(
		    out, "cm_state_event_latency_seconds",
		    "From the first output of a screen change to its state_change event.",
		    &m->state_latency);
	if (rc == 0)
		rc = metrics_one(out, "cm_output_bytes_total", "counter",
				 "Terminal output bytes read from tmux.", (double)m->output_bytes);
	if (rc == 0)
		rc = metrics_one(out, "cm_output_dropped_bytes_total", "counter",
				 "Output bytes dropped for subscribers that fell behind.",
				 (double)m->output_dropped_bytes);
	if (rc == 0)
		rc = metrics_one(out, "cm_output_drops_total", "counter",
				 "Times a subscriber fell behind and output was dropped.",
				 (double)m->output_drops);
	if (rc == 0)
		rc =
		    metrics_one(out, "cm_transcript_bytes", "gauge",
				"Bytes held by the transcript store.", (double)m->transcript_bytes);
	if (rc == 0)
		rc = metrics_one(out, "cm_replay_ring_events", "gauge",
				 "Events held in the replay ring.", (double)bus->count);
	if (rc == 0)
		rc = metrics_one(out, "cm_replay_ring_capacity", "gauge",
				 "Events the replay ring can hold.", (double)bus->cap);
	if (rc == 0)
		rc = metrics_one(out, "cm_event_seq", "counter", "The last event seq.",
				 (double)bus->seq);
	if (rc == 0)
		rc = metrics_head(out, "cm_reconnects_total", "counter",
				  "Reconnections: clients resuming with since, tmux control "
				  "clients attached again.");
	if (rc == 0)
		rc = buf_printf(out,
				"cm_reconnects_total{kind=\"client\"} %llu\n"
				"cm_reconnects_total{kind=\"tmux\"} %llu\n",
				(unsigned long long)m->client_resumes,
				(unsigned long long)m->tmux_reattaches);
	if (rc == 0)
		rc = metrics_render_histogram(out, "cm_event_loop_lag_seconds",
					      "How late the event loop ran its timers.",
					      &m->loop_lag);
	if (rc == 0)
		rc = metrics_one(out, "cm_event_loop_lag_max_seconds", "gauge",
				 "The latest timer run so far, behind its time.", m->loop_lag_max);
	if (rc == 0)
		rc = metrics_one(out, "cm_start_time_seconds", "gauge",
				 "Wall time the agent started (Unix seconds).", m->started);
	return rc;
}
