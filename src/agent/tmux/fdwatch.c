/*
 * fdwatch: raw descriptors on the lws loop (see fdwatch.h).
 */
#include "agent/tmux/fdwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"

/* Adopts a dup of fd into the loop. */
int
fdwatch_add(struct lws_vhost *vh, struct fdwatch *w, int fd, void (*on_read)(void *),
	    void (*on_write)(void *), void *arg)
{
	lws_adopt_desc_t desc;
	int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dupfd < 0) {
		log_error("dup: %s", strerror(errno));
		return CM_EIO;
	}
	w->on_read = on_read;
	w->on_write = on_write;
	w->arg = arg;
	memset(&desc, 0, sizeof desc);
	desc.vh = vh;
	desc.type = LWS_ADOPT_RAW_FILE_DESC;
	desc.fd.filefd = dupfd;
	desc.vh_prot_name = "cm-fd";
	desc.opaque = w;
	w->wsi = lws_adopt_descriptor_vhost_via_info(&desc);
	if (w->wsi == NULL) {
		/* lws closed dupfd already. */
		log_error("cannot adopt descriptor %d into the loop", fd);
		return CM_EIO;
	}
	return 0;
}

/* Asks lws for the writable callback that on_write wanted. */
static void
fdwatch_rearm(lws_sorted_usec_list_t *sul)
{
	struct fdwatch *w = lws_container_of(sul, struct fdwatch, sul);

	if (w->wsi != NULL)
		lws_callback_on_writable(w->wsi);
}

/* Turns write interest on (one callback) or off. */
void
fdwatch_want_write(struct fdwatch *w, int on)
{
	if (w->wsi == NULL || !on)
		return;
	/* lws clears POLLOUT after the writable callback: ask again after it. */
	if (w->in_write)
		w->rearm = 1;
	else
		lws_callback_on_writable(w->wsi);
}

/* Detaches the watch and lets lws close its dup on the next turn. */
void
fdwatch_remove(struct fdwatch *w)
{
	lws_sul_cancel(&w->sul); /* even after lws closed the wsi: w may be freed next */
	if (w->wsi == NULL)
		return;
	lws_set_opaque_user_data(w->wsi, NULL);
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	w->wsi = NULL;
}

/* Routes raw-file events to the watch's callbacks. */
int
fdwatch_callback(struct lws *wsi, int reason, void *user, void *in, size_t len)
{
	struct fdwatch *w = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (w == NULL)
			return -1;
		if (w->on_read == NULL) {
			/* A write-only fd reports an error (the reader went away): drop it. */
			lws_set_opaque_user_data(wsi, NULL);
			w->wsi = NULL;
			return -1;
		}
		w->on_read(w->arg);
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (w == NULL || w->on_write == NULL)
			return 0;
		w->in_write = 1;
		w->rearm = 0;
		w->on_write(w->arg);
		w->in_write = 0;
		if (w->rearm && w->wsi != NULL)
			lws_sul_schedule(lws_get_context(wsi), 0, &w->sul, fdwatch_rearm, 1);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		/* lws may close on POLLHUP before any RX: let the owner read to EOF. */
		if (w != NULL) {
			w->wsi = NULL;
			if (w->on_read != NULL)
				w->on_read(w->arg);
		}
		return 0;
	default:
		return 0;
	}
}
