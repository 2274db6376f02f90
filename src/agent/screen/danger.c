/*
 * danger: rules that forbid auto-confirming a prompt (see danger.h).
 *
 * Built-in rules are of two sorts. Pattern rules (sudo, pipe-to-shell, ...)
 * are EREs over each body line. Path rules tokenise each line as a shell
 * command would (whitespace and operators split words, quotes are dropped),
 * find the command word of each simple command (after VAR=x, sudo, env,
 * nohup, time, xargs, command) and look at the paths it would delete or
 * write. The tokeniser is deliberately rough: it errs towards "dangerous".
 */
#include "agent/screen/danger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/profile-regex.h"
#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define DANGER_MAX_WORDS 128  /* words looked at per body line */
#define DANGER_LINE_MAX	 1024 /* bytes of a body line tokenised */

struct danger_extra {
	char name[DANGER_NAME_MAX]; /* rule name */
	struct profile_regex re;    /* compiled pattern */
};

struct danger_rules {
	struct danger_extra *rules; /* n rules */
	size_t n;		    /* entries in rules */
};

const char *const danger_builtin_names[] = {"rm-outside-dir",
					    "sudo",
					    "pipe-to-shell",
					    "git-push-force",
					    "chmod-777",
					    "mkfs",
					    "dd-of",
					    "write-outside-dir",
					    "fork-bomb",
					    "shutdown",
					    NULL};

/* Pattern rules: a name and an ERE matched against every body line. */
static const struct {
	const char *name;    /* rule name */
	const char *pattern; /* ERE */
} danger_patterns[] = {
    {"sudo", "(^|[^[:alnum:]_./-])(sudo|doas|pkexec)([[:space:]]|$)"},
    {"sudo", "(^|[^[:alnum:]_./-])su[[:space:]]+(-|root|-c)"},
    {"pipe-to-shell", "(curl|wget|fetch)[^|]*\\|[[:space:]]*(sudo[[:space:]]+)?([a-z]*/)*"
		      "(ba|z|da|k|c|tc|fi)?sh([[:space:]]|$)"},
    {"pipe-to-shell", "(curl|wget)[^|]*\\|[[:space:]]*(sudo[[:space:]]+)?([a-z]*/)*"
		      "(python[0-9.]*|perl|ruby|node)([[:space:]]|$)"},
    {"pipe-to-shell", "(ba|z|da|k)?sh[[:space:]]+(-c[[:space:]]+)?[\"']?(<\\(|\\$\\()[[:space:]]*"
		      "(curl|wget)"},
    {"git-push-force",
     "(^|[^[:alnum:]_-])git[[:space:]](.*[[:space:]])?push([[:space:]].*)?[[:space:]]"
     "(--force|--force-with-lease|--force-if-includes|-[a-z]*f[a-z]*|--mirror|--delete|"
     "--prune|\\+[^[:space:]]+|:[^[:space:]]+)([[:space:]=]|$)"},
    {"chmod-777", "chmod([[:space:]]+-[[:alpha:]]+)*[[:space:]]+(0?777|a\\+rwx|ugo\\+rwx|o\\+w)"
		  "([[:space:]]|$)"},
    {"mkfs", "(^|[^[:alnum:]_-])(mkfs|mke2fs|mkswap|wipefs|fdisk|parted|sfdisk)(\\.[[:alnum:]]+)?"
	     "([[:space:]]|$)"},
    {"dd-of", "(^|[^[:alnum:]_-])dd[[:space:]].*of="},
    {"fork-bomb",
     ":[[:space:]]*\\([[:space:]]*\\)[[:space:]]*\\{[^}]*:[[:space:]]*\\|[[:space:]]*:"},
    {"shutdown", "(^|[^[:alnum:]_-])(shutdown|reboot|halt|poweroff)([[:space:]]|$)"},
    {"shutdown", "(^|[^[:alnum:]_-])(init|telinit)[[:space:]]+[06]([[:space:]]|$)"},
    {"write-outside-dir", ">[[:space:]]*/dev/(sd|nvme|hd|vd|xvd|mmcblk|disk)"},
};

