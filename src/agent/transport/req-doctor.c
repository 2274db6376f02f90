/*
 * doctor: the agent checks itself and its machine (docs/PROTOCOL.md, doctor).
 *
 * The machine's checks (doctor-checks.h: disk, modes, unit, clock) are done
 * at once; here are the agent's own: tmux and each profile's programs. Running the
 * programs for their versions (`tmux -V`, each profile's `PROG --version`)
 * can take seconds (a Node.js tool starts slowly), so it happens in a
 * child: fork(), every descriptor but one pipe closed, each program run
 * for at most DOCTOR_PROG_MS, the versions written back as one JSON
 * object. The pipe is watched by the loop like a tmux pipe; the reply goes
 * out when the child closes it, or with what is known after
 * DOCTOR_TIMEOUT_MS (the child is then killed). One doctor runs at a time
 * (busy otherwise). The child is reaped by the agent's SIGCHLD handler
 * like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/screen/profile.h"
#include "agent/screen/tool-version.h"
#include "agent/screen/tools.h"
#include "agent/sessions/sessions.h"
#include "agent/tmux/fdwatch.h"
#include "agent/transport/agent.h"
#include "agent/transport/dispatch.h"
#include "agent/transport/doctor-checks.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"
#include "proto/message.h"

#define DOCTOR_PROG_MS	  4000	/* one program's --version */
#define DOCTOR_TIMEOUT_MS 12000 /* the whole child */
#define DOCTOR_OUT_MAX	  65536 /* bytes of the child's answer */
#define DOCTOR_TMUX_MIN	  "3.2" /* the oldest tmux the agent works with */

/* The doctor in progress (one at a time). */
static struct doctor {
	int busy;		    /* a report is being made */
	struct agent *a;	    /* the agent */
	struct completion done;	    /* the requester */
	json_t *checks;		    /* the checks done so far */
	int quick;		    /* no program is run */
	pid_t pid;		    /* the child, 0 if none */
	int fd;			    /* its pipe, -1 if none */
	struct fdwatch watch;	    /* the pipe on the loop */
	struct buf out;		    /* what the child wrote */
	lws_sorted_usec_list_t sul; /* the child's deadline */
} doc = {.fd = -1};

/* The programs a profile runs: those of "tested_versions", else argv[0]. */
static json_t *
doctor_programs(const struct profile *p)
{
	const json_t *tested = profile_tested_versions(p), *list;
	json_t *out = json_array();
	const char *prog;

	if (tested != NULL) {
		json_object_foreach ((json_t *)tested, prog, list)
			json_array_append_new(out, json_string(prog));
	} else if (profile_program(p) != NULL) {
		json_array_append_new(out, json_string(profile_program(p)));
	}
	return out;
}

/* The child: runs every program for its version, writes {"prog": "1.2"|null} to fd. */
static void __attribute__((noreturn)) doctor_child(int fd, int quick)
{
	json_t *vers = json_object(), *progs;
	char have[64], *text;
	size_t i, len;
	json_t *v;

	(void)quick;
	if (tool_version_run("tmux", "-V", DOCTOR_PROG_MS, have, sizeof have) == 0)
		json_object_set_new(vers, "tmux", json_string(have));
	for (size_t t = 0; t < tools_count(); t++) {
		progs = doctor_programs(tools_at(t));
		json_array_foreach (progs, i, v) {
			const char *prog = json_string_value(v);

			if (json_object_get(vers, prog) != NULL || !doctor_found(prog))
				continue;
			json_object_set_new(vers, prog,
					    tool_version_run(prog, "--version", DOCTOR_PROG_MS,
							     have, sizeof have) == 0
						? json_string(have)
						: json_null());
		}
		json_decref(progs);
	}
	text = json_dumps(vers, JSON_COMPACT);
	len = text ? strlen(text) : 0;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	_exit(0);
}

/* Whether a live session (not exited) runs profile p. */
static int
doctor_in_use(struct agent *a, const struct profile *p)
{
	struct session *s;

	TAILQ_FOREACH (s, &a->sessions.list, entry)
		if (s->state != CM_STATE_EXITED && s->tool != NULL &&
		    strcmp(s->tool, profile_name(p)) == 0)
			return 1;
	return 0;
}

/* The newest (or oldest, sign -1) of a profile's tested versions of prog. */
static const char *
doctor_tested_bound(const struct profile *p, const char *prog, int sign)
{
	const json_t *list = json_object_get(profile_tested_versions(p), prog), *v;
	const char *best = NULL;
	size_t i;

	json_array_foreach (list, i, v)
		if (best == NULL || sign * tool_version_cmp(json_string_value(v), best) > 0)
			best = json_string_value(v);
	return best;
}

