/*
 * err.h - error codes and the caller-owned error slot.
 *
 * Every function that can fail returns 0 or a negative TP_E* code and fills
 * a struct tp_err owned by its caller. There is no global last-error: one
 * event-loop thread serves many hosts and each host owns its slot.
 *
 * The enum is append-only: codes are persisted in journals and JSON reports,
 * so a value, once released, never changes meaning.
 */
#ifndef TIDEPATCH_ERR_H
#define TIDEPATCH_ERR_H

#include <stddef.h>

enum tp_errcode {
	TP_OK = 0,
	TP_ENOMEM = -1,		/* allocation failed */
	TP_EINVAL = -2,		/* bad argument from the caller */
	TP_EPARSE = -3,		/* input does not have the expected shape */
	TP_ETOOBIG = -4,	/* input exceeds a hard size limit */
	TP_EIO = -5,		/* read/write/open failed (see sys_errno) */
	TP_ESYS = -6,		/* other system call failed (see sys_errno) */
	TP_ETIMEOUT = -7,	/* a deadline passed */
	TP_ECMDFAIL = -8,	/* a command ran and exited non-zero */
	TP_EUNSUPPORTED = -9,	/* OS or package manager not supported */
	TP_ENOTFOUND = -10,	/* a named thing does not exist */
	TP_ECONFIG = -11,	/* configuration is invalid */
	TP_EVERSION = -12,	/* a version string is invalid */
	TP_EUSAGE = -13,	/* command line misuse */
	TP_ESIGNAL = -14,	/* a command was killed by a signal */
	TP_ECONNECT = -15,	/* TCP connection refused or unreachable */
	TP_EHOSTKEY_UNKNOWN = -16, /* host key not in known_hosts */
	TP_EHOSTKEY_CHANGED = -17, /* host key differs from known_hosts */
	TP_EAUTH = -18,		/* the server refused our credentials */
	TP_ESSH = -19,		/* SSH protocol or library failure */
	TP_EBECOME = -20,	/* sudo refused: needs a password, or absent */
	/* append new codes here; never renumber */
};

/* Longest message kept; longer ones are truncated with "...". */
#define TP_ERR_MSG_MAX 512

struct tp_err {
	int code;		/* a TP_E* value, TP_OK when clear */
	int sys_errno;		/* errno at the failure, or 0 */
	char msg[TP_ERR_MSG_MAX];
};

/* Reset an error slot to TP_OK with an empty message. NULL is allowed. */
void tp_err_clear(struct tp_err *err);

/*
 * Record code and a printf-style message in err (which may be NULL) and
 * return code, so callers can write `return tp_err_set(err, ...)`.
 */
int tp_err_set(struct tp_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * As tp_err_set, and also record errno_value; the message gets
 * ": <strerror>" appended.
 */
int tp_err_sys(struct tp_err *err, int code, int errno_value,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Prefix the message already in err with "<prefix>: " (printf-style),
 * keeping the code; for adding context on the way up. Returns err->code.
 */
int tp_err_prefix(struct tp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Short static description of a code ("parse error"); never NULL. */
const char *tp_strerror(int code);

/* Stable machine name of a code ("parse"), as written in JSON; never NULL. */
const char *tp_errname(int code);

#endif