#define DANGER_NPATTERNS (sizeof(danger_patterns) / sizeof(danger_patterns[0]))

static struct profile_regex danger_compiled[DANGER_NPATTERNS];
static pthread_once_t danger_once = PTHREAD_ONCE_INIT;

/* Compiles the built-in patterns once; a failure is a bug in this file. */
static void
danger_init(void)
{
	struct buf why;
	size_t i;

	buf_init(&why, 256);
	for (i = 0; i < DANGER_NPATTERNS; i++)
		if (profile_regex_compile(&danger_compiled[i], danger_patterns[i].pattern, &why) !=
		    0)
			fatalx("built-in danger rule %s: %s", danger_patterns[i].name,
			       why.data ? why.data : "");
	buf_release(&why);
}

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

/* Device and stream paths that are fine to write to. */
static int
danger_harmless_target(const char *w)
{
	return strcmp(w, "/dev/null") == 0 || strcmp(w, "/dev/stdout") == 0 ||
	       strcmp(w, "/dev/stderr") == 0 || strncmp(w, "/dev/fd/", 8) == 0 ||
	       (w[0] == '&' && w[1] != '\0');
}

/* A word of a tokenised command line. */
struct danger_word {
	char *text; /* NUL-terminated, quotes removed */
	int kind;   /* 0 word, 1 command boundary, 2 redirection (> or >>) */
};

/* Splits a line into words and operators (in the caller's storage). */
static size_t
danger_tokenise(const char *line, size_t len, char *store, struct danger_word *w, size_t max)
{
	size_t i = 0, o = 0, n = 0;
	char quote = 0;
	int in_word = 0;

	while (i < len && n < max) {
		char c = line[i];
		if (quote) {
			if (c == quote)
				quote = 0;
			else
				store[o++] = c;
			i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			if (!in_word) {
				w[n].text = store + o;
				w[n].kind = 0;
				in_word = 1;
			}
			quote = c;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '(' ||
		    c == ')' || c == '`' || c == '>' || c == '<' || c == '{' || c == '}') {
			if (in_word) {
				store[o++] = '\0';
				n++;
				in_word = 0;
			}
			if (n >= max)
				break;
			if (c == '>') {
				if (i + 1 < len && line[i + 1] == '>')
					i++;
				if (i + 1 < len && line[i + 1] == '&') {
					i += 2; /* >&2: a descriptor, not a file */
					continue;
				}
				w[n].text = store + o;
				store[o++] = '\0';
				w[n++].kind = 2;
			} else if (c != ' ' && c != '\t' && c != '<') {
				w[n].text = store + o;
				store[o++] = '\0';
				w[n++].kind = 1;
			}
			i++;
			continue;
		}
		if (c == '$' && i + 1 < len && line[i + 1] == '(') {
			if (in_word) {
				store[o++] = '\0';
				n++;
				in_word = 0;
			}
			if (n >= max)
				break;
			w[n].text = store + o;
			store[o++] = '\0';
			w[n++].kind = 1;
			i += 2;
			continue;
		}
		if (!in_word) {
			w[n].text = store + o;
			w[n].kind = 0;
			in_word = 1;
		}
		store[o++] = c;
		i++;
	}
	if (in_word && n < max) {
		store[o++] = '\0';
		n++;
	}
	return n;
}

/* Base name of a command word ("/bin/rm" -> "rm"). */
static const char *
danger_base(const char *w)
{
	const char *s = strrchr(w, '/');

	return s ? s + 1 : w;
}

/* True if w is a word that runs the next word as a command. */
static int
danger_wrapper(const char *w)
{
	static const char *const wrappers[] = {"sudo",	 "doas",    "env",  "nohup", "time",
					       "xargs",	 "command", "exec", "nice",  "ionice",
					       "stdbuf", "$",	    NULL};
	size_t i;

	for (i = 0; wrappers[i]; i++)
		if (strcmp(danger_base(w), wrappers[i]) == 0)
			return 1;
	return 0;
}

