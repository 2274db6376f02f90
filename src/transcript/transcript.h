/*
 * transcript: one asciicast v2 recording per session, compressed in
 * independent zstd frames with a sidecar index (docs/internals/transcripts.md).
 *
 * Writing never blocks the caller: transcript_output() and friends copy the
 * bytes into one bounded in-memory queue shared by every transcript of the
 * store; a single writer thread formats, compresses and writes them. When
 * the queue is full the data is counted as dropped and a marker notes the
 * gap. Disk trouble (a full disk, an I/O error) and drops are reported as
 * events: transcript_store_fd() becomes readable, the loop then drains them
 * with transcript_store_events(). Reading, searching, listing and deleting
 * work on the files directly and may run on any thread.
 *
 * Times are wall-clock seconds since the epoch (time_wall()) in the API;
 * the file holds asciicast's seconds since the recording started.
 */
#ifndef CM_TRANSCRIPT_TRANSCRIPT_H
#define CM_TRANSCRIPT_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define TRANSCRIPT_ID_MAX  40  /* the agent's session id rule (names.h) */
#define TRANSCRIPT_WHY_MAX 256 /* room for an error's explanation */

struct transcript_limits {
	uint64_t max_total_bytes;   /* retention: all files together (1 GiB) */
	uint32_t max_age_s;	    /* retention: age of the last write (30 days) */
	size_t frame_bytes;	    /* a frame is cut at this much text (256 KiB) */
	uint32_t frame_interval_ms; /* ... or when its oldest line is this old (5 s) */
	size_t queue_bytes;	    /* bytes waiting for the writer, all sessions (64 MiB) */
	uint64_t min_free_bytes;    /* recording stops below this much free space (64 MiB) */
	int level;		    /* zstd level (3) */
	int sync;		    /* fdatasync(2) after each frame (1) */
	uint32_t prune_interval_s;  /* the writer prunes this often (600 s; 0: never) */
};

/* Fills the defaults above. */
void transcript_limits_default(struct transcript_limits *l);

enum transcript_event_kind {
	TRANSCRIPT_EV_DISK_FULL, /* recording stopped: no room (ENOSPC or min_free_bytes) */
	TRANSCRIPT_EV_RESUMED,	 /* there is room again: recording goes on */
	TRANSCRIPT_EV_IO_ERROR,	 /* a transcript could not be written (text says why) */
	TRANSCRIPT_EV_DROPPED,	 /* the queue was full: bytes of id were not recorded */
};

struct transcript_event {
	enum transcript_event_kind kind;
	char id[TRANSCRIPT_ID_MAX + 1]; /* empty when the event is about the store */
	uint64_t bytes;			/* TRANSCRIPT_EV_DROPPED: how many */
	char text[160];
};

struct transcript_status {
	int disk_full;
	uint64_t queued_bytes;	/* waiting for the writer now */
	uint64_t dropped_bytes; /* since the store was opened: queue full */
	uint64_t lost_bytes;	/* since the store was opened: disk full or I/O error */
	uint64_t written_bytes; /* compressed bytes written */
	uint64_t input_bytes;	/* bytes accepted from callers */
	uint64_t frames;	/* frames written */
	size_t open;		/* transcripts being recorded */
};

struct transcript_info {
	char id[TRANSCRIPT_ID_MAX + 1];
	char *tool, *task, *path; /* from the header; "" when absent */
	int cols, rows;		  /* at the start */
	double start, end;	  /* wall seconds; end is the last event's time */
	uint64_t bytes;		  /* on disk: data and index */
	int recording;		  /* open in this store now */
};

struct transcript_meta {
	const char *tool, *task, *path; /* NULL for none */
	int cols, rows;
	double start; /* wall seconds */
};

struct transcript_store;
struct transcript;

/*
 * Opens (creating 0700 if needed) the private directory dir and starts the
 * writer thread. limits may be NULL for the defaults.
 */
int transcript_store_open(const char *dir, const struct transcript_limits *limits,
			  struct transcript_store **out, char why[TRANSCRIPT_WHY_MAX]);
/* Writes everything queued, closes every open transcript and stops the writer. */
void transcript_store_close(struct transcript_store *s);
/*
 * Readable (a pipe) while events wait, and once each time a transcript's
 * file has been made or a closed transcript written whole (no event
 * then); for the caller's poll loop.
 */
int transcript_store_fd(const struct transcript_store *s);
/*
 * Whether id is open in the store (being recorded, or closed by its owner
 * with the writer not done with it yet) and whether the writer has made
 * its file yet. The fd wakes the loop when either changes.
 */
enum transcript_presence {
	TRANSCRIPT_NOT_OPEN, /* absent, or written whole */
	TRANSCRIPT_OPENING,  /* open; the writer has not made its file yet */
	TRANSCRIPT_OPEN,     /* open; its file is there */
};
enum transcript_presence transcript_store_presence(struct transcript_store *s, const char *id);
/* Takes up to max waiting events; returns how many. Clears the fd. */
size_t transcript_store_events(struct transcript_store *s, struct transcript_event *ev, size_t max);
void transcript_store_status(struct transcript_store *s, struct transcript_status *st);
/*
 * Waits until everything queued so far is written as complete frames.
 * Blocks: for tests, benchmarks and shutdown, never for the event loop.
 */
