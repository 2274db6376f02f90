/*
 * shell-policy: judges a parsed command line (see shell-policy.h).
 *
 * pol_eval() parses a text and judges its commands in source order, each
 * with the working directory of its scope (cd changes it; subshells and
 * substitutions get a copy, { } groups and function bodies share their
 * parent's). judge_argv() strips wrappers (env, nohup, timeout, xargs...)
 * and dispatches on the command's base name; the judges of shells, eval,
 * interpreters and find re-enter pol_eval() or judge_argv() with the text
 * or words they would run. Facts about the whole line (a secret was read,
 * something talks to the network, a file was downloaded) are collected on
 * the way and judged at the end. Paths are resolved lexically: "..", "~",
 * $HOME and $PWD are understood; any other expansion is "unknown", which
 * counts as outside for deletes and writes.
 */
#include "agent/screen/shell-policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/screen/shell-parse.h"
#include "common/buf.h"
#include "common/xmalloc.h"

#define LOC_MAX	   1024 /* bytes of a resolved path */
#define MAX_ARGS   256	/* words handed to one judge */
#define MAX_DL	   8	/* downloaded files remembered */
#define SHOW_MAX   60	/* bytes of a word quoted in a reason */
#define FIND_PATHS 8	/* find start paths judged */

const char *const shell_policy_rules[] = {"delete-outside", "write-outside-dir", "privilege",
					  "exfiltration",   "download-exec",	 "pipe-to-shell",
					  "persistence",    "system-control",	 "history-wipe",
					  "git-push-force", "unparsed",		 NULL};

enum loc_base { L_PROJ = 0, L_ABS, L_HOME, L_UNKNOWN };

/* A path resolved without touching the file system. */
struct loc {
	enum loc_base base; /* what path is relative to */
	int escaped;	    /* ".." went above a L_PROJ base */
	char path[LOC_MAX]; /* normalised components, no leading '/' */
};

/* One word handed to a judge (borrowed text). */
struct arg {
	const char *t; /* value */
	unsigned f;    /* SHP_W_* */
	int w;	       /* word index in the parse, -1 if made up */
};

/* The whole check. */
struct pol {
	const char *dir;	      /* project directory, normalised, or NULL */
	struct shell_verdict *v;      /* the answer */
	int depth;		      /* nested pol_eval calls */
	int ncmds;		      /* simple commands judged */
	char secret[SHOW_MAX];	      /* a secret read (strong) */
	char weak[SHOW_MAX];	      /* environment / .env / token variable */
	char net[SHOW_MAX];	      /* a command that talks to the network */
	int downloader;		      /* some command downloads */
	char dl[MAX_DL][LOC_MAX + 4]; /* files downloaded, resolved "/..." or "./..." */
	int ndl;		      /* entries in dl */
	int nest;		      /* nested judge_argv calls (wrappers) */
	struct {
		char path[LOC_MAX + 4]; /* resolved like dl */
		char *text;		/* what was written, if known (heap) */
	} wr[MAX_DL];			/* files written by this line */
	int nwr;			/* entries in wr */
	struct {
		char path[LOC_MAX + 4]; /* the link, resolved like dl */
		struct loc to;		/* where it points */
	} ln[MAX_DL];			/* symbolic links this line makes to outside */
	int nln;			/* entries in ln */
	char ring[4][SHOW_MAX + 4];	/* words shortened for reasons */
	int nring;			/* next entry of ring */
};

/* The parse being judged and the working directory of each scope. */
struct run {
	struct shp_result *r; /* the parse */
	struct loc *cwd;      /* per scope */
	char *inited;	      /* per scope: cwd set */
};

static void pol_eval(struct pol *P, const char *text, size_t len, const struct loc *cwd,
		     const char *what);
static void judge_argv(struct pol *P, struct run *R, int ci, struct arg *a, size_t n,
		       struct loc *cwd);
static size_t operands(struct arg *a, size_t n, size_t *idx, size_t max, const char *with_value);
static int has_word(struct arg *a, size_t n, const char *s);

