/*
 * test_policy.c - the policy file, release priorities, deadlines and
 * rule matching (tidepatch-policy(5), compliance.h).
 *
 * Fixtures live in tests/fixtures/policy/: valid.json is a full file,
 * inventory.json a four-host inventory for host patterns, and each
 * broken/<name>.json has broken/<name>.expected, the exact problems a
 * load must report, one per line, in order. Tests chdir to $TP_FIXTURES
 * so file names in messages are stable; Criterion runs every test in its
 * own process, so the chdir does not leak. Expected epoch values were
 * computed with `date -u -d <time> +%s`.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "tidepatch/buf.h"
#include "tidepatch/compliance.h"

#define H(n) ((int64_t)(n) * 3600)
#define D(n) ((int64_t)(n) * 86400)

static void to_fixtures(void)
{
	const char *root = getenv("TP_FIXTURES");

	cr_assert_eq(chdir(root ? root : "fixtures"), 0, "chdir to fixtures");
}

static void load_ok(struct tp_policy *p, const char *path)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char line[2048] = "";
	int rc;

	to_fixtures();
	tp_policy_init(p);
	tp_inv_problems_init(&pr);
	rc = tp_policy_load(p, path, &pr, &err);
	if (pr.n)
		tp_inv_problem_format(&pr.v[0], line, sizeof(line));
	cr_assert_eq(rc, 0, "%s: %s", err.msg, line);
	cr_assert_eq(pr.n, 0);
	tp_inv_problems_release(&pr);
}

/* Load path, expect TP_ECONFIG and exactly the lines of expected. */
static void expect_problems(const char *path, const char *expected)
{
	struct tp_policy p;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	struct tp_buf got;
	char *want, line[2048];
	size_t i;

	to_fixtures();
	want = tp_test_fixture(expected, NULL);
	tp_policy_init(&p);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_policy_load(&p, path, &pr, &err), TP_ECONFIG, "%s",
		     err.msg);
	cr_assert_null(p.source, "a failed load must not apply");
	tp_buf_init(&got, 1 << 20);
	for (i = 0; i < pr.n; i++) {
		tp_inv_problem_format(&pr.v[i], line, sizeof(line));
		cr_assert_eq(tp_buf_printf(&got, &err, "%s\n", line), 0);
	}
	cr_assert_str_eq(got.data ? got.data : "", want);
	tp_buf_release(&got);
	tp_inv_problems_release(&pr);
	tp_policy_release(&p);
	free(want);
}

/* ---- names ---- */

Test(policy, priority_names_round_trip)
{
	static const char *const names[] = { "low", "medium", "high",
					     "emergency" };
	enum tp_priority got;
	int i;

	for (i = 0; i < TP_PRIO_COUNT; i++) {
		cr_assert_str_eq(tp_priority_name((enum tp_priority)i),
				 names[i]);
		cr_assert_eq(tp_priority_from_name(&got, names[i], NULL), 0);
		cr_assert_eq(got, (enum tp_priority)i);
	}
}

Test(policy, priority_from_name_rejects_other_words)
{
	struct tp_err err = { 0 };
	enum tp_priority got = TP_PRIO_HIGH;

	cr_assert_eq(tp_priority_from_name(&got, "critical", &err),
		     TP_EINVAL);
	cr_assert_str_eq(err.msg, "unknown priority \"critical\"");
	cr_assert_eq(tp_priority_from_name(&got, "Emergency", NULL),
		     TP_EINVAL);
	cr_assert_eq(tp_priority_from_name(&got, NULL, NULL), TP_EINVAL);
	cr_assert_eq(got, TP_PRIO_HIGH, "untouched on failure");
	cr_assert_str_eq(tp_priority_name((enum tp_priority)9), "unknown");
}

Test(policy, compliance_names_round_trip)
{
	static const char *const names[] = {
		"installed", "installed_pending_reboot", "missing",
		"missing_overdue", "failed", "rolled_back", "excluded",
		"not_applicable", "unreachable",
	};
	enum tp_compliance got;
	int i;

	cr_assert_eq(sizeof(names) / sizeof(names[0]), TP_COMP_COUNT);
	for (i = 0; i < TP_COMP_COUNT; i++) {
		cr_assert_str_eq(tp_compliance_name((enum tp_compliance)i),
				 names[i]);
		cr_assert_eq(tp_compliance_from_name(&got, names[i], NULL), 0);
		cr_assert_eq(got, (enum tp_compliance)i);
	}
}

Test(policy, compliance_from_name_rejects_other_words)
{
	struct tp_err err = { 0 };
	enum tp_compliance got;

	cr_assert_eq(tp_compliance_from_name(&got, "overdue", &err),
		     TP_EINVAL);
	cr_assert_str_eq(err.msg, "unknown compliance state \"overdue\"");
	cr_assert_eq(tp_compliance_from_name(&got, "", NULL), TP_EINVAL);
	cr_assert_str_eq(tp_compliance_name((enum tp_compliance)42),
			 "unknown");
}

