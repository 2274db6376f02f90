/*
 * tmuxcc-parse: pure control-mode parser (see tmuxcc-parse.h).
 *
 * Lines are cut at '\n' only; tmux never sends '\r\n', but a '\r' before the
 * newline of a notification is dropped for tolerance (inside a reply it is
 * kept: it may be part of a command's output). A complete line that lies
 * inside one chunk is parsed where it lies; only a line split across chunks
 * is copied into `line`.
 *
 * A block ends only at `%end`/`%error` followed by exactly the TIME NUM FLAGS
 * of its `%begin`, as tmux's own control clients do: a reply's body may hold
 * lines that look like guards or notifications (capture-pane of a screen
 * showing "%end 1 2 3"), and those stay body text.
 */
#include "agent/tmux/tmuxcc-parse.h"

#include <limits.h>
#include <string.h>

#include "common/err.h"

/* The smallest max_line accepted: guard lines must always fit. */
#define TMUXCC_PARSE_MIN_LINE 256
/* Buffers grown past this are freed after use, so one burst does not pin memory. */
#define TMUXCC_PARSE_KEEP 65536
/* What tmux -CC prints before its first line (a DCS introducer). */
#define TMUXCC_PARSE_DCS "\033P1000p"

/* Prepares a parser with the given callbacks and limits. */
void
tmuxcc_parse_init(struct tmuxcc_parse *p, const struct tmuxcc_parse_cb *cb, void *arg,
		  size_t max_line, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	if (cb != NULL)
		p->cb = *cb;
	p->arg = arg;
	if (max_line == 0)
		max_line = TMUXCC_PARSE_MAX_LINE;
	if (max_line < TMUXCC_PARSE_MIN_LINE)
		max_line = TMUXCC_PARSE_MIN_LINE;
	if (max_body == 0)
		max_body = TMUXCC_PARSE_MAX_BODY;
	p->max_line = max_line;
	buf_init(&p->line, max_line);
	/* Room for "name\0args\0" or the unescaped data of a whole line. */
	buf_init(&p->scratch, max_line + 2);
	buf_init(&p->body, max_body);
}

/* Frees every buffer. */
void
tmuxcc_parse_release(struct tmuxcc_parse *p)
{
	buf_release(&p->line);
	buf_release(&p->scratch);
	buf_release(&p->body);
	p->in_block = 0;
	p->discarding = 0;
}

/* Returns 1 while a reply block is open. */
int
tmuxcc_parse_in_block(const struct tmuxcc_parse *p)
{
	return p->in_block;
}

/* Empties a buffer, and frees its memory if a burst made it large. */
static void
tmuxcc_parse_shrink(struct buf *b)
{
	if (b->cap > TMUXCC_PARSE_KEEP)
		buf_release(b);
	else
		buf_reset(b);
}

/* Returns 1 if c is an octal digit. */
static int
tmuxcc_parse_isoctal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decodes `\ooo` escapes from in into out; returns the length written. */
size_t
tmuxcc_parse_unescape(char *out, const char *in, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (in[i] == '\\' && len - i >= 4 && in[i + 1] >= '0' && in[i + 1] <= '3' &&
		    tmuxcc_parse_isoctal(in[i + 2]) && tmuxcc_parse_isoctal(in[i + 3])) {
			out[o++] = (char)(((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) |
					  (in[i + 3] - '0'));
			i += 4;
			continue;
		}
		out[o++] = in[i++];
	}
	return o;
}

/*
 * Reads a decimal number from s[*pos..n) into *val, stopping at a non-digit;
 * returns 0 if there is no digit or the value passes max.
 */
