/*
 * notify-seq: how far `cm notify` has got with each context's events,
 * kept in $XDG_STATE_HOME/cm/notify-seq.json (else ~/.local/state/cm/),
 * so that a restart (of cm notify, of the agent, of the machine) goes on
 * after the last event it finished with: none is missed, none sent twice.
 *
 *   {"version": 1, "contexts": {"prod": {"seq": 57}}}
 *
 * The saved seq of a context is the last one before which every
 * notification is over (delivered, or given up after its retries): an
 * event whose notifications are still queued holds it back, so a crash
 * sends them again on the next run rather than losing them (the one case a
 * notification may come twice). Events that notify nobody move it on at
 * once. The loop records what it sees and queues (notify_seq_seen), the
 * delivery thread what is over (notify_seq_done) and writes the file
 * (notify_seq_flush, atomic, 0600, in a 0700 directory): the loop never
 * waits on the disk. Everything here takes the store's lock.
 */
#ifndef CM_CLI_NOTIFY_SEQ_H
#define CM_CLI_NOTIFY_SEQ_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* One context's position. */
struct notify_seq_ctx {
	char *name;	   /* the context */
	int64_t seen;	   /* highest seq handed over (-1: none) */
	int64_t saved;	   /* seq in the file */
	int64_t *inflight; /* seqs with a notification not yet over, ascending, one per job */
	size_t ninflight;  /* entries */
	size_t cap;	   /* allocated */
};

struct notify_seq {
	char *path;		      /* the file */
	pthread_mutex_t mu;	      /* guards everything */
	struct notify_seq_ctx **ctxs; /* positions */
	size_t nctxs;		      /* count */
	int dirty;		      /* a position moved since the last write */
};

/* Fills buf with the default path. */
int notify_seq_path(char *buf, size_t n);
/* Loads the file (a missing one is empty; a corrupt one an error in err). */
int notify_seq_open(struct notify_seq *s, const char *path, char *err, size_t n);
/* Frees the store (does not write). */
void notify_seq_close(struct notify_seq *s);
/* The position of a context, created at -1 (never freed before the store). */
struct notify_seq_ctx *notify_seq_ctx(struct notify_seq *s, const char *name);
/* The seq to resume after: the saved one, -1 if none. */
int64_t notify_seq_resume(struct notify_seq *s, struct notify_seq_ctx *c);
/* The loop saw seq and queued jobs notifications for it (0: none). */
void notify_seq_seen(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq, size_t jobs);
/* One notification of seq is over (from the delivery thread). */
void notify_seq_done(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq);
/* The agent's numbering started again (resync): the position is now seq. */
void notify_seq_reset(struct notify_seq *s, struct notify_seq_ctx *c, int64_t seq);
/* Writes the file if a position moved; CM_EIO with why in err. */
int notify_seq_flush(struct notify_seq *s, char *err, size_t n);
/* The position a context would be saved at now. */
int64_t notify_seq_committed(struct notify_seq *s, struct notify_seq_ctx *c);

#endif
