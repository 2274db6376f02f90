/*
 * deploy: checks and file contents for `cm agent` (see deploy.h).
 */
#include "deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/xmalloc.h"

/* A little-endian number of n bytes. */
static uint64_t
deploy_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* The uname -m name of an ELF machine number. */
static const char *
deploy_machine(unsigned m, int is64)
{
	switch (m) {
	case 62:
		return "x86_64";
	case 183:
		return "aarch64";
	case 3:
		return "i686";
	case 40:
		return "armv7l";
	case 243:
		return "riscv64";
	case 21:
		return is64 ? "ppc64le" : "ppc";
	case 22:
		return "s390x";
	default:
		return NULL;
	}
}

/* Reads what the binary is built for. */
int
deploy_elf_info(const char *path, char *arch, size_t archn, int *is_static, char *why, size_t whyn)
{
	unsigned char h[64], ph[56];
	const char *name;
	uint64_t phoff, i;
	unsigned phentsize, phnum;
	ssize_t got;
	int fd, is64;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whyn, "%s: %s", path, strerror(errno));
		return -1;
	}
	got = pread(fd, h, sizeof(h), 0);
	if (got < 52 || memcmp(h, "\177ELF", 4) != 0 || h[5] != 1 /* little-endian */) {
		close(fd);
		snprintf(why, whyn, "%s is not a little-endian ELF executable", path);
		return -1;
	}
	is64 = h[4] == 2;
	if (!(name = deploy_machine((unsigned)deploy_le(h + 18, 2), is64))) {
		close(fd);
		snprintf(why, whyn, "%s is built for an unknown machine (ELF machine %u)", path,
			 (unsigned)deploy_le(h + 18, 2));
		return -1;
	}
	snprintf(arch, archn, "%s", name);
	phoff = is64 ? deploy_le(h + 32, 8) : deploy_le(h + 28, 4);
	phentsize = (unsigned)deploy_le(h + (is64 ? 54 : 42), 2);
	phnum = (unsigned)deploy_le(h + (is64 ? 56 : 44), 2);
	*is_static = 1;
	/* PT_INTERP (3) names the dynamic loader: the binary needs shared libraries. */
	for (i = 0; i < phnum && phentsize >= 4 && phentsize <= sizeof(ph); i++) {
		if (pread(fd, ph, phentsize, (off_t)(phoff + i * phentsize)) != (ssize_t)phentsize)
			break;
		if (deploy_le(ph, 4) == 3) {
			*is_static = 0;
			break;
		}
	}
	close(fd);
	return 0;
}

/* Checks the tmux version. */
int
deploy_tmux_ok(const char *version, char *why, size_t n)
{
	const char *p;
	long major, minor = 0;
	char *end;

	if (!version || !*version) {
		snprintf(why, n, "tmux is not installed (the agent needs tmux %d.%d or newer)",
			 DEPLOY_TMUX_MAJOR, DEPLOY_TMUX_MINOR);
		return -1;
	}
	if (strncmp(version, "tmux ", 5) != 0) {
		snprintf(why, n, "cannot read the tmux version (\"%.60s\")", version);
		return -1;
	}
	p = version + 5;
	if (!strncmp(p, "master", 6))
		return 0; /* built from the development branch: newer than any release */
	if (!strncmp(p, "next-", 5))
		p += 5;
	major = strtol(p, &end, 10);
	if (end == p) {
		snprintf(why, n, "cannot read the tmux version (\"%.60s\")", version);
		return -1;
	}
	if (*end == '.')
		minor = strtol(end + 1, NULL, 10);
	if (major < DEPLOY_TMUX_MAJOR ||
	    (major == DEPLOY_TMUX_MAJOR && minor < DEPLOY_TMUX_MINOR)) {
		snprintf(why, n, "tmux %ld.%ld is too old (the agent needs %d.%d or newer)", major,
			 minor, DEPLOY_TMUX_MAJOR, DEPLOY_TMUX_MINOR);
		return -1;
	}
	return 0;
}

/* Appends one PATH entry unless empty or already there. */
static void
deploy_path_add(struct buf *b, const char *dir, size_t len)
{
	const char *p = b->data;

	if (len == 0 || dir[0] != '/')
		return; /* relative entries depend on the working directory: dropped */
	while (p && *p) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == len && !strncmp(p, dir, len))
			return;
		p = e ? e + 1 : NULL;
	}
	if (b->len)
		buf_append_str(b, ":");
	buf_append(b, dir, len);
}

/* The agent's PATH. */
char *
deploy_path(const char *login_path, const char *home)
{
	char *local = xasprintf("%s/.local/bin", home);
	const char *p = login_path && *login_path ? login_path : "/usr/local/bin:/usr/bin:/bin";
	struct buf b;
	char *out;

	buf_init(&b, 64 * 1024);
	deploy_path_add(&b, local, strlen(local));
	while (p && *p) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p), i;
		int bad = 0;
		for (i = 0; i < l; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				bad = 1;
		if (!bad)
			deploy_path_add(&b, p, l);
		p = e ? e + 1 : NULL;
	}
	out = buf_steal(&b, NULL);
	free(local);
	return out;
}

/* A systemd Environment= value: "VAR=value" with \, " and % escaped. */
char *
deploy_systemd_env(const char *var, const char *value)
{
	struct buf b;
	const char *p;

	buf_init(&b, 128 * 1024);
	buf_printf(&b, "Environment=\"%s=", var);
	for (p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_printf(&b, "\\%c", *p);
		else if (*p == '%')
			buf_append_str(&b, "%%");
		else if ((unsigned char)*p >= 0x20)
			buf_append(&b, p, 1);
	}
	buf_append_str(&b, "\"");
	return buf_steal(&b, NULL);
}

/* The user unit with the installed agent's command. */
char *
deploy_unit(const char *template_text)
{
	static const char mark[] = "@CM_AGENT_BIN@";
	static const char exec[] = "%h/.local/bin/cm-agent --config %h/.config/cm-agent/agent.json";
	const char *at = strstr(template_text, mark);

	if (!at)
		return xstrdup(template_text);
	return xasprintf("%.*s%s%s", (int)(at - template_text), template_text, exec,
			 at + strlen(mark));
}

/* The PATH drop-in. */
char *
deploy_dropin(const char *path)
{
	char *env = deploy_systemd_env("PATH", path), *out;

	out = xasprintf("# Written by cm agent install: the PATH of the login shell, so that\n"
			"# tools installed in ~/.local/bin or an npm prefix are found.\n"
			"# cm agent install writes it again from the login shell.\n"
			"[Service]\n%s\n",
			env);
	free(env);
	return out;
}

/* The agent's config file. */
char *
deploy_config(const char *home, int port)
{
	char *state = xasprintf("%s/.local/state/cm-agent", home);
	char *token = xasprintf("%s/token", state);
	json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "port", port, "bind", "127.0.0.1",
			      "state_dir", state, "token_file", token);
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *out = xasprintf("%s\n", text);

	free(text);
	json_decref(o);
	free(state);
	free(token);
	return out;
}