static int
tmuxcc_parse_number(const char *s, size_t n, size_t *pos, unsigned long long max,
		    unsigned long long *val)
{
	unsigned long long v = 0;
	size_t i = *pos;

	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (max - (unsigned)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*pos = i;
	*val = v;
	return 1;
}

/* Opens a block from the arguments of a %begin line; returns 0 if they are malformed. */
static int
tmuxcc_parse_begin(struct tmuxcc_parse *p, const char *a, size_t n)
{
	unsigned long long t, num, flags;
	size_t i = 0;

	if (n >= sizeof(p->guard))
		return 0;
	if (!tmuxcc_parse_number(a, n, &i, (unsigned long long)LLONG_MAX, &t) || i >= n ||
	    a[i++] != ' ')
		return 0;
	if (!tmuxcc_parse_number(a, n, &i, UINT_MAX, &num) || i >= n || a[i++] != ' ')
		return 0;
	if (!tmuxcc_parse_number(a, n, &i, UINT_MAX, &flags) || i != n)
		return 0;
	memcpy(p->guard, a, n);
	p->guard_len = n;
	p->block_time = (long long)t;
	p->block_num = (unsigned)num;
	p->block_flags = (unsigned)flags;
	p->block_truncated = 0;
	p->block_lines = 0;
	p->in_block = 1;
	buf_reset(&p->body);
	return 1;
}

/* Returns 1 if the line is `%end GUARD` or `%error GUARD` for the open block; sets *is_error. */
static int
tmuxcc_parse_is_end(const struct tmuxcc_parse *p, const char *s, size_t n, int *is_error)
{
	size_t k;

	if (n > 5 && memcmp(s, "%end ", 5) == 0) {
		k = 5;
		*is_error = 0;
	} else if (n > 7 && memcmp(s, "%error ", 7) == 0) {
		k = 7;
		*is_error = 1;
	} else
		return 0;
	return n - k == p->guard_len && memcmp(s + k, p->guard, p->guard_len) == 0;
}

/* Delivers the open block and closes it. */
static void
tmuxcc_parse_end(struct tmuxcc_parse *p, int is_error)
{
	struct tmuxcc_reply r;

	r.time = p->block_time;
	r.num = p->block_num;
	r.flags = p->block_flags;
	r.is_error = is_error;
	r.truncated = p->block_truncated;
	r.body = p->body.data != NULL ? p->body.data : "";
	r.len = p->body.len;
	p->in_block = 0;
	p->nreplies++;
	if (p->cb.reply != NULL)
		p->cb.reply(p->arg, &r);
	tmuxcc_parse_shrink(&p->body);
}

/* Adds one line to the open block's body, or marks the body truncated. */
static void
tmuxcc_parse_body_line(struct tmuxcc_parse *p, const char *s, size_t n)
{
	size_t need = n + (p->block_lines > 0 ? 1 : 0);

	if (p->block_truncated || need > p->body.max - p->body.len) {
		p->block_truncated = 1;
		return;
	}
	if (p->block_lines > 0)
		buf_append(&p->body, "\n", 1);
	buf_append(&p->body, s, n);
	p->block_lines++;
}

/* Handles `%output %PANE DATA` (extended: `%extended-output %PANE AGE ... : DATA`). */
static void
tmuxcc_parse_output(struct tmuxcc_parse *p, const char *a, size_t n, int extended)
{
	unsigned long long pane;
	size_t i = 0, k;

	if (n < 2 || a[0] != '%')
		goto bad;
	i = 1;
	if (!tmuxcc_parse_number(a, n, &i, UINT_MAX, &pane))
		goto bad;
	if (i < n && a[i] != ' ')
		goto bad;
	if (i < n)
		i++;
	if (extended) {
		/* The data follows the first " : " (or a final " :") after tmux's fields. */
		for (k = i; k < n; k++) {
			if (a[k] == ':' && k > 0 && a[k - 1] == ' ' &&
			    (k + 1 == n || a[k + 1] == ' '))
				break;
		}
		if (k == n)
			goto bad;
		i = k + 1 < n ? k + 2 : n;
	}
	buf_reset(&p->scratch);
	if (buf_append(&p->scratch, a + i, n - i) < 0)
		goto bad; /* impossible: scratch holds a whole line */
	p->scratch.len = tmuxcc_parse_unescape(p->scratch.data, p->scratch.data, n - i);
	p->scratch.data[p->scratch.len] = '\0';
	if (p->cb.output != NULL)
		p->cb.output(p->arg, (unsigned)pane, p->scratch.data, p->scratch.len);
	tmuxcc_parse_shrink(&p->scratch);
	return;
bad:
	p->nmalformed++;
}

/* Returns 1 if the n bytes at s can be a notification name: [a-z0-9-]+, as tmux's are. */
static int
tmuxcc_parse_is_name(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	}
	return 1;
}

