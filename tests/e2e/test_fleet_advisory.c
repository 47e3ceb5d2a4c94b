/*
 * test_fleet_advisory.c - advisories, priorities, deadlines and reports
 * against the test fleet on its own apt repository: an OSV advisory
 * written here for a package of that repository must be found on exactly
 * the hosts that have the vulnerable version, over real SSH; the reports
 * must be valid for the tools that read them (xmllint for JUnit, a JSON
 * parser for SARIF); first sightings must survive later scans; and the
 * CI gate (--fail-on) must turn findings, and only findings, into exit 1.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

#define NHOSTS 3

static char dir[64];
static char repo[64];
static char inv[128];

/* tp-foo (binary tp-libfoo) is fixed in 1.0-2, critical by CVSS, and
 * its CVE is on the known-exploited list; tp-service's advisory says
 * moderate. tp-reboot's security update has no advisory at all. */
static const char *const adv_foo =
	"{\"id\": \"TPSA-2026-0001\", \"modified\": \"2026-11-01T00:00:00Z\","
	" \"summary\": \"tp-foo: remote code execution\","
	" \"aliases\": [\"CVE-2026-90001\"],"
	" \"severity\": [{\"type\": \"CVSS_V3\", \"score\":"
	" \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
	" \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\","
	" \"name\": \"tp-foo\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\","
	" \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"1.0-2\"}]}]}]}";
static const char *const adv_service =
	"{\"id\": \"TPSA-2026-0002\", \"modified\": \"2026-11-01T00:00:00Z\","
	" \"summary\": \"tp-service: information leak\","
	" \"database_specific\": {\"severity\": \"moderate\"},"
	" \"affected\": [{\"package\": {\"ecosystem\": \"Debian:12\","
	" \"name\": \"tp-service\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\","
	" \"events\": [{\"introduced\": \"0\"}, {\"fixed\": \"1.1-1\"}]}]}]}";
static const char *const kev =
	"{\"title\": \"test catalog\", \"catalogVersion\": \"2026.11.01\","
	" \"count\": 1, \"vulnerabilities\": [{\"cveID\": \"CVE-2026-90001\","
	" \"vendorProject\": \"tp\", \"product\": \"tp-foo\"}]}";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
}

static void up(void)
{
	char path[256];
	struct tp_cmd_result r;

	e2e_aptrepo_build(repo, sizeof(repo));
	e2e_fleet_up_repo(dir, sizeof(dir), NHOSTS, repo);
	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	/* the advisories live beside the inventory, as in a real repo */
	snprintf(path, sizeof(path), "mkdir -p %s/advisories", dir);
	e2e_sh(&r, path);
	tp_cmd_result_release(&r);
	snprintf(path, sizeof(path), "%s/advisories/TPSA-2026-0001.json", dir);
	write_file(path, adv_foo);
	snprintf(path, sizeof(path), "%s/advisories/TPSA-2026-0002.json", dir);
	write_file(path, adv_service);
	snprintf(path, sizeof(path),
		 "%s/advisories/known_exploited_vulnerabilities.json", dir);
	write_file(path, kev);
	/* h002 gets the tp-foo fix before anything is scanned */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--become", "h002", "--",
			"apt-get install -y -o Dpkg::Use-Pty=0 tp-libfoo", NULL }),
		     0, "%s%s", r.out.data, r.errout.data);
	tp_cmd_result_release(&r);
}

static void down(void)
{
	e2e_fleet_down(dir);
	e2e_aptrepo_remove(repo);
}

TestSuite(fleet_advisory, .init = up, .fini = down, .timeout = 300);

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *by_key(json_t *arr, const char *key, const char *value)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (!strcmp(str(e, key), value))
			return e;
	return NULL;
}

/* The finding of advisory id on host in a scan document, or NULL. */
static json_t *finding(json_t *doc, const char *host, const char *id)
{
	json_t *h = by_key(json_object_get(doc, "hosts"), "host", host);

	cr_assert_not_null(h, "%s not in the scan", host);
	return by_key(json_object_get(h, "findings"), "advisory", id);
}

/* Run the report with extra arguments; returns its exit status. */
static int report(struct tp_cmd_result *r, const char *a1, const char *a2,
		  const char *a3, const char *a4)
{
	return e2e_tidepatch(r, NULL, (const char *[]){
		"report", "-i", inv, a1, a2, a3, a4, NULL });
}

