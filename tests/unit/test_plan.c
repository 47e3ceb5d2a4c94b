/*
 * test_plan.c - the plan builder, the plan document and its digest.
 *
 * Scans are built by hand for the hosts of tests/fixtures/plan/
 * inventory.json; playbooks are written inline so each test shows the
 * rule it checks beside what it expects.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/plan.h"
#include "tidepatch/report.h"

/* One pending update of a hand-made scan. */
struct up {
	const char *name, *installed, *candidate, *source;
	bool security;
	enum tp_update_kind kind;
};

#define UP(n, i, c, sec) { n, i, c, NULL, sec, TP_UPDATE_UPGRADE }

static struct tp_inventory *inv;

static void load_inventory(void)
{
	const char *root = getenv("TP_FIXTURES");
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/plan/inventory.json",
		 root ? root : "fixtures");
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, path, &pr, &err), 0, "%s",
		     err.msg);
	tp_inv_problems_release(&pr);
}

static void free_inventory(void)
{
	tp_inventory_free(inv);
	inv = NULL;
}

TestSuite(plan, .init = load_inventory, .fini = free_inventory);

static void scan_of(struct tp_scan_result *res, const char *host,
		    const struct up *ups, size_t n)
{
	struct tp_err err = { 0 };
	size_t i;

	memset(res, 0, sizeof(*res));
	res->host = strdup(host);
	res->scanned_at = strdup("2026-11-01T00:00:00Z");
	res->stage = TP_SCAN_DONE;
	res->backend = &tp_pkg_backend_apt;
	res->os.ecosystem = strdup("Debian:12");
	res->kernel_running = strdup("6.1.0-21-amd64");
	for (i = 0; i < n; i++) {
		struct tp_update *u;
		struct tp_pkg *p;

		cr_assert_eq(tp_update_list_push(&res->updates, &u, &err), 0);
		u->name = strdup(ups[i].name);
		u->arch = strdup("amd64");
		u->installed = ups[i].installed ? strdup(ups[i].installed) : NULL;
		u->candidate = ups[i].candidate ? strdup(ups[i].candidate) : NULL;
		u->source = ups[i].source ? strdup(ups[i].source) : NULL;
		u->origin = strdup(ups[i].security ?
					   "Debian-Security:12/stable-security" :
					   "Debian:12/stable");
		u->security = ups[i].security;
		u->kind = ups[i].kind;
		if (!ups[i].installed)
			continue;
		cr_assert_eq(tp_pkg_list_push(&res->installed, &p, &err), 0);
		p->name = strdup(ups[i].name);
		p->arch = strdup("amd64");
		p->version = strdup(ups[i].installed);
		p->source = strdup(ups[i].source ? ups[i].source : ups[i].name);
		p->source_version = strdup(ups[i].installed);
	}
}

static void unreachable(struct tp_scan_result *res, const char *host)
{
	memset(res, 0, sizeof(*res));
	res->host = strdup(host);
	res->status = TP_ECONNECT;
	res->stage = TP_SCAN_CONNECT;
	tp_err_set(&res->err, TP_ECONNECT, "%s: connection refused", host);
}

/* A finding: advisory id says binary (from source src) is affected at
 * sev, fixed in fixed. */
static void finding(struct tp_finding_list *fl, const char *id,
		    const char *src, const char *binary, const char *fixed,
		    enum tp_severity sev, const char *cve)
{
	struct tp_finding *f;

	fl->items = realloc(fl->items, (fl->n + 1) * sizeof(*f));
	f = &fl->items[fl->n++];
	fl->alloc = fl->n;
	memset(f, 0, sizeof(*f));
	f->advisory = strdup(id);
	f->package = strdup(src);
	f->binaries = calloc(1, sizeof(char *));
	f->binaries[0] = strdup(binary);
	f->nbinaries = 1;
	f->installed = strdup("1.0-1");
	f->fixed = fixed ? strdup(fixed) : NULL;
	f->affected = true;
	f->severity = sev;
	if (cve) {
		f->cves = calloc(1, sizeof(char *));
		f->cves[0] = strdup(cve);
		f->ncves = 1;
	}
}

