/*
 * test_scan.c - the scan's own parsers (reboot flag, kernel release) and
 * the JSON document built from a result.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tidepatch/report.h"
#include "tidepatch/scan.h"

static int reboot(struct tp_scan_result *r, const char *s, struct tp_err *e)
{
	memset(r, 0, sizeof(*r));
	return tp_scan_parse_reboot(r, s, strlen(s), e);
}

Test(scan, no_reboot_flag_means_not_required)
{
	struct tp_scan_result r;
	struct tp_err err;

	cr_assert_eq(reboot(&r, "", &err), 0);
	cr_assert_not(r.reboot_required);
	cr_assert_eq(r.n_reboot_pkgs, 0);
	tp_scan_result_release(&r);
}

Test(scan, reboot_flag_with_packages_deduplicated)
{
	struct tp_scan_result r;
	struct tp_err err;

	/* as written by linux-image and libc6 postinsts (each appends) */
	cr_assert_eq(reboot(&r, "reboot-required\nlinux-image-6.1.0-21-amd64\n"
				"libc6\nlinux-image-6.1.0-21-amd64\n", &err), 0);
	cr_assert(r.reboot_required);
	cr_assert_eq(r.n_reboot_pkgs, 2);
	cr_assert_str_eq(r.reboot_pkgs[0], "linux-image-6.1.0-21-amd64");
	cr_assert_str_eq(r.reboot_pkgs[1], "libc6");
	tp_scan_result_release(&r);
}

Test(scan, reboot_flag_without_pkgs_file)
{
	struct tp_scan_result r;
	struct tp_err err;

	cr_assert_eq(reboot(&r, "reboot-required\n", &err), 0);
	cr_assert(r.reboot_required);
	cr_assert_eq(r.n_reboot_pkgs, 0);
	tp_scan_result_release(&r);
}

Test(scan, reboot_probe_garbage_is_a_parse_error)
{
	struct tp_scan_result r;
	struct tp_err err;

	cr_assert_eq(reboot(&r, "sh: 1: syntax error\n", &err), TP_EPARSE);
	tp_scan_result_release(&r);
	cr_assert_eq(reboot(&r, "reboot-required\nbad name\n", &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "line 1"), "%s", err.msg);
	tp_scan_result_release(&r);
	cr_assert_eq(reboot(&r, "reboot-required\nesc\033[2J\n", &err),
		     TP_EPARSE);
	tp_scan_result_release(&r);
}

Test(scan, kernel_release_is_one_token)
{
	struct tp_scan_result r;
	struct tp_err err;

	memset(&r, 0, sizeof(r));
	cr_assert_eq(tp_scan_parse_kernel(&r, "6.1.0-21-amd64\n", 15, &err), 0);
	cr_assert_str_eq(r.kernel_running, "6.1.0-21-amd64");
	cr_assert_eq(tp_scan_parse_kernel(&r, "", 0, &err), TP_EPARSE);
	cr_assert_eq(tp_scan_parse_kernel(&r, "6.1 x\n", 6, &err), TP_EPARSE);
	cr_assert_eq(tp_scan_parse_kernel(&r, "a\nb\n", 4, &err), TP_EPARSE);
	tp_scan_result_release(&r);
}

Test(scan, kernel_reboot_needed_only_when_releases_differ)
{
	struct tp_scan_result r;

	memset(&r, 0, sizeof(r));
	r.kernel_running = "6.1.0-18-amd64";
	cr_assert_not(tp_scan_kernel_reboot_needed(&r));
	r.kernel_newest = "6.1.0-18-amd64";
	cr_assert_not(tp_scan_kernel_reboot_needed(&r));
	r.kernel_newest = "6.1.0-21-amd64";
	cr_assert(tp_scan_kernel_reboot_needed(&r));
}

Test(scan, stage_names_are_stable)
{
	cr_assert_str_eq(tp_scan_stage_name(TP_SCAN_UPDATES), "updates");
	cr_assert_str_eq(tp_scan_stage_name(TP_SCAN_DONE), "done");
	cr_assert_str_eq(tp_scan_stage_name((enum tp_scan_stage)99), "unknown");
}

Test(report_json, failed_host_has_error_object_and_no_package_fields)
{
	struct tp_scan_result r;
	json_t *doc, *h;
	struct tp_err err;

	memset(&r, 0, sizeof(r));
	r.host = "web1";
	r.status = TP_ETIMEOUT;
	r.stage = TP_SCAN_UPDATES;
	tp_err_set(&r.err, TP_ETIMEOUT, "web1: pending updates: command timed out");
	doc = tp_report_scan_json(&r, 1, &err);
	cr_assert_not_null(doc);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")),
			 TP_SCAN_SCHEMA);
	h = json_array_get(json_object_get(doc, "hosts"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(h, "status")), "error");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(h, "error"), "code")), "timeout");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(h, "error"), "stage")), "updates");
	cr_assert_null(json_object_get(h, "updates"));
	json_decref(doc);
}
