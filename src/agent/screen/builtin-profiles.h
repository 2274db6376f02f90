/*
 * builtin-profiles: the shipped profiles (profiles/NAME.json), compiled in (see
 * cmake/profiles.cmake), so that a single copied cm-agent binary can start
 * the tools it ships for. tools.c loads them first; files in the profiles
 * directories override them by name.
 */
#ifndef CM_AGENT_BUILTIN_PROFILES_H
#define CM_AGENT_BUILTIN_PROFILES_H

#include <stddef.h>

struct builtin_profile {
	const char *file; /* "claude.json" */
	const char *json; /* its text */
};

extern const struct builtin_profile cm_builtin_profiles[];
extern const size_t cm_builtin_profiles_count;

#endif
