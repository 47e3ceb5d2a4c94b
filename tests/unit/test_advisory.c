/*
 * test_advisory.c - OSV loading and validation, severity and CVSS, KEV,
 * matching installed packages against advisories.
 *
 * Fixtures live in tests/fixtures/osv/ (see its README): samples/ are
 * real records; broken/<name>.json has broken/<name>.expected, the exact
 * problem list. Tests chdir to $TP_FIXTURES/osv so the file names in
 * problems are stable; Criterion runs each test in its own process.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "tidepatch/advisory.h"
#include "tidepatch/buf.h"

static void to_fixtures(void)
{
	const char *root = getenv("TP_FIXTURES");

	cr_assert_eq(chdir(root ? root : "fixtures"), 0, "chdir to fixtures");
	cr_assert_eq(chdir("osv"), 0, "chdir to fixtures/osv");
}

/* Format every problem, one per line. Caller frees. */
static char *problems_text(const struct tp_inv_problems *pr)
{
	struct tp_buf b;
	struct tp_err err = { 0 };
	char line[2048];
	size_t i;

	tp_buf_init(&b, 1 << 20);
	for (i = 0; i < pr->n; i++) {
		tp_inv_problem_format(&pr->v[i], line, sizeof(line));
		cr_assert_eq(tp_buf_printf(&b, &err, "%s\n", line), 0);
	}
	return tp_buf_detach(&b);
}

/* Load path into db (new when *db is NULL); expect rc 0 and nproblems. */
static struct tp_advisory_db *load_into(struct tp_advisory_db *db,
					const char *path, size_t nproblems)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *text;
	int rc;

	if (!db)
		cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	tp_inv_problems_init(&pr);
	rc = tp_advisory_db_load(db, path, &pr, &err);
	text = problems_text(&pr);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(pr.n, nproblems, "%s: %zu problems:\n%s", path, pr.n,
		     text);
	free(text);
	tp_inv_problems_release(&pr);
	return db;
}

static struct tp_advisory_db *load(const char *path)
{
	to_fixtures();
	return load_into(NULL, path, 0);
}

/* Load path, expect 0 and exactly the problem lines of expected. */
static struct tp_advisory_db *expect_problems(const char *path,
					      const char *expected)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *want, *got, rel[512];

	to_fixtures();
	snprintf(rel, sizeof(rel), "osv/%s", expected);
	want = tp_test_fixture(rel, NULL);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_load(db, path, &pr, &err), 0, "%s",
		     err.msg);
	got = problems_text(&pr);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	tp_inv_problems_release(&pr);
	return db;
}

static const struct tp_advisory *adv(const struct tp_advisory_db *db,
				     const char *id)
{
	const struct tp_advisory *a = tp_advisory_db_find(db, id);

	cr_assert_not_null(a, "no advisory %s", id);
	return a;
}

static void add_pkg(struct tp_pkg_list *l, const char *name,
		    const char *version, const char *source,
		    const char *source_version)
{
	struct tp_pkg *p;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_pkg_list_push(l, &p, &err), 0);
	p->name = strdup(name);
	p->arch = strdup("amd64");
	p->version = strdup(version);
	p->source = strdup(source ? source : name);
	p->source_version = strdup(source_version ? source_version : version);
}

/* Match and return the list (caller releases); rc must be 0. */
static struct tp_finding_list match(const struct tp_advisory_db *db,
				    const char *eco,
				    const struct tp_pkg_list *inst)
{
	struct tp_finding_list out = { 0 };
	struct tp_err err = { 0 };

	cr_assert_eq(tp_advisory_match(&out, db, eco, inst, &err), 0, "%s",
		     err.msg);
	return out;
}

/* The only finding, which must be for adv_id and pkg. */
static const struct tp_finding *only(const struct tp_finding_list *l,
				     const char *adv_id, const char *pkg)
{
	cr_assert_eq(l->n, 1, "%zu findings", l->n);
	cr_assert_str_eq(l->items[0].advisory, adv_id);
	cr_assert_str_eq(l->items[0].package, pkg);
	return &l->items[0];
}

/* Match one deb source package at version v in Debian:12 fixtures. */
static struct tp_finding_list match_one(const struct tp_advisory_db *db,
					const char *eco, const char *src,
					const char *v)
{
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;
	char bin[128];

	snprintf(bin, sizeof(bin), "lib%s1", src);
	add_pkg(&inst, bin, v, src, v);
	l = match(db, eco, &inst);
	tp_pkg_list_release(&inst);
	return l;
}

static void expect_affected(const struct tp_advisory_db *db, const char *id,
			    const char *src, const char *v, const char *fixed)
{
	struct tp_finding_list l = match_one(db, "Debian:12", src, v);
	const struct tp_finding *f = only(&l, id, src);

	cr_assert(f->affected, "%s %s should be affected", src, v);
	cr_assert_str_eq(f->installed, v);
	if (fixed)
		cr_assert_str_eq(f->fixed, fixed);
	else
		cr_assert_null(f->fixed);
	tp_finding_list_release(&l);
}

