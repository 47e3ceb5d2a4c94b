/*
 * report_comp_json.c - the compliance document (schema tidepatch.report/1).
 *
 * A contract with CI pipelines, like the scan document: fields are only
 * ever added, and absent values are null rather than missing keys. Field
 * names are the model's (compliance.h) so the C struct and the document
 * read the same; enums are written by name, never by number, and every
 * name appears in the totals even at zero, so a consumer can index
 * without checking.
 */
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"

/* jansson's *_set_new steals the value; a NULL value makes it fail. */
static int set(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

static json_t *count(size_t n)
{
	return json_integer((json_int_t)n);
}

static json_t *strv(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, tp_rc_json_str(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *item_json(const struct tp_comp_item *it)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (set(o, "advisory", tp_rc_json_str(it->advisory)) ||
	    set(o, "package", tp_rc_json_str(it->package)) ||
	    set(o, "binaries", strv(it->binaries, it->nbinaries)) ||
	    set(o, "installed", tp_rc_json_str(it->installed)) ||
	    set(o, "fixed", tp_rc_json_str(it->fixed)) ||
	    set(o, "summary", tp_rc_json_str(it->summary)) ||
	    set(o, "cves", strv(it->cves, it->ncves)) ||
	    set(o, "severity", json_string(tp_severity_name(it->severity))) ||
	    set(o, "exploited", json_boolean(it->exploited)) ||
	    set(o, "priority", json_string(tp_priority_name(it->priority))) ||
	    set(o, "priority_why", tp_rc_json_str(it->priority_why)) ||
	    set(o, "first_seen", tp_rc_json_str(it->first_seen)) ||
	    set(o, "deadline", tp_rc_json_str(it->deadline)) ||
	    set(o, "state", json_string(tp_compliance_name(it->state))) ||
	    set(o, "note", tp_rc_json_str(it->note))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* { state name: n } for every state. */
static json_t *by_state(const size_t n[TP_COMP_COUNT])
{
	json_t *o = json_object();
	int c;

	for (c = 0; o && c < TP_COMP_COUNT; c++)
		if (set(o, tp_compliance_name((enum tp_compliance)c),
			count(n[c]))) {
			json_decref(o);
			return NULL;
		}
	return o;
}

static json_t *host_json(const struct tp_comp_host *h)
{
	json_t *o = json_object(), *items = json_array();
	size_t i;

	if (!o || !items)
		goto fail;
	for (i = 0; i < h->nitems; i++)
		if (json_array_append_new(items, item_json(&h->items[i])))
			goto fail;
	if (set(o, "name", tp_rc_json_str(h->name)) ||
	    set(o, "scanned_at", tp_rc_json_str(h->scanned_at)) ||
	    set(o, "reachable", json_boolean(h->reachable)) ||
	    set(o, "error_code", tp_rc_json_str(h->error_code)) ||
	    set(o, "error_message", tp_rc_json_str(h->error_message)) ||
	    set(o, "ecosystem", tp_rc_json_str(h->ecosystem)) ||
	    set(o, "criticality",
		json_string(tp_criticality_name(h->criticality))) ||
	    set(o, "exposure", json_string(tp_exposure_name(h->exposure))) ||
	    set(o, "groups", strv(h->groups, h->ngroups)) ||
	    set(o, "reboot_required", json_boolean(h->reboot_required)) ||
	    set(o, "count", by_state(h->count)))
		goto fail;
	if (set(o, "items", items))
		goto fail_o;
	return o;
fail:
	json_decref(items);
fail_o:
	json_decref(o);
	return NULL;
}

/* { group: { state: n } } over every group of the hosts. */
static json_t *by_group(const struct tp_comp_report *r)
{
	json_t *o = json_object();
	size_t n, i;
	const char **g = tp_rc_groups(r, &n);

	if (n == SIZE_MAX) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; o && i < n; i++) {
		size_t c[TP_COMP_COUNT];

		tp_comp_count_group(r, g[i], c);
		if (set(o, g[i], by_state(c))) {
			json_decref(o);
			o = NULL;
		}
	}
	free(g);
	return o;
}

static json_t *totals_json(const struct tp_comp_report *r)
{
	json_t *t = json_object(), *bss = json_object(), *mbp = json_object();
	size_t unreachable = 0, i;
	int c, s, rc;

	if (!t || !bss || !mbp)
		goto fail;
	for (c = 0; c < TP_COMP_COUNT; c++) {
		json_t *row = json_object();

		if (set(bss, tp_compliance_name((enum tp_compliance)c), row))
			goto fail;
		for (s = TP_SEV_UNKNOWN; s <= TP_SEV_CRITICAL; s++)
			if (set(row, tp_severity_name((enum tp_severity)s),
				count(r->by_state_severity[c][s])))
				goto fail;
	}
	for (c = 0; c < TP_PRIO_COUNT; c++)
		if (set(mbp, tp_priority_name((enum tp_priority)c),
			count(r->missing_by_priority[c])))
			goto fail;
	for (i = 0; i < r->nhosts; i++)
		unreachable += !r->hosts[i].reachable;
	if (set(t, "hosts", count(r->nhosts)) ||
	    set(t, "unreachable_hosts", count(unreachable)))
		goto fail;
	/* set() owns the value whether it succeeds or not */
	rc = set(t, "by_state_severity", bss);
	bss = NULL;
	if (rc)
		goto fail;
	rc = set(t, "missing_by_priority", mbp);
	mbp = NULL;
	if (rc || set(t, "by_group", by_group(r)))
		goto fail;
	return t;
fail:
	json_decref(mbp);
	json_decref(bss);
	json_decref(t);
	return NULL;
}

int tp_report_comp_json(struct tp_buf *out, const struct tp_comp_report *r,
			struct tp_err *err)
{
	json_t *doc = NULL, *hosts = NULL;
	char *text = NULL;
	size_t i;
	int rc;

	doc = json_object();
	hosts = json_array();
	if (!doc || !hosts)
		goto nomem;
	for (i = 0; i < r->nhosts; i++)
		if (json_array_append_new(hosts, host_json(&r->hosts[i])))
			goto nomem;
	if (set(doc, "schema", json_string(TP_REPORT_SCHEMA)) ||
	    set(doc, "tidepatch_version", json_string(TP_VERSION)) ||
	    set(doc, "generated_at", tp_rc_json_str(r->generated_at)) ||
	    set(doc, "severities_known", json_boolean(r->severities_known)) ||
	    set(doc, "advisories", count(r->advisories)) ||
	    set(doc, "totals", totals_json(r)))
		goto nomem;
	rc = set(doc, "hosts", hosts);
	hosts = NULL; /* ownership moved, or released on failure */
	if (rc)
		goto nomem;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		return tp_err_set(err, TP_ENOMEM,
				  "out of memory writing the compliance report");
	rc = tp_buf_puts(out, text, err);
	if (!rc)
		rc = tp_buf_puts(out, "\n", err);
	free(text);
	return rc;
nomem:
	json_decref(hosts);
	json_decref(doc);
	return tp_err_set(err, TP_ENOMEM,
			  "out of memory building the compliance report");
}
