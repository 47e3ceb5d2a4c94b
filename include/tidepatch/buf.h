/*
 * buf.h - a growable byte buffer with a hard maximum size.
 *
 * Remote output is hostile input: every buffer that holds it is created
 * with a maximum, and appending past it fails with TP_ETOOBIG instead of
 * growing without bound. The data is always NUL-terminated so parsers may
 * treat it as a C string, but it may also contain NUL bytes: use len.
 */
#ifndef TIDEPATCH_BUF_H
#define TIDEPATCH_BUF_H

#include <stddef.h>

#include "tidepatch/err.h"

struct tp_buf {
	char *data;	/* owned; NULL until the first append */
	size_t len;	/* bytes used, excluding the terminating NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* hard limit on len */
};

/* Prepare an empty buffer that may hold at most max bytes. */
void tp_buf_init(struct tp_buf *buf, size_t max);

/* Free the contents; buf can be reused after tp_buf_init. NULL is allowed. */
void tp_buf_release(struct tp_buf *buf);

/* Forget the contents but keep the allocation and the maximum. */
void tp_buf_clear(struct tp_buf *buf);

/*
 * Append <data, len>. Fails with TP_ETOOBIG (buffer unchanged) when the
 * result would exceed buf->max, TP_ENOMEM when allocation fails.
 */
int tp_buf_append(struct tp_buf *buf, const void *data, size_t len,
		  struct tp_err *err);

/* Append a NUL-terminated string. Same errors as tp_buf_append. */
int tp_buf_puts(struct tp_buf *buf, const char *s, struct tp_err *err);

/* Append printf-style. Same errors as tp_buf_append. */
int tp_buf_printf(struct tp_buf *buf, struct tp_err *err, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/*
 * Hand the contents to the caller as a NUL-terminated string (never NULL:
 * an empty buffer yields ""), leaving buf empty. Returns NULL only when
 * memory for an empty string cannot be had.
 */
char *tp_buf_detach(struct tp_buf *buf);

/*
 * Line iteration over <data, len> for parsers. A final line without '\n'
 * is still returned; a trailing '\r' is not stripped (remote output should
 * not contain one; parsers reject it).
 */
struct tp_lines {
	const char *pos;
	const char *end;
	size_t lineno;	/* 1-based number of the line last returned */
};

void tp_lines_init(struct tp_lines *it, const char *data, size_t len);

/* Set *line and *len to the next line; return 1, or 0 at the end. */
int tp_lines_next(struct tp_lines *it, const char **line, size_t *len);

#endif