static void expect_fix_installed(const struct tp_advisory_db *db,
				 const char *id, const char *src,
				 const char *v)
{
	struct tp_finding_list l = match_one(db, "Debian:12", src, v);
	const struct tp_finding *f = only(&l, id, src);

	cr_assert_not(f->affected, "%s %s should not be affected", src, v);
	tp_finding_list_release(&l);
}

static void expect_nothing(const struct tp_advisory_db *db, const char *src,
			   const char *v)
{
	struct tp_finding_list l = match_one(db, "Debian:12", src, v);

	cr_assert_eq(l.n, 0, "%s %s: %zu findings, first %s", src, v, l.n,
		     l.n ? l.items[0].advisory : "");
	tp_finding_list_release(&l);
}

/* ---- severity names ---- */

Test(advisory, severity_names_round_trip)
{
	enum tp_severity s;
	int i;

	for (i = TP_SEV_UNKNOWN; i <= TP_SEV_CRITICAL; i++) {
		cr_assert_eq(tp_severity_from_name(
				     &s, tp_severity_name((enum tp_severity)i),
				     NULL),
			     0);
		cr_assert_eq((int)s, i);
	}
	cr_assert_str_eq(tp_severity_name(TP_SEV_IMPORTANT), "important");
	cr_assert_str_eq(tp_severity_name((enum tp_severity)99), "unknown");
	cr_assert_eq(tp_severity_from_name(&s, "high", NULL), TP_EINVAL);
}

/* ---- the real samples ---- */

static void expect_cves(const struct tp_advisory *a, const char *const *cves,
			size_t n)
{
	size_t i;

	cr_assert_eq(a->ncves, n, "%s: %zu CVEs", a->id, a->ncves);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(a->cves[i], cves[i]);
}

Test(advisory, every_sample_loads_without_problems)
{
	struct tp_advisory_db *db = load("samples");

	cr_assert_eq(tp_advisory_db_count(db), 6);
	cr_assert_str_eq(tp_advisory_db_get(db, 0)->id, "ALSA-2023:2645");
	cr_assert_str_eq(tp_advisory_db_get(db, 5)->id, "USN-6859-1");
	cr_assert_null(tp_advisory_db_get(db, 6));
	tp_advisory_db_free(db);
}

Test(advisory, dsa_sample_has_its_alias_cve_and_no_rating)
{
	struct tp_advisory_db *db = load("samples/DSA-3029-1.json");
	const struct tp_advisory *a = adv(db, "DSA-3029-1");
	static const char *const cves[] = { "CVE-2014-3616" };

	expect_cves(a, cves, 1);
	cr_assert_eq(a->severity, TP_SEV_UNKNOWN);
	cr_assert_str_eq(a->severity_source, "none");
	cr_assert_eq(a->cvss_score, -1.0);
	cr_assert_str_eq(a->file, "samples/DSA-3029-1.json");
	cr_assert_str_eq(a->summary, "nginx - security update");
	cr_assert_str_eq(a->modified, "2014-09-20T08:18:07Z");
	cr_assert_eq(a->naffected, 1);
	cr_assert_str_eq(a->affected[0].ecosystem, "Debian:7");
	cr_assert_str_eq(a->affected[0].package, "nginx");
	cr_assert_eq(a->affected[0].nranges, 1);
	cr_assert_eq(a->affected[0].ranges[0].nevents, 2);
	cr_assert_str_eq(a->affected[0].ranges[0].events[0].introduced, "0");
	cr_assert_str_eq(a->affected[0].ranges[0].events[1].fixed,
			 "1.2.1-2.2+wheezy3");
	tp_advisory_db_free(db);
}

Test(advisory, ela_samples_take_cves_from_related_sorted)
{
	struct tp_advisory_db *db = load("samples");
	static const char *const c1256[] = {
		"CVE-2023-5678", "CVE-2024-0727", "CVE-2024-2511",
		"CVE-2024-4741", "CVE-2024-5535", "CVE-2024-9143",
	};
	/* byte order, as the header promises: "CVE-2026-7383" sorts after
	   "CVE-2026-45447" */
	static const char *const c1773[] = {
		"CVE-2026-28387", "CVE-2026-28388", "CVE-2026-28389",
		"CVE-2026-28390", "CVE-2026-34180", "CVE-2026-42766",
		"CVE-2026-45447", "CVE-2026-7383", "CVE-2026-9076",
	};
	const struct tp_advisory *a;

	expect_cves(adv(db, "ELA-1256-1"), c1256, 6);
	expect_cves(adv(db, "ELA-1773-1"), c1773, 9);
	a = adv(db, "ELA-1720-1");
	cr_assert_eq(a->ncves, 8);
	cr_assert_eq(a->severity, TP_SEV_UNKNOWN);
	cr_assert_str_eq(a->affected[0].ranges[0].events[1].fixed,
			 "1:7.9p1-10+deb10u7");
	a = adv(db, "ELA-1773-1");
	cr_assert_eq(a->naffected, 2);
	cr_assert_str_eq(a->affected[0].ecosystem, "Debian:9");
	cr_assert_str_eq(a->affected[1].ecosystem, "Debian:10");
	tp_advisory_db_free(db);
}

