/*
 * test_playbook.c - loading and validating playbooks, and the pure
 * helpers the rollout engine asks: wave sizes, budgets, the maintenance
 * window, update selection, durations.
 *
 * Fixtures live in tests/fixtures/playbook/ (see its README): valid/
 * must load, each broken/<name>.json has broken/<name>.expected, the
 * exact list of problems in order. Every example in playbooks/ at the
 * top of the tree must load too. Tests chdir to $TP_FIXTURES so the
 * file names in messages are stable; Criterion runs every test in its
 * own process, so the chdir (and setenv TZ) does not leak.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "tidepatch/buf.h"
#include "tidepatch/playbook.h"

static void to_fixtures(void)
{
	const char *root = getenv("TP_FIXTURES");

	cr_assert_eq(chdir(root ? root : "fixtures"), 0, "chdir to fixtures");
}

static struct tp_playbook *load_ok(const char *path)
{
	struct tp_playbook *pb = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char line[2048] = "";
	int rc;

	to_fixtures();
	tp_inv_problems_init(&pr);
	rc = tp_playbook_load(&pb, path, &pr, &err);
	if (pr.n)
		tp_inv_problem_format(&pr.v[0], line, sizeof(line));
	cr_assert_eq(rc, 0, "%s: %s: %s", path, err.msg, line);
	cr_assert_eq(pr.n, 0);
	cr_assert_not_null(pb);
	tp_inv_problems_release(&pr);
	return pb;
}

static char *problems_text(const struct tp_inv_problems *pr)
{
	struct tp_err err = { 0 };
	struct tp_buf got;
	char line[2048];
	size_t i;

	tp_buf_init(&got, 1 << 20);
	for (i = 0; i < pr->n; i++) {
		tp_inv_problem_format(&pr->v[i], line, sizeof(line));
		cr_assert_eq(tp_buf_printf(&got, &err, "%s\n", line), 0);
	}
	return tp_buf_detach(&got);
}

/* Load broken/<name>.json, expect TP_ECONFIG and broken/<name>.expected. */
static void expect_problems(const char *name)
{
	struct tp_playbook *pb = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	char path[256], expected[256], *want, *got;

	snprintf(path, sizeof(path), "playbook/broken/%s.json", name);
	snprintf(expected, sizeof(expected), "playbook/broken/%s.expected",
		 name);
	to_fixtures();
	want = tp_test_fixture(expected, NULL);
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_playbook_load(&pb, path, &pr, &err), TP_ECONFIG,
		     "%s", err.msg);
	cr_assert_null(pb);
	got = problems_text(&pr);
	cr_assert_str_eq(got, want);
	tp_inv_problems_release(&pr);
	free(got);
	free(want);
}

/* Load <data> from memory as file; return the rc, problems in *text. */
static int load_text(const char *file, const char *data, size_t len,
		     struct tp_playbook **pb, char **text)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	int rc;

	tp_inv_problems_init(&pr);
	rc = tp_playbook_load_buffer(pb, file, data, len, &pr, &err);
	*text = problems_text(&pr);
	tp_inv_problems_release(&pr);
	return rc;
}

/* A playbook from a JSON string that must be valid. */
static struct tp_playbook *pb_from(const char *json)
{
	struct tp_playbook *pb = NULL;
	char *text;
	int rc = load_text("t.json", json, strlen(json), &pb, &text);

	cr_assert_eq(rc, 0, "%s", text);
	free(text);
	return pb;
}

/* ---- examples and valid shapes ---- */

Test(playbook, every_example_in_playbooks_loads_without_a_problem)
{
	struct dirent *de;
	size_t n = 0;
	bool security_only = false;
	DIR *d;

	to_fixtures();
	cr_assert_not_null(d = opendir("../../playbooks"));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char path[512];
		struct tp_playbook *pb;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "../../playbooks/%s", de->d_name);
		pb = load_ok(path);
		/* The name is the file's, so a copied example stays honest. */
		cr_assert_eq(strncmp(pb->name, de->d_name, len - 5), 0, "%s",
			     path);
		cr_assert_eq(strlen(pb->name), len - 5);
		if (!strcmp(de->d_name, "security-only.json")) {
			security_only = true;
			cr_assert(pb->security_only);
		}
		tp_playbook_free(pb);
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 3, "only %zu examples", n);
	cr_assert(security_only, "playbooks/security-only.json is missing");
}

Test(playbook, the_annotated_example_of_the_man_page_is_valid)
{
	static const char bd[] = ".Bd -literal -offset indent\n";
	struct tp_playbook *pb = NULL;
	char *page, *start, *end, *got;

	to_fixtures();
	page = tp_test_fixture("../../man/tidepatch-playbook.5", NULL);
	cr_assert_not_null(start = strstr(page, "A complete playbook"));
	cr_assert_not_null(start = strstr(start, bd));
	start += sizeof(bd) - 1;
	cr_assert_not_null(end = strstr(start, "\n.Ed\n"));
	cr_assert_eq(load_text("man-example.json", start,
			       (size_t)(end - start), &pb, &got),
		     0, "%s", got);
	cr_assert_str_eq(pb->name, "web-canary");
	cr_assert_eq(pb->nwaves, 4);
	tp_playbook_free(pb);
	free(got);
	free(page);
}

