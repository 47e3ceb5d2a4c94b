/*
 * report_comp_junit.c - the compliance report as JUnit XML, the shape
 * GitLab (artifacts:reports:junit) and Jenkins (junit, xunit) read.
 *
 * <testsuites> holds a <testsuite> per host (name = host), which holds a
 * <testcase> per item (classname = host, name = "ADVISORY package", or
 * "security update package" without an advisory). Outcomes:
 * - <failure> when the fix is not in place: missing, missing_overdue,
 *   failed, rolled_back (type = the state);
 * - <error> for an unreachable item, and for an unreachable host: one
 *   testcase named "scan" (it has no items to report);
 * - <skipped> for excluded and not_applicable, with the reason;
 * - passing for installed and installed_pending_reboot.
 * <testsuites> carries no "skipped" attribute: the Jenkins schema (and
 * the Ant one) has none there.
 *
 * Every string is escaped by tp_rc_put_text (XML 1.0: entities, and the
 * characters XML forbids replaced), because every one is hostile.
 */
#include <string.h>

#include "report_comp_int.h"

struct counts {
	size_t tests, failures, errors, skipped;
};

enum outcome { PASS, FAIL, ERROR, SKIP };

static enum outcome outcome(enum tp_compliance state)
{
	if (tp_rc_fix_absent(state))
		return FAIL;
	switch (state) {
	case TP_COMP_UNREACHABLE:
		return ERROR;
	case TP_COMP_EXCLUDED:
	case TP_COMP_NOT_APPLICABLE:
		return SKIP;
	default:
		return PASS;
	}
}

static void host_counts(const struct tp_comp_host *h, struct counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!h->reachable && !h->nitems) {
		c->tests = c->errors = 1;
		return;
	}
	for (i = 0; i < h->nitems; i++) {
		c->tests++;
		switch (outcome(h->items[i].state)) {
		case FAIL: c->failures++; break;
		case ERROR: c->errors++; break;
		case SKIP: c->skipped++; break;
		case PASS: break;
		}
	}
}

struct xw {
	struct tp_buf *out;
	struct tp_err *err;
	int rc;
};

/* Literal markup; the writer stops at the first error. */
static void raw(struct xw *w, const char *s)
{
	if (!w->rc)
		w->rc = tp_buf_puts(w->out, s, w->err);
}

static void attr(struct xw *w, const char *s)
{
	if (!w->rc)
		w->rc = tp_rc_put_text(w->out, s, TP_RC_XML_ATTR, w->err);
}

static void text(struct xw *w, const char *s)
{
	if (!w->rc)
		w->rc = tp_rc_put_text(w->out, s, TP_RC_XML_TEXT, w->err);
}

static void counts_attrs(struct xw *w, const struct counts *c, bool skipped)
{
	if (!w->rc)
		w->rc = tp_buf_printf(w->out, w->err,
				      " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
				      c->tests, c->failures, c->errors);
	if (!w->rc && skipped)
		w->rc = tp_buf_printf(w->out, w->err, " skipped=\"%zu\"",
				      c->skipped);
}

static void nz_attr(struct xw *w, const char *s, const char *dflt)
{
	attr(w, s && *s ? s : dflt);
}

/* "critical severity, emergency priority, deadline D, pkg 1.0 -> 1.1" */
static void failure_message(struct xw *w, const struct tp_comp_item *it)
{
	raw(w, tp_severity_name(it->severity));
	raw(w, " severity, ");
	raw(w, tp_priority_name(it->priority));
	raw(w, " priority, ");
	raw(w, it->state == TP_COMP_MISSING_OVERDUE ? "overdue since " :
						      "deadline ");
	nz_attr(w, it->deadline, "unknown");
	raw(w, ", ");
	nz_attr(w, it->package, "?");
	raw(w, " ");
	nz_attr(w, it->installed, "?");
	raw(w, " -> ");
	nz_attr(w, it->fixed, "?");
}

/* The body: what a reader of the CI page wants next to the failure. */
static void details(struct xw *w, const struct tp_comp_item *it)
{
	size_t i;

	if (it->summary) {
		text(w, it->summary);
		raw(w, "\n");
	}
	if (it->ncves) {
		raw(w, "CVEs:");
		for (i = 0; i < it->ncves; i++) {
			raw(w, " ");
			text(w, it->cves[i]);
		}
		raw(w, "\n");
	}
	if (it->exploited)
		raw(w, "known to be exploited\n");
	if (it->priority_why) {
		raw(w, "priority: ");
		text(w, it->priority_why);
		raw(w, "\n");
	}
	if (it->first_seen) {
		raw(w, "first seen missing: ");
		text(w, it->first_seen);
		raw(w, "\n");
	}
	if (it->note) {
		raw(w, "note: ");
		text(w, it->note);
		raw(w, "\n");
	}
}

