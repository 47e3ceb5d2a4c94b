/*
 * test_results.c - the results directory (scan files, the latest scan
 * per host, the first-sightings state) and the evaluation of one host
 * into compliance items.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tidepatch/compliance.h"
#include "tidepatch/results.h"
#include "tidepatch/scan.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tp-results-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(results, .init = mkdir_tmp, .fini = rm_tmp);

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(results, utc_times_round_trip_and_junk_is_refused)
{
	time_t t;
	char buf[32];

	cr_assert_eq(tp_time_parse_utc(&t, "2026-11-22T12:34:56Z"), 0);
	tp_time_format_utc(buf, sizeof(buf), t);
	cr_assert_str_eq(buf, "2026-11-22T12:34:56Z");
	cr_assert_eq(tp_time_parse_utc(&t, "1970-01-01T00:00:00Z"), 0);
	cr_assert_eq(t, 0);
	cr_assert_eq(tp_time_parse_utc(&t, "2026-11-22 12:34:56Z"), -1);
	cr_assert_eq(tp_time_parse_utc(&t, "2026-13-22T12:34:56Z"), -1);
	cr_assert_eq(tp_time_parse_utc(&t, "2026-11-22T12:34:56+01:00"), -1);
	cr_assert_eq(tp_time_parse_utc(&t, "2026-11-22T12:34:56Zx"), -1);
	cr_assert_eq(tp_time_parse_utc(&t, ""), -1);
}

Test(results, the_newest_file_that_has_a_host_is_its_latest_scan)
{
	json_t *latest = NULL;
	struct tp_err err = { 0 };

	write_file("scan-20261101T000000Z-1.json",
		   "{\"schema\": \"tidepatch.scan/1\", \"hosts\": ["
		   "{\"host\": \"a\", \"status\": \"ok\", \"scanned_at\": \"old\"},"
		   "{\"host\": \"b\", \"status\": \"ok\", \"scanned_at\": \"b1\"}]}");
	write_file("scan-20261102T000000Z-1.json",
		   "{\"schema\": \"tidepatch.scan/1\", \"hosts\": ["
		   "{\"host\": \"a\", \"status\": \"error\", \"scanned_at\": \"new\"}]}");
	write_file("notes.txt", "not a scan");
	cr_assert_eq(tp_results_load_latest(&latest, dir, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(json_object_size(latest), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 latest, "a"), "scanned_at")), "new");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 latest, "b"), "scanned_at")), "b1");
	json_decref(latest);
}

Test(results, a_missing_directory_has_no_scans)
{
	json_t *latest = NULL, *state = NULL;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_results_load_latest(&latest, "/nonexistent/results",
					    &err), 0);
	cr_assert_eq(json_object_size(latest), 0);
	cr_assert_eq(tp_results_load_state(&state, "/nonexistent/results",
					   &err), 0);
	cr_assert_eq(json_object_size(state), 0);
	json_decref(latest);
	json_decref(state);
}

Test(results, a_file_that_is_not_a_scan_is_an_error_naming_it)
{
	json_t *latest = NULL;
	struct tp_err err = { 0 };

	write_file("scan-20261101T000000Z-1.json", "{\"schema\": \"other/1\"}");
	cr_assert_eq(tp_results_load_latest(&latest, dir, &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "scan-20261101T000000Z-1.json"), "%s", err.msg);
	cr_assert_null(latest);
	write_file("scan-20261101T000000Z-1.json", "{\"schema\": ");
	cr_assert_eq(tp_results_load_latest(&latest, dir, &err), TP_EPARSE);
	cr_assert(strstr(err.msg, ":1:"), "%s", err.msg);
}

Test(results, saved_scans_are_found_again)
{
	json_t *doc = json_pack("{s:s, s:[{s:s, s:s}]}", "schema",
				"tidepatch.scan/1", "hosts", "host", "h1",
				"status", "ok");
	json_t *latest = NULL;
	struct tp_err err = { 0 };
	char *path = NULL;

	cr_assert_eq(tp_results_save_scan(dir, doc, &path, &err), 0, "%s",
		     err.msg);
	cr_assert(strstr(path, "/scan-"), "%s", path);
	cr_assert_eq(access(path, R_OK), 0);
	cr_assert_eq(tp_results_load_latest(&latest, dir, &err), 0);
	cr_assert_not_null(json_object_get(latest, "h1"));
	free(path);
	json_decref(doc);
	json_decref(latest);
}

Test(results, state_round_trips_and_a_bad_time_is_refused)
{
	json_t *fs = json_pack("{s:{s:s}}", "h1", "DSA-1 openssl",
			       "2026-11-01T00:00:00Z");
	json_t *back = NULL;
	struct tp_err err = { 0 };
	int lock = -1;

	cr_assert_eq(tp_results_lock(&lock, dir, &err), 0);
	cr_assert_eq(tp_results_save_state(dir, fs, &err), 0, "%s", err.msg);
	tp_results_unlock(lock);
	cr_assert_eq(tp_results_load_state(&back, dir, &err), 0, "%s", err.msg);
	cr_assert(json_equal(fs, back));
	json_decref(back);
	write_file("state.json", "{\"schema\": \"tidepatch.state/1\", "
				 "\"first_seen\": {\"h1\": {\"k\": \"yesterday\"}}}");
	cr_assert_eq(tp_results_load_state(&back, dir, &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "$.first_seen.h1"), "%s", err.msg);
	json_decref(fs);
}

Test(results, a_host_object_reads_back_into_a_scan_result)
{
	json_t *h = json_pack(
		"{s:s, s:s, s:s, s:{s:s}, s:s, s:b, s:[s], s:{s:s, s:s},"
		" s:[[s, s, s, s, n], [s, s, s, n, n]],"
		" s:[{s:s, s:s, s:s, s:s, s:b, s:s}], s:[]}",
		"host", "h1", "status", "ok", "scanned_at",
		"2026-11-22T10:00:00Z", "os", "ecosystem", "Debian:12",
		"backend", "apt", "reboot_required", 1,
		"reboot_required_packages", "tp-reboot", "kernel", "running",
		"6.1.0-1-amd64", "newest_installed", "6.1.0-2-amd64",
		"installed", "tp-libfoo", "all", "1.0-1", "tp-foo", "bash",
		"amd64", "5.2-1", "updates", "name", "tp-libfoo", "installed",
		"1.0-1", "candidate", "1.0-2", "source", "tp-foo", "security",
		1, "kind", "upgrade", "removals");
	struct tp_scan_result res;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_scan_result_from_json(&res, h, &err), 0, "%s", err.msg);
	cr_assert_eq(res.status, 0);
	cr_assert_str_eq(res.os.ecosystem, "Debian:12");
	cr_assert_eq(res.installed.n, 2);
	cr_assert_str_eq(res.installed.items[0].source, "tp-foo");
	cr_assert_str_eq(res.installed.items[0].source_version, "1.0-1");
	/* absent source means the package is its own source */
	cr_assert_str_eq(res.installed.items[1].source, "bash");
	cr_assert_str_eq(res.installed.items[1].source_version, "5.2-1");
	cr_assert_eq(res.updates.n, 1);
	cr_assert(res.updates.items[0].security);
	cr_assert(res.reboot_required);
	cr_assert_str_eq(res.reboot_pkgs[0], "tp-reboot");
	cr_assert(tp_scan_kernel_reboot_needed(&res));
	tp_scan_result_release(&res);
	json_decref(h);

	h = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "host", "h2", "status",
		      "error", "error", "code", "unreachable", "stage",
		      "connect", "message", "connect to h2: refused");
	cr_assert_eq(tp_scan_result_from_json(&res, h, &err), 0);
	cr_assert_eq(res.status, TP_ECONNECT);
	cr_assert_str_eq(res.err.msg, "connect to h2: refused");
	tp_scan_result_release(&res);
	json_decref(h);

	h = json_pack("{s:s, s:[i]}", "status", "ok", "installed", 7);
	cr_assert_eq(tp_scan_result_from_json(&res, h, &err), TP_EPARSE);
	tp_scan_result_release(&res);
	json_decref(h);
}

