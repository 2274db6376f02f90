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

/* True if sid is id itself, with or without the "cm-". */
static int
resolve_is_exact(const char *id, const char *sid)
{
	return !strcmp(sid, id) ||
	       (strncmp(id, "cm-", 3) && !strncmp(sid, "cm-", 3) && !strcmp(sid + 3, id));
}

/* Appends ", CTX/SID" for each session of list that id names (exactly, if exact). */
static size_t
resolve_candidates(const json_t *list, const char *ctx, const char *id, int exact, char *buf,
		   size_t n, size_t used)
{
	const json_t *s;
	size_t j;

	json_array_foreach (list, j, s) {
		const char *sid = json_string_value(json_object_get(s, "sessionId"));
		int w;
		if (!sid || !(exact ? resolve_is_exact(id, sid) : resolve_prefixes(id, sid)))
			continue;
		if (used >= n)
			break;
		w = snprintf(buf + used, n - used, "%s%s/%s", used ? ", " : "", ctx, sid);
		used += w > 0 ? (size_t)w : 0;
	}
	return used < n ? used : n;
}

/*
 * Finds a session across the candidate contexts; the caller releases r
 * either way. Session ids are unique on one agent only, so an id (or a
 * prefix) found on two contexts is refused rather than guessed: the
 * candidates are listed as CTX/ID, which selects one. An exact id still
 * wins over prefixes of other ids.
 */
static int
resolve_find(struct cli *cli, const char *arg, struct resolved *r, const struct conn_hooks *hooks,
	     int (*list)(struct cm_client *c, json_t **out), int quiet, const char *what)
{
	char ctxname[CTX_NAME_MAX + 2], cands[1024] = "";
	const char *id;
	const json_t **match;
	json_t **lists;
	int *counts, *exacts;
	size_t i, ready, used = 0, nexact = 0, nfound = 0, pick = 0;
	int rc, failed = 0, first_fail = 0;

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
	if (r->n == 1 && ready == 0) {
		cli_error(cli, "%s: %s", r->conns[0].ctx.name, r->conns[0].err);
		return r->conns[0].status;
	}
	lists = xcalloc(r->n, sizeof(*lists));
	match = xcalloc(r->n, sizeof(*match));
	counts = xcalloc(r->n, sizeof(*counts));
	exacts = xcalloc(r->n, sizeof(*exacts));
	for (i = 0; i < r->n; i++) {
		struct conn *cn = &r->conns[i];

		if (cn->status) {
			failed++;
			if (!first_fail)
				first_fail = cn->status;
			continue;
		}
		if ((rc = list(cn->client, &lists[i])) < 0) {
			if (!quiet)
				cli_warn(cli, "%s: %s", cn->ctx.name, cm_client_error(cn->client));
			failed++;
			continue;
		}
		counts[i] = resolve_match(lists[i], id, &match[i]);
		exacts[i] =
		    counts[i] == 1 &&
		    resolve_is_exact(id, json_string_value(json_object_get(match[i], "sessionId")));
		if (exacts[i])
			nexact++;
		if (counts[i] > 0)
			nfound++;
	}
	/* Exact ids first: a prefix elsewhere does not make an exact id ambiguous. */
	for (i = 0; i < r->n; i++)
		if (nexact ? exacts[i] : counts[i] > 0)
			used = resolve_candidates(lists[i], r->conns[i].ctx.name, id, nexact > 0,
						  cands, sizeof(cands), used);
	if (nexact > 1 || (!nexact && nfound > 1)) {
		cli_error(cli,
			  "session id \"%s\" is on more than one context: %s (name one as CTX/ID)",
			  id, cands);
		rc = CLI_EXIT_AMBIGUOUS;
		goto out;
	}
	for (i = 0; i < r->n; i++)
		if (nexact ? exacts[i] : counts[i] > 0)
			pick = i;
	if (!nfound) {
		if (ready == 0 && failed)
			rc = first_fail;
		else {
			if (!quiet)
				cli_error(cli, "no %s matches \"%s\"%s", what, arg,
					  failed ? " (some contexts were unreachable)" : "");
			rc = CLI_EXIT_NOTFOUND;
		}
		goto out;
	}
	if (counts[pick] > 1) {
		cli_error(cli, "session id \"%s\" is ambiguous: %s", id, cands);
		rc = CLI_EXIT_NOTFOUND;
		goto out;
	}
	r->session = json_incref((json_t *)match[pick]);
	r->conn = &r->conns[pick];
	r->sid = json_string_value(json_object_get(r->session, "sessionId"));
	rc = 0;
out:
	for (i = 0; i < r->n; i++)
		json_decref(lists[i]);
	free(lists);
	free(match);
	free(counts);
	free(exacts);
	return rc;
}

/* Finds the session; on failure nothing is left open in r. */
int
resolve_session(struct cli *cli, const char *arg, struct resolved *r,
		const struct conn_hooks *hooks)
{
	int rc = resolve_find(cli, arg, r, hooks, cm_client_list_sessions, 0, "session");

	if (rc != 0)
		resolve_release(r);
	return rc;
}

/* Finds a transcript (of a live or an ended session); quiet: no error printed if none. */
int
resolve_transcript(struct cli *cli, const char *arg, struct resolved *r,
		   const struct conn_hooks *hooks, int quiet)
{
	int rc = resolve_find(cli, arg, r, hooks, cm_client_list_transcripts, quiet, "session");

	if (rc != 0)
		resolve_release(r);
	return rc;
}

/* Finds a session that has a worktree, ended ones too. */
int
resolve_worktree(struct cli *cli, const char *arg, struct resolved *r)
{
	int rc = resolve_find(cli, arg, r, NULL, cm_client_list_worktrees, 0, "worktree session");

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
