/*
 * test_inventory.c - loading, validation, resolution and host patterns.
 *
 * Fixtures live in tests/fixtures/inventory/: valid/ is a two-file
 * directory inventory; each broken/<name>.json (and the broken/multi/
 * directory) has broken/<name>.expected, the exact list of problems
 * `inventory check` must report, one per line, in order. Tests chdir to
 * $TP_FIXTURES so the file names in messages are stable; Criterion runs
 * every test in its own process, so the chdir does not leak.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "tidepatch/buf.h"
#include "tidepatch/inventory.h"

static void to_fixtures(void)
{
	const char *root = getenv("TP_FIXTURES");

	cr_assert_eq(chdir(root ? root : "fixtures"), 0, "chdir to fixtures");
}

static struct tp_inventory *load_ok(const char *path)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char line[2048];
	int rc;

	to_fixtures();
	tp_inv_problems_init(&pr);
	rc = tp_inventory_load(&inv, path, &pr, &err);
	if (pr.n)
		tp_inv_problem_format(&pr.v[0], line, sizeof(line));
	cr_assert_eq(rc, 0, "%s: %s", err.msg, pr.n ? line : "");
	cr_assert_eq(pr.n, 0);
	tp_inv_problems_release(&pr);
	return inv;
}

/* Load path, expect TP_ECONFIG and exactly the lines of expected. */
static void expect_problems(const char *path, const char *expected)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	struct tp_buf got;
	char *want, line[2048];
	size_t i;

	to_fixtures();
	want = tp_test_fixture(expected, NULL);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, path, &pr, &err), TP_ECONFIG,
		     "%s", err.msg);
	cr_assert_null(inv);
	tp_buf_init(&got, 1 << 20);
	for (i = 0; i < pr.n; i++) {
		tp_inv_problem_format(&pr.v[i], line, sizeof(line));
		cr_assert_eq(tp_buf_printf(&got, &err, "%s\n", line), 0);
	}
	cr_assert_str_eq(got.data ? got.data : "", want);
	tp_buf_release(&got);
	tp_inv_problems_release(&pr);
	free(want);
}

static const struct tp_inv_host *host(const struct tp_inventory *inv,
				      const char *name)
{
	const struct tp_inv_host *h = tp_inventory_host(inv, name);

	cr_assert_not_null(h, "no host %s", name);
	return h;
}

static const char *var(const struct tp_inv_host *h, const char *k)
{
	return json_string_value(json_object_get(h->vars, k));
}

static const char *origin(const struct tp_inv_host *h, const char *k)
{
	return json_string_value(json_object_get(h->origin, k));
}

/* ---- loading and resolution ---- */

Test(inventory, loads_every_json_file_of_a_directory_in_name_order)
{
	struct tp_inventory *inv = load_ok("inventory/valid");

	cr_assert_eq(inv->nhosts, 5);
	cr_assert_str_eq(inv->hosts[0].name, "web1");
	cr_assert_str_eq(inv->hosts[4].name, "lab1");
	cr_assert_str_eq(inv->hosts[0].file, "inventory/valid/hosts.json");
	cr_assert_str_eq(inv->known_hosts, "inventory/valid/known_hosts");
	tp_inventory_free(inv);
}

Test(inventory, loads_a_single_file_with_known_hosts_beside_it)
{
	struct tp_inventory *inv = load_ok("inventory/valid/hosts.json");

	cr_assert_eq(inv->nhosts, 5);
	cr_assert_str_eq(inv->known_hosts, "inventory/valid/known_hosts");
	/* Without groups.json there are no defaults: the SSH default user. */
	cr_assert_null(host(inv, "web1")->user);
	tp_inventory_free(inv);
}

Test(inventory, lists_groups_sorted_with_the_implicit_ones)
{
	static const char *const want[] = { "all", "bastions", "db", "prod",
					    "staging", "ungrouped", "web" };
	struct tp_inventory *inv = load_ok("inventory/valid");
	size_t i;

	cr_assert_eq(inv->ngroups, 7);
	for (i = 0; i < 7; i++)
		cr_assert_str_eq(inv->groups[i], want[i]);
	tp_inventory_free(inv);
}

