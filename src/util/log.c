/*
 * log.c - route core log records to the handler the CLI installed.
 *
 * Formatting happens only when the level is enabled, so debug calls on
 * hot paths cost a comparison when -vv is off.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tidepatch/log.h"

static tp_log_handler log_handler;
static enum tp_log_level log_max = TP_LOG_WARN;
static void *log_payload;

void tp_log_set_handler(tp_log_handler handler, enum tp_log_level max,
			void *payload)
{
	log_handler = handler;
	log_max = max;
	log_payload = payload;
}

int tp_log_enabled(enum tp_log_level level)
{
	return log_handler && level <= log_max;
}

void tp_log_write(enum tp_log_level level, const char *func, const char *fmt,
		  ...)
{
	char msg[1024];
	va_list ap;

	if (!tp_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_handler(level, func, msg, log_payload);
}
