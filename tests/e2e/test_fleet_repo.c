/*
 * test_fleet_repo.c - the test fleet on its own apt repository
 * (tests/fleet/aptrepo.sh, fleet.sh up --repo): every host starts with
 * the base versions installed and the same four updates pending, which
 * `tidepatch scan` over real SSH must report exactly; changing one host
 * changes only that host; the packages behave as the rollout tests of
 * issues 4 and 5 need (a failing service check, a reboot request, a
 * version that leaves the repository).
 *
 * Each test builds its own repository and fleet (Criterion runs every
 * test in its own process), so a test that changes the repository or a
 * host never disturbs another.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

#define NHOSTS 3

static char dir[64];
static char repo[64];

static void up(void)
{
	e2e_aptrepo_build(repo, sizeof(repo));
	e2e_fleet_up_repo(dir, sizeof(dir), NHOSTS, repo);
}

static void down(void)
{
	e2e_fleet_down(dir);
	e2e_aptrepo_remove(repo);
}

TestSuite(fleet_repo, .init = up, .fini = down, .timeout = 300);

/* What the repository's table (tests/fleet/aptrepo.sh) promises. */
struct want {
	const char *name, *installed, *candidate, *source, *archive;
	int security;
};

static const struct want pending[] = {
	{ "tp-libfoo", "1.0-1", "1.0-2", "tp-foo", "tidepatch-security", 1 },
	{ "tp-oldgone", "1.0-1", "1.1-1", "tp-oldgone", "tidepatch", 0 },
	{ "tp-reboot", "1.0-1", "1.1-1", "tp-reboot", "tidepatch-security", 1 },
	{ "tp-service", "1.0-1", "1.1-1", "tp-service", "tidepatch-security",
	  1 },
};
#define NPENDING (sizeof(pending) / sizeof(pending[0]))

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *scan_all(void)
{
	char inv[128];
	struct tp_cmd_result r;
	json_t *doc;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--format", "json", "all", NULL }), 0,
		     "exit %d: %s", r.exit_status, r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), NHOSTS);
	tp_cmd_result_release(&r);
	return doc;
}

static json_t *host_named(json_t *doc, const char *name)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(doc, "hosts"), i, h)
		if (!strcmp(str(h, "host"), name))
			return h;
	cr_assert_fail("%s not in the scan", name);
	return NULL;
}

/* `tidepatch exec [--become] PATTERN -- COMMAND` as JSON. */
static json_t *exec_on(const char *pattern, int become, const char *command,
		       int want_exit)
{
	char inv[128];
	const char *argv[16];
	struct tp_cmd_result r;
	json_t *doc;
	size_t n = 0;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	argv[n++] = "exec";
	argv[n++] = "-i";
	argv[n++] = inv;
	argv[n++] = "--timeout=120";
	argv[n++] = "--format=json";
	if (become)
		argv[n++] = "--become";
	argv[n++] = pattern;
	argv[n++] = "--";
	argv[n++] = command;
	argv[n] = NULL;
	e2e_tidepatch(&r, NULL, argv);
	cr_assert_eq(r.exit_status, want_exit, "exec %s: exit %d: %s%s",
		     command, r.exit_status, r.out.data, r.errout.data);
	doc = e2e_json(r.out.data);
	tp_cmd_result_release(&r);
	return doc;
}

/* stdout of host name in an exec document; its exit status must be rc. */
static const char *exec_out(json_t *doc, const char *name, int rc)
{
	json_t *h = host_named(doc, name);

	cr_assert(json_is_integer(json_object_get(h, "exit_status")),
		  "%s: %s", name, str(json_object_get(h, "error"), "message"));
	cr_assert_eq(json_integer_value(json_object_get(h, "exit_status")), rc,
		     "%s: exit %lld, stdout %s, stderr %s", name,
		     (long long)json_integer_value(json_object_get(h, "exit_status")),
		     str(h, "stdout"), str(h, "stderr"));
	return str(h, "stdout");
}

