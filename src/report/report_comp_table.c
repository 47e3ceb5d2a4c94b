/*
 * report_comp_table.c - the compliance report for people.
 *
 * First what needs doing: a matrix of hosts by severity of what is
 * missing, hosts with overdue fixes on top; then each host's items in
 * the model's order (overdue first, installed last). Versions are never
 * shortened; columns are as wide as their widest cell.
 *
 * Everything printed that came from a host or a feed goes through
 * tp_rc_put_text(TP_RC_TERM): this is the one format written straight
 * to a terminal, where a control byte is an escape sequence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"
#include "tidepatch/report.h"

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_RESET "\033[0m"

static const char *const SEV_HEAD[] = { "UNKNOWN", "LOW", "MODERATE",
					"IMPORTANT", "CRITICAL" };

struct tbl {
	struct tp_buf *out;
	bool color;
	struct tp_err *err;
};

static int paint(struct tbl *t, const char *code)
{
	return t->color && code ? tp_buf_puts(t->out, code, t->err) : 0;
}

static int pad(struct tbl *t, size_t n)
{
	int rc = 0;

	while (n-- && !rc)
		rc = tp_buf_puts(t->out, " ", t->err);
	return rc;
}

/* s (hostile; NULL as "-") in colour code, padded to width on the left
 * (right-aligned) or right; width 0: no padding. */
static int cell(struct tbl *t, const char *s, size_t width, bool right,
		const char *code)
{
	size_t w;
	int rc = 0;

	s = s && *s ? s : "-";
	w = tp_rc_term_width(s);
	if (right && w < width)
		rc = pad(t, width - w);
	if (!rc)
		rc = paint(t, code);
	if (!rc)
		rc = tp_rc_put_text(t->out, s, TP_RC_TERM, t->err);
	if (!rc && code)
		rc = paint(t, C_RESET);
	if (!rc && !right && w < width)
		rc = pad(t, width - w);
	return rc;
}

static int num(struct tbl *t, size_t n, size_t width, const char *code)
{
	char s[32];

	snprintf(s, sizeof(s), "%zu", n);
	return cell(t, s, width, true, n ? code : NULL);
}

static size_t widest(size_t w, const char *s)
{
	size_t n = tp_rc_term_width(s && *s ? s : "-");

	return n > w ? n : w;
}

static int matrix(struct tbl *t, const struct tp_comp_report *r,
		  const size_t *order)
{
	struct tp_rc_row total = { { 0 }, 0 };
	size_t wh = 5, unreachable = 0, i;
	int s, rc;

	for (i = 0; i < r->nhosts; i++)
		wh = widest(wh, r->hosts[i].name);
	rc = paint(t, C_BOLD);
	if (!rc)
		rc = cell(t, "HOST", wh, false, NULL);
	for (s = TP_SEV_CRITICAL; !rc && s >= TP_SEV_UNKNOWN; s--)
		rc = tp_buf_printf(t->out, t->err, "  %s", SEV_HEAD[s]);
	if (!rc)
		rc = tp_buf_puts(t->out, "  OVERDUE  UNREACHABLE", t->err);
	if (!rc)
		rc = paint(t, C_RESET);
	if (!rc)
		rc = tp_buf_puts(t->out, "\n", t->err);
	for (i = 0; !rc && i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[order[i]];
		struct tp_rc_row row;

		tp_rc_host_row(h, &row);
		rc = cell(t, h->name, wh, false, NULL);
		for (s = TP_SEV_CRITICAL; !rc && s >= TP_SEV_UNKNOWN; s--) {
			total.sev[s] += row.sev[s];
			rc = tp_buf_puts(t->out, "  ", t->err);
			if (!rc)
				rc = num(t, row.sev[s], strlen(SEV_HEAD[s]),
					 s == TP_SEV_CRITICAL ? C_RED : NULL);
		}
		total.overdue += row.overdue;
		unreachable += !h->reachable;
		if (!rc)
			rc = tp_buf_puts(t->out, "  ", t->err);
		if (!rc)
			rc = num(t, row.overdue, 7, C_RED);
		if (!rc)
			rc = tp_buf_puts(t->out, "  ", t->err);
		if (!rc)
			rc = h->reachable ? cell(t, "-", 0, false, NULL) :
					    cell(t, "yes", 0, false, C_YELLOW);
		if (!rc)
			rc = tp_buf_puts(t->out, "\n", t->err);
	}
	if (!rc)
		rc = cell(t, "total", wh, false, C_BOLD);
	for (s = TP_SEV_CRITICAL; !rc && s >= TP_SEV_UNKNOWN; s--) {
		rc = tp_buf_puts(t->out, "  ", t->err);
		if (!rc)
			rc = num(t, total.sev[s], strlen(SEV_HEAD[s]),
				 s == TP_SEV_CRITICAL ? C_RED : NULL);
	}
	if (!rc)
		rc = tp_buf_puts(t->out, "  ", t->err);
	if (!rc)
		rc = num(t, total.overdue, 7, C_RED);
	if (!rc)
		rc = tp_buf_printf(t->out, t->err, "  %zu\n", unreachable);
	return rc;
}