static void input(struct tp_plan_input *in, const char *playbook,
		  const struct tp_scan_result *scans, size_t n)
{
	memset(in, 0, sizeof(*in));
	in->playbook_file = "playbooks/test.json";
	in->playbook_content = playbook;
	in->playbook_len = strlen(playbook);
	in->inv = inv;
	in->scans = scans;
	in->nscans = n;
	in->now = 1793491200;	/* 2026-11-01T00:00:00Z */
}

static struct tp_plan *build(const struct tp_plan_input *in)
{
	struct tp_plan *plan = NULL;
	struct tp_err err = { 0 };
	json_t *doc = NULL;

	cr_assert_eq(tp_plan_build(&plan, in, NULL, &err), 0, "%s", err.msg);
	/* the digest the builder keeps is the one written */
	cr_assert_eq(tp_plan_to_json(&doc, plan, &err), 0);
	cr_assert_str_eq(plan->digest,
			 json_string_value(json_object_get(doc, "digest")));
	json_decref(doc);
	return plan;
}

static char *plan_text(const struct tp_plan *plan)
{
	struct tp_buf b;
	struct tp_err err = { 0 };

	tp_buf_init(&b, (size_t)1 << 24);
	cr_assert_eq(tp_plan_write_json(&b, plan, &err), 0, "%s", err.msg);
	return tp_buf_detach(&b);
}

static const struct tp_plan_host *host(const struct tp_plan *plan,
				       const char *name)
{
	size_t i;

	for (i = 0; i < plan->nhosts; i++)
		if (!strcmp(plan->hosts[i].name, name))
			return &plan->hosts[i];
	cr_assert_fail("%s not in the plan", name);
	return NULL;
}

static void release(struct tp_scan_result *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tp_scan_result_release(&s[i]);
}

static const struct up mixed[] = {
	UP("tp-service", "1.0-1", "1.1-1", true),
	UP("tp-libfoo", "1.0-1", "1.0-2", true),
	UP("tp-oldgone", "1.0-1", "1.1-1", false),
};

#define PB(...) "{\"targets\": [\"all\"]" __VA_ARGS__ "}"

/* ---- selection ---- */

Test(plan, pins_every_update_at_its_exact_candidate_by_default)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(), s, 1);
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->state, TP_PLAN_UPDATE);
	cr_assert_eq(h->npins, 3);
	/* sorted by name */
	cr_assert_str_eq(h->pins[0].name, "tp-libfoo");
	cr_assert_str_eq(h->pins[0].installed, "1.0-1");
	cr_assert_str_eq(h->pins[0].candidate, "1.0-2");
	cr_assert_str_eq(h->pins[1].name, "tp-oldgone");
	cr_assert_not(h->pins[1].security);
	cr_assert_str_eq(h->pins[2].name, "tp-service");
	cr_assert_eq(h->pins[2].severity, TP_SEV_UNKNOWN);
	cr_assert_eq(h->nskipped, 0);
	tp_plan_free(plan);
	release(s, 1);
}

Test(plan, security_only_leaves_other_updates_out_and_says_why)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(", \"select\": {\"security_only\": true}"), s, 1);
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 2);
	cr_assert_str_eq(h->pins[0].name, "tp-libfoo");
	cr_assert_str_eq(h->pins[1].name, "tp-service");
	cr_assert_eq(h->nskipped, 1);
	cr_assert_str_eq(h->skipped[0].name, "tp-oldgone");
	cr_assert_str_eq(h->skipped[0].reason, "not a security update");
	tp_plan_free(plan);
	release(s, 1);
}

Test(plan, min_severity_judges_by_the_advisories_the_update_fixes)
{
	struct tp_scan_result s[1];
	struct tp_finding_list fl[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	memset(fl, 0, sizeof(fl));
	finding(&fl[0], "TPSA-1", "tp-libfoo", "tp-libfoo", "1.0-2",
		TP_SEV_CRITICAL, "CVE-2026-1");
	finding(&fl[0], "TPSA-2", "tp-service", "tp-service", "1.1-1",
		TP_SEV_MODERATE, NULL);
	input(&in, PB(", \"select\": {\"min_severity\": \"important\"}"), s, 1);
	in.findings = fl;
	in.advisories = 2;
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 1);
	cr_assert_str_eq(h->pins[0].name, "tp-libfoo");
	cr_assert_eq(h->pins[0].severity, TP_SEV_CRITICAL);
	cr_assert_eq(h->pins[0].nadvisories, 1);
	cr_assert_str_eq(h->pins[0].advisories[0], "TPSA-1");
	cr_assert_eq(h->nskipped, 2);
	cr_assert_str_eq(h->skipped[0].reason, "below min_severity");
	cr_assert(plan->severities_known);
	tp_plan_free(plan);
	tp_finding_list_release(&fl[0]);
	release(s, 1);
}

