/*
 * cmd-ctx: `cm ctx add|ls|show|rm|use|close`, the contexts file (edit and
 * rename are in cmd-ctx-edit.c).
 *
 * `cm ctx add prod-server --agent --host prod.example.com --user deploy
 * --token $TOKEN` is the seed's command and works as written. Paths given
 * to add (token file, identity, ssh config) are stored absolute, so the
 * context works from any directory. Every change is validated in full and
 * saved atomically; a failed add leaves the file untouched.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cm.h"
#include "common/err.h"
#include "common/xmalloc.h"
#include "conn.h"
#include "ctx-edit.h"
#include "ctx-flags.h"
#include "output.h"

extern const struct cli_cmd cmd_ctx_entry;

/* Saves the file, then prints "done NAME" (nothing if done is NULL); prints the error otherwise. */
static int
cmd_ctx_save(struct cli *cli, const char *done, const char *name)
{
	char err[1024];

	if (contexts_save(&cli->contexts, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		return CLI_EXIT_CONFIG;
	}
	if (done)
		printf("%s %s\n", done, name);
	return 0;
}

/* cm ctx add NAME ...: validates and appends a context. */
static int
cmd_ctx_add(struct cli *cli, int argc, char **argv)
{
	struct ctx_flags f;
	const char *name;
	json_t *obj, *m;
	char err[1024], id[CTX_NAME_MAX + 8];
	int rc;

	if ((rc = ctx_flags_parse(cli, argc, argv, &f)) != 0)
		return rc;
	if ((rc = cli_one_arg(cli, argc, argv,
			      "missing context name (cm ctx add NAME --agent --host H ...)")) != 0)
		return rc;
	name = argv[optind];
	if (!contexts_valid_name(name)) {
		cli_error(cli,
			  "invalid context name \"%s\" (1-%d of A-Z a-z 0-9 . _ -, starting "
			  "with a letter or digit)",
			  name, CTX_NAME_MAX);
		return CLI_EXIT_USAGE;
	}
	if (f.type < 0)
		f.type = f.host && *f.host ? CTX_AGENT : CTX_LOCAL;
	if (f.type == CTX_AGENT && !(f.host && *f.host)) {
		cli_error(cli, "--agent needs --host HOST");
		return CLI_EXIT_USAGE;
	}
	if (!(f.token && *f.token) && !(f.token_file && *f.token_file) &&
	    !(f.token_env && *f.token_env)) {
		cli_error(cli, "give exactly one of --token, --token-file, --token-env");
		return CLI_EXIT_USAGE;
	}
	if ((rc = ctx_flags_check_files(cli, &f)) != 0 || (rc = cli_load_contexts(cli)) != 0)
		return rc;
	m = json_object();
	json_object_set_new(m, "type", json_string(f.type == CTX_AGENT ? "agent" : "local"));
	ctx_flags_set(m, "host", f.host, 0);
	ctx_flags_set(m, "user", f.user, 0);
	json_object_set_new(m, "agentPort", json_integer(f.port ? f.port : CM_DEFAULT_PORT));
	ctx_flags_set(m, "agentSocket", f.sock, f.type == CTX_LOCAL);
	ctx_flags_set(m, "authToken", f.token, 0);
	ctx_flags_set(m, "authTokenFile", f.token_file, 1);
	ctx_flags_set(m, "authTokenEnv", f.token_env, 0);
	if (f.ssh_port && *f.ssh_port)
		json_object_set_new(m, "sshPort", json_integer(strtol(f.ssh_port, NULL, 10)));
	ctx_flags_set(m, "identityFile", f.identity, 1);
	ctx_flags_set(m, "sshConfig", f.ssh_config, 1);
	snprintf(id, sizeof(id), "ctx-%s", name);
	obj = json_pack("{s:s, s:s}", "id", id, "name", name);
	ctx_flags_set(obj, "path", f.path, 0);
	ctx_flags_set(obj, "pool", f.pool, 0);
	json_object_set_new(obj, "machine", m);
	if ((rc = contexts_add(&cli->contexts, obj, err, sizeof(err))) < 0) {
		cli_error(cli, "%s", err);
		return rc == CM_EEXIST ? CLI_EXIT_CONFIG : CLI_EXIT_USAGE;
	}
	/* The first context becomes the current one, unless one is already set. */
	if (f.make_default ||
	    (!contexts_current(&cli->contexts) && contexts_count(&cli->contexts) == 1))
		contexts_set_current(&cli->contexts, name);
	return cmd_ctx_save(cli, cli->json ? NULL : "added context", name);
}

/* Describes where a context's agent is, for tables. */
static void
cmd_ctx_where(const struct ctx *c, char *host, size_t hn, char *agent, size_t an)
{
	if (c->type == CTX_AGENT) {
		if (c->ssh_port)
			snprintf(host, hn, "%s%s%s:%d", c->user ? c->user : "", c->user ? "@" : "",
				 c->host, c->ssh_port);
		else
			snprintf(host, hn, "%s%s%s", c->user ? c->user : "", c->user ? "@" : "",
				 c->host);
	} else {
		snprintf(host, hn, "(local)");
	}
	if (c->agent_socket)
		snprintf(agent, an, "%s", c->agent_socket);
	else
		snprintf(agent, an, "%s:%d",
			 c->type == CTX_LOCAL && c->host ? c->host : "127.0.0.1", c->agent_port);
}

/* cm ctx ls: lists contexts. */
static int
cmd_ctx_ls(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 0}, {"compact", no_argument, NULL, 0}, {NULL, 0, NULL, 0}};
	static const char *const heads[] = {"", "NAME", "TYPE", "HOST", "AGENT", "POOL", "PATH"};
	struct output_table t;
	const char *cur;
	size_t i;
	int rc;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = cli_load_contexts(cli)) != 0)
		return rc;
	cur = contexts_current(&cli->contexts);
	if (cli->json) {
		json_t *arr = json_array(), *o;
		json_array_foreach (json_object_get(cli->contexts.root, "contexts"), i, o) {
			json_t *r = contexts_redacted(o);
			const char *name = json_string_value(json_object_get(o, "name"));
			json_object_set_new(r, "current", json_boolean(cur && !strcmp(cur, name)));
			json_array_append_new(arr, r);
		}
		output_json(stdout, arr);
		json_decref(arr);
		return 0;
	}
	output_table_init(&t, 7, heads);
	for (i = 0; i < contexts_count(&cli->contexts); i++) {
		struct ctx x;
		char host[300], agent[300], err[256];
		const char *cells[7];
		if (contexts_at(&cli->contexts, i, &x, err, sizeof(err)) < 0)
			continue;
		cmd_ctx_where(&x, host, sizeof(host), agent, sizeof(agent));
		cells[0] = cur && !strcmp(cur, x.name) ? "*" : "";
		cells[1] = x.name;
		cells[2] = x.type == CTX_AGENT ? "agent" : "local";
		cells[3] = host;
		cells[4] = agent;
		cells[5] = x.pool;
		cells[6] = x.path;
		output_table_add(&t, cells, NULL);
	}
	cli_print_table(cli, &t);
	output_table_release(&t);
	return 0;
}

