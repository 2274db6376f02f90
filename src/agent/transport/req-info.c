/*
 * list_profiles, agent_info, ping: what a client needs to know about the
 * agent itself (the CLI's `cm status` and placement across agents read
 * agent_info).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "agent/transport/agent.h"
#include "agent/transport/dispatch.h"
#include "agent/transport/tool-versions.h"
#include "agent/screen/profile.h"
#include "agent/screen/tools.h"
#include "agent/sessions/sessions.h"
#include "common/timeutil.h"
#include "proto/message.h"

/*
 * Handles {"action":"list_profiles"}: each tool with its program, whether
 * that program is on the PATH the tool would get (a session in the agent's
 * home), its installed version (tool-versions.h) and the versions its rules
 * were written against.
 */
void
req_list_profiles(struct req *r)
{
	const char *home = getenv("HOME");
	json_t *reply, *arr = json_array();
	char prog[256];
	int found;

	if (req_unpack(r, "{}") < 0) {
		json_decref(arr);
		return;
	}
	for (size_t i = 0; i < tools_count(); i++) {
		const struct profile *p = tools_at(i);
		json_t *o = json_object();

		message_set_str(o, "name", profile_name(p));
		message_set_str(o, "description", profile_description(p));
		prog[0] = '\0';
		found = req_program_found(p, home ? home : "/", prog, sizeof prog);
		json_object_set_new(o, "available", json_boolean(found));
		if (prog[0] != '\0')
			message_set_str(o, "program", prog);
		/* Never waited for: a probe answers a later list_profiles. */
		if (found) {
			char version[64];
			enum tool_version_state vs =
			    tool_versions_get(r->a->vhost, prog, version, sizeof version);
			if (vs == TOOL_VERSION_KNOWN)
				message_set_str(o, "version", version);
			else if (vs == TOOL_VERSION_PENDING)
				json_object_set_new(o, "versionPending", json_true());
		}
		if (profile_tested_versions(p) != NULL)
			json_object_set_new(o, "testedVersions",
					    json_deep_copy(profile_tested_versions(p)));
		json_array_append_new(arr, o);
	}
	reply = message_reply(proto_msg_name(PROTO_MSG_PROFILE_LIST), r->id);
	json_object_set_new(reply, "profiles", arr);
	req_reply(r, reply);
}

/* MemAvailable from /proc/meminfo in bytes (what can be used without swapping), or -1. */
static long long
req_info_mem_available(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Handles {"action":"agent_info"}. */
void
req_agent_info(struct req *r)
{
	struct agent *a = r->a;
	size_t busy = 0, waiting = 0;
	struct session *s;
	struct sysinfo si;
	double load1 = 0;
	long long avail;
	json_t *reply;

	if (req_unpack(r, "{}") < 0)
		return;
	TAILQ_FOREACH (s, &a->sessions.list, entry) {
		if (cm_state_is_busy(s->state))
			busy++;
		else if (s->state == CM_STATE_WAITING_CONFIRM)
			waiting++;
	}
	if (getloadavg(&load1, 1) < 1)
		load1 = 0;
	reply = message_reply(proto_msg_name(PROTO_MSG_AGENT_INFO), r->id);
	json_object_set_new(reply, "agent", json_string("cm-agent"));
	json_object_set_new(reply, "version", json_string(CM_VERSION));
	json_object_set_new(reply, "protocol", json_integer(PROTO_VERSION));
	message_set_str(reply, "hostname", a->hostname);
	json_object_set_new(reply, "uptime", json_real(time_wall() - a->started));
	json_object_set_new(reply, "sessions", json_integer((json_int_t)a->sessions.n));
	json_object_set_new(reply, "busy", json_integer((json_int_t)busy));
	json_object_set_new(reply, "waiting", json_integer((json_int_t)waiting));
	json_object_set_new(reply, "clients", json_integer((json_int_t)a->n_conns));
	json_object_set_new(reply, "maxSessions", json_integer(a->cfg.max_sessions));
	json_object_set_new(reply, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(reply, "load1", json_real(load1));
	if (sysinfo(&si) == 0)
		json_object_set_new(reply, "memTotal",
				    json_integer((json_int_t)si.totalram * si.mem_unit));
	if ((avail = req_info_mem_available()) >= 0)
		json_object_set_new(reply, "memAvailable", json_integer((json_int_t)avail));
	json_object_set_new(reply, "seq", json_integer((json_int_t)a->sessions.bus.seq));
	req_reply(r, reply);
}

/* Handles {"action":"ping"}. */
void
req_ping(struct req *r)
{
	json_t *reply;

	if (req_unpack(r, "{}") < 0)
		return;
	reply = message_reply(proto_msg_name(PROTO_MSG_PONG), r->id);
	json_object_set_new(reply, "timestamp", json_real(time_wall()));
	req_reply(r, reply);
}
