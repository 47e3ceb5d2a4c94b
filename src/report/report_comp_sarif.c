/*
 * report_comp_sarif.c - the compliance report as SARIF 2.1.0 (OASIS),
 * for code-scanning dashboards.
 *
 * One run; tool.driver "tidepatch" with a rule per advisory that has a
 * result (sorted by id; fixes no advisory names share one rule,
 * SECURITY_UPDATE_RULE), and a result per host and fix not in place
 * (missing, missing_overdue, failed, rolled_back): level "error" when
 * overdue or critical, "warning" otherwise. SARIF is built for source
 * files; a host is no file, so a result's location is a logical one
 * (name = host, kind "module": the unit that contains the flaw), and
 * partialFingerprints make one host's one fix the same result across
 * runs. Unreachable hosts have no results: they are tool execution
 * notifications of the invocation, which is then not successful.
 *
 * Validated in the tests against the OASIS schema (errata 01).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define SECURITY_UPDATE_RULE "tidepatch/security-update"
#define NO_SEVERITIES "no advisory data loaded: severities are unknown"

static int set(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

static const char *rule_id(const struct tp_comp_item *it)
{
	return it->advisory ? it->advisory : SECURITY_UPDATE_RULE;
}

/* Only an id of the CVE form goes into a URI: it comes from a feed. */
static bool cve_id_ok(const char *s)
{
	size_t i, digits = 0;

	if (strncmp(s, "CVE-", 4))
		return false;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (s[8] != '-')
		return false;
	for (i = 9; s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	return !s[i] && digits >= 4 && digits <= 19;
}

/* GitHub code scanning reads "security-severity" (CVSS-like) to rank. */
static const char *security_severity(enum tp_severity s)
{
	switch (s) {
	case TP_SEV_CRITICAL: return "9.5";
	case TP_SEV_IMPORTANT: return "8.0";
	case TP_SEV_MODERATE: return "5.5";
	case TP_SEV_LOW: return "2.0";
	default: return NULL;
	}
}

static json_t *text_msg(const char *s)
{
	json_t *t = tp_rc_json_str(s);

	if (!t)
		return NULL;
	return json_pack("{s:o}", "text", t);
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

static int cmp_items(const void *a, const void *b)
{
	const struct tp_comp_item *x = *(const struct tp_comp_item *const *)a;
	const struct tp_comp_item *y = *(const struct tp_comp_item *const *)b;

	return strcmp(rule_id(x), rule_id(y));
}

/* One rule: the first item of the advisory gives the text, the worst
 * severity among its items the rank. */
static json_t *rule_json(const struct tp_comp_item *const *v, size_t n)
{
	const struct tp_comp_item *it = v[0];
	enum tp_severity sev = TP_SEV_UNKNOWN;
	const char *summary = NULL, *ss, *cve = NULL;
	json_t *rule = NULL, *props = NULL;
	char *desc = NULL, uri[96];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (v[i]->severity > sev)
			sev = v[i]->severity;
		if (!summary && v[i]->summary && *v[i]->summary)
			summary = v[i]->summary;
	}
	if (!summary && !it->advisory)
		summary = "security update that no loaded advisory names";
	if (!summary) {
		size_t len = strlen(it->advisory) + sizeof("security advisory ");

		if (!(desc = malloc(len)))
			return NULL;
		snprintf(desc, len, "security advisory %s", it->advisory);
		summary = desc;
	}
	for (i = 0; !cve && i < it->ncves; i++)
		if (it->cves[i] && cve_id_ok(it->cves[i]))
			cve = it->cves[i];
	rule = json_object();
	props = json_object();
	if (!rule || !props ||
	    set(props, "severity", json_string(tp_severity_name(sev))) ||
	    set(props, "cves", strv(it->cves, it->ncves)) ||
	    set(props, "tags", json_pack("[s]", "security")))
		goto fail;
	if ((ss = security_severity(sev)) &&
	    set(props, "security-severity", json_string(ss)))
		goto fail;
	if (set(rule, "id", tp_rc_json_str(rule_id(it))) ||
	    set(rule, "shortDescription", text_msg(summary)))
		goto fail;
	if (cve) {
		snprintf(uri, sizeof(uri), "https://www.cve.org/CVERecord?id=%s",
			 cve);
		if (set(rule, "helpUri", json_string(uri)))
			goto fail;
	}
	if (set(rule, "defaultConfiguration",
		json_pack("{s:s}", "level",
			  sev == TP_SEV_CRITICAL ? "error" : "warning")))
		goto fail;
	rc = set(rule, "properties", props);
	props = NULL; /* set() owns it either way */
	if (rc)
		goto fail;
	free(desc);
	return rule;
fail:
	json_decref(props);
	json_decref(rule);
	free(desc);
	return NULL;
}

/* "web1: openssl 3.0.11-1 lacks the fix 3.0.13-1 (DSA-5678-1; critical,
 * emergency priority, overdue since D)" */
static char *message(const struct tp_comp_host *h,
		     const struct tp_comp_item *it)
{
	struct tp_buf b;
	int rc;

	tp_buf_init(&b, 1 << 20);
	rc = tp_buf_printf(&b, NULL, "%s: %s %s %s the fix %s (%s; %s, %s "
			   "priority, %s %s)",
			   h->name ? h->name : "?",
			   it->package ? it->package : "?",
			   it->installed ? it->installed : "?",
			   it->state == TP_COMP_FAILED ? "failed to install" :
			   it->state == TP_COMP_ROLLED_BACK ? "rolled back" :
			   "lacks",
			   it->fixed ? it->fixed : "(version unknown)",
			   it->advisory ? it->advisory : "no advisory",
			   tp_severity_name(it->severity),
			   tp_priority_name(it->priority),
			   it->state == TP_COMP_MISSING_OVERDUE ?
				   "overdue since" : "deadline",
			   it->deadline ? it->deadline : "unknown");
	if (rc) {
		tp_buf_release(&b);
		return NULL;
	}
	return tp_buf_detach(&b);
}

static json_t *result_json(const struct tp_comp_host *h,
			   const struct tp_comp_item *it, size_t rule_index)
{
	bool error = it->state == TP_COMP_MISSING_OVERDUE ||
		     it->severity == TP_SEV_CRITICAL;
	char *msg = message(h, it);
	json_t *res = NULL, *props = NULL, *fp = NULL, *loc = NULL;
	struct tp_buf key;

	tp_buf_init(&key, 1 << 20);
	if (!msg ||
	    tp_buf_printf(&key, NULL, "%s/%s/%s", h->name ? h->name : "",
			  rule_id(it), it->package ? it->package : ""))
		goto out;
	fp = json_object();
	if (!fp || set(fp, "tidepatchFix/v1", tp_rc_json_str(key.data)))
		goto out;
	loc = json_pack("[{s:[{s:o, s:o, s:s}]}]", "logicalLocations", "name",
			tp_rc_json_str(h->name ? h->name : "?"),
			"fullyQualifiedName",
			tp_rc_json_str(h->name ? h->name : "?"), "kind",
			"module");
	props = json_object();
	if (!loc || !props ||
	    set(props, "host", tp_rc_json_str(h->name)) ||
	    set(props, "package", tp_rc_json_str(it->package)) ||
	    set(props, "binaries", strv(it->binaries, it->nbinaries)) ||
	    set(props, "installed", tp_rc_json_str(it->installed)) ||
	    set(props, "fixed", tp_rc_json_str(it->fixed)) ||
	    set(props, "severity", json_string(tp_severity_name(it->severity))) ||
	    set(props, "exploited", json_boolean(it->exploited)) ||
	    set(props, "priority", json_string(tp_priority_name(it->priority))) ||
	    set(props, "priority_why", tp_rc_json_str(it->priority_why)) ||
	    set(props, "first_seen", tp_rc_json_str(it->first_seen)) ||
	    set(props, "deadline", tp_rc_json_str(it->deadline)) ||
	    set(props, "state", json_string(tp_compliance_name(it->state))) ||
	    set(props, "cves", strv(it->cves, it->ncves)) ||
	    set(props, "note", tp_rc_json_str(it->note)))
		goto out;
	res = json_pack("{s:o, s:I, s:s, s:s, s:o, s:o, s:o, s:o}",
			"ruleId", tp_rc_json_str(rule_id(it)),
			"ruleIndex", (json_int_t)rule_index,
			"kind", "fail",
			"level", error ? "error" : "warning",
			"message", text_msg(msg),
			"locations", loc,
			"partialFingerprints", fp,
			"properties", props);
	loc = fp = props = NULL; /* "o" steals, even when packing fails */
out:
	json_decref(loc);
	json_decref(fp);
	json_decref(props);
	tp_buf_release(&key);
	free(msg);
	return res;
}

static json_t *invocation_json(const struct tp_comp_report *r)
{
	json_t *notes = json_array(), *inv;
	bool ok = true;
	size_t i;

	if (!notes)
		return NULL;
	if (!r->severities_known &&
	    json_array_append_new(notes, json_pack("{s:s, s:o}", "level",
						   "warning", "message",
						   text_msg(NO_SEVERITIES))))
		goto fail;
	for (i = 0; i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[i];
		struct tp_buf b;
		json_t *n;

		if (h->reachable)
			continue;
		ok = false;
		tp_buf_init(&b, 1 << 20);
		if (tp_buf_printf(&b, NULL, "%s: unreachable: %s%s%s",
				  h->name ? h->name : "?",
				  h->error_code ? h->error_code : "",
				  h->error_code && h->error_message ? ": " : "",
				  h->error_message ? h->error_message : "")) {
			tp_buf_release(&b);
			goto fail;
		}
		n = json_pack("{s:s, s:o}", "level", "error", "message",
			      text_msg(b.data));
		tp_buf_release(&b);
		if (json_array_append_new(notes, n))
			goto fail;
	}
	inv = json_pack("{s:b, s:o}", "executionSuccessful", ok,
			"toolExecutionNotifications", notes);
	return inv;
fail:
	json_decref(notes);
	return NULL;
}

int tp_report_comp_sarif(struct tp_buf *out, const struct tp_comp_report *r,
			 struct tp_err *err)
{
	const struct tp_comp_item **v = NULL;
	json_t *doc = NULL, *rules = NULL, *results = NULL, *run = NULL;
	size_t n = 0, nrules = 0, i, j, k;
	char **rule_ids = NULL, *text = NULL;
	int rc = 0;

	for (i = 0; i < r->nhosts; i++)
		for (j = 0; j < r->hosts[i].nitems; j++)
			n += tp_rc_fix_absent(r->hosts[i].items[j].state);
	v = calloc(n ? n : 1, sizeof(*v));
	rule_ids = calloc(n ? n : 1, sizeof(*rule_ids));
	rules = json_array();
	results = json_array();
	if (!v || !rule_ids || !rules || !results)
		goto nomem;
	n = 0;
	for (i = 0; i < r->nhosts; i++)
		for (j = 0; j < r->hosts[i].nitems; j++)
			if (tp_rc_fix_absent(r->hosts[i].items[j].state))
				v[n++] = &r->hosts[i].items[j];
	qsort(v, n, sizeof(*v), cmp_items);
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && !cmp_items(&v[i], &v[k]); k++)
			;
		rule_ids[nrules++] = (char *)rule_id(v[i]);
		if (json_array_append_new(rules, rule_json(&v[i], k - i)))
			goto nomem;
	}
	for (i = 0; i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[i];

		for (j = 0; j < h->nitems; j++) {
			const struct tp_comp_item *it = &h->items[j];
			size_t lo = 0, hi = nrules;

			if (!tp_rc_fix_absent(it->state))
				continue;
			/* rule_ids is sorted: binary search for the index */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (strcmp(rule_ids[mid], rule_id(it)) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (json_array_append_new(results,
						  result_json(h, it, lo)))
				goto nomem;
		}
	}
	run = json_pack("{s:{s:{s:s, s:s, s:o}}, s:[o], s:o, s:{s:o, s:b, s:I}}",
			"tool", "driver", "name", "tidepatch", "version",
			TP_VERSION, "rules", rules,
			"invocations", invocation_json(r),
			"results", results,
			"properties", "generated_at",
			tp_rc_json_str(r->generated_at), "severities_known",
			r->severities_known, "advisories",
			(json_int_t)r->advisories);
	rules = results = NULL; /* stolen by "o" */
	if (!run)
		goto nomem;
	doc = json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA,
			"version", "2.1.0", "runs", run);
	if (!doc)
		goto nomem;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		goto nomem;
	rc = tp_buf_puts(out, text, err);
	if (!rc)
		rc = tp_buf_puts(out, "\n", err);
	goto out;
nomem:
	rc = tp_err_set(err, TP_ENOMEM,
			"out of memory building the SARIF report");
out:
	free(text);
	json_decref(doc);
	json_decref(rules);
	json_decref(results);
	free(rule_ids);
	free(v);
	return rc;
}
