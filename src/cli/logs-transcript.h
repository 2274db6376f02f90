/*
 * logs-transcript: `cm logs` from a session's transcript (the agent keeps
 * it after the session ended): a time range as text, raw terminal output
 * or an asciicast v2 file.
 */
#ifndef CM_CLI_LOGS_TRANSCRIPT_H
#define CM_CLI_LOGS_TRANSCRIPT_H

#include "cli.h"
#include "conn.h"

struct logs_opts {
	double since, until; /* seconds since the epoch; < 0: none */
	int raw;	     /* the output with its escapes, for a terminal */
	int cast;	     /* asciicast v2 */
	const char *out;     /* -o FILE (with cast), or NULL: stdout */
};

/* Prints the transcript of sid from cn as o says; returns an exit status. */
int logs_transcript(struct cli *cli, struct conn *cn, const char *sid, const struct logs_opts *o);

#endif
