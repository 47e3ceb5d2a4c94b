/*
 * test_fleet_exec.c - `tidepatch exec` over real SSH against the test
 * fleet: output grouped per host and exact, error classes per host, the
 * output cap on the flood host, and the summarising exit status.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

static char dir[64];
static char inv[128];

static void up(void)
{
	e2e_fleet_up(dir, sizeof(dir), 3);
	snprintf(inv, sizeof(inv), "%s/inventory", dir);
}

static void down(void)
{
	e2e_fleet_down(dir);
}

TestSuite(fleet_exec, .init = up, .fini = down, .timeout = 300);

static json_t *host_named(json_t *doc, const char *name)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(doc, "hosts"), i, h)
		if (!strcmp(json_string_value(json_object_get(h, "host")), name))
			return h;
	return NULL;
}

static const char *s(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

Test(fleet_exec, each_host_output_is_whole_and_separate)
{
	struct tp_cmd_result r;
	json_t *doc, *h;
	int i;

	/* the host's own name, from its inventory address, on both streams */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--format", "json", "fleet", "--",
			"for i in 1 2 3; do echo out$i; echo err$i >&2; done;",
			"echo", "$SSH_CONNECTION", "|", "cut", "-d' '", "-f3", NULL }),
		     0, "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), 3);
	for (i = 1; i <= 3; i++) {
		char name[16], want[64];

		snprintf(name, sizeof(name), "h%03d", i);
		snprintf(want, sizeof(want), "out1\nout2\nout3\n127.0.1.%d\n", i);
		h = host_named(doc, name);
		cr_assert_not_null(h, "%s missing", name);
		cr_assert_str_eq(s(h, "status"), "ok");
		cr_assert_str_eq(s(h, "stdout"), want, "%s", name);
		cr_assert_str_eq(s(h, "stderr"), "err1\nerr2\nerr3\n");
		cr_assert_eq(json_integer_value(json_object_get(h, "exit_status")), 0);
	}
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(fleet_exec, failures_get_their_class_and_others_are_undisturbed)
{
	struct tp_cmd_result r;
	json_t *doc;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--format", "json", "--connect-timeout",
			"2", "--max-output", "64", "fleet:flood:closed:blackhole:changedkey",
			"--", "if [ -x /usr/local/bin/flood ] && [ \"$(cut -d' ' -f3 <<EOF\n$SSH_CONNECTION\nEOF\n)\" = 127.0.1.245 ]; then flood; else echo fine; fi",
			NULL }), 2, "exit %d: %s", r.exit_status, r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_str_eq(s(host_named(doc, "h001"), "stdout"), "fine\n");
	cr_assert_str_eq(s(host_named(doc, "h003"), "status"), "ok");
	cr_assert_str_eq(s(json_object_get(host_named(doc, "flood"), "error"),
			   "code"), "too_big");
	cr_assert_str_eq(s(json_object_get(host_named(doc, "closed"), "error"),
			   "code"), "unreachable");
	cr_assert_str_eq(s(json_object_get(host_named(doc, "blackhole"), "error"),
			   "code"), "timeout");
	cr_assert_str_eq(s(json_object_get(host_named(doc, "changedkey"), "error"),
			   "code"), "hostkey_changed");
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(fleet_exec, exit_status_summarises_the_hosts)
{
	struct tp_cmd_result r;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "fleet", "--", "true", NULL }), 0);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "fleet", "--", "exit 3", NULL }), 1);
	cr_assert(strstr(r.out.data, "=== h002: exit 3\n"), "%s", r.out.data);
	/* h001 alone times out: nowhere did it run to its end */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--timeout", "1", "h001", "--",
			"sleep 30", NULL }), 69);
	/* h001 times out, the others finish: partial */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--timeout", "2", "fleet", "--",
			"set -- $SSH_CONNECTION; [ \"$3\" != 127.0.1.1 ] || sleep 30",
			NULL }), 2, "%s", r.out.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "closed", "--", "true", NULL }), 69);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "fleet", NULL }), 64);
	cr_assert(strstr(r.errout.data, "no command"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(fleet_exec, become_runs_as_root_and_never_waits_for_a_password)
{
	struct tp_cmd_result r;
	json_t *doc, *err;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--become", "fleet", "--", "id -u",
			NULL }), 0, "%s", r.out.data);
	cr_assert(strstr(r.out.data, "=== h001: exit 0\n0\n"), "%s", r.out.data);
	/* without --become, tp is not root */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "h001", "--", "id -u", NULL }), 0);
	cr_assert_null(strstr(r.out.data, "\n0\n"), "%s", r.out.data);
	/* sudopw has become: true in the inventory and sudo wants a password */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "--format", "json", "fleet:sudopw", "--",
			"id -u", NULL }), 2, "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	err = json_object_get(host_named(doc, "sudopw"), "error");
	cr_assert_str_eq(s(err, "code"), "become");
	cr_assert(strstr(s(err, "message"), "wants a password"), "%s",
		  s(err, "message"));
	cr_assert_str_eq(s(host_named(doc, "h001"), "status"), "ok");
	json_decref(doc);
	tp_cmd_result_release(&r);
}

/*
 * An inventory beside the fleet's: its hosts.json with each listed
 * host's "jump" (and optionally "address") replaced, and the fleet's
 * known_hosts. Returns the inventory directory in out.
 */