Test(plan, a_finding_the_candidate_does_not_fix_gives_no_severity)
{
	struct tp_scan_result s[1];
	struct tp_finding_list fl[1];
	struct tp_plan_input in;
	struct tp_plan *plan;

	scan_of(&s[0], "web1", mixed, 3);
	memset(fl, 0, sizeof(fl));
	/* fixed only in 1.0-3; the candidate 1.0-2 does not reach it */
	finding(&fl[0], "TPSA-9", "tp-libfoo", "tp-libfoo", "1.0-3",
		TP_SEV_CRITICAL, NULL);
	input(&in, PB(), s, 1);
	in.findings = fl;
	plan = build(&in);
	cr_assert_eq(host(plan, "web1")->pins[0].severity, TP_SEV_UNKNOWN);
	cr_assert_eq(host(plan, "web1")->pins[0].nadvisories, 0);
	tp_plan_free(plan);
	tp_finding_list_release(&fl[0]);
	release(s, 1);
}

Test(plan, include_and_exclude_globs_pick_packages)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(", \"select\": {\"include\": [\"tp-*\"], "
		      "\"exclude\": [\"tp-lib*\"]}"), s, 1);
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 2);
	cr_assert_str_eq(h->pins[0].name, "tp-oldgone");
	cr_assert_str_eq(h->skipped[0].reason, "excluded");
	tp_plan_free(plan);
	input(&in, PB(", \"select\": {\"include\": [\"tp-lib*\"]}"), s, 1);
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 1);
	cr_assert_str_eq(h->skipped[0].reason, "not included");
	tp_plan_free(plan);
	release(s, 1);
}

Test(plan, an_advisories_list_keeps_only_updates_that_fix_one)
{
	struct tp_scan_result s[1];
	struct tp_finding_list fl[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	memset(fl, 0, sizeof(fl));
	finding(&fl[0], "TPSA-1", "tp-libfoo", "tp-libfoo", "1.0-2",
		TP_SEV_CRITICAL, "CVE-2026-1");
	input(&in, PB(", \"select\": {\"advisories\": [\"cve-2026-1\"]}"), s,
	      1);
	in.findings = fl;
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 1);
	cr_assert_str_eq(h->pins[0].name, "tp-libfoo");
	cr_assert_str_eq(h->skipped[1].reason, "fixes no listed advisory");
	tp_plan_free(plan);
	tp_finding_list_release(&fl[0]);
	release(s, 1);
}

Test(plan, removals_are_never_pinned)
{
	static const struct up ups[] = {
		UP("tp-libfoo", "1.0-1", "1.0-2", true),
		{ "tp-gone", "1.0", NULL, NULL, false, TP_UPDATE_REMOVE },
		{ "tp-new", NULL, "2.0", NULL, false, TP_UPDATE_INSTALL },
	};
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", ups, 3);
	input(&in, PB(), s, 1);
	plan = build(&in);
	h = host(plan, "web1");
	cr_assert_eq(h->npins, 2);
	cr_assert_str_eq(h->pins[1].name, "tp-new");
	cr_assert_null(h->pins[1].installed);
	cr_assert_eq(h->pins[1].kind, TP_UPDATE_INSTALL);
	cr_assert_str_eq(h->skipped[0].name, "tp-gone");
	cr_assert_null(h->skipped[0].candidate);
	tp_plan_free(plan);
	release(s, 1);
}

/* ---- order and waves ---- */

static const char *const six[] = { "web1", "web2", "db1", "app1", "app2",
				   "lab1" };

static void six_scans(struct tp_scan_result *s, const size_t *perm)
{
	size_t i;

	for (i = 0; i < 6; i++)
		scan_of(&s[i], six[perm ? perm[i] : i], mixed, 2);
}

