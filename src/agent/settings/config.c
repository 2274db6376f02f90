/*
 * config: defaults, config file and flags from one table (see config.h).
 *
 * Token policy: the token comes from CM_AGENT_TOKEN, --token-file, the
 * config file's token_file, or --token (accepted as the seed did, with a
 * warning that it shows in the process list). With none of these, the
 * agent reuses STATE_DIR/token or creates it (32 random bytes as hex, mode
 * 0600) and says where: a fresh install works at once and the token is
 * never weak. CM_AGENT_TOKEN is removed from the environment after it is
 * read, so the tools started in sessions never inherit it.
 */
#include "agent/settings/config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/settings/safepath.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "proto/protocol.h"

#define CONFIG_TOKEN_MIN 16   /* shortest token accepted */
#define CONFIG_TOKEN_MAX 1024 /* longest token accepted */

enum config_type { CONFIG_INT, CONFIG_STR, CONFIG_BOOL, CONFIG_LIST, CONFIG_LEVEL };

struct config_row {
	const char *name;      /* flag (--name) and config file key (name_with_underscores) */
	enum config_type type; /* how the value is parsed */
	size_t offset;	       /* field in struct config */
	size_t count_offset;   /* CONFIG_LIST: the count field */
	size_t list_max;       /* CONFIG_LIST: capacity */
	long min, max;	       /* CONFIG_INT bounds */
	const char *arg;       /* argument name in --help */
	const char *help;      /* one line of help */
};

/* The help text below says the protocol's default port. */
_Static_assert(PROTO_DEFAULT_PORT == 9876, "update the port option's help text");

