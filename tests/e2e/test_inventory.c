/*
 * test_inventory.c - `tidepatch inventory list|show|check`, the real
 * binary against the inventories in tests/fixtures/inventory/: output,
 * formats and exit codes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e2e.h"

#define TP(res, ...) e2e_tidepatch(res, NULL, (const char *[]){ __VA_ARGS__, NULL })

static const char *fx(const char *rel)
{
	static char path[4][4096];
	static int n;
	const char *root = getenv("TP_FIXTURES");
	char *p = path[n++ % 4];

	cr_assert_not_null(root, "TP_FIXTURES is not set");
	snprintf(p, sizeof(path[0]), "%s/inventory/%s", root, rel);
	return p;
}

Test(inventory_cmd, list_prints_a_table_in_inventory_order)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("valid"), "list"), 0, "%s",
		     r.errout.data);
	cr_assert_str_eq(r.out.data,
		"HOST     ADDRESS     PORT  USER  GROUPS\n"
		"web1     127.0.1.1     22  root  prod,web\n"
		"web2     127.0.1.2   2222  root  prod,staging,web\n"
		"db1      127.0.1.3     22  root  prod,db\n"
		"bastion  127.0.1.9     22  jump  bastions\n"
		"lab1     lab1          22  root  ungrouped\n");
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, list_takes_patterns_and_limit_after_the_subcommand)
{
	struct tp_cmd_result r;
	json_t *doc;

	cr_assert_eq(TP(&r, "inventory", "list", "prod", "lab1", "--limit",
			"!web2", "-i", fx("valid"), "--format", "json"), 0,
		     "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "format")),
			 "tidepatch.inventory/1");
	cr_assert_eq(json_array_size(json_object_get(doc, "hosts")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(doc, "hosts"), 2), "name")), "lab1");
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, pattern_matching_nothing_is_a_usage_error)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("valid"), "list", "wbe"), 64);
	cr_assert(strstr(r.errout.data, "pattern 'wbe' matches no host or group"),
		  "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, show_says_where_each_value_came_from)
{
	struct tp_cmd_result r;
	json_t *doc, *origin;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("valid"), "show", "web2"), 0);
	cr_assert(strstr(r.out.data, "web2  ("), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "group:staging"), "%s", r.out.data);
	cr_assert_eq(TP(&r, "--format", "json", "inventory", "-i", fx("valid"),
			"show", "db1"), 0);
	doc = e2e_json(r.out.data);
	origin = json_object_get(doc, "origin");
	cr_assert_str_eq(json_string_value(json_object_get(origin, "user")),
			 "defaults");
	cr_assert_str_eq(json_string_value(json_object_get(origin,
					    "criticality")), "group:prod");
	cr_assert_eq(json_array_size(json_object_get(doc, "jump")), 1);
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, show_of_an_unknown_host_is_a_usage_error)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("valid"), "show", "nope"), 64);
	cr_assert(strstr(r.errout.data, "no host 'nope'"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, check_of_a_valid_inventory_prints_a_summary)
{
	struct tp_cmd_result r;
	char want[4200];

	cr_assert_eq(TP(&r, "inventory", "-i", fx("valid"), "check"), 0);
	snprintf(want, sizeof(want), "inventory %s: ok, 5 hosts, 7 groups\n",
		 fx("valid"));
	cr_assert_str_eq(r.out.data, want);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, check_lists_every_problem_and_exits_78)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("broken/types.json"),
			"check"), 78);
	cr_assert(strstr(r.out.data, "types.json: $.hosts.web1.port: must be "
			 "an integer 1-65535\n"), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "types.json: $.extra: unknown key\n"));
	cr_assert(strstr(r.errout.data, "30 problems in inventory"), "%s",
		  r.errout.data);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, check_json_has_file_path_line_and_column)
{
	struct tp_cmd_result r;
	json_t *doc, *p;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("broken/syntax.json"),
			"check", "--format", "json"), 78);
	doc = e2e_json(r.out.data);
	cr_assert(json_is_false(json_object_get(doc, "ok")));
	p = json_array_get(json_object_get(doc, "problems"), 0);
	cr_assert_eq(json_integer_value(json_object_get(p, "line")), 1);
	cr_assert_eq(json_integer_value(json_object_get(p, "column")), 29);
	cr_assert(json_is_null(json_object_get(p, "path")));
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, list_of_a_broken_inventory_explains_on_stderr)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", fx("broken/multi"), "list"), 78);
	cr_assert(!r.out.data || !*r.out.data, "%s", r.out.data);
	cr_assert(strstr(r.errout.data, "host 'web1' is already defined in"),
		  "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, missing_inventory_exits_66_with_the_path)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory", "-i", "/nonexistent/inv", "check"), 66);
	cr_assert(strstr(r.errout.data, "no inventory at /nonexistent/inv"),
		  "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(inventory_cmd, misuse_is_a_usage_error)
{
	struct tp_cmd_result r;

	cr_assert_eq(TP(&r, "inventory"), 64);
	cr_assert_eq(TP(&r, "inventory", "frob"), 64);
	cr_assert_eq(TP(&r, "inventory", "show"), 64);
	cr_assert_eq(TP(&r, "inventory", "check", "extra"), 64);
	cr_assert_eq(TP(&r, "inventory", "check", "--limit", "web"), 64);
	cr_assert_eq(TP(&r, "inventory", "--help"), 0);
	cr_assert(strstr(r.out.data, "--inventory <path>"), "%s", r.out.data);
	tp_cmd_result_release(&r);
}
