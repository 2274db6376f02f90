/*
 * policy-cmd: `cm-agent policy check [options] -- COMMAND`
 *
 * Says what auto-confirm would answer to a prompt to run COMMAND in a
 * session whose directory is --path (default: the current directory): one
 * line, `allow<TAB>ok<TAB>reason` or `ask<TAB>RULE<TAB>reason`, where RULE
 * is a danger rule (docs/PROFILES.md), a configured rule ("config-N"), a
 * profile's rule, or "not-answerable" when the profile's command prompts are
 * answered by a person. --profile adds that profile's danger rules and its
 * answerable flag; --config FILE and --danger-rule REGEX add the agent's
 * configured rules. Words after -- are joined by spaces. Exit status: 0
 * allow, 1 ask, 2 usage error or unusable profile/config. main.c calls
 * policy_cmd_main() when argv[1] is "policy", passing argv + 1.
 */
#ifndef CM_AGENT_POLICY_CMD_H
#define CM_AGENT_POLICY_CMD_H

int policy_cmd_main(int argc, char **argv);

#endif