Test(playbook, applies_every_default_to_a_minimal_playbook)
{
	struct tp_playbook *pb = load_ok("playbook/valid/minimal.json");

	cr_assert_str_eq(pb->file, "playbook/valid/minimal.json");
	cr_assert_eq(pb->version, 1);
	cr_assert_str_eq(pb->name, "minimal");
	cr_assert_null(pb->description);
	cr_assert_eq(pb->ntargets, 1);
	cr_assert_str_eq(pb->targets[0], "web");
	cr_assert_null(pb->limit);
	cr_assert_not(pb->security_only);
	cr_assert_eq(pb->min_severity, TP_SEV_UNKNOWN);
	cr_assert_eq(pb->ninclude + pb->nexclude + pb->nadvisories, 0);
	cr_assert_eq(pb->nwaves, 3);
	cr_assert_eq(pb->waves[0].kind, TP_PB_WAVE_COUNT);
	cr_assert_eq(pb->waves[0].count, 1);
	cr_assert_eq(pb->waves[1].kind, TP_PB_WAVE_PERCENT);
	cr_assert_eq(pb->waves[1].bp, 1000);
	cr_assert_eq(pb->waves[2].bp, 10000);
	cr_assert_eq(pb->order, TP_PB_ORDER_CRITICALITY);
	cr_assert_not(pb->budget_wave.max_failed.percent);
	cr_assert_eq(pb->budget_wave.max_failed.value, 0);
	cr_assert(pb->budget_wave.max_unreachable.percent);
	cr_assert_eq(pb->budget_wave.max_unreachable.value, 1000);
	cr_assert_eq(pb->budget_total.max_failed.value, 0);
	cr_assert_eq(pb->budget_total.max_unreachable.value, 1000);
	cr_assert_eq(pb->soak, 600);
	cr_assert_not(pb->approval);
	cr_assert_not(pb->window.set);
	cr_assert_eq(pb->reboot, TP_PB_REBOOT_IF_REQUIRED);
	cr_assert_eq(pb->on_failure, TP_PB_ONFAIL_ROLLBACK_HOST);
	cr_assert_eq(pb->nmin_free, 1);
	cr_assert_str_eq(pb->min_free[0].path, "/var");
	cr_assert_eq(pb->min_free[0].mb, 500);
	cr_assert_eq(pb->npre_services + pb->npre_commands, 0);
	cr_assert_eq(pb->nverify_services + pb->nverify_ports +
			     pb->nverify_http + pb->nverify_commands, 0);
	cr_assert_eq(pb->verify_retries, 3);
	cr_assert_eq(pb->verify_delay, 10);
	cr_assert_null(pb->backup_command);
	cr_assert_eq(pb->backup_timeout, 600);
	cr_assert_eq(pb->nnotify, 0);
	cr_assert_eq(pb->timeout_connect, 30);
	cr_assert_eq(pb->timeout_precheck, 300);
	cr_assert_eq(pb->timeout_stage, 1800);
	cr_assert_eq(pb->timeout_apply, 1800);
	cr_assert_eq(pb->timeout_reboot, 900);
	cr_assert_eq(pb->timeout_verify, 300);
	cr_assert_eq(pb->timeout_rollback, 1800);
	tp_playbook_free(pb);
}

Test(playbook, reads_every_key_of_a_full_playbook)
{
	struct tp_playbook *pb = load_ok("playbook/valid/full.json");

	cr_assert_str_eq(pb->name, "full");
	cr_assert_str_eq(pb->description, "every key set");
	cr_assert_eq(pb->ntargets, 2);
	cr_assert_str_eq(pb->targets[1], "db");
	cr_assert_str_eq(pb->limit, "prod");
	cr_assert(pb->security_only);
	cr_assert_eq(pb->min_severity, TP_SEV_IMPORTANT);
	cr_assert_str_eq(pb->include[1], "lib*");
	cr_assert_str_eq(pb->exclude[0], "libfoo*");
	cr_assert_str_eq(pb->advisories[1], "CVE-2024-3094");
	cr_assert_eq(pb->nwaves, 4);
	cr_assert_eq(pb->waves[0].kind, TP_PB_WAVE_CANARY);
	cr_assert_eq(pb->waves[0].ncanary, 2);
	cr_assert_str_eq(pb->waves[0].canary[1], "db*");
	cr_assert_eq(pb->waves[1].count, 2);
	cr_assert_eq(pb->waves[2].bp, 1250);
	cr_assert_eq(pb->order, TP_PB_ORDER_NAME);
	cr_assert_eq(pb->budget_wave.max_failed.value, 1);
	cr_assert_eq(pb->budget_wave.max_unreachable.value, 50);
	cr_assert(pb->budget_total.max_failed.percent);
	cr_assert_eq(pb->budget_total.max_failed.value, 300);
	cr_assert_not(pb->budget_total.max_unreachable.percent);
	cr_assert_eq(pb->budget_total.max_unreachable.value, 0);
	cr_assert_eq(pb->soak, 90);
	cr_assert(pb->approval);
	cr_assert(pb->window.set);
	cr_assert_eq(pb->window.days, (1u << 6) | 1u);
	cr_assert_eq(pb->window.start, 23 * 60 + 30);
	cr_assert_eq(pb->window.end, 75);
	cr_assert_not(pb->window.utc);
	cr_assert_eq(pb->reboot, TP_PB_REBOOT_ALWAYS);
	cr_assert_eq(pb->on_failure, TP_PB_ONFAIL_ROLLBACK_WAVE);
	cr_assert_eq(pb->nmin_free, 2);
	cr_assert_str_eq(pb->min_free[1].path, "/var/cache/apt");
	cr_assert_eq(pb->min_free[1].mb, 0);
	cr_assert_str_eq(pb->pre_services[1], "getty@tty1.service");
	cr_assert_str_eq(pb->pre_commands[1], "test -d /etc\n");
	cr_assert_eq(pb->nverify_ports, 2);
	cr_assert_eq(pb->verify_ports[1], 443);
	cr_assert_eq(pb->nverify_http, 2);
	cr_assert_eq(pb->verify_http[0].expect_status, 200);
	cr_assert_str_eq(pb->verify_http[1].url, "https://localhost/");
	cr_assert_eq(pb->verify_http[1].expect_status, 204);
	cr_assert_eq(pb->verify_retries, 0);
	cr_assert_eq(pb->verify_delay, 0);
	cr_assert_str_eq(pb->backup_command,
			 "lvcreate -s -L1G -n snap /dev/vg/root");
	cr_assert_eq(pb->backup_timeout, 7200);
	cr_assert_eq(pb->nnotify, 2);
	cr_assert_eq(pb->notify[0].events,
		     TP_PB_EV_WAVE_END | TP_PB_EV_HOST_FAILED);
	cr_assert_eq(pb->notify[0].timeout, 60);
	cr_assert_eq(pb->notify[1].events, TP_PB_EV_ALL);
	cr_assert_eq(pb->notify[1].timeout, 30);
	cr_assert_eq(pb->timeout_connect, 10);
	cr_assert_eq(pb->timeout_precheck, 60);
	cr_assert_eq(pb->timeout_stage, 900);
	cr_assert_eq(pb->timeout_apply, 3600);
	cr_assert_eq(pb->timeout_reboot, 300);
	cr_assert_eq(pb->timeout_verify, 120);
	cr_assert_eq(pb->timeout_rollback, 2700);
	tp_playbook_free(pb);
}

