/*
 * profile-regex: the regexes of profiles and danger rules, checked before
 * they are compiled (see profile-regex.h).
 */
#include "agent/screen/profile-regex.h"

#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xmalloc.h"

#define PROFILE_REPEAT_MAX  255	 /* largest {m,n} count in a regex */
#define PROFILE_REGEX_COST  4000 /* estimated automaton size of a regex */
#define PROFILE_REGEX_DEPTH 32	 /* group nesting of a regex */

static pthread_once_t profile_locale_once = PTHREAD_ONCE_INIT;
locale_t profile_regex_locale;
#define profile_c_locale profile_regex_locale

/* Creates the C locale used around regcomp/regexec. */
static void
profile_locale_init(void)
{
	profile_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/*
 * Estimates the size of the automaton glibc builds for an ERE and refuses
 * back-references. glibc expands x+ to xx* and x{m,n} to m..n copies of x,
 * so stacked or nested repetitions grow exponentially ("(((a+)+)+)+",
 * "a{200}{200}"): each atom costs 1, a group the sum of its contents, and
 * a repetition multiplies the cost of what it applies to.
 */
static int
profile_regex_precheck(const char *src, struct buf *why)
{
	unsigned long sum[PROFILE_REGEX_DEPTH], last[PROFILE_REGEX_DEPTH], v, w, inner;
	const char *p = src;
	char *end;
	int d = 0;

	sum[0] = last[0] = 0;
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
			if (p[1] >= '1' && p[1] <= '9') {
				buf_printf(why, "back-references are not allowed");
				return CM_EINVAL;
			}
			if (p[1] != '\0')
				p++;
			sum[d] += last[d];
			last[d] = 1;
			break;
		case '[':
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p != '\0' && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
					end = strstr(p + 2, p[1] == ':'	  ? ":]"
							    : p[1] == '.' ? ".]"
									  : "=]");
					p = end ? end + 1 : p + strlen(p) - 1;
				}
				p++;
			}
			if (*p == '\0')
				p--; /* regcomp reports the unclosed bracket */
			sum[d] += last[d];
			last[d] = 1;
			break;
		case '(':
			if (d + 1 >= PROFILE_REGEX_DEPTH) {
				buf_printf(why, "groups nested deeper than %d",
					   PROFILE_REGEX_DEPTH - 1);
				return CM_EINVAL;
			}
			sum[d] += last[d];
			last[d] = 0;
			d++;
			sum[d] = last[d] = 0;
			break;
		case ')':
			if (d == 0) {
				sum[d] += last[d];
				last[d] = 1;
				break;
			}
			inner = sum[d] + last[d] + 1;
			d--;
			last[d] = inner;
			break;
		case '|':
			sum[d] += last[d];
			last[d] = 0;
			break;
		case '*':
		case '?':
			last[d] += 1;
			break;
		case '+':
			last[d] = last[d] * 2 + 1;
			break;
		case '{':
			if (p[1] < '0' || p[1] > '9') {
				sum[d] += last[d];
				last[d] = 1;
				break;
			}
			v = strtoul(p + 1, &end, 10);
			w = v;
			if (*end == ',') {
				end++;
				w = *end >= '0' && *end <= '9' ? strtoul(end, &end, 10) : v + 1;
			}
			if (v > PROFILE_REPEAT_MAX || w > PROFILE_REPEAT_MAX) {
				buf_printf(why, "repetition count above %d", PROFILE_REPEAT_MAX);
				return CM_EINVAL;
			}
			last[d] = last[d] * (w ? w : 1) + 1;
			p = *end == '}' ? end : end - 1;
			break;
		default:
			sum[d] += last[d];
			last[d] = 1;
			break;
		}
		if (last[d] > PROFILE_REGEX_COST || sum[d] > PROFILE_REGEX_COST) {
			buf_printf(why, "regex too complex (nested or stacked repetitions)");
			return CM_EINVAL;
		}
	}
	return 0;
}

/* Compiles an ERE in the C locale. */
int
profile_regex_compile(struct profile_regex *r, const char *src, struct buf *why)
{
	char msg[256];
	int flags = REG_EXTENDED, rc;
	locale_t old;

	memset(r, 0, sizeof(*r));
	if (strncmp(src, "(?i)", 4) == 0) {
		flags |= REG_ICASE;
		src += 4;
	}
	if (strlen(src) > PROFILE_MAX_REGEX) {
		buf_printf(why, "regex longer than %d bytes", PROFILE_MAX_REGEX);
		return CM_EINVAL;
	}
	if (src[0] == '\0') {
		buf_printf(why, "empty regex");
		return CM_EINVAL;
	}
	if (profile_regex_precheck(src, why) != 0)
		return CM_EINVAL;
	pthread_once(&profile_locale_once, profile_locale_init);
	old = profile_c_locale ? uselocale(profile_c_locale) : (locale_t)0;
	rc = regcomp(&r->re, src, flags);
	if (profile_c_locale)
		uselocale(old);
	if (rc != 0) {
		regerror(rc, &r->re, msg, sizeof(msg));
		buf_printf(why, "regex /%s/ does not compile: %s", src, msg);
		return CM_EINVAL;
	}
	r->src = xstrdup(src);
	r->flags = flags;
	r->nsub = (int)r->re.re_nsub;
	/* Checked: the compiled form is made again on first use (see profile.h). */
	regfree(&r->re);
	return 0;
}

/* Compiles a checked regex for use; it compiled at load, so it compiles now. */
static void
profile_regex_ready(struct profile_regex *r)
{
	if (r->compiled)
		return;
	if (regcomp(&r->re, r->src, r->flags) != 0)
		fatalx("regex /%s/ compiled at load but not now", r->src);
	r->compiled = 1;
}

/* Compiles a checked regex for use, in the C locale (NULL is fine). */
void
profile_regex_prepare(struct profile_regex *r)
{
	locale_t old;

	if (r == NULL || r->src == NULL || r->compiled)
		return;
	pthread_once(&profile_locale_once, profile_locale_init);
	old = profile_c_locale ? uselocale(profile_c_locale) : (locale_t)0;
	profile_regex_ready(r);
	if (profile_c_locale)
		uselocale(old);
}

/* Frees a compiled regex (one that compiled, or a zeroed one). */
void
profile_regex_release(struct profile_regex *r)
{
	if (r->src == NULL)
		return;
	if (r->compiled)
		regfree(&r->re);
	r->compiled = 0;
	free(r->src);
	r->src = NULL;
}

/* regexec of one line in the C locale. */
int
profile_regex_match(const struct profile_regex *r, const char *line, size_t nm, regmatch_t *m)
{
	locale_t old;
	int rc;

	pthread_once(&profile_locale_once, profile_locale_init);
	old = profile_c_locale ? uselocale(profile_c_locale) : (locale_t)0;
	/* Compiling on first use mutates the regex, never what it matches. */
	profile_regex_ready((struct profile_regex *)r);
	rc = regexec(&r->re, line, nm, m, 0);
	if (profile_c_locale)
		uselocale(old);
	return rc == 0;
}
