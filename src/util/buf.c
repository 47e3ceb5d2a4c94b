/*
 * buf.c - bounded growable buffer and line iteration.
 *
 * Growth doubles the allocation but never past max + 1 (for the NUL), so
 * a buffer at its limit costs no more than the limit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"

void tp_buf_init(struct tp_buf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max = max;
}

void tp_buf_release(struct tp_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void tp_buf_clear(struct tp_buf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

static int grow(struct tp_buf *buf, size_t need, struct tp_err *err)
{
	size_t want;
	char *p;

	if (need > buf->max)
		return tp_err_set(err, TP_ETOOBIG,
				  "output exceeds the limit of %zu bytes",
				  buf->max);
	if (need + 1 <= buf->cap)
		return 0;
	want = buf->cap ? buf->cap : 256;
	while (want < need + 1)
		want = want > (size_t)-1 / 2 ? need + 1 : want * 2;
	if (want > buf->max + 1)
		want = buf->max + 1;
	p = realloc(buf->data, want);
	if (!p)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	buf->data = p;
	buf->cap = want;
	return 0;
}

int tp_buf_append(struct tp_buf *buf, const void *data, size_t len,
		  struct tp_err *err)
{
	int rc;

	if (len > buf->max - buf->len)
		return tp_err_set(err, TP_ETOOBIG,
				  "output exceeds the limit of %zu bytes",
				  buf->max);
	rc = grow(buf, buf->len + len, err);
	if (rc)
		return rc;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int tp_buf_puts(struct tp_buf *buf, const char *s, struct tp_err *err)
{
	return tp_buf_append(buf, s, strlen(s), err);
}

int tp_buf_printf(struct tp_buf *buf, struct tp_err *err, const char *fmt,
		  ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return tp_err_set(err, TP_EINVAL, "bad format string");
	if ((size_t)n > buf->max - buf->len)
		return tp_err_set(err, TP_ETOOBIG,
				  "output exceeds the limit of %zu bytes",
				  buf->max);
	rc = grow(buf, buf->len + (size_t)n, err);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}

char *tp_buf_detach(struct tp_buf *buf)
{
	char *s = buf->data;

	if (!s)
		s = strdup("");
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return s;
}

void tp_lines_init(struct tp_lines *it, const char *data, size_t len)
{
	it->pos = data;
	it->end = data ? data + len : NULL;
	it->lineno = 0;
}

int tp_lines_next(struct tp_lines *it, const char **line, size_t *len)
{
	const char *nl;

	if (!it->pos || it->pos >= it->end)
		return 0;
	nl = memchr(it->pos, '\n', (size_t)(it->end - it->pos));
	*line = it->pos;
	if (nl) {
		*len = (size_t)(nl - it->pos);
		it->pos = nl + 1;
	} else {
		*len = (size_t)(it->end - it->pos);
		it->pos = it->end;
	}
	it->lineno++;
	return 1;
}
