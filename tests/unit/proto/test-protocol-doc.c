/*
 * test-protocol-doc: docs/PROTOCOL.md checked against the protocol table
 * (src/proto/protocol.def), so that the two cannot drift apart:
 *
 * - every ```json example parses and validates against the table (known
 *   action or type, known fields of the right types, required fields
 *   present, values in the agent's ranges);
 * - every request, reply, event and pushed message of the table has at
 *   least one example;
 * - the error table of the "Errors" section lists exactly the table's wire
 *   error codes.
 *
 * CM_PROTOCOL_DOC=FILE checks another file (to see the check fail on a
 * broken copy). The checker itself is tested on small documents with a
 * missing and a bad example, so it cannot pass whatever the doc says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/err.h"
#include "proto/protocol.h"

#define FENCE_OPEN  "```json\n"
#define FENCE_CLOSE "```"

/* Appends one problem line to the report. */
static void doc_problem(struct buf *report, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
doc_problem(struct buf *report, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		buf_printf(report, "PROTOCOL.md:%d: %s\n", line, msg);
	else
		buf_printf(report, "PROTOCOL.md: %s\n", msg);
}

/* Line number (1-based) of position p in text. */
static int
doc_line(const char *text, const char *p)
{
	int n = 1;

	for (; text < p; text++)
		n += *text == '\n';
	return n;
}

/* Checks the ```json examples; marks the messages and codes they show. */
static int
doc_check_examples(const char *text, char *seen, struct buf *report)
{
	const char *p = text, *end;
	int problems = 0;
	struct buf why;

	buf_init(&why, 1024);
	while ((p = strstr(p, FENCE_OPEN)) != NULL) {
		json_error_t jerr;
		json_t *obj;
		int line = doc_line(text, p), m;

		p += strlen(FENCE_OPEN);
		if ((end = strstr(p, FENCE_CLOSE)) == NULL) {
			doc_problem(report, line, "unterminated ```json block");
			problems++;
			break;
		}
		obj = json_loadb(p, (size_t)(end - p), JSON_REJECT_DUPLICATES, &jerr);
		if (obj == NULL) {
			doc_problem(report, line + jerr.line, "example is not JSON: %s", jerr.text);
			problems++;
		} else if ((m = proto_classify(obj, &why)) < 0) {
			doc_problem(report, line, "example of no message: %s", why.data);
			problems++;
		} else if (proto_validate((enum proto_msg)m, obj, PROTO_CHECK_LIMITS, &why) < 0) {
			doc_problem(report, line, "%s example does not validate: %s",
				    proto_msg_name((enum proto_msg)m), why.data);
			problems++;
		} else {
			seen[m] = 1;
		}
		json_decref(obj);
		p = end + strlen(FENCE_CLOSE);
	}
	buf_release(&why);
	return problems;
}

/* Checks that the error table of "## Errors" lists exactly the table's codes. */
static int
doc_check_errors(const char *text, struct buf *report)
{
	const char *sec = strstr(text, "\n## Errors\n"), *end, *p;
	char listed[64] = {0};
	int problems = 0;

	if (sec == NULL) {
		doc_problem(report, 0, "no \"## Errors\" section");
		return 1;
	}
	end = strstr(sec + 1, "\n## ");
	if (end == NULL)
		end = sec + strlen(sec);
	for (p = sec; p != NULL && p < end; p = strchr(p + 1, '\n')) {
		char name[64];
		int n = 0, code;

		if (sscanf(p, "\n| `%63[a-z_]` |%n", name, &n) != 1 || n == 0)
			continue;
		if ((code = proto_error_parse(name)) == 0) {
			doc_problem(
			    report, doc_line(text, p + 1),
			    "error table lists `%s`, which the protocol table does not have", name);
			problems++;
			continue;
		}
		for (size_t i = 0; i < proto_nerrors && i < sizeof listed; i++)
			if ((int)proto_errors[i].code == code)
				listed[i] = 1;
	}
	for (size_t i = 0; i < proto_nerrors && i < sizeof listed; i++) {
		if (!listed[i]) {
			doc_problem(report, 0, "error code `%s` is missing from the error table",
				    proto_errors[i].name);
			problems++;
		}
	}
	return problems;
}

/* Runs every check over a document; returns the number of problems. */
static int
doc_check(const char *text, struct buf *report)
{
	char seen[PROTO_MSG__COUNT] = {0};
	int problems = doc_check_examples(text, seen, report);

	for (int m = 0; m < PROTO_MSG__COUNT; m++) {
		const struct proto_msg_info *info = proto_msg_info((enum proto_msg)m);

		if (info->kind == PROTO_KIND_OBJECT || seen[m])
			continue;
		doc_problem(report, 0, "no example of the %s %s", info->name,
			    info->kind == PROTO_KIND_REQUEST ? "request" : "message");
		problems++;
	}
	return problems + doc_check_errors(text, report);
}

/* Reads a whole file (caller frees), or NULL. */
static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *data;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = calloc(1, (size_t)n + 1);
	if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

/* docs/PROTOCOL.md has an example of every message and validates. */
static void
test_doc_matches_table(void **state)
{
	const char *path = getenv("CM_PROTOCOL_DOC");
	struct buf report;
	char *text;
	int problems;

	(void)state;
	if (path == NULL)
		path = CM_SOURCE_DIR "/docs/PROTOCOL.md";
	text = read_file(path);
	assert_non_null(text);
	buf_init(&report, 1 << 20);
	problems = doc_check(text, &report);
	if (problems)
		fprintf(stderr, "%s: %d problem(s) against src/proto/protocol.def:\n%s", path,
			problems, report.data);
	assert_int_equal(problems, 0);
	buf_release(&report);
	free(text);
}

/* A minimal document: every message, and the error table, from the table itself. */
static void
doc_minimal(struct buf *doc, int skip_msg, const char *extra)
{
	buf_printf(doc, "# test\n\n## Errors\n\n| code | meaning |\n|---|---|\n");
	for (size_t i = 0; i < proto_nerrors; i++)
		buf_printf(doc, "| `%s` | %s |\n", proto_errors[i].name, proto_errors[i].text);
	buf_printf(doc, "\n## Requests\n\n");
	for (int m = 0; m < PROTO_MSG__COUNT; m++) {
		const struct proto_msg_info *info = proto_msg_info((enum proto_msg)m);
		json_t *obj = json_object();
		char *s;

		if (info->kind == PROTO_KIND_OBJECT || m == skip_msg) {
			json_decref(obj);
			continue;
		}
		/* Only field-free or fill-able messages: fill required fields by type. */
		if (m == PROTO_REQ_AUTH)
			json_object_set_new(obj, "auth_token", json_string("t"));
		else
			json_object_set_new(obj,
					    info->kind == PROTO_KIND_REQUEST ? "action" : "type",
					    json_string(info->name));
		for (size_t i = 0; i < proto_nfields; i++) {
			const struct proto_field *f = &proto_fields[i];
			json_t *v = NULL;

			if (f->owner != m || f->need == PROTO_OPTIONAL)
				continue;
			switch (f->type) {
			case PROTO_T_STRING: {
				char fill[64];
				size_t n = f->min > 0 ? (size_t)f->min : 1;

				memset(fill, 'a', n);
				fill[n] = '\0';
				v = json_string(fill);
				break;
			}
			case PROTO_T_INT:
			case PROTO_T_NUMBER:
				v = json_integer(f->min);
				break;
			case PROTO_T_BOOL:
				v = json_true();
				break;
			case PROTO_T_OBJECT:
				v = f->shape == PROTO_OBJ_CONTEXT
					? json_pack("{s:s}", "path", "/")
					: json_pack("{s:i, s:i}", "x", 0, "y", 0);
				break;
			case PROTO_T_ARRAY:
				v = json_array();
				break;
			case PROTO_T_STATE:
				v = json_string("idle");
				break;
			case PROTO_T_ERROR:
				v = json_string("busy");
				break;
			}
			json_object_set_new(obj, f->name, v);
		}
		s = json_dumps(obj, JSON_COMPACT);
		buf_printf(doc, "```json\n%s\n```\n\n", s);
		free(s);
		json_decref(obj);
	}
	if (extra)
		buf_printf(doc, "%s", extra);
}

/* The checker passes a complete document: the generated one is complete. */
static void
test_check_accepts_complete(void **state)
{
	struct buf doc, report;

	(void)state;
	buf_init(&doc, 1 << 20);
	buf_init(&report, 1 << 20);
	doc_minimal(&doc, -1, NULL);
	assert_int_equal(doc_check(doc.data, &report), 0);
	buf_release(&doc);
	buf_release(&report);
}

/* A message without an example is caught. */
static void
test_check_catches_missing_example(void **state)
{
	struct buf doc, report;

	(void)state;
	buf_init(&doc, 1 << 20);
	buf_init(&report, 1 << 20);
	doc_minimal(&doc, PROTO_MSG_OUTPUT_DROPPED, NULL);
	assert_int_equal(doc_check(doc.data, &report), 1);
	assert_non_null(strstr(report.data, "no example of the output_dropped message"));
	buf_release(&doc);
	buf_release(&report);
}

/* Bad examples are caught: wrong type, unknown field, missing field, out of range, not JSON. */
static void
test_check_catches_bad_examples(void **state)
{
	static const char *const bad[][2] = {
	    {"{\"action\": \"resize\", \"sessionId\": \"cm-1\", \"cols\": \"80\", \"rows\": 30}",
	     "\"cols\" must be an integer"},
	    {"{\"action\": \"ping\", \"verbose\": true}", "unknown field \"verbose\""},
	    {"{\"type\": \"keys_sent\"}", "missing \"sessionId\""},
	    {"{\"action\": \"capture_pane\", \"sessionId\": \"cm-1\", \"lines\": 20000}",
	     "\"lines\" must be 1..10000"},
	    {"{\"type\": \"state_change\", \"sessionId\": \"cm-1\", \"state\": \"sleeping\", "
	     "\"previous\": \"idle\", \"seq\": 1, \"timestamp\": 1.5}",
	     "\"state\" must be a state"},
	    {"{\"type\": \"error\", \"code\": \"no_such_code\", \"message\": \"x\"}",
	     "\"code\" must be an error code"},
	    {"{\"action\": \"list_sessions\",}", "example is not JSON"},
	    {"{\"action\": \"make_coffee\"}", "unknown action \"make_coffee\""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf doc, report, extra;

		buf_init(&doc, 1 << 20);
		buf_init(&report, 1 << 20);
		buf_init(&extra, 4096);
		buf_printf(&extra, "```json\n%s\n```\n", bad[i][0]);
		doc_minimal(&doc, -1, extra.data);
		assert_int_equal(doc_check(doc.data, &report), 1);
		if (strstr(report.data, bad[i][1]) == NULL)
			fail_msg("%s: expected \"%s\" in:\n%s", bad[i][0], bad[i][1], report.data);
		buf_release(&doc);
		buf_release(&report);
		buf_release(&extra);
	}
}

/* The error table must list every code, and no code the table lacks. */
static void
test_check_catches_error_table_drift(void **state)
{
	struct buf doc, report;
	char *p;

	(void)state;
	buf_init(&doc, 1 << 20);
	buf_init(&report, 1 << 20);
	doc_minimal(&doc, -1, NULL);
	/* Rename the busy row: busy goes missing and an unknown code appears. */
	p = strstr(doc.data, "| `busy` |");
	assert_non_null(p);
	memcpy(p + 3, "bust", 4);
	assert_int_equal(doc_check(doc.data, &report), 2);
	assert_non_null(strstr(report.data, "error code `busy` is missing"));
	assert_non_null(strstr(report.data, "lists `bust`"));
	buf_release(&doc);
	buf_release(&report);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doc_matches_table),
	    cmocka_unit_test(test_check_accepts_complete),
	    cmocka_unit_test(test_check_catches_missing_example),
	    cmocka_unit_test(test_check_catches_bad_examples),
	    cmocka_unit_test(test_check_catches_error_table_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
