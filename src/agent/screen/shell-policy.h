/*
 * shell-policy: may this shell command line run without asking a person?
 *
 * The line is read by shell-parse; every simple command (also inside
 * pipelines, lists, subshells, substitutions, `sh -c`/`eval` strings,
 * wrappers such as env, sudo, xargs, timeout, find -exec, interpreter
 * one-liners such as python -c, decoded base64 fed to a shell) and every
 * redirection is judged against the categories below, with the working
 * directory followed through cd. The first match decides; a line that
 * matches nothing is allowed (rule "ok").
 *
 *   delete-outside     deletes (rm, rmdir, shred, unlink, find -delete, mv
 *                      away, git clean...) outside the project directory, the
 *                      project directory itself, or where it cannot tell
 *   write-outside-dir  writes or changes files outside it (redirections, tee,
 *                      cp/mv/ln/install targets, chmod/chown, touch, mkdir,
 *                      truncate, dd of=, sed -i, curl -o, tar -C...)
 *   privilege          sudo, doas, su, pkexec, setuid or world-writable chmod
 *   exfiltration       reads a secret (~/.ssh, ~/.aws, /etc/shadow, keyrings,
 *                      tokens...), or sends the environment, .env files or
 *                      secret variables to the network
 *   download-exec      runs what it downloads (curl|sh, bash <(curl ...),
 *                      download then chmod +x / run)
 *   pipe-to-shell      a shell or interpreter reads code from a pipe or
 *                      substitution it cannot read
 *   persistence        shell rc files, crontab, at, cron dirs, systemd units
 *                      and systemctl enable, authorized_keys, git hooks and
 *                      hook-running git config, autostart entries
 *   system-control     shutdown, reboot, systemctl stop/disable/mask, kill of
 *                      every process, killall, mkfs, mount, firewall rules,
 *                      modules, users, fork bombs
 *   history-wipe       history -c, unset HISTFILE, deleting or truncating
 *                      shell history or /var/log, journalctl --vacuum
 *   git-push-force     git push --force, +refspec, --mirror, --delete
 *   unparsed           anything it cannot read (see shell-parse.h), code it
 *                      cannot see (sh -c "$X", eval $X), nested too deep
 *
 * Invariants: pure (no I/O, no globals beyond const tables); bounded by the
 * parser's limits and SHELL_POLICY_MAX_DEPTH re-parses; never allows what
 * it could not read.
 */
#ifndef CM_AGENT_SHELL_POLICY_H
#define CM_AGENT_SHELL_POLICY_H

#include <stddef.h>

#define SHELL_POLICY_MAX_DEPTH 8   /* nested sh -c / eval / decoded scripts */
#define SHELL_RULE_MAX	       32  /* bytes of a rule name, NUL included */
#define SHELL_REASON_MAX       160 /* bytes of a reason, NUL included */

struct shell_verdict {
	int ask;		       /* 1: a person must answer */
	char rule[SHELL_RULE_MAX];     /* rule that matched, "ok" when allowed */
	char reason[SHELL_REASON_MAX]; /* what matched, for people */
};

/* The rule names above, NULL-terminated. */
extern const char *const shell_policy_rules[];

/*
 * Judges len bytes of cmd as run in dir (the project's absolute directory;
 * NULL: every absolute path is outside). Fills v; returns v->ask.
 */
int shell_policy_check(const char *cmd, size_t len, const char *dir, struct shell_verdict *v);

#endif
