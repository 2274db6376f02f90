/*
 * shell-parse: a bounded recursive-descent reader of shell syntax (see
 * shell-parse.h).
 *
 * One pass over the bytes: parse_list -> parse_pipeline -> parse_command ->
 * parse_simple, with lex_word reading one word (and recursing into $(...),
 * backticks and <(...) through parse_list, each level counted against
 * SHP_MAX_DEPTH). A backtick's text is unescaped first and read as a buffer
 * of its own; so is an unquoted here-document body, read as if it were
 * inside double quotes. The first error sticks: every function returns -1
 * once r->status is set and the callers unwind.
 */
#include "agent/screen/shell-parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"

#define SHP_MAX_HEREDOCS 16 /* here-documents pending on one line */

struct shp_heredoc {
	int word;	/* body word */
	char *delim;	/* delimiter, quotes removed */
	int strip_tabs; /* <<- */
	int quoted;	/* delimiter was quoted: the body is literal */
};

struct shp {
	const char *s;				 /* current buffer */
	size_t len;				 /* bytes in s */
	size_t i;				 /* read position */
	int depth;				 /* nesting level */
	int scope;				 /* current scope */
	int pipelines;				 /* pipeline ids given */
	struct shp_result *r;			 /* what is built */
	struct shp_heredoc hd[SHP_MAX_HEREDOCS]; /* pending here-documents */
	size_t nhd;				 /* entries in hd */
	size_t hd_base;				 /* first entry of this buffer's */
};

/* Growable array of ints (word indices), bounded by the word limit. */
struct shp_ints {
	int *v;
	size_t n, cap;
};

static int parse_list(struct shp *p, int term);
static int lex_word(struct shp *p, int *out);

/* Status names, in enum order. */
static const char *const shp_status_names[] = {
    "ok", "nul", "too-long", "too-deep", "too-many", "unterminated", "syntax", "unsupported"};

const char *
shp_status_name(enum shp_status st)
{
	if ((size_t)st < sizeof(shp_status_names) / sizeof(shp_status_names[0]))
		return shp_status_names[st];
	return "unknown";
}

