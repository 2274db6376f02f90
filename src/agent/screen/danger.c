/*
 * danger: rules that forbid auto-confirming a prompt (see danger.h).
 *
 * A command prompt's command (prompt-command.c finds it in the body) is
 * judged by the shell policy (shell-policy.c), which parses it as a shell
 * would. An edit prompt's file names are checked against the session's
 * directory. Extra rules are EREs over every body line of any prompt.
 */
#include "agent/screen/danger.h"

#include "agent/screen/prompt-command.h"
#include "agent/screen/shell-policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/profile-regex.h"
#include "common/err.h"
#include "common/xmalloc.h"

#define DANGER_LINE_MAX 1024	   /* bytes of a body line looked at */
#define DANGER_BODY_MAX (8 * 1024) /* bytes of a command taken from a body */
/* a body this close to PROMPT_BODY_MAX may have lost its last lines */
#define DANGER_CUT_MARGIN 160

struct danger_extra {
	char name[DANGER_NAME_MAX]; /* rule name */
	struct profile_regex re;    /* compiled pattern */
};

struct danger_rules {
	struct danger_extra *rules; /* n rules */
	size_t n;		    /* entries in rules */
};

/* The shell policy's rules (shell_policy_rules, in the same order). */
const char *const danger_builtin_names[] = {"delete-outside", "write-outside-dir", "privilege",
					    "exfiltration",   "download-exec",	   "pipe-to-shell",
					    "persistence",    "system-control",	   "history-wipe",
					    "git-push-force", "unparsed",	   NULL};

/* An empty set of extra rules. */
struct danger_rules *
danger_rules_new(void)
{
	return xcalloc(1, sizeof(struct danger_rules));
}

/* Frees a set (NULL is fine). */
void
danger_rules_free(struct danger_rules *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		profile_regex_release(&d->rules[i].re);
	free(d->rules);
	free(d);
}

/* Adds one named ERE. */
int
danger_rules_add(struct danger_rules *d, const char *name, const char *pattern, struct buf *err)
{
	struct danger_extra *e;
	size_t i, len = name ? strlen(name) : 0;

	if (len == 0 || len >= DANGER_NAME_MAX) {
		buf_printf(err, "danger rule name must be 1 to %d bytes", DANGER_NAME_MAX - 1);
		return CM_EINVAL;
	}
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			buf_printf(err, "danger rule name \"%s\": only a-z, 0-9, - and _", name);
			return CM_EINVAL;
		}
	}
	if (d->n >= DANGER_MAX_RULES) {
		buf_printf(err, "more than %d danger rules", DANGER_MAX_RULES);
		return CM_ELIMIT;
	}
	d->rules = xreallocarray(d->rules, d->n + 1, sizeof(*d->rules));
	e = &d->rules[d->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len + 1);
	if (profile_regex_compile(&e->re, pattern, err) != 0) {
		buf_printf(err, " (danger rule %s)", name);
		return CM_EINVAL;
	}
	d->n++;
	return 0;
}

/* Number of extra rules. */
size_t
danger_rules_count(const struct danger_rules *d)
{
	return d ? d->n : 0;
}

/* Fills a hit with a rule name and the text it matched. */
static int
danger_hit_set(struct danger_hit *hit, const char *rule, const char *text, size_t len)
{
	if (hit == NULL)
		return 1;
	snprintf(hit->rule, sizeof(hit->rule), "%s", rule);
	if (len >= sizeof(hit->match))
		len = sizeof(hit->match) - 1;
	while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80 && text[len] != '\0')
		len--; /* do not cut a UTF-8 character */
	memcpy(hit->match, text, len);
	hit->match[len] = '\0';
	return 1;
}

/* Normalises an absolute or relative path in place; 1 if ".." escapes it. */
static int
danger_path_normalise(char *path)
{
	char *out = path, *p = path, *seg;
	int absolute = path[0] == '/', escaped = 0;
	size_t depth = 0, n;

	if (absolute)
		out++, p++;
	while (*p != '\0') {
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (depth == 0) {
				escaped = 1;
				continue;
			}
			depth--;
			while (out > path + absolute && out[-1] != '/')
				out--; /* drop the segment */
			if (out > path + absolute)
				out--; /* and the slash before it */
			continue;
		}
		/* out never passes the '/' that preceded seg, so this is safe */
		if (out > path + absolute)
			*out++ = '/';
		memmove(out, seg, n);
		out += n;
		depth++;
	}
	*out = '\0';
	return escaped;
}

/* True if path may lie outside dir. */
int
danger_path_outside(const char *path, const char *dir)
{
	char p[DANGER_LINE_MAX], d[DANGER_LINE_MAX];
	size_t dl;
	int esc;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] == '~' || path[0] == '$' || strlen(path) >= sizeof(p))
		return 1;
	snprintf(p, sizeof(p), "%s", path);
	esc = danger_path_normalise(p);
	if (path[0] != '/')
		return esc;
	if (dir == NULL || dir[0] != '/' || strlen(dir) >= sizeof(d))
		return 1;
	snprintf(d, sizeof(d), "%s", dir);
	danger_path_normalise(d);
	dl = strlen(d);
	if (dl == 0 || (dl == 1 && d[0] == '/'))
		return 0; /* the session is the root directory: nothing is outside */
	if (strncmp(p, d, dl) != 0)
		return 1;
	return p[dl] != '\0' && p[dl] != '/';
}

