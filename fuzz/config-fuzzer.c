/*
 * Fuzzes the agent's config file parser: any text is applied to a fresh
 * configuration, which is then released; no input may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent/settings/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses one config text. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *why = NULL;

	config_init(&cfg);
	config_parse_text(&cfg, (const char *)data, size, "fuzz", &why);
	free(why);
	config_release(&cfg);
	return 0;
}