/*
 * Finds the context named by the one argument left after the flags (with
 * optional, none means the chosen context); prints errors. Needs the
 * contexts loaded.
 */
static int
cmd_ctx_find_arg(struct cli *cli, int argc, char **argv, struct ctx *out, int optional)
{
	int rc;

	if (optional && optind >= argc)
		return cli_pick_context(cli, out);
	if ((rc = cli_one_arg(cli, argc, argv, "missing context name")) != 0)
		return rc;
	return cli_find_context(cli, argv[optind], out);
}

/* Parses the flags of show, rm and use, then finds their context argument. */
static int
cmd_ctx_arg(struct cli *cli, int argc, char **argv, const struct option *opts, struct ctx *out,
	    int optional)
{
	int rc;

	if (cli_getopt(cli, argc, argv, "", opts) != -1)
		return CLI_EXIT_USAGE;
	if ((rc = cli_load_contexts(cli)) != 0)
		return rc;
	return cmd_ctx_find_arg(cli, argc, argv, out, optional);
}

/* cm ctx show [NAME]: prints one context (token masked). */
static int
cmd_ctx_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 0}, {NULL, 0, NULL, 0}};
	char host[300], agent[300];
	struct ctx x;
	json_t *r;
	int rc;

	if ((rc = cmd_ctx_arg(cli, argc, argv, opts, &x, 1)) != 0)
		return rc;
	if (cli->json) {
		r = contexts_redacted(contexts_object(&cli->contexts, x.name));
		output_json(stdout, r);
		json_decref(r);
		return 0;
	}
	cmd_ctx_where(&x, host, sizeof(host), agent, sizeof(agent));
	printf("name:      %s\n", x.name);
	printf("id:        %s\n", x.id ? x.id : "-");
	printf("type:      %s\n", x.type == CTX_AGENT ? "agent" : "local");
	printf("host:      %s\n", host);
	printf("agent:     %s\n", agent);
	printf("token:     %s%s\n",
	       x.token	      ? "inline (stored in contexts.json)"
	       : x.token_file ? "file "
			      : "environment variable ",
	       x.token	      ? ""
	       : x.token_file ? x.token_file
			      : x.token_env);
	if (x.identity)
		printf("identity:  %s\n", x.identity);
	if (x.ssh_config)
		printf("sshConfig: %s\n", x.ssh_config);
	printf("pool:      %s\n", x.pool ? x.pool : "-");
	printf("path:      %s\n", x.path ? x.path : "-");
	printf("default:   %s\n",
	       contexts_current(&cli->contexts) && !strcmp(contexts_current(&cli->contexts), x.name)
		   ? "yes"
		   : "no");
	return 0;
}

/* Stops the ssh master of an agent context, if one runs. */
static int
cmd_ctx_close_one(const struct ctx *x)
{
	struct cm_client_opts o;
	struct cm_ssh_opts ssh;

	if (x->type != CTX_AGENT)
		return 0;
	conn_options(x, "x", &ssh, &o);
	return cm_ssh_close(&ssh, x->agent_socket, x->agent_port);
}

