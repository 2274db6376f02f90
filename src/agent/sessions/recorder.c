/*
 * recorder: sessions -> transcripts (see recorder.h).
 */
#include "agent/sessions/recorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "agent/sessions/sessions.h"
#include "agent/sessions/tap.h"
#include "common/err.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

/* One session being recorded (session->recording). */
struct recording {
	LIST_ENTRY(recording) entry; /* in recorder->all */
	struct session *s;	     /* borrowed: closed before the session goes */
	struct transcript *t;
	int cols, rows; /* the size last recorded */
};

/* A transcript closed here that the writer has not written whole yet. */
struct recorder_closing {
	LIST_ENTRY(recorder_closing) entry; /* in recorder->closing */
	char id[TRANSCRIPT_ID_MAX + 1];
};

/* Someone waiting for transcripts to be written whole (recorder_when_written). */
struct recorder_wait {
	LIST_ENTRY(recorder_wait) entry; /* in recorder->waits */
	struct completion done;
	uint64_t since_ms;	    /* when it began (monotonic) */
	lws_sorted_usec_list_t sul; /* gives up waiting after RECORDER_WAIT_MAX_US */
	size_t nids;		    /* 0: every transcript closed here */
	char ids[][TRANSCRIPT_ID_MAX + 1];
};

struct recorder {
	struct sessions *set;
	struct transcript_store *store;
	char *dir;	      /* where the transcripts are */
	struct fdwatch watch; /* the store's event pipe */
	LIST_HEAD(, recording) all;
	LIST_HEAD(, recorder_closing) closing;
	LIST_HEAD(, recorder_wait) waits;
};

/*
 * How long a reader waits for the writer at most: a slow disk (fdatasync
 * per frame) takes a second or two behind a flood of tens of megabytes.
 */
#define RECORDER_WAIT_MAX_US (10 * LWS_US_PER_SEC)

/* Starts recording s unless it is already; append happens in the store. */
static struct recording *
recorder_open(struct recorder *r, struct session *s)
{
	struct transcript_meta meta = {0};
	struct recording *rec;
	struct transcript *t;
	int rc;

	if (s->recording != NULL)
		return s->recording;
	meta.tool = s->tool;
	meta.task = s->task;
	meta.path = s->path;
	meta.cols = s->cols;
	meta.rows = s->rows;
	meta.start = s->created > 0 ? s->created : time_wall();
	if ((rc = transcript_open(r->store, s->id, &meta, &t)) < 0) {
		log_warn("%s: cannot record its transcript: %s", s->id, cm_strerror(rc));
		return NULL;
	}
	rec = xcalloc(1, sizeof *rec);
	rec->s = s;
	rec->t = t;
	rec->cols = s->cols;
	rec->rows = s->rows;
	LIST_INSERT_HEAD(&r->all, rec, entry);
	s->recording = rec;
	log_debug("%s: recording its transcript", s->id);
	return rec;
}

/* Ends the recording of s, if any. */
static void
recorder_close(struct recorder *r, struct session *s)
{
	struct recording *rec = s->recording;
	struct recorder_closing *c;

	if (rec == NULL)
		return;
	transcript_close(rec->t, time_wall());
	c = xcalloc(1, sizeof *c); /* until the writer has it whole: recorder_waits_check */
	snprintf(c->id, sizeof c->id, "%s", s->id);
	LIST_INSERT_HEAD(&r->closing, c, entry);
	LIST_REMOVE(rec, entry);
	s->recording = NULL;
	free(rec);
}

/* A session still worth recording: created (not failing to start), not over. */
static int
recorder_wants(const struct session *s)
{
	return s->create_done.fn == NULL && !s->killed && s->state != CM_STATE_EXITED;
}

