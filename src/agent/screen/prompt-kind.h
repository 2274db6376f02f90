/*
 * prompt-kind: what a prompt on a tool's screen asks for. A profile names
 * the kind of each prompt it reads (profile.h); the danger rules look at
 * edit prompts differently from commands (danger.h). Kept apart so that
 * neither of the two needs the other's header.
 */
#ifndef CM_AGENT_SCREEN_PROMPT_KIND_H
#define CM_AGENT_SCREEN_PROMPT_KIND_H

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
