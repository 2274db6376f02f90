/*
 * resume: conversation ids and the command lines that resume them (see resume.h).
 */
#include "agent/sessions/resume.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "agent/screen/profile.h"
#include "agent/screen/recovery.h"
#include "agent/screen/screen.h"
#include "agent/tmux/link.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xmalloc.h"

#define RESUME_MAX_PROCS 32   /* processes of the tool's tree looked at */
#define RESUME_MAX_FDS	 1024 /* descriptors of each one */

/* A random (version 4) UUID, lowercase. */
static void
resume_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)rand();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* The profile's argv, then its args (each with "{id}" replaced by id). */
static char **
resume_argv(const struct profile *p, char *const *args, size_t n_args, const char *id)
{
	return recovery_argv(p->argv, p->argc, args, n_args, id);
}

/*
 * A fresh start's command line, as session.c makes it at creation: argv,
 * the start args with the id (a "uuid" profile), the task args.
 */
static char **
resume_fresh_argv(const struct session *s, const struct profile_recovery *r)
{
	const struct profile *p = s->profile;
	int with_id = r && r->id == RECOVERY_ID_UUID && s->rec.conv_id;
	char **v = resume_argv(p, with_id ? r->start_args : NULL, with_id ? r->n_start : 0,
			       s->rec.conv_id);
	size_t n = 0, extra;

	extra = s->task && *s->task && p->task_via == PROFILE_TASK_ARGV ? p->n_task_args : 0;
	while (v[n])
		n++;
	v = xrealloc(v, (n + extra + 1) * sizeof(char *));
	for (size_t i = 0; i < extra; i++) {
		const char *arg = p->task_args[i], *at = strstr(arg, "{task}");

		v[n++] = at == NULL ? xstrdup(arg)
				    : xasprintf("%.*s%s%s", (int)(at - arg), arg, s->task, at + 6);
	}
	v[n] = NULL;
	return v;
}

void
resume_begin(struct session *s, const char *task)
{
	const struct profile_recovery *r = profile_recovery(s->profile);
	char uuid[37];

	if (task && *task && profile_task_via(s->profile) == PROFILE_TASK_ARGV)
		s->rec.conv_started = 1; /* the tool starts working on it at once */
	if (r != NULL && r->id == RECOVERY_ID_UUID && s->rec.conv_id == NULL) {
		resume_uuid(uuid);
		s->rec.conv_id = xstrdup(uuid);
	}
	s->rec.started = time_wall();
}

char **
resume_restart_argv(struct session *s, int *resumed)
{
	const struct profile *p = s->profile;
	const struct profile_recovery *r;

	*resumed = 0;
	if (p == NULL)
		return NULL;
	r = profile_recovery(p);
	if (s->rec.resume_broken) {
		/* Nothing to resume: a new conversation, under the same id if the agent names it.
		 */
		s->rec.resume_broken = 0;
		if (r != NULL && r->id == RECOVERY_ID_UUID && s->rec.conv_id != NULL)
			return resume_argv(p, r->start_args, r->n_start, s->rec.conv_id);
		free(s->rec.conv_id);
		s->rec.conv_id = NULL; /* the tool names the new one: learned again */
		return resume_argv(p, NULL, 0, NULL);
	}
	if (r != NULL && r->resume_args != NULL && s->rec.conv_id != NULL && s->rec.conv_started) {
		*resumed = 1;
		return resume_argv(p, r->resume_args, r->n_resume, s->rec.conv_id);
	}
	if (!s->rec.conv_started) /* it never got to the task: start it as it was */
		return resume_fresh_argv(s, r);
	return resume_argv(p, NULL, 0, NULL); /* a conversation that cannot be resumed: plainly */
}

void
resume_load(struct session *s, json_t *state)
{
	const char *id = json_string_value(json_object_get(state, "conversationId"));
	const char *pol = json_string_value(json_object_get(state, "restart"));
	json_t *v;

	if (recovery_id_valid(id))
		s->rec.conv_id = xstrdup(id);
	s->rec.conv_started = json_is_true(json_object_get(state, "conversationStarted"));
	s->rec.restart = restart_policy_parse(pol);
	if (json_is_integer(v = json_object_get(state, "restarts")) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 1000)
		s->rec.attempts = (unsigned)json_integer_value(v);
	s->rec.auto_continue = json_is_true(json_object_get(state, "autoContinue"));
	s->rec.pending_saved = json_is_true(json_object_get(state, "restartPending"));
	if (json_is_integer(v = json_object_get(state, "stallMs")) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 86400000)
		s->rec.stall_ms = (long)json_integer_value(v);
}

