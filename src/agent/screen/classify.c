/*
 * classify: screen + profile -> state, evidence and prompt (see classify.h).
 *
 * The input box is found once per screen: the last line matching the
 * profile's input.line among the last input.within non-blank lines, with
 * (if input.rule is set) a rule line right above it and the box ending at
 * the next rule line below. Regions are then spans [b, e) of lines: an area
 * (screen, above_input, input, below_input), narrowed to the lines after the
 * last match of after_last, then to the last N non-blank lines. A region
 * that cannot be found (no input box, no after_last match) makes its
 * condition false: rules never match on a screen they cannot place.
 */
#include "agent/screen/classify.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

#define CLASSIFY_EVIDENCE_LINES 4 /* lines quoted as evidence */

struct span {
	size_t b;    /* first line */
	size_t e;    /* one past the last line */
	int present; /* 0 if the region could not be placed */
};

struct box {
	int found;	   /* an input box is on screen */
	struct span above; /* lines above it */
	struct span input; /* its lines */
	struct span below; /* lines below it */
};

struct evidence {
	size_t line[CLASSIFY_EVIDENCE_LINES]; /* line indexes, in match order */
	size_t n;			      /* entries in line */
};

/* Finds the input box of the screen. */
static void
classify_find_box(const struct profile *p, const struct screen *s, struct box *box)
{
	const struct profile_input *in = profile_input(p);
	size_t start, i, idx, top, bottom;

	memset(box, 0, sizeof(*box));
	if (in->line == NULL || s->n == 0)
		return;
	start = screen_last_nonblank(s, 0, s->n, in->within);
	for (i = s->n; i > start; i--)
		if (profile_regex_exec(in->line, s->lines[i - 1].text, 0, NULL))
			break;
	if (i == start)
		return;
	idx = i - 1;
	if (in->rule == NULL) {
		box->above = (struct span){0, idx, 1};
		box->input = (struct span){idx, idx + 1, 1};
		box->below = (struct span){idx + 1, s->n, 1};
		box->found = 1;
		return;
	}
	top = idx;
	while (top > 0 && screen_line_blank(&s->lines[top - 1]))
		top--;
	if (top == 0 || !profile_regex_exec(in->rule, s->lines[top - 1].text, 0, NULL))
		return;
	top--;
	for (bottom = idx + 1; bottom < s->n; bottom++)
		if (profile_regex_exec(in->rule, s->lines[bottom].text, 0, NULL))
			break;
	box->above = (struct span){0, top, 1};
	box->input = (struct span){top + 1, bottom, 1};
	box->below = (struct span){bottom < s->n ? bottom + 1 : s->n, s->n, 1};
	box->found = 1;
}

/* Places a region on the screen. */
static struct span
classify_region(const struct profile_region *r, const struct screen *s, const struct box *box)
{
	struct span sp = {0, s->n, 1};
	size_t i;

	switch (r->area) {
	case PROFILE_AREA_SCREEN:
		break;
	case PROFILE_AREA_ABOVE_INPUT:
		sp = box->found ? box->above : (struct span){0, 0, 0};
		break;
	case PROFILE_AREA_INPUT:
		sp = box->found ? box->input : (struct span){0, 0, 0};
		break;
	case PROFILE_AREA_BELOW_INPUT:
		sp = box->found ? box->below : (struct span){0, 0, 0};
		break;
	}
	if (!sp.present)
		return sp;
	if (r->after_last != NULL) {
		for (i = sp.e; i > sp.b; i--)
			if (profile_regex_exec(r->after_last, s->lines[i - 1].text, 0, NULL))
				break;
		if (i == sp.b)
			return (struct span){0, 0, 0};
		sp.b = i;
	}
	if (r->last)
		sp.b = screen_last_nonblank(s, sp.b, sp.e, r->last);
	return sp;
}

/* Index of the last line of sp matching re, or sp.e if none. */
static size_t
classify_find(const struct profile_regex *re, const struct screen *s, struct span sp)
{
	size_t i;

	for (i = sp.e; i > sp.b; i--)
		if (profile_regex_exec(re, s->lines[i - 1].text, 0, NULL))
			return i - 1;
	return sp.e;
}

