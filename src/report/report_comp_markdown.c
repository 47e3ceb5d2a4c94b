/*
 * report_comp_markdown.c - the compliance report as a merge request
 * comment (GitLab Flavored Markdown; GitHub renders it the same).
 *
 * A heading, one line of totals, the hosts x severity table of what is
 * missing (overdue hosts first, like the terminal table), then a table
 * per host whose fixes are not in place, and the unreachable hosts.
 * Installed fixes are left out: a comment is read, not searched.
 *
 * Every value, ours included, goes through tp_rc_put_text(TP_RC_MD):
 * a '|' from a feed would split a table cell, a backtick or '<' would
 * start code or HTML, an '@' would notify people.
 */
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"

struct md {
	struct tp_buf *out;
	struct tp_err *err;
	int rc;
};

static void raw(struct md *m, const char *s)
{
	if (!m->rc)
		m->rc = tp_buf_puts(m->out, s, m->err);
}

static void esc(struct md *m, const char *s)
{
	if (!m->rc)
		m->rc = tp_rc_put_text(m->out, s && *s ? s : "-", TP_RC_MD,
				       m->err);
}

static void num(struct md *m, size_t n, bool strong)
{
	if (!m->rc)
		m->rc = tp_buf_printf(m->out, m->err, strong && n ?
					      " **%zu** |" : " %zu |", n);
}

static void summary_table(struct md *m, const struct tp_comp_report *r,
			  const size_t *order)
{
	struct tp_rc_row total = { { 0 }, 0 };
	size_t unreachable = 0, i;
	int s;

	raw(m, "| Host | Critical | Important | Moderate | Low | Unknown "
	       "| Overdue | Reachable |\n"
	       "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
	for (i = 0; i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[order[i]];
		struct tp_rc_row row;

		tp_rc_host_row(h, &row);
		raw(m, "| ");
		esc(m, h->name);
		raw(m, " |");
		for (s = TP_SEV_CRITICAL; s >= TP_SEV_UNKNOWN; s--) {
			num(m, row.sev[s], s == TP_SEV_CRITICAL);
			total.sev[s] += row.sev[s];
		}
		num(m, row.overdue, true);
		total.overdue += row.overdue;
		unreachable += !h->reachable;
		raw(m, h->reachable ? " yes |\n" : " **no** |\n");
	}
	raw(m, "| **total** |");
	for (s = TP_SEV_CRITICAL; s >= TP_SEV_UNKNOWN; s--)
		num(m, total.sev[s], s == TP_SEV_CRITICAL);
	num(m, total.overdue, true);
	if (!m->rc)
		m->rc = tp_buf_printf(m->out, m->err, " %zu unreachable |\n",
				      unreachable);
}

static void host_section(struct md *m, const struct tp_comp_host *h)
{
	size_t i;

	raw(m, "\n### ");
	esc(m, h->name);
	raw(m, "\n\n");
	if (!h->reachable) {
		raw(m, "Unreachable: ");
		esc(m, h->error_code ? h->error_code : "error");
		raw(m, ": ");
		esc(m, h->error_message);
		raw(m, "\n\n");
	}
	for (i = 0; i < h->nitems; i++)
		if (tp_rc_fix_absent(h->items[i].state))
			break;
	if (i == h->nitems)
		return;
	raw(m, "| State | Priority | Severity | Advisory | Package "
	       "| Installed → Fixed | Deadline | Note |\n"
	       "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (i = 0; i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];
		bool overdue = it->state == TP_COMP_MISSING_OVERDUE;

		if (!tp_rc_fix_absent(it->state))
			continue;
		raw(m, overdue ? "| **" : "| ");
		esc(m, tp_compliance_name(it->state));
		raw(m, overdue ? "** | " : " | ");
		esc(m, tp_priority_name(it->priority));
		raw(m, " | ");
		esc(m, tp_severity_name(it->severity));
		raw(m, " | ");
		esc(m, it->advisory);
		raw(m, " | ");
		esc(m, it->package);
		raw(m, " | ");
		esc(m, it->installed);
		raw(m, " → ");
		esc(m, it->fixed ? it->fixed : "?");
		raw(m, " | ");
		esc(m, it->deadline);
		raw(m, " | ");
		esc(m, it->note);
		raw(m, " |\n");
	}
}

int tp_report_comp_markdown(struct tp_buf *out,
			    const struct tp_comp_report *r, struct tp_err *err)
{
	struct md m = { out, err, 0 };
	size_t *order = tp_rc_host_order(r);
	size_t overdue = 0, missing = 0, unreachable = 0, i;
	int s;

	if (!order)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (s = TP_SEV_UNKNOWN; s <= TP_SEV_CRITICAL; s++) {
		overdue += r->by_state_severity[TP_COMP_MISSING_OVERDUE][s];
		missing += r->by_state_severity[TP_COMP_MISSING][s];
	}
	for (i = 0; i < r->nhosts; i++)
		unreachable += !r->hosts[i].reachable;
	raw(&m, "## tidepatch compliance report\n\n");
	if (!r->severities_known)
		raw(&m, "> **Warning:** no advisory data loaded: severities "
			"are unknown\n\n");
	raw(&m, "Generated ");
	esc(&m, r->generated_at);
	if (!m.rc)
		m.rc = tp_buf_printf(out, err,
				     " for %zu host%s with %zu advisor%s: "
				     "%zu fix%s missing, %s%zu overdue%s; "
				     "%zu host%s unreachable.\n\n",
				     r->nhosts, r->nhosts == 1 ? "" : "s",
				     r->advisories,
				     r->advisories == 1 ? "y" : "ies",
				     missing + overdue,
				     missing + overdue == 1 ? "" : "es",
				     overdue ? "**" : "", overdue,
				     overdue ? "**" : "",
				     unreachable, unreachable == 1 ? "" : "s");
	summary_table(&m, r, order);
	for (i = 0; i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[order[i]];
		size_t j;

		for (j = 0; j < h->nitems; j++)
			if (tp_rc_fix_absent(h->items[j].state))
				break;
		if (!h->reachable || j < h->nitems)
			host_section(&m, h);
	}
	free(order);
	return m.rc;
}