void transcript_store_flush(struct transcript_store *s);
/* Applies retention now (age, then total size, oldest first); returns files removed. */
int transcript_store_prune(struct transcript_store *s, double now);
/* Every transcript in the store, oldest first. */
int transcript_store_list(struct transcript_store *s, struct transcript_info **out, size_t *n);
void transcript_info_free(struct transcript_info *info, size_t n);
/* CM_EBUSY while it is being recorded, CM_ENOENT if absent. */
int transcript_store_delete(struct transcript_store *s, const char *id);
/* Deletes transcripts whose last write is older than age_s; *removed counts them. */
int transcript_store_delete_older(struct transcript_store *s, double age_s, double now,
				  size_t *removed);

/* The session id rule (same as names_session_id_valid): "cm-N" or "cm-N-N". */
int transcript_id_valid(const char *id);

/*
 * Starts recording session id; appends when its transcript exists (a
 * re-adopted session), else writes the header from meta. CM_EBADSESSIONID,
 * CM_EBUSY if already open. Does no I/O on the caller's thread.
 */
int transcript_open(struct transcript_store *s, const char *id, const struct transcript_meta *meta,
		    struct transcript **out);
/* What the tool wrote ("o"). */
void transcript_output(struct transcript *t, double time, const void *data, size_t len);
/* The window size changed ("r", "COLSxROWS"). */
void transcript_resize(struct transcript *t, double time, int cols, int rows);
/* Input sent to the tool ("i"), preceded by a marker "input:WHO". */
void transcript_input(struct transcript *t, double time, const char *who, const void *data,
		      size_t len);
/* A marker ("m"): a prompt, an answer, a state change. */
void transcript_marker(struct transcript *t, double time, const char *label);
/* Ends the recording; t is freed by the writer and must not be used again. */
void transcript_close(struct transcript *t, double time);

enum transcript_mode {
	TRANSCRIPT_CAST, /* asciicast v2 lines: header, then the events of the range */
	TRANSCRIPT_RAW,	 /* the tool's output bytes, escapes included */
	TRANSCRIPT_TEXT, /* the output with escape sequences removed */
};

struct transcript_read_opts {
	double from, to; /* wall seconds; 0 and INFINITY for everything */
	enum transcript_mode mode;
	size_t max_bytes;   /* stop after this much (0: 16 MiB; at most 256 MiB) */
	size_t chunk_bytes; /* the callback gets at most this much (0: 64 KiB) */
	/*
	 * Continues a read that stopped (truncated): from resume_us (µs since
	 * the start), leaving out the first resume_skip events at exactly that
	 * time (already delivered: a big write is several events of one time),
	 * and without the header again. from/to: only to is used.
	 */
	int resume;
	uint64_t resume_us;
	uint32_t resume_skip;
};

struct transcript_read_result {
	uint64_t bytes;	      /* handed to the callback */
	unsigned frames_read; /* decompressed, the header's frame included */
	unsigned frames_torn; /* skipped: incomplete or corrupt */
	int truncated;	      /* max_bytes stopped it; continue from next_from */
	double next_from;     /* wall time of the first event not delivered */
	uint64_t next_us;     /* truncated: resume_us and resume_skip that continue it */
	uint32_t next_skip;
	double start, end; /* of the whole transcript */
};

/* Returning nonzero from a callback stops the read or search early. */
typedef int (*transcript_chunk_cb)(void *arg, double time, const char *data, size_t len);

int transcript_read(struct transcript_store *s, const char *id,
		    const struct transcript_read_opts *opts, transcript_chunk_cb cb, void *arg,
		    struct transcript_read_result *res, char why[TRANSCRIPT_WHY_MAX]);
/* The last `seconds` of a transcript (opts->from/to are ignored). */
int transcript_tail(struct transcript_store *s, const char *id, double seconds,
		    const struct transcript_read_opts *opts, transcript_chunk_cb cb, void *arg,
		    struct transcript_read_result *res, char why[TRANSCRIPT_WHY_MAX]);

struct transcript_search_opts {
	const char *pattern; /* POSIX ERE; back-references refused */
	int icase;
	double from, to;    /* wall seconds; 0 and INFINITY for everything */
	size_t max_matches; /* 0: 100; at most 10000 */
	uint64_t max_bytes; /* text scanned, all transcripts (0: 2 GiB) */
	uint32_t max_ms;    /* time budget (0: 10 s; at most 60 s) */
};

struct transcript_match {
	const char *id;
	double time;	  /* of the output that began the line */
	const char *line; /* text, escapes removed, at most 1024 bytes */
};

struct transcript_search_result {
	size_t matches;
	size_t transcripts; /* searched */
	uint64_t bytes_scanned;
	int truncated;		/* a limit stopped it */
	const char *stopped_by; /* "max_matches", "max_bytes", "max_ms" or NULL */
};

typedef int (*transcript_match_cb)(void *arg, const struct transcript_match *m);

/* Searches ids[0..nids) or, with nids 0, every transcript (oldest first). */
int transcript_search(struct transcript_store *s, const char *const *ids, size_t nids,
		      const struct transcript_search_opts *opts, transcript_match_cb cb, void *arg,
		      struct transcript_search_result *res, char why[TRANSCRIPT_WHY_MAX]);

#endif