/* ---- defaults and loading ---- */

Test(policy, defaults_are_the_seeds_recommended_time_frames)
{
	struct tp_policy p;

	tp_policy_init(&p);
	cr_assert_eq(p.deadline_s[TP_PRIO_EMERGENCY], H(24));
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], D(30));
	cr_assert_eq(p.deadline_s[TP_PRIO_MEDIUM], D(120));
	cr_assert_eq(p.deadline_s[TP_PRIO_LOW], D(365));
	cr_assert_eq(p.critical_asset_s, H(72));
	cr_assert_eq(p.unknown_severity, TP_PRIO_MEDIUM);
	cr_assert_null(p.source);
	cr_assert_eq(p.nexclude, 0);
	cr_assert_eq(p.nmitigate, 0);
	tp_policy_release(&p);
}

Test(policy, loads_a_full_file)
{
	struct tp_policy p;
	const struct tp_policy_rule *r;

	load_ok(&p, "policy/valid.json");
	cr_assert_str_eq(p.source, "policy/valid.json");
	cr_assert_eq(p.deadline_s[TP_PRIO_EMERGENCY], H(12));
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], D(14));
	cr_assert_eq(p.deadline_s[TP_PRIO_MEDIUM], D(90));
	cr_assert_eq(p.deadline_s[TP_PRIO_LOW], D(180));
	cr_assert_eq(p.critical_asset_s, H(48));
	cr_assert_eq(p.unknown_severity, TP_PRIO_HIGH);

	cr_assert_eq(p.nexclude, 2);
	r = &p.exclude[0];
	cr_assert_str_eq(r->advisory, "DSA-5*");
	cr_assert_str_eq(r->package, "openssl");
	cr_assert_str_eq(r->hosts, "web:&prod");
	cr_assert_str_eq(r->reason, "accepted risk, ticket SEC-42");
	cr_assert_eq(r->until, 1801440000, "end of 2027-01-31 UTC");
	r = &p.exclude[1];
	cr_assert_null(r->advisory);
	cr_assert_str_eq(r->package, "linux-image-*");
	cr_assert_str_eq(r->hosts, "lab");
	cr_assert_eq(r->until, 0);

	cr_assert_eq(p.nmitigate, 1);
	r = &p.mitigate[0];
	cr_assert_str_eq(r->advisory, "CVE-2024-6387");
	cr_assert_null(r->package);
	cr_assert_str_eq(r->reason, "sshd only on the management VLAN");
	cr_assert_eq(r->until, 1796146200, "2026-12-01T17:30:00Z");
	tp_policy_release(&p);
}

Test(policy, empty_object_keeps_every_default)
{
	struct tp_policy p, d;

	load_ok(&p, "policy/empty_object.json");
	tp_policy_init(&d);
	cr_assert_str_eq(p.source, "policy/empty_object.json");
	cr_assert_arr_eq(p.deadline_s, d.deadline_s, sizeof(d.deadline_s));
	cr_assert_eq(p.critical_asset_s, d.critical_asset_s);
	cr_assert_eq(p.unknown_severity, d.unknown_severity);
	cr_assert_eq(p.nexclude + p.nmitigate, 0);
	tp_policy_release(&p);
}

Test(policy, keys_left_out_keep_their_defaults)
{
	struct tp_policy p;

	load_ok(&p, "policy/partial.json");
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], D(45));
	cr_assert_eq(p.deadline_s[TP_PRIO_EMERGENCY], H(24));
	cr_assert_eq(p.deadline_s[TP_PRIO_MEDIUM], D(120));
	cr_assert_eq(p.critical_asset_s, H(72));
	cr_assert_eq(p.unknown_severity, TP_PRIO_LOW);
	tp_policy_release(&p);
}

Test(policy, durations_take_every_unit_up_to_36500_days)
{
	struct tp_policy p;

	load_ok(&p, "policy/units.json");
	cr_assert_eq(p.deadline_s[TP_PRIO_EMERGENCY], 5400);
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], H(720));
	cr_assert_eq(p.deadline_s[TP_PRIO_MEDIUM], D(17 * 7));
	cr_assert_eq(p.deadline_s[TP_PRIO_LOW], D(36500));
	cr_assert_eq(p.critical_asset_s, 30 * 60);
	tp_policy_release(&p);
}

