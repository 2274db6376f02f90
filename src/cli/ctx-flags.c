/*
 * ctx-flags: parsing and applying the flags of a context (see ctx-flags.h).
 */
#include "ctx-flags.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "common/err.h"
#include "common/xmalloc.h"

int
ctx_flags_parse(struct cli *cli, int argc, char **argv, struct ctx_flags *f)
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
	long num;
	int c;

	memset(f, 0, sizeof(*f));
	f->type = -1;
	while ((c = cli_getopt(cli, argc, argv, "H:u:t:p:i:F:", opts)) != -1) {
		f->given++;
		switch (c) {
		case 'A':
			f->type = CTX_AGENT;
			break;
		case 'L':
			f->type = CTX_LOCAL;
			break;
		case 'H':
			f->host = optarg;
			break;
		case 'u':
			f->user = optarg;
			break;
		case 't':
			f->token = optarg;
			break;
		case 'T':
			f->token_file = optarg;
			break;
		case 'E':
			f->token_env = optarg;
			break;
		case 'p':
			if (cli_parse_int(cli, "--port", optarg, 1, 65535, &f->port) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'S':
			f->sock = optarg;
			break;
		case 'P':
			f->path = optarg;
			break;
		case 's':
			if (*optarg && cli_parse_int(cli, "--ssh-port", optarg, 1, 65535, &num) < 0)
				return CLI_EXIT_USAGE;
			f->ssh_port = optarg;
			break;
		case 'i':
			f->identity = optarg;
			break;
		case 'F':
			f->ssh_config = optarg;
			break;
		case 'd':
			f->make_default = 1;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	/* cli_getopt takes --pool for every command: here it names the context's pool. */
	if (cli->pool) {
		f->pool = cli->pool;
		cli->pool = NULL;
		f->given++;
	}
	if (!!f->token + !!f->token_file + !!f->token_env > 1) {
		cli_error(cli, "give exactly one of --token, --token-file, --token-env");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int
ctx_flags_check_files(struct cli *cli, const struct ctx_flags *f)
{
	char why[768];
	int rc;

	if (f->token_file && *f->token_file &&
	    (rc = contexts_check_file(f->token_file, "token file", 1, why, sizeof(why))) < 0) {
		cli_error(cli, "%s", why);
		return rc == CM_EPERM ? CLI_EXIT_UNSAFE : CLI_EXIT_CONFIG;
	}
	if (f->ssh_config && *f->ssh_config && access(f->ssh_config, R_OK) < 0) {
		cli_error(cli, "ssh config %s: %s", f->ssh_config, strerror(errno));
		return CLI_EXIT_CONFIG;
	}
	return 0;
}

void
ctx_flags_set(json_t *obj, const char *key, const char *value, int absolute)
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
