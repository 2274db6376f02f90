/*
 * loop: the event loop of libcm, a libwebsockets context of its own.
 *
 * One loop serves every client a program opens, so `cm ls --all` talks to
 * ten agents at once from one thread. Timers are lws_sul entries; waiting
 * on an ordinary descriptor (a terminal, a signalfd) is done by adopting a
 * dup() of it as a raw file, so that lws may close its copy freely.
 *
 * lws_service(ctx, 0) blocks until a descriptor is ready or the next timer
 * is due (lws 4.1 ignores the value of a non-negative timeout), so every
 * bounded wait schedules a timer for its deadline.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/xmalloc.h"

/* A descriptor watched for readability. */
struct cm_watch {
	struct cm_loop *loop; /* owner */
	struct lws *wsi;      /* the adopted raw-file wsi (owns a dup of fd) */
	int fd;		      /* the caller's descriptor, passed to cb */
	cm_fd_cb cb;	      /* called when readable */
	void *arg;	      /* for cb */
};

/* A deadline timer on the stack of a waiting call. */
struct loop_deadline {
	lws_sorted_usec_list_t sul; /* the lws timer */
	struct lws_context *ctx;    /* to wake the poll */
	int fired;		    /* set when the deadline passed */
};

/* Dispatches callbacks of adopted descriptors to their watch. */
static int
loop_raw_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct cm_watch *w = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (w)
			w->cb(w->fd, w->arg);
		return 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (w)
			w->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols loop_protocols[] = {
    {"cm", cm_client_lws_cb, 0, 65536, 0, NULL, 0},
    {"cm-raw", loop_raw_cb, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Creates a loop; lws logging stays quiet unless CM_LWS_DEBUG is set. */
struct cm_loop *
cm_loop_new(void)
{
	static const struct lws_extension loop_extensions[] = {
	    {"permessage-deflate", lws_extension_callback_pm_deflate,
	     "permessage-deflate; client_max_window_bits"},
	    {NULL, NULL, NULL},
	};
	struct lws_context_creation_info info;
	struct cm_loop *loop;

	lws_set_log_level(getenv("CM_LWS_DEBUG") ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO : 0,
			  NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = loop_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	/* A client needs few descriptors; the default sizes tables by ulimit -n. */
	info.fd_limit_per_thread = 256;
	info.timeout_secs = 15;
	/* Offered to the agent, which compresses output and events for us (RFC 7692). */
	info.extensions = loop_extensions;
	loop = xcalloc(1, sizeof(*loop));
	info.user = loop;
	loop->ctx = lws_create_context(&info);
	if (!loop->ctx) {
		free(loop);
		return NULL;
	}
	loop->vh = lws_get_vhost_by_name(loop->ctx, "default");
	return loop;
}

/* Destroys the context, which closes every connection on it. */
void
cm_loop_free(struct cm_loop *loop)
{
	if (!loop)
		return;
	lws_context_destroy(loop->ctx);
	free(loop);
}

/* Marks a deadline as passed. */
static void
loop_deadline_cb(lws_sorted_usec_list_t *sul)
{
	struct loop_deadline *d = lws_container_of(sul, struct loop_deadline, sul);

	d->fired = 1;
	lws_cancel_service(d->ctx);
}

/* Services the loop until *flag, a stop, or the deadline (timeout_ms < 0: none). */
int
cm_loop_run_until(struct cm_loop *loop, const int *flag, int timeout_ms)
{
	struct loop_deadline d;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	d.ctx = loop->ctx;
	if (timeout_ms >= 0)
		lws_sul_schedule(loop->ctx, 0, &d.sul, loop_deadline_cb,
				 (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	while (!(flag && *flag)) {
		if (loop->stop) {
			rc = CM_ECLOSED;
			break;
		}
		if (d.fired) {
			rc = CM_ETIMEDOUT;
			break;
		}
		if (lws_service(loop->ctx, 0) < 0) {
			rc = CM_EIO;
			break;
		}
	}
	if (timeout_ms >= 0)
		lws_sul_schedule(loop->ctx, 0, &d.sul, NULL, LWS_SET_TIMER_USEC_CANCEL);
	return rc;
}

/* Runs until cm_loop_stop() (0) or the timeout (CM_ETIMEDOUT). */
int
cm_loop_run(struct cm_loop *loop, int timeout_ms)
{
	int rc;

	loop->stop = 0;
	rc = cm_loop_run_until(loop, NULL, timeout_ms);
	if (rc == CM_ECLOSED && loop->stop)
		rc = 0;
	loop->stop = 0;
	return rc;
}

/* Asks the running cm_loop_run() to return. */
void
cm_loop_stop(struct cm_loop *loop)
{
	loop->stop = 1;
	lws_cancel_service(loop->ctx);
}

/* The libwebsockets context under the loop. */
struct lws_context *
cm_loop_lws_context(struct cm_loop *loop)
{
	return loop ? loop->ctx : NULL;
}

/* Watches fd for input through an adopted duplicate. */
struct cm_watch *
cm_loop_watch_fd(struct cm_loop *loop, int fd, cm_fd_cb cb, void *arg)
{
	lws_sock_file_fd_type sock;
	struct cm_watch *w;
	int dup_fd;

	dup_fd = dup(fd);
	if (dup_fd < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	sock.filefd = dup_fd;
	w->wsi =
	    lws_adopt_descriptor_vhost(loop->vh, LWS_ADOPT_RAW_FILE_DESC, sock, "cm-raw", NULL);
	if (!w->wsi) {
		close(dup_fd);
		free(w);
		return NULL;
	}
	lws_set_opaque_user_data(w->wsi, w);
	return w;
}

/* Detaches the watch and lets lws close its duplicate. */
void
cm_watch_free(struct cm_watch *w)
{
	if (!w)
		return;
	if (w->wsi) {
		lws_set_opaque_user_data(w->wsi, NULL);
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	free(w);
}

/* Short stable name of a failure kind. */
const char *
cm_fail_name(enum cm_fail fail)
{
	static const char *const names[] = {
	    [CM_FAIL_NONE] = "none",
	    [CM_FAIL_CONFIG] = "config",
	    [CM_FAIL_UNREACHABLE] = "host_unreachable",
	    [CM_FAIL_SSH_AUTH] = "ssh_auth_refused",
	    [CM_FAIL_HOSTKEY] = "host_key_mismatch",
	    [CM_FAIL_SSH] = "ssh_failed",
	    [CM_FAIL_NO_AGENT] = "agent_not_running",
	    [CM_FAIL_TOKEN] = "token_refused",
	    [CM_FAIL_RATE] = "rate_limited",
	    [CM_FAIL_PROTOCOL] = "protocol_error",
	    [CM_FAIL_TIMEOUT] = "timeout",
	    [CM_FAIL_CLOSED] = "connection_lost",
	};

	if ((unsigned)fail >= sizeof(names) / sizeof(names[0]) || !names[fail])
		return "unknown";
	return names[fail];
}
