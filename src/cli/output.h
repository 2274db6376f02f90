/*
 * output: what cm prints: aligned tables, colours on a terminal (never when
 * NO_COLOR is set, TERM is dumb, or the output is not a tty), JSON, ages,
 * and the one-line form of an agent event used by `cm watch`.
 */
#ifndef CM_CLI_OUTPUT_H
#define CM_CLI_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

/* A table being built: cells are copied. */
struct output_table {
	size_t ncols;	     /* columns */
	const char **heads;  /* column titles (borrowed) */
	char **cells;	     /* nrows * ncols cell texts */
	const char **colors; /* nrows * ncols SGR codes ("1;31") or NULL */
	size_t nrows;	     /* rows added */
};

/* True if colours should be used on fd. */
int output_color_enabled(int fd);
/* Starts a table with ncols columns titled heads. */
void output_table_init(struct output_table *t, size_t ncols, const char *const *heads);
/* Adds a row of ncols cells (NULL cells print as "-"); colors may be NULL. */
void output_table_add(struct output_table *t, const char *const *cells, const char *const *colors);
/* Prints the table; the last column is cut to fit width (0: no limit). */
void output_table_print(const struct output_table *t, FILE *f, int color, int width);
/* Prints the rows one a line, tab-separated, no header or colour (--compact). */
void output_table_print_compact(const struct output_table *t, FILE *f);
/* Frees the cells. */
void output_table_release(struct output_table *t);
/* The SGR colour of a session state ("32" for done), or NULL. */
const char *output_state_color(const char *state);
/* Formats wall time t in local time with strftime's fmt; "-" if it cannot. */
void output_time(double t, const char *fmt, char *buf, size_t n);
/* Formats a duration in seconds as "45s", "12m", "3h", "5d". */
void output_age(double seconds, char *buf, size_t n);
/* A copy of an agent's object with a "context" field added, as --json prints them. */
json_t *output_with_context(const json_t *v, const char *ctx);
/* Prints an agent's reply as --json does: with "context", without its request id. */
void output_reply_json(const json_t *reply, const char *ctx);
/* Prints a JSON value, indented, ASCII only (\u escapes), with a newline. */
void output_json(FILE *f, const json_t *v);
/* Prints a JSON value with jansson's flags, ASCII only without controls, and a newline. */
void output_json_flags(FILE *f, const json_t *v, size_t flags);
/* Formats an event as one line: "HH:MM:SS CTX/SESSION TYPE details". */
void output_event_line(const char *ctx, const json_t *ev, int color, char *buf, size_t n);
/* The terminal width of stdout, or 0 when not a terminal. */
int output_width(void);
/* Copies s into buf sanitized to one line (sanitize.h), at most max code points (0: any). */
void output_clean(const char *s, size_t max, char *buf, size_t n);

#endif
