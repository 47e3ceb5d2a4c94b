/*
 * log.h - graded diagnostic logging for the core.
 *
 * The core never prints: it hands log records to a handler that the CLI
 * installs (stderr, with -v/-vv). Without a handler records are dropped.
 * One thread owns the process, so the handler is a plain global.
 */
#ifndef TIDEPATCH_LOG_H
#define TIDEPATCH_LOG_H

enum tp_log_level {
	TP_LOG_ERROR = 0,
	TP_LOG_WARN = 1,
	TP_LOG_INFO = 2,	/* -v */
	TP_LOG_DEBUG = 3,	/* -vv */
};

typedef void (*tp_log_handler)(enum tp_log_level level, const char *func,
			       const char *msg, void *payload);

/* Install handler (NULL: drop records) and the most verbose level kept. */
void tp_log_set_handler(tp_log_handler handler, enum tp_log_level max,
			void *payload);

/* Would a record at level reach the handler? */
int tp_log_enabled(enum tp_log_level level);

void tp_log_write(enum tp_log_level level, const char *func, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

#define tp_warn(...) tp_log_write(TP_LOG_WARN, __func__, __VA_ARGS__)
#define tp_info(...) tp_log_write(TP_LOG_INFO, __func__, __VA_ARGS__)
#define tp_debug(...) tp_log_write(TP_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