static void testcase(struct xw *w, const struct tp_comp_host *h,
		     const struct tp_comp_item *it)
{
	enum outcome o = outcome(it->state);

	raw(w, "    <testcase classname=\"");
	nz_attr(w, h->name, "?");
	raw(w, "\" name=\"");
	if (it->advisory) {
		attr(w, it->advisory);
		raw(w, " ");
	} else {
		raw(w, "security update ");
	}
	nz_attr(w, it->package, "?");
	raw(w, "\"");
	if (o == PASS && it->state != TP_COMP_INSTALLED_PENDING_REBOOT) {
		raw(w, "/>\n");
		return;
	}
	raw(w, ">\n");
	switch (o) {
	case FAIL:
		raw(w, "      <failure type=\"");
		raw(w, tp_compliance_name(it->state));
		raw(w, "\" message=\"");
		failure_message(w, it);
		raw(w, "\">");
		details(w, it);
		raw(w, "</failure>\n");
		break;
	case ERROR:
		raw(w, "      <error type=\"unreachable\" message=\"");
		raw(w, "host unreachable: state of ");
		nz_attr(w, it->package, "?");
		raw(w, " unknown\"/>\n");
		break;
	case SKIP:
		raw(w, "      <skipped message=\"");
		raw(w, tp_compliance_name(it->state));
		if (it->note) {
			raw(w, ": ");
			attr(w, it->note);
		}
		raw(w, "\"/>\n");
		break;
	case PASS:
		raw(w, "      <system-out>installed, reboot pending</system-out>\n");
		break;
	}
	raw(w, "    </testcase>\n");
}

static void unreachable_case(struct xw *w, const struct tp_comp_host *h)
{
	raw(w, "    <testcase classname=\"");
	nz_attr(w, h->name, "?");
	raw(w, "\" name=\"scan\">\n      <error type=\"");
	nz_attr(w, h->error_code, "unreachable");
	raw(w, "\" message=\"");
	nz_attr(w, h->error_message, "host unreachable");
	raw(w, "\">");
	if (h->scanned_at) {
		raw(w, "last successful scan: ");
		text(w, h->scanned_at);
	} else {
		raw(w, "never scanned");
	}
	raw(w, "</error>\n    </testcase>\n");
}

static void property(struct xw *w, const char *name, const char *value)
{
	if (!value)
		return;
	raw(w, "      <property name=\"");
	raw(w, name);
	raw(w, "\" value=\"");
	attr(w, value);
	raw(w, "\"/>\n");
}

/* No "timestamp" attribute: readers disagree on its format (Ant wants
 * no zone, we have RFC 3339 UTC); a property is read by none and shown
 * by Jenkins. */
static void host_properties(struct xw *w, const struct tp_comp_host *h)
{
	raw(w, "    <properties>\n");
	property(w, "scanned_at", h->scanned_at);
	property(w, "ecosystem", h->ecosystem);
	property(w, "criticality", tp_criticality_name(h->criticality));
	property(w, "exposure", tp_exposure_name(h->exposure));
	property(w, "reboot_required", h->reboot_required ? "true" : "false");
	raw(w, "    </properties>\n");
}

int tp_report_comp_junit(struct tp_buf *out, const struct tp_comp_report *r,
			 struct tp_err *err)
{
	struct xw w = { out, err, 0 };
	struct counts all = { 0, 0, 0, 0 };
	size_t i, j;

	for (i = 0; i < r->nhosts; i++) {
		struct counts c;

		host_counts(&r->hosts[i], &c);
		all.tests += c.tests;
		all.failures += c.failures;
		all.errors += c.errors;
		all.skipped += c.skipped;
	}
	raw(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	raw(&w, "<testsuites name=\"tidepatch compliance\"");
	counts_attrs(&w, &all, false);
	raw(&w, ">\n");
	for (i = 0; i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[i];
		struct counts c;

		host_counts(h, &c);
		raw(&w, "  <testsuite name=\"");
		nz_attr(&w, h->name, "?");
		raw(&w, "\"");
		counts_attrs(&w, &c, true);
		raw(&w, ">\n");
		host_properties(&w, h);
		if (!h->reachable && !h->nitems)
			unreachable_case(&w, h);
		for (j = 0; j < h->nitems; j++)
			testcase(&w, h, &h->items[j]);
		raw(&w, "  </testsuite>\n");
	}
	raw(&w, "</testsuites>\n");
	return w.rc;
}
