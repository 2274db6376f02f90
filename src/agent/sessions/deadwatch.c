/*
 * deadwatch: the tool's pidfd on the loop, or tmux's #{pane_dead}
 * subscription where pidfds are missing (see deadwatch.h).
 */
#include "agent/sessions/deadwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/sessions/monitor.h"
#include "agent/sessions/sessions.h"
#include "agent/tmux/fdwatch.h"
#include "agent/tmux/tmuxcc-client.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/xmalloc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same number on every architecture */
#endif

#define DEADWATCH_RECHECK_MS  20 /* first read again after the exit, doubling */
#define DEADWATCH_RECHECK_MAX 8	 /* reads again (20 ms .. 2.5 s) before giving up */

struct deadwatch {
	struct session *s;	    /* the session watched (not referenced: stopped before free) */
	int pidfd;		    /* the tool's pidfd, -1 when none */
	struct fdwatch watch;	    /* pidfd on the loop */
	lws_sorted_usec_list_t sul; /* reads again until tmux says the pane is dead */
	int rechecks;		    /* reads again done */
};

/* Whether pidfds are to be tried: no once the kernel said ENOSYS, or if switched off. */
static int deadwatch_pidfd_missing;

static int
deadwatch_pidfd_wanted(void)
{
	const char *off = getenv("CM_AGENT_NO_PIDFD");

	return !deadwatch_pidfd_missing && !(off != NULL && strcmp(off, "1") == 0);
}

/*
 * Asks tmux to tell us when the pane dies: the format subscription reports
 * #{pane_dead} on tmux's one-second timer (the fallback: it wakes tmux up
 * every second).
 */
static void
deadwatch_subscribe(struct session *s)
{
	struct buf cmd;

	buf_init(&cmd, 128);
	buf_append_str(&cmd, "refresh-client -B ");
	tmuxcc_quote(&cmd, "cmdead::#{pane_dead}", 20);
	if (session_command(s, cmd.data, NULL, NULL) < 0)
		log_warn("%s: cannot subscribe to pane_dead", s->id);
	buf_release(&cmd);
}

/* Reads the pane again until tmux has marked it dead (it reaps the tool a little later). */
static void
deadwatch_recheck(lws_sorted_usec_list_t *sul)
{
	struct deadwatch *dw = lws_container_of(sul, struct deadwatch, sul);
	struct session *s = dw->s;

	if (s->pane_dead || dw->rechecks >= DEADWATCH_RECHECK_MAX)
		return;
	monitor_on_output(s);
	lws_sul_schedule(s->set->lws, 0, &dw->sul, deadwatch_recheck,
			 (lws_usec_t)(DEADWATCH_RECHECK_MS << dw->rechecks++) * LWS_US_PER_MS);
}

/* The pidfd is readable: the tool exited. */
static void
deadwatch_on_exit(void *arg)
{
	struct deadwatch *dw = arg;

	log_debug("%s: the tool's process exited", dw->s->id);
	/* Level-triggered: the descriptor stays readable, so it leaves the loop now. */
	fdwatch_remove(&dw->watch);
	close(dw->pidfd);
	dw->pidfd = -1;
	dw->rechecks = 0;
	deadwatch_recheck(&dw->sul);
}

/* tmux answered "#{pane_dead} #{pane_pid}". */
static void
deadwatch_on_pid(void *arg, int err, const char *body, size_t len)
{
	struct session *s = arg;
	struct deadwatch *dw = s->deadwatch;
	int dead = 0;
	long pid = 0;

	(void)len;
	if (dw == NULL)
		return;
	if (s->link != SESSION_LINK_UP)
		return; /* the control client went away: the next attach asks again */
	if (err < 0 || body == NULL || sscanf(body, "%d %ld", &dead, &pid) != 2 || pid <= 0) {
		log_warn("%s: cannot read the pane's pid: watching pane_dead instead", s->id);
		deadwatch_subscribe(s);
		return;
	}
	if (dead)
		return; /* the monitor's first read finds it dead */
	dw->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (dw->pidfd < 0) {
		if (errno == ESRCH) {
			monitor_on_output(s); /* gone between tmux's answer and now */
			return;
		}
		if (errno == ENOSYS)
			deadwatch_pidfd_missing = 1;
		log_info("%s: pidfd_open: %s: watching pane_dead instead", s->id, strerror(errno));
		deadwatch_subscribe(s);
		return;
	}
	/* A pidfd is close-on-exec from birth: tmux children never hold it. */
	if (fdwatch_add(s->set->vhost, &dw->watch, dw->pidfd, deadwatch_on_exit, NULL, dw) < 0) {
		close(dw->pidfd);
		dw->pidfd = -1;
		deadwatch_subscribe(s);
		return;
	}
	log_debug("%s: watching the tool (pid %ld) through a pidfd", s->id, pid);
}

void
deadwatch_start(struct session *s)
{
	static const char fmt[] = "#{pane_dead} #{pane_pid}";
	struct deadwatch *dw;
	struct buf cmd;

	deadwatch_stop(s);
	if (!deadwatch_pidfd_wanted()) {
		deadwatch_subscribe(s);
		return;
	}
	dw = xcalloc(1, sizeof *dw);
	dw->s = s;
	dw->pidfd = -1;
	s->deadwatch = dw;
	buf_init(&cmd, 128);
	buf_append_str(&cmd, "display-message -p -- ");
	tmuxcc_quote(&cmd, fmt, sizeof fmt - 1);
	if (session_command(s, cmd.data, deadwatch_on_pid, s) < 0)
		log_warn("%s: cannot ask for the pane's pid", s->id);
	buf_release(&cmd);
}

void
deadwatch_stop(struct session *s)
{
	struct deadwatch *dw = s->deadwatch;

	if (dw == NULL)
		return;
	fdwatch_remove(&dw->watch);
	if (dw->pidfd >= 0)
		close(dw->pidfd);
	lws_sul_cancel(&dw->sul);
	free(dw);
	s->deadwatch = NULL;
}

int
deadwatch_uses_pidfd(const struct session *s)
{
	return s->deadwatch != NULL && s->deadwatch->pidfd >= 0;
}
