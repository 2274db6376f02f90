/*
 * output: tables, colours, JSON and event lines (see output.h).
 *
 * Widths are counted in UTF-8 code points (each taken as one column),
 * which is right for the ids, states and paths cm prints; task texts are
 * cut to fit. Every text from an agent goes through sanitize() first, so
 * that a task can never move the cursor of the terminal that lists it.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "proto/protocol.h"
#include "proto/state.h"
#include "sanitize.h"

/* True if colours should be used on fd. */
int
output_color_enabled(int fd)
{
	const char *term = getenv("TERM");

	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fd);
}

/* The terminal width of stdout, or 0. */
int
output_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_col;
}

/* Number of code points in s. */
static size_t
output_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Length of the (valid) UTF-8 sequence led by c. */
static size_t
output_seqlen(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Copies s sanitized to one line into buf, at most max code points. */
void
output_clean(const char *s, size_t max, char *buf, size_t n)
{
	char *clean;
	size_t cols = 0, o = 0, i, len;

	if (!n)
		return;
	clean = sanitize_dup(s, SANITIZE_ONELINE);
	/* sanitize() gives valid UTF-8: cutting between sequences keeps it valid. */
	for (i = 0; clean[i]; i += len) {
		len = output_seqlen((unsigned char)clean[i]);
		if ((max && cols == max) || o + len >= n)
			break;
		memcpy(buf + o, clean + i, len);
		o += len;
		cols++;
	}
	buf[o] = '\0';
	free(clean);
}

/* Starts a table. */
void
output_table_init(struct output_table *t, size_t ncols, const char *const *heads)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->heads = (const char **)heads;
}

/* Adds a row. */
void
output_table_add(struct output_table *t, const char *const *cells, const char *const *colors)
{
	size_t i, base = t->nrows * t->ncols;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof(char *));
	t->colors = xreallocarray(t->colors, (t->nrows + 1) * t->ncols, sizeof(char *));
	for (i = 0; i < t->ncols; i++) {
		char clean[1024];
		output_clean(cells[i] ? cells[i] : "-", 0, clean, sizeof(clean));
		t->cells[base + i] = xstrdup(clean);
		t->colors[base + i] = colors ? colors[i] : NULL;
	}
	t->nrows++;
}

/* Prints one cell padded to w (no padding for the last column). */
static void
output_cell(FILE *f, const char *text, const char *color, size_t w, int last, int use_color,
	    size_t cut)
{
	char buf[1024];
	size_t cols;

	if (cut)
		output_clean(text, cut, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%s", text);
	cols = output_cols(buf);
	if (use_color && color)
		fprintf(f, "\033[%sm%s\033[0m", color, buf);
	else
		fputs(buf, f);
	if (!last)
		for (; cols < w + 2; cols++)
			fputc(' ', f);
}

/* Prints the table. */
void
output_table_print(const struct output_table *t, FILE *f, int color, int width)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t)), i, r, used = 0, cut = 0;

	for (i = 0; i < t->ncols; i++)
		w[i] = output_cols(t->heads[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			size_t c = output_cols(t->cells[r * t->ncols + i]);
			if (c > w[i])
				w[i] = c;
		}
	for (i = 0; i + 1 < t->ncols; i++)
		used += w[i] + 2;
	if (width > 0 && used + 8 < (size_t)width && used + w[t->ncols - 1] > (size_t)width)
		cut = (size_t)width - used;
	for (i = 0; i < t->ncols; i++)
		output_cell(f, t->heads[i], color ? "1" : NULL, w[i], i + 1 == t->ncols, color, 0);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			output_cell(f, t->cells[r * t->ncols + i], t->colors[r * t->ncols + i],
				    w[i], i + 1 == t->ncols, color, i + 1 == t->ncols ? cut : 0);
		fputc('\n', f);
	}
	free(w);
}

/*
 * Prints the rows one a line, cells separated by tabs, with no header, no
 * colour and no cutting: for scripts (cut -f, awk -F'\t', while read).
 * Cells were made one line by output_table_add; a tab left in one would
 * shift every column after it, so it becomes a space.
 */
void
output_table_print_compact(const struct output_table *t, FILE *f)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];
			if (i)
				fputc('\t', f);
			for (; *c; c++)
				fputc(*c == '\t' ? ' ' : *c, f);
		}
		fputc('\n', f);
	}
}

/* Frees the table. */
void
output_table_release(struct output_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colors);
	memset(t, 0, sizeof(*t));
}

/* The colour of a state. */
const char *
output_state_color(const char *state)
{
	int st = cm_state_parse(state);

	if (!state)
		return NULL;
	if (st >= 0 && cm_state_is_busy((enum cm_state)st))
		return "33";
	if (st == CM_STATE_WAITING_CONFIRM)
		return "1;35";
	if (st == CM_STATE_DONE)
		return "32";
	if (st == CM_STATE_ERROR)
		return "1;31";
	if (st == CM_STATE_EXITED)
		return "2";
	if (st == CM_STATE_IDLE)
		return "36";
	return NULL;
}

