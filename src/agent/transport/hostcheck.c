/*
 * hostcheck: Host header policy (see hostcheck.h).
 */
#include "agent/transport/hostcheck.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "agent/settings/config.h"

#define HOSTCHECK_NAME_MAX 255

/* Splits "name", "name:port", "[v6]" or "[v6]:port" into name; 0 if malformed. */
static int
hostcheck_name(const char *host, char *name, size_t size, int *bracketed)
{
	const char *end, *port;
	size_t len;

	*bracketed = host[0] == '[';
	if (*bracketed) {
		if ((end = strchr(host, ']')) == NULL)
			return 0;
		host++;
		port = end + 1;
	} else {
		end = strchr(host, ':');
		if (end == NULL)
			end = host + strlen(host);
		port = end;
	}
	if (*port == ':') {
		if (port[1] == '\0' || strspn(port + 1, "0123456789") != strlen(port + 1))
			return 0;
	} else if (*port != '\0') {
		return 0;
	}
	len = (size_t)(end - host);
	if (len == 0 || len >= size)
		return 0;
	memcpy(name, host, len);
	name[len] = '\0';
	return 1;
}

/* True if name is the host part of an origin such as "https://cm.example:8443". */
static int
hostcheck_origin_host(const char *origin, const char *name)
{
	const char *h = strstr(origin, "://");
	char oname[HOSTCHECK_NAME_MAX + 1];
	int br;

	h = h != NULL ? h + 3 : origin;
	if (!hostcheck_name(h, oname, sizeof oname, &br))
		return 0;
	return strcasecmp(oname, name) == 0;
}

int
hostcheck_ok(const struct config *cfg, const char *host)
{
	char name[HOSTCHECK_NAME_MAX + 1];
	unsigned char addr[16];
	size_t len;
	int br;

	if (host == NULL)
		return 1;
	if (!hostcheck_name(host, name, sizeof name, &br))
		return 0;
	if (br)
		return inet_pton(AF_INET6, name, addr) == 1;
	if (inet_pton(AF_INET, name, addr) == 1)
		return 1;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0'; /* "localhost." is the same name */
	if (strcasecmp(name, "localhost") == 0 ||
	    (len > 10 && strcasecmp(name + len - 10, ".localhost") == 0))
		return 1;
	if (cfg->bind != NULL && strcasecmp(cfg->bind, name) == 0)
		return 1;
	for (size_t i = 0; i < cfg->n_origins; i++)
		if (hostcheck_origin_host(cfg->origins[i], name))
			return 1;
	return 0;
}