Test(inventory, address_defaults_to_the_name_and_port_to_22)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *h = host(inv, "lab1");

	cr_assert_str_eq(h->address, "lab1");
	cr_assert_eq(h->port, 22);
	cr_assert_eq(h->criticality, TP_CRIT_MEDIUM);
	cr_assert_eq(h->exposure, TP_EXPO_INTERNAL);
	cr_assert_not(h->become);
	cr_assert_eq(h->ngroups, 1);
	cr_assert_str_eq(h->groups[0], "ungrouped");
	tp_inventory_free(inv);
}

Test(inventory, host_wins_over_group_wins_over_defaults)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *w2 = host(inv, "web2");
	const struct tp_inv_host *b = host(inv, "bastion");

	cr_assert_eq(w2->port, 2222);
	cr_assert_str_eq(origin(w2, "port"), "host");
	cr_assert_str_eq(w2->user, "root");
	cr_assert_str_eq(origin(w2, "user"), "defaults");
	cr_assert_str_eq(b->user, "jump");
	cr_assert_str_eq(origin(b, "user"), "group:bastions");
	tp_inventory_free(inv);
}

Test(inventory, child_group_wins_over_its_parent)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *h = host(inv, "web1");

	cr_assert_str_eq(var(h, "tier"), "web");
	cr_assert_str_eq(origin(h, "vars.tier"), "group:web");
	cr_assert_str_eq(var(h, "env"), "prod");
	cr_assert_eq(h->ngroups, 2);
	cr_assert_str_eq(h->groups[0], "prod");
	cr_assert_str_eq(h->groups[1], "web");
	tp_inventory_free(inv);
}

Test(inventory, sibling_groups_apply_in_name_order)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *h = host(inv, "web2");

	/* prod and staging are both top-level: staging sorts later, wins. */
	cr_assert_str_eq(var(h, "env"), "staging");
	cr_assert_str_eq(origin(h, "vars.env"), "group:staging");
	cr_assert_str_eq(h->groups[0], "prod");
	cr_assert_str_eq(h->groups[1], "staging");
	cr_assert_str_eq(h->groups[2], "web");
	tp_inventory_free(inv);
}

Test(inventory, criticality_in_vars_is_the_typed_key)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *w1 = host(inv, "web1");
	const struct tp_inv_host *db = host(inv, "db1");

	cr_assert_eq(w1->criticality, TP_CRIT_CRITICAL);
	cr_assert_str_eq(origin(w1, "criticality"), "host");
	cr_assert_eq(w1->exposure, TP_EXPO_INTERNET);
	cr_assert_eq(db->criticality, TP_CRIT_HIGH);
	cr_assert_str_eq(origin(db, "criticality"), "group:prod");
	tp_inventory_free(inv);
}

Test(inventory, tags_are_a_union_without_duplicates)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *db = host(inv, "db1");

	/* db1 is not in web: only its own tags. */
	cr_assert_eq(db->ntags, 2);
	cr_assert_str_eq(db->tags[0], "pg");
	cr_assert_str_eq(db->tags[1], "frontend");
	cr_assert_eq(host(inv, "web1")->ntags, 1);
	cr_assert(db->become);
	tp_inventory_free(inv);
}

Test(inventory, jump_to_an_inventory_host_uses_its_resolved_settings)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *db = host(inv, "db1");

	cr_assert_eq(db->njump, 1);
	cr_assert_str_eq(db->jump[0].host, "bastion");
	cr_assert_str_eq(db->jump[0].user, "jump");
	cr_assert_str_eq(db->jump[0].address, "127.0.1.9");
	cr_assert_eq(db->jump[0].port, 22);
	tp_inventory_free(inv);
}

Test(inventory, jump_list_mixes_hosts_and_literal_specs)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const struct tp_inv_host *h = host(inv, "lab1");

	cr_assert_eq(h->njump, 2);
	cr_assert_str_eq(h->jump[0].address, "127.0.1.9");
	cr_assert_null(h->jump[1].host);
	cr_assert_str_eq(h->jump[1].user, "admin");
	cr_assert_str_eq(h->jump[1].address, "::1");
	cr_assert_eq(h->jump[1].port, 2200);
	cr_assert_str_eq(h->identity, "~/.ssh/lab");
	tp_inventory_free(inv);
}

Test(inventory, missing_path_is_not_found)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, "inventory/nope", &pr, &err),
		     TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no inventory at inventory/nope");
	cr_assert_null(inv);
	cr_assert_eq(pr.n, 0);
}

Test(inventory, directory_without_json_files_is_not_found)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, "apt", &pr, &err), TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no *.json inventory file in apt");
}