/* Formats an age. */
void
output_age(double seconds, char *buf, size_t n)
{
	long s = seconds < 0 ? 0 : (long)seconds;

	if (s < 60)
		snprintf(buf, n, "%lds", s);
	else if (s < 3600)
		snprintf(buf, n, "%ldm", s / 60);
	else if (s < 86400)
		snprintf(buf, n, "%ldh", s / 3600);
	else
		snprintf(buf, n, "%ldd", s / 86400);
}

/* Copies v and adds its context. */
json_t *
output_with_context(const json_t *v, const char *ctx)
{
	json_t *o = json_deep_copy(v);

	json_object_set_new(o, "context", json_string(ctx));
	return o;
}

void
output_time(double t, const char *fmt, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;

	if (localtime_r(&s, &tm) == NULL || strftime(buf, n, fmt, &tm) == 0)
		snprintf(buf, n, "-");
}

void
output_reply_json(const json_t *reply, const char *ctx)
{
	json_t *o = output_with_context(reply, ctx);

	json_object_del(o, "id");
	output_json(stdout, o);
	json_decref(o);
}

/*
 * Writes a JSON value and a newline with no control character an agent
 * could have put in a string: jansson escapes C0 controls, non-ASCII goes
 * out as \u escapes (so no C1 such as U+009B), and DEL, the one control
 * it leaves, becomes \u007f (raw DEL can only stand inside a string).
 */
void
output_json_flags(FILE *f, const json_t *v, size_t flags)
{
	char *text = json_dumps(v, flags | JSON_ENSURE_ASCII), *p;

	if (!text)
		return;
	for (p = text; *p; p++)
		if (*p == 0x7f)
			fputs("\\u007f", f);
		else
			fputc(*p, f);
	fputc('\n', f);
	free(text);
}

/* Prints a JSON value, indented. */
void
output_json(FILE *f, const json_t *v)
{
	output_json_flags(f, v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

/* Appends "key=value" for a string field if present. */
static size_t
output_kv(char *buf, size_t n, size_t o, const json_t *ev, const char *key, const char *label)
{
	const json_t *v = json_object_get(ev, key);
	char clean[200];
	int w = 0;

	if (o >= n)
		return o;
	if (json_is_string(v)) {
		output_clean(json_string_value(v), 80, clean, sizeof(clean));
		w = snprintf(buf + o, n - o, " %s=%s", label, clean);
	} else if (json_is_integer(v)) {
		w = snprintf(buf + o, n - o, " %s=%lld", label, (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		w = snprintf(buf + o, n - o, " %s=%s", label, json_is_true(v) ? "yes" : "no");
	}
	return w > 0 ? o + (size_t)w : o;
}

/* Formats an event line. */
void
output_event_line(const char *ctx, const json_t *ev, int color, char *buf, size_t n)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	const char *state = json_string_value(json_object_get(ev, "state"));
	json_t *ts = json_object_get(ev, "timestamp");
	char when[16] = "--:--:--", csid[128], ctype[64];
	const char *col = NULL;
	size_t o;
	int w;

	if (json_is_number(ts))
		output_time(json_number_value(ts), "%H:%M:%S", when, sizeof(when));
	if (!type)
		type = "?";
	if (sid) {
		output_clean(sid, 0, csid, sizeof(csid));
		sid = csid;
	}
	if (proto_type_is(type, PROTO_MSG_STATE_CHANGE) ||
	    proto_type_is(type, PROTO_MSG_SESSION_COMPLETED))
		col = output_state_color(state);
	else if (proto_type_is(type, PROTO_MSG_CONFIRM_NEEDED))
		col = "1;35";
	else if (proto_type_is(type, PROTO_MSG_SESSION_EXITED) ||
		 proto_type_is(type, PROTO_MSG_SESSION_KILLED))
		col = "2";
	w = snprintf(buf, n, "%s %s%s%s %s%s%s", when, ctx ? ctx : "", ctx && sid ? "/" : "",
		     sid ? sid : "", color && col ? "\033[" : "", color && col ? col : "",
		     color && col ? "m" : "");
	o = w > 0 ? (size_t)w : 0;
	if (o < n) {
		output_clean(type, 0, ctype, sizeof(ctype));
		w = snprintf(buf + o, n - o, "%s%s", ctype, color && col ? "\033[0m" : "");
		o += w > 0 ? (size_t)w : 0;
	}
	o = output_kv(buf, n, o, ev, "state", "state");
	o = output_kv(buf, n, o, ev, "previous", "from");
	o = output_kv(buf, n, o, ev, "tool", "tool");
	o = output_kv(buf, n, o, ev, "task", "task");
	o = output_kv(buf, n, o, ev, "prompt", "prompt");
	o = output_kv(buf, n, o, ev, "command", "command");
	o = output_kv(buf, n, o, ev, "answer", "answer");
	o = output_kv(buf, n, o, ev, "approve", "approve");
	o = output_kv(buf, n, o, ev, "reason", "reason");
	o = output_kv(buf, n, o, ev, "exitStatus", "status");
	o = output_kv(buf, n, o, ev, "version", "version");
	output_kv(buf, n, o, ev, "seq", "seq");
}