static const char *state_color(enum tp_compliance c)
{
	switch (c) {
	case TP_COMP_MISSING_OVERDUE:
	case TP_COMP_FAILED:
	case TP_COMP_ROLLED_BACK:
		return C_RED;
	case TP_COMP_MISSING:
	case TP_COMP_INSTALLED_PENDING_REBOOT:
	case TP_COMP_UNREACHABLE:
		return C_YELLOW;
	case TP_COMP_INSTALLED:
		return C_GREEN;
	default:
		return NULL;
	}
}

/* "installed -> fixed" with "?" for an unknown fixed version; malloc'd. */
static char *versions(const struct tp_comp_item *it)
{
	const char *a = it->installed && *it->installed ? it->installed : "-";
	const char *b = it->fixed && *it->fixed ? it->fixed : "?";
	size_t n = strlen(a) + strlen(b) + 5;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s -> %s", a, b);
	return s;
}

static int host_head(struct tbl *t, const struct tp_comp_host *h)
{
	int rc = cell(t, h->name, 0, false, C_BOLD);

	if (!rc && !h->reachable) {
		rc = tp_buf_puts(t->out, "  ", t->err);
		if (!rc)
			rc = cell(t, "unreachable", 0, false, C_YELLOW);
		if (!rc && (h->error_code || h->error_message))
			rc = tp_buf_puts(t->out, ": ", t->err);
		if (!rc && h->error_code)
			rc = tp_rc_put_text(t->out, h->error_code, TP_RC_TERM,
					    t->err);
		if (!rc && h->error_code && h->error_message)
			rc = tp_buf_puts(t->out, ": ", t->err);
		if (!rc && h->error_message)
			rc = tp_rc_put_text(t->out, h->error_message,
					    TP_RC_TERM, t->err);
	}
	if (!rc)
		rc = tp_buf_puts(t->out, "  [", t->err);
	if (!rc)
		rc = tp_rc_put_text(t->out, h->ecosystem ? h->ecosystem :
					    "no OSV ecosystem", TP_RC_TERM,
				    t->err);
	if (!rc)
		rc = tp_buf_printf(t->out, t->err,
				   ", criticality %s, exposure %s]",
				   tp_criticality_name(h->criticality),
				   tp_exposure_name(h->exposure));
	if (!rc && h->reboot_required)
		rc = tp_buf_puts(t->out, "  reboot required", t->err);
	if (!rc)
		rc = tp_buf_puts(t->out, "\n", t->err);
	return rc;
}

enum { COL_STATE, COL_PRIO, COL_SEV, COL_ADV, COL_PKG, COL_VER, COL_DEADLINE,
       COL_NOTE, NCOL };

static const char *const ITEM_HEAD[NCOL] = {
	"STATE", "PRIORITY", "SEVERITY", "ADVISORY", "PACKAGE",
	"INSTALLED -> FIXED", "DEADLINE", "NOTE",
};

