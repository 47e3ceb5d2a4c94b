/*
 * test_fleet_scan.c - `tidepatch scan PATTERN...` over real SSH against
 * the test fleet (tests/fleet/fleet.sh): plain hosts, and the special
 * hosts whose failures must each get their own error class without
 * disturbing the others. Each host's vars.fleet_expect says what a
 * client should see.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static char dir[64];

static void fleet_up(void)
{
	e2e_fleet_up(dir, sizeof(dir), 4);
}

static void fleet_down(void)
{
	e2e_fleet_down(dir);
}

TestSuite(fleet_scan, .init = fleet_up, .fini = fleet_down, .timeout = 300);

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* What a scan must report for each fleet_expect value. */
static const char *expected_scan(const char *expect)
{
	if (!strcmp(expect, "hostkey-changed"))
		return "hostkey_changed";
	if (!strcmp(expect, "hostkey-unknown"))
		return "hostkey_unknown";
	if (!strcmp(expect, "timeout"))
		return "timeout";
	if (!strcmp(expect, "refused"))
		return "unreachable";
	/* ok, output-cap (only its flood command floods) and
	 * become-password (a scan needs no root) scan normally */
	return "ok";
}

Test(fleet_scan, every_host_gets_its_result_or_its_error_class)
{
	char inv[128], hosts_json[160], cmd[512];
	struct tp_cmd_result r, invr;
	json_t *doc, *invdoc, *hosts, *h;
	struct timespec a, b;
	size_t i, nok = 0;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	snprintf(hosts_json, sizeof(hosts_json), "%s/hosts.json", inv);
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--connect-timeout", "2",
			"--format", "json", "all", NULL }), 2,
		     "exit %d: %s", r.exit_status, r.errout.data);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* the blackhole costs its 2 s deadline; nothing may wait longer */
	cr_assert_lt(b.tv_sec - a.tv_sec, 60);
	cr_assert(strstr(r.errout.data, "tidepatch: scanned 12 hosts: "),
		  "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	snprintf(cmd, sizeof(cmd), "cat %s", hosts_json);
	e2e_sh(&invr, cmd);
	invdoc = e2e_json(invr.out.data);
	hosts = json_object_get(doc, "hosts");
	cr_assert_eq(json_array_size(hosts), 12);
	json_array_foreach(hosts, i, h) {
		const char *name = str(h, "host");
		json_t *ih = json_object_get(json_object_get(invdoc, "hosts"), name);
		json_t *vars = json_object_get(ih, "vars");
		const char *expect = json_is_object(vars) ?
			str(vars, "fleet_expect") : "ok";
		const char *want = expected_scan(*expect ? expect : "ok");
		const char *got = !strcmp(str(h, "status"), "ok") ? "ok" :
			str(json_object_get(h, "error"), "code");

		cr_assert_not_null(ih, "%s is not in the inventory", name);
		cr_assert_str_eq(got, want, "%s: got %s, want %s (%s)", name, got,
				 want, str(json_object_get(h, "error"), "message"));
		if (strcmp(want, "ok"))
			cr_assert_str_eq(str(json_object_get(h, "error"), "stage"),
					 "connect", "%s", name);
		else
			nok++;
	}
	cr_assert_eq(nok, 8);	/* behind1 included: through the jump host */
	json_decref(doc);
	json_decref(invdoc);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&invr);
}

Test(fleet_scan, updates_over_ssh_equal_apt_get_on_the_host)
{
	char inv[128], cmd[512];
	struct tp_cmd_result r, apt;
	static struct e2e_inst expect[512];
	json_t *doc, *h, *ups, *u;
	size_t n, i, j;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--format", "json", "h001", NULL }), 0,
		     "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	h = json_array_get(json_object_get(doc, "hosts"), 0);
	cr_assert_str_eq(str(h, "host"), "h001");
	snprintf(cmd, sizeof(cmd),
		 "LC_ALL=C chroot %s/hosts/h001/root apt-get -s dist-upgrade", dir);
	e2e_sh(&apt, cmd);
	cr_assert_eq(apt.exit_status, 0, "%s", apt.errout.data);
	n = e2e_parse_inst(apt.out.data, expect, 512);
	ups = json_object_get(h, "updates");
	cr_assert_gt(n, 0);
	cr_assert_eq(json_array_size(ups), n);
	for (i = 0; i < n; i++) {
		int found = 0;

		json_array_foreach(ups, j, u)
			if (!strcmp(str(u, "name"), expect[i].name) &&
			    !strcmp(str(u, "candidate"), expect[i].candidate) &&
			    json_is_true(json_object_get(u, "security")) ==
				    expect[i].security)
				found = 1;
		cr_assert(found, "%s %s not reported", expect[i].name,
			  expect[i].candidate);
	}
	json_decref(doc);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&apt);
}