Test(inventory, error_slot_counts_the_problems)
{
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_inventory_load(&inv, "inventory/broken/graph.json",
				       &pr, &err), TP_ECONFIG);
	cr_assert_str_eq(err.msg, "4 problems in inventory "
			 "inventory/broken/graph.json");
	tp_inv_problems_release(&pr);
}

/* ---- every malformed shape, with its exact message ---- */

Test(inventory, json_syntax_error_has_line_and_column)
{
	expect_problems("inventory/broken/syntax.json",
			"inventory/broken/syntax.expected");
}

Test(inventory, duplicate_key_in_one_file_has_line_and_column)
{
	expect_problems("inventory/broken/dupkey.json",
			"inventory/broken/dupkey.expected");
}

Test(inventory, root_must_be_an_object)
{
	expect_problems("inventory/broken/notobject.json",
			"inventory/broken/notobject.expected");
}

Test(inventory, reports_every_wrong_type_unknown_key_and_bad_name)
{
	expect_problems("inventory/broken/types.json",
			"inventory/broken/types.expected");
}

Test(inventory, reports_unknown_children_group_cycles_and_clashes)
{
	expect_problems("inventory/broken/graph.json",
			"inventory/broken/graph.expected");
}

Test(inventory, reports_unknown_jump_hosts_bad_specs_and_jump_cycles)
{
	expect_problems("inventory/broken/jumps.json",
			"inventory/broken/jumps.expected");
}

Test(inventory, reports_duplicates_across_files)
{
	expect_problems("inventory/broken/multi",
			"inventory/broken/multi.expected");
}

Test(inventory, problem_format_without_path_or_line)
{
	struct tp_inv_problem p = { "f.json", NULL, 0, 0, "larger than 16 MiB" };
	char buf[64];

	tp_inv_problem_format(&p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "f.json: larger than 16 MiB");
}

/* ---- patterns ---- */

/* Select with patterns and return the names, space-separated. */
static char *sel(const struct tp_inventory *inv, const char *limit,
		 const char *const *pats, size_t n, int *rc_out,
		 struct tp_err *err)
{
	static char out[1024];
	size_t *idx = NULL, m = 0, i;

	out[0] = '\0';
	*rc_out = tp_inventory_select(inv, pats, n, limit, &idx, &m, err);
	for (i = 0; i < m; i++) {
		strcat(out, i ? " " : "");
		strcat(out, inv->hosts[idx[i]].name);
	}
	free(idx);
	return out;
}

static void expect_sel(const char *pattern, const char *want)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const char *pats[] = { pattern };
	struct tp_err err = { 0 };
	int rc;
	char *got = sel(inv, NULL, pats, 1, &rc, &err);

	cr_assert_eq(rc, 0, "%s: %s", pattern, err.msg);
	cr_assert_str_eq(got, want, "pattern %s", pattern);
	tp_inventory_free(inv);
}

Test(pattern, all_and_star_select_every_host_in_inventory_order)
{
	expect_sel("all", "web1 web2 db1 bastion lab1");
	expect_sel("*", "web1 web2 db1 bastion lab1");
}

Test(pattern, no_pattern_means_all)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	struct tp_err err = { 0 };
	int rc;

	cr_assert_str_eq(sel(inv, NULL, NULL, 0, &rc, &err),
			 "web1 web2 db1 bastion lab1");
	tp_inventory_free(inv);
}

Test(pattern, host_name_and_group_name)
{
	expect_sel("db1", "db1");
	expect_sel("web", "web1 web2");
	expect_sel("ungrouped", "lab1");
}

Test(pattern, group_includes_hosts_of_child_groups)
{
	expect_sel("prod", "web1 web2 db1");
}

Test(pattern, glob_matches_host_and_group_names)
{
	expect_sel("web?", "web1 web2");
	expect_sel("b*", "bastion");	/* group bastions and host bastion */
	expect_sel("*1", "web1 db1 lab1");
}

Test(pattern, colon_and_comma_are_union_in_inventory_order)
{
	expect_sel("lab1:web1", "web1 lab1");
	expect_sel("bastion,db", "db1 bastion");
}

Test(pattern, ampersand_intersects)
{
	expect_sel("prod:&staging", "web2");
}

Test(pattern, bang_excludes)
{
	expect_sel("prod:!web", "db1");
}

Test(pattern, plain_terms_first_then_intersections_then_exclusions)
{
	/* Ansible's order_patterns: the written order does not matter. */
	expect_sel("!web2:web:db", "web1 db1");
	expect_sel("&prod:web:lab1", "web1 web2");
	expect_sel("web:db:&prod:!web1", "web2 db1");
}