Test(advisory, usn_sample_keeps_versions_and_finds_cve_in_upstream)
{
	struct tp_advisory_db *db = load("samples/USN-6859-1.json");
	const struct tp_advisory *a = adv(db, "USN-6859-1");
	static const char *const cves[] = { "CVE-2024-6387" };

	expect_cves(a, cves, 1);
	cr_assert_eq(a->severity, TP_SEV_UNKNOWN);
	cr_assert_eq(a->naffected, 2);
	cr_assert_str_eq(a->affected[0].ecosystem, "Ubuntu:22.04:LTS");
	cr_assert_str_eq(a->affected[0].package, "openssh");
	cr_assert_eq(a->affected[0].nversions, 12);
	cr_assert_str_eq(a->affected[0].versions[0], "1:8.4p1-6ubuntu2");
	cr_assert_eq(a->affected[1].nversions, 7);
	tp_advisory_db_free(db);
}

Test(advisory, alsa_sample_is_rated_by_its_summary_prefix)
{
	struct tp_advisory_db *db = load("samples/ALSA-2023_2645.json");
	const struct tp_advisory *a = adv(db, "ALSA-2023:2645");
	static const char *const cves[] = { "CVE-2023-25136" };

	expect_cves(a, cves, 1);
	cr_assert_eq(a->severity, TP_SEV_MODERATE);
	cr_assert_str_eq(a->severity_source, "summary");
	cr_assert_eq(a->naffected, 6);
	cr_assert_str_eq(a->affected[5].package, "pam_ssh_agent_auth");
	cr_assert_str_eq(a->affected[5].ranges[0].events[1].fixed,
			 "0.10.4-5.29.el9_2");
	tp_advisory_db_free(db);
}

/* ---- matching the samples ---- */

