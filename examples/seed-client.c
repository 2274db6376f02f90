/*
 * seed-client: the seed's Python example, written against libcm.
 *
 *   client = CMManagerClient(host='remote.example.com', user='deploy',
 *                            auth_token='YOUR_SECRET_TOKEN', agent_port=9876)
 *   await client.connect()          # establishes the SSH tunnel automatically
 *   session_id = await client.create_session(tool='claude',
 *       task='Add logging to API module', context={'path': '/var/www/app'})
 *   # state changes are pushed automatically
 *   await client.disconnect()
 *
 * This program connects (through an ssh tunnel when --ssh HOST is given,
 * else directly), creates a session, prints its state changes as the agent
 * pushes them until the task completes (or needs a person, fails, exits),
 * and disconnects. Build: cc seed-client.c $(pkg-config --cflags --libs cm)
 *
 *   seed-client [--ssh HOST [--user U] [--ssh-config F]] [--port N] [--unix PATH]
 *               --token-env VAR [--tool claude] [--path DIR] "TASK"
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cm.h>

/* What the example follows. */
struct follow {
	char *sid;  /* the session created */
	int done;   /* the task ended */
	int status; /* 0 done, 10 waiting for a person, 11 error, 12 exited */
};

/* Prints the events of our session and notices when the task ends. */
static void
on_event(struct cm_client *c, const json_t *ev, void *arg)
{
	struct follow *f = arg;
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *sid = json_string_value(json_object_get(ev, "sessionId"));
	const char *state = json_string_value(json_object_get(ev, "state"));

	(void)c;
	if (!f->sid || !sid || !type || strcmp(sid, f->sid))
		return;
	printf("%s %s%s%s\n", sid, type, state ? " -> " : "", state ? state : "");
	fflush(stdout);
	if (!strcmp(type, "session_completed"))
		f->status = 0, f->done = 1;
	else if (!strcmp(type, "confirm_needed"))
		f->status = 10, f->done = 1;
	else if (!strcmp(type, "state_change") && state && !strcmp(state, "error"))
		f->status = 11, f->done = 1;
	else if (!strcmp(type, "session_exited") || !strcmp(type, "session_killed"))
		f->status = 12, f->done = 1;
}

/* Runs the example. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ssh", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"ssh-config", required_argument, NULL, 'F'},
	    {"port", required_argument, NULL, 'p'},
	    {"unix", required_argument, NULL, 'x'},
	    {"token-env", required_argument, NULL, 't'},
	    {"tool", required_argument, NULL, 'T'},
	    {"path", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	struct cm_client_opts o;
	struct cm_ssh_opts ssh;
	struct follow f = {NULL, 0, 1};
	struct cm_loop *loop;
	struct cm_client *c;
	const char *tool = "claude", *path = NULL, *token_env = "CM_AGENT_TOKEN";
	int ch, rc;

	memset(&o, 0, sizeof(o));
	memset(&ssh, 0, sizeof(ssh));
	o.since = -1;
	o.reconnect = 1; /* a dropped tunnel is rebuilt and missed events replayed */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ssh.host = optarg;
			o.ssh = &ssh;
			break;
		case 'u':
			ssh.user = optarg;
			break;
		case 'F':
			ssh.config = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'x':
			o.unix_path = optarg;
			break;
		case 't':
			token_env = optarg;
			break;
		case 'T':
			tool = optarg;
			break;
		case 'P':
			path = optarg;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: seed-client [--ssh HOST] [--port N] --token-env VAR \"TASK\"\n");
		return 2;
	}
	o.token = getenv(token_env);
	o.on_event = on_event;
	o.arg = &f;
	if (!(loop = cm_loop_new()))
		return 1;
	/* connect(): tunnel (if any), WebSocket, authentication. */
	if ((rc = cm_client_open(loop, &o, &c)) < 0) {
		fprintf(stderr, "connect: %s (%s)\n", cm_client_error(c),
			cm_fail_name(cm_client_fail(c)));
		cm_client_free(c);
		cm_loop_free(loop);
		return 1;
	}
	printf("connected to %s %s\n",
	       json_string_value(json_object_get(cm_client_hello(c), "agent")),
	       json_string_value(json_object_get(cm_client_hello(c), "version")));
	/* create_session(tool, task, context={'path': ...}) */
	if ((rc = cm_client_create_session(c, tool, argv[optind], path, -1, &f.sid)) < 0) {
		fprintf(stderr, "create_session: %s: %s\n", cm_error_name(rc), cm_client_error(c));
		cm_client_free(c);
		cm_loop_free(loop);
		return 1;
	}
	printf("session %s\n", f.sid);
	/* State changes are pushed; follow them until the task ends. */
	cm_loop_run_until(loop, &f.done, -1);
	/* disconnect() */
	cm_client_free(c);
	cm_loop_free(loop);
	free(f.sid);
	return f.status;
}
