/*
 * tr-internal: the pieces of the transcript store shared by its files (and
 * by the fuzzer): the index records, the frame list of one transcript, the
 * asciicast line codec and the escape stripper.
 */
#ifndef CM_TRANSCRIPT_TR_INTERNAL_H
#define CM_TRANSCRIPT_TR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <zstd.h>

#include "common/buf.h"

#define TR_DATA_SUFFIX ".cast.zst"
#define TR_IDX_SUFFIX  ".idx"
#define TR_IDX_MAGIC   "CMTIDX1\n" /* 8 bytes, then u32 record size, u32 zero */
#define TR_IDX_HDR     16
#define TR_REC_SIZE    40
#define TR_IDX_MAX     (64u << 20) /* an index larger than this is not read */
#define TR_FRAME_MAX_C (8u << 20)  /* a compressed frame larger is corrupt */
#define TR_FRAME_MAX_U (32u << 20) /* a frame's text larger is corrupt */
#define TR_PIECE_MAX   (16u << 10) /* bytes of output per event line */
#define TR_LINE_MAX    (TR_PIECE_MAX * 6 + 64)

/* One frame: where it is and the times of its first and last event (µs). */
struct tr_frame {
	uint64_t off;
	uint32_t csize, usize;
	uint64_t t_first, t_last;
	uint32_t events;
};

/* The frames of one transcript's data file, as far as they are whole. */
struct tr_file {
	int dfd;
	uint64_t size; /* of the data file */
	struct tr_frame *frames;
	size_t n, cap;
	size_t indexed;	    /* frames found in the index (the rest were scanned) */
	uint64_t valid_end; /* end of the last whole frame */
	unsigned decompressed;
	ZSTD_DCtx *dctx;
	char *ubuf;
	size_t ucap;
};

uint32_t tr_crc32c(const void *p, size_t n);
void tr_rec_encode(const struct tr_frame *f, unsigned char out[TR_REC_SIZE]);
/* 0 if the record's checksum holds. */
int tr_rec_decode(const unsigned char in[TR_REC_SIZE], struct tr_frame *f);

/*
 * Learns the frames of data file dfd from its index (ifd, or -1) and, past
 * the last indexed frame, from the data itself. Never fails on bad content:
 * what is not whole is left out (f->valid_end < f->size tells).
 */
int tr_file_load(struct tr_file *f, int dfd, int ifd);
/* Decompresses frame i into f->ubuf; CM_EIO if it is corrupt. */
int tr_file_frame(struct tr_file *f, size_t i, const char **text, size_t *len);
void tr_file_release(struct tr_file *f);
/* The same over memory, for the fuzzer: data and index as byte arrays. */
int tr_file_load_mem(struct tr_file *f, const void *data, size_t dlen, const void *idx,
		     size_t ilen);

/* An event line: time in µs, code 'o' 'i' 'r' 'm', data decoded into out. */
struct tr_event {
	uint64_t t_us;
	char code;
};
/* Parses one line (without '\n') into ev and its decoded string into out. */
int tr_event_parse(const char *line, size_t len, struct tr_event *ev, struct buf *out);
/* First and last event times and the event count of a frame's text. */
void tr_text_times(const char *text, size_t len, uint64_t *first, uint64_t *last, uint32_t *events);

/* Appends s as a JSON string; invalid UTF-8 becomes U+FFFD. carry holds an
 * incomplete sequence at the end of s for the next call (NULL: no carry). */
struct tr_utf8_carry {
	unsigned char b[4];
	size_t n;
};
void tr_json_string(struct buf *b, const void *s, size_t len, struct tr_utf8_carry *carry);

struct tr_header {
	double start;
	int cols, rows;
	char *session, *tool, *task, *path;
};
/* Parses the header line; CM_EINVAL if it is not an asciicast v2 header. */
int tr_header_parse(const char *line, size_t len, struct tr_header *h);
void tr_header_release(struct tr_header *h);

/* The escape stripper of text mode: state carried across chunks. */
struct tr_strip {
	unsigned char state;
	unsigned char cr; /* a CR waits: a line break unless LF follows */
};
void tr_strip_feed(struct tr_strip *st, const char *s, size_t len, struct buf *out);

#endif