/* ---- evaluation ---- */

static void scan_with_foo(struct tp_scan_result *res, const char *scanned_at,
			  bool pocket_update)
{
	struct tp_pkg *p;
	struct tp_update *u;
	struct tp_err err = { 0 };

	memset(res, 0, sizeof(*res));
	res->host = strdup("h1");
	res->scanned_at = strdup(scanned_at);
	res->stage = TP_SCAN_DONE;
	res->os.ecosystem = strdup("Debian:12");
	cr_assert_eq(tp_pkg_list_push(&res->installed, &p, &err), 0);
	p->name = strdup("tp-libfoo");
	p->version = strdup("1.0-1");
	p->source = strdup("tp-foo");
	p->source_version = strdup("1.0-1");
	if (!pocket_update)
		return;
	cr_assert_eq(tp_update_list_push(&res->updates, &u, &err), 0);
	u->name = strdup("tp-libfoo");
	u->installed = strdup("1.0-1");
	u->candidate = strdup("1.0-2");
	u->source = strdup("tp-foo");
	u->security = true;
	cr_assert_eq(tp_update_list_push(&res->updates, &u, &err), 0);
	u->name = strdup("tp-other");
	u->installed = strdup("2.0");
	u->candidate = strdup("2.1");
	u->security = true;
}

