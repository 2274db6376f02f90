/*
 * kind: agent events -> the kinds of notification (see kind.h).
 */
#include "kind.h"

#include <string.h>

static const struct {
	unsigned kind;
	const char *name;
} notify_kinds[] = {
    {NOTIFY_NEEDS_PERSON, "needs-person"},
    {NOTIFY_DONE, "done"},
    {NOTIFY_ERROR, "error"},
    {NOTIFY_EXITED, "exited"},
    {NOTIFY_STALLED, "stalled"},
    {NOTIFY_USAGE_LIMIT, "usage-limit"},
    {NOTIFY_RECOVERED, "recovered"},
};

/* Words of an error banner that say the account, not the work, is the problem. */
static const char *const notify_limit_words[] = {
    "usage limit", "rate limit", "rate_limit", "quota", "429", "credit balance", "limit reached",
};

/* The name of a kind. */
const char *
notify_kind_name(unsigned kind)
{
	size_t i;

	for (i = 0; i < sizeof(notify_kinds) / sizeof(notify_kinds[0]); i++)
		if (notify_kinds[i].kind == kind)
			return notify_kinds[i].name;
	return NULL;
}

/* The kind of a name. */
unsigned
notify_kind_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(notify_kinds) / sizeof(notify_kinds[0]); i++)
		if (!strcmp(notify_kinds[i].name, name))
			return notify_kinds[i].kind;
	return 0;
}

/* Parses "a,b,c" or "all". */
unsigned
notify_kind_parse_list(const char *list, char *bad, size_t n)
{
	unsigned mask = 0, k;
	const char *p = list, *end;
	char name[32];
	size_t len;

	if (bad && n)
		bad[0] = '\0';
	if (!strcmp(list, "all"))
		return NOTIFY_KIND_ALL;
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(name)) {
			if (bad)
				snprintf(bad, n, "%.*s", (int)(len > 31 ? 31 : len), p);
			return 0;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (!(k = notify_kind_parse(name))) {
			if (bad)
				snprintf(bad, n, "%s", name);
			return 0;
		}
		mask |= k;
		if (!end)
			return mask;
		p = end + 1;
	}
}

/* True if s holds one of the usage-limit words, ignoring case. */
static int
notify_is_limit_text(const char *s)
{
	size_t i;

	if (!s)
		return 0;
	for (i = 0; i < sizeof(notify_limit_words) / sizeof(notify_limit_words[0]); i++)
		if (strcasestr(s, notify_limit_words[i]))
			return 1;
	return 0;
}

/* The kind of an event. */
unsigned
notify_kind_of(const json_t *ev, int was_stalled)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *state, *prev;

	if (!type)
		return 0;
	if (!strcmp(type, "confirm_needed"))
		return NOTIFY_NEEDS_PERSON;
	if (!strcmp(type, "session_completed"))
		return NOTIFY_DONE;
	if (!strcmp(type, "session_exited"))
		return NOTIFY_EXITED;
	if (!strcmp(type, "session_stuck") || !strcmp(type, "session_stalled"))
		return NOTIFY_STALLED;
	if (!strcmp(type, "session_recovered"))
		return NOTIFY_RECOVERED; /* the tool was started again after it ended */
	if (!strcmp(type, "auto_continued")) {
		const char *o = json_string_value(json_object_get(ev, "outcome"));

		/* Not continued after a usage limit: left to a person. */
		return o && strcmp(o, "continued") != 0 ? NOTIFY_NEEDS_PERSON : 0;
	}
	if (strcmp(type, "state_change"))
		return 0;
	state = json_string_value(json_object_get(ev, "state"));
	prev = json_string_value(json_object_get(ev, "previous"));
	if (!state || !prev || !strcmp(state, prev))
		return 0;
	if (!strcmp(state, "usage_limit"))
		return NOTIFY_USAGE_LIMIT;
	if (!strcmp(state, "error"))
		return notify_is_limit_text(json_string_value(json_object_get(ev, "evidence"))) ||
			       notify_is_limit_text(json_string_value(json_object_get(ev, "rule")))
			   ? NOTIFY_USAGE_LIMIT
			   : NOTIFY_ERROR;
	if (!strcmp(state, "exited") || !strcmp(state, "waiting_confirm"))
		return 0;
	if (!strcmp(prev, "error") || (was_stalled && !strcmp(prev, "starting")))
		return NOTIFY_RECOVERED;
	return 0;
}
