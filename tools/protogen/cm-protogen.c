/*
 * cm-protogen: writes the protocol table (src/proto/protocol.def) in the
 * forms that cannot include a C X-macro file.
 *
 *   cm-protogen js OUT.js   the dashboard's ES module (web/protocol.js)
 *   cm-protogen h OUT.h     libcm's public cm-protocol.h, included by cm.h
 *
 * cmake/protogen.cmake runs it at build time; neither output is committed.
 * The table is compiled into this program, so the outputs depend on
 * protocol.def (and src/common/err.h for the numeric error codes) only. The
 * output is written to OUT.tmp and renamed, so an interrupted build never
 * leaves half a file behind.
 *
 * It runs on the build machine only; it is not part of any product.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "proto/protocol.h"
#include "proto/state.h"

/* Prints a message and exits: this is a build step, failing loudly is right. */
static _Noreturn void
die(const char *what, const char *arg)
{
	fprintf(stderr, "cm-protogen: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

/* Writes s as a JavaScript string literal (double quotes). */
static void
js_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Writes s upper-cased ("connect_failed" -> "CONNECT_FAILED"). */
static void
upper(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s, f);
}

static const char *const need_names[] = {
    [PROTO_OPTIONAL] = "optional", [PROTO_REQUIRED] = "required", [PROTO_NULLABLE] = "nullable"};

/* Writes the kind of a message as the module names it. */
static const char *
kind_name(enum proto_kind k)
{
	switch (k) {
	case PROTO_KIND_REQUEST:
		return "request";
	case PROTO_KIND_REPLY:
		return "reply";
	case PROTO_KIND_EVENT:
		return "event";
	case PROTO_KIND_REPLY_EVENT:
		return "reply+event";
	case PROTO_KIND_PUSHED:
		return "pushed";
	case PROTO_KIND_OBJECT:
		return "object";
	}
	return "?";
}

/* Writes a frozen map SYM: "name" of the messages of the kinds in mask. */
static void
js_names(FILE *f, const char *var, int mask)
{
	fprintf(f, "export const %s = Object.freeze({\n", var);
	for (int i = 0; i < PROTO_MSG__COUNT; i++) {
		if (!(proto_msgs[i].kind & mask))
			continue;
		fputs("  ", f);
		upper(f, proto_msgs[i].name);
		fputs(": ", f);
		js_str(f, proto_msgs[i].name);
		fputs(",\n", f);
	}
	fputs("});\n\n", f);
}

/* The ES module. */
static void
write_js(FILE *f)
{
	fputs("// protocol.js: protocol v1, generated from src/proto/protocol.def by\n"
	      "// tools/protogen/cm-protogen at build time. Do not edit; see\n"
	      "// docs/PROTOCOL-TABLE.md.\n\n",
	      f);
	fprintf(f, "export const PROTOCOL_VERSION = %d;\n\n", PROTO_VERSION);
	fputs("/** The protocol's numbers (limits the agent enforces, default port...). */\n"
	      "export const Limits = Object.freeze({\n",
	      f);
	for (size_t i = 0; i < proto_nconsts; i++)
		fprintf(f, "  %s: %ld,\n", proto_consts[i].name, proto_consts[i].value);
	fputs("});\n\n/** Request names (the \"action\" of a request). */\n", f);
	js_names(f, "Action", PROTO_KIND_REQUEST);
	fputs("/** Reply, event and pushed message names (their \"type\"). */\n", f);
	js_names(f, "Type", PROTO_KIND_REPLY | PROTO_KIND_EVENT | PROTO_KIND_PUSHED);
	fputs("/** Session states. */\nexport const State = Object.freeze({\n", f);
	for (size_t i = 0; i < proto_nstates; i++) {
		fputs("  ", f);
		upper(f, proto_states[i].name);
		fputs(": ", f);
		js_str(f, proto_states[i].name);
		fputs(",\n", f);
	}
	fputs("});\n\n/** Wire error codes. */\nexport const ErrorCode = Object.freeze({\n", f);
	for (size_t i = 0; i < proto_nerrors; i++) {
		fputs("  ", f);
		upper(f, proto_errors[i].name);
		fputs(": ", f);
		js_str(f, proto_errors[i].name);
		fputs(",\n", f);
	}
	fputs("});\n\n/** The default text of each error code. */\n"
	      "export const errorText = Object.freeze({\n",
	      f);
	for (size_t i = 0; i < proto_nerrors; i++) {
		fputs("  ", f);
		fputs(proto_errors[i].name, f);
		fputs(": ", f);
		js_str(f, proto_errors[i].text);
		fputs(",\n", f);
	}
	fputs(
	    "});\n\n/**\n * Every message and nested object: its kind and fields ({name, type, "
	    "need,\n"
	    " * shape, min, max}). Keys are \"request:NAME\", \"message:NAME\", \"object:NAME\".\n"
	    " */\nexport const messages = Object.freeze({\n",
	    f);
	for (int i = 0; i < PROTO_MSG__COUNT; i++) {
		const struct proto_msg_info *m = &proto_msgs[i];
		const char *ns = m->kind == PROTO_KIND_REQUEST	? "request"
				 : m->kind == PROTO_KIND_OBJECT ? "object"
								: "message";

		fprintf(f, "  \"%s:%s\": { kind: ", ns, m->name);
		js_str(f, kind_name(m->kind));
		fputs(", doc: ", f);
		js_str(f, m->doc);
		fputs(", fields: [", f);
		for (size_t j = 0; j < proto_nfields; j++) {
			const struct proto_field *fl = &proto_fields[j];

			if (fl->owner != m->msg)
				continue;
			fprintf(f, "\n    { name: ");
			js_str(f, fl->name);
			fprintf(f, ", type: \"%s\", need: \"%s\"", proto_type_name(fl->type),
				need_names[fl->need]);
			if (fl->shape != PROTO_OBJ_NONE)
				fprintf(f, ", shape: \"%s\"", proto_msgs[fl->shape].name);
			if (fl->min != 0 || fl->max != 0)
				fprintf(f, ", min: %lld, max: %lld", (long long)fl->min,
					(long long)fl->max);
			fputs(" },", f);
		}
		fputs("] },\n", f);
	}
	fputs("});\n", f);
}

/* True if code is a wire error code of the table. */
static int
is_wire(int code)
{
	return proto_error_name(code) != NULL;
}

/* The public C header. */
static void
write_h(FILE *f)
{
	fputs("/*\n"
	      " * cm-protocol.h: protocol v1's numbers, error codes and session states for\n"
	      " * libcm, generated from cm's protocol table (src/proto/protocol.def) at\n"
	      " * build time. Do not edit. Included by <cm.h>; see cm.h for the functions.\n"
	      " */\n"
	      "#ifndef CM_PROTOCOL_H\n#define CM_PROTOCOL_H\n\n",
	      f);
	fprintf(f, "#define CM_PROTOCOL_VERSION %d\n", PROTO_VERSION);
	fprintf(f, "#define CM_DEFAULT_PORT %d\n\n", PROTO_DEFAULT_PORT);
	fputs("/*\n * Error codes: libcm's functions return 0 or one of these (negative). The\n"
	      " * first ones travel in {\"type\":\"error\",\"code\":...} replies; the rest are\n"
	      " * libcm's own. cm_error_name() gives the stable name in the comment.\n */\n"
	      "enum cm_error {\n\tCM_ERROR_OK = 0,\n",
	      f);
	for (size_t i = 0; i < proto_nerrors; i++) {
		fputs("\tCM_ERROR_", f);
		upper(f, proto_errors[i].name);
		fprintf(f, " = %d, /* %s: %s */\n", (int)proto_errors[i].code, proto_errors[i].name,
			proto_errors[i].text);
	}
#define LOCAL(sym, name, text)                                                                     \
	if (!is_wire(sym)) {                                                                       \
		fputs("\tCM_ERROR_", f);                                                           \
		upper(f, name);                                                                    \
		fprintf(f, " = %d, /* %s: %s (local) */\n", (int)(sym), name, text);               \
	}
	CM_ERR_LIST(LOCAL)
#undef LOCAL
	fputs("};\n\n/* The states a session can be in (the \"state\" of a session). */\n"
	      "enum cm_session_state {\n",
	      f);
	for (size_t i = 0; i < proto_nstates; i++) {
		fputs("\tCM_SESSION_", f);
		upper(f, proto_states[i].name);
		fprintf(f, " = %d, /* %s: %s */\n", proto_states[i].state, proto_states[i].name,
			proto_states[i].doc);
	}
	fprintf(f, "\tCM_SESSION__COUNT = %d\n};\n\n#endif\n", (int)proto_nstates);
}

int
main(int argc, char **argv)
{
	char tmp[4096];
	FILE *f;

	if (argc != 3 || (strcmp(argv[1], "js") != 0 && strcmp(argv[1], "h") != 0))
		die("usage: cm-protogen js|h OUT", NULL);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]) >= (int)sizeof tmp)
		die("output path too long", argv[2]);
	if ((f = fopen(tmp, "w")) == NULL)
		die("cannot write", tmp);
	if (argv[1][0] == 'j')
		write_js(f);
	else
		write_h(f);
	if (ferror(f) || fclose(f) != 0)
		die("cannot write", tmp);
	if (rename(tmp, argv[2]) != 0)
		die("cannot rename to", argv[2]);
	return 0;
}