static void one_finding(struct tp_finding_list *fl, enum tp_severity sev,
			bool affected)
{
	struct tp_finding *f;

	memset(fl, 0, sizeof(*fl));
	fl->items = calloc(1, sizeof(*f));
	fl->n = fl->alloc = 1;
	f = &fl->items[0];
	f->advisory = strdup("TPSA-1");
	f->package = strdup("tp-foo");
	f->binaries = calloc(1, sizeof(char *));
	f->binaries[0] = strdup("tp-libfoo");
	f->nbinaries = 1;
	f->installed = strdup("1.0-1");
	f->fixed = strdup("1.0-2");
	f->affected = affected;
	f->severity = sev;
}

static const struct tp_comp_item *item_for(const struct tp_comp_host *h,
					   const char *pkg)
{
	size_t i;

	for (i = 0; i < h->nitems; i++)
		if (!strcmp(h->items[i].package, pkg))
			return &h->items[i];
	return NULL;
}

Test(results, a_missing_fix_runs_from_its_first_sighting)
{
	struct tp_scan_result res;
	struct tp_finding_list fl;
	struct tp_policy pol;
	struct tp_comp_host h;
	struct tp_err err = { 0 };
	json_t *seen = json_object();
	const struct tp_comp_item *it;
	time_t now;

	tp_policy_init(&pol);
	scan_with_foo(&res, "2026-11-20T00:00:00Z", true);
	one_finding(&fl, TP_SEV_CRITICAL, true);
	tp_time_parse_utc(&now, "2026-11-20T12:00:00Z");
	cr_assert_eq(tp_comp_evaluate_host(&h, "h1", &res, &fl, NULL, NULL,
					   &pol, seen, now, &err), 0);
	it = item_for(&h, "tp-foo");
	cr_assert_not_null(it);
	cr_assert_str_eq(it->advisory, "TPSA-1");
	cr_assert_eq(it->priority, TP_PRIO_EMERGENCY);
	cr_assert_str_eq(it->first_seen, "2026-11-20T00:00:00Z");
	cr_assert_str_eq(it->deadline, "2026-11-21T00:00:00Z");
	cr_assert_eq(it->state, TP_COMP_MISSING);
	/* the advisory covers tp-foo's pocket update; tp-other has none */
	cr_assert_eq(h.nitems, 2);
	it = item_for(&h, "tp-other");
	cr_assert_null(it->advisory);
	cr_assert_eq(it->severity, TP_SEV_UNKNOWN);
	cr_assert_eq(it->priority, TP_PRIO_MEDIUM);
	cr_assert_eq(h.count[TP_COMP_MISSING], 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 seen, "h1"), "TPSA-1 tp-foo")),
			 "2026-11-20T00:00:00Z");
	tp_comp_host_release(&h);

	/* a day and a half later the same first sighting makes it overdue */
	tp_time_parse_utc(&now, "2026-11-21T12:00:00Z");
	free(res.scanned_at);
	res.scanned_at = strdup("2026-11-21T11:00:00Z");
	cr_assert_eq(tp_comp_evaluate_host(&h, "h1", &res, &fl, NULL, NULL,
					   &pol, seen, now, &err), 0);
	it = item_for(&h, "tp-foo");
	cr_assert_str_eq(it->first_seen, "2026-11-20T00:00:00Z");
	cr_assert_eq(it->state, TP_COMP_MISSING_OVERDUE);
	cr_assert_eq(h.items[0].state, TP_COMP_MISSING_OVERDUE,
		     "overdue sorts first");
	tp_comp_host_release(&h);
	tp_finding_list_release(&fl);

	/* fixed: the sighting is forgotten */
	one_finding(&fl, TP_SEV_CRITICAL, false);
	tp_update_list_release(&res.updates);
	cr_assert_eq(tp_comp_evaluate_host(&h, "h1", &res, &fl, NULL, NULL,
					   &pol, seen, now, &err), 0);
	cr_assert_eq(item_for(&h, "tp-foo")->state, TP_COMP_INSTALLED);
	cr_assert_null(json_object_get(seen, "h1"));
	tp_comp_host_release(&h);
	tp_finding_list_release(&fl);
	tp_scan_result_release(&res);
	tp_policy_release(&pol);
	json_decref(seen);
}

