/*
 * tools: merged profile directories (see tools.h).
 */
#include "agent/screen/tools.h"

#include <stdlib.h>
#include <string.h>

#include "agent/screen/builtin-profiles.h"
#include "agent/screen/profile.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define TOOLS_MAX 256

static struct profile *tools_builtin[TOOLS_MAX];    /* compiled-in profiles */
static size_t tools_n_builtin;			    /* entries in tools_builtin */
static struct profile_set **tools_sets;		    /* every set loaded, oldest first */
static size_t tools_n_sets;			    /* entries in tools_sets */
static const struct profile *tools_list[TOOLS_MAX]; /* current tools, by name */
static size_t tools_n;				    /* entries in tools_list */

/* Orders profiles by name. */
static int
tools_cmp(const void *x, const void *y)
{
	const struct profile *const *a = x, *const *b = y;

	return strcmp(profile_name(*a), profile_name(*b));
}

/* Adds or replaces a tool in the current list. */
static void
tools_put(const struct profile *p)
{
	for (size_t i = 0; i < tools_n; i++)
		if (strcmp(profile_name(tools_list[i]), profile_name(p)) == 0) {
			tools_list[i] = p;
			return;
		}
	if (tools_n < TOOLS_MAX)
		tools_list[tools_n++] = p;
}

/* Parses the compiled-in profiles once. */
static void
tools_load_builtin(void)
{
	if (tools_n_builtin > 0)
		return;
	for (size_t i = 0; i < cm_builtin_profiles_count && i < TOOLS_MAX; i++) {
		const struct builtin_profile *b = &cm_builtin_profiles[i];
		struct profile *p = NULL;
		struct buf err;

		buf_init(&err, 4096);
		if (profile_parse_json(b->json, strlen(b->json), b->file, &p, &err) < 0)
			log_error("built-in profile refused: %s", err.data ? err.data : b->file);
		else
			tools_builtin[tools_n_builtin++] = p;
		buf_release(&err);
	}
}

/* Loads the built-in profiles, then the configured directories over them. */
size_t
tools_load(char *const *dirs, size_t n_dirs)
{
	tools_n = 0;
	tools_load_builtin();
	for (size_t i = 0; i < tools_n_builtin; i++)
		tools_put(tools_builtin[i]);
	for (size_t d = 0; d < n_dirs; d++) {
		const char *dir = dirs[d];
		struct profile_set *set = NULL;
		struct buf errors;

		buf_init(&errors, 64 * 1024);
		if (profile_set_load(dir, &set, &errors) < 0) {
			log_debug("profiles dir %s: not readable", dir);
			buf_release(&errors);
			continue;
		}
		if (errors.len > 0) {
			char *line = errors.data, *nl;

			for (; line && *line; line = nl ? nl + 1 : NULL) {
				nl = strchr(line, '\n');
				if (nl)
					*nl = '\0';
				log_error("profile refused: %s", line);
			}
		}
		buf_release(&errors);
		tools_sets = xreallocarray(tools_sets, tools_n_sets + 1, sizeof *tools_sets);
		tools_sets[tools_n_sets++] = set;
		for (size_t i = 0; i < profile_set_count(set); i++)
			tools_put(profile_set_at(set, i));
	}
	qsort(tools_list, tools_n, sizeof tools_list[0], tools_cmp);
	for (size_t i = 0; i < tools_n; i++)
		log_debug("tool %s: %s", profile_name(tools_list[i]),
			  profile_description(tools_list[i]));
	return tools_n;
}

/* Looks a tool up by name. */
const struct profile *
tools_find(const char *name)
{
	for (size_t i = 0; i < tools_n; i++)
		if (strcmp(profile_name(tools_list[i]), name) == 0)
			return tools_list[i];
	return NULL;
}

/* Number of tools. */
size_t
tools_count(void)
{
	return tools_n;
}

/* The i-th tool. */
const struct profile *
tools_at(size_t i)
{
	return i < tools_n ? tools_list[i] : NULL;
}

/* Frees every set. */
void
tools_release(void)
{
	for (size_t i = 0; i < tools_n_sets; i++)
		profile_set_free(tools_sets[i]);
	free(tools_sets);
	tools_sets = NULL;
	for (size_t i = 0; i < tools_n_builtin; i++)
		profile_free(tools_builtin[i]);
	tools_n_builtin = 0;
	tools_n_sets = 0;
	tools_n = 0;
}

/* Tells whether a compiled-in profile has p's name (a copy in a profiles directory counts). */
int
tools_is_builtin(const struct profile *p)
{
	tools_load_builtin();
	for (size_t i = 0; i < tools_n_builtin; i++)
		if (strcmp(profile_name(tools_builtin[i]), profile_name(p)) == 0)
			return 1;
	return 0;
}