/* True if a word of an edit prompt names a path outside dir. */
static int
danger_check_edit_line(const char *line, size_t len, const char *dir, struct danger_hit *hit)
{
	char word[DANGER_LINE_MAX];
	size_t i = 0, s, n;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		s = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		n = i - s;
		if (n == 0 || n >= sizeof(word))
			continue;
		memcpy(word, line + s, n);
		word[n] = '\0';
		while (n > 0 && strchr("?.,:;)'\"`", word[n - 1]))
			word[--n] = '\0';
		s = 0;
		while (word[s] != '\0' && strchr("('\"`", word[s]))
			s++;
		if ((word[s] == '/' || word[s] == '~' || strncmp(word + s, "../", 3) == 0 ||
		     strcmp(word + s, "..") == 0) &&
		    danger_path_outside(word + s, dir))
			return danger_hit_set(hit, "write-outside-dir", line, len);
	}
	return 0;
}

/* True if the line holds exactly one word. */
static int
danger_one_word(const char *line, size_t len)
{
	size_t i = 0, words = 0;

	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (i < len)
			words++;
		while (i < len && line[i] != ' ')
			i++;
	}
	return words == 1;
}

/* Checks one extra set against a line. */
static int
danger_check_extra(const struct danger_rules *d, const char *line, struct danger_hit *hit)
{
	size_t i;

	for (i = 0; d && i < d->n; i++)
		if (profile_regex_match(&d->rules[i].re, line, 0, NULL))
			return danger_hit_set(hit, d->rules[i].name, line, strlen(line));
	return 0;
}

/* A shell verdict as a hit: the reason, then the command it is about. */
static int
danger_hit_shell(struct danger_hit *hit, const struct shell_verdict *v, const char *cmd)
{
	char text[DANGER_MATCH_MAX];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "%s: %s", v->reason, cmd);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	for (size_t i = 0; i < n; i++)
		if (text[i] == '\n' || text[i] == '\t')
			text[i] = ' ';
	return danger_hit_set(hit, v->rule, text, n);
}

static const char danger_too_long[] = "the prompt is too long to read";
static const char danger_cut[] = "the end of the command is not in the prompt";

/* Runs the shell policy on the command of a command prompt's body. */
static int
danger_check_shell(const char *body, const char *session_dir, struct danger_hit *hit)
{
	char cmd[DANGER_BODY_MAX], desc[DANGER_LINE_MAX + 1];
	struct shell_verdict v;
	int layout = prompt_command(body, cmd, sizeof(cmd), desc, sizeof(desc));

	if (layout == -1)
		return danger_hit_set(hit, "unparsed", danger_too_long, strlen(danger_too_long));
	if (layout == PROMPT_LAYOUT_CUT ||
	    (layout == PROMPT_LAYOUT_WHOLE && strlen(body) + DANGER_CUT_MARGIN >= PROMPT_BODY_MAX))
		return danger_hit_set(hit, "unparsed", danger_cut, strlen(danger_cut));
	if (shell_policy_check(cmd, strlen(cmd), session_dir, &v))
		return danger_hit_shell(hit, &v, cmd);
	/*
	 * The line before the question is the description, or the command's
	 * last line when there is none: judge it too, except when it is not
	 * shell at all (text with a lone apostrophe), which a shell would
	 * refuse to run anyway.
	 */
	if (desc[0] != '\0' && shell_policy_check(desc, strlen(desc), session_dir, &v) &&
	    strcmp(v.rule, "unparsed") != 0)
		return danger_hit_shell(hit, &v, desc);
	return 0;
}

/* Checks a prompt body against every rule. */
int
danger_check(const char *body, enum profile_prompt_kind kind, const char *session_dir,
	     const struct danger_rules *extra1, const struct danger_rules *extra2,
	     struct danger_hit *hit)
{
	char line[DANGER_LINE_MAX + 1];
	const char *p = body, *nl;
	size_t len;

	if (body == NULL)
		return 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > DANGER_LINE_MAX)
			len = DANGER_LINE_MAX;
		memcpy(line, p, len);
		line[len] = '\0';
		if (danger_check_extra(extra1, line, hit) || danger_check_extra(extra2, line, hit))
			return 1;
		/* the file is named in the question or on a line of its own */
		if (kind == PROFILE_PROMPT_EDIT &&
		    (danger_one_word(line, len) || memchr(line, '?', len) != NULL) &&
		    danger_check_edit_line(line, len, session_dir, hit))
			return 1;
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (kind == PROFILE_PROMPT_COMMAND)
		return danger_check_shell(body, session_dir, hit);
	return 0;
}