Test(playbook, accepts_a_plain_list_of_targets_or_an_object)
{
	struct tp_playbook *a = pb_from("{\"targets\": [\"web\", \"!web2\"]}");
	struct tp_playbook *b = pb_from(
		"{\"targets\": {\"patterns\": [\"web\"], \"limit\": \"dc1\"}}");

	cr_assert_eq(a->ntargets, 2);
	cr_assert_null(a->limit);
	cr_assert_eq(b->ntargets, 1);
	cr_assert_str_eq(b->limit, "dc1");
	tp_playbook_free(a);
	tp_playbook_free(b);
}

Test(playbook, an_empty_min_free_object_turns_the_default_off)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"prechecks\": {\"min_free_mb\": {}}}");

	cr_assert_eq(pb->nmin_free, 0);
	tp_playbook_free(pb);
}

/* ---- comments ---- */

Test(playbook, strips_comments_outside_strings_only)
{
	struct tp_playbook *pb = load_ok("playbook/valid/comments.json");

	cr_assert_str_eq(pb->name, "with-comments");
	cr_assert_str_eq(pb->description,
			 "not // a comment, and not /* one */ either");
	cr_assert_str_eq(pb->verify_commands[0],
			 "echo '//' \"/*\" | grep -q /");
	cr_assert_eq(pb->soak, 0);
	tp_playbook_free(pb);
}

Test(playbook, comments_keep_the_line_and_column_of_a_syntax_error)
{
	expect_problems("comment-lines");
}

Test(playbook, reports_an_unterminated_comment_where_it_opens)
{
	expect_problems("unterminated");
}

Test(playbook, a_comment_with_a_multibyte_character_keeps_columns)
{
	/*
	 * The comma is the 28th character (29th byte): jansson counts
	 * columns in characters, and "é" in a comment must stay one.
	 */
	static const char text[] = "{\"targets\": [\"a\"], /* \xc3\xa9 */ ,}";
	struct tp_playbook *pb = NULL;
	char *got;

	cr_assert_eq(load_text("t.json", text, sizeof(text) - 1, &pb, &got),
		     TP_ECONFIG);
	cr_assert_str_eq(got, "t.json:1:28: string or '}' expected near ','\n");
	free(got);
}

/* ---- problems ---- */

Test(playbook, reports_a_json_syntax_error_with_line_and_column)
{
	expect_problems("syntax");
}

Test(playbook, rejects_a_duplicate_key)
{
	expect_problems("dupkey");
}

Test(playbook, rejects_a_document_that_is_not_an_object)
{
	expect_problems("notobject");
}

Test(playbook, rejects_a_nul_in_a_string)
{
	expect_problems("nul");
}

Test(playbook, names_unknown_keys_and_suggests_the_close_one)
{
	expect_problems("unknown");
}

Test(playbook, reports_every_wrong_type_and_value_in_one_run)
{
	expect_problems("types");
}

Test(playbook, percentages_must_grow_and_the_last_wave_is_100_percent)
{
	expect_problems("waves-order");
}

Test(playbook, rejects_every_malformed_wave)
{
	expect_problems("waves-shapes");
}

Test(playbook, a_canary_wave_needs_a_canary_list)
{
	expect_problems("waves-canary");
}

Test(playbook, an_empty_canary_list_is_a_problem)
{
	expect_problems("waves-canary-empty");
}

Test(playbook, an_empty_wave_list_is_a_problem)
{
	expect_problems("waves-empty");
}

Test(playbook, reports_malformed_window_days_and_times)
{
	expect_problems("window");
}

Test(playbook, a_window_must_not_start_where_it_ends)
{
	expect_problems("window-same");
}

Test(playbook, reports_missing_required_keys)
{
	expect_problems("missing");
}

Test(playbook, rejects_empty_blank_and_control_character_commands)
{
	expect_problems("commands");
}

Test(playbook, a_command_of_exactly_the_maximum_length_is_accepted)
{
	size_t n = TP_PLAYBOOK_CMD_MAX;
	char *json = malloc(n + 128), *got;
	struct tp_playbook *pb = NULL;
	int len;

	cr_assert_not_null(json);
	len = sprintf(json, "{\"targets\": [\"a\"], \"backup\": {\"command\": \"");
	memset(json + len, 'x', n);
	strcpy(json + len + n, "\"}}");
	cr_assert_eq(load_text("t.json", json, strlen(json), &pb, &got), 0,
		     "%s", got);
	cr_assert_eq(strlen(pb->backup_command), n);
	tp_playbook_free(pb);
	free(got);

	/* One more byte is a problem. */
	memset(json + len, 'x', n + 1);
	strcpy(json + len + n + 1, "\"}}");
	cr_assert_eq(load_text("t.json", json, strlen(json), &pb, &got),
		     TP_ECONFIG);
	cr_assert_str_eq(got, "t.json: $.backup.command: longer than 4096 "
			      "bytes\n");
	cr_assert_null(pb);
	free(got);
	free(json);
}

