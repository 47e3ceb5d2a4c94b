/*
 * report_comp_int.h - what the compliance writers share: escaping of
 * hostile text (host output and advisory feeds reach every format) and
 * the few views of the report model more than one writer needs.
 * Private to src/report/.
 */
#ifndef TP_REPORT_COMP_INT_H
#define TP_REPORT_COMP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tidepatch/buf.h"
#include "tidepatch/compliance.h"

/* How tp_rc_put_text writes a string. Invalid UTF-8 never passes through. */
enum tp_rc_esc {
	TP_RC_UTF8,	/* bytes as they are, invalid UTF-8 as U+FFFD */
	TP_RC_TERM,	/* for a terminal: controls (C0, DEL, C1) and invalid
			   UTF-8 as '?', so a host cannot send escapes */
	TP_RC_XML_TEXT,	/* XML 1.0 character data: & < > " ' as entities,
			   characters XML forbids as U+FFFD */
	TP_RC_XML_ATTR,	/* as XML_TEXT, and tab, LF, CR as character
			   references so attribute normalisation keeps them */
	TP_RC_MD,	/* a Markdown table cell or inline text: punctuation
			   Markdown or GitLab act on backslash-escaped, HTML
			   specials as entities, controls and line breaks as a
			   space */
};

/* Append s (NULL: nothing) escaped for mode. TP_ENOMEM, TP_ETOOBIG. */
int tp_rc_put_text(struct tp_buf *out, const char *s, enum tp_rc_esc mode,
		   struct tp_err *err);

/* Display width of s as tp_rc_put_text(TP_RC_TERM) writes it: one column
 * per character (East Asian wide characters are not special-cased). */
size_t tp_rc_term_width(const char *s);

/* A JSON string of s with invalid UTF-8 repaired (jansson refuses it),
 * json_null() for NULL; NULL only when out of memory. */
json_t *tp_rc_json_str(const char *s);

/* The fix is not in place on the host: missing, missing_overdue, failed,
 * rolled_back. (The totals count only the first two as "missing".) */
bool tp_rc_fix_absent(enum tp_compliance state);

/* Missing in the sense of the totals: missing or missing_overdue. */
bool tp_rc_missing(enum tp_compliance state);

/* Host indexes in display order: hosts with an overdue item first, then
 * the others, each part in inventory order. Caller frees; NULL only when
 * out of memory (an empty report gets a non-NULL empty array). */
size_t *tp_rc_host_order(const struct tp_comp_report *r);

/* Every group of the report's hosts, sorted, unique (borrowed strings;
 * the array is the caller's). NULL with *n 0 for none, or on ENOMEM with
 * *n SIZE_MAX. */
const char **tp_rc_groups(const struct tp_comp_report *r, size_t *n);

/* Per host: missing items (tp_rc_missing) by severity, and overdue. */
struct tp_rc_row {
	size_t sev[TP_SEV_CRITICAL + 1];
	size_t overdue;
};
void tp_rc_host_row(const struct tp_comp_host *h, struct tp_rc_row *row);

#endif
