/*
 * dash: `cm dashboard`, the fleet's web server on the CLI's loop.
 *
 * One lws vhost on libcm's own context (cm_loop_lws_context) serves the
 * embedded web/ files and two kinds of WebSocket:
 *
 *   /fleet/ws      the fleet: after sign-in, the list of contexts, then
 *                  `ping` and `place` (which agent a new session goes to);
 *   /ctx/NAME/ws   a relay to the agent of context NAME.
 *
 * Both sign in with the dashboard's own token as their first message
 * ({"auth_token": ...}, as the agent's page does). A relay then connects
 * to its agent with libcm (the context's tunnel and token, as every cm
 * command does) and passes frames both ways as they are; the agent's
 * `authenticated` answer goes to the browser, the agent's token never
 * does. When the agent drops, the browser's socket is closed and the page
 * reconnects with `since`, which the relay hands on to the agent.
 */
#ifndef CM_CLI_DASH_H
#define CM_CLI_DASH_H

#include <libwebsockets.h>

#include "cli.h"
#include "cm.h"
#include "common/guess.h"
#include "dash-token.h"

#define DASH_FRAME_MAX	 (1024 * 1024)	    /* largest frame taken from a browser */
#define DASH_QUEUE_MAX	 (16 * 1024 * 1024) /* bytes queued for one slow browser */
#define DASH_SOCKETS_MAX 64		    /* browser sockets at once */
#define DASH_HOSTS_MAX	 8		    /* --allow-host names */

/* A context the dashboard reaches. */
struct dash_agent {
	struct ctx ctx; /* strings borrowed from cli->contexts */
	char *token;	/* the agent's token (never sent to a browser) */
};

/* The server. */
struct dash {
	struct cli *cli;
	char token[DASH_TOKEN_LEN + 1]; /* the dashboard's own */
	struct dash_agent *agents;	/* contexts in scope */
	size_t nagents;
	int port;			   /* listening port */
	const char *bind;		   /* listening address */
	int tls;			   /* serving HTTPS (--tls-cert) */
	const char *hosts[DASH_HOSTS_MAX]; /* --allow-host names */
	size_t nhosts;
	struct lws_vhost *vh;	    /* our vhost */
	int sockets;		    /* browser sockets open */
	struct guess_score guesses; /* wrong sign-ins lately (common/guess.h) */
	struct dash_sess *socks;    /* browser sockets (list through next) */
};

/* A frame queued for a browser, behind LWS_PRE bytes of headroom. */
struct dash_frame {
	struct dash_frame *next;
	size_t len;
	int binary;
	unsigned char data[];
};

/* Where a browser socket is. */
enum dash_phase {
	DASH_SIGNIN = 0, /* waiting for {"auth_token"} */
	DASH_HELD,	 /* a wrong token: its auth_failed comes later, nothing is read */
	DASH_AGENT,	 /* signed in, the agent's connection is coming up */
	DASH_RELAY,	 /* frames flow */
	DASH_CLOSING,	 /* closing once the queue is written */
};

struct dash_place;

/* One HTTP request or browser WebSocket (lws per-session data). */
struct dash_sess {
	struct dash *d;
	struct dash_sess *next; /* in d->socks */
	struct lws *wsi;
	int is_ws;		       /* counted in d->sockets */
	int fleet;		       /* /fleet/ws, else a relay */
	struct dash_agent *agent;      /* the relay's agent */
	enum dash_phase phase;	       /* see above */
	struct cm_client *client;      /* to the agent, or NULL */
	struct cm_ssh_opts ssh;	       /* the client's tunnel options */
	struct dash_frame *q, **qtail; /* frames for the browser */
	size_t qbytes;		       /* bytes in q */
	char close_why[124];	       /* reason sent with the close */
	struct dash_place *place;      /* the fleet socket's placement under way */
	lws_sorted_usec_list_t held;   /* DASH_HELD: when auth_failed goes out */
	unsigned char *rx;	       /* a fragmented frame being reassembled */
	size_t rxlen;
	/* HTTP response */
	const unsigned char *body; /* bytes left to send */
	size_t body_left;
	unsigned char *body_owned; /* an inflated copy, freed at the end */
};

/* Queues a frame for the browser (copied). Closes a browser that is too slow. */
void dash_send(struct dash_sess *s, const void *data, size_t len, int binary);
/* Queues a JSON object (taken) as a text frame. */
void dash_send_json(struct dash_sess *s, json_t *msg);
/* Closes the browser's socket once its queue is written, telling why. */
void dash_close(struct dash_sess *s, const char *why);
/* Handles a browser's complete text frame on a relay or the fleet socket. */
void dash_relay_rx(struct dash_sess *s, const char *text, size_t len);
/* Frees what a browser socket holds (its agent connection, its queue). */
void dash_relay_closed(struct dash_sess *s);

/*
 * Answers the fleet socket's {"action": "place", "pool"?} with the agent a
 * session should go to (dash-place.c), later, without blocking the loop.
 */
void dash_place_start(struct dash_sess *s, json_t *id, const json_t *pool);
/* Drops a placement under way (its browser socket closed). */
void dash_place_free(struct dash_place *pl);

/* Serves an HTTP GET of path; returns lws's callback result. */
int dash_http(struct dash_sess *s, const char *path);
/* Writes the next piece of a body; -1 when done (lws closes or keeps alive). */
int dash_http_write(struct dash_sess *s);
/*
 * True if the Host header is an address literal, localhost or a name of
 * --allow-host (against DNS rebinding).
 */
int dash_host_ok(const struct dash *d, struct lws *wsi);
/* Answers a refused upgrade with status and why; returns 1 (lws: refuse). */
int dash_refuse(struct lws *wsi, unsigned status, const char *why);
/* True if the Origin header is absent or this dashboard itself (its scheme and Host). */
int dash_origin_ok(const struct dash *d, struct lws *wsi);

#endif
