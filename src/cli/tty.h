/*
 * tty: the terminal side of `cm attach`: raw mode in and out (restored on
 * every way out), the window size, and SIGWINCH as a readable descriptor
 * (a signalfd) so that the event loop learns about resizes like any input.
 */
#ifndef CM_CLI_TTY_H
#define CM_CLI_TTY_H

#include <termios.h>

/* A terminal in raw mode and what to restore. */
struct tty {
	int fd;		      /* the terminal (stdin) */
	struct termios saved; /* settings before raw mode */
	int raw;	      /* raw mode is on */
	int sigfd;	      /* signalfd for SIGWINCH/SIGTERM/SIGHUP, or -1 */
};

/* Puts fd in raw mode and opens the signal descriptor; 0 or a negative error. */
int tty_raw(struct tty *t, int fd);
/* Restores the saved settings and closes the signal descriptor. */
void tty_restore(struct tty *t);
/* Reads the window size of fd; 0 or -1. */
int tty_size(int fd, int *cols, int *rows);
/* Drains the signal descriptor: returns 'w' (resize), 't' (terminate) or 0. */
int tty_signal(struct tty *t);

#endif