static void jump_inventory(char *out, size_t size, const char *tag,
			   const char *const *edits)
{
	char path[256], cmd[512];
	struct tp_cmd_result r;
	json_t *doc, *hosts;
	size_t i;

	snprintf(path, sizeof(path), "%s/inventory/hosts.json", dir);
	doc = json_load_file(path, 0, NULL);
	cr_assert_not_null(doc);
	hosts = json_object_get(doc, "hosts");
	/* edits: host, jump (JSON text), address or NULL; then NULL */
	for (i = 0; edits[i]; i += 3) {
		json_t *h = json_object_get(hosts, edits[i]);

		cr_assert_not_null(h, "%s", edits[i]);
		{
		json_t *jump = json_loads(edits[i + 1], JSON_DECODE_ANY, NULL);

		cr_assert_not_null(jump, "%s", edits[i + 1]);
		json_object_set_new(h, "jump", jump);
		if (edits[i + 2])
			json_object_set_new(h, "address",
					    json_string(edits[i + 2]));
		}
	}
	snprintf(out, size, "%s/inv-%s", dir, tag);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/inventory/known_hosts %s/",
		 out, dir, out);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	tp_cmd_result_release(&r);
	snprintf(path, sizeof(path), "%s/hosts.json", out);
	cr_assert_eq(json_dump_file(doc, path, JSON_INDENT(2)), 0);
	json_decref(doc);
}

/* How many sessions host's sshd has accepted from peer so far (its own
 * log; peer "" for any). */
static int accepted_from(const char *host, const char *peer)
{
	char cmd[256];
	struct tp_cmd_result r;
	int n;

	snprintf(cmd, sizeof(cmd),
		 "grep -c 'Accepted publickey for tp from %s' "
		 "%s/hosts/%s/root/var/log/sshd.log", peer, dir, host);
	e2e_sh(&r, cmd);
	n = atoi(r.out.data ? r.out.data : "0");
	tp_cmd_result_release(&r);
	return n;
}

static int accepted(const char *host)
{
	return accepted_from(host, "");
}

/* The source address the host saw the session come from. */
static const char *peer_cmd = "set -- $SSH_CONNECTION; echo $1";

Test(fleet_exec, a_host_behind_a_jump_host_is_reached_through_it)
{
	struct tp_cmd_result r;

	/* behind1 admits only sessions from the jump host's address */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", inv, "behind1", "--", peer_cmd, NULL }), 0,
		     "%s%s", r.out.data, r.errout.data);
	cr_assert_str_eq(r.out.data, "=== behind1: exit 0\n127.0.1.240\n");
	tp_cmd_result_release(&r);
}

Test(fleet_exec, hosts_behind_one_jump_host_share_its_session)
{
	char jinv[256];
	struct tp_cmd_result r;
	int before = accepted("jump");
	int i;

	jump_inventory(jinv, sizeof(jinv), "shared", (const char *[]){
		"h001", "\"jump\"", NULL, "h002", "\"jump\"", NULL,
		"h003", "\"jump\"", NULL, NULL });
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", jinv, "--parallel", "3", "fleet", "--",
			peer_cmd, NULL }), 0, "%s%s", r.out.data, r.errout.data);
	for (i = 1; i <= 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "=== h%03d: exit 0\n127.0.1.240\n", i);
		cr_assert(strstr(r.out.data, want), "%s", r.out.data);
	}
	/* three hosts, one session on the jump host */
	cr_assert_eq(accepted("jump") - before, 1);
	tp_cmd_result_release(&r);
}

Test(fleet_exec, a_chain_of_jump_hosts_is_followed_hop_by_hop)
{
	char jinv[256];
	struct tp_cmd_result r;
	int direct = accepted_from("jump", "127.0.0.1");
	int hop2 = accepted_from("jump", "127.0.1.240");

	/*
	 * Only the jump host forwards, so the chain goes through it twice:
	 * us -> jump -> jump again (a session from the jump host's own
	 * address) -> behind1. Each hop is its own session.
	 */
	jump_inventory(jinv, sizeof(jinv), "chain", (const char *[]){
		"behind1", "[\"jump\", \"tp@127.0.1.240\"]", NULL, NULL });
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", jinv, "behind1", "--", peer_cmd, NULL }), 0,
		     "%s%s", r.out.data, r.errout.data);
	cr_assert_str_eq(r.out.data, "=== behind1: exit 0\n127.0.1.240\n");
	cr_assert_eq(accepted_from("jump", "127.0.0.1") - direct, 1);
	cr_assert_eq(accepted_from("jump", "127.0.1.240") - hop2, 1);
	tp_cmd_result_release(&r);
}

Test(fleet_exec, a_failing_jump_host_fails_only_the_hosts_behind_it)
{
	char jinv[256];
	struct tp_cmd_result r;
	json_t *doc, *e1, *e2;

	/* h001: the jump host itself refuses; h002: the jump host cannot
	 * reach the target; h003: direct, untouched */
	jump_inventory(jinv, sizeof(jinv), "broken", (const char *[]){
		"h001", "\"tp@127.0.1.244\"", NULL,
		"h002", "\"jump\"", "127.0.1.244", NULL });
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"exec", "-i", jinv, "--format", "json", "fleet", "--",
			"echo fine", NULL }), 2, "%s%s", r.out.data, r.errout.data);
	doc = e2e_json(r.out.data);
	e1 = json_object_get(host_named(doc, "h001"), "error");
	e2 = json_object_get(host_named(doc, "h002"), "error");
	cr_assert_str_eq(s(e1, "code"), "unreachable");
	cr_assert(strstr(s(e1, "message"), "jump host 127.0.1.244: connect to "
				       "127.0.1.244:22"), "%s", s(e1, "message"));
	cr_assert_str_eq(s(e2, "code"), "unreachable");
	cr_assert(strstr(s(e2, "message"), "jump host jump: cannot reach "
				       "127.0.1.244:22 from there"), "%s",
		  s(e2, "message"));
	cr_assert_str_eq(s(host_named(doc, "h003"), "stdout"), "fine\n");
	json_decref(doc);
	tp_cmd_result_release(&r);
}
