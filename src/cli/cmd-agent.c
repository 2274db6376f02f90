/*
 * cmd-agent: `cm agent install HOST | upgrade | uninstall`: from a laptop
 * to a running agent on a server, over the user's own ssh.
 *
 * install checks the server (architecture, tmux >= 3.2, a systemd user
 * manager or not), copies the agent binary if it differs, writes its config
 * and, with systemd, the user unit and its PATH drop-in (deploy.h), makes
 * the token on the server (never on a command line), starts the agent (as
 * the user unit, else detached with setsid), reads the token back over
 * ssh's stdout into a 0600 file, adds the context, and checks it with
 * `cm status`. Everything is compared first, so a second install changes
 * nothing and says so. upgrade is install with the context's settings: a
 * new binary is renamed into place and the agent restarted; the sessions'
 * tmux servers keep running and the new agent re-adopts them. uninstall
 * removes what install added, and leaves the sessions, the state and the
 * transcripts unless --purge.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "common/fsutil.h"
#include "common/xmalloc.h"
#include "deploy.h"
#include "remote.h"

extern const struct cli_cmd cmd_agent_entry, cmd_status_entry;

#define AGENT_DEFAULT_PORT 9876

/* What install needs to know (flags, or the context for upgrade). */
struct agent_job {
	struct remote rm;	  /* how to reach the server */
	const char *name;	  /* context name */
	const char *path;	  /* the context's default project path, or NULL */
	const char *binary;	  /* --agent-binary, or NULL to look for it */
	int port;		  /* the agent's port on the server */
	int upgrade;		  /* cm agent upgrade */
	char binpath[PATH_MAX];	  /* the agent binary found */
	char sha[80];		  /* its sha256 */
	char info[PATH_MAX + 64]; /* remote facts (probe output) */
	int changes;		  /* things install changed */
};