/* Records the first match; later ones are ignored. */
static void __attribute__((format(printf, 3, 4)))
hit(struct pol *P, const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (P->v->ask)
		return;
	P->v->ask = 1;
	snprintf(P->v->rule, sizeof(P->v->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(P->v->reason, sizeof(P->v->reason), fmt, ap);
	va_end(ap);
}

/* A word shortened for a reason (in a ring of buffers: reasons quote few). */
static const char *
show_(struct pol *P, const char *t)
{
	char *o = P->ring[P->nring++ & 3];
	size_t n = strlen(t), i, m = 0;

	for (i = 0; i < n && m < SHOW_MAX; i++) {
		unsigned char c = (unsigned char)t[i];
		o[m++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < n) {
		while (m > 0 && ((unsigned char)o[m - 1] & 0xc0) == 0x80)
			m--; /* do not cut a UTF-8 character */
		if (m > 0 && (unsigned char)o[m - 1] >= 0xc0)
			m--;
		memcpy(o + m, "...", 3);
		m += 3;
	}
	o[m] = '\0';
	return o;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static const char *
base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/* ---- paths ---- */

/* Appends the components of rel to l->path, resolving . and .. */
static int
loc_append(struct loc *l, const char *rel)
{
	const char *p = rel;

	while (*p != '\0') {
		const char *seg = p;
		size_t n, have = strlen(l->path);
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			char *s = strrchr(l->path, '/');
			if (have == 0) {
				if (l->base != L_ABS)
					l->escaped = 1;
				continue;
			}
			if (s)
				*s = '\0';
			else
				l->path[0] = '\0';
			continue;
		}
		if (l->escaped)
			continue; /* outside already; the rest does not matter */
		if (have + n + 2 > sizeof(l->path))
			return -1;
		if (have)
			l->path[have++] = '/';
		memcpy(l->path + have, seg, n);
		l->path[have + n] = '\0';
	}
	return 0;
}

/* True if a glob component could match ".." (".*", ".?"...). */
static int
glob_may_climb(const char *t)
{
	const char *p = t;

	while (*p) {
		const char *seg = p;
		while (*p && *p != '/')
			p++;
		if (seg[0] == '.' && strpbrk(seg, "*?[") != NULL && strpbrk(seg, "*?[") < p)
			return 1;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* Resolves a word against cwd. */
static void
resolve(const struct pol *P, const struct loc *cwd, const char *t, unsigned f, struct loc *out)
{
	const char *rest = t;

	memset(out, 0, sizeof(*out));
	out->base = L_UNKNOWN;
	if (f & (SHP_W_CMDSUB | SHP_W_ARITH | SHP_W_PROCIN | SHP_W_PROCOUT))
		return;
	if ((f & SHP_W_GLOB) && glob_may_climb(t))
		return;
	if ((f & SHP_W_BRACE) && strstr(t, "..") != NULL)
		return;
	if (f & SHP_W_VAR) {
		const char *v = NULL;
		if (starts(t, "${HOME}"))
			v = "~", rest = t + 7;
		else if (starts(t, "$HOME") && (t[5] == '\0' || t[5] == '/'))
			v = "~", rest = t + 5;
		else if (starts(t, "${PWD}"))
			v = ".", rest = t + 6;
		else if (starts(t, "$PWD") && (t[4] == '\0' || t[4] == '/'))
			v = ".", rest = t + 4;
		if (v == NULL || strchr(rest, '$') != NULL)
			return;
		if (v[0] == '~') {
			out->base = L_HOME;
		} else {
			*out = *cwd;
		}
		if (out->base != L_UNKNOWN && loc_append(out, rest) < 0)
			out->base = L_UNKNOWN;
		return;
	}
	if (t[0] == '~') {
		rest = strchr(t, '/');
		out->base = L_HOME;
		if (rest == NULL)
			return;
	} else if (t[0] == '/') {
		out->base = L_ABS;
	} else {
		*out = *cwd;
		if (out->base == L_UNKNOWN)
			return;
	}
	if (loc_append(out, rest) < 0)
		out->base = L_UNKNOWN;
	(void)P;
}

/* The path as text: "/abs", "~/x" or "./x" (for the project when dir is unknown). */
static void
loc_text(const struct loc *l, char *o, size_t n)
{
	const char *pre = l->base == L_ABS ? "/" : l->base == L_HOME ? "~/" : "./";

	if (l->base == L_UNKNOWN)
		snprintf(o, n, "?");
	else if (l->escaped)
		snprintf(o, n, "../%s", l->path);
	else
		snprintf(o, n, "%s%s", pre, l->path);
}

/* True if l lies in the project directory (the directory itself included). */
static int
loc_inside(const struct pol *P, const struct loc *l)
{
	size_t dl;

	if (l->base == L_PROJ)
		return !l->escaped;
	if (l->base != L_ABS || P->dir == NULL)
		return 0;
	dl = strlen(P->dir);
	if (dl == 0)
		return 1; /* the project is / */
	return strncmp(l->path, P->dir, dl) == 0 && (l->path[dl] == '\0' || l->path[dl] == '/');
}

/* True if l is the project directory itself. */
static int
loc_is_root(const struct pol *P, const struct loc *l)
{
	if (l->base == L_PROJ)
		return !l->escaped && l->path[0] == '\0';
	return l->base == L_ABS && P->dir != NULL && strcmp(l->path, P->dir) == 0;
}

/* The path relative to a home directory ("~/x") if it is in one, else NULL. */
static const char *
home_rel(const struct loc *l, char *o, size_t n)
{
	const char *s;

	if (l->base == L_HOME) {
		snprintf(o, n, "~/%s", l->path);
		return o;
	}
	if (l->base != L_ABS)
		return NULL;
	if (starts(l->path, "root") && (l->path[4] == '/' || l->path[4] == '\0')) {
		snprintf(o, n, "~/%s", l->path[4] ? l->path + 5 : "");
		return o;
	}
	if (starts(l->path, "home/") && (s = strchr(l->path + 5, '/')) != NULL) {
		snprintf(o, n, "~/%s", s + 1);
		return o;
	}
	return NULL;
}

/* Secrets: under a home directory, then absolute. */
static const char *const secret_home[] = {"~/.ssh/",
					  "~/.aws/",
					  "~/.config/gcloud/",
					  "~/.azure/",
					  "~/.kube/",
					  "~/.docker/config.json",
					  "~/.netrc",
					  "~/.git-credentials",
					  "~/.npmrc",
					  "~/.pypirc",
					  "~/.gnupg/",
					  "~/.password-store/",
					  "~/.local/share/keyrings/",
					  "~/.config/gh/",
					  "~/.vault-token",
					  "~/.terraform.d/credentials",
					  "~/.cargo/credentials",
					  "~/.m2/settings.xml",
					  "~/.env",
					  "~/.config/hub",
					  "~/.gem/credentials",
					  "~/.config/op/",
					  NULL};
static const char *const secret_abs[] = {
    "/etc/shadow",	 "/etc/gshadow",  "/etc/sudoers",      "/etc/ssh/ssh_host_",
    "/var/run/secrets/", "/run/secrets/", "/etc/ssl/private/", NULL};
static const char *const secret_names[] = {
    "id_rsa",		"id_dsa",	    "id_ecdsa", "id_ed25519",
    "credentials.json", ".git-credentials", ".netrc",	NULL};

/* True if path p is entry or under it (an entry ending in '/' is a directory). */
static int
path_under(const char *p, const char *entry)
{
	size_t n = strlen(entry);

	if (strncmp(p, entry, n) == 0)
		return 1;
	return n > 1 && entry[n - 1] == '/' && strncmp(p, entry, n - 1) == 0 && p[n - 1] == '\0';
}

/* 2: a secret; 1: a weak one (.env in the project); 0: neither. */
static int
is_secret(const struct pol *P, const struct loc *l)
{
	char h[LOC_MAX + 4], a[LOC_MAX + 4];
	const char *hr = home_rel(l, h, sizeof(h)), *b = base_name(l->path);
	size_t i;

	if (l->base == L_UNKNOWN)
		return 0;
	if (hr != NULL) {
		if (starts(hr, "~/.ssh/") && (ends(hr, ".pub") || ends(hr, "/known_hosts") ||
					      strcmp(hr, "~/.ssh/config") == 0))
			return 0;
		for (i = 0; secret_home[i]; i++)
			if (path_under(hr, secret_home[i]))
				return 2;
	}
	loc_text(l, a, sizeof(a));
	for (i = 0; secret_abs[i]; i++)
		if (starts(a, secret_abs[i]))
			return 2;
	if (l->base == L_ABS && starts(a, "/proc/") && ends(a, "/environ"))
		return 2;
	if (in_list(b, secret_names) && !ends(b, ".pub"))
		return 2;
	if (strcmp(b, ".env") == 0 || (starts(b, ".env.") && !ends(b, ".example") &&
				       !ends(b, ".sample") && !ends(b, ".template")))
		return loc_inside(P, l) ? 1 : 2;
	if ((ends(b, ".pem") || ends(b, ".key")) && !loc_inside(P, l))
		return 2;
	return 0;
}

/* Shell start-up files, cron, systemd, autostart, ssh keys, git hooks. */
static const char *const persist_home[] = {"~/.bashrc",
					   "~/.bash_profile",
					   "~/.bash_login",
					   "~/.bash_logout",
					   "~/.profile",
					   "~/.zshrc",
					   "~/.zprofile",
					   "~/.zshenv",
					   "~/.zlogin",
					   "~/.zlogout",
					   "~/.config/fish/",
					   "~/.ssh/authorized_keys",
					   "~/.ssh/rc",
					   "~/.ssh/config",
					   "~/.config/autostart/",
					   "~/.config/systemd/",
					   "~/.local/share/systemd/",
					   "~/Library/LaunchAgents/",
					   "~/.xinitrc",
					   "~/.xprofile",
					   "~/.inputrc",
					   "~/.pam_environment",
					   "~/.gitconfig",
					   "~/.config/git/",
					   "~/.tmux.conf",
					   "~/.vimrc",
					   "~/.config/environment.d/",
					   NULL};
static const char *const persist_abs[] = {"/etc/profile",
					  "/etc/bash.bashrc",
					  "/etc/bashrc",
					  "/etc/zsh/",
					  "/etc/environment",
					  "/etc/cron",
					  "/var/spool/cron",
					  "/etc/anacrontab",
					  "/etc/systemd/",
					  "/lib/systemd/",
					  "/usr/lib/systemd/",
					  "/etc/init.d/",
					  "/etc/rc.local",
					  "/etc/xdg/autostart/",
					  "/etc/ld.so.preload",
					  "/etc/sudoers",
					  "/etc/pam.d/",
					  "/etc/ssh/sshd_config",
					  "/Library/LaunchDaemons/",
					  NULL};

static int
is_persistence(const struct loc *l)
{
	char h[LOC_MAX + 4], a[LOC_MAX + 4];
	const char *hr = home_rel(l, h, sizeof(h));
	size_t i;

	if (l->base == L_UNKNOWN)
		return 0;
	if (hr != NULL)
		for (i = 0; persist_home[i]; i++)
			if (path_under(hr, persist_home[i]))
				return 1;
	loc_text(l, a, sizeof(a));
	for (i = 0; persist_abs[i]; i++)
		if (path_under(a, persist_abs[i]))
			return 1;
	return strstr(a, "/.git/hooks/") != NULL || ends(a, "/.git/hooks") ||
	       ends(a, "/.git/config") || starts(a, "./.git/hooks") ||
	       strcmp(a, "./.git/config") == 0 || strstr(a, "/.husky/") != NULL;
}

static int
is_history(const struct pol *P, const struct loc *l)
{
	char a[LOC_MAX + 4];
	const char *b = base_name(l->path);

	if (l->base == L_UNKNOWN)
		return 0;
	loc_text(l, a, sizeof(a));
	if (starts(a, "/var/log/") || strcmp(a, "/var/log") == 0 || starts(a, "/run/log/") ||
	    starts(a, "/var/run/utmp") || strcmp(a, "/var/lib/lastlog") == 0)
		return 1;
	if (loc_inside(P, l))
		return 0;
	return ends(b, "_history") || ends(b, ".history") || strcmp(b, ".zhistory") == 0 ||
	       strcmp(b, ".lesshst") == 0 || (strcmp(b, "fish_history") == 0);
}

/* Writes that go nowhere worth asking about. */
static int
harmless_target(const char *t)
{
	return strcmp(t, "/dev/null") == 0 || strcmp(t, "/dev/stdout") == 0 ||
	       strcmp(t, "/dev/stderr") == 0 || strcmp(t, "/dev/tty") == 0 ||
	       starts(t, "/dev/fd/") || strcmp(t, "-") == 0;
}

enum op {
	OP_DELETE, /* deletes the file or tree */
	OP_PRUNE,  /* deletes what lies under a directory (find -delete) */
	OP_WRITE   /* writes or changes it */
};

/* Judges a file that a command deletes or writes. */
static void
judge_target(struct pol *P, enum op op, const struct arg *a, const struct loc *cwd, const char *cmd)
{
	struct loc l;
	const char *verb = op == OP_WRITE ? "writes" : "deletes";
	const char *outside = op == OP_WRITE ? "write-outside-dir" : "delete-outside";

	if (P->v->ask || a->t[0] == '\0')
		return;
	if (op == OP_WRITE && harmless_target(a->t) && !(a->f & SHP_W_UNKNOWN))
		return;
	if (op == OP_WRITE && (starts(a->t, "/dev/tcp/") || starts(a->t, "/dev/udp/"))) {
		snprintf(P->net, sizeof(P->net), "%s", show_(P, a->t));
		return;
	}
	resolve(P, cwd, a->t, a->f, &l);
	if (l.base != L_UNKNOWN && P->nln > 0) {
		char t[LOC_MAX + 4];
		loc_text(&l, t, sizeof(t));
		for (int k = 0; k < P->nln; k++) {
			size_t pl = strlen(P->ln[k].path);
			if (strncmp(t, P->ln[k].path, pl) == 0 && (t[pl] == '\0' || t[pl] == '/')) {
				struct loc via = P->ln[k].to;
				if (via.base == L_UNKNOWN || loc_append(&via, t + pl) < 0 ||
				    !loc_inside(P, &via)) {
					hit(P, outside,
					    "%s %s %s, outside the project through a link", cmd,
					    verb, show_(P, a->t));
					return;
				}
			}
		}
	}
	if (l.base == L_UNKNOWN) {
		hit(P, outside, "%s %s %s: cannot tell where it points", cmd, verb, show_(P, a->t));
		return;
	}
	if (is_history(P, &l)) {
		hit(P, "history-wipe", "%s %s %s (history or logs)", cmd, verb, show_(P, a->t));
		return;
	}
	if (op == OP_WRITE && is_persistence(&l)) {
		hit(P, "persistence", "%s %s %s (runs at start-up or on events)", cmd, verb,
		    show_(P, a->t));
		return;
	}
	if (!loc_inside(P, &l)) {
		char where[LOC_MAX + 4];
		loc_text(&l, where, sizeof(where));
		if (strcmp(where, a->t) == 0 || a->t[0] == '~' || (a->f & SHP_W_VAR))
			hit(P, outside, "%s %s %s, outside the project", cmd, verb, show_(P, a->t));
		else
			hit(P, outside, "%s %s %s (%s), outside the project", cmd, verb,
			    show_(P, a->t), show_(P, where));
		return;
	}
	if (op == OP_DELETE && loc_is_root(P, &l))
		hit(P, "delete-outside", "%s deletes %s, the project directory itself", cmd,
		    show_(P, a->t));
}

/* Notes a secret read if the word (or what follows @ or = in it) names one. */
static void
note_read(struct pol *P, const struct arg *a, const struct loc *cwd)
{
	const char *cands[3] = {a->t, strrchr(a->t, '@'), strchr(a->t, '=')};
	struct loc l;
	int s;

	for (int k = 0; k < 3; k++) {
		const char *t = cands[k];
		if (t == NULL)
			continue;
		if (k > 0)
			t++;
		if (t[0] == '\0')
			continue;
		resolve(P, cwd, t, a->f & ~SHP_W_GLOB, &l);
		s = is_secret(P, &l);
		if (s == 2 && P->secret[0] == '\0')
			snprintf(P->secret, sizeof(P->secret), "%s", show_(P, t));
		else if (s == 1 && P->weak[0] == '\0')
			snprintf(P->weak, sizeof(P->weak), "%s", show_(P, t));
	}
	if (a->f & SHP_W_VAR) {
		static const char *const marks[] = {
		    "TOKEN",  "SECRET",	    "PASSWORD",	   "PASSWD",	 "API_KEY",
		    "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL", NULL};
		for (int k = 0; marks[k]; k++)
			if (strstr(a->t, marks[k]) != NULL && P->weak[0] == '\0')
				snprintf(P->weak, sizeof(P->weak), "%s", show_(P, a->t));
	}
}

/* ---- scopes ---- */

/* The scope whose working directory s uses ({ } and bodies share). */
static int
cwd_owner(const struct shp_result *r, int s)
{
	while (s > 0 && (r->scopes[s].kind == SHP_S_GROUP || r->scopes[s].kind == SHP_S_FUNC))
		s = r->scopes[s].parent;
	return s;
}

static struct loc *
scope_cwd(struct run *R, int s)
{
	s = cwd_owner(R->r, s);
	if (!R->inited[s]) {
		R->cwd[s] = *scope_cwd(R, R->r->scopes[s].parent);
		R->inited[s] = 1;
	}
	return &R->cwd[s];
}

/* True if scope s lies inside word w (a substitution of it). */
static int
scope_in_word(const struct shp_result *r, int s, int w)
{
	for (; s >= 0; s = r->scopes[s].parent)
		if (r->scopes[s].word == w && r->scopes[s].kind != SHP_S_FUNC)
			return 1;
	return 0;
}

static const char *const downloaders[] = {"curl",	 "wget",  "fetch", "aria2c",
					  "http",	 "https", "xh",	   "lwp-download",
					  "lwp-request", "GET",	  NULL};
static const char *const wrappers_plain[] = {
    "nohup",	    "setsid",	 "nocorrect", "builtin",  "unbuffer",	"chronic",
    "eatmydata",    "catchsegv", "rlwrap",    "fakeroot", "caffeinate", "proxychains",
    "proxychains4", "torsocks",	 "tsocks",    NULL};

/* The command word of cmd ci past assignments and common wrappers. */
static const char *
cmd_name(const struct shp_result *r, int ci)
{
	const struct shp_cmd *c = &r->cmds[ci];

	for (size_t k = 0; k < c->argc; k++) {
		const char *t = base_name(r->words[c->argv[k]].text);
		if (in_list(t, wrappers_plain) || strcmp(t, "sudo") == 0 || strcmp(t, "env") == 0 ||
		    strcmp(t, "command") == 0 || strcmp(t, "exec") == 0 || strcmp(t, "time") == 0 ||
		    strcmp(t, "nice") == 0 || t[0] == '-' || strchr(t, '=') != NULL)
			continue;
		return t;
	}
	return "";
}

/* True if a downloader runs inside word w's substitutions. */
static int
word_downloads(const struct shp_result *r, int w)
{
	for (size_t k = 0; k < r->ncmds; k++)
		if (scope_in_word(r, r->cmds[k].scope, w) &&
		    in_list(cmd_name(r, (int)k), downloaders))
			return 1;
	return 0;
}

/* Index of the command feeding ci's stdin through a pipe, or -1. */
static int
pipe_source(const struct shp_result *r, int ci)
{
	const struct shp_cmd *c = &r->cmds[ci];

	if (c->pipe_pos == 0)
		return -1;
	for (int k = ci - 1; k >= 0; k--)
		if (r->cmds[k].pipeline == c->pipeline && r->cmds[k].pipe_pos == c->pipe_pos - 1)
			return k;
	return -1;
}

/* True if a command before ci downloads (its output may be what ci reads). */
static int
pipe_downloads(const struct shp_result *r, int ci)
{
	for (int k = ci - 1; k >= 0; k--)
		if (in_list(cmd_name(r, k), downloaders))
			return 1;
	return 0;
}

/* ---- literal text fed to shells ---- */

/* Decodes backslash escapes of echo -e / printf formats into b. */
static void
unescape_into(struct buf *b, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		if (c == '\\' && s[1]) {
			s++;
			c = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == '\\' ? '\\' : *s;
		}
		buf_append(b, &c, 1);
	}
}

/* Text a simple echo or printf with literal words prints; 0 if not that. */
static int
literal_output(const struct shp_result *r, int ci, struct buf *b)
{
	const struct shp_cmd *c = &r->cmds[ci];
	const char *name;
	size_t k = 1;
	int esc = 0, first = 1;

	if (!c->stage_simple || c->argc == 0)
		return 0;
	for (size_t j = 0; j < c->argc; j++)
		if (r->words[c->argv[j]].flags & (SHP_W_UNKNOWN | SHP_W_GLOB | SHP_W_PROCIN))
			return 0;
	name = base_name(r->words[c->argv[0]].text);
	if (strcmp(name, "echo") == 0) {
		for (; k < c->argc; k++) {
			const char *t = r->words[c->argv[k]].text;
			if (strcmp(t, "-e") == 0)
				esc = 1;
			else if (strcmp(t, "-n") != 0 && strcmp(t, "-E") != 0)
				break;
		}
		for (; k < c->argc; k++) {
			if (!first)
				buf_append(b, " ", 1);
			first = 0;
			if (esc)
				unescape_into(b, r->words[c->argv[k]].text);
			else
				buf_append_str(b, r->words[c->argv[k]].text);
		}
		buf_append(b, "\n", 1);
		return 1;
	}
	if (strcmp(name, "printf") == 0 && c->argc >= 2) {
		const char *fmt = r->words[c->argv[1]].text;
		if (strchr(fmt, '%') == NULL) {
			unescape_into(b, fmt);
			return 1;
		}
		if (strcmp(fmt, "%s") == 0 || strcmp(fmt, "%s\\n") == 0) {
			for (k = 2; k < c->argc; k++)
				buf_append_str(b, r->words[c->argv[k]].text), buf_append(b, " ", 1);
			return 1;
		}
	}
	return 0;
}

/* Base64 (standard or URL alphabet, blanks ignored) into b; -1 if invalid. */
static int
base64_decode(const char *s, struct buf *b)
{
	unsigned acc = 0;
	int bits = 0, pad = 0;

	for (; *s; s++) {
		int c = (unsigned char)*s, v;
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (c == '=') {
			pad = 1;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+' || c == '-')
			v = 62;
		else if (c == '/' || c == '_')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			char o = (char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
			buf_append(b, &o, 1);
		}
	}
	return 0;
}

/* True if cmd ci is a base64 (or base32/xxd -r) decoder. */
static int
is_decoder(const struct shp_result *r, int ci)
{
	const struct shp_cmd *c = &r->cmds[ci];
	const char *name;

	if (c->argc == 0)
		return 0;
	name = base_name(r->words[c->argv[0]].text);
	if (strcmp(name, "base64") == 0 || strcmp(name, "base32") == 0 ||
	    strcmp(name, "openssl") == 0 || strcmp(name, "xxd") == 0 ||
	    strcmp(name, "uudecode") == 0)
		for (size_t k = 1; k < c->argc; k++) {
			const char *t = r->words[c->argv[k]].text;
			if (strcmp(t, "-d") == 0 || strcmp(t, "--decode") == 0 ||
			    strcmp(t, "-D") == 0 || strcmp(t, "-r") == 0 ||
			    strcmp(name, "uudecode") == 0)
				return 1;
		}
	return 0;
}

/*
 * What flows into cmd ci's stdin as literal text (into b): a here-document
 * or here-string, echo/printf of literal words, or base64 of those decoded.
 * Returns 1 if known, 0 if there is no such input, -1 if input comes from
 * somewhere it cannot read (what is set to name it).
 */
static int
stdin_text(const struct shp_result *r, int ci, struct buf *b, const char **what, int level)
{
	const struct shp_cmd *c = &r->cmds[ci];
	int src, rc;

	*what = "";
	for (size_t k = c->nredir; k > 0; k--) {
		const struct shp_redir *rd = &c->redir[k - 1];
		const struct shp_word *w = &r->words[rd->word];
		if (rd->fd > 0)
			continue;
		if (rd->op == SHP_R_HEREDOC || rd->op == SHP_R_HERESTRING) {
			if (w->flags & SHP_W_UNKNOWN) {
				*what = "a here-document with substitutions";
				return -1;
			}
			buf_append_str(b, w->text);
			return 1;
		}
		if (rd->op == SHP_R_IN) {
			*what = w->text;
			return (w->flags & (SHP_W_PROCIN | SHP_W_UNKNOWN)) ? -1 : 2;
		}
	}
	src = pipe_source(r, ci);
	if (src < 0)
		return 0;
	if (literal_output(r, src, b))
		return 1;
	if (level < 2 && is_decoder(r, src)) {
		struct buf enc;
		buf_init(&enc, SHP_MAX_INPUT);
		rc = stdin_text(r, src, &enc, what, level + 1);
		if (rc == 1 && enc.data && base64_decode(enc.data, b) == 0) {
			buf_release(&enc);
			return 1;
		}
		buf_release(&enc);
		*what = "base64 it cannot decode";
		return -1;
	}
	*what = cmd_name(r, src);
	if ((*what)[0] == '\0')
		*what = "a compound command";
	return -1;
}

/* ---- interpreter code ---- */

enum lang {
	LANG_NONE = -2, /* not an interpreter */
	LANG_SHELL = -1,
	LANG_PYTHON,
	LANG_PERL,
	LANG_RUBY,
	LANG_NODE,
	LANG_PHP,
	LANG_OTHER,
	LANG_AWK
};

static int judge_written(struct pol *P, const struct arg *a, const char *name, enum lang lang,
			 struct loc *cwd);

/* Appends the string literals of code[a, b) to v (at most max). */
static size_t
code_literals(const char *code, size_t a, size_t b, char **v, size_t max)
{
	size_t n = 0;

	for (size_t i = a; i < b && n < max; i++) {
		char q = code[i];
		struct buf s;
		if (q != '\'' && q != '"' && q != '`')
			continue;
		buf_init(&s, SHP_MAX_INPUT);
		for (i++; i < b && code[i] != q; i++) {
			char ch = code[i];
			if (ch == '\\' && i + 1 < b) {
				i++;
				ch = code[i] == 'n' ? '\n' : code[i] == 't' ? '\t' : code[i];
			}
			buf_append(&s, &ch, 1);
		}
		v[n++] = buf_steal(&s, NULL);
	}
	return n;
}

/* End of the parenthesised argument list starting at code[i] == '('. */
static size_t
code_args_end(const char *code, size_t i, size_t len)
{
	int level = 0;
	char q = 0;

	for (; i < len; i++) {
		char c = code[i];
		if (q) {
			if (c == '\\')
				i++;
			else if (c == q)
				q = 0;
		} else if (c == '\'' || c == '"' || c == '`')
			q = c;
		else if (c == '(')
			level++;
		else if (c == ')' && --level == 0)
			return i;
	}
	return len;
}

static int
code_has(const char *code, const char *const *toks)
{
	for (; *toks; toks++)
		if (strstr(code, *toks) != NULL)
			return 1;
	return 0;
}

static void judge_code(struct pol *P, enum lang lang, const char *code, const struct loc *cwd);

/* How a call found in interpreter code runs what it is given. */
enum call_kind {
	CALL_SHELL, /* a shell command line (or, with several arguments, argv) */
	CALL_ARGV,  /* an argument vector (or, given one string, a command line) */
	CALL_CODE,  /* code of the same language */
	CALL_EXEC   /* exec(): code in Python, a command elsewhere */
};

static const struct {
	const char *tok;     /* text that starts the call */
	enum call_kind kind; /* what it runs */
	int bare;	     /* Perl/Ruby: also without parentheses */
	const char *needs;   /* only when the code mentions this module, or NULL */
} code_calls[] = {{"system", CALL_SHELL, 1, NULL},
		  {"popen", CALL_SHELL, 0, NULL},
		  {"getoutput", CALL_SHELL, 0, NULL},
		  {"getstatusoutput", CALL_SHELL, 0, NULL},
		  {"shell_exec", CALL_SHELL, 0, NULL},
		  {"passthru", CALL_SHELL, 0, NULL},
		  {"proc_open", CALL_SHELL, 0, NULL},
		  {"execSync", CALL_SHELL, 0, NULL},
		  {"exec", CALL_EXEC, 1, NULL},
		  {"eval", CALL_CODE, 0, NULL},
		  {"check_output", CALL_ARGV, 0, "subprocess"},
		  {"check_call", CALL_ARGV, 0, "subprocess"},
		  {"Popen", CALL_ARGV, 0, "subprocess"},
		  {"run", CALL_ARGV, 0, "subprocess"},
		  {"call", CALL_ARGV, 0, "subprocess"},
		  {"spawn", CALL_ARGV, 0, NULL},
		  {"spawnSync", CALL_ARGV, 0, NULL},
		  {"execFile", CALL_ARGV, 0, NULL},
		  {"execFileSync", CALL_ARGV, 0, NULL},
		  {"execv", CALL_ARGV, 0, NULL},
		  {"execvp", CALL_ARGV, 0, NULL},
		  {"execve", CALL_ARGV, 0, NULL},
		  {"execl", CALL_ARGV, 0, NULL},
		  {"execlp", CALL_ARGV, 0, NULL},
		  {"spawnv", CALL_ARGV, 0, NULL},
		  {"spawnvp", CALL_ARGV, 0, NULL},
		  {"spawnl", CALL_ARGV, 0, NULL},
		  {"spawnlp", CALL_ARGV, 0, NULL},
		  {NULL, CALL_SHELL, 0, NULL}};

/* Reads a string literal at code[*i] into b; 0 if there is none (or it interpolates). */
static int
code_literal_at(const char *code, size_t *i, size_t e, struct buf *b)
{
	size_t k = *i;
	char q;

	if (k < e && (code[k] == 'r' || code[k] == 'b' || code[k] == 'u') && k + 1 < e &&
	    (code[k + 1] == '\'' || code[k + 1] == '"'))
		k++; /* Python r'' b'' u'' (not f'') */
	q = code[k];
	if (k >= e || (q != '\'' && q != '"' && q != '`'))
		return 0;
	for (k++; k < e && code[k] != q; k++) {
		char ch = code[k];
		if (ch == '\\' && k + 1 < e) {
			k++;
			ch = code[k] == 'n' ? '\n' : code[k] == 't' ? '\t' : code[k];
		} else if (q == '`' && ch == '$' && k + 1 < e && code[k + 1] == '{')
			return 0; /* a template that interpolates */
		buf_append(b, &ch, 1);
	}
	if (k >= e)
		return 0;
	*i = k + 1;
	return 1;
}

static size_t
code_skip_blank(const char *code, size_t i, size_t e)
{
	while (i < e && (code[i] == ' ' || code[i] == '\t' || code[i] == '\n'))
		i++;
	return i;
}

/* Appends a word to an argv-form command line, single-quoted. */
static void
code_add_word(struct buf *cmd, const char *w)
{
	buf_append_str(cmd, cmd->len ? " '" : "'");
	for (; *w; w++) {
		if (*w == '\'')
			buf_append_str(cmd, "'\\''");
		else
			buf_append(cmd, w, 1);
	}
	buf_append(cmd, "'", 1);
}

/*
 * The arguments of a call, code[i, e): literals and lists of literals, then
 * options (name=value, {...}). Fills cmd (one literal: as it is, in *single;
 * more: as quoted words). Returns -1 if an argument is not literal.
 */
static int
code_call_args(const char *code, size_t i, size_t e, struct buf *cmd, int *single)
{
	struct buf lit;
	int items = 0, opts = 0, plain = 0;

	*single = 0;
	buf_init(&lit, SHP_MAX_INPUT);
	for (i = code_skip_blank(code, i, e); i < e;) {
		if (code[i] == '[' || code[i] == '(') {
			char close = code[i] == '[' ? ']' : ')';
			for (i = code_skip_blank(code, i + 1, e); i < e && code[i] != close;) {
				buf_reset(&lit);
				if (!code_literal_at(code, &i, e, &lit))
					goto bad;
				code_add_word(cmd, lit.data ? lit.data : "");
				i = code_skip_blank(code, i, e);
				if (i < e && code[i] == ',')
					i = code_skip_blank(code, i + 1, e);
			}
			if (i >= e)
				goto bad;
			i++;
			items++;
		} else if (!opts && code_literal_at(code, &i, e, (buf_reset(&lit), &lit))) {
			if (items == 0 && lit.data) {
				buf_append_str(cmd, lit.data);
				plain = 1;
			} else {
				if (plain) {
					/* the first was a word, not a command line */
					char *first = buf_steal(cmd, NULL);
					code_add_word(cmd, first);
					free(first);
					plain = 0;
				}
				code_add_word(cmd, lit.data ? lit.data : "");
			}
			items++;
		} else {
			/* an option (shell=True, {stdio: 'x'}, cwd: ...) or a variable */
			size_t k = i;
			int depth = 0;
			if (items == 0)
				goto bad;
			while (k < e && (depth > 0 || code[k] != ',')) {
				if (code[k] == '{' || code[k] == '(' || code[k] == '[')
					depth++;
				else if (code[k] == '}' || code[k] == ')' || code[k] == ']')
					depth--;
				k++;
			}
			if (code[i] != '{' && memchr(code + i, '=', k - i) == NULL &&
			    memchr(code + i, ':', k - i) == NULL)
				goto bad;
			opts = 1;
			i = k;
		}
		i = code_skip_blank(code, i, e);
		if (i < e && code[i] != ',')
			goto bad; /* "rm -rf " + path, "%s" % x */
		if (i < e)
			i = code_skip_blank(code, i + 1, e);
	}
	buf_release(&lit);
	*single = plain;
	return items > 0 ? 0 : -1;
bad:
	buf_release(&lit);
	return -1;
}

/*
 * Calls that run a shell command (or, for exec/eval in Python and eval in
 * JavaScript, code of the same language): the argument is read if it is
 * literal, else the line asks.
 */
static void
code_shellouts(struct pol *P, enum lang lang, const char *code, const struct loc *cwd)
{
	size_t len = strlen(code);

	for (size_t c = 0; code_calls[c].tok && !P->v->ask; c++) {
		const char *tok = code_calls[c].tok, *p = code;
		size_t tl = strlen(tok);

		if (code_calls[c].needs != NULL && strstr(code, code_calls[c].needs) == NULL)
			continue;

		while ((p = strstr(p, tok)) != NULL && !P->v->ask) {
			size_t pos = (size_t)(p - code), i = pos + tl, e;
			enum call_kind kind = code_calls[c].kind;
			int single, bare = 0;
			struct buf cmd;

			p += tl;
			if (pos > 0 && (code[pos - 1] == '_' ||
					(code[pos - 1] >= 'a' && code[pos - 1] <= 'z') ||
					(code[pos - 1] >= 'A' && code[pos - 1] <= 'Z') ||
					(code[pos - 1] >= '0' && code[pos - 1] <= '9')))
				continue; /* part of a longer name: my_exec( */
			if (i < len && code[i] != '(' &&
			    ((code[i] >= 'a' && code[i] <= 'z') ||
			     (code[i] >= 'A' && code[i] <= 'Z') || code[i] == '_' ||
			     (code[i] >= '0' && code[i] <= '9')))
				continue; /* a longer name: system_info */
			i = code_skip_blank(code, i, len);
			if (i < len && code[i] == '(') {
				e = code_args_end(code, i, len);
				i++;
			} else if (code_calls[c].bare && (lang == LANG_PERL || lang == LANG_RUBY) &&
				   i < len &&
				   (code[i] == '\'' || code[i] == '"' || code[i] == '[')) {
				/* Perl/Ruby: system "cmd"; up to the end of the statement */
				e = i;
				while (e < len && code[e] != ';' && code[e] != '\n' &&
				       code[e] != '}')
					e++;
				bare = 1;
			} else
				continue; /* a name, not a call */
			if (kind == CALL_EXEC)
				kind = lang == LANG_PYTHON ? CALL_CODE : CALL_SHELL;
			if (kind == CALL_CODE && lang != LANG_PYTHON && lang != LANG_NODE &&
			    lang != LANG_PERL && lang != LANG_RUBY)
				continue;
			if (code_skip_blank(code, i, e) >= e)
				continue; /* no argument */
			buf_init(&cmd, SHP_MAX_INPUT);
			if (code_call_args(code, i, e, &cmd, &single) < 0 ||
			    (kind == CALL_CODE && !single)) {
				hit(P, kind == CALL_CODE ? "pipe-to-shell" : "unparsed",
				    "%s%s runs %s it cannot read", tok, bare ? "" : "()",
				    kind == CALL_CODE ? "code" : "a command");
			} else if (cmd.data != NULL) {
				if (kind == CALL_CODE)
					judge_code(P, lang, cmd.data, cwd);
				else
					pol_eval(P, cmd.data, cmd.len, cwd, tok);
			}
			buf_release(&cmd);
		}
	}
}

/* Judges interpreter code (python -c, perl -e, node -e, awk programs...). */
static void
judge_code(struct pol *P, enum lang lang, const char *code, const struct loc *cwd)
{
	static const char *const deletes[] = {
	    "rmtree(",	    "remove(",	    "unlink(", "rmdir(",
	    "removedirs(",  "unlinkSync(",  "rmSync(", "rmdirSync(",
	    "rm_rf(",	    "rm_r(",	    "rm_f(",   "File.delete(",
	    "FileUtils.rm", "remove_tree(", "fs.rm(",  "truncate(",
	    "unlink ",	    "rmtree ",	    NULL};
	static const char *const writes[] = {
	    "writelines(", "writeFile", "appendFile", "write_text(", "write_bytes(", "File.write",
	    "chmod(",	   "chown(",	"rename(",    "copyfile(",   "copy(",	     "copy2(",
	    "move(",	   "symlink(",	"mkdir(",     "makedirs(",   "print >",	     "printf >",
	    "'>'",	   "\">\"",	"\">>\"",     "'>>'",	     "'w'",	     "\"w\"",
	    "'a'",	   "\"a\"",	"'wb'",	      "\"wb\"",	     "'ab'",	     "\"ab\"",
	    "'w+'",	   "'r+'",	NULL};
	static const char *const network[] = {
	    "urllib",	   "requests",	    "http.client",    "httplib",      "socket",
	    "fetch(",	   "http.get",	    "https.get",      "http.request", "https.request",
	    "net.connect", "net.Socket",    "XMLHttpRequest", "LWP",	      "IO::Socket",
	    "HTTP::Tiny",  "Net::HTTP",	    "open-uri",	      "URI.open",     "smtplib",
	    "ftplib",	   "paramiko",	    "aiohttp",	      "httpx",	      "curl",
	    "wget",	   "require('http", "require(\"http", "Socket",	      NULL};
	static const char *const secrets[] = {
	    ".ssh/",	    ".ssh'",   ".ssh\"",	   ".aws/",
	    ".aws'",	    ".aws\"",  "id_rsa",	   "id_ed25519",
	    "/etc/shadow",  ".netrc",  ".git-credentials", "gcloud",
	    ".kube/config", "keyring", ".gnupg",	   ".password-store",
	    "credentials",  NULL};
	static const char *const environ_[] = {"os.environ", "process.env", "%ENV", "ENV[",
					       "getenv",     "$ENV",	    NULL};
	static const char *const decoders[] = {"b64decode",    "atob(",	      "base64",
					       "fromCharCode", "decode('hex", "unhexlify",
					       "pack(",	       "unpack(",     NULL};
	char *lits[64];
	size_t n, i;
	int del, wr;

	if (P->v->ask)
		return;
	if (++P->depth > SHELL_POLICY_MAX_DEPTH) {
		hit(P, "unparsed", "code nested deeper than %d", SHELL_POLICY_MAX_DEPTH);
		P->depth--;
		return;
	}
	if (code_has(code, network) && P->net[0] == '\0')
		snprintf(P->net, sizeof(P->net), "interpreter code");
	if (code_has(code, secrets) && P->secret[0] == '\0')
		snprintf(P->secret, sizeof(P->secret), "a secret named in code");
	if (code_has(code, environ_) && P->weak[0] == '\0')
		snprintf(P->weak, sizeof(P->weak), "the environment");
	if (code_has(code, decoders) &&
	    (strstr(code, "exec") || strstr(code, "eval") || strstr(code, "system") ||
	     strstr(code, "spawn") || strstr(code, "Function(")))
		hit(P, "unparsed", "decodes and runs code it cannot read");
	if (P->net[0] && (strstr(code, "exec(") || strstr(code, "eval(")) &&
	    (lang == LANG_PYTHON || lang == LANG_NODE || lang == LANG_RUBY || lang == LANG_PERL))
		hit(P, "download-exec", "interpreter code downloads and runs code");
	if (lang == LANG_PERL || lang == LANG_RUBY) {
		/* `command` runs a shell command */
		const char *b = strchr(code, '`'), *e;
		while (b != NULL && (e = strchr(b + 1, '`')) != NULL && !P->v->ask) {
			pol_eval(P, b + 1, (size_t)(e - b - 1), cwd, "backticks");
			b = strchr(e + 1, '`');
		}
	}
	code_shellouts(P, lang, code, cwd);
	if (lang == LANG_AWK && (strstr(code, "getline") || strchr(code, '|'))) {
		/* "cmd" | getline and print | "cmd" run their strings */
		n = code_literals(code, 0, strlen(code), lits, 64);
		for (i = 0; i < n; i++) {
			pol_eval(P, lits[i], strlen(lits[i]), cwd, "awk");
			free(lits[i]);
		}
	}
	del = code_has(code, deletes);
	wr = code_has(code, writes);
	n = code_literals(code, 0, strlen(code), lits, 64);
	if ((del || wr) && n == 0 && !P->v->ask)
		hit(P, del ? "delete-outside" : "write-outside-dir",
		    "interpreter code %s files it does not name", del ? "deletes" : "writes");
	for (i = 0; i < n; i++) {
		struct arg a = {lits[i], 0, -1};
		if (lits[i][0] == '~')
			a.f = SHP_W_TILDE;
		note_read(P, &a, cwd);
		if ((del || wr) && strchr(lits[i], ' ') == NULL && lits[i][0] != '\0')
			judge_target(P, del ? OP_DELETE : OP_WRITE, &a, cwd, "interpreter code");
		free(lits[i]);
	}
	P->depth--;
}

/* ---- commands ---- */

/* Options of a wrapper that take a value. */
struct wrapper {
	const char *name;	/* command */
	const char *with_value; /* single-letter options taking a value */
	int positional;		/* operands before the command (timeout: 1) */
};

static const struct wrapper wrappers[] = {
    {"nice", "n", 0},	   {"ionice", "cnpt", 0}, {"timeout", "sk", 1}, {"stdbuf", "ioe", 0},
    {"time", "fo", 0},	   {"command", "", 0},	  {"exec", "a", 0},	{"chrt", "", 1},
    {"taskset", "", 1},	   {"flock", "wEx", 1},	  {"doas", "uC", 0},	{"strace", "oesp", 0},
    {"ltrace", "oesp", 0}, {"nsenter", "tS", 0},  {"unshare", "", 0},	{NULL, NULL, 0}};

/* Index of the first word after a wrapper's options and operands. */
static size_t
skip_wrapper(const struct wrapper *wr, struct arg *a, size_t n)
{
	size_t k = 1;
	int pos = wr->positional;

	while (k < n) {
		const char *t = a[k].t;
		if (strcmp(t, "--") == 0) {
			k++;
			break;
		}
		if (t[0] == '-' && t[1] != '\0') {
			if (t[1] != '-' && t[2] == '\0' && strchr(wr->with_value, t[1]) != NULL)
				k++; /* -n 10 */
			k++;
			continue;
		}
		if (pos > 0) {
			pos--;
			k++;
			continue;
		}
		break;
	}
	return k < n ? k : n;
}

/* The shell interpreters. */
static int
is_shell(const char *b)
{
	static const char *const shells[] = {"sh",  "bash", "zsh",  "dash", "ksh",   "mksh",
					     "ash", "fish", "yash", "posh", "rbash", NULL};
	return in_list(b, shells);
}

static enum lang
interp_lang(const char *b)
{
	if (starts(b, "python") || starts(b, "pypy"))
		return LANG_PYTHON;
	if (strcmp(b, "perl") == 0 || starts(b, "perl5"))
		return LANG_PERL;
	if (strcmp(b, "ruby") == 0 || strcmp(b, "irb") == 0)
		return LANG_RUBY;
	if (strcmp(b, "node") == 0 || strcmp(b, "nodejs") == 0 || strcmp(b, "deno") == 0 ||
	    strcmp(b, "bun") == 0)
		return LANG_NODE;
	if (strcmp(b, "php") == 0)
		return LANG_PHP;
	if (strcmp(b, "lua") == 0 || strcmp(b, "Rscript") == 0 || strcmp(b, "tclsh") == 0)
		return LANG_OTHER;
	if (strcmp(b, "awk") == 0 || strcmp(b, "gawk") == 0 || strcmp(b, "mawk") == 0 ||
	    strcmp(b, "nawk") == 0)
		return LANG_AWK;
	return LANG_NONE;
}

/* True if file t (resolved) was downloaded earlier on the line. */
static int
was_downloaded(struct pol *P, const struct arg *a, const struct loc *cwd)
{
	struct loc l;
	char t[LOC_MAX + 4];

	resolve(P, cwd, a->t, a->f, &l);
	if (l.base == L_UNKNOWN)
		return 0;
	loc_text(&l, t, sizeof(t));
	for (int k = 0; k < P->ndl; k++)
		if (strcmp(P->dl[k], t) == 0)
			return 1;
	return 0;
}

static void
note_download(struct pol *P, const char *t, unsigned f, const struct loc *cwd)
{
	struct loc l;

	if (P->ndl >= MAX_DL)
		return;
	resolve(P, cwd, t, f, &l);
	if (l.base != L_UNKNOWN)
		loc_text(&l, P->dl[P->ndl++], sizeof(P->dl[0]));
}

/* A shell or interpreter reading code from stdin. */
static void
judge_stdin_code(struct pol *P, struct run *R, int ci, const char *name, enum lang lang,
		 struct loc *cwd)
{
	struct buf b;
	const char *what;
	int rc;

	if (ci < 0)
		return;
	buf_init(&b, SHP_MAX_INPUT);
	rc = stdin_text(R->r, ci, &b, &what, 0);
	if (rc == 1) {
		if (lang == LANG_SHELL)
			pol_eval(P, b.data ? b.data : "", b.len, cwd, name);
		else
			judge_code(P, lang, b.data ? b.data : "", cwd);
	} else if (rc == 2) {
		struct arg a = {what, 0, -1};
		if (was_downloaded(P, &a, cwd))
			hit(P, "download-exec", "%s runs %s, which was downloaded", name,
			    show_(P, what));
		else
			judge_written(P, &a, name, lang, cwd);
	} else if (rc == 0 && R->r->cmds[ci].pipe_pos == 0 &&
		   R->r->scopes[R->r->cmds[ci].scope].kind == SHP_S_PROCOUT) {
		hit(P, "pipe-to-shell", "%s runs what is written into >(...)", name);
	} else if (rc < 0) {
		if (pipe_downloads(R->r, ci))
			hit(P, "download-exec", "%s runs what is downloaded", name);
		else
			hit(P, "pipe-to-shell", "%s runs what %s prints", name, show_(P, what));
	}
	buf_release(&b);
}

/* Index of a file this line wrote, or -1. */
static int
written_index(struct pol *P, const struct arg *a, const struct loc *cwd)
{
	struct loc l;
	char t[LOC_MAX + 4];

	resolve(P, cwd, a->t, a->f, &l);
	if (l.base == L_UNKNOWN)
		return -1;
	loc_text(&l, t, sizeof(t));
	for (int k = 0; k < P->nwr; k++)
		if (strcmp(P->wr[k].path, t) == 0)
			return k;
	return -1;
}

/* Remembers a file this line writes, and what it writes if known (taken). */
static void
note_written(struct pol *P, const struct arg *a, const struct loc *cwd, char *text)
{
	struct loc l;
	int k = written_index(P, a, cwd);

	if (k >= 0) {
		free(P->wr[k].text);
		P->wr[k].text = text; /* the last write wins; appends are unknown */
		return;
	}
	resolve(P, cwd, a->t, a->f, &l);
	if (P->nwr >= MAX_DL || l.base == L_UNKNOWN) {
		free(text);
		return;
	}
	loc_text(&l, P->wr[P->nwr].path, sizeof(P->wr[0].path));
	P->wr[P->nwr++].text = text;
}

/* Runs a file this line wrote: what it holds is judged, if known. */
static int
judge_written(struct pol *P, const struct arg *a, const char *name, enum lang lang, struct loc *cwd)
{
	int k = written_index(P, a, cwd);

	if (k < 0)
		return 0;
	if (P->wr[k].text == NULL)
		hit(P, "pipe-to-shell", "%s runs %s, which this command line writes", name,
		    show_(P, a->t));
	else if (lang == LANG_SHELL)
		pol_eval(P, P->wr[k].text, strlen(P->wr[k].text), cwd, name);
	else
		judge_code(P, lang, P->wr[k].text, cwd);
	return 1;
}

/* A script operand: downloaded, process substitution, or a file. */
static void
judge_script(struct pol *P, struct run *R, const struct arg *a, const char *name, enum lang lang,
	     struct loc *cwd)
{
	if (a->f & SHP_W_PROCIN) {
		if (a->w >= 0 && word_downloads(R->r, a->w))
			hit(P, "download-exec", "%s runs a download through <(...)", name);
		else
			hit(P, "pipe-to-shell", "%s runs the output of <(...)", name);
		return;
	}
	if (was_downloaded(P, a, cwd))
		hit(P, "download-exec", "%s runs %s, which was downloaded", name, show_(P, a->t));
	else
		judge_written(P, a, name, lang, cwd);
}

/* Code held in a word: literal, or a substitution that may download. */
static void
judge_code_word(struct pol *P, struct run *R, const struct arg *a, const char *name, enum lang lang,
		struct loc *cwd)
{
	if (a->f & (SHP_W_CMDSUB | SHP_W_VAR | SHP_W_ARITH)) {
		if (a->w >= 0 && word_downloads(R->r, a->w))
			hit(P, "download-exec", "%s runs code it downloads", name);
		else
			hit(P, "unparsed", "%s runs code it cannot read: %s", name, show_(P, a->t));
		return;
	}
	if (lang == LANG_SHELL)
		pol_eval(P, a->t, strlen(a->t), cwd, name);
	else
		judge_code(P, lang, a->t, cwd);
}

/* sh/bash/zsh ... */
static void
judge_shell(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, struct loc *cwd)
{
	const char *name = base_name(a[0].t);
	int dash_c = 0, dash_s = 0;
	size_t k;

	for (k = 1; k < n; k++) {
		const char *t = a[k].t;
		if (strcmp(t, "--") == 0) {
			k++;
			break;
		}
		if ((t[0] == '-' || t[0] == '+') && t[1] != '\0') {
			if (t[1] != '-' && strchr(t, 'c') != NULL)
				dash_c = 1;
			if (t[1] != '-' && strchr(t, 's') != NULL)
				dash_s = 1;
			if ((strcmp(t, "-o") == 0 || strcmp(t, "+o") == 0 || strcmp(t, "-O") == 0 ||
			     strcmp(t, "--rcfile") == 0 || strcmp(t, "--init-file") == 0) &&
			    k + 1 < n)
				k++;
			continue;
		}
		break;
	}
	if (dash_c) {
		if (k >= n) {
			hit(P, "unparsed", "%s -c without a command", name);
			return;
		}
		judge_code_word(P, R, &a[k], name, LANG_SHELL, cwd);
		return;
	}
	if (k < n && !dash_s) {
		judge_script(P, R, &a[k], name, LANG_SHELL, cwd);
		return;
	}
	judge_stdin_code(P, R, ci, name, LANG_SHELL, cwd);
}

/* python -c, perl -e, node -e, ruby -e, php -r, awk 'prog'. */
static void
judge_interp(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, enum lang lang,
	     struct loc *cwd)
{
	const char *name = base_name(a[0].t);
	int inplace = 0, code_seen = 0;
	size_t k;

	for (k = 1; k < n; k++) {
		const char *t = a[k].t;
		int is_code = 0;
		if (strcmp(t, "--") == 0) {
			k++;
			break;
		}
		if (t[0] != '-' || t[1] == '\0')
			break;
		if (lang == LANG_PYTHON) {
			if (strcmp(t, "-m") == 0)
				return; /* a module: like running a script */
			is_code = t[1] != '-' && ends(t, "c");
			if (strcmp(t, "-W") == 0 || strcmp(t, "-X") == 0)
				k++;
		} else if (lang == LANG_PERL || lang == LANG_RUBY) {
			is_code = t[1] != '-' && (ends(t, "e") || ends(t, "E"));
			if (t[1] == 'i' ||
			    (t[1] != '-' && strchr(t, 'i') != NULL && lang == LANG_PERL))
				inplace = 1;
		} else if (lang == LANG_NODE) {
			is_code = strcmp(t, "-e") == 0 || strcmp(t, "--eval") == 0 ||
				  strcmp(t, "-p") == 0 || strcmp(t, "--print") == 0 ||
				  strcmp(t, "-pe") == 0;
		} else if (lang == LANG_PHP) {
			is_code = strcmp(t, "-r") == 0;
		} else if (lang == LANG_AWK) {
			if (strcmp(t, "-f") == 0)
				return; /* program in a file */
			if ((strcmp(t, "-F") == 0 || strcmp(t, "-v") == 0) && k + 1 < n)
				k++;
			continue;
		} else {
			is_code = strcmp(t, "-e") == 0;
		}
		if (is_code) {
			if (k + 1 >= n) {
				hit(P, "unparsed", "%s %s without code", name, t);
				return;
			}
			judge_code_word(P, R, &a[++k], name, lang, cwd);
			code_seen = 1;
		}
	}
	if (lang == LANG_AWK && k < n) {
		judge_code_word(P, R, &a[k], name, lang, cwd);
		code_seen = 1;
		k++;
	}
	if (P->v->ask)
		return;
	if (inplace)
		for (; k < n; k++)
			judge_target(P, OP_WRITE, &a[k], cwd, name);
	else if (!code_seen && k < n && strcmp(a[k].t, "-") != 0)
		judge_script(P, R, &a[k], name, lang, cwd);
	else if (!code_seen && lang != LANG_AWK)
		judge_stdin_code(P, R, ci, name, lang, cwd);
}

/* find: -delete, -exec and friends, -fprint. */
static void
judge_find(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, struct loc *cwd)
{
	struct arg dot = {".", 0, -1};
	size_t k = 1, np = 0, paths[FIND_PATHS];

	while (k < n && (strcmp(a[k].t, "-H") == 0 || strcmp(a[k].t, "-L") == 0 ||
			 strcmp(a[k].t, "-P") == 0 || starts(a[k].t, "-O") || starts(a[k].t, "-D")))
		k++;
	for (; k < n && a[k].t[0] != '-' && strcmp(a[k].t, "(") && strcmp(a[k].t, "!"); k++)
		if (np < FIND_PATHS)
			paths[np++] = k;
	for (; k < n && !P->v->ask; k++) {
		const char *t = a[k].t;
		if (strcmp(t, "-delete") == 0) {
			if (np == 0)
				judge_target(P, OP_PRUNE, &dot, cwd, "find -delete");
			for (size_t j = 0; j < np; j++)
				judge_target(P, OP_PRUNE, &a[paths[j]], cwd, "find -delete");
		} else if (strcmp(t, "-fprint") == 0 || strcmp(t, "-fprintf") == 0 ||
			   strcmp(t, "-fls") == 0 || strcmp(t, "-fprint0") == 0) {
			if (k + 1 < n)
				judge_target(P, OP_WRITE, &a[k + 1], cwd, "find");
		} else if (strcmp(t, "-exec") == 0 || strcmp(t, "-execdir") == 0 ||
			   strcmp(t, "-ok") == 0 || strcmp(t, "-okdir") == 0) {
			size_t s = k + 1, e = s;
			while (e < n && strcmp(a[e].t, ";") != 0 && strcmp(a[e].t, "+") != 0)
				e++;
			if (e == s) {
				hit(P, "unparsed", "find %s without a command", t);
				return;
			}
			for (size_t j = 0; j < (np ? np : 1) && !P->v->ask; j++) {
				struct arg sub[MAX_ARGS];
				char repl[FIND_PATHS][LOC_MAX];
				size_t m = 0, nr = 0;
				const struct arg *root = np ? &a[paths[j]] : &dot;
				for (size_t x = s; x < e && m < MAX_ARGS; x++) {
					sub[m] = a[x];
					if (strstr(a[x].t, "{}") != NULL && nr < FIND_PATHS) {
						/* {} is a file under the start path */
						snprintf(repl[nr], sizeof(repl[nr]), "%s/found",
							 root->t);
						sub[m].t = repl[nr++];
						sub[m].f = root->f;
					}
					m++;
				}
				judge_argv(P, R, ci, sub, m, cwd);
			}
			k = e;
		}
	}
}

/* Commands that list files under the project (safe input for xargs). */
static int
lists_project_files(struct pol *P, struct run *R, int src, struct loc *cwd)
{
	const struct shp_cmd *c;
	const char *name;

	if (src < 0 || !R->r->cmds[src].stage_simple)
		return 0;
	c = &R->r->cmds[src];
	name = cmd_name(R->r, src);
	if (strcmp(name, "find") == 0) {
		for (size_t k = 1; k < c->argc; k++) {
			const struct shp_word *w = &R->r->words[c->argv[k]];
			struct loc l;
			if (w->text[0] == '-' || strcmp(w->text, "(") == 0 ||
			    strcmp(w->text, "!") == 0)
				break;
			resolve(P, cwd, w->text, w->flags, &l);
			if (!loc_inside(P, &l))
				return 0;
		}
		for (size_t k = 1; k < c->argc; k++)
			if (strcmp(R->r->words[c->argv[k]].text, "-L") == 0)
				return 0;
		return 1;
	}
	if (strcmp(name, "git") == 0 && c->argc >= 2) {
		const char *sub = R->r->words[c->argv[1]].text;
		return strcmp(sub, "ls-files") == 0 || strcmp(sub, "diff") == 0 ||
		       strcmp(sub, "grep") == 0;
	}
	if (strcmp(name, "grep") == 0 || strcmp(name, "rg") == 0) {
		for (size_t k = 1; k < c->argc; k++) {
			const struct shp_word *w = &R->r->words[c->argv[k]];
			struct loc l;
			if (w->text[0] == '-')
				continue;
			resolve(P, cwd, w->text, w->flags, &l);
			if (k > 1 && !loc_inside(P, &l))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* xargs CMD: the words it appends come from stdin. */
static void
judge_xargs(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, struct loc *cwd)
{
	static const char with_value[] = "IEdLnPsa";
	struct arg sub[MAX_ARGS], input;
	const char *repl = NULL;
	size_t k = 1, m = 0;
	int inside = lists_project_files(P, R, pipe_source(R->r, ci), cwd);

	while (k < n && a[k].t[0] == '-') {
		const char *t = a[k].t;
		if (strcmp(t, "--") == 0) {
			k++;
			break;
		}
		if (t[1] == 'I' || t[1] == 'i' || starts(t, "--replace"))
			repl = t[2] ? t + 2 : (t[1] == 'i' ? "{}" : NULL);
		if (t[1] != '-' && t[2] == '\0' && strchr(with_value, t[1]) != NULL && k + 1 < n) {
			if (t[1] == 'I')
				repl = a[k + 1].t;
			k++;
		}
		k++;
	}
	input.t = inside ? "./xargs-input" : "$XARGS_INPUT";
	input.f = inside ? 0 : SHP_W_VAR;
	input.w = -1;
	if (k >= n) {
		sub[m++] = (struct arg){"echo", 0, -1};
	}
	for (; k < n && m < MAX_ARGS - 1; k++) {
		sub[m] = a[k];
		if (repl && repl[0] && strstr(a[k].t, repl) != NULL)
			sub[m] = input;
		m++;
	}
	if (!repl)
		sub[m++] = input;
	judge_argv(P, R, ci, sub, m, cwd);
}

/* True if the git config key kv ("core.pager=x" or "core.pager") names a command. */
static int
git_key_runs(const char *kv)
{
	static const char *const keys[] = {"core.pager",
					   "core.editor",
					   "core.sshCommand",
					   "core.askPass",
					   "core.fsmonitor",
					   "core.hooksPath",
					   "sequence.editor",
					   "diff.external",
					   "gpg.program",
					   "credential.helper",
					   "pager.",
					   "alias.",
					   "filter.",
					   "diff.",
					   "merge.",
					   "uploadpack.packObjectsHook",
					   NULL};
	for (size_t k = 0; keys[k]; k++)
		if (strncasecmp(kv, keys[k], strlen(keys[k])) == 0)
			return strcmp(keys[k], "alias.") != 0 || strstr(kv, "=!") != NULL ||
			       strchr(kv, '=') == NULL;
	return 0;
}

/* git: push --force, hooks config, destructive commands elsewhere. */
static void
judge_git(struct pol *P, struct arg *a, size_t n, struct loc *cwd)
{
	struct loc gcwd = *cwd;
	const char *sub = NULL;
	size_t k = 1;

	for (; k < n; k++) {
		const char *t = a[k].t;
		if ((strcmp(t, "-C") == 0) && k + 1 < n) {
			struct loc nl;
			resolve(P, &gcwd, a[k + 1].t, a[k + 1].f, &nl);
			gcwd = nl;
			k++;
		} else if (strcmp(t, "-c") == 0 && k + 1 < n) {
			const char *kv = a[k + 1].t, *v = strchr(kv, '=');
			if (strstr(kv, "hooksPath") || strstr(kv, "fsmonitor"))
				hit(P, "persistence", "git -c %s runs hooks from elsewhere",
				    show_(P, kv));
			else if (v && git_key_runs(kv)) {
				/* the value is a command git runs now */
				v += v[1] == '!' ? 2 : 1;
				pol_eval(P, v, strlen(v), cwd, "git -c");
			}
			k++;
		} else if (starts(t, "--work-tree=") || starts(t, "--git-dir=")) {
			struct loc nl;
			resolve(P, &gcwd, strchr(t, '=') + 1, a[k].f, &nl);
			gcwd = nl;
		} else if (t[0] != '-') {
			sub = t;
			break;
		}
	}
	if (sub == NULL || P->v->ask)
		return;
	if (strcmp(sub, "push") == 0) {
		for (k++; k < n; k++) {
			const char *t = a[k].t;
			if (strcmp(t, "--force") == 0 || starts(t, "--force-with-lease") ||
			    strcmp(t, "--force-if-includes") == 0 || strcmp(t, "--mirror") == 0 ||
			    strcmp(t, "--delete") == 0 || strcmp(t, "--prune") == 0 ||
			    (t[0] == '-' && t[1] != '-' && (strchr(t, 'f') || strchr(t, 'd'))) ||
			    (t[0] == '+' && t[1]) || (t[0] == ':' && t[1])) {
				hit(P, "git-push-force",
				    "git push %s rewrites or deletes remote history", show_(P, t));
				return;
			}
		}
		return;
	}
	if (strcmp(sub, "clone") == 0) {
		size_t idx[MAX_ARGS], m = operands(a + k, n - k, idx, MAX_ARGS, "bcjou");
		if (m >= 2)
			judge_target(P, OP_WRITE, &a[k + idx[m - 1]], &gcwd, "git clone");
		return;
	}
	if (strcmp(sub, "config") == 0) {
		for (k++; k < n; k++)
			if ((git_key_runs(a[k].t) && !starts(a[k].t, "alias.") &&
			     !starts(a[k].t, "diff.") && !starts(a[k].t, "merge.")) ||
			    (starts(a[k].t, "alias.") && k + 1 < n && a[k + 1].t[0] == '!')) {
				hit(P, "persistence", "git config %s makes git run a command",
				    show_(P, a[k].t));
				return;
			}
		return;
	}
	if (!loc_inside(P, &gcwd) &&
	    (strcmp(sub, "clean") == 0 || strcmp(sub, "reset") == 0 ||
	     strcmp(sub, "checkout") == 0 || strcmp(sub, "restore") == 0 ||
	     strcmp(sub, "rm") == 0 || strcmp(sub, "stash") == 0 || strcmp(sub, "switch") == 0))
		hit(P, "delete-outside", "git %s changes files outside the project", sub);
}

/* ln -s TARGET [LINK]: a link to outside; later paths through it lead there. */
static void
note_link(struct pol *P, struct arg *a, size_t *idx, size_t m, const struct loc *cwd)
{
	struct loc lk, dirl, to;
	const char *tt = a[idx[0]].t, *sl;

	if (m >= 2)
		resolve(P, cwd, a[idx[m - 1]].t, a[idx[m - 1]].f, &lk);
	else {
		lk = *cwd;
		if (lk.base != L_UNKNOWN && loc_append(&lk, base_name(tt)) < 0)
			lk.base = L_UNKNOWN;
	}
	if (lk.base == L_UNKNOWN)
		return;
	/* a relative target is relative to the link's directory */
	dirl = lk;
	sl = strrchr(dirl.path, '/');
	dirl.path[sl ? (size_t)(sl - dirl.path) : 0] = '\0';
	resolve(P, &dirl, tt, a[idx[0]].f, &to);
	if (loc_inside(P, &to))
		return;
	loc_text(&lk, P->ln[P->nln].path, sizeof(P->ln[0].path));
	P->ln[P->nln++].to = to;
}

/*
 * A sed script: the e command and the s///e flag run commands; w, W and
 * s///w write files. Read roughly: a command letter is one at the start of
 * the script or after ; { } or a newline (addresses skipped).
 */
static void
judge_sed_script(struct pol *P, const struct arg *a, const struct loc *cwd)
{
	const char *t = a->t;
	size_t n = strlen(t), i = 0;

	while (i < n && !P->v->ask) {
		char c;
		while (i < n && strchr(" \t;{}\n!0123456789,$", t[i]) != NULL)
			i++;
		if (i < n && (t[i] == '/' || t[i] == '\\')) {
			char d = t[i] == '\\' && i + 1 < n ? t[++i] : '/';
			for (i++; i < n && t[i] != d; i++)
				if (t[i] == '\\')
					i++;
			i++;
			continue; /* an address /re/ */
		}
		if (i >= n)
			break;
		c = t[i++];
		if (c == 'e' && (i >= n || t[i] == ' ' || t[i] == ';' || t[i] == '\n')) {
			hit(P, "unparsed", "sed e runs commands it cannot read");
			return;
		}
		if (c == 'w' || c == 'W') {
			size_t s0;
			char path[LOC_MAX];
			while (i < n && t[i] == ' ')
				i++;
			for (s0 = i; i < n && t[i] != '\n'; i++)
				;
			if (i > s0 && i - s0 < sizeof(path)) {
				struct arg w = {path, a->f, -1};
				memcpy(path, t + s0, i - s0);
				path[i - s0] = '\0';
				judge_target(P, OP_WRITE, &w, cwd, "sed w");
			}
			continue;
		}
		if (c == 's' && i < n) {
			char d = t[i++];
			int parts = 0;
			for (; i < n && parts < 2; i++) {
				if (t[i] == '\\')
					i++;
				else if (t[i] == d)
					parts++;
			}
			/* flags; a w flag is read as a w command next */
			for (; i < n && strchr("gpiImMe0123456789", t[i]) != NULL; i++)
				if (t[i] == 'e') {
					hit(P, "unparsed",
					    "sed s///e runs commands it cannot read");
					return;
				}
			continue;
		}
		/* other commands: skip their argument */
		if (strchr("aicrRbtT:yqQlL", c) != NULL)
			while (i < n && t[i] != '\n' && (strchr("aic", c) != NULL || t[i] != ';'))
				i++;
	}
}

/* chmod MODE: setuid/setgid or world-writable. */
static int
mode_dangerous(const char *m, const char **why)
{
	size_t n = strlen(m), k;

	for (k = 0; k < n && m[k] >= '0' && m[k] <= '7'; k++)
		;
	if (k == n && n > 0) {
		unsigned long v = strtoul(m, NULL, 8);
		if (v & 06000) {
			*why = "sets the setuid/setgid bit";
			return 1;
		}
		if (v & 02) {
			*why = "makes files writable by everyone";
			return 1;
		}
		return 0;
	}
	for (const char *p = m; *p; p++) {
		if ((*p == '+' || *p == '=') && strchr(p, 's') != NULL) {
			*why = "sets the setuid/setgid bit";
			return 1;
		}
	}
	if (strstr(m, "o+w") || strstr(m, "a+w") || strstr(m, "o=rw") || strstr(m, "a+rwx") ||
	    strstr(m, "ugo+rwx") || strstr(m, "o+rwx") || strstr(m, "a=rwx") || m[0] == '=') {
		*why = "makes files writable by everyone";
		return 1;
	}
	return 0;
}

/* Index of the first operand (not an option) from k; options with values skipped. */
static size_t
operands(struct arg *a, size_t n, size_t *idx, size_t max, const char *with_value)
{
	size_t m = 0;
	int opts = 1;

	for (size_t k = 1; k < n; k++) {
		const char *t = a[k].t;
		if (opts && strcmp(t, "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && t[0] == '-' && t[1] != '\0') {
			if (t[1] != '-' && t[2] == '\0' && with_value && strchr(with_value, t[1]) &&
			    k + 1 < n)
				k++;
			continue;
		}
		if (m < max)
			idx[m++] = k;
	}
	return m;
}

/* True if a short option cluster (-sf) holds c, before any "--". */
static int
has_short_flag(struct arg *a, size_t n, char c)
{
	for (size_t k = 1; k < n; k++) {
		if (strcmp(a[k].t, "--") == 0)
			return 0;
		if (a[k].t[0] == '-' && a[k].t[1] != '-' && strchr(a[k].t + 1, c) != NULL)
			return 1;
	}
	return 0;
}

/* True if any word equals s. */
static int
has_word(struct arg *a, size_t n, const char *s)
{
	for (size_t k = 1; k < n; k++)
		if (strcmp(a[k].t, s) == 0)
			return 1;
	return 0;
}

static int
has_prefix_word(struct arg *a, size_t n, const char *s)
{
	for (size_t k = 1; k < n; k++)
		if (starts(a[k].t, s))
			return 1;
	return 0;
}

/* Value of -X V, -XV or --long=V / --long V. */
static const struct arg *
opt_value(struct arg *a, size_t n, const char *shortopt, const char *longopt, struct arg *tmp)
{
	size_t sl = shortopt ? strlen(shortopt) : 0, ll = longopt ? strlen(longopt) : 0;

	for (size_t k = 1; k < n; k++) {
		const char *t = a[k].t;
		if (sl && strcmp(t, shortopt) == 0 && k + 1 < n)
			return &a[k + 1];
		if (sl && strncmp(t, shortopt, sl) == 0 && t[sl] != '\0' && t[1] != '-') {
			*tmp = a[k];
			tmp->t = t + sl;
			return tmp;
		}
		if (ll && strcmp(t, longopt) == 0 && k + 1 < n)
			return &a[k + 1];
		if (ll && strncmp(t, longopt, ll) == 0 && t[ll] == '=') {
			*tmp = a[k];
			tmp->t = t + ll + 1;
			return tmp;
		}
	}
	return NULL;
}

/* NAME=value that turns shell history off, or names a command to run. */
static void
judge_assignment(struct pol *P, const char *t, struct loc *cwd)
{
	static const char *const runs[] = {
	    "PAGER=",	    "EDITOR=",	   "VISUAL=",	     "GIT_SSH_COMMAND=",
	    "GIT_SSH=",	    "GIT_EDITOR=", "GIT_PAGER=",     "GIT_ASKPASS=",
	    "SSH_ASKPASS=", "LESSOPEN=",   "LESSCLOSE=",     "PROMPT_COMMAND=",
	    "BROWSER=",	    "MANPAGER=",   "SYSTEMD_PAGER=", NULL};

	if (starts(t, "HISTFILE=") || starts(t, "HISTSIZE=0") || starts(t, "HISTFILESIZE=0") ||
	    starts(t, "SAVEHIST=0"))
		hit(P, "history-wipe", "%s stops shell history", show_(P, t));
	for (size_t k = 0; runs[k]; k++)
		if (starts(t, runs[k])) {
			const char *v = t + strlen(runs[k]);
			while (*v == '|' || *v == ' ')
				v++; /* LESSOPEN="|cmd %s" */
			if (*v != '\0')
				pol_eval(P, v, strlen(v), cwd, runs[k]);
		}
}

/* system-control commands by name. */
static const char *const sysctl_cmds[] = {"shutdown",
					  "reboot",
					  "halt",
					  "poweroff",
					  "mkswap",
					  "wipefs",
					  "fdisk",
					  "sfdisk",
					  "gdisk",
					  "cfdisk",
					  "parted",
					  "mount",
					  "umount",
					  "swapon",
					  "swapoff",
					  "losetup",
					  "cryptsetup",
					  "iptables",
					  "ip6tables",
					  "iptables-restore",
					  "ip6tables-restore",
					  "nft",
					  "ufw",
					  "firewall-cmd",
					  "modprobe",
					  "insmod",
					  "rmmod",
					  "killall",
					  "killall5",
					  "setenforce",
					  "useradd",
					  "userdel",
					  "usermod",
					  "groupadd",
					  "groupdel",
					  "chpasswd",
					  "passwd",
					  "mke2fs",
					  "mkdosfs",
					  "tune2fs",
					  "e2fsck",
					  "fsck",
					  "blkdiscard",
					  "hdparm",
					  "pvremove",
					  "vgremove",
					  "lvremove",
					  "zpool",
					  "zfs",
					  "telinit",
					  NULL};
static const char *const privilege_cmds[] = {"sudo",	 "su",	       "pkexec", "run0",
					     "sudoedit", "visudo",     "chroot", "setcap",
					     "doas",	 "machinectl", NULL};

static void judge_words(struct pol *P, struct run *R, int ci, struct arg *a, size_t n,
			struct loc *cwd);

/* judge_words with a bound on wrappers inside wrappers. */
static void
judge_argv(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, struct loc *cwd)
{
	if (P->nest >= 16) {
		hit(P, "unparsed", "more than 16 wrapper commands in a row");
		return;
	}
	P->nest++;
	judge_words(P, R, ci, a, n, cwd);
	P->nest--;
}

/* Judges one command's words (after assignments; wrappers stripped here). */
static void
judge_words(struct pol *P, struct run *R, int ci, struct arg *a, size_t n, struct loc *cwd)
{
	const char *name;
	size_t idx[MAX_ARGS], m, k;
	struct arg tmp;
	const struct arg *v;
	enum lang lang;

	if (P->v->ask || n == 0)
		return;
	while (n > 0 && strchr(a[0].t, '=') != NULL && !(a[0].f & SHP_W_QUOTED) &&
	       a[0].t[0] != '=' && a[0].t[0] != '-') {
		judge_assignment(P, a[0].t, cwd); /* env's NAME=value */
		a++, n--;
	}
	if (n == 0)
		return;
	if (a[0].f & (SHP_W_CMDSUB | SHP_W_VAR)) {
		if (a[0].w >= 0 && word_downloads(R->r, a[0].w))
			hit(P, "download-exec", "runs a command named by a download");
		else if (has_word(a, n, "-c"))
			judge_shell(P, R, ci, a, n, cwd); /* $SHELL -c '...' */
		else
			for (k = 1; k < n; k++) {
				struct loc l;
				resolve(P, cwd, a[k].t, a[k].f, &l);
				if (!loc_inside(P, &l) && (a[k].t[0] == '/' || a[k].t[0] == '~'))
					hit(P, "unparsed", "cannot tell what %s runs on %s",
					    show_(P, a[0].t), show_(P, a[k].t));
			}
		return;
	}
	name = base_name(a[0].t);
	if (strcmp(name, "busybox") == 0 || strcmp(name, "toybox") == 0) {
		judge_argv(P, R, ci, a + 1, n - 1, cwd);
		return;
	}
	if (in_list(name, privilege_cmds)) {
		hit(P, "privilege", "%s runs commands as another user", name);
		return;
	}
	if (strcmp(name, "env") == 0) {
		for (k = 1; k < n; k++) {
			const char *t = a[k].t;
			if (strcmp(t, "-S") == 0 || strcmp(t, "--split-string") == 0) {
				if (k + 1 < n)
					judge_code_word(P, R, &a[k + 1], "env -S", LANG_SHELL, cwd);
				return;
			}
			if (strcmp(t, "-u") == 0 || strcmp(t, "-C") == 0 ||
			    strcmp(t, "--chdir") == 0 || strcmp(t, "--unset") == 0) {
				k++;
				continue;
			}
			if (t[0] == '-')
				continue;
			break;
		}
		if (k > n)
			k = n; /* a trailing -u without its value */
		if (k >= n && P->weak[0] == '\0')
			snprintf(P->weak, sizeof(P->weak), "the environment (env)");
		judge_argv(P, R, ci, a + k, n - k, cwd);
		return;
	}
	if (in_list(name, wrappers_plain)) {
		judge_argv(P, R, ci, a + 1, n - 1, cwd);
		return;
	}
	for (const struct wrapper *wr = wrappers; wr->name; wr++)
		if (strcmp(name, wr->name) == 0) {
			if (strcmp(name, "command") == 0 &&
			    (has_word(a, n, "-v") || has_word(a, n, "-V")))
				return;
			k = skip_wrapper(wr, a, n);
			if (strcmp(name, "flock") == 0 && k < n && strcmp(a[k - 1].t, "-c") == 0) {
				judge_code_word(P, R, &a[k], "flock -c", LANG_SHELL, cwd);
				return;
			}
			judge_argv(P, R, ci, a + k, n - k, cwd);
			return;
		}
	if (strcmp(name, "xargs") == 0) {
		judge_xargs(P, R, ci, a, n, cwd);
		return;
	}
	if (strcmp(name, "watch") == 0) {
		struct buf b;
		buf_init(&b, SHP_MAX_INPUT);
		k = skip_wrapper(&(struct wrapper){"watch", "ndgq", 0}, a, n);
		for (; k < n; k++) {
			if (a[k].f & SHP_W_UNKNOWN) {
				hit(P, "unparsed", "watch runs code it cannot read");
				break;
			}
			buf_append_str(&b, a[k].t);
			buf_append(&b, " ", 1);
		}
		if (b.data && !P->v->ask)
			pol_eval(P, b.data, b.len, cwd, "watch");
		buf_release(&b);
		return;
	}
	P->ncmds++;
	if (is_shell(name)) {
		judge_shell(P, R, ci, a, n, cwd);
		return;
	}
	if (strcmp(name, "eval") == 0) {
		struct buf b;
		buf_init(&b, SHP_MAX_INPUT);
		for (k = 1; k < n && !P->v->ask; k++) {
			if (a[k].f & SHP_W_UNKNOWN) {
				judge_code_word(P, R, &a[k], "eval", LANG_SHELL, cwd);
				break;
			}
			buf_append_str(&b, a[k].t);
			buf_append(&b, " ", 1);
		}
		if (b.data && !P->v->ask)
			pol_eval(P, b.data, b.len, cwd, "eval");
		buf_release(&b);
		return;
	}
	if ((strcmp(name, "source") == 0 || strcmp(name, ".") == 0) && n > 1) {
		judge_script(P, R, &a[1], name, LANG_SHELL, cwd);
		return;
	}
	if ((lang = interp_lang(name)) != LANG_NONE) {
		judge_interp(P, R, ci, a, n, lang, cwd);
		return;
	}
	if (strcmp(name, "find") == 0) {
		judge_find(P, R, ci, a, n, cwd);
		return;
	}
	if (strcmp(name, "git") == 0) {
		judge_git(P, a, n, cwd);
		return;
	}
	if (was_downloaded(P, &a[0], cwd)) {
		hit(P, "download-exec", "runs %s, which was downloaded", show_(P, a[0].t));
		return;
	}
	if (strchr(a[0].t, '/') != NULL && judge_written(P, &a[0], name, LANG_SHELL, cwd))
		return;
	if (in_list(name, sysctl_cmds) || starts(name, "mkfs")) {
		hit(P, "system-control", "%s changes the system", name);
		return;
	}
	if ((strcmp(name, "init") == 0 && n > 1) ||
	    (strcmp(name, "tmux") == 0 && (has_word(a, n, "kill-server"))) ||
	    (strcmp(name, "sysctl") == 0 && (has_word(a, n, "-w") || has_prefix_word(a, n, "-p") ||
					     (n > 1 && strchr(a[n - 1].t, '=') != NULL)))) {
		hit(P, "system-control", "%s changes the system", name);
		return;
	}
	if (strcmp(name, "systemctl") == 0 || strcmp(name, "service") == 0 ||
	    strcmp(name, "launchctl") == 0 || strcmp(name, "loginctl") == 0) {
		static const char *const stop[] = {"stop",
						   "disable",
						   "mask",
						   "kill",
						   "isolate",
						   "poweroff",
						   "reboot",
						   "halt",
						   "suspend",
						   "hibernate",
						   "rescue",
						   "emergency",
						   "default",
						   "restart",
						   "try-restart",
						   "reload-or-restart",
						   "daemon-reexec",
						   "switch-root",
						   "soft-reboot",
						   "kexec",
						   "unload",
						   "bootout",
						   "remove",
						   "terminate-session",
						   "terminate-user",
						   "kill-session",
						   "kill-user",
						   "force-reload",
						   NULL};
		static const char *const persist[] = {
		    "enable",	    "link", "edit",	 "set-default", "preset", "add-wants",
		    "add-requires", "load", "bootstrap", "reenable",	NULL};
		for (k = 1; k < n; k++) {
			if (in_list(a[k].t, stop)) {
				hit(P, "system-control", "%s %s stops or changes services", name,
				    a[k].t);
				return;
			}
			if (in_list(a[k].t, persist)) {
				hit(P, "persistence", "%s %s makes a service start on its own",
				    name, a[k].t);
				return;
			}
		}
		return;
	}
	if (strcmp(name, "kill") == 0 || strcmp(name, "pkill") == 0) {
		for (k = 1; k < n; k++) {
			const char *t = a[k].t;
			if (strcmp(name, "kill") == 0 && k == 1 && t[0] == '-' && strcmp(t, "--")) {
				if (strcmp(t, "-s") == 0 || strcmp(t, "-n") == 0)
					k++;
				continue;
			}
			if (strcmp(t, "-1") == 0 || strcmp(t, "1") == 0 ||
			    (strcmp(name, "pkill") == 0 &&
			     (strcmp(t, "-u") == 0 || strcmp(t, "-U") == 0 ||
			      strcmp(t, "tmux") == 0 || strcmp(t, "sshd") == 0 ||
			      strcmp(t, "systemd") == 0 || strcmp(t, "init") == 0 ||
			      strcmp(t, "cm-agent") == 0 || strcmp(t, "-P") == 0 ||
			      strcmp(t, ".") == 0))) {
				hit(P, "system-control", "%s %s kills every or vital processes",
				    name, t);
				return;
			}
		}
		return;
	}
	if (strcmp(name, "crontab") == 0) {
		if (!(n == 2 && strcmp(a[1].t, "-l") == 0))
			hit(P, "persistence", "crontab changes scheduled jobs");
		return;
	}
	if (strcmp(name, "at") == 0 || strcmp(name, "batch") == 0) {
		if (!has_word(a, n, "-l") && !has_word(a, n, "-V"))
			hit(P, "persistence", "%s schedules a job", name);
		return;
	}
	if (strcmp(name, "history") == 0) {
		if (has_prefix_word(a, n, "-c") || has_prefix_word(a, n, "-d") ||
		    has_prefix_word(a, n, "-w") || has_prefix_word(a, n, "-p"))
			hit(P, "history-wipe", "history %s erases shell history", a[1].t);
		return;
	}
	if (strcmp(name, "unset") == 0) {
		for (k = 1; k < n; k++)
			if (starts(a[k].t, "HIST") || strcmp(a[k].t, "SAVEHIST") == 0)
				hit(P, "history-wipe", "unset %s stops shell history", a[k].t);
		return;
	}
	if (strcmp(name, "set") == 0 || strcmp(name, "shopt") == 0) {
		if (n == 1 && P->weak[0] == '\0')
			snprintf(P->weak, sizeof(P->weak), "the shell variables (set)");
		for (k = 1; k + 1 < n; k++)
			if ((strcmp(a[k].t, "+o") == 0 || strcmp(a[k].t, "-u") == 0) &&
			    strcmp(a[k + 1].t, "history") == 0)
				hit(P, "history-wipe", "set +o history stops shell history");
		return;
	}
	if (strcmp(name, "export") == 0 || strcmp(name, "declare") == 0 ||
	    strcmp(name, "typeset") == 0 || strcmp(name, "readonly") == 0 ||
	    strcmp(name, "local") == 0) {
		for (k = 1; k < n; k++)
			judge_assignment(P, a[k].t, cwd);
		if ((n == 1 || has_word(a, n, "-p")) && P->weak[0] == '\0')
			snprintf(P->weak, sizeof(P->weak), "the environment (%s)", name);
		return;
	}
	if (strcmp(name, "printenv") == 0) {
		if (P->weak[0] == '\0')
			snprintf(P->weak, sizeof(P->weak), "the environment (printenv)");
		return;
	}
	if (strcmp(name, "journalctl") == 0) {
		if (has_prefix_word(a, n, "--vacuum") || has_word(a, n, "--rotate") ||
		    has_word(a, n, "--flush"))
			hit(P, "history-wipe", "journalctl erases the system journal");
		return;
	}
	if (strcmp(name, "alias") == 0) {
		for (k = 1; k < n; k++) {
			const char *eq = strchr(a[k].t, '=');
			if (eq && eq[1])
				judge_code_word(P, R, &(struct arg){eq + 1, a[k].f, a[k].w},
						"alias", LANG_SHELL, cwd);
		}
		return;
	}
	if (strcmp(name, "ssh") == 0) {
		struct buf b;
		snprintf(P->net, sizeof(P->net), "ssh");
		m = operands(a, n, idx, MAX_ARGS, "BbcDEeFIiJLlmOopQRSWw");
		if (m < 2)
			return;
		/* the remote command: judged as if it ran here */
		buf_init(&b, SHP_MAX_INPUT);
		for (k = 1; k < m; k++) {
			if (a[idx[k]].f & SHP_W_UNKNOWN) {
				judge_code_word(P, R, &a[idx[k]], "ssh", LANG_SHELL, cwd);
				break;
			}
			buf_append_str(&b, a[idx[k]].t);
			buf_append(&b, " ", 1);
		}
		if (b.data && !P->v->ask)
			pol_eval(P, b.data, b.len, cwd, "ssh");
		buf_release(&b);
		return;
	}
	if (strcmp(name, "cd") == 0 || strcmp(name, "pushd") == 0 || strcmp(name, "popd") == 0) {
		struct loc *owner = scope_cwd(R, R->r->cmds[ci].scope);
		struct loc nl;
		m = operands(a, n, idx, MAX_ARGS, NULL);
		if (strcmp(name, "popd") == 0 || m == 0 || strcmp(a[idx[0]].t, "-") == 0) {
			memset(&nl, 0, sizeof(nl));
			nl.base = m == 0 && strcmp(name, "cd") == 0 ? L_HOME : L_UNKNOWN;
		} else
			resolve(P, cwd, a[idx[0]].t, a[idx[0]].f, &nl);
		*owner = nl;
		return;
	}
	if (strcmp(name, "rm") == 0 || strcmp(name, "rmdir") == 0 || strcmp(name, "unlink") == 0 ||
	    strcmp(name, "shred") == 0 || strcmp(name, "srm") == 0 || strcmp(name, "wipe") == 0 ||
	    strcmp(name, "trash") == 0 || strcmp(name, "trash-put") == 0) {
		if (has_word(a, n, "--no-preserve-root")) {
			hit(P, "delete-outside", "%s --no-preserve-root", name);
			return;
		}
		m = operands(a, n, idx, MAX_ARGS, strcmp(name, "shred") == 0 ? "ns" : NULL);
		for (k = 0; k < m; k++)
			judge_target(P, OP_DELETE, &a[idx[k]], cwd, name);
		return;
	}
	if (strcmp(name, "mv") == 0) {
		v = opt_value(a, n, "-t", "--target-directory", &tmp);
		m = operands(a, n, idx, MAX_ARGS, "tS");
		for (k = 0; k + (v ? 0 : 1) < m; k++)
			judge_target(P, OP_DELETE, &a[idx[k]], cwd, "mv");
		if (v)
			judge_target(P, OP_WRITE, v, cwd, "mv");
		else if (m > 0)
			judge_target(P, OP_WRITE, &a[idx[m - 1]], cwd, "mv");
		return;
	}
	if (strcmp(name, "cp") == 0 || strcmp(name, "install") == 0 || strcmp(name, "ln") == 0 ||
	    strcmp(name, "rsync") == 0 || strcmp(name, "scp") == 0 || strcmp(name, "link") == 0) {
		int remote = 0;
		v = opt_value(a, n, "-t", "--target-directory", &tmp);
		m = operands(a, n, idx, MAX_ARGS,
			     strcmp(name, "install") == 0 ? "mogtS"
			     : strcmp(name, "scp") == 0	  ? "cFiJloPS"
			     : strcmp(name, "rsync") == 0 ? "efT"
							  : "tS");
		for (k = 0; k < m; k++) {
			const char *t = a[idx[k]].t, *colon = strchr(t, ':');
			if (colon && t[0] != '/' && t[0] != '.' &&
			    (strchr(t, '/') == NULL || strchr(t, '/') > colon))
				remote = 1;
		}
		if ((strcmp(name, "scp") == 0 || strcmp(name, "rsync") == 0) && remote)
			snprintf(P->net, sizeof(P->net), "%s", name);
		if (strcmp(name, "install") == 0 && has_word(a, n, "-d")) {
			for (k = 0; k < m; k++)
				judge_target(P, OP_WRITE, &a[idx[k]], cwd, name);
			return;
		}
		if (v)
			judge_target(P, OP_WRITE, v, cwd, name);
		else if (m >= 2 || (m == 1 && strcmp(name, "ln") != 0)) {
			const char *t = a[idx[m - 1]].t, *colon = strchr(t, ':');
			if (!(colon && t[0] != '/' && t[0] != '.'))
				judge_target(P, OP_WRITE, &a[idx[m - 1]], cwd, name);
		}
		if (strcmp(name, "ln") == 0 && m >= 1 && P->nln < MAX_DL &&
		    (has_word(a, n, "--symbolic") || has_short_flag(a, n, 's')))
			note_link(P, a, idx, m, cwd);
		return;
	}
	if (strcmp(name, "touch") == 0 || strcmp(name, "mkdir") == 0 || strcmp(name, "tee") == 0 ||
	    strcmp(name, "truncate") == 0 || strcmp(name, "mkfifo") == 0 ||
	    strcmp(name, "mknod") == 0) {
		m = operands(a, n, idx, MAX_ARGS,
			     strcmp(name, "truncate") == 0 ? "sr"
			     : strcmp(name, "mkdir") == 0  ? "m"
			     : strcmp(name, "touch") == 0  ? "dtr"
							   : NULL);
		for (k = 0; k < m; k++) {
			judge_target(P, OP_WRITE, &a[idx[k]], cwd, name);
			if (strcmp(name, "tee") == 0)
				note_written(P, &a[idx[k]], cwd, NULL);
		}
		return;
	}
	if (strcmp(name, "chmod") == 0 || strcmp(name, "chown") == 0 ||
	    strcmp(name, "chgrp") == 0 || strcmp(name, "chattr") == 0 ||
	    strcmp(name, "setfacl") == 0) {
		const char *why;
		size_t first = 0;
		m = 0;
		for (k = 1; k < n && m < MAX_ARGS; k++) {
			const char *t = a[k].t;
			if (t[0] == '-' && m == 0 &&
			    (strchr("RfvchHLP", t[1]) != NULL || t[1] == '-') && t[1] != '\0' &&
			    !(strcmp(name, "chmod") == 0 && strchr("rwxXst", t[1]) != NULL))
				continue;
			idx[m++] = k;
		}
		if (has_prefix_word(a, n, "--reference"))
			first = 0;
		else if (m > 0)
			first = 1;
		if (strcmp(name, "chmod") == 0 && m > 0 && mode_dangerous(a[idx[0]].t, &why)) {
			hit(P, "privilege", "chmod %s %s", a[idx[0]].t, why);
			return;
		}
		for (k = first; k < m; k++) {
			if (strcmp(name, "chmod") == 0 && strstr(a[idx[0]].t, "x") &&
			    was_downloaded(P, &a[idx[k]], cwd)) {
				hit(P, "download-exec", "chmod +x %s, which was downloaded",
				    show_(P, a[idx[k]].t));
				return;
			}
			judge_target(P, OP_WRITE, &a[idx[k]], cwd, name);
		}
		return;
	}
	if (strcmp(name, "dd") == 0) {
		for (k = 1; k < n; k++)
			if (starts(a[k].t, "of=")) {
				struct arg o = a[k];
				o.t += 3;
				judge_target(P, OP_WRITE, &o, cwd, "dd");
			}
		return;
	}
	if (strcmp(name, "sed") == 0) {
		int inplace = 0, script = 0;
		for (k = 1; k < n; k++) {
			const char *t = a[k].t;
			if (starts(t, "--in-place") ||
			    (t[0] == '-' && t[1] != '-' && strchr(t, 'i')))
				inplace = 1;
			if (strcmp(t, "-e") == 0 || strcmp(t, "-f") == 0 ||
			    starts(t, "--expression") || starts(t, "--file"))
				script = 1;
		}
		for (k = 1; k < n && !P->v->ask; k++) {
			const char *prev = a[k - 1].t;
			if (strcmp(prev, "-e") == 0 || strcmp(prev, "--expression") == 0)
				judge_sed_script(P, &a[k], cwd);
			else if (starts(a[k].t, "--expression="))
				judge_sed_script(P, &(struct arg){a[k].t + 13, a[k].f, -1}, cwd);
		}
		if (!script) {
			/* the first operand is the script */
			m = operands(a, n, idx, MAX_ARGS, "fl");
			if (m > 0)
				judge_sed_script(P, &a[idx[0]], cwd);
		}
		if (!inplace)
			return;
		m = operands(a, n, idx, MAX_ARGS, "efl");
		for (k = script ? 0 : 1; k < m; k++)
			judge_target(P, OP_WRITE, &a[idx[k]], cwd, "sed -i");
		return;
	}
	if (in_list(name, downloaders)) {
		P->downloader = 1;
		snprintf(P->net, sizeof(P->net), "%s", name);
		if ((v = opt_value(a, n, "-o", "--output", &tmp)) != NULL ||
		    (strcmp(name, "wget") == 0 &&
		     (v = opt_value(a, n, "-O", "--output-document", &tmp)) != NULL)) {
			judge_target(P, OP_WRITE, v, cwd, name);
			note_download(P, v->t, v->f, cwd);
		}
		if ((v = opt_value(a, n, "-P", "--directory-prefix", &tmp)) != NULL &&
		    strcmp(name, "wget") == 0)
			judge_target(P, OP_WRITE, v, cwd, name);
		if (has_word(a, n, "-O") || has_word(a, n, "--remote-name") ||
		    strcmp(name, "wget") == 0 || has_prefix_word(a, n, "-LO") ||
		    has_prefix_word(a, n, "-sLO") || has_prefix_word(a, n, "-fsSLO")) {
			m = operands(a, n, idx, MAX_ARGS,
				     strcmp(name, "wget") == 0 ? "OPeUao" : "oHdXuAeTFPwrbcK");
			for (k = 0; k < m; k++) {
				const char *u = a[idx[k]].t, *b = strrchr(u, '/');
				if (strstr(u, "://") && b && b[1])
					note_download(P, b + 1, 0, cwd);
			}
		}
		return;
	}
	if (strcmp(name, "nc") == 0 || strcmp(name, "ncat") == 0 || strcmp(name, "netcat") == 0 ||
	    strcmp(name, "socat") == 0 || strcmp(name, "telnet") == 0 ||
	    strcmp(name, "sftp") == 0 || strcmp(name, "ftp") == 0 || strcmp(name, "tftp") == 0 ||
	    strcmp(name, "mail") == 0 || strcmp(name, "mailx") == 0 ||
	    strcmp(name, "sendmail") == 0) {
		snprintf(P->net, sizeof(P->net), "%s", name);
		return;
	}
	if (strcmp(name, "tar") == 0 || strcmp(name, "unzip") == 0) {
		v = strcmp(name, "tar") == 0 ? opt_value(a, n, "-C", "--directory", &tmp)
					     : opt_value(a, n, "-d", NULL, &tmp);
		if (v)
			judge_target(P, OP_WRITE, v, cwd, name);
		return;
	}
}

/* What cmd ci prints, if literal (echo, printf, cat or tee of a here-document). */
static char *
written_text(const struct shp_result *r, int ci)
{
	const struct shp_cmd *c = &r->cmds[ci];
	struct buf b;
	const char *name = c->argc ? base_name(r->words[c->argv[0]].text) : "";

	buf_init(&b, SHP_MAX_INPUT);
	if (literal_output(r, ci, &b))
		return buf_steal(&b, NULL);
	if (strcmp(name, "cat") == 0 || strcmp(name, "tee") == 0)
		for (size_t k = 0; k < c->nredir; k++) {
			const struct shp_word *w = &r->words[c->redir[k].word];
			if ((c->redir[k].op == SHP_R_HEREDOC ||
			     c->redir[k].op == SHP_R_HERESTRING) &&
			    !(w->flags & SHP_W_UNKNOWN)) {
				buf_append_str(&b, w->text);
				return buf_steal(&b, NULL);
			}
		}
	buf_release(&b);
	return NULL;
}

/* Judges one parsed command: assignments, redirections, then its words. */
static void
judge_cmd(struct pol *P, struct run *R, int ci)
{
	const struct shp_cmd *c = &R->r->cmds[ci];
	struct loc *cwd = scope_cwd(R, c->scope);
	struct arg a[MAX_ARGS];
	size_t n = 0;

	for (size_t k = 0; k < c->nassign; k++) {
		const struct shp_word *w = &R->r->words[c->assign[k]];
		struct arg x = {w->text, w->flags, c->assign[k]};
		judge_assignment(P, w->text, cwd);
		note_read(P, &x, cwd);
	}
	for (size_t k = 0; k < c->nredir && !P->v->ask; k++) {
		const struct shp_redir *rd = &c->redir[k];
		const struct shp_word *w = &R->r->words[rd->word];
		struct arg x = {w->text, w->flags, rd->word};
		switch (rd->op) {
		case SHP_R_IN:
			note_read(P, &x, cwd);
			break;
		case SHP_R_INOUT:
			note_read(P, &x, cwd);
			judge_target(P, OP_WRITE, &x, cwd, "a redirection");
			break;
		case SHP_R_OUT:
		case SHP_R_APPEND:
		case SHP_R_OUTERR:
		case SHP_R_APPENDERR:
			judge_target(P, OP_WRITE, &x, cwd, "a redirection");
			if (rd->fd > 1)
				break;
			if (in_list(cmd_name(R->r, ci), downloaders))
				note_download(P, x.t, x.f, cwd);
			else if (!harmless_target(x.t))
				note_written(P, &x, cwd,
					     rd->op == SHP_R_OUT || rd->op == SHP_R_OUTERR
						 ? written_text(R->r, ci)
						 : NULL);
			break;
		default:
			break;
		}
	}
	if (c->kind == SHP_C_FUNCDEF || P->v->ask)
		return;
	for (size_t k = 0; k < c->argc && n < MAX_ARGS; k++) {
		const struct shp_word *w = &R->r->words[c->argv[k]];
		a[n].t = w->text;
		a[n].f = w->flags;
		a[n].w = c->argv[k];
		note_read(P, &a[n], cwd);
		n++;
	}
	if (c->argc > MAX_ARGS) {
		hit(P, "unparsed", "a command with more than %d words", MAX_ARGS);
		return;
	}
	judge_argv(P, R, ci, a, n, cwd);
}

/* A function whose body calls itself (the fork bomb :(){ :|:& };:). */
static void
judge_funcs(struct pol *P, const struct shp_result *r)
{
	for (size_t k = 0; k < r->ncmds && !P->v->ask; k++) {
		const struct shp_cmd *f = &r->cmds[k];
		const char *name;
		if (f->kind != SHP_C_FUNCDEF || f->body_scope < 0)
			continue;
		name = r->words[f->argv[0]].text;
		for (size_t j = k + 1; j < r->ncmds; j++) {
			int s = r->cmds[j].scope;
			while (s > f->body_scope)
				s = r->scopes[s].parent;
			if (s == f->body_scope && r->cmds[j].argc > 0 &&
			    strcmp(r->words[r->cmds[j].argv[0]].text, name) == 0) {
				hit(P, "system-control", "function %s calls itself (a fork bomb)",
				    show_(P, name));
				break;
			}
		}
	}
}

/* Parses text and judges every command in it. */
static void
pol_eval(struct pol *P, const char *text, size_t len, const struct loc *cwd, const char *what)
{
	struct shp_result r;
	struct run R;

	if (P->v->ask)
		return;
	if (++P->depth > SHELL_POLICY_MAX_DEPTH) {
		hit(P, "unparsed", "%s nested deeper than %d", what, SHELL_POLICY_MAX_DEPTH);
		P->depth--;
		return;
	}
	if (shp_parse(text, len, &r) != SHP_OK) {
		if (P->depth == 1)
			hit(P, "unparsed", "cannot read the command: %s", r.why);
		else
			hit(P, "unparsed", "cannot read what %s runs: %s", what, r.why);
		shp_result_free(&r);
		P->depth--;
		return;
	}
	R.r = &r;
	R.cwd = xcalloc(r.nscopes, sizeof(*R.cwd));
	R.inited = xcalloc(r.nscopes, 1);
	R.cwd[0] = *cwd;
	R.inited[0] = 1;
	judge_funcs(P, &r);
	for (size_t k = 0; k < r.ncmds && !P->v->ask; k++)
		judge_cmd(P, &R, (int)k);
	free(R.cwd);
	free(R.inited);
	shp_result_free(&r);
	P->depth--;
}

/* Judges a command line. */
int
shell_policy_check(const char *cmd, size_t len, const char *dir, struct shell_verdict *v)
{
	struct pol *P = xcalloc(1, sizeof(*P));
	struct loc *cwd = xcalloc(1, sizeof(*cwd));
	char *d = NULL;

	memset(v, 0, sizeof(*v));
	P->v = v;
	if (dir != NULL && dir[0] == '/') {
		d = xstrdup(dir);
		cwd->base = L_ABS;
		if (loc_append(cwd, d + 1) < 0) {
			hit(P, "unparsed", "the project directory path is too long");
			goto out;
		}
		snprintf(d, strlen(dir) + 1, "%s", cwd->path);
		P->dir = d;
	} else {
		cwd->base = L_PROJ;
	}
	pol_eval(P, cmd ? cmd : "", cmd ? len : 0, cwd, "the command");
	if (!v->ask && P->secret[0] != '\0') {
		if (P->net[0] != '\0')
			hit(P, "exfiltration", "reads %s and talks to the network (%s)", P->secret,
			    P->net);
		else
			hit(P, "exfiltration", "reads %s (a secret)", P->secret);
	}
	if (!v->ask && P->weak[0] != '\0' && P->net[0] != '\0')
		hit(P, "exfiltration", "sends %s to the network (%s)", P->weak, P->net);
	if (!v->ask) {
		snprintf(v->rule, sizeof(v->rule), "ok");
		snprintf(v->reason, sizeof(v->reason), "no rule matched (%d command%s)", P->ncmds,
			 P->ncmds == 1 ? "" : "s");
	}
out:
	for (int k = 0; k < P->nwr; k++)
		free(P->wr[k].text);
	free(d);
	free(cwd);
	free(P);
	return v->ask;
}