Test(policy, until_takes_dates_and_rfc3339_times)
{
	static const time_t want[] = {
		1801440000,	/* 2027-02-01T00:00:00Z: all of the 31st */
		1835481600,	/* 2028-03-01T00:00:00Z: leap day */
		1801398896,	/* 2027-01-31T12:34:56Z */
		1801379096,	/* +05:30 -> 07:04:56Z */
		1801427696,	/* -08:00 -> 20:34:56Z */
		1801398896,	/* fraction dropped */
		1801398896,	/* lower-case t and z */
		1483228799,	/* :60 counts as :59 */
		0,		/* no until: never expires */
	};
	struct tp_policy p;
	size_t i;

	load_ok(&p, "policy/until_forms.json");
	cr_assert_eq(p.nmitigate, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < p.nmitigate; i++)
		cr_assert_eq(p.mitigate[i].until, want[i], "%s: %lld",
			     p.mitigate[i].reason,
			     (long long)p.mitigate[i].until);
	tp_policy_release(&p);
}

Test(policy, missing_file_is_not_found_without_problems)
{
	struct tp_policy p;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_policy_init(&p);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_policy_load(&p, "policy/nope.json", &pr, &err),
		     TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no policy at policy/nope.json");
	cr_assert_eq(pr.n, 0);
	cr_assert_null(p.source);
	tp_policy_release(&p);
}

Test(policy, failed_load_leaves_the_policy_as_it_was)
{
	struct tp_policy p;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	load_ok(&p, "policy/valid.json");
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_policy_load(&p, "policy/broken/notobject.json", &pr,
				    &err),
		     TP_ECONFIG);
	cr_assert_str_eq(err.msg, "1 problem in policy "
				  "policy/broken/notobject.json");
	cr_assert_str_eq(p.source, "policy/valid.json");
	cr_assert_eq(p.deadline_s[TP_PRIO_MEDIUM], D(90));
	cr_assert_eq(p.nexclude, 2);
	cr_assert_str_eq(p.exclude[0].reason, "accepted risk, ticket SEC-42");
	tp_inv_problems_release(&pr);
	tp_policy_release(&p);
}

Test(policy, loading_again_replaces_the_rules)
{
	struct tp_policy p;
	struct tp_err err = { 0 };

	load_ok(&p, "policy/valid.json");
	cr_assert_eq(tp_policy_load(&p, "policy/partial.json", NULL, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(p.nexclude + p.nmitigate, 0);
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], D(45));
	cr_assert_eq(p.deadline_s[TP_PRIO_EMERGENCY], H(12),
		     "values the second file leaves out stay");
	tp_policy_release(&p);
}

Test(policy, release_resets_to_the_defaults)
{
	struct tp_policy p;

	load_ok(&p, "policy/valid.json");
	tp_policy_release(&p);
	cr_assert_null(p.source);
	cr_assert_null(p.exclude);
	cr_assert_eq(p.nexclude, 0);
	cr_assert_eq(p.deadline_s[TP_PRIO_HIGH], D(30));
	tp_policy_release(&p);	/* twice is fine */
	tp_policy_release(NULL);
}

Test(policy, problems_without_a_list_still_fail_with_their_count)
{
	struct tp_policy p;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_policy_init(&p);
	cr_assert_eq(tp_policy_load(&p, "policy/broken/types.json", NULL,
				    &err),
		     TP_ECONFIG);
	cr_assert_str_eq(err.msg, "6 problems in policy "
				  "policy/broken/types.json");
}

Test(policy, syntax_error_has_line_and_column)
{
	expect_problems("policy/broken/syntax.json",
			"policy/broken/syntax.expected");
}

Test(policy, empty_file_is_a_syntax_error)
{
	expect_problems("policy/broken/empty.json",
			"policy/broken/empty.expected");
}

Test(policy, document_must_be_an_object)
{
	expect_problems("policy/broken/notobject.json",
			"policy/broken/notobject.expected");
}

Test(policy, unknown_keys_are_problems_at_every_level)
{
	expect_problems("policy/broken/unknown.json",
			"policy/broken/unknown.expected");
}

Test(policy, wrong_types_are_problems)
{
	expect_problems("policy/broken/types.json",
			"policy/broken/types.expected");
}

Test(policy, bad_durations_zero_and_overflow_are_problems)
{
	expect_problems("policy/broken/durations.json",
			"policy/broken/durations.expected");
}

Test(policy, durations_reject_fractions_signs_spaces_and_odd_units)
{
	expect_problems("policy/broken/duration_forms.json",
			"policy/broken/duration_forms.expected");
}

Test(policy, shorter_deadline_for_a_less_urgent_priority_is_a_problem)
{
	expect_problems("policy/broken/order.json",
			"policy/broken/order.expected");
}

Test(policy, deadline_order_blames_the_key_the_file_set)
{
	expect_problems("policy/broken/order_default.json",
			"policy/broken/order_default.expected");
}

