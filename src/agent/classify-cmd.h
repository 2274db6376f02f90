/*
 * classify-cmd: `cm-agent classify --profile NAME [--profiles-dir DIR] FILE...`
 *
 * Classifies saved screen captures with a profile and prints one line per
 * file, `FILE<TAB>STATE<TAB>evidence` (with -v, the rule and the prompt
 * too). It is how profile authors test their rules (docs/PROFILES.md).
 * main.c calls classify_cmd_main() when argv[1] is "classify", passing
 * argv + 1 (argv[0] is "classify").
 *
 * Profiles come from --profiles-dir, else $CM_PROFILES_DIR, else the
 * compile-time CM_PROFILES_DIR_DEFAULT, else ./profiles. --profile may also
 * name a .json file directly. Exit status: 0 if every file was classified,
 * 1 if a file could not be read, 2 for a usage error or an unusable profile;
 * reasons go to stderr.
 */
#ifndef CM_AGENT_CLASSIFY_CMD_H
#define CM_AGENT_CLASSIFY_CMD_H

struct profile;
struct profile_set;

int classify_cmd_main(int argc, char **argv);
/*
 * Loads a profile by name (from dir, or the built-in ones when dir is NULL)
 * or from a .json path. *out is borrowed from *own or *set (free both).
 * Returns 0, or CM_EUNKNOWNTOOL with the reason on stderr.
 */
int classify_cmd_profile(const char *name, const char *dir, struct profile **own,
			 struct profile_set **set, const struct profile **out);

#endif
