/*
 * danger: rules that forbid auto-confirming a prompt.
 *
 * The built-in rules (danger_builtin_names) need no configuration. For a
 * command prompt, the command shown (prompt-command.h) is parsed as a shell
 * would and judged by the shell policy (shell-policy.h: delete-outside,
 * write-outside-dir, privilege, exfiltration, download-exec, pipe-to-shell,
 * persistence, system-control, history-wipe, git-push-force, unparsed).
 * For an edit prompt, a file outside the session's directory (absolute, ~
 * or ../ paths) is write-outside-dir. Extra rules are named POSIX EREs
 * (from a profile's "danger" list or from the agent's config); each is
 * matched against every line of the body of any prompt.
 *
 * Invariants: pure (no I/O, no logging, no global state); a rule set never
 * holds a regex that did not compile. When in doubt a rule matches: a false
 * alarm asks a person, a miss runs a command.
 */
#ifndef CM_AGENT_DANGER_H
#define CM_AGENT_DANGER_H

#include <stddef.h>

#include "agent/screen/prompt-kind.h"
#include "common/buf.h"

#define DANGER_MAX_RULES 64  /* extra rules per set */
#define DANGER_NAME_MAX	 64  /* bytes of a rule name, NUL included */
#define DANGER_MATCH_MAX 160 /* bytes of the matched text kept, NUL included */

struct danger_rules;

struct danger_hit {
	char rule[DANGER_NAME_MAX];   /* name of the rule that matched */
	char match[DANGER_MATCH_MAX]; /* what it matched, or why (truncated) */
};

/* Names of the built-in rules, NULL-terminated. */
extern const char *const danger_builtin_names[];

/* An empty set of extra rules. */
struct danger_rules *danger_rules_new(void);
void danger_rules_free(struct danger_rules *d);
/*
 * Adds a named ERE ("(?i)" prefix: ignore case). CM_EINVAL with the reason
 * appended to err (no newline) if the name or the regex is bad, CM_ELIMIT
 * past DANGER_MAX_RULES.
 */
int danger_rules_add(struct danger_rules *d, const char *name, const char *pattern,
		     struct buf *err);
size_t danger_rules_count(const struct danger_rules *d);
/*
 * Checks a prompt body (lines separated by '\n') of the given kind against
 * the built-in rules and each non-NULL extra set. session_dir is the
 * session's absolute directory (NULL: every absolute path is outside).
 * Returns 1 and fills hit if some rule matches, else 0.
 */
int danger_check(const char *body, enum profile_prompt_kind kind, const char *session_dir,
		 const struct danger_rules *extra1, const struct danger_rules *extra2,
		 struct danger_hit *hit);
/* True if path (absolute, relative, ~ or $VAR) may lie outside dir. */
int danger_path_outside(const char *path, const char *dir);

#endif