Test(policy, rules_need_a_target_a_reason_and_valid_host_patterns)
{
	expect_problems("policy/broken/rules.json",
			"policy/broken/rules.expected");
}

Test(policy, bad_until_values_are_problems)
{
	expect_problems("policy/broken/until.json",
			"policy/broken/until.expected");
}

/* Write "{}" padded with spaces to exactly size bytes in a fresh temp
 * directory; returns the malloc'd path. */
static char *padded_file(size_t size)
{
	char dir[] = "/tmp/tp-policy-XXXXXX", *path = malloc(64);
	FILE *f;
	size_t i;

	cr_assert_not_null(path);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, 64, "%s/policy.json", dir);
	cr_assert_not_null(f = fopen(path, "wb"));
	fputs("{}", f);
	for (i = 2; i < size; i++)
		fputc(' ', f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static void remove_file(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

Test(policy, file_of_exactly_one_mib_loads)
{
	struct tp_policy p;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *path = padded_file((size_t)1 << 20);
	int rc;

	tp_policy_init(&p);
	tp_inv_problems_init(&pr);
	rc = tp_policy_load(&p, path, &pr, &err);
	remove_file(path);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(pr.n, 0);
	tp_policy_release(&p);
}

Test(policy, file_one_byte_over_one_mib_is_a_problem)
{
	struct tp_policy p;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *path = padded_file(((size_t)1 << 20) + 1), want[256];
	char line[512];
	int rc;

	tp_policy_init(&p);
	tp_inv_problems_init(&pr);
	rc = tp_policy_load(&p, path, &pr, &err);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", path);
	remove_file(path);
	cr_assert_eq(rc, TP_ECONFIG, "%s", err.msg);
	cr_assert_eq(pr.n, 1);
	tp_inv_problem_format(&pr.v[0], line, sizeof(line));
	cr_assert_str_eq(line, want);
	tp_inv_problems_release(&pr);
}

/* ---- priority ---- */

static struct tp_inv_host asset(enum tp_criticality c, enum tp_exposure e)
{
	struct tp_inv_host h;

	memset(&h, 0, sizeof(h));
	h.name = (char *)"h";
	h.criticality = c;
	h.exposure = e;
	return h;
}

Test(policy, severity_sets_the_starting_priority)
{
	static const struct {
		enum tp_severity sev;
		enum tp_priority want;
		const char *why;
	} t[] = {
		{ TP_SEV_CRITICAL, TP_PRIO_EMERGENCY,
		  "severity critical -> emergency" },
		{ TP_SEV_IMPORTANT, TP_PRIO_HIGH,
		  "severity important -> high" },
		{ TP_SEV_MODERATE, TP_PRIO_MEDIUM,
		  "severity moderate -> medium" },
		{ TP_SEV_LOW, TP_PRIO_LOW, "severity low -> low" },
		{ TP_SEV_UNKNOWN, TP_PRIO_MEDIUM,
		  "severity unknown -> medium" },
	};
	struct tp_policy p;
	char why[TP_PRIO_WHY_MAX];
	size_t i;

	tp_policy_init(&p);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(tp_priority_for(&p, t[i].sev, false, NULL, NULL,
					     why),
			     t[i].want, "%s", t[i].why);
		cr_assert_str_eq(why, t[i].why);
	}
}

Test(policy, unknown_severity_starts_from_the_policy)
{
	struct tp_policy p;
	char why[TP_PRIO_WHY_MAX];

	tp_policy_init(&p);
	p.unknown_severity = TP_PRIO_HIGH;
	cr_assert_eq(tp_priority_for(&p, TP_SEV_UNKNOWN, false, NULL, NULL,
				     why),
		     TP_PRIO_HIGH);
	cr_assert_str_eq(why, "severity unknown -> high");
	cr_assert_eq(tp_priority_for(NULL, TP_SEV_UNKNOWN, false, NULL, NULL,
				     why),
		     TP_PRIO_MEDIUM, "no policy: the default");
}

Test(policy, each_high_value_or_exposed_asset_raises_once)
{
	static const struct {
		enum tp_criticality c;
		enum tp_exposure e;
		const char *why;
	} t[] = {
		{ TP_CRIT_HIGH, TP_EXPO_INTERNAL,
		  "severity moderate -> medium; raised: criticality high" },
		{ TP_CRIT_CRITICAL, TP_EXPO_INTERNAL,
		  "severity moderate -> medium; raised: criticality critical" },
		{ TP_CRIT_MEDIUM, TP_EXPO_DMZ,
		  "severity moderate -> medium; raised: exposure dmz" },
		{ TP_CRIT_MEDIUM, TP_EXPO_INTERNET,
		  "severity moderate -> medium; raised: exposure internet" },
		{ TP_CRIT_CRITICAL, TP_EXPO_INTERNET,
		  "severity moderate -> medium; raised: criticality critical, "
		  "exposure internet" },
	};
	char why[TP_PRIO_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tp_inv_host h = asset(t[i].c, t[i].e);

		cr_assert_eq(tp_priority_for(NULL, TP_SEV_MODERATE, false, &h,
					     NULL, why),
			     TP_PRIO_HIGH, "%s", t[i].why);
		cr_assert_str_eq(why, t[i].why);
	}
}

Test(policy, each_low_value_or_isolated_asset_lowers_once)
{
	static const struct {
		enum tp_criticality c;
		enum tp_exposure e;
		const char *why;
	} t[] = {
		{ TP_CRIT_LOW, TP_EXPO_INTERNAL,
		  "severity important -> high; lowered: criticality low" },
		{ TP_CRIT_MEDIUM, TP_EXPO_ISOLATED,
		  "severity important -> high; lowered: exposure isolated" },
		{ TP_CRIT_LOW, TP_EXPO_ISOLATED,
		  "severity important -> high; lowered: criticality low, "
		  "exposure isolated" },
	};
	char why[TP_PRIO_WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct tp_inv_host h = asset(t[i].c, t[i].e);

		cr_assert_eq(tp_priority_for(NULL, TP_SEV_IMPORTANT, false, &h,
					     NULL, why),
			     TP_PRIO_MEDIUM, "%s", t[i].why);
		cr_assert_str_eq(why, t[i].why);
	}
}

Test(policy, ordinary_host_and_no_host_change_nothing)
{
	struct tp_inv_host h = asset(TP_CRIT_MEDIUM, TP_EXPO_INTERNAL);
	char why[TP_PRIO_WHY_MAX];

	cr_assert_eq(tp_priority_for(NULL, TP_SEV_IMPORTANT, false, &h, NULL,
				     why),
		     TP_PRIO_HIGH);
	cr_assert_str_eq(why, "severity important -> high");
}

Test(policy, every_factor_together_explains_itself)
{
	struct tp_inv_host h = asset(TP_CRIT_MEDIUM, TP_EXPO_INTERNET);
	struct tp_policy_rule m = {
		.advisory = (char *)"CVE-2024-6387",
		.reason = (char *)"sshd only on the management VLAN",
	};
	char why[TP_PRIO_WHY_MAX];

	/* high +1 +1 -1 = emergency */
	cr_assert_eq(tp_priority_for(NULL, TP_SEV_IMPORTANT, true, &h, &m,
				     why),
		     TP_PRIO_EMERGENCY);
	cr_assert_str_eq(why, "severity important -> high; raised: exposure "
			      "internet; raised: known exploited; lowered: "
			      "mitigated (sshd only on the management VLAN)");
}

Test(policy, clamps_at_emergency)
{
	struct tp_inv_host h = asset(TP_CRIT_CRITICAL, TP_EXPO_DMZ);
	char why[TP_PRIO_WHY_MAX];

	cr_assert_eq(tp_priority_for(NULL, TP_SEV_CRITICAL, true, &h, NULL,
				     why),
		     TP_PRIO_EMERGENCY);
	cr_assert_str_eq(why, "severity critical -> emergency; raised: "
			      "criticality critical, exposure dmz; raised: "
			      "known exploited; clamped to emergency");
}

Test(policy, clamps_at_low)
{
	struct tp_inv_host h = asset(TP_CRIT_LOW, TP_EXPO_ISOLATED);
	struct tp_policy_rule m = { .package = (char *)"x",
				    .reason = (char *)"off" };
	char why[TP_PRIO_WHY_MAX];

	cr_assert_eq(tp_priority_for(NULL, TP_SEV_LOW, false, &h, &m, why),
		     TP_PRIO_LOW);
	cr_assert_str_eq(why, "severity low -> low; lowered: mitigated (off); "
			      "lowered: criticality low, exposure isolated; "
			      "clamped to low");
}

Test(policy, steps_are_summed_before_clamping)
{
	/* emergency +1 -1: a mitigation cancels the exposure even at the
	 * top, instead of the clamp eating the raise and the mitigation
	 * then lowering. */
	struct tp_inv_host h = asset(TP_CRIT_MEDIUM, TP_EXPO_INTERNET);
	struct tp_policy_rule m = { .package = (char *)"x",
				    .reason = (char *)"firewalled" };
	char why[TP_PRIO_WHY_MAX];

	cr_assert_eq(tp_priority_for(NULL, TP_SEV_CRITICAL, false, &h, &m,
				     why),
		     TP_PRIO_EMERGENCY);
	cr_assert_null(strstr(why, "clamped"), "%s", why);
}

/*
 * Every severity against the combinations of factors that move it:
 * the table is the man page's rule written out, clamp(start + steps).
 */
Test(policy, priority_table_for_every_severity_and_adjustment)
{
	enum { NONE, RAISE, EXPLOIT, MITIGATE, LOWER, RAISE_EXPLOIT,
	       MITIGATE_LOWER, RAISE_LOWER, ALL, NCASES };
	static const enum tp_priority want[5][NCASES] = {
		/* NONE RAISE EXPL MITI LOWER R+E M+L R+L ALL */
		[TP_SEV_CRITICAL] = { 3, 3, 3, 2, 2, 3, 1, 3, 3 },
		[TP_SEV_IMPORTANT] = { 2, 3, 3, 1, 1, 3, 0, 2, 2 },
		[TP_SEV_MODERATE] = { 1, 2, 2, 0, 0, 3, 0, 1, 1 },
		[TP_SEV_LOW] = { 0, 1, 1, 0, 0, 2, 0, 0, 0 },
		[TP_SEV_UNKNOWN] = { 1, 2, 2, 0, 0, 3, 0, 1, 1 },
	};
	struct tp_policy_rule m = { .package = (char *)"x",
				    .reason = (char *)"m" };
	int sev, c;

	for (sev = TP_SEV_UNKNOWN; sev <= TP_SEV_CRITICAL; sev++) {
		for (c = 0; c < NCASES; c++) {
			bool raise = c == RAISE || c == RAISE_EXPLOIT ||
				     c == RAISE_LOWER || c == ALL;
			bool lower = c == LOWER || c == MITIGATE_LOWER ||
				     c == RAISE_LOWER || c == ALL;
			bool expl = c == EXPLOIT || c == RAISE_EXPLOIT ||
				    c == ALL;
			bool miti = c == MITIGATE || c == MITIGATE_LOWER ||
				    c == ALL;
			/* RAISE_LOWER: a critical but isolated host. */
			struct tp_inv_host h = asset(
				raise ? TP_CRIT_CRITICAL : TP_CRIT_MEDIUM,
				lower ? TP_EXPO_ISOLATED : TP_EXPO_INTERNAL);

			cr_assert_eq(tp_priority_for(NULL,
						     (enum tp_severity)sev,
						     expl, &h,
						     miti ? &m : NULL, NULL),
				     want[sev][c], "severity %s case %d",
				     tp_severity_name((enum tp_severity)sev),
				     c);
		}
	}
}

Test(policy, long_mitigation_reason_is_cut_with_an_ellipsis)
{
	struct tp_policy_rule m = { .package = (char *)"x" };
	static const char prefix[] = "severity important -> high; lowered: "
				     "mitigated (rrr";
	char reason[600], why[TP_PRIO_WHY_MAX];

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	m.reason = reason;
	cr_assert_eq(tp_priority_for(NULL, TP_SEV_IMPORTANT, false, NULL, &m,
				     why),
		     TP_PRIO_MEDIUM);
	cr_assert_eq(strlen(why), TP_PRIO_WHY_MAX - 1);
	cr_assert_str_eq(why + TP_PRIO_WHY_MAX - 4, "...");
	cr_assert_eq(strncmp(why, prefix, strlen(prefix)), 0, "%s", why);
}

/* ---- deadlines ---- */

Test(policy, deadline_per_priority)
{
	struct tp_policy p;
	struct tp_inv_host h = asset(TP_CRIT_HIGH, TP_EXPO_INTERNET);

	tp_policy_init(&p);
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_EMERGENCY,
					  TP_SEV_CRITICAL, &h),
		     H(24));
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_CRITICAL,
					  &h),
		     D(30), "criticality high is not capped");
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_MEDIUM,
					  TP_SEV_MODERATE, NULL),
		     D(120));
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_LOW, TP_SEV_LOW, NULL),
		     D(365));
}

