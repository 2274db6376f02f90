/*
 * cmd-ctx-edit: `cm ctx edit NAME [flags of ctx add]` and `cm ctx rename
 * OLD NEW`.
 *
 * edit changes only what its flags name: the context is copied, the flags
 * applied to the copy, the copy validated in full (as add validates) and
 * put in the old one's place, and the file saved atomically; any error
 * leaves the file as it was. An empty value ("--pool ''") removes an
 * optional field. A new token source replaces the old one (a context has
 * exactly one). Switching between --agent and --local drops the ssh fields
 * the new kind has no use for. Both commands stop the context's ssh
 * master: its control socket is named after the context and its options.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cm.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "ctx-edit.h"
#include "ctx-flags.h"

/* The ssh-only fields of machine, dropped when a context becomes local. */
static const char *const ctx_edit_ssh_keys[] = {"user", "sshPort", "identityFile", "sshConfig",
						NULL};

/* Stops the ssh master kept for a context (its socket would outlive the change). */
static void
ctx_edit_close_master(const struct ctx *x)
{
	struct cm_client_opts o;
	struct cm_ssh_opts ssh;

	if (x->type != CTX_AGENT)
		return;
	conn_options(x, "x", &ssh, &o);
	cm_ssh_close(&ssh, x->agent_socket, x->agent_port);
}

/* Saves the file and prints what was done. */
static int
ctx_edit_save(struct cli *cli, const char *what, const char *name)
{
	char err[1024];

	if (contexts_save(&cli->contexts, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		return CLI_EXIT_CONFIG;
	}
	if (!cli->json)
		printf("%s %s\n", what, name);
	return 0;
}

/* cm ctx edit NAME [flags]. */
int
cmd_ctx_edit(struct cli *cli, int argc, char **argv)
{
	struct ctx_flags f;
	json_t *obj, *m;
	struct ctx x;
	char err[1024], *name;
	int rc;

	if ((rc = ctx_flags_parse(cli, argc, argv, &f)) != 0)
		return rc;
	if ((rc = cli_one_arg(cli, argc, argv,
			      "missing context name (cm ctx edit NAME --host H ...)")) != 0)
		return rc;
	if (!f.given) {
		cli_error(cli, "nothing to change: give the flags of cm ctx add to change");
		return CLI_EXIT_USAGE;
	}
	if ((f.token && !*f.token) || (f.token_file && !*f.token_file) ||
	    (f.token_env && !*f.token_env)) {
		cli_error(cli, "a context needs a token: --token, --token-file, --token-env "
			       "cannot be empty");
		return CLI_EXIT_USAGE;
	}
	if ((rc = ctx_flags_check_files(cli, &f)) != 0 || (rc = cli_load_contexts(cli)) != 0 ||
	    (rc = cli_find_context(cli, argv[optind], &x)) != 0)
		return rc;
	obj = json_deep_copy(contexts_object(&cli->contexts, x.name));
	m = json_object_get(obj, "machine");
	if (f.type >= 0) {
		json_object_set_new(m, "type",
				    json_string(f.type == CTX_AGENT ? "agent" : "local"));
		if (f.type == CTX_LOCAL && x.type == CTX_AGENT) {
			/* The ssh host is not where a local agent listens. */
			json_object_del(m, "host");
			for (size_t i = 0; ctx_edit_ssh_keys[i]; i++)
				json_object_del(m, ctx_edit_ssh_keys[i]);
		}
	}
	ctx_flags_set(m, "host", f.host, 0);
	ctx_flags_set(m, "user", f.user, 0);
	if (f.port)
		json_object_set_new(m, "agentPort", json_integer(f.port));
	ctx_flags_set(m, "agentSocket", f.sock,
		      f.type == CTX_LOCAL || (f.type < 0 && x.type == CTX_LOCAL));
	if (f.token || f.token_file || f.token_env) {
		/* A context has one token source: the new one replaces the old. */
		json_object_del(m, "authToken");
		json_object_del(m, "authTokenFile");
		json_object_del(m, "authTokenEnv");
		ctx_flags_set(m, "authToken", f.token, 0);
		ctx_flags_set(m, "authTokenFile", f.token_file, 1);
		ctx_flags_set(m, "authTokenEnv", f.token_env, 0);
	}
	if (f.ssh_port && !*f.ssh_port)
		json_object_del(m, "sshPort");
	else if (f.ssh_port)
		json_object_set_new(m, "sshPort", json_integer(strtol(f.ssh_port, NULL, 10)));
	ctx_flags_set(m, "identityFile", f.identity, 1);
	ctx_flags_set(m, "sshConfig", f.ssh_config, 1);
	ctx_flags_set(obj, "path", f.path, 0);
	ctx_flags_set(obj, "pool", f.pool, 0);
	/* The master was set up with the old options; the next command makes a new one. */
	ctx_edit_close_master(&x);
	name = xstrdup(x.name);
	if ((rc = contexts_replace(&cli->contexts, name, obj, err, sizeof(err))) < 0) {
		cli_error(cli, "%s", err);
		free(name);
		return CLI_EXIT_USAGE;
	}
	if (f.make_default)
		contexts_set_current(&cli->contexts, name);
	rc = ctx_edit_save(cli, "changed context", name);
	free(name);
	return rc;
}

/* cm ctx rename OLD NEW. */
int
cmd_ctx_rename(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct ctx x;
	char err[1024], *to;
	int rc;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if (argc - optind < 2) {
		cli_error(cli, "usage: cm ctx rename OLD NEW");
		return CLI_EXIT_USAGE;
	}
	if (argc - optind > 2) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind + 2]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_load_contexts(cli)) != 0 ||
	    (rc = cli_find_context(cli, argv[optind], &x)) != 0)
		return rc;
	to = argv[optind + 1];
	ctx_edit_close_master(&x);
	if ((rc = contexts_rename(&cli->contexts, argv[optind], to, err, sizeof(err))) < 0) {
		cli_error(cli, "%s", err);
		return rc == CM_EEXIST ? CLI_EXIT_CONFIG : CLI_EXIT_USAGE;
	}
	if ((rc = ctx_edit_save(cli, "renamed context to", to)) != 0)
		return rc;
	/* config.json is the user's own file: cm does not rewrite it, but says so. */
	if (cli_load_prefs(cli) == 0 && cli->prefs.context && !strcmp(cli->prefs.context, x.name))
		cli_warn(cli, "%s still names \"%s\" as defaults.context", cli->prefs.path,
			 cli->prefs.context);
	return 0;
}
