/*
 * autoconfirm: may this prompt be answered without a person, and how?
 *
 * autoconfirm_decide() is the policy, a pure function of one classification:
 * a prompt is answered only if the profile marks it answerable, it was read
 * completely (question found, yes keys known) and no danger rule (built-in,
 * the profile's, the config's) matches its body. Everything else asks a
 * person, with the reason. The caller (the agent core) audits every
 * decision, re-checks the fingerprint just before sending the keys, and
 * uses autoconfirm_memory_* so that one prompt is never answered twice and
 * answers are not sent faster than a minimum interval.
 *
 * Invariants: pure; a decision to answer always carries >= 1 key.
 */
#ifndef CM_AGENT_AUTOCONFIRM_H
#define CM_AGENT_AUTOCONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include "agent/screen/classify.h"
#include "agent/screen/danger.h"

enum autoconfirm_action {
	AUTOCONFIRM_NONE = 0,  /* no prompt on screen: nothing to do */
	AUTOCONFIRM_ANSWER,    /* send keys */
	AUTOCONFIRM_ASK_PERSON /* raise an event asking a person */
};

enum autoconfirm_reason {
	AUTOCONFIRM_R_NO_PROMPT = 0,  /* state is not waiting_confirm */
	AUTOCONFIRM_R_SAFE,	      /* answerable and no danger rule matched */
	AUTOCONFIRM_R_DANGER,	      /* a danger rule matched */
	AUTOCONFIRM_R_NOT_ANSWERABLE, /* the profile says a person answers it */
	AUTOCONFIRM_R_UNKNOWN_PROMPT  /* the prompt could not be read */
};

struct autoconfirm_decision {
	enum autoconfirm_action action;		      /* what to do */
	enum autoconfirm_reason reason;		      /* why */
	char why[512];				      /* one line for the audit log */
	char danger_rule[DANGER_NAME_MAX];	      /* rule that matched, or "" */
	char keys[PROFILE_MAX_KEYS][PROFILE_MAX_KEY]; /* keys to send, in order */
	size_t n_keys;				      /* entries in keys */
	uint64_t fingerprint;			      /* the prompt decided about */
};

/*
 * Decides about r (from classify_screen; r->profile must still be loaded).
 * session_dir is the session's absolute working directory; extra holds the
 * config's danger rules (may be NULL). Returns 0, or CM_EINVAL for NULL r/out.
 */
int autoconfirm_decide(const struct classify_result *r, const char *session_dir,
		       const struct danger_rules *extra, struct autoconfirm_decision *out);
/* Stable name of a reason ("danger", "not_answerable", ...). */
const char *autoconfirm_reason_name(enum autoconfirm_reason reason);

/* What a caller remembers per session to pace answers. */
struct autoconfirm_memory {
	uint64_t last_fp; /* fingerprint of the last prompt answered */
	int64_t last_ms;  /* when it was answered (monotonic ms), 0 = never */
	int answered;	  /* 1 once something was answered */
};

/*
 * 0 if a prompt with fingerprint fp may be answered at now_ms: CM_EEXIST if
 * that same prompt was the last one answered (it is still on screen: the
 * answer did not take; a person must look), CM_ERATE if the last answer was
 * less than min_interval_ms ago.
 */
int autoconfirm_memory_check(const struct autoconfirm_memory *m, uint64_t fp, int64_t now_ms,
			     int64_t min_interval_ms);
/* Records that the prompt fp was answered at now_ms. */
void autoconfirm_memory_note(struct autoconfirm_memory *m, uint64_t fp, int64_t now_ms);

#endif