Test(playbook, a_file_of_exactly_the_maximum_size_loads_and_one_more_not)
{
	size_t n = TP_PLAYBOOK_FILE_MAX;
	char *data = malloc(n + 1), *got;
	static const char doc[] = "{\"targets\": [\"a\"]}";
	struct tp_playbook *pb = NULL;

	cr_assert_not_null(data);
	memset(data, ' ', n + 1);
	memcpy(data, doc, sizeof(doc) - 1);
	cr_assert_eq(load_text("big.json", data, n, &pb, &got), 0, "%s", got);
	tp_playbook_free(pb);
	free(got);
	cr_assert_eq(load_text("big.json", data, n + 1, &pb, &got),
		     TP_ECONFIG);
	cr_assert_str_eq(got, "big.json: larger than 1024 KiB\n");
	cr_assert_null(pb);
	free(got);
	free(data);
}

Test(playbook, an_empty_file_is_a_syntax_problem)
{
	struct tp_playbook *pb = NULL;
	char *got;

	cr_assert_eq(load_text("e.json", "", 0, &pb, &got), TP_ECONFIG);
	cr_assert_str_eq(got, "e.json:1:1: '[' or '{' expected near end of "
			      "file\n");
	free(got);
}

Test(playbook, a_file_name_that_is_no_valid_name_needs_a_name_key)
{
	static const char doc[] = "{\"targets\": [\"a\"]}";
	struct tp_playbook *pb = NULL;
	char *got;

	cr_assert_eq(load_text("dir/bad name.json", doc, sizeof(doc) - 1, &pb,
			       &got),
		     TP_ECONFIG);
	cr_assert_str_eq(got, "dir/bad name.json: $: no \"name\", and the "
			      "file name 'bad name' is not a valid name\n");
	free(got);
}

Test(playbook, says_how_many_problems_in_the_error)
{
	struct tp_playbook *pb = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_playbook_load(&pb, "playbook/broken/window-same.json",
				      &pr, &err),
		     TP_ECONFIG);
	cr_assert_str_eq(err.msg, "2 problems in playbook "
				  "playbook/broken/window-same.json");
	tp_inv_problems_release(&pr);
}

Test(playbook, a_missing_file_is_not_found_and_a_directory_is_an_io_error)
{
	struct tp_playbook *pb = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	to_fixtures();
	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_playbook_load(&pb, "playbook/nope.json", &pr, &err),
		     TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no playbook at playbook/nope.json");
	cr_assert_eq(tp_playbook_load(&pb, "playbook/valid", &pr, &err),
		     TP_EIO);
	cr_assert_null(pb);
	cr_assert_eq(pr.n, 0);
	tp_inv_problems_release(&pr);
}

Test(playbook, free_accepts_null)
{
	tp_playbook_free(NULL);
	cr_assert(true);
}

/* ---- durations ---- */

static unsigned dur_ok(const char *s)
{
	struct tp_err err = { 0 };
	unsigned v = 12345;

	cr_assert_eq(tp_playbook_duration_parse(&v, s, &err), 0, "%s: %s", s,
		     err.msg);
	return v;
}

static const char *dur_bad(const char *s)
{
	static struct tp_err err;
	unsigned v = 12345;

	memset(&err, 0, sizeof(err));
	cr_assert_eq(tp_playbook_duration_parse(&v, s, &err), TP_EINVAL, "%s",
		     s);
	cr_assert_eq(v, 12345, "%s: output touched on error", s);
	return err.msg;
}

Test(playbook, parses_durations_in_each_unit)
{
	cr_assert_eq(dur_ok("0s"), 0);
	cr_assert_eq(dur_ok("0d"), 0);
	cr_assert_eq(dur_ok("30s"), 30);
	cr_assert_eq(dur_ok("10m"), 600);
	cr_assert_eq(dur_ok("2h"), 7200);
	cr_assert_eq(dur_ok("1d"), 86400);
	cr_assert_eq(dur_ok("007m"), 420);
}

Test(playbook, a_duration_of_exactly_366_days_is_the_longest)
{
	cr_assert_eq(dur_ok("366d"), 366u * 86400u);
	cr_assert_eq(dur_ok("31622400s"), 366u * 86400u);
	cr_assert_str_eq(dur_bad("31622401s"), "'31622401s' is longer than "
					       "366 days");
	cr_assert_str_eq(dur_bad("367d"), "'367d' is longer than 366 days");
	cr_assert_str_eq(dur_bad("8785h"), "'8785h' is longer than 366 days");
}

Test(playbook, a_huge_duration_does_not_overflow)
{
	cr_assert_str_eq(dur_bad("99999999999999999999999999d"),
			 "'99999999999999999999999999d' is longer than 366 "
			 "days");
	cr_assert_str_eq(dur_bad("18446744073709551617s"),
			 "'18446744073709551617s' is longer than 366 days");
}

Test(playbook, rejects_a_duration_without_a_known_unit)
{
	cr_assert_str_eq(dur_bad("10"), "'10' needs a unit: s, m, h or d");
	cr_assert_str_eq(dur_bad("10x"), "'10x' has an unknown unit (s, m, h "
					 "or d)");
	cr_assert_str_eq(dur_bad("10S"), "'10S' has an unknown unit (s, m, h "
					 "or d)");
	cr_assert_str_eq(dur_bad("10ms"), "'10ms' is not a duration: one "
					  "number and one unit s, m, h or d "
					  "(\"90m\", not \"1h30m\")");
	cr_assert_str_eq(dur_bad("1h30m"), "'1h30m' is not a duration: one "
					   "number and one unit s, m, h or d "
					   "(\"90m\", not \"1h30m\")");
}

