/*
 * policy-cmd: the `cm-agent policy check` subcommand (see policy-cmd.h).
 *
 * The command is put in a classified command prompt (its body is the
 * command) and handed to autoconfirm_decide(), the function the agent uses,
 * so that what is printed is what a session would do.
 */
#include "agent/policy-cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/screen/autoconfirm.h"
#include "agent/classify-cmd.h"
#include "agent/screen/classify.h"
#include "agent/settings/config.h"
#include "agent/screen/danger.h"
#include "agent/screen/profile.h"
#include "agent/screen/shell-policy.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/xmalloc.h"

static void
policy_cmd_usage(FILE *f)
{
	fprintf(f, "usage: cm-agent policy check [--profile NAME|FILE.json] [--profiles-dir DIR] "
		   "[--path DIR] [--config FILE] [--danger-rule REGEX]... -- COMMAND\n");
}

/* Prints s with tabs, newlines and other control bytes as spaces. */
static void
policy_cmd_put(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* Adds the config file's and the flags' danger rules; -1 on a bad one. */
static int
policy_cmd_rules(const char *config_file, char **flags, size_t nflags, struct danger_rules *d)
{
	struct config cfg;
	char *why = NULL;
	size_t i;
	int rc = 0;

	config_init(&cfg);
	if (config_file && config_load_file(&cfg, config_file, &why) < 0) {
		fprintf(stderr, "cm-agent policy: %s\n", why);
		free(why);
		config_release(&cfg);
		return -1;
	}
	for (i = 0; i < cfg.n_danger_rules + nflags && rc == 0; i++) {
		const char *re =
		    i < cfg.n_danger_rules ? cfg.danger_rules[i] : flags[i - cfg.n_danger_rules];
		char name[32];
		struct buf err;

		/* the same names as the agent gives them (main.c) */
		snprintf(name, sizeof(name), "config-%zu", i + 1);
		buf_init(&err, 512);
		if (danger_rules_add(d, name, re, &err) < 0) {
			fprintf(stderr, "cm-agent policy: danger rule %zu (%s): %s\n", i + 1, re,
				err.data ? err.data : "invalid");
			rc = -1;
		}
		buf_release(&err);
	}
	config_release(&cfg);
	return rc;
}

/* The answerable flag of the profile's first command prompt (1 without one). */
static int
policy_cmd_answerable(const struct profile *p)
{
	for (size_t i = 0; p && i < profile_rule_count(p); i++) {
		const struct profile_rule *r = profile_rule_at(p, i);
		if (r->prompt && r->prompt->kind == PROFILE_PROMPT_COMMAND)
			return r->prompt->answerable;
	}
	return 1;
}

/* Decides about cmd and prints the line; returns the exit status. */
static int
policy_cmd_decide(const struct profile *p, const char *cmd, const char *dir,
		  const struct danger_rules *extra)
{
	struct classify_result *r = xcalloc(1, sizeof(*r));
	struct autoconfirm_decision d;
	struct shell_verdict v;
	const char *rule, *why;
	int status;

	if (strlen(cmd) >= sizeof(r->prompt.body)) {
		printf("ask\tunparsed\tlonger than a prompt body (%zu bytes)\n",
		       sizeof(r->prompt.body) - 1);
		free(r);
		return 1;
	}
	r->state = CM_STATE_WAITING_CONFIRM;
	r->has_prompt = 1;
	r->profile = p;
	snprintf(r->rule, sizeof(r->rule), "policy-check");
	r->prompt.known = 1;
	r->prompt.kind = PROFILE_PROMPT_COMMAND;
	r->prompt.answerable = policy_cmd_answerable(p);
	snprintf(r->prompt.question, sizeof(r->prompt.question), "Do you want to proceed?");
	snprintf(r->prompt.body, sizeof(r->prompt.body), "%s", cmd);
	snprintf(r->prompt.yes[0], sizeof(r->prompt.yes[0]), "y");
	r->prompt.n_yes = 1;
	autoconfirm_decide(r, dir, extra, &d);
	if (d.action == AUTOCONFIRM_ANSWER) { /* the decision says "safe"; the shell verdict says
						 what it looked at */
		shell_policy_check(cmd, strlen(cmd), dir, &v);
		printf("allow\tok\t");
		policy_cmd_put(v.reason);
		status = 0;
	} else {
		rule = d.reason == AUTOCONFIRM_R_DANGER		  ? d.danger_rule
		       : d.reason == AUTOCONFIRM_R_NOT_ANSWERABLE ? "not-answerable"
								  : "unknown-prompt";
		why = d.why;
		if (d.reason == AUTOCONFIRM_R_DANGER && strncmp(why, "danger rule ", 12) == 0) {
			why += 12 + strlen(d.danger_rule);
			if (strncmp(why, ": ", 2) == 0)
				why += 2;
		}
		for (size_t i = 0; d.reason == AUTOCONFIRM_R_DANGER && shell_policy_rules[i]; i++)
			if (strcmp(d.danger_rule, shell_policy_rules[i]) == 0 &&
			    shell_policy_check(cmd, strlen(cmd), dir, &v) &&
			    strcmp(v.rule, d.danger_rule) == 0) {
				/* the decision quotes the command too; the reason alone is enough
				 */
				why = v.reason;
				break;
			}
		if (d.reason == AUTOCONFIRM_R_NOT_ANSWERABLE)
			why = "the profile leaves its command prompts to a person";
		printf("ask\t%s\t", rule);
		policy_cmd_put(why);
		status = 1;
	}
	putchar('\n');
	free(r);
	return status;
}

/* `cm-agent policy check ...` */
static int
policy_cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {{"profile", required_argument, NULL, 'p'},
						 {"profiles-dir", required_argument, NULL, 'd'},
						 {"path", required_argument, NULL, 'C'},
						 {"config", required_argument, NULL, 'c'},
						 {"danger-rule", required_argument, NULL, 'r'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	const char *name = NULL, *pdir = NULL, *path = NULL, *config = NULL;
	char *flags[64], *dir = NULL, cwd[4096];
	size_t nflags = 0;
	const struct profile *p = NULL;
	struct profile_set *set = NULL;
	struct profile *own = NULL;
	struct danger_rules *extra = NULL;
	struct buf cmd;
	int ch, status = 2;

#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	while ((ch = getopt_long(argc, argv, "+p:d:C:c:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			name = optarg;
			break;
		case 'd':
			pdir = optarg;
			break;
		case 'C':
			path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'r':
			if (nflags >= sizeof(flags) / sizeof(flags[0])) {
				fprintf(stderr, "cm-agent policy: too many --danger-rule\n");
				return 2;
			}
			flags[nflags++] = optarg;
			break;
		case 'h':
			policy_cmd_usage(stdout);
			return 0;
		default:
			policy_cmd_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		policy_cmd_usage(stderr);
		return 2;
	}
	if (path != NULL && path[0] == '\0') {
		fprintf(stderr, "cm-agent policy: --path must not be empty\n");
		return 2;
	}
	if (path == NULL || path[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			fprintf(stderr, "cm-agent policy: cannot tell the current directory\n");
			return 2;
		}
		dir = path ? xasprintf("%s/%s", cwd, path) : xstrdup(cwd);
	} else {
		dir = xstrdup(path);
	}
	buf_init(&cmd, 1 << 20);
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			buf_append(&cmd, " ", 1);
		buf_append_str(&cmd, argv[i]);
	}
	if (pdir == NULL)
		pdir = getenv("CM_PROFILES_DIR");
	if (pdir != NULL && pdir[0] == '\0')
		pdir = NULL;
	extra = danger_rules_new();
	if (name != NULL && classify_cmd_profile(name, pdir, &own, &set, &p) != 0)
		goto out;
	if (policy_cmd_rules(config, flags, nflags, extra) < 0)
		goto out;
	status = policy_cmd_decide(p, cmd.data ? cmd.data : "", dir, extra);
	fflush(stdout);
out:
	buf_release(&cmd);
	danger_rules_free(extra);
	profile_free(own);
	profile_set_free(set);
	free(dir);
	return status;
}

/* `cm-agent policy` entry point. */
int
policy_cmd_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return policy_cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		policy_cmd_usage(stdout);
		return 0;
	}
	policy_cmd_usage(stderr);
	return 2;
}
