/*
 * test_fleet_exec.c - `tidepatch exec` over real SSH against the test
 * fleet: output grouped per host and exact, error classes per host, the
 * output cap on the flood host, and the summarising exit status.
 */
#include <criterion/criterion.h>
#include <stdio.h>
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
