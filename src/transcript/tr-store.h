/*
 * tr-store: the store's and the writer's private state (store.c, writer.c,
 * reader.c, search.c). Fields marked [lock] are shared between the
 * caller's thread and the writer thread and read or written only under
 * s->lock; [writer] fields belong to the writer thread alone.
 */
#ifndef CM_TRANSCRIPT_TR_STORE_H
#define CM_TRANSCRIPT_TR_STORE_H

#include <pthread.h>

#include "transcript/tr-internal.h"
#include "transcript/transcript.h"

enum tr_rec_kind { REC_OPEN, REC_OUTPUT, REC_INPUT, REC_RESIZE, REC_MARKER, REC_GAP, REC_CLOSE };

/* One call of the API, queued for the writer. */
struct tr_rec {
	struct tr_rec *next;
	struct transcript *t;
	enum tr_rec_kind kind;
	double time;
	uint64_t aux; /* resize: cols << 32 | rows; gap: bytes; input: length of who */
	size_t len;
	size_t cost; /* counted against the queue limit */
	char data[];
};

struct transcript {
	struct transcript_store *s;
	char id[TRANSCRIPT_ID_MAX + 1];
	struct transcript *open_next; /* [lock] the store's open set */
	uint64_t dropped;	      /* [lock] queue full since the last accepted call */
	int opened;		      /* [lock] the writer has made (or reopened) its file */

	/* [writer] */
	struct transcript *w_next;
	int ready;    /* its file is open for appending */
	char *header; /* a header still to be written (the disk was full) */
	size_t header_len;
	double start;
	uint64_t last_us;
	uint64_t size;	    /* of the data file: where the next frame goes */
	uint64_t nframes;   /* frames in the file: the next index record's slot */
	struct buf pending; /* whole lines not yet in a frame */
	uint64_t p_first, p_last, p_since_ms;
	uint32_t p_events;
	struct tr_utf8_carry carry_o, carry_i;
	uint64_t lost; /* bytes lost to disk trouble, noted when writing resumes */
};

struct transcript_store {
	char *dir;
	int dirfd;
	struct transcript_limits lim;
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t wake, flushed;

	/* [lock] */
	struct tr_rec *head, **tailp;
	uint64_t queued;
	int stop, waiting;
	uint64_t flush_req, flush_done;
	struct transcript *open;
	struct transcript_event evq[64];
	size_t nev;
	int notified;
	struct transcript_status st;

	int pipe[2];

	/* [writer] */
	ZSTD_CCtx *cctx;
	char *zbuf; /* compressed frame */
	size_t zcap;
	struct transcript *live;
	int full;
	uint64_t full_check_ms, prune_ms;
};

/* Posts an event for the loop (takes the lock). */
void tr_store_post(struct transcript_store *s, enum transcript_event_kind kind, const char *id,
		   uint64_t bytes, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Marks t opened by the writer and makes the store's fd readable (takes the lock). */
void tr_store_opened(struct transcript *t);
/* Makes the store's fd readable without an event (takes the lock). */
void tr_store_wake(struct transcript_store *s);
/* True if id is open for recording ([lock] held by the caller). */
int tr_store_is_open_locked(struct transcript_store *s, const char *id);
void *tr_writer_main(void *arg);

/* A transcript's files opened for reading, with its header. */
struct tr_reader {
	struct tr_file f;
	struct tr_header h;
	char id[TRANSCRIPT_ID_MAX + 1];
};
int tr_reader_open(struct transcript_store *s, const char *id, struct tr_reader *r,
		   char why[TRANSCRIPT_WHY_MAX]);
void tr_reader_close(struct tr_reader *r);
/* First frame (after the header's) whose last event is at or after t_us. */
size_t tr_reader_seek(const struct tr_reader *r, uint64_t t_us);
/* Wall time -> µs since the start (clamped). */
uint64_t tr_reader_rel(const struct tr_reader *r, double wall);
double tr_reader_end(const struct tr_reader *r);
void tr_why(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