/* Notes a line as evidence once. */
static void
classify_note(struct evidence *ev, size_t line)
{
	size_t i;

	for (i = 0; i < ev->n; i++)
		if (ev->line[i] == line)
			return;
	if (ev->n < CLASSIFY_EVIDENCE_LINES)
		ev->line[ev->n++] = line;
}

/* True if a condition holds; matching lines are added to ev. */
static int
classify_cond(const struct profile_cond *c, const struct screen *s, const struct box *box,
	      struct evidence *ev)
{
	struct span sp = classify_region(&c->region, s, box);
	size_t i, at, any_at = sp.e;

	if (!sp.present)
		return 0;
	for (i = 0; i < c->n_none; i++)
		if (classify_find(&c->none[i], s, sp) != sp.e)
			return 0;
	for (i = 0; i < c->n_any && any_at == sp.e; i++)
		any_at = classify_find(&c->any[i], s, sp);
	if (c->n_any > 0 && any_at == sp.e)
		return 0;
	for (i = 0; i < c->n_all; i++) {
		at = classify_find(&c->all[i], s, sp);
		if (at == sp.e)
			return 0;
		classify_note(ev, at);
	}
	if (c->n_any > 0)
		classify_note(ev, any_at);
	return 1;
}

/* Copies at most max-1 bytes of src (len bytes) to dst, cut at a UTF-8 boundary. */
static size_t
classify_copy(char *dst, size_t max, const char *src, size_t len)
{
	if (len >= max) {
		len = max - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}

/* Skips leading blanks of a line. */
static const char *
classify_ltrim(const char *t, size_t *len)
{
	while (*len > 0 && (*t == ' ' || *t == '\t')) {
		t++;
		(*len)--;
	}
	return t;
}

/* Formats evidence lines into out. */
static void
classify_evidence(const struct evidence *ev, const struct screen *s, char *out)
{
	size_t i, o = 0, len;
	const char *t;

	out[0] = '\0';
	for (i = 0; i < ev->n && o + 4 < CLASSIFY_EVIDENCE_MAX; i++) {
		if (i > 0) {
			memcpy(out + o, " | ", 3);
			o += 3;
		}
		len = s->lines[ev->line[i]].len;
		t = classify_ltrim(s->lines[ev->line[i]].text, &len);
		o += classify_copy(out + o, CLASSIFY_EVIDENCE_MAX - o, t, len);
	}
}

/* The text of the last group that matched, or the whole match. */
static const char *
classify_group(const char *line, const regmatch_t *m, int nsub, size_t *len)
{
	int g;

	for (g = nsub; g > 0; g--)
		if (m[g].rm_so >= 0)
			break;
	*len = (size_t)(m[g].rm_eo - m[g].rm_so);
	return line + m[g].rm_so;
}

/* True if the bytes before an option's label hold a selection marker. */
static int
classify_marked(const char *line, size_t upto)
{
	size_t i;

	for (i = 0; i < upto; i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch != ' ' && ch != '\t' && ch != '.' && ch != ')' && !(ch >= '0' && ch <= '9'))
			return 1;
	}
	return 0;
}

/* Reads the prompt of a matched waiting_confirm rule. */
static void
classify_prompt(const struct profile_prompt *pp, const struct screen *s, const struct box *box,
		struct classify_prompt *out)
{
	struct span sp = classify_region(&pp->region, s, box);
	regmatch_t m[10];
	size_t i, o = 0, len, q;
	const char *t;

