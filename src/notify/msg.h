/*
 * msg: one notification, composed once from an event and sent to every
 * destination of its rule in that destination's shape.
 *
 * The title says who and what ("prod/cm-17…: needs a person"); the body
 * holds the task, the prompt, the command and why it waits (what a person
 * needs to decide from a phone), each cut to a bounded length; click is the
 * dashboard link when one is configured. json is what a webhook receives
 * and a program reads on its standard input:
 *
 *   {"kind": "needs-person", "context": "prod", "sessionId": "cm-...",
 *    "title": ..., "message": ..., "url": ..., "task": ..., "tool": ...,
 *    "event": {the agent's event as it came}}
 */
#ifndef CM_NOTIFY_MSG_H
#define CM_NOTIFY_MSG_H

#include <jansson.h>

#define NOTIFY_TITLE_MAX 200
#define NOTIFY_BODY_MAX	 3000

/* A composed notification (owns its strings). */
struct notify_msg {
	unsigned kind;	 /* enum notify_kind */
	char *title;	 /* one line */
	char *body;	 /* lines of text */
	char *click;	 /* dashboard link, or NULL */
	char *json;	 /* the webhook/exec document, compact */
	int priority;	 /* ntfy's 1..5 (4 for what waits on a person) */
	const char *tag; /* an ntfy tag (emoji short name) */
};

/* What a notification is about. */
struct notify_about {
	unsigned kind;	       /* enum notify_kind */
	const char *context;   /* context (or agent) name */
	const json_t *event;   /* the agent's event */
	const char *task;      /* the session's task, or NULL */
	const char *tool;      /* the session's tool, or NULL */
	const char *dashboard; /* dashboard URL, or NULL */
	unsigned suppressed;   /* notifications of this session held back since the last one */
};

/* Composes the notification; never fails (text is cut and made valid). */
void notify_msg_compose(struct notify_msg *m, const struct notify_about *a);
/* A deep copy. */
void notify_msg_copy(struct notify_msg *dst, const struct notify_msg *src);
/* Frees what a notification holds. */
void notify_msg_release(struct notify_msg *m);

#endif
