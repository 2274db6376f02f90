/*
 * classify-cmd: the `cm-agent classify` subcommand (see classify-cmd.h).
 *
 * Everything here is plain stdio: no agent, no loop. Evidence is printed
 * with tabs and newlines replaced so that each file stays one line.
 */
#include "agent/classify-cmd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/screen/autoconfirm.h"
#include "agent/screen/builtin-profiles.h"
#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "agent/screen/tool-version.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"

#define CLASSIFY_CMD_MAX_FILE	(4 * 1024 * 1024) /* bytes of a capture file */
#define CLASSIFY_CMD_VERSION_MS 10000		  /* how long `TOOL --version` may take */

extern char **environ;

/* Prints the usage line to f. */
static void
classify_cmd_usage(FILE *f)
{
	fprintf(f, "usage: cm-agent classify --profile NAME|FILE.json [--profiles-dir DIR] "
		   "[--session-dir DIR] [-v] FILE...\n"
		   "       cm-agent classify --profile NAME|FILE.json --check-version\n");
}

/* Prints s with tabs and newlines as spaces. */
static void
classify_cmd_put(const char *s)
{
	for (; *s != '\0'; s++)
		putchar(*s == '\t' || *s == '\n' ? ' ' : *s);
}

/* Prints the details of a result (for -v). */
static void
classify_cmd_verbose(const struct classify_result *r, const char *session_dir)
{
	struct autoconfirm_decision d;
	char hex[17];
	size_t i;

	printf("\trule=%s", r->rule[0] ? r->rule : "(fallback)");
	if (!r->has_prompt)
		return;
	classify_fingerprint_hex(r->prompt.fingerprint, hex);
	printf("\tquestion=");
	classify_cmd_put(r->prompt.question);
	printf("\toptions=");
	for (i = 0; i < r->prompt.n_options; i++) {
		printf("%s%s", i ? "|" : "", (int)i == r->prompt.selected ? "*" : "");
		classify_cmd_put(r->prompt.options[i]);
	}
	printf("\tanswerable=%d\tfingerprint=%s", r->prompt.answerable, hex);
	autoconfirm_decide(r, session_dir, NULL, &d);
	printf("\tautoconfirm=%s:", d.action == AUTOCONFIRM_ANSWER ? "answer" : "ask");
	classify_cmd_put(d.why);
}

/*
 * Warns (on stderr) for each program of the profile's "tested_versions"
 * whose installed version is newer than every tested one: its screens may
 * have changed. A program that is not installed is skipped. With report,
 * also says which are fine. Returns how many were newer.
 */
static int
classify_cmd_check_versions(const struct profile *p, int report)
{
	const json_t *tested = profile_tested_versions(p), *list, *v;
	const char *prog, *newest;
	char have[64];
	int newer = 0;
	size_t i;

	if (tested == NULL) {
		if (report)
			printf("%s: the profile names no tested versions\n", profile_name(p));
		return 0;
	}
	json_object_foreach ((json_t *)tested, prog, list) {
		if (tool_version_run(prog, "--version", CLASSIFY_CMD_VERSION_MS, have,
				     sizeof have) != 0) {
			if (report)
				printf("%s: %s is not installed (or gives no version)\n",
				       profile_name(p), prog);
			continue;
		}
		newest = NULL;
		json_array_foreach (list, i, v)
			if (newest == NULL || tool_version_cmp(json_string_value(v), newest) > 0)
				newest = json_string_value(v);
		if (newest != NULL && tool_version_cmp(have, newest) > 0) {
			fprintf(
			    stderr,
			    "cm-agent classify: warning: %s %s is newer than the versions profile "
			    "%s was tested with (newest %s): its screens may have changed; "
			    "re-record them (scripts/record-fixtures.sh)\n",
			    prog, have, profile_name(p), newest);
			newer++;
		} else if (report) {
			printf("%s: %s %s (tested up to %s)\n", profile_name(p), prog, have,
			       newest ? newest : "?");
		}
	}
	return newer;
}