/* Count XPath matches in an XML file with xmllint. */
static int xpath_count(const char *file, const char *expr)
{
	char cmd[512];
	struct tp_cmd_result r;
	int n;

	snprintf(cmd, sizeof(cmd), "xmllint --xpath 'count(%s)' %s", expr, file);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	n = atoi(r.out.data);
	tp_cmd_result_release(&r);
	return n;
}

Test(fleet_advisory, found_on_exactly_the_hosts_with_the_vulnerable_version)
{
	struct tp_cmd_result r;
	json_t *doc, *f;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--format", "json", "all", NULL }), 0,
		     "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	/* h001 and h003 run tp-libfoo 1.0-1 (source tp-foo): affected */
	f = finding(doc, "h001", "TPSA-2026-0001");
	cr_assert_not_null(f);
	cr_assert(json_is_true(json_object_get(f, "affected")));
	cr_assert_str_eq(str(f, "package"), "tp-foo");
	cr_assert_str_eq(str(f, "installed"), "1.0-1");
	cr_assert_str_eq(str(f, "fixed"), "1.0-2");
	cr_assert_str_eq(str(f, "severity"), "critical");
	cr_assert(json_is_true(json_object_get(f, "exploited")));
	cr_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(f, "binaries"), 0)), "tp-libfoo");
	f = finding(doc, "h003", "TPSA-2026-0001");
	cr_assert(json_is_true(json_object_get(f, "affected")));
	/* h002 has the fix: the advisory is there, the host is not affected */
	f = finding(doc, "h002", "TPSA-2026-0001");
	cr_assert_not_null(f);
	cr_assert(json_is_false(json_object_get(f, "affected")));
	cr_assert_str_eq(str(f, "installed"), "1.0-2");
	cr_assert_str_eq(str(finding(doc, "h002", "TPSA-2026-0002"),
			     "severity"), "moderate");
	cr_assert(strstr(r.errout.data, "fixes missing (2 critical, 0 important, "
				       "3 moderate, 0 low, 3 unknown)"),
		  "%s", r.errout.data);
	json_decref(doc);

	/* the CI gate: critical is missing on h001 and h003, not on h002 */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--fail-on", "critical", "all", NULL }),
		     1, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--fail-on", "critical", "h002", NULL }),
		     0, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--fail-on", "moderate", "h002", NULL }),
		     1, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--fail-on", "bogus", "h002", NULL }),
		     64);
	tp_cmd_result_release(&r);
}

Test(fleet_advisory, reports_are_valid_for_the_tools_that_read_them)
{
	struct tp_cmd_result r;
	char junit[128], sarif[128], cmd[512];
	json_t *doc, *h, *it, *results;
	size_t i;
	int exploited_emergency = 0;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "all", NULL }), 0, "%s", r.errout.data);

	/* JSON: priorities from severity, asset and the KEV list */
	cr_assert_eq(report(&r, "--format", "json", "all", NULL), 0, "%s",
		     r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_str_eq(str(doc, "schema"), "tidepatch.report/1");
	h = by_key(json_object_get(doc, "hosts"), "name", "h001");
	cr_assert_not_null(h);
	json_array_foreach(json_object_get(h, "items"), i, it)
		if (!strcmp(str(it, "advisory"), "TPSA-2026-0001")) {
			cr_assert_str_eq(str(it, "state"), "missing");
			cr_assert_str_eq(str(it, "priority"), "emergency");
			cr_assert(*str(it, "first_seen") && *str(it, "deadline"));
			exploited_emergency = 1;
		}
	cr_assert(exploited_emergency, "%s", r.out.data);
	json_decref(doc);

	/* JUnit: well-formed, a failing testcase per missing fix */
	snprintf(junit, sizeof(junit), "%s/report.xml", dir);
	cr_assert_eq(report(&r, "--format", "junit", "-o", junit), 0, "%s",
		     r.errout.data);
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", junit);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	/* per host: tp-foo (not on h002), tp-service, tp-reboot (pocket) */
	cr_assert_eq(xpath_count(junit, "//testcase[failure]"), 8);
	cr_assert_eq(xpath_count(junit, "//testsuite"), NHOSTS);
	cr_assert_eq(xpath_count(junit, "//testcase[failure and "
					"@classname=\"h002\"]"), 2);

	/* SARIF: parses, version 2.1.0, a result per missing fix */
	snprintf(sarif, sizeof(sarif), "%s/report.sarif", dir);
	cr_assert_eq(report(&r, "--format", "sarif", "-o", sarif), 0, "%s",
		     r.errout.data);
	doc = json_load_file(sarif, 0, NULL);
	cr_assert_not_null(doc);
	cr_assert_str_eq(str(doc, "version"), "2.1.0");
	results = json_object_get(json_array_get(json_object_get(doc, "runs"),
						 0), "results");
	cr_assert_eq(json_array_size(results), 8);
	json_decref(doc);

	/* Markdown for a merge request */
	cr_assert_eq(report(&r, "--format", "markdown", "all", NULL), 0);
	cr_assert(strstr(r.out.data, "TPSA-2026-0001"), "%s", r.out.data);
	tp_cmd_result_release(&r);
}