Test(policy, critical_severity_on_a_critical_asset_is_capped)
{
	struct tp_policy p;
	struct tp_inv_host h = asset(TP_CRIT_CRITICAL, TP_EXPO_INTERNAL);

	tp_policy_init(&p);
	/* A mitigated critical fix is high priority: 30 days, but never
	 * more than 72 hours on a critical system. */
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_CRITICAL,
					  &h),
		     H(72));
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_LOW, TP_SEV_CRITICAL,
					  &h),
		     H(72));
}

Test(policy, critical_asset_cap_never_lengthens_a_deadline)
{
	struct tp_policy p;
	struct tp_inv_host h = asset(TP_CRIT_CRITICAL, TP_EXPO_INTERNAL);

	tp_policy_init(&p);
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_EMERGENCY,
					  TP_SEV_CRITICAL, &h),
		     H(24));
}

Test(policy, critical_asset_cap_needs_critical_severity)
{
	struct tp_policy p;
	struct tp_inv_host h = asset(TP_CRIT_CRITICAL, TP_EXPO_INTERNAL);

	tp_policy_init(&p);
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_IMPORTANT,
					  &h),
		     D(30));
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_CRITICAL,
					  NULL),
		     D(30), "no host: medium criticality");
}

Test(policy, deadlines_come_from_the_loaded_file)
{
	struct tp_policy p;
	struct tp_inv_host h = asset(TP_CRIT_CRITICAL, TP_EXPO_INTERNAL);

	load_ok(&p, "policy/valid.json");
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_IMPORTANT,
					  &h),
		     D(14));
	cr_assert_eq(tp_policy_deadline_s(&p, TP_PRIO_HIGH, TP_SEV_CRITICAL,
					  &h),
		     H(48));
	tp_policy_release(&p);
}

