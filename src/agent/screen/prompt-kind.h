/*
 * prompt-kind: what a prompt on a tool's screen asks for. A profile names
 * the kind of each prompt it reads (profile.h); the danger rules look at
 * edit prompts differently from commands (danger.h). Kept apart so that
 * neither of the two needs the other's header.
 *
 * PROMPT_BODY_MAX is the classifier's bound on a prompt body: the danger
 * check must know it to tell a body that was cut from a whole one.
 */
#ifndef CM_AGENT_SCREEN_PROMPT_KIND_H
#define CM_AGENT_SCREEN_PROMPT_KIND_H

#define PROMPT_BODY_MAX 2048 /* bytes of a prompt body, NUL included */

/* What a prompt asks for; "edit" prompts get the outside-directory check. */
enum profile_prompt_kind {
	PROFILE_PROMPT_COMMAND = 0, /* run a command */
	PROFILE_PROMPT_EDIT,	    /* create or change a file */
	PROFILE_PROMPT_TRUST,	    /* trust a folder */
	PROFILE_PROMPT_SETUP,	    /* first-run setup (theme, key, notes) */
	PROFILE_PROMPT_MENU,	    /* a selection menu (model picker, resume) */
	PROFILE_PROMPT_OTHER	    /* anything else */
};

#endif
