/*
 * format: the index records and the frame list of a data file (see
 * docs/internals/transcripts.md). The data file is the truth; the index only
 * saves reading it: a record is used only if its checksum holds and it
 * names the frame that follows the previous one, whole, inside the file.
 * Frames past the index (a crash between the two writes) are found by
 * walking the data; a torn last frame ends the walk and is left out.
 */
#include "transcript/tr-internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
tr_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

/* CRC-32C (Castagnoli); the table is built once, whichever thread asks first. */
uint32_t
tr_crc32c(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t crc = 0xffffffffu;

	pthread_once(&crc_once, tr_crc_init);
	while (n--)
		crc = crc_table[(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

static void
put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Little-endian: offset, csize, usize, t_first, t_last, events, crc32c. */
void
tr_rec_encode(const struct tr_frame *f, unsigned char out[TR_REC_SIZE])
{
	put64(out, f->off);
	put32(out + 8, f->csize);
	put32(out + 12, f->usize);
	put64(out + 16, f->t_first);
	put64(out + 24, f->t_last);
	put32(out + 32, f->events);
	put32(out + 36, tr_crc32c(out, 36));
}

int
tr_rec_decode(const unsigned char in[TR_REC_SIZE], struct tr_frame *f)
{
	if (get32(in + 36) != tr_crc32c(in, 36))
		return CM_EINVAL;
	f->off = get64(in);
	f->csize = get32(in + 8);
	f->usize = get32(in + 12);
	f->t_first = get64(in + 16);
	f->t_last = get64(in + 24);
	f->events = get32(in + 32);
	return 0;
}

static void
tr_file_add(struct tr_file *f, const struct tr_frame *fr)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->frames = xreallocarray(f->frames, f->cap, sizeof *f->frames);
	}
	f->frames[f->n++] = *fr;
}

/* Reads exactly n bytes at off; CM_EIO on a short read. */
static int
tr_pread(int fd, void *p, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)p + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return CM_EIO;
		done += (size_t)r;
	}
	return 0;
}

/* Grows the decompression buffer to hold n bytes and a NUL. */
static void
tr_file_ureserve(struct tr_file *f, size_t n)
{
	if (n + 1 > f->ucap) {
		f->ucap = n + 1;
		f->ubuf = xrealloc(f->ubuf, f->ucap);
	}
}

/*
 * Checks the frame at off (whole, within limits) and, when fr->csize is 0,
 * fills fr from the data itself. 0 if the frame is good.
 */
static int
tr_file_probe(struct tr_file *f, uint64_t off, struct tr_frame *fr)
{
	unsigned char *c;
	size_t avail, csize;
	unsigned long long usize;
	int rc = CM_EIO;

	if (off >= f->size)
		return CM_EIO;
	avail = f->size - off > TR_FRAME_MAX_C ? TR_FRAME_MAX_C : (size_t)(f->size - off);
	if (fr->csize != 0) {
		if (fr->csize > avail)
			return CM_EIO;
		avail = fr->csize;
	}
	c = xmalloc(avail);
	if (tr_pread(f->dfd, c, avail, off) < 0)
		goto out;
	csize = ZSTD_findFrameCompressedSize(c, avail);
	if (ZSTD_isError(csize) || (fr->csize != 0 && csize != fr->csize))
		goto out;
	usize = ZSTD_getFrameContentSize(c, csize);
	if (usize == ZSTD_CONTENTSIZE_ERROR || usize == ZSTD_CONTENTSIZE_UNKNOWN ||
	    usize > TR_FRAME_MAX_U)
		goto out;
	if (fr->csize != 0) {
		rc = usize == fr->usize ? 0 : CM_EIO;
		goto out;
	}
	/* Not indexed: decompress to learn its times (and check it whole). */
	tr_file_ureserve(f, (size_t)usize);
	if (ZSTD_decompressDCtx(f->dctx, f->ubuf, (size_t)usize, c, csize) != usize)
		goto out;
	f->decompressed++;
	fr->off = off;
	fr->csize = (uint32_t)csize;
	fr->usize = (uint32_t)usize;
	tr_text_times(f->ubuf, (size_t)usize, &fr->t_first, &fr->t_last, &fr->events);
	rc = 0;
out:
	free(c);
	return rc;
}

