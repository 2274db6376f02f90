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
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cm.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "ctx-edit.h"

/* The ssh-only fields of machine, dropped when a context becomes local. */
static const char *const ctx_edit_ssh_keys[] = {"user", "sshPort", "identityFile", "sshConfig",
						NULL};

/* Sets (value non-empty) or removes (value "") key of obj; paths are made absolute. */
static void
ctx_edit_set(json_t *obj, const char *key, const char *value, int absolute)
{
	char cwd[PATH_MAX];

	if (!value)
		return;
	if (!*value) {
		json_object_del(obj, key);
		return;
	}
	if (absolute && value[0] != '/' && getcwd(cwd, sizeof(cwd))) {
		char *abs = xasprintf("%s/%s", cwd, value);
		json_object_set_new(obj, key, json_string(abs));
		free(abs);
		return;
	}
	json_object_set_new(obj, key, json_string(value));
}

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
	static const struct option opts[] = {
	    {"agent", no_argument, NULL, 'A'},
	    {"local", no_argument, NULL, 'L'},
	    {"host", required_argument, NULL, 'H'},
	    {"user", required_argument, NULL, 'u'},
	    {"token", required_argument, NULL, 't'},
	    {"token-file", required_argument, NULL, 'T'},
	    {"token-env", required_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'p'},
	    {"socket", required_argument, NULL, 'S'},
	    {"path", required_argument, NULL, 'P'},
	    {"ssh-port", required_argument, NULL, 's'},
	    {"identity", required_argument, NULL, 'i'},
	    {"ssh-config", required_argument, NULL, 'F'},
	    {"pool", required_argument, NULL, 'o'},
	    {"default", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *host = NULL, *user = NULL, *token = NULL, *token_file = NULL, *token_env = NULL,
		   *sock = NULL, *path = NULL, *identity = NULL, *ssh_config = NULL, *pool = NULL,
		   *ssh_port = NULL;
	long port = 0, num;
	int type = -1, make_default = 0, changes = 0, c, rc;
	json_t *obj, *m;
	struct ctx x;
	char err[1024], *name;

	while ((c = cli_getopt(cli, argc, argv, "H:u:t:p:i:F:", opts)) != -1) {
		changes++;
		switch (c) {
		case 'A':
			type = CTX_AGENT;
			break;
		case 'L':
			type = CTX_LOCAL;
			break;
		case 'H':
			host = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'T':
			token_file = optarg;
			break;
		case 'E':
			token_env = optarg;
			break;
		case 'p':
			if (cli_parse_int(cli, "--port", optarg, 1, 65535, &port) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'P':
			path = optarg;
			break;
		case 's':
			if (*optarg && cli_parse_int(cli, "--ssh-port", optarg, 1, 65535, &num) < 0)
				return CLI_EXIT_USAGE;
			ssh_port = optarg;
			break;
		case 'i':
			identity = optarg;
			break;
		case 'F':
			ssh_config = optarg;
			break;
		case 'd':
			make_default = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	/* cli_getopt takes --pool for every command: here it is the context's new pool. */
	if (cli->pool) {
		pool = cli->pool;
		cli->pool = NULL;
		changes++;
	}
	if ((rc = cli_one_arg(cli, argc, argv,
			      "missing context name (cm ctx edit NAME --host H ...)")) != 0)
		return rc;
	if (!changes) {
		cli_error(cli, "nothing to change: give the flags of cm ctx add to change");
		return CLI_EXIT_USAGE;
	}
	if (!!token + !!token_file + !!token_env > 1) {
		cli_error(cli, "give at most one of --token, --token-file, --token-env");
		return CLI_EXIT_USAGE;
	}
	if ((token && !*token) || (token_file && !*token_file) || (token_env && !*token_env)) {
		cli_error(cli, "a context needs a token: --token, --token-file, --token-env "
			       "cannot be empty");
		return CLI_EXIT_USAGE;
	}
	if (token_file) {
		char why[768];
		if ((rc = contexts_check_file(token_file, "token file", 1, why, sizeof(why))) < 0) {
			cli_error(cli, "%s", why);
			return rc == CM_EPERM ? CLI_EXIT_UNSAFE : CLI_EXIT_CONFIG;
		}
	}
	if (ssh_config && *ssh_config && access(ssh_config, R_OK) < 0) {
		cli_error(cli, "ssh config %s: %s", ssh_config, strerror(errno));
		return CLI_EXIT_CONFIG;
	}
	if ((rc = cli_load_contexts(cli)) != 0 ||
	    (rc = cli_find_context(cli, argv[optind], &x)) != 0)
		return rc;
	obj = json_deep_copy(contexts_object(&cli->contexts, x.name));
	m = json_object_get(obj, "machine");
	if (type >= 0) {
		json_object_set_new(m, "type", json_string(type == CTX_AGENT ? "agent" : "local"));
		if (type == CTX_LOCAL && x.type == CTX_AGENT) {
			/* The ssh host is not where a local agent listens. */
			json_object_del(m, "host");
			for (size_t i = 0; ctx_edit_ssh_keys[i]; i++)
				json_object_del(m, ctx_edit_ssh_keys[i]);
		}
	}
	ctx_edit_set(m, "host", host, 0);
	ctx_edit_set(m, "user", user, 0);
	if (port)
		json_object_set_new(m, "agentPort", json_integer(port));
	ctx_edit_set(m, "agentSocket", sock,
		     type == CTX_LOCAL || (type < 0 && x.type == CTX_LOCAL));
	if (token || token_file || token_env) {
		json_object_del(m, "authToken");
		json_object_del(m, "authTokenFile");
		json_object_del(m, "authTokenEnv");
		ctx_edit_set(m, "authToken", token, 0);
		ctx_edit_set(m, "authTokenFile", token_file, 1);
		ctx_edit_set(m, "authTokenEnv", token_env, 0);
	}
	if (ssh_port && !*ssh_port)
		json_object_del(m, "sshPort");
	else if (ssh_port)
		json_object_set_new(m, "sshPort", json_integer(strtol(ssh_port, NULL, 10)));
	ctx_edit_set(m, "identityFile", identity, 1);
	ctx_edit_set(m, "sshConfig", ssh_config, 1);
	ctx_edit_set(obj, "path", path, 0);
	ctx_edit_set(obj, "pool", pool, 0);
	/* The master was set up with the old options; the next command makes a new one. */
	ctx_edit_close_master(&x);
	name = xstrdup(x.name);
	if ((rc = contexts_replace(&cli->contexts, name, obj, err, sizeof(err))) < 0) {
		cli_error(cli, "%s", err);
		free(name);
		return CLI_EXIT_USAGE;
	}
	if (make_default)
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