/* Sets the id if line matches re (group 1); returns 1 if it did. */
static int
resume_match(struct session *s, const struct profile_regex *re, const char *line)
{
	regmatch_t m[2];
	char id[RECOVERY_ID_MAX + 1];
	size_t len;

	if (!profile_regex_match(re, line, 2, m) || m[1].rm_so < 0)
		return 0;
	len = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (len == 0 || len > RECOVERY_ID_MAX)
		return 0;
	memcpy(id, line + m[1].rm_so, len);
	id[len] = '\0';
	if (!recovery_id_valid(id))
		return 0;
	free(s->rec.conv_id);
	s->rec.conv_id = xstrdup(id);
	s->rec.conv_started = 1;
	log_info("%s: the tool's conversation is %s", s->id, id);
	session_save(s);
	return 1;
}

/* The children of each pid in procs[0..*n), appended (bounded). */
static void
resume_children(pid_t *procs, size_t *n)
{
	for (size_t i = 0; i < *n && *n < RESUME_MAX_PROCS; i++) {
		char path[64], line[512];
		FILE *f;

		/* /proc/PID/task/PID/children lists the direct children of the main thread. */
		snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)procs[i],
			 (long)procs[i]);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(line, sizeof line, f) != NULL) {
			char *save = NULL;

			for (char *t = strtok_r(line, " \n", &save); t && *n < RESUME_MAX_PROCS;
			     t = strtok_r(NULL, " \n", &save))
				procs[(*n)++] = (pid_t)atol(t);
		}
		fclose(f);
	}
}

/* Looks at the open files of the pane's process tree. */
static void
resume_scan_files(struct session *s, pid_t root)
{
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;
	pid_t procs[RESUME_MAX_PROCS];
	size_t n = 1;

	if (r == NULL || r->id_file == NULL || root <= 0)
		return;
	procs[0] = root;
	resume_children(procs, &n);
	for (size_t i = 0; i < n && s->rec.conv_id == NULL; i++) {
		char dir[64], link[96], target[4096];
		struct dirent *de;
		int seen = 0;
		DIR *d;

		snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)procs[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && seen++ < RESUME_MAX_FDS) {
			ssize_t len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(link, sizeof link, "%s/%.16s", dir, de->d_name);
			if ((len = readlink(link, target, sizeof target - 1)) <= 0)
				continue;
			target[len] = '\0';
			if (resume_match(s, r->id_file, target))
				break;
		}
		closedir(d);
	}
}

/* tmux answered #{pane_pid}. */
static void
resume_on_pid(void *arg, int err, const char *body, size_t len)
{
	struct session_recovery *rec = arg;
	struct session *s = lws_container_of(rec, struct session, rec);

	(void)len;
	rec->learning = 0;
	if (err == 0 && body != NULL && rec->conv_id == NULL)
		resume_scan_files(s, (pid_t)atol(body));
}

void
resume_learn(struct session *s)
{
	const struct profile_recovery *r = s->profile ? profile_recovery(s->profile) : NULL;

	if (r == NULL || r->id != RECOVERY_ID_LEARNED || s->rec.conv_id != NULL)
		return;
	if (r->id_screen != NULL && s->screen != NULL) {
		struct screen sc;

		screen_parse(&sc, s->screen, s->screen_len);
		for (size_t i = sc.n; i-- > 0;)
			if (resume_match(s, r->id_screen, sc.lines[i].text))
				break;
		screen_release(&sc);
	}
	if (s->rec.conv_id == NULL && r->id_file != NULL && !s->rec.learning &&
	    session_command(s, "display-message -p -- '#{pane_pid}'", resume_on_pid, &s->rec) == 0)
		s->rec.learning = 1;
}
