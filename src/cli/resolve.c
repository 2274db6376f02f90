/*
 * resolve: session ids typed by people (see resolve.h).
 */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* Splits "CTX/ID". */
int
resolve_split(const char *arg, char *ctx, size_t n, const char **id)
{
	const char *slash = strchr(arg, '/');

	ctx[0] = '\0';
	*id = arg;
	if (!slash)
		return 0;
	if ((size_t)(slash - arg) >= n)
		return CM_ETOOBIG;
	memcpy(ctx, arg, (size_t)(slash - arg));
	ctx[slash - arg] = '\0';
	*id = slash + 1;
	return 0;
}

/* True if id is a prefix of sid, with or without the "cm-" of sid. */
static int
resolve_prefixes(const char *id, const char *sid)
{
	size_t len = strlen(id);

	if (!strncmp(sid, id, len))
		return 1;
	return strncmp(id, "cm-", 3) && !strncmp(sid, "cm-", 3) && !strncmp(sid + 3, id, len);
}

/* Counts prefix matches of want among the ids. */
static int
resolve_count(const json_t *sessions, const char *want, const json_t **match, int *exact)
{
	size_t i, len = strlen(want);
	const json_t *s;
	int count = 0;

	*exact = 0;
	json_array_foreach (sessions, i, s) {
		const char *sid = json_string_value(json_object_get(s, "sessionId"));
		if (!sid)
			continue;
		if (!strcmp(sid, want)) {
			*match = s;
			*exact = 1;
			return 1;
		}
		if (!strncmp(sid, want, len)) {
			if (count == 0)
				*match = s;
			count++;
		}
	}
	return count;
}

/* Counts matches of id, also trying it with "cm-" in front. */
int
resolve_match(const json_t *sessions, const char *id, const json_t **match)
{
	char with[256];
	int exact, n;

	*match = NULL;
	if (!id || !*id)
		return 0;
	n = resolve_count(sessions, id, match, &exact);
	if (n == 0 && strncmp(id, "cm-", 3)) {
		snprintf(with, sizeof(with), "cm-%s", id);
		n = resolve_count(sessions, with, match, &exact);
	}
	return n;
}

/* Finds a session across the candidate contexts; the caller releases r either way. */
static int
resolve_find(struct cli *cli, const char *arg, struct resolved *r, const struct conn_hooks *hooks)
{
	char ctxname[CTX_NAME_MAX + 2], cands[1024] = "";
	const char *id;
	size_t i, ready, used = 0;
	int rc, total = 0, failed = 0, first_fail = 0;

	memset(r, 0, sizeof(*r));
	if (resolve_split(arg, ctxname, sizeof(ctxname), &id) < 0 || !*id) {
		cli_error(cli, "\"%s\" is not a session id (CTX/ID or an id prefix)", arg);
		return CLI_EXIT_USAGE;
	}
	if (!*ctxname && cli->ctx_name)
		snprintf(ctxname, sizeof(ctxname), "%s", cli->ctx_name);
	if ((rc = cli_load_contexts(cli)) != 0)
		return rc;
	if (*ctxname) {
		struct ctx c;
		if ((rc = cli_find_context(cli, ctxname, &c)) != 0)
			return rc;
		r->conns = xcalloc(1, sizeof(*r->conns));
		r->n = 1;
		r->conns[0].ctx = c;
	} else {
		r->conns = conn_all_contexts(cli, NULL, &r->n, &rc);
		if (!r->conns)
			return rc;
		if (r->n == 0) {
			cli_error(cli, "no context defined: add one with cm ctx add NAME ...");
			return CLI_EXIT_CONFIG;
		}
	}
	ready = conn_open_many(cli, r->conns, r->n, hooks, r->n == 1);
	for (i = 0; i < r->n; i++) {
		struct conn *cn = &r->conns[i];
		const json_t *m = NULL;
		json_t *list = NULL;
		int k;

		if (cn->status) {
			failed++;
			if (!first_fail)
				first_fail = cn->status;
			continue;
		}
		if ((rc = cm_client_list_sessions(cn->client, &list)) < 0) {
			cli_warn(cli, "%s: %s", cn->ctx.name, cm_client_error(cn->client));
			failed++;
			continue;
		}
		k = resolve_match(list, id, &m);
		if (k == 1 && (!r->session ||
			       !strcmp(json_string_value(json_object_get(m, "sessionId")), id))) {
			json_decref(r->session);
			r->session = json_incref((json_t *)m);
			r->conn = cn;
		}
		if (k > 0) {
			size_t j;
			const json_t *s;
			json_array_foreach (list, j, s) {
				const char *sid =
				    json_string_value(json_object_get(s, "sessionId"));
				if (!sid || !resolve_prefixes(id, sid))
					continue;
				if (used < sizeof(cands)) {
					int w =
					    snprintf(cands + used, sizeof(cands) - used, "%s%s/%s",
						     used ? ", " : "", cn->ctx.name, sid);
					used += w > 0 ? (size_t)w : 0;
				}
			}
		}
		total += k;
		json_decref(list);
	}
	if (r->n == 1 && ready == 0) {
		cli_error(cli, "%s: %s", r->conns[0].ctx.name, r->conns[0].err);
		return r->conns[0].status;
	}
	if (r->session && total > 1) {
		/* An exact id wins over prefixes of other ids. */
		const char *sid = json_string_value(json_object_get(r->session, "sessionId"));
		if (strcmp(sid, id)) {
			cli_error(cli, "session id \"%s\" is ambiguous: %s", id, cands);
			return CLI_EXIT_NOTFOUND;
		}
	}
	if (!r->session) {
		if (total > 1) {
			cli_error(cli, "session id \"%s\" is ambiguous: %s", id, cands);
			return CLI_EXIT_NOTFOUND;
		}
		if (ready == 0 && failed)
			return first_fail;
		cli_error(cli, "no session matches \"%s\"%s", arg,
			  failed ? " (some contexts were unreachable)" : "");
		return CLI_EXIT_NOTFOUND;
	}
	r->sid = json_string_value(json_object_get(r->session, "sessionId"));
	return 0;
}

/* Finds the session; on failure nothing is left open in r. */
int
resolve_session(struct cli *cli, const char *arg, struct resolved *r,
		const struct conn_hooks *hooks)
{
	int rc = resolve_find(cli, arg, r, hooks);

	if (rc != 0)
		resolve_release(r);
	return rc;
}

/* Resolves the one session id argument left after the flags. */
int
resolve_arg(struct cli *cli, int argc, char **argv, struct resolved *r,
	    const struct conn_hooks *hooks)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = cli_one_arg(cli, argc, argv, "missing session id")) != 0)
		return rc;
	return resolve_session(cli, argv[optind], r, hooks);
}

/* Closes everything. */
void
resolve_release(struct resolved *r)
{
	json_decref(r->session);
	if (r->conns)
		conn_close_many(r->conns, r->n);
	memset(r, 0, sizeof(*r));
}