#define F(f) offsetof(struct config, f)
static const struct config_row config_table[] = {
    {"port", CONFIG_INT, F(port), 0, 0, -1, 65535, "N",
     "TCP port (default 9876; 0 picks a free one, written to STATE_DIR/agent.port; -1: none)"},
    {"bind", CONFIG_STR, F(bind), 0, 0, 0, 0, "ADDR", "address to listen on (default 127.0.0.1)"},
    {"unix", CONFIG_STR, F(unix_path), 0, 0, 0, 0, "PATH", "also listen on a Unix socket"},
    {"token-file", CONFIG_STR, F(token_file), 0, 0, 0, 0, "FILE",
     "read the token from FILE (must not be readable by others)"},
    {"state-dir", CONFIG_STR, F(state_dir), 0, 0, 0, 0, "DIR",
     "private state directory (default $XDG_STATE_HOME/cm-agent)"},
    {"socket-dir", CONFIG_STR, F(socket_dir), 0, 0, 0, 0, "DIR",
     "private tmux socket directory (default $XDG_RUNTIME_DIR/cm or /tmp/cm-UID)"},
    {"profiles-dir", CONFIG_LIST, F(profile_dirs), F(n_profile_dirs), CONFIG_MAX_PROFILE_DIRS, 0, 0,
     "DIR",
     "profiles directory (repeatable; later ones override; default /etc/cm/profiles, "
     "~/.config/cm/profiles)"},
    {"danger-rule", CONFIG_LIST, F(danger_rules), F(n_danger_rules), CONFIG_MAX_DANGER_RULES, 0, 0,
     "REGEX", "extra danger rule: prompts matching it are never auto-answered"},
    {"allow-origin", CONFIG_LIST, F(origins), F(n_origins), CONFIG_MAX_ORIGINS, 0, 0, "ORIGIN",
     "also accept WebSocket upgrades from this Origin"},
    {"audit-log", CONFIG_STR, F(audit_log), 0, 0, 0, 0, "FILE",
     "audit log (default STATE_DIR/audit.log)"},
    {"log-level", CONFIG_LEVEL, F(log_level), 0, 0, 0, 0, "LEVEL", "error, warn, info, debug"},
    {"auto-confirm", CONFIG_BOOL, F(auto_confirm), 0, 0, 0, 0, NULL,
     "answer safe prompts in new sessions by default"},
    {"max-message", CONFIG_INT, F(max_message), 0, 0, 1024, 16 << 20, "BYTES",
     "largest accepted message (default 65536)"},
    {"max-clients", CONFIG_INT, F(max_clients), 0, 0, 1, 100000, "N",
     "concurrent clients (default 64)"},
    {"max-sessions", CONFIG_INT, F(max_sessions), 0, 0, 1, 100000, "N",
     "sessions at once (default 256)"},
    {"client-queue", CONFIG_INT, F(client_queue), 0, 0, 4096, 1 << 30, "BYTES",
     "queued output per client before output is dropped (default 1 MiB)"},
    {"replay-events", CONFIG_INT, F(replay_events), 0, 0, 16, 10000000, "N",
     "events kept for replay (default 10000)"},
    {"debounce-ms", CONFIG_INT, F(debounce_ms), 0, 0, 0, 10000, "MS",
     "quiet time after output before the screen is read (default 5)"},
    {"transcript-dir", CONFIG_STR, F(transcript_dir), 0, 0, 0, 0, "DIR",
     "private directory of the session transcripts (default STATE_DIR/transcripts)"},
    {"transcript-max-mb", CONFIG_INT, F(transcript_max_mb), 0, 0, 1, 1 << 24, "MB",
     "transcripts kept, all together: the oldest go first (default 1024)"},
    {"transcript-max-days", CONFIG_INT, F(transcript_max_days), 0, 0, 1, 36500, "DAYS",
     "transcripts older than this are removed (default 30)"},
    {"transcript-min-free-mb", CONFIG_INT, F(transcript_min_free_mb), 0, 0, 0, 1 << 30, "MB",
     "recording stops while the disk has less free space (default 64)"},
    {"no-transcripts", CONFIG_BOOL, F(no_transcripts), 0, 0, 0, 0, NULL,
     "do not record session transcripts"},
    {"no-compression", CONFIG_BOOL, F(no_compression), 0, 0, 0, 0, NULL,
     "never compress WebSocket messages (permessage-deflate), even for clients that offer it"},
    {"enter-delay-ms", CONFIG_INT, F(enter_delay_ms), 0, 0, 0, 10000, "MS",
     "pause between pasted text and Enter (default 200)"},
    {"notify-webhook", CONFIG_LIST, F(notify_webhooks), F(n_notify_webhooks), CONFIG_MAX_NOTIFY, 0,
     0, "URL", "POST notifications of sessions as JSON to URL (repeatable)"},
    {"notify-ntfy", CONFIG_LIST, F(notify_ntfys), F(n_notify_ntfys), CONFIG_MAX_NOTIFY, 0, 0,
     "URL/TOPIC", "push notifications through an ntfy server (repeatable)"},
    {"notify-on", CONFIG_STR, F(notify_on), 0, 0, 0, 0, "EVENTS",
     "needs-person,done,error,exited,stalled,usage-limit,recovered or all (default all)"},
    {"notify-dashboard", CONFIG_STR, F(notify_dashboard), 0, 0, 0, 0, "URL",
     "dashboard link put in notifications"},
    {"worktree-dir", CONFIG_STR, F(worktree_dir), 0, 0, 0, 0, "DIR",
     "where session worktrees are made (default REPO.cm-worktrees beside each repository)"},
    {"worktree-port-base", CONFIG_INT, F(worktree_port_base), 0, 0, 1024, 65000, "PORT",
     "CM_PORT_BASE of the first worktree (default 20000)"},
    {"worktree-port-span", CONFIG_INT, F(worktree_port_span), 0, 0, 1, 1000, "N",
     "ports set aside for each worktree (default 10)"},
    {"stall-ms", CONFIG_INT, F(stall_ms), 0, 0, 0, 86400000, "MS",
     "a working session silent this long raises session_stalled (default 600000; 0: never)"},
};
#undef F
#define CONFIG_ROWS (sizeof config_table / sizeof config_table[0])