Test(playbook, rejects_empty_signed_spaced_and_fractional_durations)
{
	cr_assert_str_eq(dur_bad(""), "empty duration");
	cr_assert_str_eq(dur_bad("m"), "'m' is not a duration: a whole number "
				       "and a unit s, m, h or d (\"10m\")");
	cr_assert_str_eq(dur_bad("-1s"), "'-1s' is not a duration: a whole "
					 "number and a unit s, m, h or d "
					 "(\"10m\")");
	cr_assert_str_eq(dur_bad(" 1s"), "' 1s' is not a duration: a whole "
					 "number and a unit s, m, h or d "
					 "(\"10m\")");
	cr_assert_str_eq(dur_bad("1.5h"), "'1.5h' is not a whole number of a "
					  "unit (\"90m\", not \"1.5h\")");
}

Test(playbook, timeouts_must_be_longer_than_zero_but_soak_may_be_zero)
{
	static const char doc[] = "{\"targets\": [\"a\"], \"soak\": \"0s\", "
				  "\"timeouts\": {\"apply\": \"0m\"}}";
	struct tp_playbook *pb = NULL;
	char *got;

	cr_assert_eq(load_text("t.json", doc, sizeof(doc) - 1, &pb, &got),
		     TP_ECONFIG);
	cr_assert_str_eq(got, "t.json: $.timeouts.apply: must be longer than "
			      "0s\n");
	free(got);
}

/* ---- wave sizes ---- */

static void expect_sizes(const struct tp_playbook *pb, size_t nhosts,
			 size_t ncanary, const size_t *want, size_t nwant)
{
	struct tp_err err = { 0 };
	size_t *sizes = NULL, n = 99, i;

	cr_assert_eq(tp_playbook_wave_sizes(pb, nhosts, ncanary, &sizes, &n,
					    &err),
		     0, "%s", err.msg);
	cr_assert_eq(n, nwant, "%zu hosts: %zu waves, want %zu", nhosts, n,
		     nwant);
	for (i = 0; i < n; i++)
		cr_assert_eq(sizes[i], want[i], "%zu hosts: wave %zu has %zu, "
			     "want %zu", nhosts, i, sizes[i], want[i]);
	free(sizes);
}

#define SIZES(pb, n, c, ...)                                                \
	do {                                                                \
		static const size_t w_[] = { __VA_ARGS__ };                 \
		expect_sizes(pb, n, c, w_, sizeof(w_) / sizeof(w_[0]));     \
	} while (0)

Test(playbook, default_waves_are_one_then_ten_percent_then_the_rest)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");

	SIZES(pb, 1, 0, 1);
	SIZES(pb, 2, 0, 1, 1);
	SIZES(pb, 3, 0, 1, 1, 1);
	SIZES(pb, 10, 0, 1, 1, 8);
	SIZES(pb, 11, 0, 1, 1, 9);
	SIZES(pb, 99, 0, 1, 9, 89);
	SIZES(pb, 100, 0, 1, 9, 90);
	SIZES(pb, 101, 0, 1, 10, 90);
	SIZES(pb, 1000, 0, 1, 99, 900);
	tp_playbook_free(pb);
}

Test(playbook, percentages_are_cumulative_shares_of_all_hosts)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [1, \"10%\", \"50%\", "
		"\"100%\"]}");

	SIZES(pb, 1, 0, 1);
	SIZES(pb, 2, 0, 1, 1);
	/* 10% of 3 is 1, already done: one host anyway; then 50% is 2. */
	SIZES(pb, 3, 0, 1, 1, 1);
	SIZES(pb, 10, 0, 1, 1, 3, 5);
	SIZES(pb, 99, 0, 1, 9, 40, 49);
	SIZES(pb, 100, 0, 1, 9, 40, 50);
	SIZES(pb, 1000, 0, 1, 99, 400, 500);
	tp_playbook_free(pb);
}

Test(playbook, counts_are_wave_sizes_and_stop_when_hosts_run_out)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [2, 5, \"100%\"]}");

	SIZES(pb, 1, 0, 1);
	SIZES(pb, 2, 0, 2);
	SIZES(pb, 3, 0, 2, 1);
	SIZES(pb, 7, 0, 2, 5);
	SIZES(pb, 10, 0, 2, 5, 3);
	SIZES(pb, 100, 0, 2, 5, 93);
	tp_playbook_free(pb);
}

Test(playbook, fractional_percentages_round_up)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [1, \"0.5%\", \"12.5%\", "
		"\"100%\"]}");

	SIZES(pb, 1000, 0, 1, 4, 120, 875);
	/* 0.5% of 99 is 0.495: rounds up to 1, already done: one more. */
	SIZES(pb, 99, 0, 1, 1, 11, 86);
	tp_playbook_free(pb);
}

Test(playbook, a_single_100_percent_wave_takes_everyone)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [\"100%\"]}");

	SIZES(pb, 1, 0, 1);
	SIZES(pb, 1000, 0, 1000);
	tp_playbook_free(pb);
}

Test(playbook, no_hosts_means_no_waves)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");
	struct tp_err err = { 0 };
	size_t *sizes = (size_t *)&err, n = 7;

	cr_assert_eq(tp_playbook_wave_sizes(pb, 0, 0, &sizes, &n, &err), 0);
	cr_assert_null(sizes);
	cr_assert_eq(n, 0);
	tp_playbook_free(pb);
}

Test(playbook, canaries_are_the_first_wave_and_count_toward_percentages)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [{\"canary\": [\"web1\", "
		"\"db*\"]}, 2, \"12.5%\", \"100%\"]}");

	SIZES(pb, 100, 3, 3, 2, 8, 87);
	SIZES(pb, 3, 3, 3);
	SIZES(pb, 4, 1, 1, 2, 1);
	SIZES(pb, 1000, 2, 2, 2, 121, 875);
	tp_playbook_free(pb);
}