	memset(out, 0, sizeof(*out));
	out->kind = pp->kind;
	out->answerable = pp->answerable;
	out->selected = -1;
	memcpy(out->yes, pp->yes, sizeof(out->yes));
	out->n_yes = pp->n_yes;
	memcpy(out->no, pp->no, sizeof(out->no));
	out->n_no = pp->n_no;
	if (!sp.present)
		return;
	for (i = sp.b; i < sp.e; i++) {
		if (screen_line_blank(&s->lines[i]))
			continue;
		len = s->lines[i].len;
		t = classify_ltrim(s->lines[i].text, &len);
		if (o + len + 2 > CLASSIFY_BODY_MAX)
			break;
		if (o > 0)
			out->body[o++] = '\n';
		memcpy(out->body + o, t, len);
		o += len;
		out->body[o] = '\0';
	}
	q = sp.e;
	for (i = sp.e; i > sp.b; i--)
		if (profile_regex_exec(pp->question, s->lines[i - 1].text, 10, m)) {
			q = i - 1;
			t = classify_group(s->lines[q].text, m,
					   pp->question->nsub < 9 ? pp->question->nsub : 9, &len);
			t = classify_ltrim(t, &len);
			classify_copy(out->question, sizeof(out->question), t, len);
			out->known = 1;
			break;
		}
	for (i = sp.b; pp->option && i < sp.e && out->n_options < CLASSIFY_MAX_OPTIONS; i++) {
		if (!profile_regex_exec(pp->option, s->lines[i].text, 10, m))
			continue;
		t = classify_group(s->lines[i].text, m, pp->option->nsub < 9 ? pp->option->nsub : 9,
				   &len);
		if (classify_marked(s->lines[i].text, (size_t)(t - s->lines[i].text)))
			out->selected = (int)out->n_options;
		t = classify_ltrim(t, &len);
		classify_copy(out->options[out->n_options++], CLASSIFY_OPTION_MAX, t, len);
	}
	out->fingerprint = classify_fingerprint(out);
}

/* Classifies an already parsed screen. */
int
classify_parsed(const struct profile *p, const struct screen *s, struct classify_result *out)
{
	const struct profile_rule *r;
	struct evidence ev;
	struct box box;
	size_t i, c;
	locale_t old;

	if (p == NULL || s == NULL || out == NULL)
		return CM_EINVAL;
	memset(out, 0, sizeof(*out));
	out->profile = p;
	out->state = profile_fallback(p);
	if (!p->prepared)
		profile_prepare(p); /* the first screen read with p */
	/* One locale switch per screen, not per line (profile_regex_exec). */
	old = profile_regex_locale ? uselocale(profile_regex_locale) : (locale_t)0;
	classify_find_box(p, s, &box);
	for (i = 0; i < profile_rule_count(p); i++) {
		r = profile_rule_at(p, i);
		memset(&ev, 0, sizeof(ev));
		for (c = 0; c < r->n_conds; c++)
			if (!classify_cond(&r->conds[c], s, &box, &ev))
				break;
		if (c < r->n_conds)
			continue;
		out->state = r->state;
		snprintf(out->rule, sizeof(out->rule), "%s", r->name);
		classify_evidence(&ev, s, out->evidence);
		if (r->state == CM_STATE_WAITING_CONFIRM) {
			out->has_prompt = 1;
			if (r->prompt)
				classify_prompt(r->prompt, s, &box, &out->prompt);
			else {
				out->prompt.selected = -1;
				out->prompt.kind = PROFILE_PROMPT_OTHER;
			}
		}
		break;
	}
	if (profile_regex_locale)
		uselocale(old);
	return 0;
}

/* Classifies captured text. */
int
classify_screen(const struct profile *p, const char *text, size_t len, struct classify_result *out)
{
	struct screen s;
	int rc;

	if (p == NULL || out == NULL)
		return CM_EINVAL;
	screen_parse(&s, text, len);
	rc = classify_parsed(p, &s, out);
	screen_release(&s);
	return rc;
}

/* FNV-1a step over a NUL-terminated string and its terminator. */
static uint64_t
classify_fnv(uint64_t h, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	do {
		h ^= *p;
		h *= 0x100000001b3ULL;
	} while (*p++ != '\0');
	return h;
}

/* Fingerprint of a prompt. */
uint64_t
classify_fingerprint(const struct classify_prompt *pr)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char kind[2] = {(char)('0' + pr->kind), '\0'};
	size_t i;

	h = classify_fnv(h, kind);
	h = classify_fnv(h, pr->question);
	for (i = 0; i < pr->n_options; i++)
		h = classify_fnv(h, pr->options[i]);
	return classify_fnv(h, pr->body);
}

/* Hex form of a fingerprint. */
void
classify_fingerprint_hex(uint64_t fp, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)fp);
}