Test(advisory, dsa_sample_matches_below_at_and_above_the_fix)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;
	const struct tp_finding *f;

	add_pkg(&inst, "nginx-full", "1.2.1-2.2+wheezy2", "nginx", NULL);
	add_pkg(&inst, "nginx-common", "1.2.1-2.2+wheezy2", "nginx", NULL);
	l = match(db, "Debian:7", &inst);
	f = only(&l, "DSA-3029-1", "nginx");
	cr_assert(f->affected);
	cr_assert_str_eq(f->fixed, "1.2.1-2.2+wheezy3");
	cr_assert_str_eq(f->installed, "1.2.1-2.2+wheezy2");
	cr_assert_eq(f->nbinaries, 2);
	cr_assert_str_eq(f->binaries[0], "nginx-common");
	cr_assert_str_eq(f->binaries[1], "nginx-full");
	cr_assert_eq(f->ncves, 1);
	cr_assert_str_eq(f->cves[0], "CVE-2014-3616");
	cr_assert_str_eq(f->summary, "nginx - security update");
	cr_assert_not(f->exploited);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);

	add_pkg(&inst, "nginx-full", "1.2.1-2.2+wheezy3", "nginx", NULL);
	l = match(db, "Debian:7", &inst);
	f = only(&l, "DSA-3029-1", "nginx");
	cr_assert_not(f->affected);
	cr_assert_str_eq(f->fixed, "1.2.1-2.2+wheezy3");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);

	add_pkg(&inst, "nginx-full", "1.2.1-2.2+wheezy4", "nginx", NULL);
	l = match(db, "Debian:7", &inst);
	f = only(&l, "DSA-3029-1", "nginx");
	cr_assert_not(f->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, deb_match_uses_the_source_version_not_the_binary_one)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	/* a binNMU: binary version differs, source version is the fix */
	add_pkg(&inst, "libssl1.1", "1.1.1n-0+deb10u7+b1", "openssl",
		"1.1.1n-0+deb10u7");
	l = match(db, "Debian:10", &inst);
	cr_assert_eq(l.n, 2);	/* ELA-1256-1 fixed, ELA-1773-1 not */
	cr_assert_str_eq(l.items[0].advisory, "ELA-1256-1");
	cr_assert_not(l.items[0].affected);
	cr_assert_str_eq(l.items[0].installed, "1.1.1n-0+deb10u7");
	cr_assert_str_eq(l.items[1].advisory, "ELA-1773-1");
	cr_assert(l.items[1].affected);
	cr_assert_str_eq(l.items[1].fixed, "1.1.1n-0+deb10u10");
	cr_assert_str_eq(l.items[1].binaries[0], "libssl1.1");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, ela_sample_compares_the_epoch)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	/* without the epoch 1:, 9.9 would look newer than 1:7.9p1 */
	add_pkg(&inst, "openssh-server", "1:7.9p1-10+deb10u6", "openssh",
		NULL);
	l = match(db, "Debian:10", &inst);
	cr_assert(only(&l, "ELA-1720-1", "openssh")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	add_pkg(&inst, "openssh-server", "1:7.9p1-10+deb10u7", "openssh",
		NULL);
	l = match(db, "Debian:10", &inst);
	cr_assert_not(only(&l, "ELA-1720-1", "openssh")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, usn_sample_matches_below_at_and_above_the_fix)
{
	struct tp_advisory_db *db = load("samples/USN-6859-1.json");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;
	const struct tp_finding *f;

	add_pkg(&inst, "openssh-server", "1:8.9p1-3ubuntu0.7", "openssh",
		NULL);
	add_pkg(&inst, "openssh-client", "1:8.9p1-3ubuntu0.7", "openssh",
		NULL);
	add_pkg(&inst, "openssl", "3.0.2-0ubuntu1.15", NULL, NULL);
	l = match(db, "Ubuntu:22.04:LTS", &inst);
	f = only(&l, "USN-6859-1", "openssh");
	cr_assert(f->affected);
	cr_assert_str_eq(f->fixed, "1:8.9p1-3ubuntu0.10");
	cr_assert_eq(f->nbinaries, 2);
	cr_assert_str_eq(f->binaries[0], "openssh-client");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);

	add_pkg(&inst, "openssh-server", "1:8.9p1-3ubuntu0.10", "openssh",
		NULL);
	l = match(db, "Ubuntu:22.04:LTS", &inst);
	cr_assert_not(only(&l, "USN-6859-1", "openssh")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);

	add_pkg(&inst, "openssh-server", "1:8.9p1-3ubuntu0.11", "openssh",
		NULL);
	l = match(db, "Ubuntu:22.04:LTS", &inst);
	cr_assert_not(only(&l, "USN-6859-1", "openssh")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, alsa_sample_matches_rpm_binaries_by_name)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	/* source "openssh" is not what rpm advisories name: binaries are */
	add_pkg(&inst, "openssh-server", "8.7p1-28.el9", "openssh",
		"8.7p1-28.el9");
	add_pkg(&inst, "openssh", "8.7p1-29.el9_2", NULL, NULL);
	add_pkg(&inst, "openssh-clients", "8.7p1-34.el9", NULL, NULL);
	add_pkg(&inst, "bash", "5.1.8-6.el9", NULL, NULL);
	l = match(db, "AlmaLinux:9", &inst);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.items[0].package, "openssh");
	cr_assert_not(l.items[0].affected);	/* at the fix */
	cr_assert_str_eq(l.items[1].package, "openssh-clients");
	cr_assert_not(l.items[1].affected);	/* above */
	cr_assert_str_eq(l.items[2].package, "openssh-server");
	cr_assert(l.items[2].affected);		/* below */
	cr_assert_str_eq(l.items[2].fixed, "8.7p1-29.el9_2");
	cr_assert_eq(l.items[2].severity, TP_SEV_MODERATE);
	cr_assert_str_eq(l.items[2].binaries[0], "openssh-server");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, rpm_fixed_version_with_epoch_0_matches_installed_without)
{
	struct tp_advisory_db *db = load("match");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	add_pkg(&inst, "openssh-server", "8.7p1-30.el9_2", NULL, NULL);
	l = match(db, "Rocky Linux:9", &inst);
	cr_assert_not(only(&l, "M-RPM-EPOCH", "openssh-server")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	add_pkg(&inst, "openssh-server", "8.7p1-29.el9_2", NULL, NULL);
	l = match(db, "Rocky Linux:9", &inst);
	cr_assert(only(&l, "M-RPM-EPOCH", "openssh-server")->affected);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, apk_matches_the_origin_package)
{
	struct tp_advisory_db *db = load("match");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;
	const struct tp_finding *f;

	add_pkg(&inst, "libcrypto3", "3.1.4-r2", "openssl", NULL);
	add_pkg(&inst, "libssl3", "3.1.4-r2", "openssl", NULL);
	l = match(db, "Alpine:v3.19", &inst);
	f = only(&l, "M-APK", "openssl");
	cr_assert(f->affected);
	cr_assert_eq(f->nbinaries, 2);
	cr_assert_str_eq(f->fixed, "3.1.4-r3");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, ecosystem_mismatch_gives_nothing)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	add_pkg(&inst, "nginx", "1.2.1-2.2+wheezy2", NULL, NULL);
	add_pkg(&inst, "openssh-server", "1:8.9p1-3ubuntu0.7", "openssh",
		NULL);
	l = match(db, "Debian:8", &inst);
	cr_assert_eq(l.n, 0);
	l = match(db, "Ubuntu:22.04", &inst);	/* the LTS suffix is part */
	cr_assert_eq(l.n, 0);
	l = match(db, "Ubuntu:24.10", &inst);
	cr_assert_eq(l.n, 0);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, ecosystem_without_a_version_scheme_is_unsupported)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l = { 0 };
	struct tp_err err = { 0 };

	add_pkg(&inst, "left-pad", "1.3.0", NULL, NULL);
	cr_assert_eq(tp_advisory_match(&l, db, "npm", &inst, &err),
		     TP_EUNSUPPORTED);
	cr_assert_eq(tp_advisory_match(&l, db, "Debianish:12", &inst, &err),
		     TP_EUNSUPPORTED);
	cr_assert_eq(l.n, 0);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

