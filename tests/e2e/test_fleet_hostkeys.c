/*
 * test_fleet_hostkeys.c - `tidepatch hostkeys scan` against the fleet:
 * known, new and changed keys, fingerprints as OpenSSH prints them,
 * --accept-new appending only new keys, changed ones never replaced.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

static char dir[64];
static char inv[128];

static void up(void)
{
	e2e_fleet_up(dir, sizeof(dir), 2);
	snprintf(inv, sizeof(inv), "%s/inventory", dir);
}

static void down(void)
{
	e2e_fleet_down(dir);
}

TestSuite(fleet_hostkeys, .init = up, .fini = down, .timeout = 300);

static int count_lines(const char *text, const char *needle)
{
	int n = 0;
	const char *p = text;

	while ((p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	return n;
}

Test(fleet_hostkeys, classifies_known_new_and_changed_without_writing)
{
	struct tp_cmd_result r, kh1, kh2, fp;
	char cmd[512], want[128];

	snprintf(cmd, sizeof(cmd), "sha256sum %s/known_hosts", inv);
	e2e_sh(&kh1, cmd);
	/* a changed key is a finding (1); no host failed */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"hostkeys", "-i", inv, "scan", "fleet:unknown:changedkey",
			NULL }), 1, "%s", r.errout.data);
	cr_assert_eq(count_lines(r.out.data, "   known\n"), 4, "%s", r.out.data);
	cr_assert_eq(count_lines(r.out.data, "   new\n"), 2, "%s", r.out.data);
	cr_assert_eq(count_lines(r.out.data, "   changed\n"), 2, "%s", r.out.data);
	cr_assert(strstr(r.errout.data, "KEY CHANGED"), "%s", r.errout.data);
	e2e_sh(&kh2, cmd);
	cr_assert_str_eq(kh1.out.data, kh2.out.data, "known_hosts was written");
	/* the fingerprint is the one ssh-keygen gives for h001's key */
	snprintf(cmd, sizeof(cmd),
		 "grep '^127.0.1.1 ssh-ed25519 ' %s/known_hosts | ssh-keygen -l -E sha256 -f - | cut -d' ' -f2",
		 inv);
	e2e_sh(&fp, cmd);
	fp.out.data[strcspn(fp.out.data, "\n")] = '\0';
	cr_assert(fp.out.len > 10, "no fingerprint from ssh-keygen");
	snprintf(want, sizeof(want), "%s", fp.out.data);
	cr_assert(strstr(r.out.data, want), "%s not in %s", want, r.out.data);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&kh1);
	tp_cmd_result_release(&kh2);
	tp_cmd_result_release(&fp);
}

Test(fleet_hostkeys, accept_new_appends_only_new_keys_and_scan_then_works)
{
	struct tp_cmd_result r, lines;
	char cmd[512];

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "unknown", NULL }), 69);
	cr_assert(strstr(r.errout.data, "tidepatch hostkeys scan unknown"),
		  "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"hostkeys", "-i", inv, "scan", "unknown:changedkey",
			"--accept-new", NULL }), 1, "%s", r.errout.data);
	snprintf(cmd, sizeof(cmd),
		 "grep -c '^127.0.1.242 ' %s/known_hosts; "
		 "grep -c '^127.0.1.241 ' %s/known_hosts", inv, inv);
	e2e_sh(&lines, cmd);
	/* two new keys for unknown; changedkey keeps its two old lines */
	cr_assert_str_eq(lines.out.data, "2\n2\n", "%s", lines.out.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "unknown", NULL }), 0, "%s",
		     r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-i", inv, "changedkey", NULL }), 69);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&lines);
}

Test(fleet_hostkeys, unreachable_hosts_only_is_69)
{
	struct tp_cmd_result r;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"hostkeys", "-i", inv, "scan", "closed", NULL }), 69);
	cr_assert(strstr(r.errout.data, "closed: connect to"), "%s",
		  r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"hostkeys", "-i", inv, "fleet", NULL }), 64);
	tp_cmd_result_release(&r);
}