/* cm ctx rm NAME: removes a context and stops its tunnel. */
static int
cmd_ctx_rm(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct ctx x;
	char *name;
	int rc;

	if ((rc = cmd_ctx_arg(cli, argc, argv, opts, &x, 0)) != 0)
		return rc;
	cmd_ctx_close_one(&x);
	/* Removing frees the context's strings. */
	name = xstrdup(x.name);
	contexts_remove(&cli->contexts, name);
	rc = cmd_ctx_save(cli, "removed context", name);
	free(name);
	return rc;
}

/* cm ctx use NAME: makes a context the default. */
static int
cmd_ctx_use(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct ctx x;
	int rc;

	if ((rc = cmd_ctx_arg(cli, argc, argv, opts, &x, 0)) != 0)
		return rc;
	contexts_set_current(&cli->contexts, x.name);
	return cmd_ctx_save(cli, "default context is now", x.name);
}

/* cm ctx close [NAME|--all]: stops ssh masters. */
static int
cmd_ctx_close(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	struct ctx x;
	char err[256];
	size_t i;
	int c, all = 0, rc;

	while ((c = cli_getopt(cli, argc, argv, "a", opts)) != -1) {
		if (c != 'a')
			return CLI_EXIT_USAGE;
		all = 1;
	}
	if ((rc = cli_load_contexts(cli)) != 0)
		return rc;
	if (all) {
		for (i = 0; i < contexts_count(&cli->contexts); i++)
			if (contexts_at(&cli->contexts, i, &x, err, sizeof(err)) == 0)
				cmd_ctx_close_one(&x);
		return 0;
	}
	if ((rc = cmd_ctx_find_arg(cli, argc, argv, &x, 1)) != 0)
		return rc;
	cmd_ctx_close_one(&x);
	return 0;
}

/* cm ctx SUBCOMMAND: dispatches to add, ls, show, rm, use, close. */
static int
cmd_ctx_exec(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;		       /* subcommand */
		int (*fn)(struct cli *, int, char **); /* its function */
	} subs[] = {
	    {"add", cmd_ctx_add},	{"ls", cmd_ctx_ls},	  {"list", cmd_ctx_ls},
	    {"show", cmd_ctx_show},	{"rm", cmd_ctx_rm},	  {"remove", cmd_ctx_rm},
	    {"use", cmd_ctx_use},	{"close", cmd_ctx_close}, {"edit", cmd_ctx_edit},
	    {"rename", cmd_ctx_rename},
	};
	size_t i;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			cmd_help(stdout, &cmd_ctx_entry);
			return 0;
		}
		optind = 0;
		return cmd_ctx_ls(cli, argc, argv);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(subs[i].name, argv[1])) {
			optind = 0;
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	cli_error(cli, "unknown subcommand \"%s\" (add, ls, show, edit, rename, rm, use, close)",
		  argv[1]);
	return CLI_EXIT_USAGE;
}

/* The default port in the help text, spelled from the one definition. */
#define CTX_STR_(x) #x
#define CTX_STR(x)  CTX_STR_(x)
#define CTX_PORT_HELP                                                                              \
	"    --port N         the agent's port on its machine's loopback (" CTX_STR(               \
	    CM_DEFAULT_PORT) ")\n"

const struct cli_cmd cmd_ctx_entry = {
    .name = "ctx",
    .alias = "context",
    .usage = "add|ls|show|edit|rename|rm|use|close [NAME] [flags]",
    .summary = "manage contexts (the agents cm knows)",
    .help = "cm ctx add NAME [--agent --host H [--user U] [--ssh-port N] [--identity F]\n"
	    "               [--ssh-config F] | --local [--host ADDR]]\n"
	    "               (--token T | --token-file F | --token-env VAR)\n"
	    "               [--port N | --socket PATH] [--path P] [--pool P] [--default]\n"
	    "    --agent          the agent runs on HOST, reached through an ssh tunnel\n"
	    "    --local          the agent runs on this machine (no ssh)\n" CTX_PORT_HELP
	    "    --socket PATH    the agent's Unix socket instead of a port\n"
	    "    --token-file F   read the token from F (must be mode 0600)\n"
	    "    --token-env VAR  read the token from environment variable VAR\n"
	    "    --ssh-config F   handed to ssh -F\n"
	    "    --path P         default project directory for cm start\n"
	    "    --pool P         the pool this agent belongs to (cm start --pool P)\n"
	    "    --default        make it the default context\n"
	    "cm ctx ls [--json|--compact]  list contexts (* marks the default)\n"
	    "cm ctx show [NAME] [--json]\n"
	    "cm ctx edit NAME [flags of add]  change what the flags name ('' removes an\n"
	    "                          optional field); the rest stays\n"
	    "cm ctx rename OLD NEW     rename a context (and its id ctx-OLD)\n"
	    "cm ctx rm NAME            remove a context and stop its ssh master\n"
	    "cm ctx use NAME           make NAME the default context\n"
	    "cm ctx close [NAME|--all] stop the ssh master(s) kept for a context\n",
    .flags = 0,
    .exec = cmd_ctx_exec,
};