/* Check host h reports exactly pending[] minus the package skip. */
static void assert_pending(json_t *h, const char *skip)
{
	json_t *ups = json_object_get(h, "updates"), *u;
	size_t i, j, nwant = 0, nsec = 0;

	cr_assert_str_eq(str(h, "status"), "ok", "%s: %s", str(h, "host"),
			 str(json_object_get(h, "error"), "message"));
	for (i = 0; i < NPENDING; i++) {
		const struct want *w = &pending[i];
		char origin[128];
		int found = 0;

		if (skip && !strcmp(w->name, skip))
			continue;
		nwant++;
		nsec += (size_t)w->security;
		snprintf(origin, sizeof(origin), "tidepatch:1/%s", w->archive);
		json_array_foreach(ups, j, u) {
			if (strcmp(str(u, "name"), w->name))
				continue;
			found = 1;
			cr_assert_str_eq(str(u, "installed"), w->installed,
					 "%s %s", str(h, "host"), w->name);
			cr_assert_str_eq(str(u, "candidate"), w->candidate,
					 "%s %s", str(h, "host"), w->name);
			cr_assert_str_eq(str(u, "source"), w->source, "%s %s",
					 str(h, "host"), w->name);
			cr_assert_str_eq(str(u, "origin"), origin, "%s %s",
					 str(h, "host"), w->name);
			cr_assert_str_eq(str(u, "kind"), "upgrade");
			cr_assert_eq(json_is_true(json_object_get(u, "security")),
				     w->security, "%s %s security", str(h, "host"),
				     w->name);
		}
		cr_assert(found, "%s: %s not pending", str(h, "host"), w->name);
	}
	cr_assert_eq(json_array_size(ups), nwant, "%s: %zu updates",
		     str(h, "host"), json_array_size(ups));
	cr_assert_eq(json_integer_value(json_object_get(h, "update_count")),
		     (json_int_t)nwant);
	cr_assert_eq(json_integer_value(json_object_get(h, "security_count")),
		     (json_int_t)nsec);
	cr_assert_eq(json_array_size(json_object_get(h, "removals")), 0);
}

#define DPKG_TP "dpkg-query -W -f='${Package} ${Version} ${source:Package}\\n' " \
	"tp-libfoo tp-oldgone tp-reboot tp-service"
#define BASE_INSTALLED                                                      \
	"tp-libfoo 1.0-1 tp-foo\ntp-oldgone 1.0-1 tp-oldgone\n"             \
	"tp-reboot 1.0-1 tp-reboot\ntp-service 1.0-1 tp-service\n"

Test(fleet_repo, every_host_starts_on_the_base_versions_with_four_updates)
{
	json_t *doc, *ex, *h;
	size_t i;

	ex = exec_on("all", 0, DPKG_TP, 0);
	doc = scan_all();
	json_array_foreach(json_object_get(doc, "hosts"), i, h) {
		cr_assert_str_eq(exec_out(ex, str(h, "host"), 0), BASE_INSTALLED,
				 "%s", str(h, "host"));
		assert_pending(h, NULL);
		cr_assert(json_is_false(json_object_get(h, "reboot_required")),
			  "%s", str(h, "host"));
	}
	json_decref(ex);
	json_decref(doc);
}

Test(fleet_repo, installing_the_fix_on_one_host_changes_only_that_host)
{
	json_t *doc, *ex, *h;
	size_t i;

	ex = exec_on("h002", 1, "apt-get install -y -q tp-libfoo", 0);
	json_decref(ex);
	ex = exec_on("all", 0, DPKG_TP, 0);
	doc = scan_all();
	json_array_foreach(json_object_get(doc, "hosts"), i, h) {
		const char *name = str(h, "host");
		const char *got = exec_out(ex, name, 0);

		if (!strcmp(name, "h002")) {
			cr_assert_str_eq(got,
					 "tp-libfoo 1.0-2 tp-foo\n"
					 "tp-oldgone 1.0-1 tp-oldgone\n"
					 "tp-reboot 1.0-1 tp-reboot\n"
					 "tp-service 1.0-1 tp-service\n");
			assert_pending(h, "tp-libfoo");
		} else {
			cr_assert_str_eq(got, BASE_INSTALLED, "%s", name);
			assert_pending(h, NULL);
		}
	}
	json_decref(ex);
	json_decref(doc);
}