/* Sets the defaults. */
void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->port = PROTO_DEFAULT_PORT;
	cfg->bind = xstrdup("127.0.0.1");
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->max_message = 65536;
	cfg->max_clients = 64;
	cfg->max_sessions = 256;
	cfg->client_queue = 1 << 20;
	cfg->replay_events = 10000;
	cfg->debounce_ms = 5;
	cfg->enter_delay_ms = 200;
	cfg->transcript_max_mb = 1024;
	cfg->transcript_max_days = 30;
	cfg->transcript_min_free_mb = 64;
	cfg->worktree_port_base = 20000;
	cfg->worktree_port_span = 10;
	cfg->stall_ms = 10 * 60 * 1000;
}

/* Frees every string of cfg. */
void
config_release(struct config *cfg)
{
	for (size_t i = 0; i < CONFIG_ROWS; i++) {
		const struct config_row *r = &config_table[i];

		if (r->type == CONFIG_STR) {
			char **p = (char **)((char *)cfg + r->offset);
			free(*p);
			*p = NULL;
		} else if (r->type == CONFIG_LIST) {
			char **list = (char **)((char *)cfg + r->offset);
			size_t *n = (size_t *)((char *)cfg + r->count_offset);
			for (size_t j = 0; j < *n; j++)
				free(list[j]);
			*n = 0;
		}
	}
	if (cfg->token) {
		explicit_bzero(cfg->token, strlen(cfg->token));
		free(cfg->token);
		cfg->token = NULL;
	}
	free(cfg->config_file);
	cfg->config_file = NULL;
}

/* Finds a row by flag name or config key (underscores for dashes). */
static const struct config_row *
config_find(const char *name)
{
	char norm[64];
	size_t i;

	for (i = 0; name[i] && i < sizeof norm - 1; i++)
		norm[i] = name[i] == '_' ? '-' : name[i];
	norm[i] = '\0';
	for (i = 0; i < CONFIG_ROWS; i++)
		if (strcmp(config_table[i].name, norm) == 0)
			return &config_table[i];
	return NULL;
}

/* Applies one textual value to a row; reason in *why on failure. */
static int
config_set(struct config *cfg, const struct config_row *r, const char *value, const char **why)
{
	char *base = (char *)cfg;
	char *end;
	long v;
	int lvl;

	switch (r->type) {
	case CONFIG_INT:
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < r->min || v > r->max) {
			*why = "not a whole number in range";
			return -1;
		}
		if (r->offset == offsetof(struct config, port))
			*(int *)(base + r->offset) = (int)v;
		else
			*(long *)(base + r->offset) = v;
		return 0;
	case CONFIG_STR:
		if (*value == '\0' || strlen(value) >= PATH_MAX) {
			*why = "empty or too long";
			return -1;
		}
		free(*(char **)(base + r->offset));
		*(char **)(base + r->offset) = xstrdup(value);
		return 0;
	case CONFIG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "on") == 0 ||
		    strcmp(value, "1") == 0)
			*(int *)(base + r->offset) = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "off") == 0 ||
			 strcmp(value, "0") == 0)
			*(int *)(base + r->offset) = 0;
		else {
			*why = "expected on or off";
			return -1;
		}
		return 0;
	case CONFIG_LIST: {
		size_t *n = (size_t *)(base + r->count_offset);
		if (*n >= r->list_max) {
			*why = "given too many times";
			return -1;
		}
		if (*value == '\0' || strlen(value) >= PATH_MAX) {
			*why = "empty or too long";
			return -1;
		}
		((char **)(base + r->offset))[(*n)++] = xstrdup(value);
		return 0;
	}
	case CONFIG_LEVEL:
		if ((lvl = log_level_parse(value)) < 0) {
			*why = "expected error, warn, info or debug";
			return -1;
		}
		*(int *)(base + r->offset) = lvl;
		return 0;
	}
	*why = "unknown type";
	return -1;
}

