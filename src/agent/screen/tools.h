/*
 * tools: the tools this agent can start: the shipped profiles compiled in
 * (builtin-profiles.h), then every --profiles-dir.
 *
 * Each directory is loaded as one profile set (profile.c); a later
 * directory overrides an earlier one (and the built-ins) for the same tool
 * name, so a user's ~/.config/cm/profiles/claude.json replaces the shipped
 * one. Profiles that
 * fail to load are logged with the file, the rule and the reason; the
 * others load. SIGHUP reloads (sessions keep the profile they started with
 * until they are re-adopted: the old sets are kept until exit).
 */
#ifndef CM_AGENT_TOOLS_H
#define CM_AGENT_TOOLS_H

#include <stddef.h>

struct profile;

/* Loads the built-ins, then each of the n_dirs profiles dirs; returns the number of tools. */
size_t tools_load(char *const *dirs, size_t n_dirs);
/* The profile for a tool name, or NULL. */
const struct profile *tools_find(const char *name);
/* Tools in name order, overrides applied. */
size_t tools_count(void);
const struct profile *tools_at(size_t i);
/* 1 if a compiled-in profile has p's name (shipped tools), 0 for a profile of the operator's. */
int tools_is_builtin(const struct profile *p);
/* Frees every set ever loaded. */
void tools_release(void);

#endif
