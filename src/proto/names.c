/*
 * names: validation of outside names (see names.h). Each check is a small
 * hand-written scanner: the rules are simple and must not depend on locale.
 */
#include "proto/names.h"

#include <string.h>

/* Counts the leading ASCII digits of s. */
static size_t
names_digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* Validates a session id. */
int
names_session_id_valid(const char *id)
{
	size_t n;

	if (id == NULL || strlen(id) > NAMES_SESSION_ID_MAX || strncmp(id, "cm-", 3) != 0)
		return 0;
	id += 3;
	if ((n = names_digits(id)) == 0)
		return 0;
	id += n;
	if (*id == '\0')
		return 1;
	if (*id++ != '-' || (n = names_digits(id)) == 0)
		return 0;
	return id[n] == '\0';
}

/* Tells whether c may appear in a name; first says whether it is the first. */
static int
names_char_ok(char c, int first, int upper_dot)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	if (upper_dot && c >= 'A' && c <= 'Z')
		return 1;
	if (first)
		return 0;
	return c == '_' || c == '-' || (upper_dot && c == '.');
}

/* Validates a name against the tool or context alphabet. */
static int
names_valid(const char *s, size_t max, int upper_dot)
{
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > max)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!names_char_ok(s[i], i == 0, upper_dot))
			return 0;
	return 1;
}

/* Validates a tool (profile) name. */
int
names_tool_valid(const char *name)
{
	return names_valid(name, NAMES_TOOL_MAX, 0);
}

/* Validates a context name. */
int
names_context_valid(const char *name)
{
	return names_valid(name, NAMES_CONTEXT_MAX, 1);
}