static void assert_order(const struct tp_plan *plan, const char *const *want,
			 size_t n)
{
	size_t i;

	cr_assert_eq(plan->nupdate, n);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(plan->hosts[i].name, want[i], "host %zu", i);
}

Test(plan, criticality_order_takes_least_critical_first_then_inventory)
{
	static const char *const want[] = { "web2", "app2", "lab1", "app1",
					    "web1", "db1" };
	struct tp_scan_result s[6];
	struct tp_plan_input in;
	struct tp_plan *plan;

	six_scans(s, NULL);
	input(&in, PB(", \"waves\": [1, \"50%\", \"100%\"]"), s, 6);
	plan = build(&in);
	assert_order(plan, want, 6);
	cr_assert_eq(plan->nwaves, 3);
	cr_assert_eq(plan->wave_sizes[0], 1);
	cr_assert_eq(plan->wave_sizes[1], 2);
	cr_assert_eq(plan->wave_sizes[2], 3);
	cr_assert_eq(plan->hosts[0].wave, 1);
	cr_assert_eq(plan->hosts[2].wave, 2);
	cr_assert_eq(plan->hosts[5].wave, 3);
	tp_plan_free(plan);
	release(s, 6);
}

Test(plan, canaries_go_first_in_their_own_wave)
{
	static const char *const want[] = { "web1", "web2", "app1", "app2",
					    "db1", "lab1" };
	struct tp_scan_result s[6];
	struct tp_plan_input in;
	struct tp_plan *plan;

	six_scans(s, NULL);
	input(&in, PB(", \"order\": \"name\", \"waves\": "
		      "[{\"canary\": [\"web*\"]}, \"100%\"]"), s, 6);
	plan = build(&in);
	assert_order(plan, want, 6);
	cr_assert_eq(plan->nwaves, 2);
	cr_assert_eq(plan->wave_sizes[0], 2);
	cr_assert(plan->hosts[0].canary);
	cr_assert(plan->hosts[1].canary);
	cr_assert_not(plan->hosts[2].canary);
	tp_plan_free(plan);
	release(s, 6);
}

Test(plan, inventory_order_is_the_inventory_s)
{
	static const char *const want[] = { "web1", "web2", "db1", "app1",
					    "app2", "lab1" };
	static const size_t perm[] = { 5, 3, 1, 0, 4, 2 };
	struct tp_scan_result s[6];
	struct tp_plan_input in;
	struct tp_plan *plan;

	six_scans(s, perm);
	input(&in, PB(", \"order\": \"inventory\""), s, 6);
	plan = build(&in);
	assert_order(plan, want, 6);
	tp_plan_free(plan);
	release(s, 6);
}

Test(plan, unreachable_and_up_to_date_hosts_are_in_no_wave)
{
	struct tp_scan_result s[3];
	struct tp_plan_input in;
	struct tp_plan *plan;
	struct tp_plan_counts c;

	scan_of(&s[0], "web1", mixed, 3);
	scan_of(&s[1], "web2", NULL, 0);
	unreachable(&s[2], "db1");
	input(&in, PB(), s, 3);
	plan = build(&in);
	cr_assert_eq(plan->nupdate, 1);
	cr_assert_eq(plan->nwaves, 1);
	cr_assert_str_eq(plan->hosts[1].name, "web2");
	cr_assert_eq(plan->hosts[1].state, TP_PLAN_UP_TO_DATE);
	cr_assert_eq(plan->hosts[1].wave, 0);
	cr_assert_str_eq(plan->hosts[2].name, "db1");
	cr_assert_eq(plan->hosts[2].state, TP_PLAN_UNREACHABLE);
	cr_assert_str_eq(plan->hosts[2].error_code, "unreachable");
	cr_assert_str_eq(plan->hosts[2].error_stage, "connect");
	tp_plan_count(plan, &c);
	cr_assert_eq(c.update, 1);
	cr_assert_eq(c.up_to_date, 1);
	cr_assert_eq(c.unreachable, 1);
	cr_assert_eq(c.pins, 3);
	tp_plan_free(plan);
	release(s, 3);
}