Test(results, an_excluded_fix_is_not_missing_and_says_why)
{
	struct tp_scan_result res;
	struct tp_finding_list fl;
	struct tp_policy pol;
	struct tp_policy_rule rule = { NULL, (char *)"tp-*", NULL,
				       (char *)"accepted: SEC-42", 0 };
	struct tp_comp_host h;
	struct tp_err err = { 0 };
	json_t *seen = json_object();
	const struct tp_comp_item *it;

	tp_policy_init(&pol);
	pol.exclude = &rule;
	pol.nexclude = 1;
	scan_with_foo(&res, "2026-11-20T00:00:00Z", false);
	one_finding(&fl, TP_SEV_IMPORTANT, true);
	cr_assert_eq(tp_comp_evaluate_host(&h, "h1", &res, &fl, NULL, NULL,
					   &pol, seen, time(NULL), &err), 0);
	it = item_for(&h, "tp-foo");
	cr_assert_eq(it->state, TP_COMP_EXCLUDED);
	cr_assert_str_eq(it->note, "accepted: SEC-42");
	cr_assert_eq(h.count[TP_COMP_MISSING] + h.count[TP_COMP_MISSING_OVERDUE],
		     0);
	pol.exclude = NULL;
	pol.nexclude = 0;
	tp_comp_host_release(&h);
	tp_finding_list_release(&fl);
	tp_scan_result_release(&res);
	tp_policy_release(&pol);
	json_decref(seen);
}

Test(results, an_unreachable_host_has_no_items)
{
	struct tp_scan_result res;
	struct tp_policy pol;
	struct tp_comp_host h;
	struct tp_err err = { 0 };
	json_t *seen = json_object();

	tp_policy_init(&pol);
	memset(&res, 0, sizeof(res));
	res.host = strdup("h9");
	res.status = TP_ECONNECT;
	tp_err_set(&res.err, TP_ECONNECT, "connect to h9: refused");
	cr_assert_eq(tp_comp_evaluate_host(&h, "h9", &res, NULL, NULL, NULL,
					   &pol, seen, time(NULL), &err), 0);
	cr_assert(!h.reachable);
	cr_assert_str_eq(h.error_code, "unreachable");
	cr_assert_eq(h.nitems, 0);
	tp_comp_host_release(&h);
	/* never scanned at all */
	cr_assert_eq(tp_comp_evaluate_host(&h, "h8", NULL, NULL, NULL, NULL,
					   &pol, seen, time(NULL), &err), 0);
	cr_assert_str_eq(h.error_code, "not_scanned");
	tp_comp_host_release(&h);
	tp_scan_result_release(&res);
	tp_policy_release(&pol);
	json_decref(seen);
}

Test(results, an_installed_fix_waiting_for_a_reboot_says_so)
{
	struct tp_scan_result res;
	struct tp_finding_list fl;
	struct tp_policy pol;
	struct tp_comp_host h;
	struct tp_err err = { 0 };
	json_t *seen = json_object();

	tp_policy_init(&pol);
	scan_with_foo(&res, "2026-11-20T00:00:00Z", false);
	res.reboot_required = true;
	res.reboot_pkgs = calloc(1, sizeof(char *));
	res.reboot_pkgs[0] = strdup("tp-libfoo");
	res.n_reboot_pkgs = 1;
	one_finding(&fl, TP_SEV_LOW, false);
	cr_assert_eq(tp_comp_evaluate_host(&h, "h1", &res, &fl, NULL, NULL,
					   &pol, seen, time(NULL), &err), 0);
	cr_assert_eq(item_for(&h, "tp-foo")->state,
		     TP_COMP_INSTALLED_PENDING_REBOOT);
	cr_assert_null(item_for(&h, "tp-foo")->deadline);
	tp_comp_host_release(&h);
	tp_finding_list_release(&fl);
	tp_scan_result_release(&res);
	tp_policy_release(&pol);
	json_decref(seen);
}
