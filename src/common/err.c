/*
 * err: names and texts of enum cm_err (see err.h).
 */
#include "common/err.h"

#include <string.h>

struct err_entry {
	int code;	  /* the negative enum value */
	const char *name; /* stable wire name */
	const char *text; /* text for people */
};

static const struct err_entry err_table[] = {
#define CM_ERR_ROW(sym, name, text) {sym, name, text},
    CM_ERR_LIST(CM_ERR_ROW)
#undef CM_ERR_ROW
};

/* Finds the table row of a code. */
static const struct err_entry *
err_find(int err)
{
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (err_table[i].code == err)
			return &err_table[i];
	return NULL;
}

/* Returns the human text of err. */
const char *
cm_strerror(int err)
{
	const struct err_entry *e = err_find(err);

	if (err == CM_OK)
		return "success";
	return e ? e->text : "unknown error";
}

/* Returns the wire name of err. */
const char *
cm_errname(int err)
{
	const struct err_entry *e = err_find(err);

	if (err == CM_OK)
		return "ok";
	return e ? e->name : "internal";
}

/* Maps a wire name back to its code. */
int
cm_errparse(const char *name)
{
	for (size_t i = 0; i < sizeof err_table / sizeof err_table[0]; i++)
		if (strcmp(err_table[i].name, name) == 0)
			return err_table[i].code;
	return CM_EINTERNAL;
}
