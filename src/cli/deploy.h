/*
 * deploy: the pure parts of `cm agent install|upgrade|uninstall`: what the
 * server must have (architecture, tmux version), what the agent binary is
 * (its ELF architecture, static or not), and the files install writes on
 * the server (the user unit, its PATH drop-in, the agent's config).
 *
 * Layout on the server, all under the user's home (no root needed):
 *
 *   ~/.local/bin/cm-agent                                 the binary
 *   ~/.config/cm-agent/agent.json                         its --config
 *   ~/.config/cm-agent/path                               the PATH it runs with
 *   ~/.config/systemd/user/cm-agent.service               the user unit
 *   ~/.config/systemd/user/cm-agent.service.d/path.conf   Environment=PATH=
 *   ~/.local/state/cm-agent/                              state, token, logs
 */
#ifndef CM_CLI_DEPLOY_H
#define CM_CLI_DEPLOY_H

#include <stddef.h>

#define DEPLOY_TMUX_MAJOR 3 /* oldest tmux the agent supports: 3.2 */
#define DEPLOY_TMUX_MINOR 2

/* The packaging/cm-agent-user.service template (generated, cmake/deploy.cmake). */
extern const char *const cm_agent_user_unit_text;

/* The scripts run on the server (deploy-scripts.c). */
extern const char deploy_script_probe[], deploy_script_upload[], deploy_script_setup[],
    deploy_script_token[], deploy_script_uninstall[];

/*
 * Reads the ELF header of path: *arch gets the `uname -m` name of its
 * machine ("x86_64", "aarch64"...), *is_static whether it has no program
 * interpreter. -1 with the reason in why if it is not a usable executable.
 */
int deploy_elf_info(const char *path, char *arch, size_t archn, int *is_static, char *why,
		    size_t whyn);
/*
 * Checks `tmux -V` output ("tmux 3.3a", "tmux next-3.5", "tmux master"):
 * 0 if new enough, -1 with the reason in why (missing, too old, unreadable).
 */
int deploy_tmux_ok(const char *version, char *why, size_t n);
/*
 * The PATH the agent runs with: the login shell's PATH, with HOME/.local/bin
 * first if missing; control characters and empty entries dropped. Caller frees.
 */
char *deploy_path(const char *login_path, const char *home);
/* Quotes a value for a systemd Environment= line ("VAR=value", with % and \ escaped). Caller frees.
 */
char *deploy_systemd_env(const char *var, const char *value);
/* The user unit cm agent install writes: the template with the agent's ExecStart. Caller frees. */
char *deploy_unit(const char *template_text);
/* The drop-in giving the unit its PATH. Caller frees. */
char *deploy_dropin(const char *path);
/* The agent's config (JSON) for a home and a port. Caller frees. */
char *deploy_config(const char *home, int port);

#endif
