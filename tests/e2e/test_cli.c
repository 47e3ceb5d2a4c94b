/*
 * test_cli.c - the command-line contract: help, version, exit codes,
 * vercmp, options.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

#define TP(res, ...) e2e_tidepatch(res, NULL, (const char *[]){ __VA_ARGS__, NULL })

Test(cli, version_matches_the_version_file)
{
	struct tp_cmd_result r, v;
	char want[128];

	e2e_sh(&v, "cat ../VERSION 2>/dev/null || cat VERSION");
	snprintf(want, sizeof(want), "tidepatch %s", v.out.data);
	cr_assert_eq(TP(&r, "--version"), 0);
	cr_assert_str_eq(r.out.data, want);
	cr_assert_eq(TP(&r, "version"), 0);
	cr_assert_str_eq(r.out.data, want);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&v);
}

Test(cli, help_lists_every_command)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "--help"), 0);
	cr_assert(strstr(r.out.data, "scan "));
	cr_assert(strstr(r.out.data, "vercmp "));
	cr_assert(strstr(r.out.data, "--color"));
	tp_cmd_result_release(&r);
}

Test(cli, help_for_a_command_shows_its_options)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "help", "scan"), 0);
	cr_assert(strstr(r.out.data, "usage: tidepatch scan"), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "--refresh"));
	cr_assert_eq(TP(&r, "scan", "--help"), 0);
	cr_assert(strstr(r.out.data, "--root"));
	tp_cmd_result_release(&r);
}

Test(cli, no_command_is_a_usage_error)
{
	struct tp_cmd_result r;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){ NULL }), 64);
	cr_assert(strstr(r.errout.data, "usage:"));
	tp_cmd_result_release(&r);
}

Test(cli, unknown_command_and_option_are_usage_errors)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "frobnicate"), 64);
	cr_assert(strstr(r.errout.data, "'frobnicate' is not a tidepatch command"),
		  "%s", r.errout.data);
	cr_assert_eq(TP(&r, "scan", "--bogus"), 64);
	cr_assert(strstr(r.errout.data, "unknown option '--bogus'"));
	cr_assert_eq(TP(&r, "--color=sometimes", "version"), 64);
	cr_assert_eq(TP(&r, "--format=xml", "version"), 64);
	cr_assert_eq(TP(&r, "-q", "-v", "version"), 64);
	cr_assert_eq(TP(&r, "scan", "--timeout", "soon"), 64);
	cr_assert_eq(TP(&r, "scan", "--timeout", "0"), 64);
	tp_cmd_result_release(&r);
}

Test(cli, vercmp_prints_the_relation)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "vercmp", "deb", "1.0~rc1", "1.0"), 0);
	cr_assert_str_eq(r.out.data, "<\n");
	cr_assert_eq(TP(&r, "vercmp", "deb", "1:0.9", "2.0"), 0);
	cr_assert_str_eq(r.out.data, ">\n");
	cr_assert_eq(TP(&r, "vercmp", "deb", "1.0-0", "1.0"), 0);
	cr_assert_str_eq(r.out.data, "=\n");
	cr_assert_eq(TP(&r, "vercmp", "rpm", "1.0^git1", "1.0"), 0);
	cr_assert_str_eq(r.out.data, ">\n");
	cr_assert_eq(TP(&r, "vercmp", "rpm", "1.0~rc1", "1.0"), 0);
	cr_assert_str_eq(r.out.data, "<\n");
	cr_assert_eq(TP(&r, "vercmp", "apk", "1.2.3_rc1-r0", "1.2.3-r0"), 0);
	cr_assert_str_eq(r.out.data, "<\n");
	tp_cmd_result_release(&r);
}

Test(cli, vercmp_rejects_bad_input_with_distinct_codes)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "vercmp", "msi", "1", "2"), 64);
	cr_assert_eq(TP(&r, "vercmp", "deb", "1"), 64);
	cr_assert_eq(TP(&r, "vercmp", "deb", "a:1.0", "1.0"), 65);
	cr_assert(strstr(r.errout.data, "a:1.0"), "%s", r.errout.data);
	cr_assert_eq(r.out.len, 0);
	tp_cmd_result_release(&r);
}

Test(cli, vercmp_agrees_with_dpkg_on_the_exit_code_contract)
{
	static const char *const pairs[][2] = {
		{ "2.36-9+deb12u7", "2.36-9+deb12u14" },
		{ "1:9.2p1-2+deb12u6", "1:9.2p1-2+deb12u5" },
		{ "3.0.20-1~deb12u2", "3.0.20-1" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct tp_cmd_result r, d;
		char cmd[512];
		const char *rel;

		snprintf(cmd, sizeof(cmd),
			 "if dpkg --compare-versions '%s' lt '%s'; then echo '<'; "
			 "elif dpkg --compare-versions '%s' eq '%s'; then echo '='; "
			 "else echo '>'; fi", pairs[i][0], pairs[i][1],
			 pairs[i][0], pairs[i][1]);
		e2e_sh(&d, cmd);
		cr_assert_eq(TP(&r, "vercmp", "deb", pairs[i][0], pairs[i][1]), 0);
		rel = d.out.data;
		cr_assert_str_eq(r.out.data, rel, "%s vs %s", pairs[i][0],
				 pairs[i][1]);
		tp_cmd_result_release(&r);
		tp_cmd_result_release(&d);
	}
}

Test(cli, scan_by_pattern_without_an_inventory_is_noinput)
{
	struct tp_cmd_result r;

	/* a pattern means "hosts of the inventory": there must be one */
	cr_assert_eq(TP(&r, "scan", "-i", "/nonexistent/inv", "web1"), 66);
	cr_assert(strstr(r.errout.data, "/nonexistent/inv"), "%s",
		  r.errout.data);
	cr_assert_eq(TP(&r, "scan", "--root", "/tmp", "web1"), 64);
	tp_cmd_result_release(&r);
}

Test(cli, scan_of_a_missing_root_is_noinput)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "scan", "--root", "/nonexistent/tp"), 66);
	cr_assert(strstr(r.errout.data, "/nonexistent/tp"));
	tp_cmd_result_release(&r);
}