/* ---- range semantics ---- */

Test(advisory, last_affected_covers_up_to_and_including_it)
{
	struct tp_advisory_db *db = load("match");

	expect_affected(db, "M-LAST-AFFECTED", "la", "1.0-1", NULL);
	expect_affected(db, "M-LAST-AFFECTED", "la", "1.5-1", NULL);
	expect_fix_installed(db, "M-LAST-AFFECTED", "la", "1.5-2");
	tp_advisory_db_free(db);
}

Test(advisory, introduced_above_zero_leaves_older_versions_alone)
{
	struct tp_advisory_db *db = load("match");

	expect_nothing(db, "intro", "1.9-1");
	expect_affected(db, "M-INTRODUCED", "intro", "2.0-1", "2.3-1");
	expect_affected(db, "M-INTRODUCED", "intro", "2.2-9", "2.3-1");
	expect_fix_installed(db, "M-INTRODUCED", "intro", "2.3-1");
	tp_advisory_db_free(db);
}

Test(advisory, multiple_ranges_each_count_with_their_own_fix)
{
	struct tp_advisory_db *db = load("match");

	expect_nothing(db, "multi", "0.9-1");
	expect_affected(db, "M-MULTI", "multi", "1.1-1", "1.2-1");
	expect_fix_installed(db, "M-MULTI", "multi", "1.5-1");
	expect_affected(db, "M-MULTI", "multi", "2.1-1", "2.2-1");
	expect_fix_installed(db, "M-MULTI", "multi", "2.2-1");
	tp_advisory_db_free(db);
}

Test(advisory, explicit_versions_match_exactly)
{
	struct tp_advisory_db *db = load("match");

	expect_affected(db, "M-VERSIONS", "vers", "3.0-1", NULL);
	expect_affected(db, "M-VERSIONS", "vers", "0:3.0-2", NULL);
	expect_nothing(db, "vers", "3.0-1.1");
	tp_advisory_db_free(db);
}

Test(advisory, limit_bounds_a_range_without_fix)
{
	struct tp_advisory_db *db = load("match");

	expect_affected(db, "M-LIMIT", "lim", "4.9-1", NULL);
	expect_nothing(db, "lim", "5.0-1");
	tp_advisory_db_free(db);
}

Test(advisory, events_are_sorted_by_version_before_evaluation)
{
	struct tp_advisory_db *db = load("match");

	/* the record lists fixed 1.5-1 before introduced 1.0-1 */
	expect_nothing(db, "unsorted", "0.9-1");
	expect_affected(db, "M-UNSORTED", "unsorted", "1.2-1", "1.5-1");
	expect_fix_installed(db, "M-UNSORTED", "unsorted", "1.5-1");
	tp_advisory_db_free(db);
}

Test(advisory, non_ecosystem_ranges_are_ignored)
{
	struct tp_advisory_db *db = load("match");

	cr_assert_eq(adv(db, "M-SEMVER")->affected[0].nranges, 0);
	expect_nothing(db, "semver", "1.0-1");
	tp_advisory_db_free(db);
}

Test(advisory, findings_are_sorted_by_advisory_then_package)
{
	struct tp_advisory_db *db = load("match");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	add_pkg(&inst, "order2", "1.0-1", NULL, NULL);
	add_pkg(&inst, "order", "1.0-1", NULL, NULL);
	l = match(db, "Debian:12", &inst);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.items[0].advisory, "M-A-ORDER");
	cr_assert_str_eq(l.items[0].package, "order");
	cr_assert_str_eq(l.items[1].advisory, "M-A-ORDER");
	cr_assert_str_eq(l.items[1].package, "order2");
	cr_assert_str_eq(l.items[2].advisory, "M-B-ORDER");
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

Test(advisory, a_partial_upgrade_reports_the_vulnerable_binary_version)
{
	struct tp_advisory_db *db = load("match");
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;
	const struct tp_finding *f;

	add_pkg(&inst, "libintro1", "2.3-1", "intro", NULL);
	add_pkg(&inst, "intro-bin", "2.1-1", "intro", NULL);
	l = match(db, "Debian:12", &inst);
	f = only(&l, "M-INTRODUCED", "intro");
	cr_assert(f->affected);
	cr_assert_str_eq(f->installed, "2.1-1");
	cr_assert_eq(f->nbinaries, 2);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_advisory_db_free(db);
}