Test(plan, a_canary_with_nothing_to_install_stops_the_plan)
{
	struct tp_scan_result s[2];
	struct tp_plan_input in;
	struct tp_plan *plan = NULL;
	struct tp_err err = { 0 };

	scan_of(&s[0], "web1", NULL, 0);
	scan_of(&s[1], "db1", mixed, 3);
	input(&in, PB(", \"waves\": [{\"canary\": [\"web1\"]}, \"100%\"]"), s,
	      2);
	cr_assert_eq(tp_plan_build(&plan, &in, NULL, &err), TP_ENOTFOUND);
	cr_assert_null(plan);
	cr_assert(strstr(err.msg, "canary"), "%s", err.msg);
	release(s, 2);
}

Test(plan, a_host_not_in_the_inventory_or_twice_is_refused)
{
	struct tp_scan_result s[2];
	struct tp_plan_input in;
	struct tp_plan *plan = NULL;
	struct tp_err err = { 0 };

	scan_of(&s[0], "web1", mixed, 3);
	scan_of(&s[1], "nope", mixed, 3);
	input(&in, PB(), s, 2);
	cr_assert_eq(tp_plan_build(&plan, &in, NULL, &err), TP_EINVAL);
	cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
	release(s, 2);
	scan_of(&s[0], "web1", mixed, 3);
	scan_of(&s[1], "web1", mixed, 3);
	input(&in, PB(), s, 2);
	cr_assert_eq(tp_plan_build(&plan, &in, NULL, &err), TP_EINVAL);
	cr_assert(strstr(err.msg, "twice"), "%s", err.msg);
	release(s, 2);
}

Test(plan, a_bad_playbook_is_a_config_error_with_its_problems)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(", \"sok\": \"1m\""), s, 1);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_plan_build(&plan, &in, &pr, &err), TP_ECONFIG);
	cr_assert_eq(pr.n, 1);
	cr_assert_str_eq(pr.v[0].path, "$.sok");
	tp_inv_problems_release(&pr);
	release(s, 1);
}

/* ---- reboots, priority, deadline ---- */

static enum tp_plan_reboot reboot_for(const char *pb, const struct up *ups,
				      size_t n, bool required)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	enum tp_plan_reboot r;

	scan_of(&s[0], "web1", ups, n);
	s[0].reboot_required = required;
	input(&in, pb, s, 1);
	plan = build(&in);
	r = host(plan, "web1")->reboot;
	cr_assert_not_null(host(plan, "web1")->reboot_why);
	tp_plan_free(plan);
	release(s, 1);
	return r;
}

Test(plan, reboot_expectations_follow_the_playbook_and_the_pins)
{
	static const struct up kernel[] = {
		UP("linux-image-6.1.0-22-amd64", "6.1.90-1", "6.1.94-1", true),
	};

	cr_assert_eq(reboot_for(PB(", \"reboot\": \"always\""), mixed, 1,
				false), TP_PLAN_REBOOT_YES);
	cr_assert_eq(reboot_for(PB(", \"reboot\": \"never\""), kernel, 1,
				true), TP_PLAN_REBOOT_NO);
	cr_assert_eq(reboot_for(PB(), kernel, 1, false), TP_PLAN_REBOOT_YES);
	cr_assert_eq(reboot_for(PB(), mixed, 3, true), TP_PLAN_REBOOT_YES);
	cr_assert_eq(reboot_for(PB(), mixed, 3, false),
		     TP_PLAN_REBOOT_IF_ASKED);
}

