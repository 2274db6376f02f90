/*
 * tty: raw mode, window size and signals for `cm attach` (see tty.h).
 */
#include "tty.h"

#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/err.h"

/* Enters raw mode and routes SIGWINCH, SIGTERM and SIGHUP to a signalfd. */
int
tty_raw(struct tty *t, int fd)
{
	struct termios raw;
	sigset_t set;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->sigfd = -1;
	if (tcgetattr(fd, &t->saved) < 0)
		return CM_EINVAL;
	raw = t->saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
		return CM_EIO;
	t->raw = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return 0;
}

/* Leaves raw mode. */
void
tty_restore(struct tty *t)
{
	sigset_t set;

	if (t->raw) {
		tcsetattr(t->fd, TCSAFLUSH, &t->saved);
		t->raw = 0;
	}
	if (t->sigfd >= 0) {
		close(t->sigfd);
		t->sigfd = -1;
		sigemptyset(&set);
		sigaddset(&set, SIGWINCH);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
}

/* Reads the window size. */
int
tty_size(int fd, int *cols, int *rows)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0 || ws.ws_row == 0)
		return -1;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return 0;
}

/* Reads pending signals: 't' wins over 'w'. */
int
tty_signal(struct tty *t)
{
	struct signalfd_siginfo si;
	int what = 0;

	while (t->sigfd >= 0 && read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH && what == 0)
			what = 'w';
		else if (si.ssi_signo != SIGWINCH)
			what = 't';
	}
	return what;
}