/* ---- severity ---- */

static void expect_rating(const struct tp_advisory_db *db, const char *id,
			  enum tp_severity sev, const char *source,
			  double score)
{
	const struct tp_advisory *a = adv(db, id);

	cr_assert_eq(a->severity, sev, "%s: %s", id,
		     tp_severity_name(a->severity));
	cr_assert_str_eq(a->severity_source, source, "%s", id);
	cr_assert_float_eq(a->cvss_score, score, 1e-9, "%s: %.2f", id,
			   a->cvss_score);
}

Test(advisory, ubuntu_priority_wins_over_cvss)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-UBUNTU-HIGH", TP_SEV_IMPORTANT,
		      "ubuntu_priority", -1);
	expect_rating(db, "SEV-UBUNTU-NEGLIGIBLE", TP_SEV_LOW,
		      "ubuntu_priority", -1);
	expect_rating(db, "SEV-UBUNTU-CRITICAL", TP_SEV_CRITICAL,
		      "ubuntu_priority", -1);
	tp_advisory_db_free(db);
}

Test(advisory, debian_urgency_maps_to_the_table)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-URGENCY", TP_SEV_LOW, "debian_urgency", -1);
	expect_rating(db, "SEV-URGENCY-STARRED", TP_SEV_MODERATE,
		      "debian_urgency", -1);
	tp_advisory_db_free(db);
}

Test(advisory, not_yet_assigned_urgency_falls_back_to_cvss)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-URGENCY-NOT-YET-ASSIGNED", TP_SEV_IMPORTANT,
		      "cvss_v3", 7.5);
	tp_advisory_db_free(db);
}

Test(advisory, vendor_severity_wins_over_urgency_and_summary)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-VENDOR", TP_SEV_IMPORTANT, "vendor", -1);
	expect_rating(db, "SEV-VENDOR-OVER-URGENCY", TP_SEV_LOW, "vendor",
		      -1);
	expect_rating(db, "SEV-VENDOR-OVER-SUMMARY", TP_SEV_MODERATE,
		      "vendor", -1);
	tp_advisory_db_free(db);
}

Test(advisory, summary_prefix_wins_over_cvss_but_only_capitalised)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-SUMMARY", TP_SEV_CRITICAL, "summary", -1);
	expect_rating(db, "SEV-SUMMARY-NOT-A-RATING", TP_SEV_UNKNOWN, "none",
		      -1);
	tp_advisory_db_free(db);
}

Test(advisory, highest_cvss_score_wins_across_versions_and_places)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-CVSS-V2-HIGHEST", TP_SEV_CRITICAL, "cvss_v2",
		      10.0);
	expect_rating(db, "SEV-CVSS-V3-HIGHEST", TP_SEV_CRITICAL, "cvss_v3",
		      9.8);
	tp_advisory_db_free(db);
}

Test(advisory, cvss_v4_alone_is_unknown_for_now)
{
	struct tp_advisory_db *db = load("severity/precedence.json");

	expect_rating(db, "SEV-CVSS-V4-ONLY", TP_SEV_UNKNOWN, "none", -1);
	expect_rating(db, "SEV-NONE", TP_SEV_UNKNOWN, "none", -1);
	tp_advisory_db_free(db);
}

/* Every record of a cvss/ file has its published score as summary. */
static void expect_published_scores(const char *file, const char *source)
{
	struct tp_advisory_db *db = load(file);
	size_t i;

	cr_assert_gt(tp_advisory_db_count(db), 0);
	for (i = 0; i < tp_advisory_db_count(db); i++) {
		const struct tp_advisory *a = tp_advisory_db_get(db, i);
		double want = strtod(a->summary, NULL);

		cr_assert_str_eq(a->severity_source, source, "%s", a->id);
		cr_assert_float_eq(a->cvss_score, want, 1e-9,
				   "%s: got %.2f, published %s", a->id,
				   a->cvss_score, a->summary);
	}
	tp_advisory_db_free(db);
}

Test(advisory, cvss31_unchanged_scope_gives_published_scores)
{
	expect_published_scores("cvss/v31-unchanged.json", "cvss_v3");
}

Test(advisory, cvss31_changed_scope_gives_published_scores)
{
	expect_published_scores("cvss/v31-changed.json", "cvss_v3");
}

Test(advisory, cvss31_physical_access_gives_published_scores)
{
	expect_published_scores("cvss/v31-physical.json", "cvss_v3");
}

Test(advisory, cvss3_rounds_up_to_one_decimal_never_to_nearest)
{
	expect_published_scores("cvss/v3-roundup.json", "cvss_v3");
}

Test(advisory, cvss2_gives_published_scores)
{
	expect_published_scores("cvss/v2.json", "cvss_v2");
}

