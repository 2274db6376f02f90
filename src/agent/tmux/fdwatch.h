/*
 * fdwatch: a foreign file descriptor (a tmux pipe, the signalfd) served by
 * libwebsockets' loop.
 *
 * lws adopts a dup() of the descriptor as a raw file, so lws and the owner
 * each close their own copy and neither closes a number the other still
 * uses. Readiness arrives as callbacks; write interest is turned on and off
 * by the owner. Removal is asynchronous (lws frees the wsi on its next
 * turn) and safe from inside a callback: after fdwatch_remove() no callback
 * of that watch runs again.
 */
#ifndef CM_AGENT_FDWATCH_H
#define CM_AGENT_FDWATCH_H

#include <libwebsockets.h>
#include <stddef.h>

struct lws;
struct lws_vhost;

struct fdwatch {
	struct lws *wsi;	     /* the adopted dup, NULL once removed */
	void (*on_read)(void *arg);  /* readable (or EOF / error) */
	void (*on_write)(void *arg); /* writable, after fdwatch_want_write(1) */
	void *arg;		     /* passed to the callbacks */
	int in_write;		     /* on_write is running */
	int rearm;		     /* on_write asked for another callback */
	lws_sorted_usec_list_t sul;  /* asks for it after lws's callback returns */
};

/* Starts watching fd (which the caller keeps and closes) on vhost vh. */
int fdwatch_add(struct lws_vhost *vh, struct fdwatch *w, int fd, void (*on_read)(void *),
		void (*on_write)(void *), void *arg);
/* Asks for one on_write callback when fd is writable (also from inside on_write). */
void fdwatch_want_write(struct fdwatch *w, int on);
/* Stops watching; no callback runs afterwards. */
void fdwatch_remove(struct fdwatch *w);
/* The lws protocol callback for adopted descriptors (listener.c's table). */
int fdwatch_callback(struct lws *wsi, int reason, void *user, void *in, size_t len);

#endif