/* The output tap. */
static void
recorder_on_output(void *arg, struct session *s, const char *data, size_t len)
{
	struct recorder *r = arg;
	struct recording *rec = s->recording;
	double now = time_wall();

	if (rec == NULL && (!recorder_wants(s) || (rec = recorder_open(r, s)) == NULL))
		return;
	/* pane.c keeps the size tmux has: a change shows at the next output. */
	if (rec->cols != s->cols || rec->rows != s->rows) {
		rec->cols = s->cols;
		rec->rows = s->rows;
		transcript_resize(rec->t, now, s->cols, s->rows);
	}
	transcript_output(rec->t, now, data, len);
}

/* The input tap. */
static void
recorder_on_input(void *arg, struct session *s, const char *who, const char *data, size_t len)
{
	struct recorder *r = arg;
	struct recording *rec = s->recording;

	if (rec == NULL && (!recorder_wants(s) || (rec = recorder_open(r, s)) == NULL))
		return;
	transcript_input(rec->t, time_wall(), who, data, len);
}

/* A marker "KIND: TEXT" (text cut to keep markers short). */
static void
recorder_mark(struct recording *rec, const char *kind, const char *text)
{
	char label[320];

	if (text && *text)
		snprintf(label, sizeof label, "%s: %.300s", kind, text);
	else
		snprintf(label, sizeof label, "%s", kind);
	transcript_marker(rec->t, time_wall(), label);
}

/* Opens the transcript of every session re-adopted at this start. */
static void
recorder_open_adopted(struct recorder *r)
{
	struct session *s;

	TAILQ_FOREACH (s, &r->set->list, entry)
		if (recorder_wants(s))
			recorder_open(r, s);
}

/* The events the sink is called for (the bus skips it for the others). */
static const int recorder_messages[] = {
    PROTO_MSG_AGENT_STARTED,   PROTO_MSG_SESSION_CREATED, PROTO_MSG_SESSION_KILLED,
    PROTO_MSG_SESSION_EXITED,  PROTO_MSG_STATE_CHANGE,	  PROTO_MSG_CONFIRM_NEEDED,
    PROTO_MSG_PROMPT_ANSWERED, PROTO_MSG_AUTO_CONFIRMED,  SINK_END,
};

/* The sink: what opens, marks and closes a transcript. */
static void
recorder_sink(void *arg, const struct event *ev)
{
	struct recorder *r = arg;
	const char *type = ev->type ? ev->type : "";
	struct recording *rec;
	struct session *s;

	if (EVENT_IS_RECORD(ev))
		return;
	if (strcmp(type, "agent_started") == 0) {
		recorder_open_adopted(r);
		return;
	}
	if (ev->session == NULL || (s = session_find(r->set, ev->session)) == NULL)
		return;
	if (strcmp(type, "session_created") == 0) {
		if ((rec = recorder_open(r, s)) != NULL)
			recorder_mark(rec, "created", s->task);
		return;
	}
	if ((rec = s->recording) == NULL)
		return;
	if (strcmp(type, "session_killed") == 0 || strcmp(type, "session_exited") == 0) {
		recorder_mark(rec, type + strlen("session_"), NULL);
		recorder_close(r, s);
	} else if (strcmp(type, "state_change") == 0) {
		recorder_mark(rec, "state", json_string_value(json_object_get(ev->obj, "state")));
	} else if (strcmp(type, "confirm_needed") == 0) {
		recorder_mark(rec, "prompt", json_string_value(json_object_get(ev->obj, "prompt")));
	} else if (strcmp(type, "prompt_answered") == 0 || strcmp(type, "auto_confirmed") == 0) {
		int is_auto = type[0] == 'a';
		const char *who =
		    is_auto ? "auto" : json_string_value(json_object_get(ev->obj, "client"));
		const char *keys =
		    json_string_value(json_object_get(ev->obj, is_auto ? "answer" : "keys"));

		if (!is_auto)
			recorder_mark(rec,
				      json_is_true(json_object_get(ev->obj, "approve"))
					  ? "answer: approve"
					  : "answer: deny",
				      NULL);
		transcript_input(rec->t, time_wall(), who ? who : "client", keys ? keys : "",
				 keys ? strlen(keys) : 0);
	}
}