/* issue 5's verify: the security update of tp-service breaks its check. */
Test(fleet_repo, service_update_makes_its_check_fail)
{
	json_t *ex;

	ex = exec_on("h001", 0, "tp-service-check", 0);
	cr_assert_str_eq(exec_out(ex, "h001", 0), "tp-service 1.0-1: ok\n");
	json_decref(ex);
	ex = exec_on("h001", 1, "apt-get install -y -q tp-service", 0);
	json_decref(ex);
	ex = exec_on("h001", 0, "tp-service-check", 1);
	exec_out(ex, "h001", 1);
	cr_assert(strstr(str(host_named(ex, "h001"), "stderr"),
			 "tp-service 1.1-1: broken"), "%s",
		  str(host_named(ex, "h001"), "stderr"));
	json_decref(ex);
}

Test(fleet_repo, reboot_update_asks_for_a_reboot_on_its_host_only)
{
	json_t *doc, *ex, *h;
	size_t i;

	ex = exec_on("h003", 1, "apt-get install -y -q tp-reboot", 0);
	json_decref(ex);
	ex = exec_on("h003", 0, "cat /var/run/reboot-required.pkgs", 0);
	cr_assert_str_eq(exec_out(ex, "h003", 0), "tp-reboot\n");
	json_decref(ex);
	doc = scan_all();
	json_array_foreach(json_object_get(doc, "hosts"), i, h) {
		json_t *pkgs = json_object_get(h, "reboot_required_packages");
		int mine = !strcmp(str(h, "host"), "h003");

		cr_assert_eq(json_is_true(json_object_get(h, "reboot_required")),
			     mine, "%s", str(h, "host"));
		cr_assert_eq(json_array_size(pkgs), (size_t)mine, "%s",
			     str(h, "host"));
		if (mine)
			cr_assert_str_eq(json_string_value(json_array_get(pkgs, 0)),
					 "tp-reboot");
	}
	json_decref(doc);
}

/*
 * issue 4's rollback without the old version: after `aptrepo.sh drop`
 * and apt-get update, apt no longer knows 1.0-1 from any repository
 * (madison lists repository versions only; the installed one stays).
 */
Test(fleet_repo, dropped_version_leaves_the_repository)
{
	struct tp_cmd_result r;
	char cmd[256];
	const char *out;
	json_t *ex;

	ex = exec_on("h001", 0, "apt-cache madison tp-oldgone", 0);
	cr_assert(strstr(exec_out(ex, "h001", 0), "tp-oldgone |      1.0-1 |"),
		  "%s", exec_out(ex, "h001", 0));
	json_decref(ex);

	snprintf(cmd, sizeof(cmd),
		 "sh tests/fleet/aptrepo.sh drop %s tp-oldgone 1.0-1 2>&1", repo);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.out.data);
	tp_cmd_result_release(&r);

	ex = exec_on("h001", 1, "apt-get update -q -o APT::Update::Error-Mode=any",
		     0);
	json_decref(ex);
	ex = exec_on("h001", 0,
		     "apt-cache madison tp-oldgone; " DPKG_TP " | grep oldgone",
		     0);
	out = exec_out(ex, "h001", 0);
	cr_assert(strstr(out, "tp-oldgone |      1.1-1 | file:/srv/tp-repo "
			      "tidepatch/main "), "%s", out);
	cr_assert_null(strstr(out, "1.0-1 |"), "%s", out);
	/* what is installed stays installed */
	cr_assert(strstr(out, "\ntp-oldgone 1.0-1 tp-oldgone\n"), "%s", out);
	json_decref(ex);
	ex = exec_on("h001", 0, "ls /srv/tp-repo/pool/tidepatch", 0);
	cr_assert_null(strstr(exec_out(ex, "h001", 0), "tp-oldgone_1.0-1"));
	json_decref(ex);
}
