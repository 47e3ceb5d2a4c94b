/*
 * test_fleet_plan.c - `tidepatch plan` against the test fleet on its own
 * apt repository, over real SSH: the pins must be exactly the versions
 * apt itself would install (read here from `apt-get -s` with the test's
 * own parser), the selection must follow the playbook, a host that got a
 * fix must lose that pin, a host that cannot be reached must be listed
 * as unreachable, and the plan file must load back with its digest.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"
#include "tidepatch/plan.h"

#define NHOSTS 3

static char dir[64];
static char repo[64];
static char inv[128];
static char pb_all[128];
static char pb_sec[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
}

static void up(void)
{
	char cmd[256];
	struct tp_cmd_result r;

	e2e_aptrepo_build(repo, sizeof(repo));
	e2e_fleet_up_repo(dir, sizeof(dir), NHOSTS, repo);
	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/playbooks", dir);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
	snprintf(pb_all, sizeof(pb_all), "%s/playbooks/all.json", dir);
	write_file(pb_all, "// every update, one host first\n"
			   "{ \"targets\": [\"fleet\"], \"order\": \"name\",\n"
			   "  \"waves\": [1, \"100%\"] }\n");
	snprintf(pb_sec, sizeof(pb_sec), "%s/playbooks/security.json", dir);
	write_file(pb_sec, "{ \"targets\": [\"fleet\"],\n"
			   "  \"select\": { \"security_only\": true },\n"
			   "  \"reboot\": \"always\" }\n");
}

static void down(void)
{
	e2e_fleet_down(dir);
	e2e_aptrepo_remove(repo);
}

TestSuite(fleet_plan, .init = up, .fini = down, .timeout = 300);

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *by_name(json_t *arr, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (!strcmp(str(e, "name"), name))
			return e;
	return NULL;
}

static json_t *plan_json(const char *playbook, const char *inventory,
			 int want_status)
{
	struct tp_cmd_result r;
	json_t *doc;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inventory, "--format", "json", playbook,
			NULL }), want_status, "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	tp_cmd_result_release(&r);
	cr_assert_str_eq(str(doc, "schema"), "tidepatch.plan/1");
	return doc;
}

/* What apt on host would install, by its own simulation. */
static size_t apt_says(const char *host, struct e2e_inst *inst, size_t max)
{
	struct tp_cmd_result r;
	size_t n;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, host, "--",
			"LC_ALL=C apt-get -s dist-upgrade", NULL }), 0,
		     "%s%s", r.out.data, r.errout.data);
	n = e2e_parse_inst(r.out.data, inst, max);
	tp_cmd_result_release(&r);
	return n;
}

Test(fleet_plan, pins_are_exactly_the_versions_apt_would_install)
{
	struct e2e_inst inst[32];
	json_t *doc, *h, *pins, *p;
	size_t n, i, k;
	const char *names[NHOSTS] = { "h001", "h002", "h003" };

	doc = plan_json(pb_all, inv, 0);
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), NHOSTS);
	cr_assert_eq(json_array_size(json_object_get(doc, "waves")), 2);
	for (k = 0; k < NHOSTS; k++) {
		h = by_name(json_object_get(doc, "hosts"), names[k]);
		cr_assert_not_null(h, "%s", names[k]);
		pins = json_object_get(h, "pins");
		n = apt_says(names[k], inst, 32);
		cr_assert_eq(n, 4, "%s: %zu Inst lines", names[k], n);
		cr_assert_eq(json_array_size(pins), n);
		for (i = 0; i < n; i++) {
			p = by_name(pins, inst[i].name);
			cr_assert_not_null(p, "%s: no pin for %s", names[k],
					   inst[i].name);
			cr_assert_str_eq(str(p, "candidate"), inst[i].candidate);
			cr_assert_str_eq(str(p, "installed"), inst[i].installed);
			cr_assert_eq(json_is_true(json_object_get(p, "security")),
				     inst[i].security != 0, "%s", inst[i].name);
		}
		/* nothing asks for a reboot yet; the playbook's default
		 * reboots only if the packages ask */
		cr_assert_str_eq(str(h, "reboot"), "if-asked");
	}
	/* order "name": h001 alone first, then the rest */
	cr_assert_str_eq(str(json_array_get(json_object_get(doc, "hosts"), 0),
			     "name"), "h001");
	json_decref(doc);
}

Test(fleet_plan, security_only_leaves_the_non_security_update_out)
{
	json_t *doc, *h, *skipped;
	size_t k;
	const char *names[NHOSTS] = { "h001", "h002", "h003" };

	doc = plan_json(pb_sec, inv, 0);
	for (k = 0; k < NHOSTS; k++) {
		h = by_name(json_object_get(doc, "hosts"), names[k]);
		cr_assert_not_null(h);
		cr_assert_eq(json_array_size(json_object_get(h, "pins")), 3);
		cr_assert_null(by_name(json_object_get(h, "pins"),
				       "tp-oldgone"));
		cr_assert_str_eq(str(by_name(json_object_get(h, "pins"),
					     "tp-libfoo"), "candidate"),
				 "1.0-2");
		skipped = by_name(json_object_get(h, "skipped"), "tp-oldgone");
		cr_assert_not_null(skipped);
		cr_assert_str_eq(str(skipped, "candidate"), "1.1-1");
		cr_assert_str_eq(str(skipped, "reason"),
				 "not a security update");
		cr_assert_str_eq(str(h, "reboot"), "yes");
	}
	json_decref(doc);
}