/* Uses the index records that fit, then walks the data past them. */
static void
tr_file_frames(struct tr_file *f, const unsigned char *idx, size_t ilen)
{
	uint64_t off = 0, last_t = 0;
	struct tr_frame fr;

	if (idx != NULL && ilen >= TR_IDX_HDR && memcmp(idx, TR_IDX_MAGIC, 8) == 0 &&
	    get32(idx + 8) == TR_REC_SIZE) {
		for (size_t p = TR_IDX_HDR; p + TR_REC_SIZE <= ilen; p += TR_REC_SIZE) {
			if (tr_rec_decode(idx + p, &fr) < 0 || fr.off != off || fr.csize == 0 ||
			    fr.csize > TR_FRAME_MAX_C || fr.usize > TR_FRAME_MAX_U ||
			    fr.csize > f->size - off || fr.t_first > fr.t_last ||
			    fr.t_first < last_t)
				break;
			tr_file_add(f, &fr);
			off += fr.csize;
			last_t = fr.t_last;
		}
	}
	/* The last indexed frame must be whole (the index may outlive a truncation). */
	while (f->n > 0) {
		fr = f->frames[f->n - 1];
		if (tr_file_probe(f, fr.off, &fr) == 0)
			break;
		f->n--;
		off = f->n ? f->frames[f->n - 1].off + f->frames[f->n - 1].csize : 0;
	}
	f->indexed = f->n;
	last_t = f->n ? f->frames[f->n - 1].t_last : 0;
	for (;;) {
		memset(&fr, 0, sizeof fr);
		if (tr_file_probe(f, off, &fr) < 0)
			break;
		if (fr.t_first < last_t)
			fr.t_first = last_t; /* keep the list sorted whatever the file says */
		if (fr.t_last < fr.t_first)
			fr.t_last = fr.t_first;
		tr_file_add(f, &fr);
		off += fr.csize;
		last_t = fr.t_last;
	}
	f->valid_end = off;
}

static void
tr_file_init(struct tr_file *f, int dfd)
{
	memset(f, 0, sizeof *f);
	f->dfd = dfd;
	f->dctx = ZSTD_createDCtx();
	if (f->dctx == NULL)
		abort();
}

int
tr_file_load(struct tr_file *f, int dfd, int ifd)
{
	struct stat st;
	unsigned char *idx = NULL;
	size_t ilen = 0;

	tr_file_init(f, dfd);
	if (fstat(dfd, &st) < 0)
		return CM_EIO;
	f->size = (uint64_t)st.st_size;
	if (ifd >= 0 && fstat(ifd, &st) == 0 && st.st_size > 0 && st.st_size <= TR_IDX_MAX) {
		ilen = (size_t)st.st_size;
		idx = xmalloc(ilen);
		if (tr_pread(ifd, idx, ilen, 0) < 0)
			ilen = 0;
	}
	tr_file_frames(f, idx, ilen);
	free(idx);
	return 0;
}

/* The fuzzer's door: memory files (memfd) behind the same code. */
int
tr_file_load_mem(struct tr_file *f, const void *data, size_t dlen, const void *idx, size_t ilen)
{
	int fd = memfd_create("transcript", MFD_CLOEXEC);

	if (fd < 0)
		return CM_EIO;
	if (dlen > 0 && write(fd, data, dlen) != (ssize_t)dlen) {
		close(fd);
		return CM_EIO;
	}
	tr_file_init(f, fd);
	f->size = dlen;
	tr_file_frames(f, idx, ilen);
	return 0;
}

int
tr_file_frame(struct tr_file *f, size_t i, const char **text, size_t *len)
{
	const struct tr_frame *fr = &f->frames[i];
	char *c = xmalloc(fr->csize);
	size_t n;

	if (tr_pread(f->dfd, c, fr->csize, fr->off) < 0) {
		free(c);
		return CM_EIO;
	}
	tr_file_ureserve(f, fr->usize);
	n = ZSTD_decompressDCtx(f->dctx, f->ubuf, fr->usize, c, fr->csize);
	free(c);
	f->decompressed++;
	if (ZSTD_isError(n) || n != fr->usize)
		return CM_EIO;
	f->ubuf[n] = '\0';
	*text = f->ubuf;
	*len = n;
	return 0;
}

void
tr_file_release(struct tr_file *f)
{
	ZSTD_freeDCtx(f->dctx);
	free(f->frames);
	free(f->ubuf);
	memset(f, 0, sizeof *f);
	f->dfd = -1;
}