/* Loads the profile named by --profile (see classify-cmd.h). */
int
classify_cmd_profile(const char *name, const char *dir, struct profile **own,
		     struct profile_set **set, const struct profile **out)
{
	struct buf errors;
	size_t len = strlen(name);
	int rc;

	*out = NULL;
	buf_init(&errors, 64 * 1024);
	if (strchr(name, '/') != NULL || (len > 5 && strcmp(name + len - 5, ".json") == 0)) {
		rc = profile_load_file(name, own, &errors);
		if (rc == 0)
			*out = *own;
	} else if (!profile_name_valid(name)) {
		buf_printf(&errors, "%s: not a valid profile name\n", name);
	} else if (dir == NULL) {
		/* No directory given: the profiles compiled into the agent. */
		for (size_t i = 0; i < cm_builtin_profiles_count && *out == NULL; i++) {
			const struct builtin_profile *b = &cm_builtin_profiles[i];

			if (strncmp(b->file, name, len) != 0 || strcmp(b->file + len, ".json") != 0)
				continue;
			if (profile_parse_json(b->json, strlen(b->json), b->file, own, &errors) ==
			    0)
				*out = *own;
		}
		if (*out == NULL && errors.len == 0)
			buf_printf(&errors, "no built-in profile \"%s\" (give --profiles-dir)\n",
				   name);
	} else {
		rc = profile_set_load(dir, set, &errors);
		if (rc != 0)
			buf_printf(&errors, "%s: cannot read the profiles directory: %s\n", dir,
				   cm_strerror(rc));
		else if ((*out = profile_set_find(*set, name)) == NULL)
			buf_printf(&errors, "%s: no usable profile \"%s\" in this directory\n", dir,
				   name);
	}
	if (*out == NULL && errors.len)
		fprintf(stderr, "cm-agent: %s", errors.data);
	buf_release(&errors);
	return *out ? 0 : CM_EUNKNOWNTOOL;
}

/* `cm-agent classify` entry point. */
int
classify_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"profile", required_argument, NULL, 'p'},
						 {"profiles-dir", required_argument, NULL, 'd'},
						 {"session-dir", required_argument, NULL, 's'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"check-version", no_argument, NULL, 'V'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *name = NULL, *dir = NULL, *session_dir = NULL;
	const struct profile *p;
	struct profile_set *set = NULL;
	struct profile *own = NULL;
	struct classify_result r;
	int ch, verbose = 0, check_only = 0, status = 0, i, rc;
	size_t len;
	char *text;

#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	while ((ch = getopt_long(argc, argv, "p:d:s:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			name = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 's':
			session_dir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			check_only = 1;
			break;
		case 'h':
			classify_cmd_usage(stdout);
			return 0;
		default:
			classify_cmd_usage(stderr);
			return 2;
		}
	}
	if (name == NULL || (optind >= argc) != check_only) {
		classify_cmd_usage(stderr);
		return 2;
	}
	if (dir == NULL)
		dir = getenv("CM_PROFILES_DIR");
	if (dir != NULL && dir[0] == '\0')
		dir = NULL; /* the built-in profiles */
	if (classify_cmd_profile(name, dir, &own, &set, &p) != 0) {
		profile_set_free(set);
		return 2;
	}
	/* The tool's version is asked here only, never in the agent's loop. */
	if (classify_cmd_check_versions(p, check_only) > 0 && check_only)
		status = 1;
	for (i = optind; i < argc; i++) {
		rc = fs_read_file(argv[i], CLASSIFY_CMD_MAX_FILE, &text, &len);
		if (rc != 0) {
			fprintf(stderr, "cm-agent classify: %s: %s\n", argv[i], cm_strerror(rc));
			status = 1;
			continue;
		}
		classify_screen(p, text, len, &r);
		free(text);
		printf("%s\t%s\t", argv[i], cm_state_name(r.state));
		classify_cmd_put(r.evidence);
		if (verbose)
			classify_cmd_verbose(&r, session_dir);
		putchar('\n');
	}
	fflush(stdout);
	profile_free(own);
	profile_set_free(set);
	return status;
}
