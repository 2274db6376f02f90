/*
 * confirm: prompts on screen, answered by policy or by a person.
 *
 * When the monitor sees a prompt, autoconfirm_decide() (pure policy) says
 * whether it may be answered. If the session has auto-confirm on and the
 * policy says yes, the agent waits the profile's settle_ms (tools may drop a
 * key that comes while they still draw), re-reads the screen, checks that
 * the same prompt (by fingerprint) is still there, and sends the profile's
 * "yes once" keys. `auto_confirmed` is published and audited once the
 * outcome is known: when the prompt goes away (tookEffect true), or, if
 * the same prompt is still there CONFIRM_VERIFY_MS later, after one more
 * try with the same check, with tookEffect false, and a person is asked.
 * A prompt never gets more than CONFIRM_ATTEMPTS automatic answers. Everything
 * else (danger rules, prompts the profile marks for people, unknown
 * prompts, auto-confirm off) publishes `confirm_needed` once per prompt,
 * and the state stays waiting_confirm until someone answers.
 *
 * A client answers with `confirm`: the same re-read and fingerprint check,
 * then the yes or no keys, `prompt_answered`, and an audit line.
 */
#ifndef CM_AGENT_CONFIRM_H
#define CM_AGENT_CONFIRM_H

#include "agent/sessions/completion.h"

struct classify_result;
struct session;

#define CONFIRM_VERIFY_MS 600 /* when to check that an auto-answer took effect */
#define CONFIRM_ATTEMPTS  2   /* auto-answers of one prompt before a person is asked */

/*
 * The monitor saw a prompt (r->has_prompt). Returns 0, or the milliseconds
 * after which the screen is to be read again (an answer would come too
 * soon after the last one: it is decided again then).
 */
long confirm_on_prompt(struct session *s, const struct classify_result *r);
/* The monitor saw no prompt. */
void confirm_prompt_gone(struct session *s);
/*
 * Answers the prompt of s for a client. expected_fp is the fingerprint the
 * client saw (NULL: whatever prompt is shown); who names the client for
 * prompt_answered and the audit log (NULL: unknown). done gets {sessionId,
 * approve, keys} once the keys are pressed, or an error. After a denial the
 * tool's return to its input is `idle` (rule prompt-denied), not `done`.
 */
void confirm_request(struct session *s, struct completion done, int approve,
		     const char *expected_fp, const char *who);

#endif