Test(playbook, a_canary_list_that_matches_no_host_is_an_error)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [{\"canary\": [\"web1\"]}, "
		"\"100%\"]}");
	struct tp_err err = { 0 };
	size_t *sizes = NULL, n = 0;

	cr_assert_eq(tp_playbook_wave_sizes(pb, 10, 0, &sizes, &n, &err),
		     TP_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no targeted host matches the canary list");
	cr_assert_eq(tp_playbook_wave_sizes(pb, 10, 11, &sizes, &n, &err),
		     TP_EINVAL);
	cr_assert_null(sizes);
	tp_playbook_free(pb);
}

Test(playbook, canaries_without_a_canary_list_are_an_error)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");
	struct tp_err err = { 0 };
	size_t *sizes = NULL, n = 0;

	cr_assert_eq(tp_playbook_wave_sizes(pb, 10, 1, &sizes, &n, &err),
		     TP_EINVAL);
	cr_assert_null(sizes);
	tp_playbook_free(pb);
}

Test(playbook, wave_sizes_always_add_up_and_no_wave_is_empty)
{
	static const char *const specs[] = {
		"[1, \"10%\", \"100%\"]",
		"[1, \"10%\", \"50%\", \"100%\"]",
		"[3, 1, \"1%\", 7, \"33.33%\", \"99.99%\", \"100%\"]",
		"[{\"canary\": [\"c*\"]}, \"100%\"]",
		"[{\"canary\": [\"c*\"]}, 1, \"0.01%\", \"2%\", \"100%\"]",
	};
	char json[256];
	size_t s, nh, i;

	for (s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct tp_playbook *pb;
		bool canary = strstr(specs[s], "canary") != NULL;

		snprintf(json, sizeof(json),
			 "{\"targets\": [\"a\"], \"waves\": %s}", specs[s]);
		pb = pb_from(json);
		for (nh = 1; nh <= 1200; nh++) {
			struct tp_err err = { 0 };
			size_t *sizes = NULL, n = 0, sum = 0;
			size_t nc = canary ? (nh + 2) / 3 : 0;

			cr_assert_eq(tp_playbook_wave_sizes(pb, nh, nc, &sizes,
							    &n, &err),
				     0, "%s", err.msg);
			cr_assert_leq(n, pb->nwaves);
			for (i = 0; i < n; i++) {
				cr_assert_gt(sizes[i], 0, "%s, %zu hosts: "
					     "wave %zu is empty", specs[s], nh,
					     i);
				sum += sizes[i];
			}
			cr_assert_eq(sum, nh, "%s, %zu hosts", specs[s], nh);
			if (canary)
				cr_assert_eq(sizes[0], nc);
			free(sizes);
		}
		tp_playbook_free(pb);
	}
}

Test(playbook, is_canary_matches_names_and_globs_of_the_canary_list)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"waves\": [{\"canary\": [\"web1\", "
		"\"db-canary-*\"]}, \"100%\"]}");
	struct tp_playbook *none = pb_from("{\"targets\": [\"a\"]}");

	cr_assert(tp_playbook_is_canary(pb, "web1"));
	cr_assert(tp_playbook_is_canary(pb, "db-canary-3"));
	cr_assert_not(tp_playbook_is_canary(pb, "web10"));
	cr_assert_not(tp_playbook_is_canary(pb, "db1"));
	cr_assert_not(tp_playbook_is_canary(none, "web1"));
	tp_playbook_free(pb);
	tp_playbook_free(none);
}

/* ---- budgets ---- */

Test(playbook, a_count_budget_holds_at_the_limit_and_is_spent_one_over)
{
	struct tp_pb_limit two = { false, 2 }, zero = { false, 0 };

	cr_assert_not(tp_playbook_limit_exceeded(&two, 2, 100));
	cr_assert(tp_playbook_limit_exceeded(&two, 3, 100));
	cr_assert_not(tp_playbook_limit_exceeded(&zero, 0, 100));
	cr_assert(tp_playbook_limit_exceeded(&zero, 1, 100));
}

Test(playbook, a_percent_budget_is_compared_exactly)
{
	struct tp_pb_limit ten = { true, 1000 }, eighth = { true, 1250 };
	struct tp_pb_limit all = { true, 10000 }, none = { true, 0 };

	/* 10% of 10 is 1 host. */
	cr_assert_not(tp_playbook_limit_exceeded(&ten, 1, 10));
	cr_assert(tp_playbook_limit_exceeded(&ten, 2, 10));
	/* 10% of 5 is half a host: one failure is already more. */
	cr_assert_not(tp_playbook_limit_exceeded(&ten, 0, 5));
	cr_assert(tp_playbook_limit_exceeded(&ten, 1, 5));
	/* 10% of 19 is 1.9 hosts. */
	cr_assert_not(tp_playbook_limit_exceeded(&ten, 1, 19));
	cr_assert(tp_playbook_limit_exceeded(&ten, 2, 19));
	/* 12.5% of 8 is exactly 1. */
	cr_assert_not(tp_playbook_limit_exceeded(&eighth, 1, 8));
	cr_assert(tp_playbook_limit_exceeded(&eighth, 2, 8));
	cr_assert_not(tp_playbook_limit_exceeded(&all, 1000, 1000));
	cr_assert_not(tp_playbook_limit_exceeded(&none, 0, 1000));
	cr_assert(tp_playbook_limit_exceeded(&none, 1, 1000));
	cr_assert_not(tp_playbook_limit_exceeded(&ten, 0, 0));
}

Test(playbook, failed_and_unreachable_are_counted_against_their_own_limits)
{
	struct tp_pb_budget b = { .max_failed = { false, 1 },
				  .max_unreachable = { true, 2000 } };

	cr_assert_eq(tp_playbook_budget_exceeded(&b, 1, 2, 10), 0);
	cr_assert_eq(tp_playbook_budget_exceeded(&b, 2, 2, 10),
		     TP_PB_BUDGET_FAILED);
	cr_assert_eq(tp_playbook_budget_exceeded(&b, 1, 3, 10),
		     TP_PB_BUDGET_UNREACHABLE);
	cr_assert_eq(tp_playbook_budget_exceeded(&b, 5, 5, 10),
		     TP_PB_BUDGET_FAILED | TP_PB_BUDGET_UNREACHABLE);
}

