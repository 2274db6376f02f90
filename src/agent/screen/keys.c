/*
 * keys: key names and send-keys command lines (see keys.h).
 */
#include "agent/screen/keys.h"

#include <string.h>

#include "agent/tmux/tmuxcc-client.h"
#include "common/err.h"

static const char *const keys_names[] = {
    "Enter", "Escape", "Tab",  "BTab", "BSpace", "Space",    "Up",    "Down",
    "Left",  "Right",  "Home", "End",  "PageUp", "PageDown", "PPage", "NPage",
    "DC",    "IC",     "F1",   "F2",   "F3",	 "F4",	     "F5",    "F6",
    "F7",    "F8",     "F9",   "F10",  "F11",	 "F12",	     NULL,
};

/* Checks a key name: [CMS]- modifiers then a known name or one printable ASCII char. */
int
keys_name_valid(const char *name)
{
	size_t len;

	if (name == NULL || (len = strlen(name)) == 0 || len > KEYS_NAME_MAX)
		return 0;
	while (len > 2 && (name[0] == 'C' || name[0] == 'M' || name[0] == 'S') && name[1] == '-') {
		name += 2;
		len -= 2;
	}
	if (len == 1)
		return (unsigned char)name[0] > 0x20 && (unsigned char)name[0] < 0x7f;
	for (size_t i = 0; keys_names[i]; i++)
		if (strcmp(name, keys_names[i]) == 0)
			return 1;
	return 0;
}

/* Builds a send-keys line for a named key. */
int
keys_cmd_key(struct buf *cmd, const char *name)
{
	if (!keys_name_valid(name))
		return CM_EINVAL;
	buf_append_str(cmd, "send-keys -- ");
	return tmuxcc_quote(cmd, name, strlen(name));
}

/* Builds a send-keys line for literal text. */
int
keys_cmd_text(struct buf *cmd, const char *text, size_t len)
{
	buf_append_str(cmd, "send-keys -l -- ");
	return tmuxcc_quote(cmd, text, len);
}
