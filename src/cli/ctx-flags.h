/*
 * ctx-flags: the flags that describe a context, shared by `cm ctx add`
 * (cmd-ctx.c) and `cm ctx edit` (cmd-ctx-edit.c): parsed once, their files
 * checked once, and set into a context's JSON object the same way.
 */
#ifndef CM_CLI_CTX_FLAGS_H
#define CM_CLI_CTX_FLAGS_H

#include <jansson.h>

struct cli;

/* What the flags said; NULL or 0 for a flag not given. */
struct ctx_flags {
	int type; /* CTX_AGENT (--agent), CTX_LOCAL (--local), or -1 */
	const char *host, *user, *sock, *path, *identity, *ssh_config, *pool;
	const char *token, *token_file, *token_env; /* the token's source */
	const char *ssh_port; /* as given: "" (edit: remove it) or a checked 1-65535 */
	long port;	      /* --port, checked 1-65535 */
	int make_default;     /* --default */
	int given;	      /* how many flags there were */
};

/*
 * Parses argv (the context's name stays at optind). 0, or CLI_EXIT_USAGE
 * with the error printed.
 */
int ctx_flags_parse(struct cli *cli, int argc, char **argv, struct ctx_flags *f);
/*
 * Checks the files the flags name: a token file only its owner may read or
 * change, an ssh config that can be read. 0, or the exit code (printed).
 */
int ctx_flags_check_files(struct cli *cli, const struct ctx_flags *f);
/*
 * Sets key of obj to value, made absolute against the working directory if
 * absolute; "" removes key; NULL leaves it as it is.
 */
void ctx_flags_set(json_t *obj, const char *key, const char *value, int absolute);

#endif