Test(advisory, cvss_scores_map_to_severity_bands)
{
	struct tp_advisory_db *db = load("cvss/v31-unchanged.json");

	/* 9.8 critical, 8.8 and 7.2 important, 5.3 moderate, 0.0 low */
	cr_assert_eq(adv(db, "TEST-V31-UNCHANGED-00")->severity,
		     TP_SEV_CRITICAL);
	cr_assert_eq(adv(db, "TEST-V31-UNCHANGED-07")->severity,
		     TP_SEV_IMPORTANT);
	cr_assert_eq(adv(db, "TEST-V31-UNCHANGED-09")->severity,
		     TP_SEV_MODERATE);
	cr_assert_eq(adv(db, "TEST-V31-UNCHANGED-10")->severity, TP_SEV_LOW);
	tp_advisory_db_free(db);
	db = load("cvss/v31-changed.json");
	cr_assert_eq(adv(db, "TEST-V31-CHANGED-02")->severity,
		     TP_SEV_CRITICAL);	/* 9.1 */
	tp_advisory_db_free(db);
	db = load("cvss/v2.json");
	cr_assert_eq(adv(db, "TEST-V2-04")->severity, TP_SEV_MODERATE); /* 4.3 */
	tp_advisory_db_free(db);
}

/* ---- malformed input ---- */

Test(advisory, not_json_is_a_syntax_problem_with_line_and_column)
{
	struct tp_advisory_db *db =
		expect_problems("broken/notjson.json", "broken/notjson.expected");

	cr_assert_eq(tp_advisory_db_count(db), 0);
	tp_advisory_db_free(db);
}

Test(advisory, truncated_file_is_a_syntax_problem)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/truncated.json", "broken/truncated.expected");

	cr_assert_eq(tp_advisory_db_count(db), 0);
	tp_advisory_db_free(db);
}

Test(advisory, duplicate_key_is_a_syntax_problem)
{
	struct tp_advisory_db *db =
		expect_problems("broken/dupkey.json", "broken/dupkey.expected");

	cr_assert_eq(tp_advisory_db_count(db), 0);
	tp_advisory_db_free(db);
}

Test(advisory, wrong_types_are_reported_and_only_those_records_skipped)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/wrongtypes.json", "broken/wrongtypes.expected");

	cr_assert_eq(tp_advisory_db_count(db), 1);
	cr_assert_not_null(tp_advisory_db_find(db, "GOOD-AFTER-WRONG"));
	tp_advisory_db_free(db);
}

Test(advisory, missing_or_empty_id_skips_the_record)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/missingid.json", "broken/missingid.expected");

	cr_assert_eq(tp_advisory_db_count(db), 2);
	cr_assert_str_eq(tp_advisory_db_get(db, 0)->id, "GOOD-1");
	cr_assert_str_eq(tp_advisory_db_get(db, 1)->id, "GOOD-2");
	tp_advisory_db_free(db);
}

Test(advisory, bad_events_are_reported_at_their_path)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/badevent.json", "broken/badevent.expected");

	cr_assert_eq(tp_advisory_db_count(db), 1);
	cr_assert_not_null(tp_advisory_db_find(db, "GOOD-EVENTS"));
	tp_advisory_db_free(db);
}

Test(advisory, bad_vectors_are_reported_and_ignored_record_kept)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/badvector.json", "broken/badvector.expected");

	/* five kept; the one with a severity entry lacking "score" is not */
	cr_assert_eq(tp_advisory_db_count(db), 5);
	expect_rating(db, "BAD-VECTOR-VALUE", TP_SEV_UNKNOWN, "none", -1);
	expect_rating(db, "BAD-VECTOR-TWICE", TP_SEV_IMPORTANT, "cvss_v2",
		      7.5);
	cr_assert_null(tp_advisory_db_find(db, "BAD-SEVERITY-SHAPE"));
	tp_advisory_db_free(db);
}

Test(advisory, unparsable_versions_drop_their_range_never_guess)
{
	struct tp_advisory_db *db = expect_problems(
		"broken/badversion.json", "broken/badversion.expected");
	const struct tp_advisory *a = adv(db, "BAD-VERSION");

	cr_assert_eq(a->affected[0].nranges, 0);
	cr_assert_eq(a->affected[0].nversions, 1);
	cr_assert_str_eq(a->affected[0].versions[0], "0.9-1");
	cr_assert_eq(adv(db, "BAD-RANGE-TYPE")->affected[0].nranges, 0);
	tp_advisory_db_free(db);
}

/* A file of size bytes (sparse) in a fresh temporary directory. */
static char *sized_file(size_t size)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/tp-adv-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	close(fd);
	return path;
}

Test(advisory, file_over_the_cap_is_a_problem_not_a_read)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *path = sized_file(TP_ADV_FILE_MAX + 1);

	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load(db, path, &pr, &err), 0);
	unlink(path);
	cr_assert_eq(pr.n, 1);
	cr_assert_str_eq(pr.v[0].msg, "larger than 64 MiB");
	cr_assert_null(pr.v[0].path);
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
}

