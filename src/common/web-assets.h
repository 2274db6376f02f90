/*
 * web-assets: the dashboard's files, embedded at build time into
 * cm-agent and cm (cm dashboard).
 *
 * cmake/embed.cmake runs tools/embed/cm-embed over web/ (and the pinned
 * xterm.js files in web/node_modules) and writes build/gen/assets.c, which
 * defines the table below. The file is generated on every build and never
 * committed. Each asset is stored once, gzip-compressed: every browser asks
 * for gzip, and http.c inflates it as it is sent for other clients.
 *
 * Without CM_WITH_WEB (cmake -DCM_WEB=OFF) the table does not exist and
 * http.c serves nothing but its 404.
 */
#ifndef CM_COMMON_WEB_ASSETS_H
#define CM_COMMON_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;	   /* URL path, e.g. "/app.js"; "/" is served as "/index.html" */
	const char *content_type;  /* full Content-Type value, charset included for text */
	const unsigned char *data; /* the file, gzip-compressed (RFC 1952) */
	size_t length;		   /* bytes in data */
	size_t raw_length;	   /* bytes of the file before compression */
	const char *etag; /* strong ETag with its quotes: "\"1f2e...\"" (hash of the file) */
};

/* The table, sorted by path; defined in the generated assets.c. */
extern const struct web_asset cm_web_assets[];
/* Number of entries in cm_web_assets. */
extern const size_t cm_web_assets_count;

#endif
