/*
 * internal: what the modules of libcm share and no program sees.
 *
 * loop.c owns the libwebsockets context and dispatches its callbacks:
 * WebSocket client events go to client.c (cm_client_lws_cb), readable
 * descriptors to the watches. tunnel.c runs ssh as child processes and is
 * polled by client.c from a timer, so that several tunnels come up at once.
 * Public functions carry CM_API; everything else is hidden from the shared
 * library (-fvisibility=hidden).
 */
#ifndef CM_LIB_INTERNAL_H
#define CM_LIB_INTERNAL_H

#include <sys/types.h>

#include <libwebsockets.h>

#include "cm.h"

/* One event loop: a libwebsockets context with its default vhost. */
struct cm_loop {
	struct lws_context *ctx;      /* the libwebsockets context (its loop) */
	struct lws_vhost *vh;	      /* the default vhost, for adopting descriptors */
	int stop;		      /* set by cm_loop_stop(), read by cm_loop_run() */
	struct cm_client *clients;    /* every client of the loop (list through next) */
	struct cm_client *connecting; /* the client inside lws_client_connect_via_info() */
};

/* Finds the client whose current wsi is wsi, or NULL. */
struct cm_client *cm_client_by_wsi(struct cm_loop *loop, struct lws *wsi);

/* The lws protocol callback of WebSocket client connections (client.c). */
int cm_client_lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		     size_t len);

/* Steps of bringing a tunnel up. */
enum cm_tunnel_step {
	CM_TUNNEL_IDLE = 0, /* nothing running */
	CM_TUNNEL_CHECK,    /* `ssh -O check`: is our ControlMaster alive? */
	CM_TUNNEL_FORWARD,  /* `ssh -O forward`: add the forward to a live master */
	CM_TUNNEL_MASTER,   /* `ssh -f -N -L`: start a new master with the forward */
	CM_TUNNEL_UP,	    /* the local socket forwards to the agent */
	CM_TUNNEL_FAILED,   /* see fail and err */
};

/* An ssh tunnel from a private local Unix socket to the agent on a remote loopback. */
struct cm_tunnel {
	char dir[128];		  /* private runtime directory (0700) */
	char ctl[160];		  /* ControlPath of our master */
	char sock[160];		  /* local end of the forward (Unix socket) */
	char log[160];		  /* ssh -E log of the master */
	char lock[160];		  /* flock()ed while a step runs */
	char target[256];	  /* remote end: "127.0.0.1:PORT" or a socket path */
	char host[128];		  /* ssh destination, for messages */
	char **base;		  /* ssh argv up to (excluding) the mode options */
	int nbase;		  /* entries in base */
	enum cm_tunnel_step step; /* where we are */
	pid_t pid;		  /* the running ssh child, or 0 */
	int lockfd;		  /* open lock file while held, else -1 */
	long log_mark;		  /* size of the log when the last connection began */
	enum cm_fail fail;	  /* why it failed */
	char err[1024];		  /* one line for people */
};

/* Prepares a tunnel description; CM_EINVAL-like error with t->err on bad options. */
int cm_tunnel_init(struct cm_tunnel *t, const struct cm_ssh_opts *ssh, const char *remote_unix,
		   int remote_port);
/* Frees what init allocated and kills a running child. */
void cm_tunnel_release(struct cm_tunnel *t);
/* True if the local socket exists (a master may be serving it). */
int cm_tunnel_socket_exists(const struct cm_tunnel *t);
/* Starts bringing the tunnel up (a child runs); poll with cm_tunnel_poll. */
int cm_tunnel_start(struct cm_tunnel *t);
/* Advances when the child has exited: 1 while running, 0 when up, < 0 when failed. */
int cm_tunnel_poll(struct cm_tunnel *t);
/* Remembers the log's size: diagnoses only read what ssh logs after it. */
void cm_tunnel_mark_log(struct cm_tunnel *t);
/* Reads the master's log for why a forwarded connection failed; fills t->err. */
enum cm_fail cm_tunnel_diagnose_forward(struct cm_tunnel *t, const char *why);
/* Classifies ssh's log text (pure): fills msg with one line for people. */
enum cm_fail cm_tunnel_classify(const char *log, const char *host, char *msg, size_t n);

#endif