Test(playbook, the_default_budget_allows_no_failure_and_ten_percent_down)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");

	cr_assert_eq(tp_playbook_budget_exceeded(&pb->budget_wave, 0, 1, 10),
		     0);
	cr_assert_eq(tp_playbook_budget_exceeded(&pb->budget_wave, 1, 0, 10),
		     TP_PB_BUDGET_FAILED);
	cr_assert_eq(tp_playbook_budget_exceeded(&pb->budget_total, 0, 11,
						 100),
		     TP_PB_BUDGET_UNREACHABLE);
	tp_playbook_free(pb);
}

/* ---- the maintenance window ---- */

/* 2024-01-01 was a Monday; day 0 is that Monday. */
static time_t utc(int day, int hour, int min)
{
	struct tm tm = { 0 };

	tm.tm_year = 124;
	tm.tm_mon = 0;
	tm.tm_mday = 1 + day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	return timegm(&tm);
}

enum { MON, TUE, WED, THU, FRI, SAT, SUN };

Test(playbook, a_window_is_open_from_start_until_just_before_end)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"mon\", "
		"\"tue\", \"wed\", \"thu\", \"fri\"], \"start\": \"09:00\", "
		"\"end\": \"17:00\"}}");

	cr_assert_not(tp_playbook_window_open(pb, utc(MON, 8, 59)));
	cr_assert(tp_playbook_window_open(pb, utc(MON, 9, 0)));
	cr_assert(tp_playbook_window_open(pb, utc(MON, 16, 59)));
	cr_assert(tp_playbook_window_open(pb, utc(MON, 17, 0) - 1));
	cr_assert_not(tp_playbook_window_open(pb, utc(MON, 17, 0)));
	cr_assert(tp_playbook_window_open(pb, utc(FRI, 12, 0)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SAT, 12, 0)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SUN, 12, 0)));
	tp_playbook_free(pb);
}

Test(playbook, a_window_that_wraps_midnight_belongs_to_the_day_it_opens)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"fri\"], "
		"\"start\": \"22:00\", \"end\": \"04:00\"}}");

	cr_assert_not(tp_playbook_window_open(pb, utc(FRI, 21, 59)));
	cr_assert(tp_playbook_window_open(pb, utc(FRI, 22, 0)));
	cr_assert(tp_playbook_window_open(pb, utc(FRI, 23, 59)));
	cr_assert(tp_playbook_window_open(pb, utc(SAT, 0, 0)));
	cr_assert(tp_playbook_window_open(pb, utc(SAT, 3, 59)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SAT, 4, 0)));
	/* Saturday is not listed: no opening Saturday night. */
	cr_assert_not(tp_playbook_window_open(pb, utc(SAT, 22, 30)));
	/* Nor early Friday, which would be Thursday's. */
	cr_assert_not(tp_playbook_window_open(pb, utc(FRI, 1, 0)));
	tp_playbook_free(pb);
}

Test(playbook, a_sunday_night_window_runs_into_monday)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"sun\"], "
		"\"start\": \"23:00\", \"end\": \"01:00\"}}");

	cr_assert(tp_playbook_window_open(pb, utc(SUN, 23, 30)));
	cr_assert(tp_playbook_window_open(pb, utc(SUN + 1, 0, 30)));
	/* 2024-01-01 00:30 is in the opening of Sunday 2023-12-31. */
	cr_assert(tp_playbook_window_open(pb, utc(MON, 0, 30)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SUN + 1, 1, 0)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SAT, 23, 30)));
	tp_playbook_free(pb);
}

Test(playbook, a_window_ending_at_midnight_closes_at_midnight)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"sat\"], "
		"\"start\": \"20:00\", \"end\": \"00:00\"}}");

	cr_assert(tp_playbook_window_open(pb, utc(SAT, 23, 59)));
	cr_assert_not(tp_playbook_window_open(pb, utc(SUN, 0, 0)));
	tp_playbook_free(pb);
}

Test(playbook, no_window_is_always_open)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");
	struct tp_err err = { 0 };
	time_t o = 0, c = 0;

	cr_assert(tp_playbook_window_open(pb, utc(WED, 3, 0)));
	cr_assert_eq(tp_playbook_window_next(pb, 1234, &o, &c, &err), 0);
	cr_assert_eq(o, 1234);
	cr_assert_eq(c, (time_t)-1);
	tp_playbook_free(pb);
}

Test(playbook, window_next_finds_the_opening_now_or_later)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"mon\", "
		"\"tue\", \"wed\", \"thu\", \"fri\"], \"start\": \"09:00\", "
		"\"end\": \"17:00\"}}");
	struct tp_err err = { 0 };
	time_t o = 0, c = 0;

	/* Open: now, until 17:00. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(MON, 10, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(MON, 10, 0));
	cr_assert_eq(c, utc(MON, 17, 0));
	/* Before it opens today. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(TUE, 8, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(TUE, 9, 0));
	cr_assert_eq(c, utc(TUE, 17, 0));
	/* Exactly at the close: tomorrow's. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(TUE, 17, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(WED, 9, 0));
	/* The weekend: Monday. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(SAT, 10, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(MON + 7, 9, 0));
	cr_assert_eq(c, utc(MON + 7, 17, 0));
	tp_playbook_free(pb);
}

Test(playbook, window_next_handles_an_opening_that_wraps_midnight)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"fri\"], "
		"\"start\": \"22:00\", \"end\": \"04:00\"}}");
	struct tp_err err = { 0 };
	time_t o = 0, c = 0;

	/* Saturday 03:00 is inside Friday's opening. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(SAT, 3, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(SAT, 3, 0));
	cr_assert_eq(c, utc(SAT, 4, 0));
	/* Saturday 04:00: the next Friday. */
	cr_assert_eq(tp_playbook_window_next(pb, utc(SAT, 4, 0), &o, &c,
					     &err), 0);
	cr_assert_eq(o, utc(FRI + 7, 22, 0));
	cr_assert_eq(c, utc(SAT + 7, 4, 0));
	tp_playbook_free(pb);
}

