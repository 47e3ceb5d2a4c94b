/*
 * test_report.c - the scan table and JSON document, from a result built
 * by hand so every branch (security first, removals, colour, nulls) is
 * exercised on purpose.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/report.h"

static void add_update(struct tp_scan_result *r, const char *name,
		       const char *installed, const char *candidate,
		       bool security, enum tp_update_kind kind)
{
	struct tp_update *up = NULL;
	struct tp_err err;

	cr_assert_eq(tp_update_list_push(&r->updates, &up, &err), 0);
	up->name = strdup(name);
	up->arch = strdup("amd64");
	up->installed = installed ? strdup(installed) : NULL;
	up->candidate = candidate ? strdup(candidate) : NULL;
	up->origin = strdup(security ? "Debian-Security:12/stable-security" :
				       "Debian:12.8/stable");
	up->security = security;
	up->kind = kind;
}

static void make_result(struct tp_scan_result *r)
{
	memset(r, 0, sizeof(*r));
	r->host = strdup("web1");
	r->scanned_at = strdup("2026-11-22T10:00:00Z");
	r->os.id = strdup("debian");
	r->os.pretty_name = strdup("Debian GNU/Linux 12 (bookworm)");
	r->os.ecosystem = strdup("Debian:12");
	r->backend = tp_pkg_backend_find("apt");
	cr_assert_not_null(r->backend);
	add_update(r, "aaa-plain", "1.0-1", "1.0-2", false, TP_UPDATE_UPGRADE);
	add_update(r, "zzz-sec", "2.0-1", "2.0-1+deb12u1", true,
		   TP_UPDATE_UPGRADE);
	add_update(r, "newdep", NULL, "3.0-1", false, TP_UPDATE_INSTALL);
	add_update(r, "oldlib", "0.9-1", NULL, false, TP_UPDATE_REMOVE);
	r->kernel_running = strdup("6.1.0-18-amd64");
	r->kernel_newest = strdup("6.1.0-21-amd64");
}

static char *table(const struct tp_scan_result *r, bool color)
{
	struct tp_table_style style = { color };
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 1 << 20);
	cr_assert_eq(tp_report_scan_table(&b, r, 1, &style, &err), 0);
	return tp_buf_detach(&b);
}

Test(report_table, security_updates_come_first)
{
	struct tp_scan_result r;
	char *t;

	make_result(&r);
	t = table(&r, false);
	cr_assert_not_null(strstr(t, "zzz-sec"));
	cr_assert_lt(strstr(t, "zzz-sec"), strstr(t, "aaa-plain"), "%s", t);
	cr_assert(strstr(t, "3 pending, 1 security"), "%s", t);
	free(t);
	tp_scan_result_release(&r);
}

Test(report_table, removals_are_named_and_not_listed_as_updates)
{
	struct tp_scan_result r;
	char *t;

	make_result(&r);
	t = table(&r, false);
	cr_assert(strstr(t, "  removals   1: oldlib\n"), "%s", t);
	cr_assert_null(strstr(t, "  oldlib"), "%s", t);
	free(t);
	tp_scan_result_release(&r);
}

Test(report_table, kernel_reboot_is_pointed_out)
{
	struct tp_scan_result r;
	char *t;

	make_result(&r);
	t = table(&r, false);
	cr_assert(strstr(t, "newest installed 6.1.0-21-amd64 (reboot to run it)"),
		  "%s", t);
	free(t);
	tp_scan_result_release(&r);
}

Test(report_table, colour_only_when_asked)
{
	struct tp_scan_result r;
	char *plain, *colour;

	make_result(&r);
	plain = table(&r, false);
	colour = table(&r, true);
	cr_assert_null(strchr(plain, '\033'));
	cr_assert_not_null(strstr(colour, "\033[31m"));
	free(plain);
	free(colour);
	tp_scan_result_release(&r);
}

Test(report_table, failed_host_shows_stage_and_code)
{
	struct tp_scan_result r;
	char *t;

	memset(&r, 0, sizeof(r));
	r.host = strdup("db1");
	r.status = TP_ECMDFAIL;
	r.stage = TP_SCAN_UPDATES;
	tp_err_set(&r.err, TP_ECMDFAIL, "db1: pending updates: command exited 100");
	t = table(&r, false);
	cr_assert(strstr(t, "db1  scan failed at updates (command_failed): "
			    "db1: pending updates: command exited 100"), "%s", t);
	free(t);
	tp_scan_result_release(&r);
}

Test(report_json, ok_host_separates_updates_from_removals)
{
	struct tp_scan_result r;
	struct tp_err err;
	json_t *h, *ups, *rem, *k;

	make_result(&r);
	h = tp_report_scan_host_json(&r, &err);
	cr_assert_not_null(h);
	ups = json_object_get(h, "updates");
	rem = json_object_get(h, "removals");
	cr_assert_eq(json_array_size(ups), 3);
	cr_assert_eq(json_array_size(rem), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rem, 0),
							   "kind")), "remove");
	cr_assert(json_is_null(json_object_get(json_array_get(ups, 2),
					       "installed")));
	cr_assert_eq(json_integer_value(json_object_get(h, "update_count")), 3);
	cr_assert_eq(json_integer_value(json_object_get(h, "security_count")), 1);
	cr_assert(json_is_null(json_object_get(h, "error")));
	k = json_object_get(h, "kernel");
	cr_assert(json_is_true(json_object_get(k, "reboot_needed")));
	cr_assert(json_is_null(json_object_get(json_object_get(h, "os"),
					       "codename")));
	json_decref(h);
	tp_scan_result_release(&r);
}
