/*
 * dest: where a notification goes.
 *
 *   webhook  a JSON POST of the notification (notify_msg.json) to a URL
 *   ntfy     a push through an ntfy server: "https://ntfy.sh/TOPIC" is
 *            published to as JSON (POST to the server's root with "topic",
 *            "title", "message", "click", "tags", "priority"), so that text
 *            from a screen never becomes an HTTP header
 *   desktop  org.freedesktop.Notifications, through notify-send (argv)
 *   exec     a program of the user's: argv as given (no shell, looked up on
 *            PATH), the notification's JSON on its standard input
 *
 * In a configuration file a destination is one of {"webhook": URL},
 * {"ntfy": URL/TOPIC}, {"desktop": true}, {"exec": [PROG, ARG...]}; every
 * value is checked (http or https only, no control characters, lengths).
 */
#ifndef CM_NOTIFY_DEST_H
#define CM_NOTIFY_DEST_H

#include <stddef.h>

#include <jansson.h>

#define NOTIFY_URL_MAX	 2048
#define NOTIFY_ARGV_MAX	 32
#define NOTIFY_TOPIC_MAX 64

enum notify_dest_kind {
	NOTIFY_DEST_WEBHOOK = 0,
	NOTIFY_DEST_NTFY,
	NOTIFY_DEST_DESKTOP,
	NOTIFY_DEST_EXEC,
};

/* One destination (owns its strings). */
struct notify_dest {
	enum notify_dest_kind kind; /* see above */
	char *url;		    /* webhook URL; ntfy server root ("https://ntfy.sh/") */
	char *topic;		    /* ntfy topic */
	char **argv;		    /* exec: NULL-terminated */
	char label[160];	    /* for logs: kind and scheme://host, never a path or query */
};

/* A webhook destination; 0, or CM_EINVAL with the reason in err. */
int notify_dest_webhook(struct notify_dest *d, const char *url, char *err, size_t n);
/* An ntfy destination from "SCHEME://HOST[:PORT]/[PATH/]TOPIC". */
int notify_dest_ntfy(struct notify_dest *d, const char *url, char *err, size_t n);
/* The desktop destination. */
void notify_dest_desktop(struct notify_dest *d);
/* An exec destination (argv copied; argc >= 1). */
int notify_dest_exec(struct notify_dest *d, char *const *argv, size_t argc, char *err, size_t n);
/* A destination from its configuration object; where prefixes the message. */
int notify_dest_from_json(struct notify_dest *d, const json_t *o, const char *where, char *err,
			  size_t n);
/* Frees what a destination holds. */
void notify_dest_release(struct notify_dest *d);

#endif