static int host_items(struct tbl *t, const struct tp_comp_host *h)
{
	size_t w[NCOL], i, c;
	char **ver = NULL;
	int rc = 0;

	if (!h->nitems)
		return h->reachable ?
			tp_buf_puts(t->out, "  no security fixes known\n",
				    t->err) : 0;
	ver = calloc(h->nitems, sizeof(*ver));
	if (!ver)
		return tp_err_set(t->err, TP_ENOMEM, "out of memory");
	for (c = 0; c < NCOL; c++)
		w[c] = strlen(ITEM_HEAD[c]);
	for (i = 0; i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];

		if (!(ver[i] = versions(it))) {
			rc = tp_err_set(t->err, TP_ENOMEM, "out of memory");
			goto out;
		}
		w[COL_STATE] = widest(w[COL_STATE],
				      tp_compliance_name(it->state));
		w[COL_PRIO] = widest(w[COL_PRIO], tp_priority_name(it->priority));
		w[COL_SEV] = widest(w[COL_SEV], tp_severity_name(it->severity));
		w[COL_ADV] = widest(w[COL_ADV], it->advisory);
		w[COL_PKG] = widest(w[COL_PKG], it->package);
		w[COL_VER] = widest(w[COL_VER], ver[i]);
		w[COL_DEADLINE] = widest(w[COL_DEADLINE], it->deadline);
	}
	rc = tp_buf_puts(t->out, "  ", t->err);
	for (c = 0; !rc && c < NCOL; c++) {
		rc = cell(t, ITEM_HEAD[c], c + 1 < NCOL ? w[c] : 0, false,
			  C_BOLD);
		if (!rc)
			rc = tp_buf_puts(t->out, c + 1 < NCOL ? "  " : "\n",
					 t->err);
	}
	for (i = 0; !rc && i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];
		const char *v[NCOL] = {
			tp_compliance_name(it->state),
			tp_priority_name(it->priority),
			tp_severity_name(it->severity),
			it->advisory, it->package, ver[i], it->deadline,
			it->note,
		};

		rc = tp_buf_puts(t->out, "  ", t->err);
		for (c = 0; !rc && c < NCOL; c++) {
			const char *code = NULL;

			if (c == COL_STATE)
				code = state_color(it->state);
			else if (c == COL_SEV && it->severity == TP_SEV_CRITICAL)
				code = C_RED;
			rc = cell(t, v[c], c + 1 < NCOL ? w[c] : 0, false,
				  code);
			if (!rc)
				rc = tp_buf_puts(t->out,
						 c + 1 < NCOL ? "  " : "\n",
						 t->err);
		}
	}
out:
	for (i = 0; i < h->nitems; i++)
		free(ver[i]);
	free(ver);
	return rc;
}

/* Per group: what is missing, overdue, in place, excluded. */
static int groups(struct tbl *t, const struct tp_comp_report *r)
{
	size_t n, i, w = 5;
	const char **g = tp_rc_groups(r, &n);
	int rc;

	if (n == SIZE_MAX)
		return tp_err_set(t->err, TP_ENOMEM, "out of memory");
	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		w = widest(w, g[i]);
	rc = tp_buf_printf(t->out, t->err, "\n%-*s  %7s  %7s  %9s  %8s\n",
			   (int)w, "GROUP", "MISSING", "OVERDUE", "INSTALLED",
			   "EXCLUDED");
	for (i = 0; !rc && i < n; i++) {
		size_t c[TP_COMP_COUNT];

		tp_comp_count_group(r, g[i], c);
		rc = cell(t, g[i], w, false, NULL);
		if (!rc)
			rc = tp_buf_printf(t->out, t->err,
					   "  %7zu  %7zu  %9zu  %8zu\n",
					   c[TP_COMP_MISSING] +
						   c[TP_COMP_MISSING_OVERDUE],
					   c[TP_COMP_MISSING_OVERDUE],
					   c[TP_COMP_INSTALLED] +
						   c[TP_COMP_INSTALLED_PENDING_REBOOT],
					   c[TP_COMP_EXCLUDED]);
	}
	free(g);
	return rc;
}

int tp_report_comp_table(struct tp_buf *out, const struct tp_comp_report *r,
			 const struct tp_table_style *style, struct tp_err *err)
{
	struct tbl t = { out, style && style->color, err };
	size_t *order = NULL, i;
	int rc = 0;

	order = tp_rc_host_order(r);
	if (!order)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (!r->severities_known)
		rc = tp_buf_puts(out,
				 "no advisory data loaded: severities are unknown\n",
				 err);
	if (!rc)
		rc = tp_buf_puts(out, "compliance at ", err);
	if (!rc)
		rc = tp_rc_put_text(out, r->generated_at ? r->generated_at :
					 "?", TP_RC_TERM, err);
	if (!rc)
		rc = tp_buf_printf(out, err,
				   ": %zu host%s, %zu advisor%s loaded\n\n",
				   r->nhosts, r->nhosts == 1 ? "" : "s",
				   r->advisories,
				   r->advisories == 1 ? "y" : "ies");
	if (!rc)
		rc = matrix(&t, r, order);
	if (!rc)
		rc = groups(&t, r);
	for (i = 0; !rc && i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[order[i]];

		rc = tp_buf_puts(out, "\n", err);
		if (!rc)
			rc = host_head(&t, h);
		if (!rc)
			rc = host_items(&t, h);
	}
	free(order);
	return rc;
}
