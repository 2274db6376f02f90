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

#include <locale.h>
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
/* Compiles r for use now rather than on first match (NULL is fine). */
void profile_regex_prepare(struct profile_regex *r);

/*
 * The C locale regexes are compiled and matched in, made with the first
 * regex compiled; (locale_t)0 if it could not be made (then the process
 * locale is used, which is C unless a caller set one).
 */
extern locale_t profile_regex_locale;

/*
 * profile_regex_match for a loop over many lines: r must be prepared
 * (profile_regex_prepare) and the thread already in profile_regex_locale,
 * so that the locale is switched once per screen rather than per line.
 */
static inline int
profile_regex_exec(const struct profile_regex *r, const char *line, size_t nm, regmatch_t *m)
{
	return regexec(&r->re, line, nm, m, 0) == 0;
}

#endif