/* Runs `sha256sum FILE` (argv, no shell) and keeps the hash. */
static int
agent_sha256(const char *path, char *out, size_t n, char *why, size_t whyn)
{
	int fd[2], status;
	char buf[256];
	ssize_t got = 0, r;
	pid_t pid;

	if (pipe(fd) < 0) {
		snprintf(why, whyn, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		dup2(fd[1], STDOUT_FILENO);
		execlp("sha256sum", "sha256sum", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (pid > 0 && (size_t)got < sizeof(buf) - 1 &&
	       (r = read(fd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += r;
	close(fd[0]);
	buf[got] = '\0';
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got < 64) {
		/* A long path is cut in the message: it only names the file. */
		snprintf(why, whyn, "cannot compute the sha256 of %.900s (sha256sum)", path);
		return -1;
	}
	snprintf(out, n, "%.64s", buf);
	return 0;
}

/* Finds the agent binary: --agent-binary, $CM_AGENT_BINARY, next to cm, the build tree. */
static int
agent_find_binary(struct cli *cli, struct agent_job *j)
{
	char self[PATH_MAX - 64], *slash, cand[PATH_MAX];
	const char *env = getenv("CM_AGENT_BINARY");
	static const char *const rel[] = {"cm-agent", "../agent/cm-agent",
					  "../../../static/src/agent/cm-agent", NULL};
	ssize_t n;
	size_t i;

	if (j->binary || (env && *env)) {
		const char *b = j->binary ? j->binary : env;
		if (access(b, R_OK) < 0) {
			cli_error(cli, "agent binary %s: %s", b, strerror(errno));
			return CLI_EXIT_USAGE;
		}
		snprintf(j->binpath, sizeof(j->binpath), "%s", b);
		return 0;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')))
			*slash = '\0';
		/* The static build first: it runs on any x86_64 Linux. */
		for (i = 3; i-- > 0;) {
			snprintf(cand, sizeof(cand), "%s/%s", self, rel[i]);
			if (access(cand, X_OK) == 0) {
				snprintf(j->binpath, sizeof(j->binpath), "%s", cand);
				return 0;
			}
		}
	}
	cli_error(cli, "no cm-agent binary found next to cm: build the static one (cmake --preset "
		       "static && cmake --build build/static --target cm-agent) and pass "
		       "--agent-binary FILE, or set CM_AGENT_BINARY");
	return CLI_EXIT_USAGE;
}

/* Runs a script; on an ssh failure prints why and returns the exit status. */
static int
agent_run(struct cli *cli, struct agent_job *j, const char *what, const char *script,
	  const char *const *args, const char *in, struct remote_result *r)
{
	char msg[1024];
	int rc;

	if (remote_run(&j->rm, script, args, in, r) < 0) {
		cli_error(cli, "%s: %s", j->rm.host, r->err);
		remote_result_release(r);
		return CLI_EXIT_UNREACHABLE;
	}
	if (r->ssh_failed) {
		rc = remote_ssh_exit(&j->rm, r, msg, sizeof(msg));
		cli_error(cli, "%s: %s", what, msg);
		remote_result_release(r);
		return rc;
	}
	return 0;
}

/* Prints the lines a script wrote about what it did, counting changes. */
static void
agent_report(struct agent_job *j, const char *out)
{
	const char *p = out;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		int len = (int)(e ? (size_t)(e - p) : strlen(p));
		if (!strncmp(p, "wrote ", 6) || !strncmp(p, "made ", 5) ||
		    !strncmp(p, "enabled ", 8) || !strncmp(p, "started", 7) ||
		    !strncmp(p, "restarted", 9)) {
			printf("  %s: %.*s\n", j->rm.host, len, p);
			j->changes++;
		}
		p = e ? e + 1 : NULL;
	}
}

/* The local token file of a context: $XDG_CONFIG_HOME/cm/tokens/NAME (directories made 0700). */
static int
agent_token_path(struct cli *cli, const char *name, char *buf, size_t n)
{
	char dir[PATH_MAX], *slash;
	const char *why = NULL;

	snprintf(dir, sizeof(dir), "%s", cli->contexts.path);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (fs_private_dir(dir, &why) < 0) {
		cli_error(cli, "%s: %s", dir, why ? why : strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(buf, n, "%s/tokens", dir) >= n)
		return -1;
	if (fs_private_dir(buf, &why) < 0) {
		cli_error(cli, "%s: %s", buf, why ? why : strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(buf, n, "%s/tokens/%s", dir, name) >= n)
		return -1;
	return 0;
}

/* True if the context has the settings install would give it (token file included). */
static int
agent_ctx_same(const struct ctx *x, const struct agent_job *j, const char *token_path)
{
#define SAME(a, b) (((a) == NULL && (b) == NULL) || ((a) && (b) && !strcmp((a), (b))))
	return x->type == CTX_AGENT && SAME(x->host, j->rm.host) && SAME(x->user, j->rm.user) &&
	       SAME(x->token_file, token_path) && !x->token && !x->token_env &&
	       x->ssh_port == j->rm.port && SAME(x->identity, j->rm.identity) &&
	       SAME(x->ssh_config, j->rm.config) && x->agent_port == j->port &&
	       x->agent_socket == NULL;
#undef SAME
}

/* Writes the token file and adds the context (or finds both as they are). */
static int
agent_local_context(struct cli *cli, struct agent_job *j, const char *token)
{
	char path[PATH_MAX], err[1024], *old = NULL;
	size_t oldlen = 0;
	struct ctx x;
	json_t *obj, *m;

	if (agent_token_path(cli, j->name, path, sizeof(path)) < 0)
		return CLI_EXIT_CONFIG;
	if (fs_read_file(path, 4096, &old, &oldlen) < 0 || strcmp(old, token) != 0) {
		if (fs_write_atomic(path, token, strlen(token)) < 0 || chmod(path, 0600) < 0) {
			cli_error(cli, "cannot write the token file %s: %s", path, strerror(errno));
			free(old);
			return CLI_EXIT_CONFIG;
		}
		printf("  local: wrote the token to %s (0600)\n", path);
		j->changes++;
	}
	free(old);
	if (contexts_find(&cli->contexts, j->name, &x) == 0)
		return 0; /* checked before anything was done */
	m = json_object();
	json_object_set_new(m, "type", json_string("agent"));
	json_object_set_new(m, "host", json_string(j->rm.host));
	if (j->rm.user)
		json_object_set_new(m, "user", json_string(j->rm.user));
	json_object_set_new(m, "agentPort", json_integer(j->port));
	json_object_set_new(m, "authTokenFile", json_string(path));
	if (j->rm.port)
		json_object_set_new(m, "sshPort", json_integer(j->rm.port));
	if (j->rm.identity)
		json_object_set_new(m, "identityFile", json_string(j->rm.identity));
	if (j->rm.config)
		json_object_set_new(m, "sshConfig", json_string(j->rm.config));
	obj = json_object();
	json_object_set_new(obj, "name", json_string(j->name));
	if (j->path)
		json_object_set_new(obj, "path", json_string(j->path));
	json_object_set_new(obj, "machine", m);
	if (contexts_add(&cli->contexts, obj, err, sizeof(err)) < 0 ||
	    contexts_save(&cli->contexts, err, sizeof(err)) < 0) {
		cli_error(cli, "%s", err);
		return CLI_EXIT_CONFIG;
	}
	printf("  local: added the context %s\n", j->name);
	j->changes++;
	return 0;
}

/* Checks the context with cm status's own code. */
static int
agent_status(struct cli *cli, const char *name)
{
	char *argv[] = {"status", "--ctx", (char *)name, NULL};
	const char *saved = cli->cmd_name;
	int rc;

	cli->cmd_name = "status";
	optind = 0;
	rc = cmd_status_entry.exec(cli, 3, argv);
	cli->cmd_name = saved;
	return rc;
}

/* Makes a path absolute (caller frees). */
static char *
agent_abspath(const char *path)
{
	char cwd[PATH_MAX];

	if (!path)
		return NULL;
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/* The install itself (also upgrade's). */
static int
agent_install_run(struct cli *cli, struct agent_job *j)
{
	char arch[32], why[1024], val[64 * 1024], home[PATH_MAX], port[16], tokpath[PATH_MAX],
	    *unit = NULL, *dropin = NULL, *conf = NULL, *path = NULL;
	struct remote_result r;
	int is_static, systemd, rc, restart = 0;
	struct ctx x;

	if (agent_token_path(cli, j->name, tokpath, sizeof(tokpath)) < 0)
		return CLI_EXIT_CONFIG;
	if (contexts_find(&cli->contexts, j->name, &x) == 0 && !agent_ctx_same(&x, j, tokpath)) {
		cli_error(cli,
			  "context \"%s\" exists with other settings: choose another name with "
			  "--ctx, or remove it first (cm ctx rm %s)",
			  j->name, j->name);
		return CLI_EXIT_CONFIG;
	}
	if ((rc = agent_find_binary(cli, j)) != 0)
		return rc;
	if (deploy_elf_info(j->binpath, arch, sizeof(arch), &is_static, why, sizeof(why)) < 0) {
		cli_error(cli, "%s", why);
		return CLI_EXIT_USAGE;
	}
	if (!is_static)
		cli_warn(cli,
			 "%s is linked dynamically: the server needs the same shared libraries "
			 "(the static build avoids that: cmake --preset static)",
			 j->binpath);
	if (agent_sha256(j->binpath, j->sha, sizeof(j->sha), why, sizeof(why)) < 0) {
		cli_error(cli, "%s", why);
		return CLI_EXIT_FAIL;
	}

	/* 1. What the server is. */
	if ((rc = agent_run(cli, j, j->rm.host, deploy_script_probe, NULL, NULL, &r)) != 0)
		return rc;
	if (r.status != 0) {
		cli_error(cli, "%s: cannot inspect the server: %s", j->rm.host, r.err);
		remote_result_release(&r);
		return CLI_EXIT_FAIL;
	}
	remote_field(r.out, "arch", val, sizeof(val));
	if (strcmp(val, arch) != 0) {
		cli_error(cli,
			  "%s is %s, but %s is built for %s: build the agent for %s and pass "
			  "--agent-binary FILE",
			  j->rm.host, *val ? val : "of an unknown architecture", j->binpath, arch,
			  *val ? val : "it");
		remote_result_release(&r);
		return CLI_EXIT_UNSUPPORTED;
	}
	remote_field(r.out, "tmux", val, sizeof(val));
	if (deploy_tmux_ok(val, why, sizeof(why)) < 0) {
		cli_error(cli, "%s: %s: install it (apt-get install tmux) and run this again",
			  j->rm.host, why);
		remote_result_release(&r);
		return CLI_EXIT_UNSUPPORTED;
	}
	if (remote_field(r.out, "home", home, sizeof(home)) < 0 || home[0] != '/') {
		cli_error(cli, "%s: the remote user has no usable HOME", j->rm.host);
		remote_result_release(&r);
		return CLI_EXIT_FAIL;
	}
	remote_field(r.out, "systemd", val, sizeof(val));
	systemd = !strcmp(val, "yes");
	remote_field(r.out, "login_path", val, sizeof(val));
	path = deploy_path(val, home);
	remote_field(r.out, "agent_sha", val, sizeof(val));
	snprintf(j->info, sizeof(j->info), "%s", r.out);
	remote_result_release(&r);
	printf("%s: %s, %s, %s\n", j->rm.host, arch, "tmux ok",
	       systemd ? "systemd user manager" : "no systemd user manager");

	/* 2. The binary, if it differs. */
	if (strcmp(val, j->sha) != 0) {
		const char *args[] = {j->sha, NULL};
		j->rm.timeout_s = 600;
		rc = agent_run(cli, j, "copying the agent", deploy_script_upload, args, j->binpath,
			       &r);
		j->rm.timeout_s = 0;
		if (rc != 0)
			goto out;
		if (r.status != 0) {
			cli_error(cli, "%s: copying the agent failed: %s", j->rm.host, r.err);
			rc = r.status == 4 ? CLI_EXIT_UNSUPPORTED : CLI_EXIT_FAIL;
			remote_result_release(&r);
			goto out;
		}
		remote_field(r.out, "version", val, sizeof(val));
		printf("  %s: copied %s to ~/.local/bin/cm-agent (%s)\n", j->rm.host, j->binpath,
		       val);
		remote_result_release(&r);
		j->changes++;
		restart = 1;
	}

	/* 3. Config, unit, token, start. */
	unit = deploy_unit(cm_agent_user_unit_text);
	dropin = deploy_dropin(path);
	conf = deploy_config(home, j->port);
	snprintf(port, sizeof(port), "%d", j->port);
	{
		const char *args[] = {systemd ? "systemd" : "detached",
				      unit,
				      dropin,
				      conf,
				      path,
				      port,
				      restart ? "1" : "0",
				      NULL};
		if ((rc = agent_run(cli, j, "starting the agent", deploy_script_setup, args, NULL,
				    &r)) != 0)
			goto out;
	}
	agent_report(j, r.out);
	if (r.status != 0) {
		cli_error(cli, "%s: %s", j->rm.host,
			  *r.err ? r.err : "installing the agent failed");
		remote_result_release(&r);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	remote_result_release(&r);

	/* 4. The token, over ssh's stdout, and the context. */
	if ((rc = agent_run(cli, j, "reading the token", deploy_script_token, NULL, NULL, &r)) != 0)
		goto out;
	r.out[strcspn(r.out, "\r\n")] = '\0';
	if (r.status != 0 || strlen(r.out) < 16) {
		cli_error(cli, "%s: cannot read the agent's token", j->rm.host);
		remote_result_release(&r);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	rc = agent_local_context(cli, j, r.out);
	explicit_bzero(r.out, strlen(r.out));
	remote_result_release(&r);
	if (rc != 0)
		goto out;

	if (j->changes == 0)
		printf("%s: already %s, nothing changed\n", j->rm.host,
		       j->upgrade ? "up to date" : "installed");
	if (systemd) {
		remote_field(j->info, "linger", val, sizeof(val));
		printf("The agent runs as the systemd user unit cm-agent.service (PATH recorded in "
		       "~/.config/systemd/user/cm-agent.service.d/path.conf).\n");
		if (strcmp(val, "yes") != 0)
			printf("Note: linger is off for this user, so the user manager stops the "
			       "agent when the last login session ends. Keep it running with: sudo "
			       "loginctl enable-linger %s\n",
			       j->rm.user ? j->rm.user : "USER");
	} else {
		printf("Note: %s has no systemd user manager, so the agent runs detached (setsid, "
		       "log in ~/.local/state/cm-agent/agent.log). It does not survive a reboot: "
		       "run cm agent install %s again after one.\n",
		       j->rm.host, j->rm.host);
	}
	rc = agent_status(cli, j->name);
out:
	free(unit);
	free(dropin);
	free(conf);
	free(path);
	return rc;
}

/* cm agent install HOST. */
static int
cmd_agent_install(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 'c'},
	    {"user", required_argument, NULL, 'u'},
	    {"ssh-port", required_argument, NULL, 's'},
	    {"identity", required_argument, NULL, 'i'},
	    {"ssh-config", required_argument, NULL, 'F'},
	    {"agent-binary", required_argument, NULL, 'b'},
	    {"port", required_argument, NULL, 'p'},
	    {"path", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	struct agent_job j;
	char *identity = NULL, *config = NULL, *binary = NULL;
	long n;
	int c, rc;

	memset(&j, 0, sizeof(j));
	j.port = AGENT_DEFAULT_PORT;
	while ((c = cli_getopt(cli, argc, argv, "u:i:F:p:", opts)) != -1) {
		switch (c) {
		case 'c':
			j.name = optarg;
			break;
		case 'u':
			j.rm.user = optarg;
			break;
		case 's':
			if (cli_parse_int(cli, "--ssh-port", optarg, 1, 65535, &n) < 0)
				return CLI_EXIT_USAGE;
			j.rm.port = (int)n;
			break;
		case 'i':
			j.rm.identity = optarg;
			break;
		case 'F':
			j.rm.config = optarg;
			break;
		case 'b':
			j.binary = optarg;
			break;
		case 'p':
			if (cli_parse_int(cli, "--port", optarg, 1, 65535, &n) < 0)
				return CLI_EXIT_USAGE;
			j.port = (int)n;
			break;
		case 'P':
			j.path = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (!j.name)
		j.name = cli->ctx_name;
	if ((rc = cli_one_arg(cli, argc, argv, "missing host (cm agent install HOST)")) != 0)
		return rc;
	j.rm.host = argv[optind];
	if (!*j.rm.host || j.rm.host[0] == '-' || strpbrk(j.rm.host, " \t\n'\"\\")) {
		cli_error(cli, "invalid host \"%s\"", j.rm.host);
		return CLI_EXIT_USAGE;
	}
	if (!j.name)
		j.name = j.rm.host;
	if (!contexts_valid_name(j.name)) {
		cli_error(cli, "\"%s\" is not a valid context name: choose one with --ctx NAME",
			  j.name);
		return CLI_EXIT_USAGE;
	}
	if (j.rm.config && access(j.rm.config, R_OK) < 0) {
		cli_error(cli, "ssh config %s: %s", j.rm.config, strerror(errno));
		return CLI_EXIT_CONFIG;
	}
	/* Stored absolute, as cm ctx add does: the context works from any directory. */
	j.rm.identity = identity = agent_abspath(j.rm.identity);
	j.rm.config = config = agent_abspath(j.rm.config);
	j.binary = binary = agent_abspath(j.binary);
	if ((rc = cli_load_contexts(cli)) == 0)
		rc = agent_install_run(cli, &j);
	free(identity);
	free(config);
	free(binary);
	return rc;
}

/* Fills a job from an installed context. */
static int
agent_job_from_ctx(struct cli *cli, struct agent_job *j, struct ctx *x)
{
	int rc;

	if ((rc = cli_pick_context(cli, x)) != 0)
		return rc;
	if (x->type != CTX_AGENT) {
		cli_error(cli, "context \"%s\" is local: cm agent works on ssh contexts", x->name);
		return CLI_EXIT_USAGE;
	}
	j->name = x->name;
	j->rm.host = x->host;
	j->rm.user = x->user;
	j->rm.port = x->ssh_port;
	j->rm.identity = x->identity;
	j->rm.config = x->ssh_config;
	j->port = x->agent_port;
	return 0;
}

/* cm agent upgrade [--ctx NAME] [--agent-binary FILE]. */
static int
cmd_agent_upgrade(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 0},
	    {"agent-binary", required_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	struct agent_job j;
	struct ctx x;
	char *binary = NULL;
	int c, rc;

	memset(&j, 0, sizeof(j));
	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'b')
			return CLI_EXIT_USAGE;
		j.binary = optarg;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = agent_job_from_ctx(cli, &j, &x)) != 0)
		return rc;
	j.upgrade = 1;
	j.binary = binary = agent_abspath(j.binary);
	rc = agent_install_run(cli, &j);
	free(binary);
	return rc;
}

/* Prints the uninstall script's lines. */
static void
agent_uninstall_report(const char *host, const char *out)
{
	const char *p = out;

	while (p && *p) {
		const char *e = strchr(p, '\n');
		int len = (int)(e ? (size_t)(e - p) : strlen(p));
		if (!strncmp(p, "kept=", 5))
			printf("  %s: kept %.*s (sessions, state, transcripts; --purge deletes "
			       "them)\n",
			       host, len - 5, p + 5);
		else if (!strncmp(p, "nothing=", 8))
			printf("  %s: nothing of the agent was installed\n", host);
		else if (len > 0)
			printf("  %s: %.*s\n", host, len, p);
		p = e ? e + 1 : NULL;
	}
}

/* cm agent uninstall [--ctx NAME] [--purge]. */
static int
cmd_agent_uninstall(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctx", required_argument, NULL, 0},
	    {"purge", no_argument, NULL, 'x'},
	    {NULL, 0, NULL, 0},
	};
	const char *args[] = {"0", NULL};
	struct remote_result r;
	struct agent_job j;
	struct ctx x;
	char token[PATH_MAX], err[1024], name[CTX_NAME_MAX + 1];
	int c, rc;

	memset(&j, 0, sizeof(j));
	while ((c = cli_getopt(cli, argc, argv, "", opts)) != -1) {
		if (c != 'x')
			return CLI_EXIT_USAGE;
		args[0] = "1";
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = agent_job_from_ctx(cli, &j, &x)) != 0)
		return rc;
	if ((rc = agent_run(cli, &j, j.rm.host, deploy_script_uninstall, args, NULL, &r)) != 0)
		return rc;
	agent_uninstall_report(j.rm.host, r.out);
	if (r.status != 0) {
		cli_error(cli, "%s: %s", j.rm.host, *r.err ? r.err : "uninstall failed");
		remote_result_release(&r);
		return CLI_EXIT_FAIL;
	}
	remote_result_release(&r);
	snprintf(name, sizeof(name), "%s", x.name);
	/* The token file is removed only if install made it. */
	if (agent_token_path(cli, name, token, sizeof(token)) == 0 && x.token_file &&
	    !strcmp(x.token_file, token) && unlink(token) == 0)
		printf("  local: removed the token file %s\n", token);
	if (contexts_remove(&cli->contexts, name) == 0) {
		if (contexts_save(&cli->contexts, err, sizeof(err)) < 0) {
			cli_error(cli, "%s", err);
			return CLI_EXIT_CONFIG;
		}
		printf("  local: removed the context %s\n", name);
	}
	return 0;
}

/* cm agent SUBCOMMAND. */
static int
cmd_agent_exec(struct cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		cli_error(cli,
			  "missing subcommand: install, upgrade or uninstall (see cm help agent)");
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(sub, "install"))
		return cmd_agent_install(cli, argc - 1, argv + 1);
	if (!strcmp(sub, "upgrade"))
		return cmd_agent_upgrade(cli, argc - 1, argv + 1);
	if (!strcmp(sub, "uninstall"))
		return cmd_agent_uninstall(cli, argc - 1, argv + 1);
	cli_error(cli, "unknown subcommand \"%s\": install, upgrade or uninstall", sub);
	return CLI_EXIT_USAGE;
}

const struct cli_cmd cmd_agent_entry = {
    .name = "agent",
    .alias = NULL,
    .usage = "install HOST [--ctx NAME] [flags] | upgrade [--ctx NAME] | uninstall [--ctx NAME] "
	     "[--purge]",
    .summary = "install, upgrade or remove the agent on a server, over ssh",
    .help = "install HOST: checks the server (x86_64 like the binary, tmux >= 3.2, a systemd\n"
	    "user manager), copies the agent to ~/.local/bin, starts it as the user unit\n"
	    "cm-agent.service (else detached: it will not survive a reboot), makes its token\n"
	    "there, adds the context and checks it as cm status does. Running it again\n"
	    "changes nothing. The agent's PATH is the login shell's (recorded at install).\n"
	    "    --ctx NAME           the context to create (default: HOST)\n"
	    "    --user U, --ssh-port N, --identity FILE, --ssh-config FILE\n"
	    "                         how ssh reaches HOST (default: your ssh config)\n"
	    "    --agent-binary FILE  the agent to copy (default: $CM_AGENT_BINARY, else the\n"
	    "                         cm-agent next to cm or in the static build)\n"
	    "    --port N             the agent's port on the server's loopback (default 9876)\n"
	    "    --path DIR           the context's default project directory\n"
	    "upgrade: copies a new binary atomically and restarts the agent; sessions keep\n"
	    "running and are re-adopted.\n"
	    "    --agent-binary FILE  as for install\n"
	    "uninstall: stops the agent, removes what install added (binary, unit, config,\n"
	    "context, token file); keeps sessions, state and transcripts.\n"
	    "    --purge              also end the sessions and delete the state directory\n"
	    "Exit status: as for every command (5 unreachable, 6 ssh auth, 7 host key), and\n"
	    "13 when the server cannot run the agent (architecture, tmux missing or too old).\n",
    .flags = CMD_NEEDS_CONTEXTS | CMD_EXACT_NAME,
    .exec = cmd_agent_exec,
};
