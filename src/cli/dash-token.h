/*
 * dash-token: the token of `cm dashboard`, its own and no agent's.
 *
 * Kept in $XDG_CONFIG_HOME/cm/dashboard-token (~/.config/cm/...): 32
 * random bytes as 64 hex digits, created on first use with mode 0600 in a
 * 0700 directory. A file that others may read or change is refused, as
 * contexts.json and the agents' token files are.
 */
#ifndef CM_CLI_DASH_TOKEN_H
#define CM_CLI_DASH_TOKEN_H

#include <stddef.h>

#define DASH_TOKEN_LEN 64

/* Fills buf with the default path. 0, or a negative code (no HOME). */
int dash_token_path(char *buf, size_t n);
/*
 * Reads the token at path, creating it if missing; token gets
 * DASH_TOKEN_LEN hex digits and a NUL. 0, or a negative code with why.
 */
int dash_token_load(const char *path, char token[DASH_TOKEN_LEN + 1], char *why, size_t n);

#endif