/* One check per profile: its programs installed, their versions tested. */
static void
doctor_profiles(struct agent *a, const json_t *vers)
{
	char name[96], fix[256];

	for (size_t t = 0; t < tools_count(); t++) {
		const struct profile *p = tools_at(t);
		json_t *progs = doctor_programs(p), *v;
		int needed = !tools_is_builtin(p) || doctor_in_use(a, p);
		const char *status = "ok";
		struct buf msg;
		size_t i;

		buf_init(&msg, 4096);
		snprintf(name, sizeof name, "profile %s", profile_name(p));
		fix[0] = '\0';
		json_array_foreach (progs, i, v) {
			const char *prog = json_string_value(v), *have, *newest, *oldest;

			if (i > 0)
				buf_append_str(&msg, "; ");
			if (!doctor_found(prog)) {
				buf_printf(&msg, "%s is not installed%s", prog,
					   needed ? "" : " (a shipped profile no session uses)");
				if (needed) {
					status = "fail";
					snprintf(fix, sizeof fix,
						 "install %s on the agent's PATH, or remove the "
						 "profile",
						 prog);
				}
				continue;
			}
			have = json_string_value(json_object_get(vers, prog));
			newest = doctor_tested_bound(p, prog, 1);
			oldest = doctor_tested_bound(p, prog, -1);
			if (vers == NULL || newest == NULL) {
				buf_printf(&msg, "%s is installed%s", prog,
					   newest == NULL ? "" : " (version not asked)");
			} else if (have == NULL) {
				buf_printf(&msg, "%s gives no version (tested: %s)", prog, newest);
				if (strcmp(status, "fail") != 0)
					status = "warn";
			} else if (tool_version_cmp(have, newest) > 0) {
				buf_printf(&msg,
					   "%s %s is newer than the versions the profile was "
					   "tested with (up to %s)",
					   prog, have, newest);
				if (strcmp(status, "fail") != 0)
					status = "warn";
				snprintf(fix, sizeof fix,
					 "its screens may have changed: check the states with "
					 "cm-agent classify, re-record the fixtures");
			} else if (tool_version_cmp(have, oldest) < 0) {
				buf_printf(&msg,
					   "%s %s is older than the versions tested (%s to %s)",
					   prog, have, oldest, newest);
				if (strcmp(status, "fail") != 0)
					status = "warn";
				snprintf(fix, sizeof fix, "upgrade %s to %s", prog, newest);
			} else {
				buf_printf(&msg, "%s %s (tested up to %s)", prog, have, newest);
			}
		}
		doctor_add(doc.checks, name, status, fix[0] ? fix : NULL, "%s",
			   msg.data ? msg.data : "runs no program");
		buf_release(&msg);
		json_decref(progs);
	}
}

/* tmux: installed, and recent enough. */
static void
doctor_tmux(const json_t *vers)
{
	const char *have = json_string_value(json_object_get(vers, "tmux"));

	if (!doctor_found("tmux"))
		doctor_add(doc.checks, "tmux", "fail", "install tmux " DOCTOR_TMUX_MIN " or newer",
			   "tmux is not on the agent's PATH");
	else if (vers == NULL)
		doctor_add(doc.checks, "tmux", "ok", NULL, "tmux is installed (version not asked)");
	else if (have == NULL)
		doctor_add(doc.checks, "tmux", "warn", NULL, "tmux -V gives no version");
	else if (tool_version_cmp(have, DOCTOR_TMUX_MIN) < 0)
		doctor_add(doc.checks, "tmux", "fail", "install tmux " DOCTOR_TMUX_MIN " or newer",
			   "tmux %s is older than " DOCTOR_TMUX_MIN, have);
	else
		doctor_add(doc.checks, "tmux", "ok", NULL, "tmux %s", have);
}

/*
 * Transcripts live in --transcript-dir, STATE_DIR/transcripts by default
 * (possibly a mount of its own, as they grow the most): checked while
 * recording is on and once that directory exists.
 */
