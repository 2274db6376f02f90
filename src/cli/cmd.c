/*
 * cmd: the command table and its lookup (as git's commands[] and tmux's
 * cmd_table[]). A command is found by its name, its alias, or any prefix
 * that only one name starts with; an ambiguous prefix lists the candidates.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

extern const struct cli_cmd cmd_ctx_entry, cmd_start_entry, cmd_ls_entry, cmd_show_entry,
    cmd_capture_entry, cmd_send_entry, cmd_approve_entry, cmd_deny_entry, cmd_logs_entry,
    cmd_attach_entry, cmd_kill_entry, cmd_watch_entry, cmd_status_entry, cmd_help_entry,
    cmd_agent_entry, cmd_completion_entry, cmd_complete_entry, cmd_doctor_entry, cmd_history_entry,
    cmd_grep_entry, cmd_notify_entry, cmd_dashboard_entry;
extern const struct cli_cmd cmd_tools_entry, cmd_mcp_entry;
extern const struct cli_cmd cmd_diff_entry, cmd_merge_entry, cmd_worktree_entry;

/* One command a line, so that adding one is a one-line change. */
/* clang-format off */
const struct cli_cmd *const cmd_table[] = {
    &cmd_ctx_entry,
    &cmd_start_entry,
    &cmd_ls_entry,
    &cmd_show_entry,
    &cmd_capture_entry,
    &cmd_send_entry,
    &cmd_approve_entry,
    &cmd_deny_entry,
    &cmd_logs_entry,
    &cmd_history_entry,
    &cmd_grep_entry,
    &cmd_attach_entry,
    &cmd_kill_entry,
    &cmd_watch_entry,
    &cmd_status_entry,
    &cmd_doctor_entry,
    &cmd_notify_entry,
    &cmd_dashboard_entry,
    &cmd_help_entry,
    &cmd_agent_entry,
    &cmd_completion_entry,
    &cmd_complete_entry,
    &cmd_tools_entry,
    &cmd_mcp_entry,
    &cmd_diff_entry,
    &cmd_merge_entry,
    &cmd_worktree_entry,
    NULL,
};
/* clang-format on */

/* Finds a command by exact name or alias, else by unique prefix. */
const struct cli_cmd *
cmd_find(const char *name, char *why, size_t n)
{
	const struct cli_cmd *found = NULL;
	size_t i, len = strlen(name), used = 0, count = 0;

	if (why && n)
		why[0] = '\0';
	for (i = 0; cmd_table[i]; i++)
		if (!strcmp(cmd_table[i]->name, name) ||
		    (cmd_table[i]->alias && !strcmp(cmd_table[i]->alias, name)))
			return cmd_table[i];
	if (len == 0) {
		if (why)
			snprintf(why, n, "no command given");
		return NULL;
	}
	for (i = 0; cmd_table[i]; i++) {
		/* A command that changes servers is not run by a typo's prefix. */
		if (strncmp(cmd_table[i]->name, name, len) ||
		    (cmd_table[i]->flags & CMD_EXACT_NAME))
			continue;
		found = cmd_table[i];
		count++;
		if (why && used < n) {
			int w = snprintf(why + used, n - used, "%s%s", used ? ", " : "",
					 cmd_table[i]->name);
			used += w > 0 ? (size_t)w : 0;
		}
	}
	if (count == 1)
		return found;
	if (why) {
		char cands[256];
		snprintf(cands, sizeof(cands), "%s", why);
		if (count == 0)
			snprintf(why, n, "unknown command \"%s\" (see cm help)", name);
		else
			snprintf(why, n, "ambiguous command \"%s\": could be %s", name, cands);
	}
	return NULL;
}

/* Prints the command list. */
void
cmd_list(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cm [--ctx NAME] [--json] [--no-color] [-v] COMMAND [ARGS...]\n\n"
		   "commands (any unique prefix works):\n");
	for (i = 0; cmd_table[i]; i++)
		if (!(cmd_table[i]->flags & CMD_HIDDEN))
			fprintf(f, "  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f, "\nSessions are named CTX/ID or by a unique prefix of their id.\n"
		   "See cm help COMMAND, and man cm for exit statuses.\n");
}

/* Prints one command's usage and flags. */
void
cmd_help(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "usage: cm %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->alias)
		fprintf(f, "alias: %s\n", cmd->alias);
	if (cmd->help && *cmd->help)
		fprintf(f, "\n%s", cmd->help);
}