Test(playbook, window_open_agrees_with_window_next_minute_by_minute)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"window\": {\"days\": [\"sun\", "
		"\"wed\"], \"start\": \"21:15\", \"end\": \"02:45\"}}");
	struct tp_err err = { 0 };
	time_t t, o, c;

	for (t = utc(MON, 0, 0); t < utc(MON + 8, 0, 0); t += 60) {
		cr_assert_eq(tp_playbook_window_next(pb, t, &o, &c, &err), 0);
		cr_assert_eq(tp_playbook_window_open(pb, t), o == t,
			     "at %lld", (long long)t);
		cr_assert_gt(c, o);
		cr_assert_leq(c - o, 5 * 3600 + 30 * 60);
	}
	tp_playbook_free(pb);
}

Test(playbook, a_local_window_follows_the_local_time_zone)
{
	struct tp_playbook *pb;

	/* POSIX TZ: "XST-2" is two hours east of UTC. */
	cr_assert_eq(setenv("TZ", "XST-2", 1), 0);
	tzset();
	pb = pb_from("{\"targets\": [\"a\"], \"window\": {\"days\": "
		     "[\"mon\"], \"start\": \"09:00\", \"end\": \"10:00\", "
		     "\"timezone\": \"local\"}}");
	cr_assert_not(tp_playbook_window_open(pb, utc(MON, 6, 59)));
	cr_assert(tp_playbook_window_open(pb, utc(MON, 7, 0)));
	cr_assert_not(tp_playbook_window_open(pb, utc(MON, 9, 0)));
	tp_playbook_free(pb);
}

/* ---- selection ---- */

Test(playbook, by_default_every_update_is_selected)
{
	struct tp_playbook *pb = pb_from("{\"targets\": [\"a\"]}");

	cr_assert(tp_playbook_package_selected(pb, "vim", false,
					       TP_SEV_UNKNOWN));
	cr_assert(tp_playbook_package_selected(pb, "openssl", true,
					       TP_SEV_CRITICAL));
	tp_playbook_free(pb);
}

Test(playbook, security_only_and_min_severity_filter_updates)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"select\": {\"security_only\": true, "
		"\"min_severity\": \"important\"}}");

	cr_assert_not(tp_playbook_package_selected(pb, "vim", false,
						   TP_SEV_CRITICAL));
	cr_assert_not(tp_playbook_package_selected(pb, "openssl", true,
						   TP_SEV_MODERATE));
	cr_assert_not(tp_playbook_package_selected(pb, "openssl", true,
						   TP_SEV_UNKNOWN));
	cr_assert(tp_playbook_package_selected(pb, "openssl", true,
					       TP_SEV_IMPORTANT));
	cr_assert(tp_playbook_package_selected(pb, "openssl", true,
					       TP_SEV_CRITICAL));
	tp_playbook_free(pb);
}

Test(playbook, include_globs_restrict_and_exclude_globs_win)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"select\": {\"include\": [\"openssl\", "
		"\"lib*\"], \"exclude\": [\"libc[0-9]\", \"*-dbg\"]}}");

	cr_assert(tp_playbook_package_selected(pb, "openssl", false,
					       TP_SEV_UNKNOWN));
	cr_assert(tp_playbook_package_selected(pb, "libssl3", false,
					       TP_SEV_UNKNOWN));
	cr_assert_not(tp_playbook_package_selected(pb, "nginx", true,
						   TP_SEV_CRITICAL));
	cr_assert_not(tp_playbook_package_selected(pb, "libc6", true,
						   TP_SEV_CRITICAL));
	cr_assert_not(tp_playbook_package_selected(pb, "libssl3-dbg", false,
						   TP_SEV_UNKNOWN));
	tp_playbook_free(pb);
}

Test(playbook, an_advisory_list_selects_only_the_fixes_it_names)
{
	struct tp_playbook *pb = pb_from(
		"{\"targets\": [\"a\"], \"select\": {\"advisories\": "
		"[\"CVE-2024-3094\", \"DSA-5649-1\"]}}");
	struct tp_playbook *any = pb_from("{\"targets\": [\"a\"]}");
	const char *fixes[] = { "DSA-1234-1", "cve-2024-3094" };
	const char *other[] = { "DSA-1234-1" };

	cr_assert(tp_playbook_advisory_selected(pb, fixes, 2));
	cr_assert_not(tp_playbook_advisory_selected(pb, other, 1));
	cr_assert_not(tp_playbook_advisory_selected(pb, NULL, 0));
	cr_assert(tp_playbook_advisory_selected(any, other, 1));
	cr_assert(tp_playbook_advisory_selected(any, NULL, 0));
	tp_playbook_free(pb);
	tp_playbook_free(any);
}

/* ---- names ---- */

Test(playbook, stable_names_round_trip_with_the_file_format)
{
	cr_assert_str_eq(tp_pb_order_name(TP_PB_ORDER_CRITICALITY),
			 "criticality");
	cr_assert_str_eq(tp_pb_reboot_name(TP_PB_REBOOT_IF_REQUIRED),
			 "if-required");
	cr_assert_str_eq(tp_pb_on_failure_name(TP_PB_ONFAIL_ROLLBACK_WAVE),
			 "rollback-wave");
	cr_assert_str_eq(tp_pb_event_name(TP_PB_EV_ROLLOUT_START),
			 "rollout-start");
	cr_assert_str_eq(tp_pb_event_name(TP_PB_EV_ROLLOUT_END),
			 "rollout-end");
	cr_assert_str_eq(tp_pb_event_name(3), "unknown");
	cr_assert_str_eq(tp_pb_reboot_name((enum tp_pb_reboot)7), "unknown");
}