/* ---- matching ---- */

#define NOW ((time_t)1790000000)	/* 2026-09-21T14:13:20Z */

static struct tp_policy_rule rule(const char *advisory, const char *package,
				  const char *hosts, time_t until)
{
	struct tp_policy_rule r = {
		.advisory = (char *)advisory,
		.package = (char *)package,
		.hosts = (char *)hosts,
		.reason = (char *)"because",
		.until = until,
	};

	return r;
}

static struct tp_inventory *inventory(void)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, "policy/inventory.json", &pr,
				       &err),
		     0, "%s", err.msg);
	tp_inv_problems_release(&pr);
	return inv;
}

Test(policy, advisory_glob_matches_the_id)
{
	struct tp_policy_rule r = rule("DSA-5*", NULL, NULL, 0);

	cr_assert_eq(tp_policy_match(&r, 1, NULL, "web1", "DSA-5123-1", NULL,
				     0, "openssl", NOW),
		     &r);
	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", "DSA-4000-1",
				       NULL, 0, "openssl", NOW));
	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", "dsa-5123-1",
				       NULL, 0, "openssl", NOW),
		       "case matters");
}

Test(policy, advisory_glob_matches_any_cve)
{
	char *cves[] = { (char *)"CVE-2024-6387", (char *)"CVE-2024-6409" };
	struct tp_policy_rule r = rule("CVE-2024-6409", NULL, NULL, 0);

	cr_assert_eq(tp_policy_match(&r, 1, NULL, "web1", "DSA-5724-1", cves,
				     2, "openssh", NOW),
		     &r);
	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", "DSA-5724-1",
				       cves, 1, "openssh", NOW));
	cr_assert_eq(tp_policy_match(&r, 1, NULL, "web1", NULL, cves, 2,
				     "openssh", NOW),
		     &r, "an item without an advisory id, by CVE");
}

