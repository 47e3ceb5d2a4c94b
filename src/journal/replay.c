/*
 * replay.c - read a journal back into a tp_journal_state.
 *
 * The one tolerance: the LAST line may be torn, since a crash can stop
 * an append part-way (no "\n" yet) or, on some filesystems, leave the
 * file longer than what was written (zeros where the record should be).
 * Such a line is ignored and reported. A bad line with anything after
 * it cannot come from a crash of ours, so it is an error with its line
 * number: silently dropping a record in the middle would let resume
 * repeat or skip a step.
 *
 * Lines are read through a fixed buffer of TP_JOURNAL_LINE_MAX bytes, so
 * a journal of any size replays in bounded memory per line, and a
 * runaway line is measured, not stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal_int.h"

struct reader {
	const char *path;
	char *line;		/* TP_JOURNAL_LINE_MAX bytes */
	size_t len;		/* bytes of the current line so far */
	bool overflow;		/* the current line is over the limit */
	size_t line_no;		/* 1-based number of the current line */
	uint64_t line_start;	/* its offset in the file */
	/* a complete line that could not be parsed: an error unless it
	 * turns out to be the last line */
	int pend_code;
	size_t pend_line, pend_len;
	char pend_msg[256];
};

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Fill rec from o; on failure a static description of what is wrong. */
static const char *parse_record(struct tp_journal_record *rec, const json_t *o)
{
	const json_t *seq = json_object_get(o, "seq");
	const json_t *host = json_object_get(o, "host");
	const json_t *data = json_object_get(o, "data");

	if (!json_is_object(o))
		return "a record must be a JSON object";
	if (!json_is_integer(seq) || json_integer_value(seq) < 1)
		return "\"seq\" must be a positive integer";
	if (!jn_valid_utc(jstr(o, "time")))
		return "\"time\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ";
	if (!json_is_null(host) &&
	    (!json_is_string(host) || !*json_string_value(host)))
		return "\"host\" must be a host name or null";
	if (!jn_valid_step(jstr(o, "step")))
		return "\"step\" must be 1-64 of [A-Za-z0-9._-]";
	rec->kind = jn_kind_from_name(jstr(o, "kind"));
	if (rec->kind == TP_JOURNAL_NONE)
		return "\"kind\" must be intent, done, failed or note";
	if (!json_is_object(data))
		return "\"data\" must be an object";
	rec->seq = (uint64_t)json_integer_value(seq);
	rec->time = strdup(jstr(o, "time"));
	rec->host = json_is_string(host) ? strdup(json_string_value(host))
					 : NULL;
	rec->step = strdup(jstr(o, "step"));
	rec->data = json_incref((json_t *)data);
	if (!rec->time || !rec->step ||
	    (json_is_string(host) && !rec->host))
		return "out of memory";
	return NULL;
}

/* A whole line (its "\n" seen) is in r->line. */
static int complete_line(struct tp_journal_state *st, struct reader *r,
			 struct tp_err *err)
{
	struct tp_journal_record rec;
	json_error_t je;
	struct tp_err e = { 0 };
	const char *what;
	json_t *o;
	int rc;

	r->pend_line = r->line_no;
	r->pend_len = r->len;
	if (r->overflow) {
		r->pend_code = TP_ETOOBIG;
		snprintf(r->pend_msg, sizeof(r->pend_msg),
			 "line longer than %zu bytes", TP_JOURNAL_LINE_MAX);
		return 0;
	}
	o = json_loadb(r->line, r->len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		r->pend_code = TP_EPARSE;
		snprintf(r->pend_msg, sizeof(r->pend_msg), "column %d: %s",
			 je.column, je.text);
		return 0;
	}
	memset(&rec, 0, sizeof(rec));
	what = parse_record(&rec, o);
	json_decref(o);
	if (what) {
		jn_record_release(&rec);
		return tp_err_set(err, !strcmp(what, "out of memory") ?
				  TP_ENOMEM : TP_EPARSE, "%s:%zu: %s", r->path,
				  r->line_no, what);
	}
	rc = jn_state_add(st, &rec, &e);
	if (rc == TP_EINVAL)	/* seq out of order */
		return tp_err_set(err, TP_EPARSE, "%s:%zu: %s", r->path,
				  r->line_no, e.msg);
	if (rc)
		return tp_err_set(err, rc, "%s", e.msg);
	st->good_size = r->line_start + r->len + 1;
	return 0;
}

static int pending_error(struct reader *r, struct tp_err *err)
{
	return tp_err_set(err, r->pend_code, "%s:%zu: %s", r->path,
			  r->pend_line, r->pend_msg);
}

static int replay_fd(struct tp_journal_state *st, int fd, struct reader *r,
		     struct tp_err *err)
{
	char chunk[65536];
	int rc;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		const char *p = chunk;
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return tp_err_sys(err, TP_EIO, errno, "%s", r->path);
		if (n == 0)
			break;
		left = (size_t)n;
		while (left) {
			const char *nl = memchr(p, '\n', left);
			size_t seg = nl ? (size_t)(nl - p) : left;

			/* more bytes after a bad line: it was not the last */
			if (r->pend_code)
				return pending_error(r, err);
			if (r->len + seg >= TP_JOURNAL_LINE_MAX)
				r->overflow = true;
			if (!r->overflow)
				memcpy(r->line + r->len, p, seg);
			r->len += seg;
			if (!nl) {
				left = 0;
				break;
			}
			if ((rc = complete_line(st, r, err)))
				return rc;
			r->line_start += r->len + 1;
			r->line_no++;
			r->len = 0;
			r->overflow = false;
			p = nl + 1;
			left -= seg + 1;
		}
	}
	if (r->len || r->overflow) {
		/* an unterminated tail: torn, unless a bad line precedes it */
		if (r->pend_code)
			return pending_error(r, err);
		st->torn = true;
		st->torn_line = r->line_no;
		st->torn_bytes = r->len;
	} else if (r->pend_code) {
		st->torn = true;
		st->torn_line = r->pend_line;
		st->torn_bytes = r->pend_len;
	}
	return 0;
}

int tp_journal_replay(struct tp_journal_state **out, const char *path,
		      struct tp_err *err)
{
	struct tp_journal_state *st = NULL;
	struct reader r;
	int fd, rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.path = path;
	r.line_no = 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tp_err_sys(err, errno == ENOENT ? TP_ENOTFOUND : TP_EIO,
				  errno, "%s", path);
	if (!(st = jn_state_new()) ||
	    !(r.line = malloc(TP_JOURNAL_LINE_MAX))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	rc = replay_fd(st, fd, &r, err);
out:
	close(fd);
	free(r.line);
	if (rc) {
		tp_journal_state_free(st);
		return rc;
	}
	*out = st;
	return 0;
}