Test(advisory, file_at_the_cap_is_read)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *path = sized_file(TP_ADV_FILE_MAX);

	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load(db, path, &pr, &err), 0);
	unlink(path);
	/* NUL bytes: read, then refused by the JSON parser */
	cr_assert_eq(pr.n, 1);
	cr_assert_eq(pr.v[0].line, 1);
	cr_assert_neq(strcmp(pr.v[0].msg, "larger than 64 MiB"), 0);
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
}

Test(advisory, missing_path_is_not_found)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load(db, "no/such/dir", &pr, &err),
		     TP_ENOTFOUND);
	cr_assert_eq(tp_advisory_db_load_kev(db, "nope.json", &pr, &err),
		     TP_ENOTFOUND);
	cr_assert_eq(pr.n, 0);
	tp_advisory_db_free(db);
}

/* ---- directories and duplicates ---- */

Test(advisory, directory_loads_sorted_json_files_only_and_first_duplicate)
{
	struct tp_advisory_db *db = expect_problems("dir", "dir.expected");

	/* not: sub/ (not recursive), .hidden.json, notes.txt, the KEV file,
	   the withdrawn record */
	cr_assert_eq(tp_advisory_db_count(db), 3);
	cr_assert_str_eq(adv(db, "DIR-A")->summary, "first");
	cr_assert_str_eq(adv(db, "DIR-A")->file, "dir/10-first.json");
	cr_assert_not_null(tp_advisory_db_find(db, "DIR-C"));
	cr_assert_null(tp_advisory_db_find(db, "DIR-D"));
	cr_assert_null(tp_advisory_db_find(db, "DIR-E"));
	cr_assert_null(tp_advisory_db_find(db, "DIR-W"));
	tp_advisory_db_free(db);
}

Test(advisory, a_later_load_replaces_only_with_a_newer_record)
{
	struct tp_advisory_db *db = load("dir/10-first.json");

	load_into(db, "dir/20-second.json", 0);	/* same modified: kept */
	cr_assert_str_eq(adv(db, "DIR-A")->summary, "first");
	load_into(db, "update", 0);
	/* .5 s later; one second earlier; the same instant in +01:00 */
	cr_assert_str_eq(adv(db, "DIR-A")->summary, "newer");
	cr_assert_str_eq(adv(db, "DIR-A")->file, "update/newer.json");
	cr_assert_null(adv(db, "DIR-B")->summary);
	cr_assert_null(adv(db, "DIR-C")->summary);
	cr_assert_eq(tp_advisory_db_count(db), 3);
	tp_advisory_db_free(db);
}

/* ---- KEV ---- */

Test(advisory, kev_marks_advisories_whose_cves_are_listed)
{
	struct tp_advisory_db *db = load("samples");
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	struct tp_pkg_list inst = { 0 };
	struct tp_finding_list l;

	cr_assert_not(tp_advisory_exploited(db, adv(db, "USN-6859-1")));
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_load_kev(
			     db, "kev/known_exploited_vulnerabilities.json",
			     &pr, &err),
		     0, "%s", err.msg);
	cr_assert_eq(pr.n, 0);
	cr_assert(tp_advisory_exploited(db, adv(db, "USN-6859-1")));
	cr_assert_not(tp_advisory_exploited(db, adv(db, "DSA-3029-1")));
	add_pkg(&inst, "openssh-server", "1:8.9p1-3ubuntu0.7", "openssh",
		NULL);
	l = match(db, "Ubuntu:22.04:LTS", &inst);
	cr_assert(only(&l, "USN-6859-1", "openssh")->exploited);
	tp_finding_list_release(&l);
	tp_pkg_list_release(&inst);
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
}

Test(advisory, kev_loaded_first_still_marks_advisories_loaded_later)
{
	struct tp_advisory_db *db = NULL;
	struct tp_err err = { 0 };

	to_fixtures();
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load_kev(
			     db, "kev/known_exploited_vulnerabilities.json",
			     NULL, &err),
		     0);
	load_into(db, "samples/USN-6859-1.json", 0);
	cr_assert(tp_advisory_exploited(db, adv(db, "USN-6859-1")));
	tp_advisory_db_free(db);
}

Test(advisory, kev_entries_without_a_cve_id_are_problems)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char *want, *got;

	to_fixtures();
	want = tp_test_fixture("osv/kev/broken.expected", NULL);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load_kev(db, "kev/broken.json", &pr, &err),
		     0);
	got = problems_text(&pr);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
}

Test(advisory, kev_that_is_not_a_catalog_is_one_problem)
{
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_advisory_db_new(&db, &err), 0);
	cr_assert_eq(tp_advisory_db_load_kev(db, "samples/DSA-3029-1.json",
					     &pr, &err),
		     0);
	cr_assert_eq(pr.n, 1);
	cr_assert_str_eq(pr.v[0].path, "$.vulnerabilities");
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
}