/* Forgets the closed transcripts that the writer has written whole. */
static void
recorder_closing_prune(struct recorder *r)
{
	struct recorder_closing *c, *next;

	for (c = LIST_FIRST(&r->closing); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (transcript_store_presence(r->store, c->id) == TRANSCRIPT_NOT_OPEN) {
			LIST_REMOVE(c, entry);
			free(c);
		}
	}
}

static int
recorder_is_closing(struct recorder *r, const char *id)
{
	struct recorder_closing *c;

	LIST_FOREACH (c, &r->closing, entry)
		if (strcmp(c->id, id) == 0)
			return 1;
	return 0;
}

/*
 * True while w's read of its ids (none: of every transcript) would miss
 * what was recorded: the writer has not made a file yet, or a recording
 * has ended and the writer still has the last of it to write. A session
 * still recorded is readable up to its last frame, as always. Call after
 * recorder_closing_prune().
 */
static int
recorder_behind(struct recorder *r, const struct recorder_wait *w)
{
	if (w->nids == 0)
		return !LIST_EMPTY(&r->closing);
	for (size_t i = 0; i < w->nids; i++)
		if (recorder_is_closing(r, w->ids[i]) ||
		    transcript_store_presence(r->store, w->ids[i]) == TRANSCRIPT_OPENING)
			return 1;
	return 0;
}

/* Ends a wait: done is called with err (0, or COMPLETION_DROPPED). */
static void
recorder_wait_end(struct recorder_wait *w, int err)
{
	LIST_REMOVE(w, entry);
	lws_sul_cancel(&w->sul);
	log_debug("transcripts: %s: a read waited %llu ms for the writer",
		  w->nids ? w->ids[0] : "all", (unsigned long long)(time_mono_ms() - w->since_ms));
	completion_call(&w->done, err, NULL, NULL);
	free(w);
}

static void
recorder_wait_timeout(lws_sorted_usec_list_t *sul)
{
	struct recorder_wait *w = lws_container_of(sul, struct recorder_wait, sul);

	log_warn("transcripts: %s: read before the writer finished (still writing after %d s)",
		 w->nids ? w->ids[0] : "all", (int)(RECORDER_WAIT_MAX_US / LWS_US_PER_SEC));
	recorder_wait_end(w, 0);
}

/* Ends the waits whose transcripts are now written whole. */
static void
recorder_waits_check(struct recorder *r)
{
	struct recorder_wait *w, *next;

	recorder_closing_prune(r);
	for (w = LIST_FIRST(&r->waits); w != NULL; w = next) {
		next = LIST_NEXT(w, entry);
		if (!recorder_behind(r, w))
			recorder_wait_end(w, 0);
	}
}

int
recorder_when_written(struct sessions *set, const char *const *ids, size_t nids,
		      struct completion done)
{
	struct recorder *r = set->recorder;
	struct recorder_wait *w;

	if (r == NULL)
		return 0;
	w = xcalloc(1, sizeof *w + nids * sizeof w->ids[0]);
	w->nids = nids;
	for (size_t i = 0; i < nids; i++)
		snprintf(w->ids[i], sizeof w->ids[i], "%s", ids[i]);
	recorder_closing_prune(r);
	if (!recorder_behind(r, w)) {
		free(w);
		return 0;
	}
	w->done = done;
	w->since_ms = time_mono_ms();
	LIST_INSERT_HEAD(&r->waits, w, entry);
	lws_sul_schedule(set->lws, 0, &w->sul, recorder_wait_timeout, RECORDER_WAIT_MAX_US);
	return 1;
}

/* Publishes an agent event about recording. */
static void
recorder_publish(struct recorder *r, enum proto_msg type, const char *reason)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "type", json_string(proto_msg_name(type)));
	json_object_set_new(ev, "directory", json_string(r->dir));
	if (reason)
		message_set_str(ev, "reason", reason);
	bus_publish(&r->set->bus, ev, 0);
}