Test(fleet_scan, patterns_and_limit_select_the_hosts)
{
	char inv[128];
	struct tp_cmd_result r;
	json_t *doc, *hosts;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "--format", "json", "--limit", "h00*",
			"fleet:!h002", NULL }), 0, "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	hosts = json_object_get(doc, "hosts");
	cr_assert_eq(json_array_size(hosts), 3);
	cr_assert_str_eq(str(json_array_get(hosts, 0), "host"), "h001");
	cr_assert_str_eq(str(json_array_get(hosts, 1), "host"), "h003");
	cr_assert_str_eq(str(json_array_get(hosts, 2), "host"), "h004");
	json_decref(doc);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "nosuchhost", NULL }), 64);
	cr_assert(strstr(r.errout.data, "nosuchhost"), "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", "/nonexistent/inventory", "all", NULL }), 66);
	tp_cmd_result_release(&r);
}

Test(fleet_scan, unreachable_hosts_only_is_exit_69)
{
	char inv[128];
	struct tp_cmd_result r;

	snprintf(inv, sizeof(inv), "%s/inventory", dir);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "closed:changedkey", NULL }), 69,
		     "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "0 ok, 2 failed"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

/*
 * An inventory that names hosts only, the rest coming from ssh_config
 * (-F), as plain `ssh h001` would: HostName, User, IdentityFile,
 * UserKnownHostsFile, ConnectTimeout, ProxyJump (to a jump host that
 * ssh_config also names); StrictHostKeyChecking no is ignored with a
 * warning.
 */
Test(fleet_scan, ssh_config_fills_what_the_inventory_leaves_out)
{
	char t[128], cmd[2048];
	struct tp_cmd_result r, w;

	snprintf(t, sizeof(t), "%s/sshcfg-test", dir);
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p %s/inv; cd %s; "
		 "echo '{\"hosts\": {\"h001\": {}, \"h002\": {}}}' > inv/hosts.json; "
		 "printf 'Host h001\\n  HostName 127.0.1.1\\n"
		 "Host h002\\n  HostName 127.0.1.2\\n  ProxyJump jump\\n"
		 "Host jump\\n  HostName 127.0.1.240\\n"
		 "Host *\\n  User tp\\n  IdentityFile %s/client/id_ed25519\\n"
		 "  UserKnownHostsFile %s/inventory/known_hosts\\n"
		 "  StrictHostKeyChecking no\\n  ConnectTimeout 3\\n' > ssh_config",
		 t, t, dir, dir);
	e2e_sh(&w, cmd);
	cr_assert_eq(w.exit_status, 0, "%s", w.errout.data);
	snprintf(cmd, sizeof(cmd), "%s/inv", t);
	{
		char cfgpath[256];

		snprintf(cfgpath, sizeof(cfgpath), "%s/ssh_config", t);
		cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
				"exec", "-i", cmd, "-F", cfgpath, "all", "--",
				"set -- $SSH_CONNECTION; echo $1", NULL }), 0,
			     "%s%s", r.out.data,
			     r.errout.data);
	}
	/* h001 directly, h002 through the jump host named by ssh_config */
	cr_assert(strstr(r.out.data, "=== h001: exit 0\n127.0.0.1\n"), "%s",
		  r.out.data);
	cr_assert(strstr(r.out.data, "=== h002: exit 0\n127.0.1.240\n"), "%s",
		  r.out.data);
	cr_assert(strstr(r.errout.data, "StrictHostKeyChecking no in ssh_config "
				       "is ignored"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&w);
}