Test(fleet_plan, a_host_that_got_the_fix_loses_that_pin)
{
	struct tp_cmd_result r;
	json_t *doc, *h1, *h2;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--become", "h002", "--",
			"apt-get install -y -o Dpkg::Use-Pty=0 tp-libfoo", NULL }),
		     0, "%s%s", r.out.data, r.errout.data);
	tp_cmd_result_release(&r);
	doc = plan_json(pb_all, inv, 0);
	h1 = by_name(json_object_get(doc, "hosts"), "h001");
	h2 = by_name(json_object_get(doc, "hosts"), "h002");
	cr_assert_eq(json_array_size(json_object_get(h1, "pins")), 4);
	cr_assert_eq(json_array_size(json_object_get(h2, "pins")), 3);
	cr_assert_null(by_name(json_object_get(h2, "pins"), "tp-libfoo"));
	cr_assert_not_null(by_name(json_object_get(h1, "pins"), "tp-libfoo"));
	json_decref(doc);
}

Test(fleet_plan, an_unreachable_host_is_listed_and_the_exit_is_2)
{
	char inv2[128], cmd[1024];
	struct tp_cmd_result r;
	json_t *doc, *gone;

	/* the fleet's inventory plus a host nothing listens for */
	snprintf(inv2, sizeof(inv2), "%s/inv2", dir);
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p %s; cp %s/known_hosts %s/; "
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		 "h=dict(next(iter(d[\"hosts\"].values()))); "
		 "h[\"address\"]=\"127.0.1.250\"; d[\"hosts\"][\"h999\"]=h; "
		 "json.dump(d, open(sys.argv[2], \"w\"))' "
		 "%s/hosts.json %s/hosts.json", inv2, inv, inv2, inv, inv2);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	tp_cmd_result_release(&r);
	doc = plan_json(pb_all, inv2, 2);
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), NHOSTS);
	gone = by_name(json_object_get(doc, "unreachable"), "h999");
	cr_assert_not_null(gone);
	cr_assert_str_eq(str(gone, "stage"), "connect");
	cr_assert_str_eq(str(gone, "error"), "unreachable");
	/* in no wave */
	cr_assert_eq(json_array_size(json_object_get(json_array_get(
			     json_object_get(doc, "waves"), 1), "hosts")),
		     NHOSTS - 1);
	json_decref(doc);

	/* only the unreachable host: nothing to plan, 69, no file */
	snprintf(cmd, sizeof(cmd), "%s/gone.json", dir);
	write_file(cmd, "{ \"targets\": [\"h999\"] }\n");
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inv2, "-o", "/dev/null", cmd, NULL }), 69,
		     "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(fleet_plan, the_plan_file_loads_back_and_reads_for_review)
{
	char file[128], bad[128];
	struct tp_cmd_result r;
	struct tp_inv_problems pr;
	struct tp_plan *plan = NULL;
	struct tp_err err = { 0 };
	json_t *doc;

	snprintf(file, sizeof(file), "%s/plan.json", dir);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inv, "-o", file, pb_all, NULL }), 0,
		     "%s", r.errout.data);
	/* the summary on stdout names the digest of the file */
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_plan_load(&plan, file, &pr, &err), 0, "%s", err.msg);
	cr_assert(strstr(r.out.data, plan->digest), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "3 hosts to update in 2 waves, 12 pins"),
		  "%s", r.out.data);
	cr_assert_eq(plan->nupdate, NHOSTS);
	cr_assert_str_eq(plan->playbook->name, "all");
	tp_cmd_result_release(&r);

	/* the markdown for the merge request has the pins */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inv, "--format", "markdown", pb_all,
			NULL }), 0, "%s", r.errout.data);
	cr_assert(strstr(r.out.data, "`tp-libfoo` 1.0-1 → `1.0-2`"), "%s",
		  r.out.data);
	cr_assert(strstr(r.out.data, "`tp-oldgone` 1.0-1 → `1.1-1`"), "%s",
		  r.out.data);
	cr_assert(strstr(r.out.data, "#### Wave 2"), "%s", r.out.data);
	tp_cmd_result_release(&r);

	/* an edited plan is refused */
	doc = json_load_file(file, 0, NULL);
	cr_assert_not_null(doc);
	json_object_set_new(json_array_get(json_object_get(json_array_get(
		json_object_get(doc, "hosts"), 0), "pins"), 0), "candidate",
		json_string("9.9-9"));
	snprintf(bad, sizeof(bad), "%s/edited.json", dir);
	cr_assert_eq(json_dump_file(doc, bad, JSON_INDENT(2)), 0);
	json_decref(doc);
	tp_plan_free(plan);
	plan = NULL;
	tp_inv_problems_release(&pr);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_plan_load(&plan, bad, &pr, &err), TP_ECONFIG);
	cr_assert(strstr(err.msg, "edited"), "%s", err.msg);
	tp_inv_problems_release(&pr);

	/* a bad playbook: its problems, exit 78 */
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	write_file(bad, "{ \"targets\": [\"fleet\"], \"sok\": \"1m\" }\n");
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inv, bad, NULL }), 78, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "$.sok"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}
