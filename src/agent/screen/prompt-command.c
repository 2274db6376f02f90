/*
 * prompt-command: finds the command in a prompt body (see prompt-command.h).
 */
#include "agent/screen/prompt-command.h"

#include <string.h>

/* Bounds of the i-th line of body (lines split at '\n'); 0 past the end. */
static int
line_at(const char *body, size_t i, const char **s, size_t *len)
{
	const char *p = body, *nl;

	while (i-- > 0) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
	nl = strchr(p, '\n');
	*s = p;
	*len = nl ? (size_t)(nl - p) : strlen(p);
	return nl != NULL || *len > 0;
}

static int
line_is(const char *s, size_t len, const char *text)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\r'))
		len--;
	return len == strlen(text) && memcmp(s, text, len) == 0;
}

/* An option line: "1. Yes", "❯ 1. Yes", "› 2. No". */
static int
line_is_option(const char *s, size_t len)
{
	size_t k = 0;

	if (len >= 4 && (memcmp(s, "❯ ", 4) == 0 || memcmp(s, "› ", 4) == 0))
		k = 4;
	if (k < len && s[k] >= '0' && s[k] <= '9') {
		while (k < len && s[k] >= '0' && s[k] <= '9')
			k++;
		return k + 1 < len && s[k] == '.' && s[k + 1] == ' ';
	}
	return 0;
}

/* A question line of the Claude layout. */
static int
line_is_question(const char *s, size_t len)
{
	return len > 0 && s[len - 1] == '?' && len >= 11 && memcmp(s, "Do you want", 11) == 0;
}

/* Appends a line to out (with a '\n' before it unless first). */
static int
add(char *out, size_t sz, size_t *o, const char *s, size_t len)
{
	if (*o + len + 2 > sz)
		return -1;
	if (*o > 0)
		out[(*o)++] = '\n';
	memcpy(out + *o, s, len);
	*o += len;
	out[*o] = '\0';
	return 0;
}

int
prompt_command(const char *body, char *cmd, size_t cmdsz, char *desc, size_t descsz)
{
	const char *s;
	size_t len, i, o = 0, first, last;

	if (cmdsz == 0 || descsz == 0)
		return -1;
	cmd[0] = desc[0] = '\0';
	for (i = 0; line_at(body, i, &s, &len); i++) {
		if (line_is(s, len, "Bash command")) {
			first = i + 1;
			for (last = first; line_at(body, last, &s, &len); last++)
				if (line_is_question(s, len) || line_is_option(s, len))
					break;
			if (!line_at(body, last, &s, &len))
				return PROMPT_LAYOUT_CUT; /* the body ends inside the command */
			/* lines [first, last): the command, then one description line */
			if (last - first >= 2) {
				line_at(body, last - 1, &s, &len);
				if (len + 1 > descsz)
					return -1;
				memcpy(desc, s, len);
				desc[len] = '\0';
				last--;
			}
			for (i = first; i < last; i++) {
				line_at(body, i, &s, &len);
				if (add(cmd, cmdsz, &o, s, len) < 0)
					return -1;
			}
			return PROMPT_LAYOUT_CLAUDE;
		}
		if (len >= 2 && s[0] == '$' && s[1] == ' ') {
			if (add(cmd, cmdsz, &o, s + 2, len - 2) < 0)
				return -1;
			for (i++; line_at(body, i, &s, &len) && !line_is_option(s, len); i++)
				if (add(cmd, cmdsz, &o, s, len) < 0)
					return -1;
			if (!line_at(body, i, &s, &len))
				return PROMPT_LAYOUT_CUT; /* no option after it: cut short */
			return PROMPT_LAYOUT_CODEX;
		}
	}
	len = strlen(body);
	if (len + 1 > cmdsz)
		return -1;
	memcpy(cmd, body, len + 1);
	return PROMPT_LAYOUT_WHOLE;
}
