/*
 * cm-embed: turns the dashboard's files into a C table (build/gen/assets.c).
 *
 *   cm-embed OUT.c URL=FILE [URL=FILE...]
 *
 * cmake/embed.cmake runs it at build time. For each file it writes the
 * gzip-compressed bytes (level 9, no name and no time in the gzip header, so
 * that the output depends on the input only), a Content-Type chosen by the
 * file's extension, and a strong ETag: the 64-bit FNV-1a hash of the
 * uncompressed file. The table is sorted by URL so that http.c can search it
 * with bsearch(). The output is written to OUT.c.tmp and renamed, so an
 * interrupted build never leaves half a file behind.
 *
 * It runs on the build machine only; it is not part of cm-agent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct entry {
	const char *url;   /* URL path, from the command line */
	const char *file;  /* source file, from the command line */
	unsigned char *gz; /* compressed bytes */
	size_t gz_len;	   /* bytes in gz */
	size_t raw_len;	   /* bytes of the source file */
	uint64_t hash;	   /* FNV-1a of the source file */
};

/* Content types by extension; anything else is refused, so that a new kind
 * of file gets a deliberate type instead of a guess. */
static const struct {
	const char *ext;
	const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
};

/* Prints a message and exits: this is a build step, failing loudly is right. */
static _Noreturn void
die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "cm-embed: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

/* Returns the Content-Type for a URL by its extension. */
static const char *
type_of(const char *url)
{
	const char *dot = strrchr(url, '.');

	for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	die("no content type known for %s%s", url, "");
}

/* Reads a whole file into memory. */
static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		die("cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			if (data == NULL)
				die("out of memory reading %s%s", path, "");
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("cannot read %s: %s", path, strerror(errno));
	fclose(f);
	*len = n;
	return data;
}

/* Compresses data as one gzip member with a fixed header. */
static unsigned char *
gzip(const unsigned char *data, size_t len, size_t *out_len, const char *name)
{
	z_stream z;
	unsigned char *out;
	size_t cap;

	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper; zlib writes mtime 0 and no file name. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed for %s%s", name, "");
	cap = deflateBound(&z, (uLong)len);
	out = malloc(cap);
	if (out == NULL)
		die("out of memory compressing %s%s", name, "");
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate failed for %s%s", name, "");
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* 64-bit FNV-1a: a stable fingerprint for the ETag, not a security hash. */
static uint64_t
fnv1a(const unsigned char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Orders entries by URL, as http.c's bsearch() expects. */
static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->url, ((const struct entry *)b)->url);
}

int
main(int argc, char **argv)
{
	struct entry *e;
	size_t n = (size_t)(argc > 2 ? argc - 2 : 0);
	char tmp[4096];
	FILE *out;

	if (argc < 3)
		die("usage: cm-embed OUT.c URL=FILE...%s%s", "", "");
	e = calloc(n, sizeof *e);
	if (e == NULL)
		die("out of memory%s%s", "", "");
	for (size_t i = 0; i < n; i++) {
		char *arg = argv[i + 2], *eq = strchr(arg, '=');
		unsigned char *raw;

		if (eq == NULL || arg[0] != '/')
			die("bad argument %s (want /url=file)%s", arg, "");
		*eq = '\0';
		/* URLs are written into C strings: allow only plain characters. */
		if (strspn(arg,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-") !=
		    strlen(arg))
			die("URL %s has characters other than [A-Za-z0-9/._-]%s", arg, "");
		e[i].url = arg;
		e[i].file = eq + 1;
		raw = read_file(e[i].file, &e[i].raw_len);
		e[i].hash = fnv1a(raw, e[i].raw_len);
		e[i].gz = gzip(raw, e[i].raw_len, &e[i].gz_len, e[i].file);
		free(raw);
	}
	qsort(e, n, sizeof *e, entry_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(e[i - 1].url, e[i].url) == 0)
			die("URL %s given twice%s", e[i].url, "");

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]) >= sizeof tmp)
		die("output path too long: %s%s", argv[1], "");
	out = fopen(tmp, "w");
	if (out == NULL)
		die("cannot create %s: %s", tmp, strerror(errno));
	fprintf(out, "/* generated: do not edit. Written by tools/embed/cm-embed from web/ at "
		     "build time. */\n"
		     "#include \"common/web-assets.h\"\n\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(out,
			"/* %s (%zu bytes, %zu compressed) */\nstatic const unsigned char "
			"asset%zu[] = {",
			e[i].url, e[i].raw_len, e[i].gz_len, i);
		for (size_t j = 0; j < e[i].gz_len; j++)
			fprintf(out, "%s%u,", j % 20 == 0 ? "\n\t" : "", e[i].gz[j]);
		fprintf(out, "\n};\n\n");
	}
	fprintf(out, "const struct web_asset cm_web_assets[] = {\n");
	for (size_t i = 0; i < n; i++)
		fprintf(
		    out,
		    "\t{\"%s\", \"%s\", asset%zu, sizeof asset%zu, %zu, \"\\\"%016llx\\\"\"},\n",
		    e[i].url, type_of(e[i].url), i, i, e[i].raw_len, (unsigned long long)e[i].hash);
	fprintf(out, "};\n\nconst size_t cm_web_assets_count = %zu;\n", n);
	if (fclose(out) != 0)
		die("cannot write %s: %s", tmp, strerror(errno));
	if (rename(tmp, argv[1]) != 0)
		die("cannot rename %s: %s", tmp, strerror(errno));
	for (size_t i = 0; i < n; i++)
		free(e[i].gz);
	free(e);
	return 0;
}
