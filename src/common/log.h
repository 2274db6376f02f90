/*
 * log: structured logging to stderr.
 *
 * One line per record: `LEVEL func: message`, or as `key=value` pairs with
 * --log-format=logfmt (what journald and log shippers read best). Secrets
 * never reach this module: callers log ids, never tokens.
 */
#ifndef CM_COMMON_LOG_H
#define CM_COMMON_LOG_H

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Sets the most verbose level printed; default LOG_LEVEL_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int log_level_parse(const char *name);

void log_write(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Logs and aborts: for impossible states in the caller's own logic. */
_Noreturn void log_fatal(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __func__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __func__, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_get_level() >= LOG_LEVEL_DEBUG)                                            \
			log_write(LOG_LEVEL_DEBUG, __func__, __VA_ARGS__);                         \
	} while (0)
#define fatalx(...) log_fatal(__func__, __VA_ARGS__)

#endif
