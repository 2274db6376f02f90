/*
 * sdnotify: the sd_notify protocol by hand, and the watchdog timer (see sdnotify.h).
 */
#include "agent/sdnotify.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/sessions/metrics.h"
#include "common/log.h"
#include "common/timeutil.h"

static struct {
	struct sockaddr_un addr;    /* where systemd listens */
	socklen_t addr_len;	    /* 0: nobody listens */
	int fd;			    /* our datagram socket, -1 until first use */
	uint64_t watchdog_us;	    /* WATCHDOG_USEC, 0 if no watchdog */
	uint64_t due_us;	    /* when the next ping is due (for the lag) */
	struct lws_context *lws;    /* the loop the pings run on */
	struct metrics *metrics;    /* for the loop lag, or NULL */
	lws_sorted_usec_list_t sul; /* the next ping */
	sdnotify_status_fn status;  /* makes the status line */
	void *status_arg;	    /* its argument */
	char last[256];		    /* the status line last sent */
} sdn = {.fd = -1};

/* Sends one message; failures are logged once and otherwise ignored. */
static void
sdnotify_send(const char *msg)
{
	static int warned;

	if (sdn.addr_len == 0)
		return;
	if (sdn.fd < 0)
		sdn.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sdn.fd < 0 || sendto(sdn.fd, msg, strlen(msg), MSG_NOSIGNAL,
				 (const struct sockaddr *)&sdn.addr, sdn.addr_len) < 0) {
		if (!warned++)
			log_warn("cannot notify systemd: %s", strerror(errno));
	}
}

int
sdnotify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET"), *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	size_t len;

	if (path != NULL && (path[0] == '/' || path[0] == '@') &&
	    (len = strlen(path)) < sizeof sdn.addr.sun_path) {
		sdn.addr.sun_family = AF_UNIX;
		memcpy(sdn.addr.sun_path, path, len);
		if (path[0] == '@')
			sdn.addr.sun_path[0] = '\0'; /* abstract: no NUL at the end */
		sdn.addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
					   (path[0] == '@' ? 0 : 1));
	} else if (path != NULL) {
		log_warn("NOTIFY_SOCKET is not a socket path: not notifying systemd");
	}
	if (sdn.addr_len > 0 && usec != NULL && (pid == NULL || atol(pid) == (long)getpid())) {
		char *end;
		unsigned long long v = strtoull(usec, &end, 10);

		if (*end == '\0' && v > 0)
			sdn.watchdog_us = v;
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return sdn.addr_len > 0;
}

/* The watchdog timer: the loop turns, so the agent is alive. */
static void
sdnotify_ping(lws_sorted_usec_list_t *sul)
{
	uint64_t now = time_mono_us();

	char line[sizeof sdn.last], msg[sizeof sdn.last + 32];

	(void)sul;
	metrics_loop_lag(sdn.metrics, sdn.due_us, now);
	sdn.status(sdn.status_arg, line, sizeof line);
	if (strcmp(line, sdn.last) != 0) {
		snprintf(msg, sizeof msg, "WATCHDOG=1\nSTATUS=%s", line);
		memcpy(sdn.last, line, sizeof sdn.last);
		sdnotify_send(msg);
	} else {
		sdnotify_send("WATCHDOG=1");
	}
	sdn.due_us = now + sdn.watchdog_us / 2;
	lws_sul_schedule(sdn.lws, 0, &sdn.sul, sdnotify_ping, (lws_usec_t)(sdn.watchdog_us / 2));
}

void
sdnotify_ready(struct lws_context *lws, struct metrics *m, sdnotify_status_fn status, void *arg)
{
	char msg[512];

	if (sdn.addr_len == 0)
		return;
	sdn.status = status;
	sdn.status_arg = arg;
	status(arg, sdn.last, sizeof sdn.last);
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s\nMAINPID=%ld", sdn.last, (long)getpid());
	sdnotify_send(msg);
	if (sdn.watchdog_us == 0)
		return;
	sdn.lws = lws;
	sdn.metrics = m;
	log_info("systemd watchdog: a ping every %llu ms",
		 (unsigned long long)(sdn.watchdog_us / 2000));
	sdn.due_us = time_mono_us() + sdn.watchdog_us / 2;
	lws_sul_schedule(lws, 0, &sdn.sul, sdnotify_ping, (lws_usec_t)(sdn.watchdog_us / 2));
}

void
sdnotify_status(const char *status)
{
	char msg[512];

	if (sdn.addr_len == 0)
		return;
	snprintf(msg, sizeof msg, "STATUS=%s", status);
	sdnotify_send(msg);
}

void
sdnotify_stopping(void)
{
	if (sdn.addr_len == 0)
		return;
	if (sdn.lws != NULL)
		lws_sul_cancel(&sdn.sul);
	sdnotify_send("STOPPING=1\nSTATUS=stopping (sessions keep running)");
	if (sdn.fd >= 0)
		close(sdn.fd);
	sdn.fd = -1;
}