Test(policy, advisory_rule_never_matches_an_unnamed_update)
{
	struct tp_policy_rule r = rule("*", NULL, NULL, 0);

	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", NULL, NULL, 0,
				       "openssl", NOW));
}

Test(policy, package_glob_matches_the_package)
{
	struct tp_policy_rule r = rule(NULL, "linux-image-*", NULL, 0);

	cr_assert_eq(tp_policy_match(&r, 1, NULL, "web1", "DSA-1",
				     NULL, 0, "linux-image-6.1.0-21-amd64",
				     NOW),
		     &r);
	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", "DSA-1", NULL, 0,
				       "linux-headers-6.1.0", NOW));
	cr_assert_null(tp_policy_match(&r, 1, NULL, "web1", "DSA-1", NULL, 0,
				       NULL, NOW));
}

Test(policy, advisory_and_package_must_both_match)
{
	struct tp_policy_rule r = rule("DSA-5*", "openssl", NULL, 0);

	cr_assert_eq(tp_policy_match(&r, 1, NULL, "h", "DSA-5001-1", NULL, 0,
				     "openssl", NOW),
		     &r);
	cr_assert_null(tp_policy_match(&r, 1, NULL, "h", "DSA-5001-1", NULL,
				       0, "curl", NOW));
	cr_assert_null(tp_policy_match(&r, 1, NULL, "h", "DSA-4001-1", NULL,
				       0, "openssl", NOW));
}

Test(policy, first_matching_rule_wins)
{
	struct tp_policy_rule r[3] = {
		rule("DSA-9*", NULL, NULL, 0),
		rule(NULL, "openssl", NULL, 0),
		rule("DSA-5*", NULL, NULL, 0),
	};

	cr_assert_eq(tp_policy_match(r, 3, NULL, "h", "DSA-5001-1", NULL, 0,
				     "openssl", NOW),
		     &r[1]);
	cr_assert_eq(tp_policy_match(r, 3, NULL, "h", "DSA-5001-1", NULL, 0,
				     "curl", NOW),
		     &r[2]);
	cr_assert_null(tp_policy_match(r, 0, NULL, "h", "DSA-5001-1", NULL, 0,
				       "openssl", NOW));
}

