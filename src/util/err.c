/*
 * err.c - the error slot.
 *
 * Messages are formatted into a fixed array so recording an error never
 * allocates: the most common error on a busy controller is ENOMEM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tidepatch/err.h"

static const struct {
	int code;
	const char *name;
	const char *text;
} errtab[] = {
	{ TP_OK, "ok", "success" },
	{ TP_ENOMEM, "nomem", "out of memory" },
	{ TP_EINVAL, "invalid", "invalid argument" },
	{ TP_EPARSE, "parse", "parse error" },
	{ TP_ETOOBIG, "too_big", "size limit exceeded" },
	{ TP_EIO, "io", "input/output error" },
	{ TP_ESYS, "system", "system error" },
	{ TP_ETIMEOUT, "timeout", "timed out" },
	{ TP_ECMDFAIL, "command_failed", "command failed" },
	{ TP_EUNSUPPORTED, "unsupported", "not supported" },
	{ TP_ENOTFOUND, "not_found", "not found" },
	{ TP_ECONFIG, "config", "configuration error" },
	{ TP_EVERSION, "bad_version", "invalid version" },
	{ TP_EUSAGE, "usage", "usage error" },
	{ TP_ESIGNAL, "signal", "killed by signal" },
	{ TP_ECONNECT, "unreachable", "connection failed" },
	{ TP_EHOSTKEY_UNKNOWN, "hostkey_unknown", "host key unknown" },
	{ TP_EHOSTKEY_CHANGED, "hostkey_changed", "host key changed" },
	{ TP_EAUTH, "auth", "authentication failed" },
	{ TP_ESSH, "ssh", "SSH error" },
	{ TP_EBECOME, "become", "privilege escalation failed" },
};

void tp_err_clear(struct tp_err *err)
{
	if (!err)
		return;
	err->code = TP_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

/* Mark truncation visibly rather than silently cutting a message short. */
static void mark_truncated(char *msg, int written)
{
	if (written >= TP_ERR_MSG_MAX)
		memcpy(msg + TP_ERR_MSG_MAX - 4, "...", 4);
}

static int vset(struct tp_err *err, int code, int errno_value,
		const char *fmt, va_list ap)
{
	int n;

	if (!err)
		return code;
	err->code = code;
	err->sys_errno = errno_value;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0) {
		err->msg[0] = '\0';
		n = 0;
	}
	if (errno_value && n < TP_ERR_MSG_MAX)
		n += snprintf(err->msg + n, sizeof(err->msg) - (size_t)n,
			      ": %s", strerror(errno_value));
	mark_truncated(err->msg, n);
	return code;
}

int tp_err_set(struct tp_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int tp_err_sys(struct tp_err *err, int code, int errno_value,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, errno_value, fmt, ap);
	va_end(ap);
	return code;
}

int tp_err_prefix(struct tp_err *err, const char *fmt, ...)
{
	char old[TP_ERR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return TP_EINVAL;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n < TP_ERR_MSG_MAX)
		n += snprintf(err->msg + n, sizeof(err->msg) - (size_t)n,
			      ": %s", old);
	mark_truncated(err->msg, n);
	return err->code;
}

const char *tp_strerror(int code)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == code)
			return errtab[i].text;
	return "unknown error";
}

const char *tp_errname(int code)
{
	size_t i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == code)
			return errtab[i].name;
	return "unknown";
}