/* Handles one complete line outside a block. */
static void
tmuxcc_parse_notification(struct tmuxcc_parse *p, const char *s, size_t n)
{
	const char *name, *args;
	size_t nlen, alen;
	char *copy;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n >= sizeof(TMUXCC_PARSE_DCS) - 1 &&
	    memcmp(s, TMUXCC_PARSE_DCS, sizeof(TMUXCC_PARSE_DCS) - 1) == 0) {
		s += sizeof(TMUXCC_PARSE_DCS) - 1;
		n -= sizeof(TMUXCC_PARSE_DCS) - 1;
	}
	if (n == 0 || s[0] != '%') {
		p->nignored++;
		return;
	}
	name = s + 1;
	for (nlen = 0; nlen < n - 1 && name[nlen] != ' '; nlen++)
		;
	if (!tmuxcc_parse_is_name(name, nlen)) {
		p->nmalformed++;
		return;
	}
	args = name + nlen;
	alen = n - 1 - nlen;
	if (alen > 0) {
		args++;
		alen--;
	}

	if (nlen == 5 && memcmp(name, "begin", 5) == 0) {
		if (!tmuxcc_parse_begin(p, args, alen))
			p->nmalformed++;
		return;
	}
	if (nlen == 6 && memcmp(name, "output", 6) == 0) {
		tmuxcc_parse_output(p, args, alen, 0);
		return;
	}
	if (nlen == 15 && memcmp(name, "extended-output", 15) == 0) {
		tmuxcc_parse_output(p, args, alen, 1);
		return;
	}
	if ((nlen == 3 && memcmp(name, "end", 3) == 0) ||
	    (nlen == 5 && memcmp(name, "error", 5) == 0)) {
		p->nmalformed++; /* a guard with no open block */
		return;
	}

	/* The rest want C strings: "name\0args\0" in scratch. */
	buf_reset(&p->scratch);
	buf_append(&p->scratch, name, nlen);
	buf_append(&p->scratch, "", 1);
	buf_append(&p->scratch, args, alen);
	copy = p->scratch.data;
	if (nlen == 4 && memcmp(name, "exit", 4) == 0) {
		if (p->cb.exit != NULL)
			p->cb.exit(p->arg, alen > 0 ? copy + nlen + 1 : NULL);
	} else if (p->cb.notify != NULL)
		p->cb.notify(p->arg, copy, copy + nlen + 1);
	tmuxcc_parse_shrink(&p->scratch);
}

/* Handles one complete line (newline removed). */
static void
tmuxcc_parse_line(struct tmuxcc_parse *p, const char *s, size_t n)
{
	int is_error;

	p->nlines++;
	if (p->in_block) {
		if (tmuxcc_parse_is_end(p, s, n, &is_error))
			tmuxcc_parse_end(p, is_error);
		else
			tmuxcc_parse_body_line(p, s, n);
		return;
	}
	tmuxcc_parse_notification(p, s, n);
}

/* Counts a line dropped for its length; a reply losing it is marked truncated. */
static void
tmuxcc_parse_overlong(struct tmuxcc_parse *p)
{
	p->noverlong++;
	if (p->in_block)
		p->block_truncated = 1;
}

/* Splits the chunk into lines and handles each complete one. */
void
tmuxcc_parse_feed(struct tmuxcc_parse *p, const void *data, size_t len)
{
	const char *s = data, *nl;
	size_t seg;

	while (len > 0) {
		nl = memchr(s, '\n', len);
		seg = nl != NULL ? (size_t)(nl - s) : len;
		if (p->discarding) {
			if (nl != NULL)
				p->discarding = 0;
		} else if (p->line.len == 0 && nl != NULL) {
			if (seg > p->max_line)
				tmuxcc_parse_overlong(p);
			else
				tmuxcc_parse_line(p, s, seg);
		} else if (buf_append(&p->line, s, seg) < 0) {
			tmuxcc_parse_overlong(p);
			tmuxcc_parse_shrink(&p->line);
			if (nl == NULL)
				p->discarding = 1;
		} else if (nl != NULL) {
			tmuxcc_parse_line(p, p->line.data, p->line.len);
			tmuxcc_parse_shrink(&p->line);
		}
		if (nl != NULL)
			seg++;
		s += seg;
		len -= seg;
	}
}