/* Applies a JSON config text: an object whose keys are the flag names. */
int
config_parse_text(struct config *cfg, const char *text, size_t len, const char *origin, char **why)
{
	json_error_t jerr;
	const char *key, *reason = NULL;
	json_t *root, *val;
	char num[32];

	*why = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		*why = xasprintf("%s:%d:%d: %s", origin, jerr.line, jerr.column,
				 root ? "expected a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	json_object_foreach (root, key, val) {
		const struct config_row *r = config_find(key);
		const char *s = NULL;

		if (strcmp(key, "token") == 0) {
			*why = xasprintf("%s: \"token\" is not read from a config file; use "
					 "\"token_file\"",
					 origin);
			goto bad;
		}
		if (r == NULL) {
			*why = xasprintf("%s: unknown key \"%.64s\"", origin, key);
			goto bad;
		}
		if (r->type == CONFIG_LIST && json_is_array(val)) {
			size_t i;
			json_t *item;
			json_array_foreach (val, i, item) {
				if (!json_is_string(item) ||
				    config_set(cfg, r, json_string_value(item), &reason) < 0) {
					*why = xasprintf("%s: \"%s\": %s", origin, key,
							 reason ? reason : "expected strings");
					goto bad;
				}
			}
			continue;
		}
		if (json_is_string(val))
			s = json_string_value(val);
		else if (json_is_integer(val)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(val));
			s = num;
		} else if (json_is_boolean(val))
			s = json_is_true(val) ? "true" : "false";
		if (s == NULL || config_set(cfg, r, s, &reason) < 0) {
			*why = xasprintf("%s: \"%s\": %s", origin, key,
					 reason ? reason : "wrong type");
			goto bad;
		}
	}
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	return -1;
}

/* Loads a JSON config file. */
int
config_load_file(struct config *cfg, const char *path, char **why)
{
	char *text;
	size_t len;
	int rc;

	*why = NULL;
	if ((rc = fs_read_file(path, 1 << 20, &text, &len)) < 0) {
		*why = xasprintf("%s: %s", path,
				 rc == CM_ETOOBIG ? "larger than 1 MiB" : cm_strerror(rc));
		return -1;
	}
	rc = config_parse_text(cfg, text, len, path, why);
	free(text);
	return rc;
}

/* Prints the usage text from the table. */
void
config_usage(void)
{
	printf("usage: cm-agent [options]\n"
	       "       cm-agent classify --profile NAME FILE...\n"
	       "       cm-agent policy check [--path DIR] [--profile NAME] -- COMMAND\n\n"
	       "Runs AI coding tools in tmux and serves them over WebSocket (docs/PROTOCOL.md).\n\n"
	       "  --config FILE            read settings from a JSON file (keys = option names)\n"
	       "  --token TOKEN            the token (visible in the process list: prefer\n"
	       "                           CM_AGENT_TOKEN or --token-file)\n");
	for (size_t i = 0; i < CONFIG_ROWS; i++) {
		const struct config_row *r = &config_table[i];
		char left[48];

		snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "",
			 r->arg ? r->arg : "");
		printf("  %-24s %s\n", left, r->help);
	}
	printf("  --version                print the version\n"
	       "  --help                   this text\n\n"
	       "Environment: CM_AGENT_TOKEN (the token). See cm-agent(8).\n");
}

