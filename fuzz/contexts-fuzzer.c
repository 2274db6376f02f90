/*
 * Fuzzes the CLI's contexts.json reader: any bytes as the file (through a
 * memfd, so nothing touches the disk), then every context is read back and
 * shown redacted, as `cm ctx ls` would. No input may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "contexts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads one contexts file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contexts cs;
	struct ctx c;
	char path[64], err[512];
	int fd = memfd_create("contexts.json", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (contexts_load(&cs, path, err, sizeof err) == 0) {
			for (size_t i = 0; i < contexts_count(&cs); i++)
				if (contexts_at(&cs, i, &c, err, sizeof err) == 0) {
					json_t *o = contexts_object(&cs, c.name);
					json_t *r = o ? contexts_redacted(o) : NULL;

					json_decref(r);
				}
			contexts_current(&cs);
		}
		contexts_release(&cs);
	}
	close(fd);
	return 0;
}
