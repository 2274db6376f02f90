/*
 * fdreserve: shedding connections when descriptors run out (see fdreserve.h).
 */
#include "agent/transport/fdreserve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/timeutil.h"

#define FDRESERVE_LISTENERS 4	/* listening sockets noted */
#define FDRESERVE_SHED_MAX  256 /* connections shed per failure report */

static int reserve_fd = -1;
static int listen_fds[FDRESERVE_LISTENERS];
static int n_listen;
static double last_said;    /* wall time of the last warning */
static unsigned long shed;  /* connections shed since that warning */
static unsigned long fails; /* accept failures since that warning */

/* Opens the reserve descriptor. */
static void
fdreserve_open(void)
{
	if (reserve_fd < 0)
		reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
fdreserve_init(void)
{
	DIR *d;
	struct dirent *de;

	n_listen = 0;
	/* lws does not tell its listening descriptors: find them (at start, few fds). */
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL && n_listen < FDRESERVE_LISTENERS) {
			int fd = atoi(de->d_name), on = 0;
			socklen_t len = sizeof on;

			if (de->d_name[0] == '.' || fd == dirfd(d))
				continue;
			if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on)
				listen_fds[n_listen++] = fd;
		}
		closedir(d);
	}
	fdreserve_open();
}

/* Accepts and closes what waits on one listening socket. */
static void
fdreserve_shed(int fd)
{
	for (int i = 0; i < FDRESERVE_SHED_MAX; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int c;

		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
			return;
		if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0)
			return;
		close(c);
		shed++;
	}
}

void
fdreserve_accept_failed(int err)
{
	double now = time_wall();

	fails++;
	if (err == EMFILE || err == ENFILE) {
		if (reserve_fd >= 0) {
			close(reserve_fd);
			reserve_fd = -1;
		}
		for (int i = 0; i < n_listen; i++)
			fdreserve_shed(listen_fds[i]);
		fdreserve_open();
	}
	if (now - last_said >= FDRESERVE_LOG_EVERY) {
		struct rlimit rl = {0, 0};

		getrlimit(RLIMIT_NOFILE, &rl);
		log_warn("cannot accept connections: %s (open files limit %llu); %lu failures, "
			 "%lu connections closed unserved since the last warning",
			 strerror(err), (unsigned long long)rl.rlim_cur, fails, shed);
		last_said = now;
		fails = 0;
		shed = 0;
	}
}

void
fdreserve_release(void)
{
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
	n_listen = 0;
}
