/*
 * report_json.c - the scan document (schema tidepatch.scan/1).
 *
 * The schema is a contract with CI pipelines: fields are only ever added.
 * Absent values are JSON null rather than missing keys, so consumers can
 * tell "unknown" from "this tidepatch does not write it".
 */
#include <string.h>

#include "tidepatch/report.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* jansson's *_set_new steals the value; a NULL value makes it fail. */
static int set(json_t *obj, const char *key, json_t *val)
{
	return val ? json_object_set_new(obj, key, val) : -1;
}

static json_t *os_json(const struct tp_osinfo *os)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (set(o, "id", str_or_null(os->id)) ||
	    set(o, "id_like", str_or_null(os->id_like)) ||
	    set(o, "version_id", str_or_null(os->version_id)) ||
	    set(o, "codename", str_or_null(os->codename)) ||
	    set(o, "pretty_name", str_or_null(os->pretty_name)) ||
	    set(o, "ecosystem", str_or_null(os->ecosystem))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *update_json(const struct tp_update *up)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (set(o, "name", json_string(up->name)) ||
	    set(o, "arch", str_or_null(up->arch)) ||
	    set(o, "installed", str_or_null(up->installed)) ||
	    set(o, "candidate", str_or_null(up->candidate)) ||
	    set(o, "source", str_or_null(up->source)) ||
	    set(o, "security", json_boolean(up->security)) ||
	    set(o, "origin", str_or_null(up->origin)) ||
	    set(o, "kind", json_string(tp_update_kind_name(up->kind)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *updates_json(const struct tp_update_list *ups, bool removals)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < ups->n; i++) {
		const struct tp_update *up = &ups->items[i];

		if ((up->kind == TP_UPDATE_REMOVE) != removals)
			continue;
		if (json_array_append_new(a, update_json(up))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *held_json(const struct tp_pkg_list *pkgs, bool broken)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < pkgs->n; i++) {
		const struct tp_pkg *p = &pkgs->items[i];

		if (broken ? !p->broken : !p->held)
			continue;
		if (json_array_append_new(a, json_string(p->name))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/*
 * Every installed package as [name, arch, version, source,
 * source_version], source and source_version null when they equal name
 * and version: compact, since a host has hundreds, and enough to match
 * advisories again later without rescanning.
 */
static json_t *installed_json(const struct tp_pkg_list *pkgs)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < pkgs->n; i++) {
		const struct tp_pkg *p = &pkgs->items[i];
		bool same_src = !p->source || !strcmp(p->source, p->name);
		bool same_ver = !p->source_version ||
				!strcmp(p->source_version, p->version);

		if (json_array_append_new(a, json_pack("[s, s?, s, s?, s?]",
				p->name, p->arch, p->version,
				same_src ? NULL : p->source,
				same_ver ? NULL : p->source_version))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *strings_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *error_json(const struct tp_scan_result *res)
{
	if (!res->status)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "code", tp_errname(res->status),
			 "stage", tp_scan_stage_name(res->stage), "message",
			 res->err.msg);
}

json_t *tp_report_scan_host_json(const struct tp_scan_result *res,
				 struct tp_err *err)
{
	json_t *h = json_object(), *k = NULL;
	bool ok = res->status == 0;

	if (!h)
		goto nomem;
	if (set(h, "host", json_string(res->host)) ||
	    set(h, "status", json_string(ok ? "ok" : "error")) ||
	    set(h, "error", error_json(res)) ||
	    set(h, "scanned_at", str_or_null(res->scanned_at)) ||
	    set(h, "os", res->os.id ? os_json(&res->os) : json_null()) ||
	    set(h, "backend", str_or_null(res->backend ? res->backend->name :
							 NULL)))
		goto nomem;
	if (!ok)
		return h;
	k = json_pack("{s:s?, s:s?, s:b}", "running", res->kernel_running,
		      "newest_installed", res->kernel_newest, "reboot_needed",
		      tp_scan_kernel_reboot_needed(res));
	if (set(h, "installed_count", json_integer((json_int_t)res->installed.n)) ||
	    set(h, "update_count",
		json_integer((json_int_t)tp_scan_count_updates(res, false))) ||
	    set(h, "security_count",
		json_integer((json_int_t)tp_scan_count_updates(res, true))) ||
	    set(h, "updates", updates_json(&res->updates, false)) ||
	    set(h, "removals", updates_json(&res->updates, true)) ||
	    set(h, "held", held_json(&res->installed, false)) ||
	    set(h, "broken", held_json(&res->installed, true)) ||
	    set(h, "reboot_required", json_boolean(res->reboot_required)) ||
	    set(h, "reboot_required_packages",
		strings_json(res->reboot_pkgs, res->n_reboot_pkgs)) ||
	    set(h, "kernel", k) ||
	    set(h, "installed", installed_json(&res->installed)))
		goto nomem;
	return h;
nomem:
	json_decref(h);
	tp_err_set(err, TP_ENOMEM, "out of memory building the scan report");
	return NULL;
}

json_t *tp_report_scan_json(const struct tp_scan_result *res, size_t n,
			    struct tp_err *err)
{
	json_t *doc, *hosts;
	size_t i;

	doc = json_pack("{s:s, s:s}", "schema", TP_SCAN_SCHEMA,
			"tidepatch_version", TP_VERSION);
	hosts = json_array();
	if (!doc || !hosts || json_object_set(doc, "hosts", hosts))
		goto nomem;
	for (i = 0; i < n; i++) {
		json_t *h = tp_report_scan_host_json(&res[i], err);

		if (!h || json_array_append_new(hosts, h))
			goto nomem;
	}
	json_decref(hosts);
	return doc;
nomem:
	json_decref(hosts);
	json_decref(doc);
	tp_err_set(err, TP_ENOMEM, "out of memory building the scan report");
	return NULL;
}

json_t *tp_report_findings_json(const struct tp_finding_list *list,
				struct tp_err *err)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		goto nomem;
	for (i = 0; list && i < list->n; i++) {
		const struct tp_finding *f = &list->items[i];
		json_t *o = json_pack("{s:s, s:s, s:o, s:s?, s:s?, s:b, s:s, "
				      "s:b, s:o, s:s?}",
				      "advisory", f->advisory, "package",
				      f->package, "binaries",
				      strings_json(f->binaries, f->nbinaries),
				      "installed", f->installed, "fixed",
				      f->fixed, "affected", f->affected,
				      "severity", tp_severity_name(f->severity),
				      "exploited", f->exploited, "cves",
				      strings_json(f->cves, f->ncves),
				      "summary", f->summary);

		if (!o || json_array_append_new(a, o))
			goto nomem;
	}
	return a;
nomem:
	json_decref(a);
	tp_err_set(err, TP_ENOMEM, "out of memory building the findings");
	return NULL;
}