Test(plan, priority_and_deadline_come_from_the_missing_fixes)
{
	struct tp_scan_result s[2];
	struct tp_finding_list fl[2];
	struct tp_plan_input in;
	struct tp_plan *plan;
	const struct tp_plan_host *h;

	scan_of(&s[0], "web1", mixed, 3);
	scan_of(&s[1], "lab1", mixed, 3);
	memset(fl, 0, sizeof(fl));
	finding(&fl[0], "TPSA-1", "tp-libfoo", "tp-libfoo", "1.0-2",
		TP_SEV_CRITICAL, NULL);
	finding(&fl[1], "TPSA-2", "tp-service", "tp-service", "1.1-1",
		TP_SEV_MODERATE, NULL);
	input(&in, PB(), s, 2);
	in.findings = fl;
	plan = build(&in);
	/* critical -> emergency: 24 h from the scan that first saw it */
	h = host(plan, "web1");
	cr_assert(h->has_priority);
	cr_assert_eq(h->priority, TP_PRIO_EMERGENCY);
	cr_assert_str_eq(h->deadline, "2026-11-02T00:00:00Z");
	/* moderate -> medium, -1 for an isolated low host: low, 1 year; the
	 * unrated pocket update of tp-libfoo starts medium (policy), -1 */
	h = host(plan, "lab1");
	cr_assert(h->has_priority);
	cr_assert_eq(h->priority, TP_PRIO_LOW, "%s",
		     tp_priority_name(h->priority));
	cr_assert_not_null(h->deadline);
	tp_plan_free(plan);
	tp_finding_list_release(&fl[0]);
	tp_finding_list_release(&fl[1]);
	release(s, 2);
}

Test(plan, first_sightings_start_the_deadline_and_are_not_changed)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *plan;
	json_t *seen = json_pack("{s:{s:s}}", "web1", "security tp-libfoo",
				 "2026-10-01T00:00:00Z");
	char *before = json_dumps(seen, JSON_SORT_KEYS);
	char *after;

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(), s, 1);
	in.first_seen = seen;
	plan = build(&in);
	/* unknown severity -> medium (policy) +1 for high internet: high,
	 * 30 days from the first sighting */
	cr_assert_eq(host(plan, "web1")->priority, TP_PRIO_HIGH);
	cr_assert_str_eq(host(plan, "web1")->deadline, "2026-10-31T00:00:00Z");
	after = json_dumps(seen, JSON_SORT_KEYS);
	cr_assert_str_eq(after, before);
	free(before);
	free(after);
	json_decref(seen);
	tp_plan_free(plan);
	release(s, 1);
}

/* ---- determinism and the digest ---- */

Test(plan, same_inputs_give_a_byte_identical_plan)
{
	struct tp_scan_result s[6];
	struct tp_plan_input in;
	struct tp_plan *a, *b;
	char *ta, *tb;

	six_scans(s, NULL);
	input(&in, PB(), s, 6);
	a = build(&in);
	b = build(&in);
	ta = plan_text(a);
	tb = plan_text(b);
	cr_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
	tp_plan_free(a);
	tp_plan_free(b);
	release(s, 6);
}

Test(plan, shuffled_scans_give_the_same_plan)
{
	static const size_t perm[] = { 4, 0, 5, 2, 3, 1 };
	struct tp_scan_result s1[6], s2[6];
	struct tp_plan_input in;
	struct tp_plan *a, *b;
	char *ta, *tb;

	six_scans(s1, NULL);
	six_scans(s2, perm);
	/* one unreachable and one up-to-date host, at different places */
	tp_scan_result_release(&s1[2]);
	unreachable(&s1[2], "db1");
	tp_scan_result_release(&s2[3]);
	unreachable(&s2[3], "db1");
	tp_scan_result_release(&s1[5]);
	scan_of(&s1[5], "lab1", NULL, 0);
	tp_scan_result_release(&s2[2]);
	scan_of(&s2[2], "lab1", NULL, 0);
	input(&in, PB(", \"order\": \"name\""), s1, 6);
	a = build(&in);
	input(&in, PB(", \"order\": \"name\""), s2, 6);
	b = build(&in);
	ta = plan_text(a);
	tb = plan_text(b);
	cr_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
	tp_plan_free(a);
	tp_plan_free(b);
	release(s1, 6);
	release(s2, 6);
}

Test(plan, the_digest_changes_with_a_pin_and_not_with_created)
{
	struct tp_scan_result s[1];
	struct tp_plan_input in;
	struct tp_plan *a, *b, *c;

	scan_of(&s[0], "web1", mixed, 3);
	input(&in, PB(), s, 1);
	a = build(&in);
	in.now += 3600;
	b = build(&in);
	cr_assert_str_neq(a->created, b->created);
	cr_assert_str_eq(a->digest, b->digest);
	cr_assert_eq(strncmp(a->digest, "sha256:", 7), 0);
	cr_assert_eq(strlen(a->digest), 71);
	free(s[0].updates.items[1].candidate);
	s[0].updates.items[1].candidate = strdup("1.0-3");
	c = build(&in);
	cr_assert_str_neq(a->digest, c->digest);
	tp_plan_free(a);
	tp_plan_free(b);
	tp_plan_free(c);
	release(s, 1);
}

