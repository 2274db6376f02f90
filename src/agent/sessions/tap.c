/*
 * tap: raw output and input handed to the registered taps (see tap.h).
 */
#include "agent/sessions/tap.h"

#include "common/err.h"

/* Registers a tap. */
int
taps_add(struct taps *taps, const struct tap *tap)
{
	if (taps->n >= TAPS_MAX)
		return CM_ELIMIT;
	taps->tap[taps->n++] = *tap;
	return 0;
}

/* Hands output to every tap. */
void
taps_output(const struct taps *taps, struct session *s, const char *data, size_t len)
{
	for (size_t i = 0; i < taps->n; i++)
		if (taps->tap[i].output != NULL)
			taps->tap[i].output(taps->tap[i].arg, s, data, len);
}

/* Hands input to every tap. */
void
taps_input(const struct taps *taps, struct session *s, const char *who, const char *data,
	   size_t len)
{
	for (size_t i = 0; i < taps->n; i++)
		if (taps->tap[i].input != NULL)
			taps->tap[i].input(taps->tap[i].arg, s, who, data, len);
}