Test(pattern, only_intersections_or_exclusions_start_from_all)
{
	expect_sel("!prod", "bastion lab1");
	expect_sel("&web", "web1 web2");
}

Test(pattern, several_patterns_are_one_expression)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const char *pats[] = { "web", "db", "!web1" };
	struct tp_err err = { 0 };
	int rc;

	cr_assert_str_eq(sel(inv, NULL, pats, 3, &rc, &err), "web2 db1");
	tp_inventory_free(inv);
}

Test(pattern, limit_restricts_further)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const char *pats[] = { "prod" };
	struct tp_err err = { 0 };
	int rc;

	cr_assert_str_eq(sel(inv, "web:!web2", pats, 1, &rc, &err), "web1");
	cr_assert_eq(rc, 0);
	tp_inventory_free(inv);
}

Test(pattern, a_term_matching_nothing_is_an_error_naming_it)
{
	struct tp_inventory *inv = load_ok("inventory/valid");
	const char *pats[] = { "web:!wbe" };
	struct tp_err err = { 0 };
	int rc;

	sel(inv, NULL, pats, 1, &rc, &err);
	cr_assert_eq(rc, TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "pattern 'wbe' matches no host or group");
	sel(inv, "x*", NULL, 0, &rc, &err);
	cr_assert_eq(rc, TP_ENOTFOUND);
	cr_assert_str_eq(err.msg,
			 "--limit: pattern 'x*' matches no host or group");
	tp_inventory_free(inv);
}

Test(pattern, empty_terms_are_usage_errors)
{
	static const char *const bad[] = { "", "web::db", "web:", "web:!",
					   "&", ",web" };
	struct tp_inventory *inv = load_ok("inventory/valid");
	struct tp_err err = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sel(inv, NULL, &bad[i], 1, &rc, &err);
		cr_assert_eq(rc, TP_EUSAGE, "pattern '%s'", bad[i]);
	}
	cr_assert_str_eq(err.msg, "empty term in pattern ',web'");
	tp_inventory_free(inv);
}

Test(pattern, exclusion_may_leave_nothing)
{
	expect_sel("web:!web", "");
}

/* ---- sizes: empty, exactly the maximum, one byte more ---- */

/* Write "{}" padded with spaces to exactly size bytes in a new dir. */
static void padded_file(char *dir, size_t dsize, char *file, size_t fsize,
			size_t size)
{
	FILE *f;
	size_t i;

	snprintf(dir, dsize, "/tmp/tp-inv-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(file, fsize, "%s/big.json", dir);
	cr_assert_not_null(f = fopen(file, "w"));
	if (size >= 2)
		fputs("{}", f);
	for (i = 2; i < size; i++)
		fputc(' ', f);
	cr_assert_eq(fclose(f), 0);
}

static int load_sized(size_t size, struct tp_inv_problems *pr,
		      struct tp_err *err)
{
	struct tp_inventory *inv = NULL;
	char dir[64], file[128];
	int rc;

	padded_file(dir, sizeof(dir), file, sizeof(file), size);
	tp_inv_problems_init(pr);
	rc = tp_inventory_load(&inv, file, pr, err);
	tp_inventory_free(inv);
	unlink(file);
	rmdir(dir);
	return rc;
}

Test(inventory, file_of_exactly_the_maximum_size_loads)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	cr_assert_eq(load_sized(TP_INV_FILE_MAX, &pr, &err), 0, "%s", err.msg);
	tp_inv_problems_release(&pr);
}

Test(inventory, file_one_byte_over_the_maximum_is_a_problem)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	cr_assert_eq(load_sized(TP_INV_FILE_MAX + 1, &pr, &err), TP_ECONFIG);
	cr_assert_eq(pr.n, 1);
	cr_assert_str_eq(pr.v[0].msg, "larger than 16 MiB");
	tp_inv_problems_release(&pr);
}

Test(inventory, empty_file_is_a_syntax_error_at_line_1)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	cr_assert_eq(load_sized(0, &pr, &err), TP_ECONFIG);
	cr_assert_eq(pr.n, 1);
	cr_assert_eq(pr.v[0].line, 1);
	cr_assert_str_eq(pr.v[0].msg, "'[' or '{' expected near end of file");
	tp_inv_problems_release(&pr);
}
