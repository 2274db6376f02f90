/*
 * profile-regex: the POSIX extended regexes of profiles and danger rules.
 *
 * A regex is checked before regcomp sees it: back-references, groups
 * nested too deep, repetition counts above 255 and stacked or nested
 * repetitions whose automaton would explode are refused with a reason, so
 * that no profile or --danger-rule can make glibc's regcomp take seconds or
 * gigabytes. Regexes are compiled and matched in the C locale whatever the
 * process locale is: they match bytes of UTF-8 text, one line at a time
 * (docs/PROFILES.md).
 */
#ifndef CM_AGENT_SCREEN_PROFILE_REGEX_H
#define CM_AGENT_SCREEN_PROFILE_REGEX_H

#include <regex.h>
#include <stddef.h>

#include "common/buf.h"

#define PROFILE_MAX_REGEX 512 /* bytes per regex source */

/*
 * A regex is checked at load (it must compile) and compiled for use on its
 * first match: glibc's compiled regexes take about 600 KB for the shipped
 * profiles, which an agent that never starts a given tool need not hold.
 */
struct profile_regex {
	char *src;    /* the pattern as written, without "(?i)" */
	int flags;    /* REG_EXTENDED, plus REG_ICASE with "(?i)" */
	int compiled; /* re holds the compiled pattern */
	regex_t re;   /* compiled on first use */
	int nsub;     /* capture groups in the pattern */
};

/*
 * Compiles src (POSIX ERE; a leading "(?i)" ignores case) in the C locale.
 * CM_EINVAL with regerror's text appended to why if it does not compile.
 */
int profile_regex_compile(struct profile_regex *r, const char *src, struct buf *why);
void profile_regex_release(struct profile_regex *r);
/* regexec of one NUL-terminated line; 1 if it matches. m may be NULL. */
int profile_regex_match(const struct profile_regex *r, const char *line, size_t nm, regmatch_t *m);

#endif