/* The store has events: log them; a full disk and its end are published. */
static void
recorder_on_events(void *arg)
{
	struct recorder *r = arg;
	struct transcript_event ev[16];
	size_t n;

	while ((n = transcript_store_events(r->store, ev, 16)) > 0) {
		for (size_t i = 0; i < n; i++) {
			switch (ev[i].kind) {
			case TRANSCRIPT_EV_DISK_FULL:
				log_error("transcripts: recording stopped: %s", ev[i].text);
				recorder_publish(r, PROTO_MSG_RECORDING_STOPPED, ev[i].text);
				break;
			case TRANSCRIPT_EV_RESUMED:
				log_info("transcripts: recording resumed: %s", ev[i].text);
				recorder_publish(r, PROTO_MSG_RECORDING_RESUMED, NULL);
				break;
			case TRANSCRIPT_EV_IO_ERROR:
				log_error("transcripts: %s: %s", *ev[i].id ? ev[i].id : "store",
					  ev[i].text);
				break;
			case TRANSCRIPT_EV_DROPPED:
				log_warn("transcripts: %s: %llu bytes not recorded (writer behind)",
					 ev[i].id, (unsigned long long)ev[i].bytes);
				break;
			}
		}
		if (n < 16)
			break;
	}
	recorder_waits_check(r); /* the fd is also how a closed transcript says it is whole */
}

int
recorder_start(struct sessions *set, const char *dir, const struct transcript_limits *limits,
	       char why[TRANSCRIPT_WHY_MAX])
{
	struct recorder *r = xcalloc(1, sizeof *r);
	struct tap tap = {"transcripts", recorder_on_output, recorder_on_input, r};
	int rc;

	r->set = set;
	r->dir = xstrdup(dir);
	LIST_INIT(&r->all);
	LIST_INIT(&r->closing);
	LIST_INIT(&r->waits);
	if ((rc = transcript_store_open(dir, limits, &r->store, why)) < 0) {
		free(r->dir);
		free(r);
		return rc;
	}
	if ((rc = fdwatch_add(set->vhost, &r->watch, transcript_store_fd(r->store),
			      recorder_on_events, NULL, r)) < 0 ||
	    (rc = taps_add(&set->taps, &tap)) < 0 ||
	    ((rc = bus_add_sink_for(&set->bus, "transcripts", recorder_messages, recorder_sink,
				    r)) < 0 &&
	     (set->taps.n--, 1))) {
		snprintf(why, TRANSCRIPT_WHY_MAX, "cannot wire the recorder in: %s",
			 cm_strerror(rc));
		fdwatch_remove(&r->watch);
		transcript_store_close(r->store);
		free(r->dir);
		free(r);
		return rc;
	}
	set->recorder = r;
	return 0;
}

void
recorder_stop(struct sessions *set)
{
	struct recorder *r = set->recorder;
	struct recording *rec;

	if (r == NULL)
		return;
	fdwatch_remove(&r->watch);
	while (!LIST_EMPTY(&r->waits))
		recorder_wait_end(LIST_FIRST(&r->waits), COMPLETION_DROPPED);
	while (!LIST_EMPTY(&r->closing)) {
		struct recorder_closing *c = LIST_FIRST(&r->closing);

		LIST_REMOVE(c, entry);
		free(c);
	}
	/* The sessions may be gone (detached at shutdown): only our own records are touched. */
	while ((rec = LIST_FIRST(&r->all)) != NULL) {
		LIST_REMOVE(rec, entry);
		free(rec);
	}
	transcript_store_close(r->store); /* writes what is queued, closes every transcript */
	free(r->dir);
	free(r);
	set->recorder = NULL;
}

struct transcript_store *
recorder_store(const struct sessions *set)
{
	return set->recorder ? set->recorder->store : NULL;
}
