/*
 * classify: the state of a tool from one capture of its screen.
 *
 * classify_screen() is a pure function of a screen and a profile: it cleans
 * the text (screen.h), finds the input box, walks the profile's rules in
 * order and returns the first whose conditions all hold (or the profile's
 * fallback state). For a waiting_confirm rule with a "prompt" section it
 * also reads the prompt: question, options, body, the keys that answer it
 * and whether the profile lets auto-confirm answer it, plus a fingerprint
 * so that a caller can check later that the prompt on screen is still the
 * one it decided about.
 *
 * Invariants: no allocation escapes, no I/O, no global state; every text
 * in a result is NUL-terminated, valid UTF-8 and cut to the bounds below.
 */
#ifndef CM_AGENT_CLASSIFY_H
#define CM_AGENT_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "agent/screen/profile.h"
#include "agent/screen/screen.h"
#include "proto/state.h"

#define CLASSIFY_EVIDENCE_MAX 256		     /* bytes of evidence, NUL included */
#define CLASSIFY_QUESTION_MAX 256		     /* bytes of a question, NUL included */
#define CLASSIFY_OPTION_MAX   128		     /* bytes of one option, NUL included */
#define CLASSIFY_MAX_OPTIONS  8			     /* options kept */
#define CLASSIFY_BODY_MAX     PROMPT_BODY_MAX	     /* bytes of a prompt body, NUL included */
#define CLASSIFY_RULE_MAX     (PROFILE_NAME_MAX + 1) /* bytes of a rule name */

struct classify_prompt {
	int known;			      /* 1 if the question was found */
	enum profile_prompt_kind kind;	      /* from the profile */
	int answerable;			      /* the profile lets auto-confirm answer */
	char question[CLASSIFY_QUESTION_MAX]; /* "Do you want to proceed?" */
	char options[CLASSIFY_MAX_OPTIONS][CLASSIFY_OPTION_MAX]; /* labels, top first */
	size_t n_options;					 /* entries in options */
	int selected;				     /* highlighted option index, or -1 */
	char body[CLASSIFY_BODY_MAX];		     /* the prompt's non-blank lines, '\n'-joined */
	char yes[PROFILE_MAX_KEYS][PROFILE_MAX_KEY]; /* keys that approve once */
	size_t n_yes;				     /* entries in yes */
	char no[PROFILE_MAX_KEYS][PROFILE_MAX_KEY];  /* keys that refuse */
	size_t n_no;				     /* entries in no */
	uint64_t fingerprint;			     /* classify_fingerprint() of this prompt */
};

struct classify_result {
	enum cm_state state;		      /* the answer */
	char rule[CLASSIFY_RULE_MAX];	      /* rule that matched, "" for the fallback */
	char evidence[CLASSIFY_EVIDENCE_MAX]; /* matched line(s), " | "-joined */
	int has_prompt;			      /* prompt is filled (waiting_confirm) */
	struct classify_prompt prompt;	      /* valid if has_prompt */
	const struct profile *profile;	      /* borrowed: the profile used */
};

/*
 * Classifies len bytes of captured text (plain or with escapes). Returns 0,
 * or CM_EINVAL if p or out is NULL.
 */
int classify_screen(const struct profile *p, const char *text, size_t len,
		    struct classify_result *out);
/* The same on an already parsed screen. */
int classify_parsed(const struct profile *p, const struct screen *s, struct classify_result *out);
/* 64-bit FNV-1a over kind, question, options and body. */
uint64_t classify_fingerprint(const struct classify_prompt *pr);
/* Formats a fingerprint as 16 lowercase hex digits. */
void classify_fingerprint_hex(uint64_t fp, char out[17]);

#endif
