/*
 * cm-protocheck: checks messages against the protocol table with the
 * validator libcm and the doc check use (src/proto/protocol.c).
 *
 *   cm-protocheck FILE     one JSON object per line
 *
 * Prints one line per message that does not validate (with the ranges the
 * agent enforces) and, last, the names of the messages seen; exits 1 if any
 * did not validate. tests/integration/test-protocol-table.py feeds it every
 * frame a real agent sent, so that the table is checked against the agent
 * as docs/PROTOCOL.md is checked against the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "proto/protocol.h"

int
main(int argc, char **argv)
{
	char seen[PROTO_MSG__COUNT] = {0};
	struct buf why;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, bad = 0;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: cm-protocheck FILE (one JSON object per line)\n");
		return 2;
	}
	buf_init(&why, 4096);
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t jerr;
		json_t *j;
		int m;

		lineno++;
		if ((j = json_loadb(line, (size_t)n, 0, &jerr)) == NULL) {
			printf("line %d: not JSON: %s\n", lineno, jerr.text);
			bad++;
			continue;
		}
		if ((m = proto_classify(j, &why)) < 0 ||
		    proto_validate((enum proto_msg)m, j, PROTO_CHECK_LIMITS, &why) < 0) {
			printf("line %d: %s: %.300s", lineno, why.data ? why.data : "?", line);
			bad++;
		} else {
			seen[m] = 1;
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	buf_release(&why);
	printf("seen:");
	for (int m = 0; m < PROTO_MSG__COUNT; m++)
		if (seen[m])
			printf(" %s%s",
			       proto_msg_info((enum proto_msg)m)->kind == PROTO_KIND_REQUEST
				   ? "request:"
				   : "",
			       proto_msg_name((enum proto_msg)m));
	printf("\n");
	return bad ? 1 : 0;
}