/* Reads a token file, refusing files others can read. */
static int
config_read_token_file(struct config *cfg, const char *path)
{
	char why[512];
	struct stat st;
	char *text;
	size_t len;
	int rc;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "cm-agent: token file %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & 0077) {
		fprintf(stderr,
			"cm-agent: token file %s is readable by group or others; "
			"run: chmod 600 %s\n",
			path, path);
		return -1;
	}
	/* Someone who can write the file or its directory could choose the token. */
	if (safepath_check_file(path, why, sizeof why) < 0) {
		fprintf(stderr, "cm-agent: token file refused: %s\n", why);
		return -1;
	}
	if ((rc = fs_read_file(path, CONFIG_TOKEN_MAX + 2, &text, &len)) < 0) {
		fprintf(stderr, "cm-agent: token file %s: %s\n", path, cm_strerror(rc));
		return -1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	free(cfg->token);
	cfg->token = text;
	return 0;
}

/* Creates STATE_DIR/token with 32 random bytes in hex, or reads it if present. */
static int
config_token_default(struct config *cfg)
{
	char *path = xasprintf("%s/token", cfg->state_dir);
	unsigned char raw[32];
	char hex[65];
	int rc;

	if (access(path, F_OK) == 0) {
		rc = config_read_token_file(cfg, path);
		if (rc == 0)
			cfg->token_file = path;
		else
			free(path);
		return rc;
	}
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		fprintf(stderr, "cm-agent: cannot read random bytes: %s\n", strerror(errno));
		free(path);
		return -1;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
	hex[64] = '\n';
	if ((rc = fs_write_atomic(path, hex, 65)) < 0) {
		fprintf(stderr, "cm-agent: cannot write %s: %s\n", path, cm_strerror(rc));
		free(path);
		return -1;
	}
	hex[64] = '\0';
	cfg->token = xstrdup(hex);
	explicit_bzero(hex, sizeof hex);
	cfg->token_file = path;
	cfg->token_generated = 1;
	return 0;
}

/* Picks the default state and socket directories from XDG variables. */
static void
config_default_dirs(struct config *cfg)
{
	const char *xdg, *home = getenv("HOME");

	if (cfg->state_dir == NULL) {
		if ((xdg = getenv("XDG_STATE_HOME")) != NULL && *xdg == '/')
			cfg->state_dir = xasprintf("%s/cm-agent", xdg);
		else if (home && *home == '/')
			cfg->state_dir = xasprintf("%s/.local/state/cm-agent", home);
		else
			cfg->state_dir = xasprintf("/tmp/cm-agent-%ld", (long)geteuid());
	}
	if (cfg->socket_dir == NULL) {
		/* Unix socket paths are limited to 108 bytes: prefer a short dir. */
		if ((xdg = getenv("XDG_RUNTIME_DIR")) != NULL && *xdg == '/' && strlen(xdg) < 60)
			cfg->socket_dir = xasprintf("%s/cm", xdg);
		else
			cfg->socket_dir = xasprintf("/tmp/cm-%ld", (long)geteuid());
	}
	if (cfg->n_profile_dirs == 0) {
		/* Over the compiled-in profiles: the machine's, then the user's. */
		cfg->profile_dirs[cfg->n_profile_dirs++] = xstrdup("/etc/cm/profiles");
		if (home && *home == '/')
			cfg->profile_dirs[cfg->n_profile_dirs++] =
			    xasprintf("%s/.config/cm/profiles", home);
	}
	if (cfg->audit_log == NULL)
		cfg->audit_log = xasprintf("%s/audit.log", cfg->state_dir);
	if (cfg->transcript_dir == NULL)
		cfg->transcript_dir = xasprintf("%s/transcripts", cfg->state_dir);
}

/* Overwrites CM_AGENT_TOKEN's value where the process started with it.
 * unsetenv() only unlinks it from environ: the bytes stay in the initial
 * environment block, which /proc/PID/environ shows to the same user. */
static void
config_scrub_env(char *value)
{
	if (value != NULL)
		explicit_bzero(value, strlen(value));
	unsetenv("CM_AGENT_TOKEN");
}

