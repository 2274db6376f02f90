/*
 * ctx-edit: the `cm ctx edit` and `cm ctx rename` subcommands, dispatched
 * by cmd-ctx.c (see cmd-ctx-edit.c).
 */
#ifndef CM_CLI_CTX_EDIT_H
#define CM_CLI_CTX_EDIT_H

struct cli;

/* cm ctx edit NAME [flags of ctx add]: changes what the flags name. */
int cmd_ctx_edit(struct cli *cli, int argc, char **argv);
/* cm ctx rename OLD NEW. */
int cmd_ctx_rename(struct cli *cli, int argc, char **argv);

#endif