Test(plan, the_digest_is_sha256_of_the_canonical_document)
{
	json_t *doc = json_pack("{s:s, s:s, s:s, s:i}", "digest", "x",
				"created", "y", "b", "1", "a", 2);
	char d[TP_PLAN_DIGEST_SIZE];
	struct tp_err err = { 0 };

	cr_assert_eq(tp_plan_digest(d, doc, &err), 0);
	/* printf '{"a":2,"b":"1"}' | sha256sum */
	cr_assert_str_eq(d, "sha256:8f676f3bfacd6276f77d41ea1172e2add1029c79"
			    "f6fced531f045f4b436a26ab");
	json_decref(doc);
}

/* ---- the document, loaded back ---- */

static struct tp_plan *sample(struct tp_scan_result *s)
{
	struct tp_plan_input in;

	scan_of(&s[0], "web1", mixed, 3);
	scan_of(&s[1], "web2", mixed, 1);
	scan_of(&s[2], "app1", NULL, 0);
	unreachable(&s[3], "db1");
	input(&in, PB(", \"waves\": [1, \"100%\"], \"reboot\": \"never\""), s,
	      4);
	return build(&in);
}

static int load_text(struct tp_plan **out, const char *text,
		     struct tp_inv_problems *pr, struct tp_err *err)
{
	return tp_plan_load_buffer(out, "plan.json", text, strlen(text), pr,
				   err);
}

Test(plan, a_written_plan_loads_back_with_the_same_digest)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s), *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text = plan_text(plan), *again;

	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, text, &pr, &err), 0, "%s (%s)", err.msg,
		     pr.n ? pr.v[0].msg : "");
	cr_assert_str_eq(back->digest, plan->digest);
	cr_assert_eq(back->nhosts, 4);
	cr_assert_eq(back->nupdate, 2);
	cr_assert_eq(back->nwaves, 2);
	cr_assert_eq(back->playbook->reboot, TP_PB_REBOOT_NEVER);
	cr_assert_str_eq(back->hosts[0].pins[0].candidate,
			 plan->hosts[0].pins[0].candidate);
	again = plan_text(back);
	cr_assert_str_eq(again, text);
	free(again);
	free(text);
	tp_plan_free(back);
	tp_plan_free(plan);
	tp_inv_problems_release(&pr);
	release(s, 4);
}

/* Replace the first occurrence of from in *text with to. */
static void edit(char **text, const char *from, const char *to)
{
	char *at = strstr(*text, from), *n;
	size_t len;

	cr_assert_not_null(at, "%s not in the plan", from);
	len = strlen(*text) - strlen(from) + strlen(to);
	n = malloc(len + 1);
	memcpy(n, *text, (size_t)(at - *text));
	strcpy(n + (at - *text), to);
	strcat(n, at + strlen(from));
	free(*text);
	*text = n;
}

static bool has_problem(const struct tp_inv_problems *pr, const char *path,
			const char *msg)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		if (pr->v[i].path && !strcmp(pr->v[i].path, path) &&
		    strstr(pr->v[i].msg, msg))
			return true;
	return false;
}

Test(plan, a_plan_edited_after_review_is_refused)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s), *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text = plan_text(plan);

	edit(&text, "\"candidate\": \"1.0-2\"", "\"candidate\": \"1.0-9\"");
	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, text, &pr, &err), TP_ECONFIG);
	cr_assert_null(back);
	cr_assert_eq(pr.n, 1);
	cr_assert(has_problem(&pr, "$.digest", "changed after it was made"));
	cr_assert(strstr(err.msg, "edited after it was made"), "%s", err.msg);
	free(text);
	tp_plan_free(plan);
	tp_inv_problems_release(&pr);
	release(s, 4);
}

Test(plan, only_created_may_change_without_breaking_the_digest)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s), *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text = plan_text(plan);

	edit(&text, "\"created\": \"2026-11-01T00:00:00Z\"",
	     "\"created\": \"2027-01-01T00:00:00Z\"");
	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, text, &pr, &err), 0, "%s", err.msg);
	tp_plan_free(back);
	free(text);
	tp_plan_free(plan);
	tp_inv_problems_release(&pr);
	release(s, 4);
}