static void
doctor_transcripts(struct agent *a)
{
	char path[4096];
	struct stat st;
	int n;

	if (a->cfg.no_transcripts || a->cfg.state_dir == NULL)
		return;
	if (a->cfg.transcript_dir != NULL)
		n = snprintf(path, sizeof path, "%s", a->cfg.transcript_dir);
	else
		n = snprintf(path, sizeof path, "%s/transcripts", a->cfg.state_dir);
	if (n < 0 || n >= (int)sizeof path || stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return;
	doctor_disk(doc.checks, "disk transcripts", path);
}

/* The report's status: the worst of its checks. */
static const char *
doctor_worst(const json_t *checks)
{
	const char *worst = "ok";
	const json_t *c;
	size_t i;

	json_array_foreach (checks, i, c) {
		const char *s = json_string_value(json_object_get(c, "status"));

		if (strcmp(s, "fail") == 0)
			return "fail";
		if (strcmp(s, "warn") == 0)
			worst = "warn";
	}
	return worst;
}

/* Builds the report from the versions (NULL: none asked or the child failed) and replies. */
static void
doctor_finish(const json_t *vers)
{
	struct agent *a = doc.a;
	json_t *result = json_object();

	doctor_tmux(vers);
	doctor_profiles(a, vers);
	json_object_set_new(result, "status", json_string(doctor_worst(doc.checks)));
	json_object_set_new(result, "checks", doc.checks);
	message_set_str(result, "hostname", a->hostname);
	json_object_set_new(result, "timestamp", json_real(time_wall()));
	doc.checks = NULL;
	completion_call(&doc.done, 0, NULL, result);
	json_decref(result);
	doc.busy = 0;
}

/* Stops watching the child (it is reaped by SIGCHLD). */
static void
doctor_release_child(void)
{
	fdwatch_remove(&doc.watch);
	lws_sul_cancel(&doc.sul);
	if (doc.fd >= 0)
		close(doc.fd);
	doc.fd = -1;
	doc.pid = 0;
}

/* The child wrote (or closed the pipe). */
static void
doctor_on_read(void *arg)
{
	char chunk[4096];
	ssize_t n = read(doc.fd, chunk, sizeof chunk);
	json_t *vers;

	(void)arg;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && buf_append(&doc.out, chunk, (size_t)n) == 0)
		return;
	doctor_release_child();
	vers = doc.out.len > 0 ? json_loadb(doc.out.data, doc.out.len, 0, NULL) : NULL;
	if (!json_is_object(vers))
		log_warn("doctor: the version probe gave no answer");
	doctor_finish(json_is_object(vers) ? vers : NULL);
	json_decref(vers);
	buf_release(&doc.out);
}

/* The child took too long: kill it, report without versions. */
static void
doctor_on_timeout(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	log_warn("doctor: the version probe took longer than %d ms: killed", DOCTOR_TIMEOUT_MS);
	if (doc.pid > 0)
		kill(doc.pid, SIGKILL);
	doctor_release_child();
	buf_release(&doc.out);
	doctor_finish(NULL);
}

/* Starts the child that asks every program its version. Returns 0, or -1. */
static int
doctor_spawn(struct agent *a)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* Nothing of the agent's (clients, tmux pipes) reaches the programs. */
		if (dup2(fds[1], 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		doctor_child(3, doc.quick);
	}
	close(fds[1]);
	doc.fd = fds[0];
	doc.pid = pid;
	buf_init(&doc.out, DOCTOR_OUT_MAX);
	if (fdwatch_add(a->vhost, &doc.watch, doc.fd, doctor_on_read, NULL, NULL) < 0) {
		kill(pid, SIGKILL);
		doctor_release_child();
		buf_release(&doc.out);
		return -1;
	}
	lws_sul_schedule(a->lws, 0, &doc.sul, doctor_on_timeout,
			 (lws_usec_t)DOCTOR_TIMEOUT_MS * LWS_US_PER_MS);
	return 0;
}

/* Handles {"action":"doctor","quick":false}. */
void
req_doctor(struct req *r)
{
	struct agent *a = r->a;
	int quick = 0;

	if (req_unpack(r, "{s?:b}", "quick", &quick) < 0)
		return;
	if (doc.busy) {
		req_error(r, PROTO_ERR_BUSY, "a doctor report is being made; try again");
		return;
	}
	doc.busy = 1;
	doc.a = a;
	doc.quick = quick;
	doc.checks = json_array();
	doc.done = req_later(r, proto_msg_name(PROTO_MSG_DOCTOR_REPORT));
	doctor_disk(doc.checks, "disk state", a->cfg.state_dir);
	doctor_transcripts(a);
	doctor_private(doc.checks, "token", a->cfg.token_file, 0);
	doctor_private(doc.checks, "state directory", a->cfg.state_dir, 1);
	doctor_private(doc.checks, "socket directory", a->cfg.socket_dir, 1);
	doctor_systemd(doc.checks);
	doctor_clock(doc.checks);
	if (quick || doctor_spawn(a) < 0)
		doctor_finish(NULL);
}