Test(fleet_advisory, first_sightings_survive_scans_and_deadlines_expire)
{
	struct tp_cmd_result r;
	char path[256], first[64];
	json_t *st;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "all", NULL }), 0, "%s", r.errout.data);
	snprintf(path, sizeof(path), "%s/results/state.json", dir);
	st = json_load_file(path, 0, NULL);
	cr_assert_not_null(st, "%s missing", path);
	snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(
		json_object_get(json_object_get(st, "first_seen"), "h001"),
		"TPSA-2026-0001 tp-foo")));
	cr_assert(first[0], "no first sighting");
	json_decref(st);
	/* no entry for what h002 has already fixed */
	cr_assert(!strstr(r.errout.data, "error"), "%s", r.errout.data);
	sleep(2);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "all", NULL }), 0, "%s", r.errout.data);
	st = json_load_file(path, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
		json_object_get(st, "first_seen"), "h001"),
		"TPSA-2026-0001 tp-foo")), first);
	cr_assert_null(json_object_get(json_object_get(json_object_get(st,
		"first_seen"), "h002"), "TPSA-2026-0001 tp-foo"));
	json_decref(st);

	/* not overdue under the default deadlines... */
	cr_assert_eq(report(&r, "--fail-on", "overdue", "all", NULL), 0, "%s",
		     r.errout.data);
	/* ...but a policy of one second makes everything overdue */
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	write_file(path, "{\"deadlines\": {\"emergency\": \"1s\", \"high\": "
			 "\"1s\", \"medium\": \"1s\", \"low\": \"1s\"}}");
	cr_assert_eq(report(&r, "--fail-on", "overdue", "all", NULL), 1, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "8 overdue"), "%s", r.errout.data);
	/* and a broken policy is a configuration error, not a pass */
	write_file(path, "{\"deadlines\": {\"emergency\": \"soon\"}}");
	cr_assert_eq(report(&r, "all", NULL, NULL, NULL), 78, "%s",
		     r.errout.data);
	unlink(path);
	tp_cmd_result_release(&r);
}

Test(fleet_advisory, without_advisory_data_severities_are_unknown)
{
	struct tp_cmd_result r;
	char bare[128], cmd[512], bad[160];
	json_t *doc, *h, *it;
	size_t i;
	int pocket = 0;

	/* the same hosts from an inventory with no advisories beside it */
	snprintf(bare, sizeof(bare), "%s/bare/inventory", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/* %s/", bare, inv,
		 bare);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", bare, "all", NULL }), 0, "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "no advisory data: severities are "
				       "unknown"), "%s", r.errout.data);
	/* the security pocket still says what is missing */
	cr_assert(strstr(r.errout.data, "8 fixes missing (0 critical, 0 important, "
				       "0 moderate, 0 low, 8 unknown)"), "%s",
		  r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"report", "-i", bare, "--format", "json", "h001", NULL }),
		     0, "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert(json_is_false(json_object_get(doc, "severities_known")));
	h = json_array_get(json_object_get(doc, "hosts"), 0);
	json_array_foreach(json_object_get(h, "items"), i, it)
		if (!strcmp(str(it, "package"), "tp-foo")) {
			cr_assert(json_is_null(json_object_get(it, "advisory")));
			cr_assert_str_eq(str(it, "severity"), "unknown");
			cr_assert_str_eq(str(it, "fixed"), "1.0-2");
			pocket = 1;
		}
	cr_assert(pocket, "%s", r.out.data);
	json_decref(doc);
	/* unknown severity trips only the "anything missing" gate */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"report", "-i", bare, "--fail-on", "critical", NULL }), 0);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"report", "-i", bare, "--fail-on", "low", NULL }), 1);

	/* named advisories must exist; a broken record is a data error */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--advisories", "/nonexistent/adv",
			"all", NULL }), 66, "%s", r.errout.data);
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	write_file(bad, "{\"id\": \"X-1\", \"affected\": 7}");
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--advisories", bad, "all", NULL }), 65,
		     "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "bad.json"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}