Test(plan, loader_problems_name_their_json_path)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s), *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text = plan_text(plan);

	edit(&text, "\"kind\": \"upgrade\"", "\"kind\": \"remove\"");
	edit(&text, "\"port\": 22", "\"port\": 0");
	edit(&text, "\"schema\": \"tidepatch.plan/1\"",
	     "\"schema\": \"tidepatch.plan/9\", \"extra\": 1");
	edit(&text, "\"wave\": 2", "\"wave\": 3");
	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, text, &pr, &err), TP_ECONFIG);
	cr_assert(has_problem(&pr, "$.hosts[0].pins[0].kind", "must be one of"));
	cr_assert(has_problem(&pr, "$.hosts[0].port", "1-65535"));
	cr_assert(has_problem(&pr, "$.schema", "tidepatch.plan/1"));
	cr_assert(has_problem(&pr, "$.extra", "unknown key"));
	cr_assert(has_problem(&pr, "$.waves[1]", "numbered"));
	cr_assert(has_problem(&pr, "$.digest", "changed"));
	free(text);
	tp_plan_free(plan);
	tp_inv_problems_release(&pr);
	release(s, 4);
}

Test(plan, loader_reports_syntax_errors_and_missing_fields)
{
	struct tp_plan *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, "{\"schema\": ", &pr, &err), TP_ECONFIG);
	cr_assert_eq(pr.n, 1);
	cr_assert_eq(pr.v[0].line, 1);
	tp_inv_problems_release(&pr);
	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, "{\"schema\": \"tidepatch.plan/1\"}", &pr,
			       &err), TP_ECONFIG);
	cr_assert(has_problem(&pr, "$.digest", "missing"));
	cr_assert(has_problem(&pr, "$.playbook", "missing"));
	cr_assert(has_problem(&pr, "$.hosts", "missing"));
	cr_assert_null(back);
	tp_inv_problems_release(&pr);
}

Test(plan, an_embedded_playbook_that_does_not_hash_is_refused)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s), *back = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text = plan_text(plan);

	edit(&text, "\\\"never\\\"", "\\\"always\\\"");
	tp_inv_problems_init(&pr);
	cr_assert_eq(load_text(&back, text, &pr, &err), TP_ECONFIG);
	cr_assert(has_problem(&pr, "$.playbook.sha256", "does not match"));
	free(text);
	tp_plan_free(plan);
	tp_inv_problems_release(&pr);
	release(s, 4);
}

/* ---- writers ---- */

Test(plan, the_summaries_show_waves_pins_and_hosts_left_out)
{
	struct tp_scan_result s[4];
	struct tp_plan *plan = sample(s);
	struct tp_err err = { 0 };
	struct tp_buf b;

	tp_buf_init(&b, (size_t)1 << 20);
	cr_assert_eq(tp_report_plan_text(&b, plan, NULL, &err), 0);
	cr_assert(strstr(b.data, "2 hosts to update in 2 waves, 4 pins"),
		  "%s", b.data);
	cr_assert(strstr(b.data, "wave 1"), "%s", b.data);
	cr_assert(strstr(b.data, "tp-libfoo"), "%s", b.data);
	cr_assert(strstr(b.data, "-> 1.0-2"), "%s", b.data);
	cr_assert(strstr(b.data, "up to date: app1"), "%s", b.data);
	cr_assert(strstr(b.data, "db1 (connect, unreachable)"), "%s", b.data);
	cr_assert(strstr(b.data, plan->digest), "%s", b.data);
	tp_buf_clear(&b);
	cr_assert_eq(tp_report_plan_markdown(&b, plan, &err), 0);
	cr_assert(strstr(b.data, "#### Wave 2"), "%s", b.data);
	cr_assert(strstr(b.data, "`tp-libfoo` 1.0-1 → `1.0-2`"), "%s",
		  b.data);
	cr_assert(strstr(b.data, "| `db1` | not scanned (connect, unreachable)"), "%s",
		  b.data);
	tp_buf_release(&b);
	tp_plan_free(plan);
	release(s, 4);
}