/* Sets the first error; always returns -1. */
static int __attribute__((format(printf, 3, 4)))
shp_fail(struct shp *p, enum shp_status st, const char *fmt, ...)
{
	va_list ap;

	if (p->r->status != SHP_OK)
		return -1;
	p->r->status = st;
	va_start(ap, fmt);
	vsnprintf(p->r->why, sizeof(p->r->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
ints_push(struct shp *p, struct shp_ints *a, int v)
{
	if (a->n >= SHP_MAX_WORDS)
		return shp_fail(p, SHP_EMANY, "more than %d words", SHP_MAX_WORDS);
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->v = xreallocarray(a->v, a->cap, sizeof(int));
	}
	a->v[a->n++] = v;
	return 0;
}

/* A new empty word; its index. */
static int
word_new(struct shp *p)
{
	struct shp_result *r = p->r;

	if (r->nwords >= SHP_MAX_WORDS)
		return shp_fail(p, SHP_EMANY, "more than %d words", SHP_MAX_WORDS);
	if ((r->nwords & (r->nwords - 1)) == 0 || r->nwords == 0)
		r->words =
		    xreallocarray(r->words, r->nwords ? r->nwords * 2 : 16, sizeof(*r->words));
	memset(&r->words[r->nwords], 0, sizeof(r->words[0]));
	return (int)r->nwords++;
}

/* A new scope under the current one; its index. */
static int
scope_new(struct shp *p, enum shp_scope_kind kind, int word)
{
	struct shp_result *r = p->r;

	if (r->nscopes >= SHP_MAX_CMDS)
		return shp_fail(p, SHP_EMANY, "more than %d nested parts", SHP_MAX_CMDS);
	if ((r->nscopes & (r->nscopes - 1)) == 0)
		r->scopes =
		    xreallocarray(r->scopes, r->nscopes ? r->nscopes * 2 : 1, sizeof(*r->scopes));
	r->scopes[r->nscopes].kind = kind;
	r->scopes[r->nscopes].parent = p->scope;
	r->scopes[r->nscopes].word = word;
	return (int)r->nscopes++;
}

/* A new command in the current scope; its index. */
static int
cmd_new(struct shp *p)
{
	struct shp_result *r = p->r;
	struct shp_cmd *c;

	if (r->ncmds >= SHP_MAX_CMDS)
		return shp_fail(p, SHP_EMANY, "more than %d commands", SHP_MAX_CMDS);
	if ((r->ncmds & (r->ncmds - 1)) == 0)
		r->cmds = xreallocarray(r->cmds, r->ncmds ? r->ncmds * 2 : 1, sizeof(*r->cmds));
	c = &r->cmds[r->ncmds];
	memset(c, 0, sizeof(*c));
	c->scope = p->scope;
	c->body_scope = -1;
	c->pipe_len = 1;
	return (int)r->ncmds++;
}

/* Enters a nesting level. */
static int
depth_in(struct shp *p)
{
	if (++p->depth > SHP_MAX_DEPTH)
		return shp_fail(p, SHP_EDEEP, "nested deeper than %d", SHP_MAX_DEPTH);
	return 0;
}

static int
at_end(const struct shp *p)
{
	return p->i >= p->len;
}

static int
cur(const struct shp *p)
{
	return p->i < p->len ? (unsigned char)p->s[p->i] : -1;
}

static int
peek(const struct shp *p, size_t k)
{
	return p->i + k < p->len ? (unsigned char)p->s[p->i + k] : -1;
}

/* Characters that end an unquoted word. */
static int
is_meta(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
	       c == ')' || c == '<' || c == '>' || c == -1;
}

/* Skips blanks, line continuations and a comment (not the newline). */
static void
skip_blank(struct shp *p)
{
	for (;;) {
		int c = cur(p);
		if (c == ' ' || c == '\t' || c == '\r')
			p->i++;
		else if (c == '\\' && peek(p, 1) == '\n')
			p->i += 2;
		else if (c == '#') {
			while (!at_end(p) && cur(p) != '\n')
				p->i++;
		} else
			return;
	}
}

/* Appends to a word's buffer (bounded by the input limit). */
static void
put(struct buf *b, const char *s, size_t n)
{
	buf_append(b, s, n);
}

static void
putc_(struct buf *b, int c)
{
	char ch = (char)c;

	buf_append(b, &ch, 1);
}

/* Appends the UTF-8 encoding of cp. */
static void
put_utf8(struct buf *b, unsigned long cp)
{
	char o[4];

	if (cp < 0x80) {
		o[0] = (char)cp;
		put(b, o, 1);
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		put(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		put(b, o, 3);
	} else if (cp < 0x110000) {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		put(b, o, 4);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * $'...': ANSI-C escapes. A \0 (or \x00) ends the string as it does in
 * bash: the rest up to the closing quote is read and dropped.
 */
static int
lex_ansi_c(struct shp *p, struct buf *b)
{
	int cut = 0;

	p->i += 2;
	for (;;) {
		int c = cur(p), d, k;
		unsigned long v;

		if (c == -1)
			return shp_fail(p, SHP_EUNTERMINATED, "unterminated $'...'");
		p->i++;
		if (c == '\'')
			return 0;
		if (c != '\\') {
			if (!cut)
				putc_(b, c);
			continue;
		}
		c = cur(p);
		if (c == -1)
			return shp_fail(p, SHP_EUNTERMINATED, "unterminated $'...'");
		p->i++;
		v = (unsigned long)c;
		switch (c) {
		case 'a':
			v = 7;
			break;
		case 'b':
			v = 8;
			break;
		case 'e':
		case 'E':
			v = 27;
			break;
		case 'f':
			v = 12;
			break;
		case 'n':
			v = 10;
			break;
		case 'r':
			v = 13;
			break;
		case 't':
			v = 9;
			break;
		case 'v':
			v = 11;
			break;
		case 'c':
			d = cur(p);
			if (d == -1)
				return shp_fail(p, SHP_EUNTERMINATED, "unterminated $'...'");
			p->i++;
			v = (unsigned long)(d & 0x1f);
			break;
		case 'x':
		case 'u':
		case 'U':
			v = 0;
			for (k = 0; k < (c == 'x'   ? 2
					 : c == 'u' ? 4
						    : 8) &&
				    hexval(cur(p)) >= 0;
			     k++)
				v = v * 16 + (unsigned long)hexval(cur(p)), p->i++;
			if (k == 0)
				v = (unsigned long)c, put(b, "\\", cut ? 0 : 1);
			break;
		default:
			if (c >= '0' && c <= '7') {
				v = (unsigned long)(c - '0');
				for (k = 1; k < 3 && cur(p) >= '0' && cur(p) <= '7'; k++)
					v = v * 8 + (unsigned long)(cur(p) - '0'), p->i++;
				v &= 0xff;
			}
			break;
		}
		if (v == 0)
			cut = 1;
		if (cut)
			continue;
		if ((c == 'u' || c == 'U') && v >= 0x80)
			put_utf8(b, v);
		else
			putc_(b, (int)(v & 0xff));
	}
}

/* Reads up to the ')' or '}' matching an opening at p->i - 1; raw bytes. */
static int
scan_balanced(struct shp *p, int open, int close, size_t *start, size_t *end)
{
	int level = 1;
	char q = 0;

	*start = p->i;
	while (!at_end(p)) {
		int c = cur(p);
		if (q) {
			if (c == '\\' && q == '"')
				p->i++;
			else if (c == q)
				q = 0;
		} else if (c == '\\')
			p->i++;
		else if (c == '\'' || c == '"')
			q = (char)c;
		else if (c == open)
			level++;
		else if (c == close && --level == 0) {
			*end = p->i++;
			return 0;
		}
		p->i++;
	}
	return shp_fail(p, SHP_EUNTERMINATED, "unterminated %c", open);
}

/* True if bytes [a, b) hold $( or a backtick. */
static int
has_subst(const struct shp *p, size_t a, size_t b)
{
	for (size_t k = a; k < b; k++)
		if (p->s[k] == '`' || (p->s[k] == '$' && k + 1 < b && p->s[k + 1] == '('))
			return 1;
	return 0;
}

/* True if the text [a, b) is exactly "pwd" give or take blanks. */
static int
is_pwd(const char *s, size_t a, size_t b)
{
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	return b - a == 3 && memcmp(s + a, "pwd", 3) == 0;
}

/*
 * At the end of a buffer: here-documents of this buffer still pending were
 * never terminated (an error if *rc was 0); they are dropped.
 */
static void
heredocs_drop(struct shp *p, int *rc)
{
	if (p->nhd > p->hd_base && *rc == 0)
		*rc = shp_fail(p, SHP_EUNTERMINATED, "here-document not terminated");
	while (p->nhd > p->hd_base)
		free(p->hd[--p->nhd].delim);
}

/* Parses a nested list in the current buffer up to ')' as scope kind. */
static int
nested_list(struct shp *p, enum shp_scope_kind kind, int word)
{
	int saved = p->scope, sc, rc;

	if (depth_in(p) < 0)
		return -1;
	if ((sc = scope_new(p, kind, word)) < 0)
		return -1;
	p->scope = sc;
	rc = parse_list(p, ')');
	p->scope = saved;
	p->depth--;
	return rc;
}

/* Parses text (not the current buffer) as a list in a scope of its own. */
static int
nested_text(struct shp *p, const char *text, size_t len, enum shp_scope_kind kind, int word)
{
	const char *s = p->s;
	size_t l = p->len, i = p->i, base = p->hd_base;
	int saved = p->scope, sc, rc;

	if (depth_in(p) < 0)
		return -1;
	if ((sc = scope_new(p, kind, word)) < 0)
		return -1;
	p->scope = sc;
	p->s = text;
	p->len = len;
	p->i = 0;
	p->hd_base = p->nhd;
	rc = parse_list(p, -1);
	heredocs_drop(p, &rc);
	p->s = s;
	p->len = l;
	p->i = i;
	p->hd_base = base;
	p->scope = saved;
	p->depth--;
	return rc;
}

/* `...`: unescapes the text and parses it. */
static int
lex_backtick(struct shp *p, struct buf *b, unsigned *flags, int word, int in_dq)
{
	struct buf t;
	int rc;

	buf_init(&t, SHP_MAX_INPUT);
	p->i++;
	for (;;) {
		int c = cur(p);
		if (c == -1) {
			buf_release(&t);
			return shp_fail(p, SHP_EUNTERMINATED, "unterminated `");
		}
		p->i++;
		if (c == '`')
			break;
		if (c == '\\' && (cur(p) == '`' || cur(p) == '\\' || cur(p) == '$' ||
				  (in_dq && cur(p) == '"'))) {
			putc_(&t, cur(p));
			p->i++;
			continue;
		}
		putc_(&t, c);
	}
	rc = nested_text(p, t.data ? t.data : "", t.len, SHP_S_CMDSUB, word);
	if (t.data && is_pwd(t.data, 0, t.len)) {
		put(b, "$PWD", 4);
		*flags |= SHP_W_VAR;
	} else {
		put(b, "$(...)", 6);
		*flags |= SHP_W_CMDSUB;
	}
	buf_release(&t);
	return rc;
}

/*
 * Reads the body of an arithmetic (( ... )) or $(( ... )) whose opening
 * parentheses were just passed, up to and past its "))": [*a, *e) is the
 * body. A substitution inside is refused: its value is unknown.
 */
static int
arith_body(struct shp *p, size_t *a, size_t *e)
{
	if (scan_balanced(p, '(', ')', a, e) < 0)
		return -1;
	if (cur(p) != ')')
		return shp_fail(p, SHP_ESYNTAX, "(( without ))");
	p->i++;
	if (has_subst(p, *a, *e))
		return shp_fail(p, SHP_EUNSUPPORTED, "substitution inside ((...))");
	return 0;
}

/* A $ expansion at p->i (unquoted or in double quotes). */
static int
lex_dollar(struct shp *p, struct buf *b, unsigned *flags, int word, int in_dq)
{
	int c = peek(p, 1);
	size_t a, e;

	if (c == '(' && peek(p, 2) == '(') {
		p->i += 3;
		if (arith_body(p, &a, &e) < 0)
			return -1;
		put(b, "$((", 3);
		put(b, p->s + a, e - a);
		put(b, "))", 2);
		*flags |= SHP_W_ARITH;
		return 0;
	}
	if (c == '(') {
		p->i += 2;
		a = p->i;
		if (nested_list(p, SHP_S_CMDSUB, word) < 0)
			return -1;
		if (is_pwd(p->s, a, p->i - 1)) {
			put(b, "$PWD", 4);
			*flags |= SHP_W_VAR;
		} else {
			put(b, "$(...)", 6);
			*flags |= SHP_W_CMDSUB;
		}
		return 0;
	}
	if (c == '{') {
		p->i += 2;
		if (scan_balanced(p, '{', '}', &a, &e) < 0)
			return -1;
		if (has_subst(p, a, e))
			return shp_fail(p, SHP_EUNSUPPORTED, "substitution inside ${...}");
		put(b, "${", 2);
		put(b, p->s + a, e - a);
		put(b, "}", 1);
		*flags |= SHP_W_VAR;
		return 0;
	}
	if (!in_dq && c == '\'')
		return lex_ansi_c(p, b);
	if (!in_dq && c == '"') {
		p->i++; /* $"..." is "..." */
		return 0;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
		a = p->i++;
		while ((c = cur(p)) != -1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					      c == '_' || (c >= '0' && c <= '9')))
			p->i++;
		put(b, p->s + a, p->i - a);
		*flags |= SHP_W_VAR;
		return 0;
	}
	if ((c >= '0' && c <= '9') || (c != -1 && strchr("@*#?$!-", c) != NULL)) {
		put(b, p->s + p->i, 2);
		p->i += 2;
		*flags |= SHP_W_VAR;
		return 0;
	}
	putc_(b, '$');
	p->i++;
	return 0;
}

/* "...": or, with heredoc set, a here-document body up to the end. */
static int
lex_dquote(struct shp *p, struct buf *b, unsigned *flags, int word, int heredoc)
{
	if (!heredoc)
		p->i++;
	for (;;) {
		int c = cur(p);
		if (c == -1) {
			if (heredoc)
				return 0;
			return shp_fail(p, SHP_EUNTERMINATED, "unterminated double quote");
		}
		if (c == '"' && !heredoc) {
			p->i++;
			return 0;
		}
		if (c == '\\') {
			int d = peek(p, 1);
			if (d == '\n') {
				p->i += 2;
				continue;
			}
			if (d == '$' || d == '`' || d == '\\' || (d == '"' && !heredoc)) {
				putc_(b, d);
				p->i += 2;
				continue;
			}
			putc_(b, '\\');
			p->i++;
			continue;
		}
		if (c == '$') {
			if (lex_dollar(p, b, flags, word, 1) < 0)
				return -1;
			continue;
		}
		if (c == '`') {
			if (lex_backtick(p, b, flags, word, 1) < 0)
				return -1;
			continue;
		}
		putc_(b, c);
		p->i++;
	}
}

/* Stores a finished word's text. */
static void
word_set(struct shp *p, int w, struct buf *b, unsigned flags)
{
	struct shp_word *x = &p->r->words[w];

	free(x->text);
	x->text = buf_steal(b, &x->len);
	x->flags = flags;
}

/*
 * Reads one word at p->i into a new word; *out is its index, or -1 if no
 * word starts here. Returns -1 on error.
 */
static int
lex_word(struct shp *p, int *out)
{
	struct buf b;
	unsigned flags = 0;
	size_t start = p->i, brace_open = 0;
	int w, c;

	*out = -1;
	c = cur(p);
	if ((c == '<' || c == '>') && peek(p, 1) == '(') {
		if ((w = word_new(p)) < 0)
			return -1;
		p->i += 2;
		if (nested_list(p, c == '<' ? SHP_S_PROCIN : SHP_S_PROCOUT, w) < 0)
			return -1;
		buf_init(&b, SHP_MAX_INPUT);
		put(&b, "/dev/fd/63", 10);
		word_set(p, w, &b, c == '<' ? SHP_W_PROCIN : SHP_W_PROCOUT);
		*out = w;
		return 0;
	}
	if (is_meta(c))
		return 0;
	if ((w = word_new(p)) < 0)
		return -1;
	buf_init(&b, SHP_MAX_INPUT);
	while (!is_meta(c = cur(p))) {
		if (c == '\\') {
			if (peek(p, 1) == '\n') {
				p->i += 2;
				continue;
			}
			if (peek(p, 1) == -1) {
				putc_(&b, '\\');
				p->i++;
				continue;
			}
			putc_(&b, peek(p, 1));
			flags |= SHP_W_QUOTED;
			p->i += 2;
		} else if (c == '\'') {
			size_t a = ++p->i;
			while (!at_end(p) && cur(p) != '\'')
				p->i++;
			if (at_end(p)) {
				buf_release(&b);
				return shp_fail(p, SHP_EUNTERMINATED, "unterminated single quote");
			}
			put(&b, p->s + a, p->i - a);
			p->i++;
			flags |= SHP_W_QUOTED;
		} else if (c == '"') {
			flags |= SHP_W_QUOTED;
			if (lex_dquote(p, &b, &flags, w, 0) < 0) {
				buf_release(&b);
				return -1;
			}
		} else if (c == '$') {
			if (peek(p, 1) == '\'' || peek(p, 1) == '"')
				flags |= SHP_W_QUOTED;
			if (lex_dollar(p, &b, &flags, w, 0) < 0) {
				buf_release(&b);
				return -1;
			}
		} else if (c == '`') {
			if (lex_backtick(p, &b, &flags, w, 0) < 0) {
				buf_release(&b);
				return -1;
			}
		} else {
			if (c == '*' || c == '?' || c == '[')
				flags |= SHP_W_GLOB;
			if (c == '~' && p->i == start)
				flags |= SHP_W_TILDE;
			if (c == '{')
				brace_open = 1;
			if (brace_open && (c == ',' || (c == '.' && peek(p, 1) == '.')))
				flags |= SHP_W_BRACE;
			putc_(&b, c);
			p->i++;
		}
	}
	word_set(p, w, &b, flags);
	*out = w;
	return 0;
}

/* True if word w is exactly the unquoted text kw. */
static int
word_is(const struct shp *p, int w, const char *kw)
{
	const struct shp_word *x = &p->r->words[w];

	return (x->flags & SHP_W_QUOTED) == 0 && strcmp(x->text, kw) == 0;
}

/* True if an unquoted NAME= starts word w (an assignment). */
static int
word_assign(const struct shp *p, int w)
{
	const struct shp_word *x = &p->r->words[w];
	const char *t = x->text;
	size_t k = 0;

	if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z') || t[0] == '_'))
		return 0;
	while ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z') || t[k] == '_' ||
	       (t[k] >= '0' && t[k] <= '9'))
		k++;
	if (t[k] == '+' && t[k + 1] == '=')
		k++;
	return t[k] == '=';
}

/* Drops the last word (a reserved word read at command position). */
static void
word_pop(struct shp *p)
{
	struct shp_result *r = p->r;

	free(r->words[r->nwords - 1].text);
	r->nwords--;
}

/* Reads the bodies of this buffer's pending here-documents after a newline. */
static int
read_heredocs(struct shp *p)
{
	struct shp_heredoc todo[SHP_MAX_HEREDOCS];
	size_t n = p->nhd - p->hd_base, h;
	int rc = 0;

	memcpy(todo, p->hd + p->hd_base, n * sizeof(todo[0]));
	p->nhd = p->hd_base;
	for (h = 0; h < n && rc == 0; h++) {
		struct shp_heredoc *hd = &todo[h];
		struct buf body;
		size_t dl = strlen(hd->delim);
		unsigned flags = SHP_W_HEREDOC | (hd->quoted ? SHP_W_QUOTED : 0);
		int found = 0;

		buf_init(&body, SHP_MAX_INPUT);
		while (!at_end(p)) {
			size_t a = p->i, e;
			while (!at_end(p) && cur(p) != '\n')
				p->i++;
			e = p->i;
			if (!at_end(p))
				p->i++;
			if (hd->strip_tabs)
				while (a < e && p->s[a] == '\t')
					a++;
			if (e - a == dl && memcmp(p->s + a, hd->delim, dl) == 0) {
				found = 1;
				break;
			}
			put(&body, p->s + a, e - a);
			putc_(&body, '\n');
		}
		if (!found) {
			rc = shp_fail(p, SHP_EUNTERMINATED, "here-document not terminated");
		} else if (!hd->quoted && body.data != NULL) {
			/* expansions and substitutions run in an unquoted body */
			struct buf out;
			char *text = buf_steal(&body, NULL);
			const char *s = p->s;
			size_t l = p->len, i = p->i, base = p->hd_base;

			buf_init(&out, SHP_MAX_INPUT);
			p->s = text;
			p->len = strlen(text);
			p->i = 0;
			p->hd_base = p->nhd;
			rc = lex_dquote(p, &out, &flags, hd->word, 1);
			heredocs_drop(p, &rc);
			p->s = s;
			p->len = l;
			p->i = i;
			p->hd_base = base;
			free(text);
			word_set(p, hd->word, &out, flags);
			buf_release(&out);
		} else {
			word_set(p, hd->word, &body, flags);
		}
		buf_release(&body);
	}
	for (h = 0; h < n; h++)
		free(todo[h].delim);
	return rc;
}

/* Consumes one newline (and the here-documents it starts). */
static int
take_newline(struct shp *p)
{
	p->i++;
	return p->nhd > p->hd_base ? read_heredocs(p) : 0;
}

/* Skips blanks and newlines. */
static int
skip_newlines(struct shp *p)
{
	for (;;) {
		skip_blank(p);
		if (cur(p) != '\n')
			return 0;
		if (take_newline(p) < 0)
			return -1;
	}
}

/* True if a redirection operator starts at p->i. */
static int
redir_starts(const struct shp *p)
{
	size_t k = 0;
	int c;

	while (k < 4 && (c = peek(p, k)) >= '0' && c <= '9')
		k++;
	c = peek(p, k);
	if (c == '<' || c == '>')
		return peek(p, k + 1) != '(';
	return k == 0 && c == '&' && peek(p, 1) == '>';
}

/* Parses one redirection into rd. */
static int
parse_redir(struct shp *p, struct shp_redir *rd)
{
	int fd = -1, c, w, dash = 0;

	if (cur(p) >= '0' && cur(p) <= '9') {
		fd = 0;
		while ((c = cur(p)) >= '0' && c <= '9')
			fd = fd * 10 + (c - '0'), p->i++;
	}
	c = cur(p);
	rd->fd = fd;
	if (c == '&') {
		p->i += 2;
		rd->op = SHP_R_OUTERR;
		if (cur(p) == '>')
			p->i++, rd->op = SHP_R_APPENDERR;
	} else if (c == '<') {
		p->i++;
		if (cur(p) == '<' && peek(p, 1) == '<')
			p->i += 2, rd->op = SHP_R_HERESTRING;
		else if (cur(p) == '<') {
			p->i++;
			rd->op = SHP_R_HEREDOC;
			if (cur(p) == '-')
				p->i++, dash = 1;
		} else if (cur(p) == '>')
			p->i++, rd->op = SHP_R_INOUT;
		else if (cur(p) == '&')
			p->i++, rd->op = SHP_R_DUP;
		else
			rd->op = SHP_R_IN;
	} else {
		p->i++;
		if (cur(p) == '>')
			p->i++, rd->op = SHP_R_APPEND;
		else if (cur(p) == '|')
			p->i++, rd->op = SHP_R_OUT;
		else if (cur(p) == '&') {
			p->i++;
			rd->op = SHP_R_DUP;
		} else
			rd->op = SHP_R_OUT;
	}
	skip_blank(p);
	if (lex_word(p, &w) < 0)
		return -1;
	if (w < 0)
		return shp_fail(p, SHP_ESYNTAX, "redirection without a target");
	rd->word = w;
	if (rd->op == SHP_R_DUP) {
		/* >&FILE (not a descriptor or -) is &>FILE */
		const char *t = p->r->words[w].text;
		size_t k = 0;
		while (t[k] >= '0' && t[k] <= '9')
			k++;
		if (!(t[0] == '-' && t[1] == '\0') &&
		    (k == 0 || (t[k] != '\0' && strcmp(t + k, "-"))))
			rd->op = SHP_R_OUTERR;
	}
	if (rd->op == SHP_R_HEREDOC) {
		struct shp_heredoc *hd;
		int body;

		if (p->nhd >= SHP_MAX_HEREDOCS)
			return shp_fail(p, SHP_EMANY, "more than %d here-documents",
					SHP_MAX_HEREDOCS);
		if ((body = word_new(p)) < 0)
			return -1;
		p->r->words[body].text = xstrdup("");
		p->r->words[body].flags = SHP_W_HEREDOC;
		hd = &p->hd[p->nhd++];
		hd->word = body;
		hd->delim = xstrdup(p->r->words[w].text);
		hd->strip_tabs = dash;
		hd->quoted = (p->r->words[w].flags & SHP_W_QUOTED) != 0;
		rd->word = body;
	}
	return 0;
}

/* Appends a redirection to a growable array. */
static int
redir_push(struct shp *p, struct shp_redir **v, size_t *n, size_t *cap)
{
	struct shp_redir rd;

	if (parse_redir(p, &rd) < 0)
		return -1;
	if (*n >= SHP_MAX_WORDS)
		return shp_fail(p, SHP_EMANY, "more than %d redirections", SHP_MAX_WORDS);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = rd;
	return 0;
}

/* Redirections after ( ) or { }: an argument-less command holding them. */
static int
trailing_redirs(struct shp *p, int pipeline, int pos)
{
	struct shp_redir *v = NULL;
	size_t n = 0, cap = 0;
	int ci;

	for (;;) {
		skip_blank(p);
		if (!redir_starts(p))
			break;
		if (redir_push(p, &v, &n, &cap) < 0) {
			free(v);
			return -1;
		}
	}
	if (n == 0)
		return 0;
	if ((ci = cmd_new(p)) < 0) {
		free(v);
		return -1;
	}
	p->r->cmds[ci].redir = v;
	p->r->cmds[ci].nredir = n;
	p->r->cmds[ci].pipeline = pipeline;
	p->r->cmds[ci].pipe_pos = pos;
	return 0;
}

/* ( list ) or { list; } in a scope of the given kind. */
static int
parse_compound(struct shp *p, enum shp_scope_kind kind, int word, int pipeline, int pos)
{
	int saved = p->scope, sc, rc;
	int close = cur(p) == '(' ? ')' : '}';

	p->i++;
	if (depth_in(p) < 0)
		return -1;
	if ((sc = scope_new(p, kind, word)) < 0)
		return -1;
	p->scope = sc;
	rc = parse_list(p, close);
	p->scope = saved;
	p->depth--;
	if (rc < 0)
		return -1;
	return trailing_redirs(p, pipeline, pos);
}

/* Skips (( ... )) (arithmetic); substitutions in it are not read. */
static int
skip_arith(struct shp *p)
{
	size_t a, e;

	p->i += 2;
	return arith_body(p, &a, &e);
}

/* A function body after name(): { } or ( ). */
static int
parse_funcbody(struct shp *p, int ci, int name, int pipeline, int pos)
{
	int sc_before = (int)p->r->nscopes;

	if (skip_newlines(p) < 0)
		return -1;
	if (cur(p) == '{' && is_meta(peek(p, 1))) {
		if (parse_compound(p, SHP_S_FUNC, name, pipeline, pos) < 0)
			return -1;
	} else if (cur(p) == '(') {
		if (parse_compound(p, SHP_S_FUNC, name, pipeline, pos) < 0)
			return -1;
	} else
		return shp_fail(p, SHP_ESYNTAX, "function without a body");
	p->r->cmds[ci].body_scope = sc_before;
	return 0;
}

/* True if the next non-blank bytes are "()". */
static int
empty_parens(struct shp *p)
{
	size_t save = p->i;

	if (cur(p) != '(')
		return 0;
	p->i++;
	skip_blank(p);
	if (cur(p) == ')') {
		p->i++;
		return 1;
	}
	p->i = save;
	return 0;
}

/* Reserved words skipped at command position. */
static int
skipped_keyword(const struct shp *p, int w)
{
	static const char *const kw[] = {"if",	  "then", "else", "elif", "fi",	  "while",
					 "until", "do",	  "done", "!",	  "time", NULL};

	for (size_t k = 0; kw[k]; k++)
		if (word_is(p, w, kw[k]))
			return strcmp(kw[k], "time") != 0;
	return 0;
}

/* A simple command (or a function definition) as pipeline stage pos. */
static int
parse_simple(struct shp *p, int pipeline, int pos)
{
	struct shp_ints argv = {0}, assign = {0};
	struct shp_redir *rv = NULL;
	size_t nr = 0, capr = 0;
	struct shp_cmd *c;
	int ci, w, rc = -1, keyword = 0;

	for (;;) {
		int ch;

		skip_blank(p);
		ch = cur(p);
		if (ch == -1 || ch == '\n' || ch == ';' || ch == '|' || ch == ')' ||
		    (ch == '&' && peek(p, 1) != '>'))
			break;
		if (ch == '(') {
			if (argv.n == 1 && assign.n == 0 && empty_parens(p)) {
				if ((ci = cmd_new(p)) < 0)
					goto out;
				c = &p->r->cmds[ci];
				c->kind = SHP_C_FUNCDEF;
				c->argv = argv.v;
				c->argc = 1;
				argv.v = NULL;
				c->pipeline = pipeline;
				c->pipe_pos = pos;
				rc = parse_funcbody(p, ci, p->r->cmds[ci].argv[0], pipeline, pos);
				goto out;
			}
			if (argv.n == 1 && word_is(p, argv.v[0], "for") && peek(p, 1) == '(') {
				if (skip_arith(p) < 0)
					goto out;
				continue;
			}
			shp_fail(p, SHP_ESYNTAX, "unexpected (");
			goto out;
		}
		if (redir_starts(p)) {
			if (redir_push(p, &rv, &nr, &capr) < 0)
				goto out;
			continue;
		}
		if (lex_word(p, &w) < 0)
			goto out;
		if (w < 0) {
			shp_fail(p, SHP_ESYNTAX, "unexpected %c", ch);
			goto out;
		}
		if (argv.n == 0 && assign.n == 0 && nr == 0) {
			if (skipped_keyword(p, w)) {
				word_pop(p);
				keyword = 1;
				continue;
			}
			if (word_is(p, w, "case") || word_is(p, w, "select") ||
			    word_is(p, w, "coproc")) {
				shp_fail(p, SHP_EUNSUPPORTED, "%s is not understood",
					 p->r->words[w].text);
				goto out;
			}
			if (word_is(p, w, "{") || word_is(p, w, "}")) {
				shp_fail(p, SHP_ESYNTAX, "unexpected %s", p->r->words[w].text);
				goto out;
			}
			if (word_is(p, w, "function")) {
				int name;
				word_pop(p);
				skip_blank(p);
				if (lex_word(p, &name) < 0)
					goto out;
				if (name < 0) {
					shp_fail(p, SHP_ESYNTAX, "function without a name");
					goto out;
				}
				skip_blank(p);
				empty_parens(p);
				if ((ci = cmd_new(p)) < 0 || ints_push(p, &argv, name) < 0)
					goto out;
				c = &p->r->cmds[ci];
				c->kind = SHP_C_FUNCDEF;
				c->argv = argv.v;
				c->argc = 1;
				argv.v = NULL;
				c->pipeline = pipeline;
				c->pipe_pos = pos;
				rc = parse_funcbody(p, ci, name, pipeline, pos);
				goto out;
			}
		}
		if (argv.n == 0 && word_assign(p, w)) {
			if (cur(p) == '(') {
				shp_fail(p, SHP_EUNSUPPORTED, "array assignment is not understood");
				goto out;
			}
			if (ints_push(p, &assign, w) < 0)
				goto out;
		} else if (ints_push(p, &argv, w) < 0)
			goto out;
	}
	if (argv.n == 0 && assign.n == 0 && nr == 0) {
		/* "then", "do", "else" may end a line; nothing else may be empty */
		if (keyword)
			rc = 0;
		else
			shp_fail(p, SHP_ESYNTAX, "a command is missing");
		goto out;
	}
	if ((ci = cmd_new(p)) < 0)
		goto out;
	c = &p->r->cmds[ci];
	c->argv = argv.v;
	c->argc = argv.n;
	c->assign = assign.v;
	c->nassign = assign.n;
	c->redir = rv;
	c->nredir = nr;
	c->pipeline = pipeline;
	c->pipe_pos = pos;
	c->stage_simple = 1;
	return 0;
out:
	free(argv.v);
	free(assign.v);
	free(rv);
	return rc;
}

/* One pipeline stage. */
static int
parse_command(struct shp *p, int pipeline, int pos)
{
	skip_blank(p);
	if (cur(p) == '(' && peek(p, 1) == '(') {
		if (skip_arith(p) < 0)
			return -1;
		return trailing_redirs(p, pipeline, pos);
	}
	if (cur(p) == '(')
		return parse_compound(p, SHP_S_SUBSHELL, -1, pipeline, pos);
	if (cur(p) == '{' && is_meta(peek(p, 1)))
		return parse_compound(p, SHP_S_GROUP, -1, pipeline, pos);
	return parse_simple(p, pipeline, pos);
}

/* A pipeline: stages joined by | or |&. */
static int
parse_pipeline(struct shp *p)
{
	size_t first = p->r->ncmds;
	int id = ++p->pipelines, pos = 0;

	for (;;) {
		if (parse_command(p, id, pos) < 0)
			return -1;
		skip_blank(p);
		if (cur(p) == '|' && peek(p, 1) != '|') {
			p->i += peek(p, 1) == '&' ? 2 : 1;
			if (skip_newlines(p) < 0)
				return -1;
			pos++;
			continue;
		}
		break;
	}
	for (size_t k = first; k < p->r->ncmds; k++)
		if (p->r->cmds[k].pipeline == id)
			p->r->cmds[k].pipe_len = pos + 1;
	return 0;
}

/* True if "}" as a word starts at p->i. */
static int
at_close_brace(const struct shp *p)
{
	return cur(p) == '}' && (is_meta(peek(p, 1)) || peek(p, 1) == '}');
}

/*
 * A list of pipelines up to term: ')' or '}' (consumed) or -1 (the end of
 * the buffer).
 */
static int
parse_list(struct shp *p, int term)
{
	int need = 0; /* after && or ||: a command must follow */

	for (;;) {
		size_t before;
		int c;

		if (skip_newlines(p) < 0)
			return -1;
		c = cur(p);
		if (need && (c == -1 || c == ')' || at_close_brace(p)))
			return shp_fail(p, SHP_EUNTERMINATED,
					"&& or || without a command after it");
		need = 0;
		if (c == -1) {
			if (term == -1)
				return 0;
			return shp_fail(p, SHP_EUNTERMINATED, "missing %c", term);
		}
		if (c == ')') {
			if (term != ')')
				return shp_fail(p, SHP_ESYNTAX, "unexpected )");
			p->i++;
			return 0;
		}
		if (at_close_brace(p)) {
			if (term != '}')
				return shp_fail(p, SHP_ESYNTAX, "unexpected }");
			p->i++;
			return 0;
		}
		if (c == ';' || c == '&' || c == '|')
			return shp_fail(p, SHP_ESYNTAX, "unexpected %c", c);
		before = p->r->ncmds;
		if (parse_pipeline(p) < 0)
			return -1;
		skip_blank(p);
		c = cur(p);
		if (c == ';') {
			if (peek(p, 1) == ';' || peek(p, 1) == '&')
				return shp_fail(p, SHP_EUNSUPPORTED, ";; outside case");
			p->i++;
		} else if ((c == '&' && peek(p, 1) == '&') || (c == '|' && peek(p, 1) == '|')) {
			p->i += 2;
			need = 1;
		} else if (c == '&') {
			p->i++;
			for (size_t k = before; k < p->r->ncmds; k++)
				p->r->cmds[k].background = 1;
		} else if (c == '\n') {
			if (take_newline(p) < 0)
				return -1;
		} else if (c == -1 || c == ')' || at_close_brace(p)) {
			continue;
		} else {
			return shp_fail(p, SHP_ESYNTAX, "unexpected %c", c);
		}
	}
}

/* Parses a command line. */
enum shp_status
shp_parse(const char *s, size_t len, struct shp_result *r)
{
	struct shp p;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.s = s;
	p.len = len;
	p.scope = -1;
	if (len > SHP_MAX_INPUT) {
		shp_fail(&p, SHP_ELONG, "longer than %d bytes", SHP_MAX_INPUT);
		return r->status;
	}
	if (s == NULL || memchr(s, '\0', len) != NULL) {
		shp_fail(&p, SHP_ENUL, "holds a NUL byte");
		return r->status;
	}
	p.scope = scope_new(&p, SHP_S_TOP, -1);
	rc = parse_list(&p, -1);
	heredocs_drop(&p, &rc);
	return r->status;
}

/* Frees everything a result holds. */
void
shp_result_free(struct shp_result *r)
{
	if (r == NULL)
		return;
	for (size_t k = 0; k < r->nwords; k++)
		free(r->words[k].text);
	for (size_t k = 0; k < r->ncmds; k++) {
		free(r->cmds[k].argv);
		free(r->cmds[k].assign);
		free(r->cmds[k].redir);
	}
	free(r->words);
	free(r->cmds);
	free(r->scopes);
	memset(r, 0, sizeof(*r));
}