Test(policy, host_pattern_intersection_selects_hosts)
{
	struct tp_inventory *inv = inventory();
	struct tp_policy_rule r = rule(NULL, "openssl", "web:&prod", 0);

	cr_assert_eq(tp_policy_match(&r, 1, inv, "web1", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &r);
	cr_assert_null(tp_policy_match(&r, 1, inv, "web2", "DSA-1", NULL, 0,
				       "openssl", NOW), "web, not prod");
	cr_assert_null(tp_policy_match(&r, 1, inv, "db1", "DSA-1", NULL, 0,
				       "openssl", NOW), "prod, not web");
	cr_assert_null(tp_policy_match(&r, 1, inv, "nosuch", "DSA-1", NULL, 0,
				       "openssl", NOW));
	tp_inventory_free(inv);
}

Test(policy, host_pattern_group_glob_and_exclusion)
{
	struct tp_inventory *inv = inventory();
	struct tp_policy_rule grp = rule(NULL, "openssl", "internal", 0);
	struct tp_policy_rule glb = rule(NULL, "openssl", "web*", 0);
	struct tp_policy_rule notlab = rule(NULL, "openssl", "all:!lab", 0);

	cr_assert_eq(tp_policy_match(&grp, 1, inv, "db1", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &grp);
	cr_assert_null(tp_policy_match(&grp, 1, inv, "web1", "DSA-1", NULL, 0,
				       "openssl", NOW));
	cr_assert_eq(tp_policy_match(&glb, 1, inv, "web2", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &glb);
	cr_assert_null(tp_policy_match(&glb, 1, inv, "lab1", "DSA-1", NULL, 0,
				       "openssl", NOW));
	cr_assert_eq(tp_policy_match(&notlab, 1, inv, "db1", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &notlab);
	cr_assert_null(tp_policy_match(&notlab, 1, inv, "lab1", "DSA-1", NULL,
				       0, "openssl", NOW));
	tp_inventory_free(inv);
}

Test(policy, host_pattern_naming_nothing_matches_no_host)
{
	struct tp_inventory *inv = inventory();
	struct tp_policy_rule r[2] = {
		rule(NULL, "openssl", "web:!retired", 0),
		rule(NULL, "openssl", "nosuchgroup", 0),
	};

	cr_assert_null(tp_policy_match(r, 2, inv, "web1", "DSA-1", NULL, 0,
				       "openssl", NOW));
	tp_inventory_free(inv);
}

Test(policy, without_an_inventory_only_rules_without_hosts_match)
{
	struct tp_policy_rule r[2] = {
		rule(NULL, "openssl", "all", 0),
		rule(NULL, "openssl", NULL, 0),
	};

	cr_assert_eq(tp_policy_match(r, 2, NULL, "web1", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &r[1]);
	cr_assert_null(tp_policy_match(r, 1, NULL, "web1", "DSA-1", NULL, 0,
				       "openssl", NOW));
}

Test(policy, expired_rule_does_not_match)
{
	struct tp_policy_rule past = rule(NULL, "openssl", NULL, NOW - 1);
	struct tp_policy_rule at = rule(NULL, "openssl", NULL, NOW);
	struct tp_policy_rule future = rule(NULL, "openssl", NULL, NOW + 1);

	cr_assert_null(tp_policy_match(&past, 1, NULL, "h", "DSA-1", NULL, 0,
				       "openssl", NOW));
	cr_assert_null(tp_policy_match(&at, 1, NULL, "h", "DSA-1", NULL, 0,
				       "openssl", NOW),
		       "expires at its instant");
	cr_assert_eq(tp_policy_match(&future, 1, NULL, "h", "DSA-1", NULL, 0,
				     "openssl", NOW),
		     &future);
}

Test(policy, date_until_holds_through_that_whole_day)
{
	struct tp_policy p;
	const struct tp_policy_rule *r;
	struct tp_inventory *inv = inventory();

	load_ok(&p, "policy/valid.json");
	/* exclude[0]: until 2027-01-31, web:&prod, DSA-5*, openssl */
	r = tp_policy_match(p.exclude, p.nexclude, inv, "web1", "DSA-5001-1",
			    NULL, 0, "openssl", (time_t)1801439999);
	cr_assert_eq(r, &p.exclude[0], "2027-01-31T23:59:59Z");
	r = tp_policy_match(p.exclude, p.nexclude, inv, "web1", "DSA-5001-1",
			    NULL, 0, "openssl", (time_t)1801440000);
	cr_assert_null(r, "2027-02-01T00:00:00Z");
	tp_inventory_free(inv);
	tp_policy_release(&p);
}
