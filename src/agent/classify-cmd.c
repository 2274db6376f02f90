/*
 * classify-cmd: the `cm-agent classify` subcommand (see classify-cmd.h).
 *
 * Everything here is plain stdio: no agent, no loop. Evidence is printed
 * with tabs and newlines replaced so that each file stays one line.
 */
#include "agent/classify-cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/screen/autoconfirm.h"
#include "agent/screen/builtin-profiles.h"
#include "agent/screen/classify.h"
#include "agent/screen/profile.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/fsutil.h"

#define CLASSIFY_CMD_MAX_FILE (4 * 1024 * 1024) /* bytes of a capture file */

/* Prints the usage line to f. */
static void
classify_cmd_usage(FILE *f)
{
	fprintf(f, "usage: cm-agent classify --profile NAME|FILE.json [--profiles-dir DIR] "
		   "[--session-dir DIR] [-v] FILE...\n");
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
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *name = NULL, *dir = NULL, *session_dir = NULL;
	const struct profile *p;
	struct profile_set *set = NULL;
	struct profile *own = NULL;
	struct classify_result r;
	int ch, verbose = 0, status = 0, i, rc;
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
		case 'h':
			classify_cmd_usage(stdout);
			return 0;
		default:
			classify_cmd_usage(stderr);
			return 2;
		}
	}
	if (name == NULL || optind >= argc) {
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