/* Resolves directories and the token. */
int
config_finish(struct config *cfg)
{
	char *env = getenv("CM_AGENT_TOKEN");
	const char *why;
	int rc;

	config_default_dirs(cfg);
	if ((rc = fs_private_dir(cfg->state_dir, &why)) < 0) {
		fprintf(stderr, "cm-agent: state directory %s: %s\n", cfg->state_dir, why);
		return -1;
	}
	if ((rc = fs_private_dir(cfg->socket_dir, &why)) < 0) {
		fprintf(stderr, "cm-agent: socket directory %s: %s\n", cfg->socket_dir, why);
		return -1;
	}
	if (cfg->worktree_dir && cfg->worktree_dir[0] != '/') {
		fprintf(stderr, "cm-agent: worktree-dir %s: must be an absolute path\n",
			cfg->worktree_dir);
		return -1;
	}
	if (cfg->token == NULL && cfg->token_file != NULL) {
		if (config_read_token_file(cfg, cfg->token_file) < 0)
			return -1;
	} else if (cfg->token == NULL && env != NULL && *env != '\0') {
		cfg->token = xstrdup(env);
	} else if (cfg->token == NULL) {
		if (config_token_default(cfg) < 0)
			return -1;
	}
	/* The tools started in sessions must never see the token. */
	config_scrub_env(env);
	if (strlen(cfg->token) < CONFIG_TOKEN_MIN || strlen(cfg->token) > CONFIG_TOKEN_MAX) {
		fprintf(stderr,
			"cm-agent: the token must be %d to %d characters; make one with: "
			"openssl rand -hex 32\n",
			CONFIG_TOKEN_MIN, CONFIG_TOKEN_MAX);
		return -1;
	}
	for (const char *p = cfg->token; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
			fprintf(stderr, "cm-agent: the token must be printable ASCII without "
					"spaces\n");
			return -1;
		}
	return 0;
}

/* Parses the command line. */
int
config_parse_args(struct config *cfg, int argc, char **argv)
{
	struct option opts[CONFIG_ROWS + 5];
	const char *why = NULL;
	char *err = NULL;
	size_t n = 0;
	int c, idx;

	for (size_t i = 0; i < CONFIG_ROWS; i++) {
		opts[n].name = config_table[i].name;
		opts[n].has_arg =
		    config_table[i].type == CONFIG_BOOL ? optional_argument : required_argument;
		opts[n].flag = NULL;
		opts[n].val = 1000 + (int)i;
		n++;
	}
	opts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	opts[n++] = (struct option){"token", required_argument, NULL, 't'};
	opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	opts[n++] = (struct option){"version", no_argument, NULL, 'V'};
	opts[n] = (struct option){NULL, 0, NULL, 0};

	/* First pass: find --config so that flags given after it still win. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, &idx)) != -1)
		if (c == 'c') {
			free(cfg->config_file);
			cfg->config_file = xstrdup(optarg);
		}
	if (cfg->config_file && config_load_file(cfg, cfg->config_file, &err) < 0) {
		fprintf(stderr, "cm-agent: %s\n", err);
		free(err);
		return -1;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 't':
			free(cfg->token);
			cfg->token = xstrdup(optarg);
			/* Hide it from ps where the platform lets us. */
			explicit_bzero(optarg, strlen(optarg));
			cfg->token_from_cli = 1;
			break;
		case 'h':
			config_usage();
			return 1;
		case 'V':
			printf("cm-agent %s (protocol 1)\n", CM_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "cm-agent: option %s needs a value\n", argv[optind - 1]);
			return -1;
		case '?':
			fprintf(stderr, "cm-agent: unknown option %s (see --help)\n",
				argv[optind - 1]);
			return -1;
		default: {
			const struct config_row *r = &config_table[c - 1000];
			const char *v = optarg ? optarg : "true";

			if (config_set(cfg, r, v, &why) < 0) {
				fprintf(stderr, "cm-agent: --%s %s: %s\n", r->name, v, why);
				return -1;
			}
		}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cm-agent: unexpected argument %s (see --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}