/* True if cmd is in a NULL-terminated list. */
static int
danger_in(const char *cmd, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(cmd, *list) == 0)
			return 1;
	return 0;
}

/* Checks the simple commands of one line for deletes and writes outside dir. */
static int
danger_check_command(const char *line, size_t len, const char *dir, struct danger_hit *hit)
{
	static const char *const writers_all[] = {"touch",  "mkdir", "rmdir", "truncate",
						  "chmod",  "chown", "chgrp", "shred",
						  "unlink", "tee",   NULL};
	static const char *const writers_last[] = {"cp",    "mv",  "install", "ln",
						   "rsync", "scp", NULL};
	char store[2 * DANGER_LINE_MAX + 2];
	struct danger_word w[DANGER_MAX_WORDS];
	size_t n, i, start, end, k, last;
	const char *cmd;

	if (len > DANGER_LINE_MAX)
		len = DANGER_LINE_MAX;
	n = danger_tokenise(line, len, store, w, DANGER_MAX_WORDS);
	for (i = 0; i < n; i++)
		if (w[i].kind == 2 && i + 1 < n && w[i + 1].kind == 0 &&
		    !danger_harmless_target(w[i + 1].text) &&
		    danger_path_outside(w[i + 1].text, dir))
			return danger_hit_set(hit, "write-outside-dir", line, len);
	for (start = 0; start < n; start = end + 1) {
		for (end = start; end < n && w[end].kind != 1; end++)
			;
		k = start;
		while (k < end && w[k].kind == 0 &&
		       (danger_wrapper(w[k].text) || strchr(w[k].text, '=') != NULL ||
			(k > start && w[k].text[0] == '-' && danger_wrapper(w[k - 1].text))))
			k++;
		if (k >= end || w[k].kind != 0)
			continue;
		cmd = danger_base(w[k].text);
		last = 0;
		for (i = k + 1; i < end; i++) {
			if (w[i].kind != 0) {
				i++; /* skip a redirection target */
				continue;
			}
			if (w[i].text[0] == '-' || w[i].text[0] == '\0')
				continue;
			last = i;
			if (strcmp(cmd, "rm") == 0 && danger_path_outside(w[i].text, dir))
				return danger_hit_set(hit, "rm-outside-dir", line, len);
			if (danger_in(cmd, writers_all) && !danger_harmless_target(w[i].text) &&
			    danger_path_outside(w[i].text, dir))
				return danger_hit_set(hit, "write-outside-dir", line, len);
		}
		if (last && danger_in(cmd, writers_last) && danger_path_outside(w[last].text, dir))
			return danger_hit_set(hit, "write-outside-dir", line, len);
	}
	return 0;
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

/* Checks a prompt body against every rule. */
int
danger_check(const char *body, enum profile_prompt_kind kind, const char *session_dir,
	     const struct danger_rules *extra1, const struct danger_rules *extra2,
	     struct danger_hit *hit)
{
	char line[DANGER_LINE_MAX + 1];
	const char *p = body, *nl;
	size_t len, i;

	pthread_once(&danger_once, danger_init);
	if (body == NULL)
		return 0;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > DANGER_LINE_MAX)
			len = DANGER_LINE_MAX;
		memcpy(line, p, len);
		line[len] = '\0';
		for (i = 0; i < DANGER_NPATTERNS; i++)
			if (profile_regex_match(&danger_compiled[i], line, 0, NULL))
				return danger_hit_set(hit, danger_patterns[i].name, line, len);
		if (danger_check_extra(extra1, line, hit) || danger_check_extra(extra2, line, hit))
			return 1;
		if (kind == PROFILE_PROMPT_EDIT) {
			/* the file is named in the question or on a line of its own */
			if ((danger_one_word(line, len) || memchr(line, '?', len) != NULL) &&
			    danger_check_edit_line(line, len, session_dir, hit))
				return 1;
		} else if (danger_check_command(line, len, session_dir, hit))
			return 1;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return 0;
}
