/*
 * cmd-dashboard: `cm dashboard [--port N] [--bind ADDR] [--pool P]
 * [--token-file FILE]`: one web page for every agent (see dash.h).
 *
 * The server is a vhost on libcm's own lws context, so the browsers'
 * sockets and the agents' connections are served by one loop in one
 * thread. It listens on loopback unless it is given a certificate: the
 * dashboard holds every agent's token, so it is never put on a network in
 * clear (--tls-cert/--tls-key; docs/DASHBOARD.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "dash.h"

#define DASH_DEFAULT_PORT 8765

/* The lws callback of every HTTP request and browser WebSocket. */
static int
dash_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct dash_sess *s = user;
	struct dash *d = lws_get_vhost_user(lws_get_vhost(wsi));
	char path[256];
	const char *name;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		memset(s, 0, sizeof(*s));
		s->d = d;
		s->wsi = wsi;
		return dash_http(s, in ? in : "/");
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return dash_http_write(s);
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (s) {
			free(s->body_owned);
			s->body_owned = NULL;
		}
		return 0;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* The upgrade: the same door rules as the agent's, then the route. */
		if (!dash_host_ok(d, wsi))
			return dash_refuse(wsi, 421,
					   "this dashboard answers to address literals, localhost "
					   "and --allow-host names");
		if (!dash_origin_ok(d, wsi))
			return dash_refuse(wsi, HTTP_STATUS_FORBIDDEN, "Origin not allowed");
		if (d->sockets >= DASH_SOCKETS_MAX)
			return dash_refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE,
					   "too many sockets");
		if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0)
			return dash_refuse(wsi, HTTP_STATUS_NOT_FOUND, "not found");
		memset(s, 0, sizeof(*s));
		s->d = d;
		if (!strcmp(path, "/fleet/ws")) {
			s->fleet = 1;
			return 0;
		}
		if (strncmp(path, "/ctx/", 5))
			return dash_refuse(wsi, HTTP_STATUS_NOT_FOUND, "not found");
		name = path + 5;
		for (size_t i = 0; i < d->nagents; i++) {
			size_t n = strlen(d->agents[i].ctx.name);
			if (!strncmp(name, d->agents[i].ctx.name, n) && !strcmp(name + n, "/ws")) {
				s->agent = &d->agents[i];
				return 0;
			}
		}
		return dash_refuse(wsi, HTTP_STATUS_NOT_FOUND, "no such context");
	case LWS_CALLBACK_ESTABLISHED:
		s->wsi = wsi;
		s->is_ws = 1;
		d->sockets++;
		s->next = d->socks;
		d->socks = s;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			dash_close(s, "binary frames are not accepted");
			return 0;
		}
		if (s->rxlen + len > DASH_FRAME_MAX) {
			dash_close(s, "message too large");
			return 0;
		}
		s->rx = realloc(s->rx, s->rxlen + len + 1);
		if (!s->rx)
			return -1;
		memcpy(s->rx + s->rxlen, in, len);
		s->rxlen += len;
		if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
			return 0;
		s->rx[s->rxlen] = '\0';
		dash_relay_rx(s, (const char *)s->rx, s->rxlen);
		s->rxlen = 0;
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		struct dash_frame *f = s->q;

		if (f) {
			if (lws_write(wsi, f->data + LWS_PRE, f->len,
				      f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)f->len)
				return -1;
			s->q = f->next;
			if (!s->q)
				s->qtail = &s->q;
			s->qbytes -= f->len;
			free(f);
			if (s->q || s->phase == DASH_CLOSING)
				lws_callback_on_writable(wsi);
			return 0;
		}
		if (s->phase == DASH_CLOSING) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
					 (unsigned char *)s->close_why, strlen(s->close_why));
			return -1;
		}
		return 0;
	}
	case LWS_CALLBACK_CLOSED:
		if (s->is_ws) {
			struct dash_sess **pp;

			for (pp = &d->socks; *pp && *pp != s; pp = &(*pp)->next)
				;
			if (*pp)
				*pp = s->next;
			d->sockets--;
			s->is_ws = 0;
		}
		s->wsi = NULL;
		dash_relay_closed(s);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols dash_protocols[] = {
    {"cm-dashboard", dash_cb, sizeof(struct dash_sess), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* True for 127.0.0.0/8, ::1 and localhost. */
static int
dash_loopback(const char *addr)
{
	unsigned char a[16];

	if (!strcmp(addr, "localhost"))
		return 1;
	if (inet_pton(AF_INET, addr, a) == 1)
		return a[0] == 127;
	return !strcmp(addr, "::1");
}

/*
 * Checks the TLS files: both or neither, readable, and a private key that
 * only its owner may read (ssh's rule for keys). 0, or the exit code.
 */
static int
dash_tls_check(struct cli *cli, const char *cert, const char *key)
{
	struct stat st;

	if (!cert && !key)
		return 0;
	if (!cert || !key) {
		cli_error(cli, "--tls-cert and --tls-key go together");
		return CLI_EXIT_USAGE;
	}
	if (access(cert, R_OK) < 0) {
		cli_error(cli, "--tls-cert %s: %s", cert, strerror(errno));
		return CLI_EXIT_CONFIG;
	}
	if (stat(key, &st) < 0 || access(key, R_OK) < 0) {
		cli_error(cli, "--tls-key %s: %s", key, strerror(errno));
		return CLI_EXIT_CONFIG;
	}
	if (st.st_mode & 077) {
		cli_error(cli, "--tls-key %s: others may read it (mode %03o); chmod 600 it", key,
			  (unsigned)(st.st_mode & 0777));
		return CLI_EXIT_UNSAFE;
	}
	return 0;
}

/* SIGINT or SIGTERM: leave. */
static void
dash_signal(int fd, void *arg)
{
	struct signalfd_siginfo si;
	int *done = arg;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		*done = 1;
}

/* Resolves every agent's token once (kept in this process only). */
static int
dash_load_agents(struct cli *cli, struct dash *d)
{
	struct conn *cns;
	size_t n, i;
	char err[1024];
	int rc;

	if (!(cns = conn_all_contexts(cli, cli->pool, &n, &rc)))
		return rc ? rc : CLI_EXIT_CONFIG;
	d->agents = calloc(n ? n : 1, sizeof(*d->agents));
	for (i = 0; i < n; i++) {
		d->agents[d->nagents].ctx = cns[i].ctx;
		if (contexts_token(&cns[i].ctx, &d->agents[d->nagents].token, err, sizeof err) <
		    0) {
			cli_warn(cli, "%s: %s; left out", cns[i].ctx.name, err);
			continue;
		}
		d->nagents++;
	}
	free(cns);
	if (!d->nagents) {
		cli_error(cli, cli->pool ? "no usable context in pool %s" : "no usable context%s",
			  cli->pool ? cli->pool : " (cm ctx add)");
		return CLI_EXIT_CONFIG;
	}
	return 0;
}

static int
cmd_dashboard_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
					     {"bind", required_argument, NULL, 'b'},
					     {"pool", required_argument, NULL, 0},
					     {"token-file", required_argument, NULL, 't'},
					     {"tls-cert", required_argument, NULL, 'C'},
					     {"tls-key", required_argument, NULL, 'K'},
					     {"allow-host", required_argument, NULL, 'H'},
					     {NULL, 0, NULL, 0}};
	struct lws_context_creation_info info;
	const char *token_file = NULL, *cert = NULL, *key = NULL;
	char path[4096], why[1024];
	struct cm_watch *wsig;
	/* Static: the loop, freed after this returns, still calls back with it. */
	static struct dash d;
	sigset_t set;
	long port = DASH_DEFAULT_PORT;
	int c, rc, sfd, done = 0;

	memset(&d, 0, sizeof d);
	d.cli = cli;
	d.bind = "127.0.0.1";
	while ((c = cli_getopt(cli, argc, argv, "p:", opts)) != -1) {
		if (c == 'p') {
			if (cli_parse_int(cli, "--port", optarg, 1, 65535, &port) < 0)
				return CLI_EXIT_USAGE;
		} else if (c == 'b')
			d.bind = optarg;
		else if (c == 't')
			token_file = optarg;
		else if (c == 'C')
			cert = optarg;
		else if (c == 'K')
			key = optarg;
		else if (c == 'H') {
			if (d.nhosts == DASH_HOSTS_MAX) {
				cli_error(cli, "--allow-host: at most %d names", DASH_HOSTS_MAX);
				return CLI_EXIT_USAGE;
			}
			if (!*optarg || strlen(optarg) > 253 ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789.-") != strlen(optarg)) {
				cli_error(cli, "--allow-host: \"%.60s\" is not a host name",
					  optarg);
				return CLI_EXIT_USAGE;
			}
			d.hosts[d.nhosts++] = optarg;
		} else
			return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_error(cli, "unexpected argument \"%s\"", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if ((rc = dash_tls_check(cli, cert, key)) != 0)
		return rc;
	d.tls = cert != NULL;
	if (!d.tls && !dash_loopback(d.bind)) {
		cli_error(cli,
			  "--bind %s: without TLS the dashboard listens on loopback only; "
			  "give --tls-cert and --tls-key, or reach it through ssh -L "
			  "(docs/DASHBOARD.md)",
			  d.bind);
		return CLI_EXIT_USAGE;
	}
	if (!token_file) {
		if (dash_token_path(path, sizeof path) < 0) {
			cli_error(cli, "cannot locate the token file: set HOME or XDG_CONFIG_HOME");
			return CLI_EXIT_CONFIG;
		}
		token_file = path;
	}
	if ((rc = dash_token_load(token_file, d.token, why, sizeof why)) < 0) {
		cli_error(cli, "%s", why);
		return rc == CM_EPERM ? CLI_EXIT_UNSAFE : CLI_EXIT_CONFIG;
	}
	if ((rc = dash_load_agents(cli, &d)) != 0)
		goto out;
	if (!cli_loop(cli)) {
		cli_error(cli, "cannot create the event loop (libwebsockets)");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	memset(&info, 0, sizeof info);
	info.port = (int)port;
	info.iface = !strcmp(d.bind, "localhost") ? "127.0.0.1" : d.bind;
	info.protocols = dash_protocols;
	info.vhost_name = "cm-dashboard";
	info.user = &d;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (d.tls) {
		/* TLS only: a plain HTTP request on the port gets no answer. */
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
	}
	d.port = (int)port;
	d.vh = lws_create_vhost(cm_loop_lws_context(cli->loop), &info);
	if (!d.vh) {
		if (d.tls)
			cli_error(cli,
				  "cannot listen on %s port %ld: the port is in use, or %s and %s "
				  "are not a PEM certificate and its private key",
				  d.bind, port, cert, key);
		else
			cli_error(cli, "cannot listen on %s port %ld (in use?)", d.bind, port);
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	wsig = sfd >= 0 ? cm_loop_watch_fd(cli->loop, sfd, dash_signal, &done) : NULL;
	if (!wsig) {
		cli_error(cli, "cannot set up signals");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	fprintf(
	    stderr,
	    "cm dashboard: http%s://%s%s%s:%ld/ for %zu context%s; sign in with the token in %s\n",
	    d.tls ? "s" : "", strchr(info.iface, ':') ? "[" : "", info.iface,
	    strchr(info.iface, ':') ? "]" : "", port, d.nagents, d.nagents == 1 ? "" : "s",
	    token_file);
	while (!done)
		cm_loop_run_until(cli->loop, &done, -1);
	cm_watch_free(wsig);
	close(sfd);
	/* The agents' connections go now; the loop (freed by main) closes the browsers'. */
	for (struct dash_sess *s = d.socks; s; s = s->next) {
		cm_client_free(s->client);
		s->client = NULL;
		s->agent = NULL;
	}
	rc = CLI_EXIT_OK;
out:
	for (size_t i = 0; i < d.nagents; i++)
		free(d.agents[i].token);
	free(d.agents);
	return rc;
}

const struct cli_cmd cmd_dashboard_entry = {
    .name = "dashboard",
    .alias = NULL,
    .usage = "[--port N] [--bind ADDR] [--pool P] [--token-file FILE] [--tls-cert FILE "
	     "--tls-key FILE] [--allow-host NAME]",
    .summary = "one web page for every agent's sessions (on 127.0.0.1:8765)",
    .help = "    --port N          port to listen on (default 8765)\n"
	    "    --bind ADDR       address to listen on (default 127.0.0.1); other than\n"
	    "                      loopback only with TLS\n"
	    "    --pool P          only the contexts of pool P (default: every context)\n"
	    "    --token-file FILE the dashboard's token (default ~/.config/cm/dashboard-token,\n"
	    "                      made on first use, mode 0600)\n"
	    "    --tls-cert FILE   serve HTTPS with this certificate (PEM, chain first)\n"
	    "    --tls-key FILE    ...and this private key (PEM, mode 0600)\n"
	    "    --allow-host NAME answer to Host NAME too (besides address literals and\n"
	    "                      localhost), e.g. the name a VPN gives this machine\n",
    .flags = CMD_NEEDS_CONTEXTS,
    .exec = cmd_dashboard_exec,
};
