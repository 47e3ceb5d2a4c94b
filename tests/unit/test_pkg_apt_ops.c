/*
 * test_pkg_apt_ops.c - the apt backend's rollout steps (suite
 * pkg_apt_ops): exact command lines, refused pins, and the parsers on
 * the real captures in tests/fixtures/apt/ops/ (capture_ops.sh: a
 * bookworm overlay with the tests/fleet/aptrepo.sh repository) and on
 * every malformed shape, with the exact error code.
 *
 * Expected values come from the captures themselves (sha256sum of the
 * repository's pool files, the .rc files), not from the parsers.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "tidepatch/pkg.h"
#include "tidepatch/pkg_apt.h"

#define R (tp_pkg_backend_apt.rollout)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *STAGE = "/var/cache/tidepatch/stage/run1";
static const char *KEEP = "/var/cache/tidepatch/rollback/run1";

/* capture_ops.sh's NEW and OLD lists */
static const struct tp_pkg_pin new_pins[] = {
	{ "tp-libfoo", "all", "1.0-2" },
	{ "tp-service", "all", "1.1-1" },
	{ "tp-oldgone", "all", "1.1-1" },
	{ "tp-reboot", "all", "1.1-1" },
};
static const struct tp_pkg_pin old_pins[] = {
	{ "tp-libfoo", "all", "1.0-1" },
	{ "tp-service", "all", "1.0-1" },
	{ "tp-oldgone", "all", "1.0-1" },
	{ "tp-reboot", "all", "1.0-1" },
};
static const struct tp_pkg_pin query_pins[] = {
	{ "tp-libfoo", NULL, NULL }, { "tp-service", NULL, NULL },
	{ "tp-oldgone", NULL, NULL }, { "tp-reboot", NULL, NULL },
	{ "tp-nosuch", NULL, NULL },
};

/* sha256sum of tests/fleet/aptrepo.sh's pool files (reproducible) */
#define H_LIBFOO_2 "30a6e00ab6351ab2acbe64efca9932bab9c38d0d1c088fc15b9ae32531df0f02"
#define H_LIBFOO_1 "995d4ad1eb2bf3df02720539bfe7420a4b2eabe9d3ed1e1db5712cd9c34077fd"
#define H_REBOOT_11 "a50159e583c3187786f192b61ececc19d4384a8e60a99e68af3b4379a481b7e7"

/* ---------------------------------------------------------------- */
/* helpers                                                           */
/* ---------------------------------------------------------------- */

/* A fixture without its trailing newline (the .cmd files have none). */
static char *fixture(const char *rel, size_t *len)
{
	return tp_test_fixture(rel, len);
}

static void expect_cmd(const char *got, const char *rel)
{
	size_t len;
	char *want = fixture(rel, &len);

	cr_assert_eq(strlen(got), len, "%s: length %zu, want %zu", rel,
		     strlen(got), len);
	cr_assert_str_eq(got, want, "%s differs", rel);
	free(want);
}

static int stage_s(struct tp_pkg_file_list *out, const char *s,
		   struct tp_err *err)
{
	memset(out, 0, sizeof(*out));
	return R->parse_stage(out, new_pins, N(new_pins), s, strlen(s), err);
}

static int keep_s(struct tp_pkg_file_list *out, const char *s,
		  struct tp_err *err)
{
	memset(out, 0, sizeof(*out));
	return R->parse_keep(out, old_pins, N(old_pins), s, strlen(s), err);
}

static int query_s(struct tp_pkg_list *out, const char *s, struct tp_err *err)
{
	memset(out, 0, sizeof(*out));
	return R->parse_query(out, query_pins, N(query_pins), s, strlen(s),
			      err);
}

static void parse_fixture(struct tp_pkg_file_list *out, const char *rel,
			  bool keep)
{
	struct tp_err err;
	size_t len;
	char *data = fixture(rel, &len);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = keep ? R->parse_keep(out, old_pins, N(old_pins), data, len, &err) :
		    R->parse_stage(out, new_pins, N(new_pins), data, len, &err);
	cr_assert_eq(rc, 0, "%s: %s", rel, err.msg);
	free(data);
}

static void query_fixture(struct tp_pkg_list *out, const char *rel)
{
	struct tp_err err;
	size_t len;
	char *data = fixture(rel, &len);

	memset(out, 0, sizeof(*out));
	cr_assert_eq(R->parse_query(out, query_pins, N(query_pins), data, len,
				    &err),
		     0, "%s: %s", rel, err.msg);
	free(data);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* The captured stage output with line 1 replaced. */
static char *stage_with_line1(const char *line)
{
	size_t len, n;
	char *data = fixture("apt/ops/stage.out", &len), *rest, *s;

	rest = strchr(data, '\n');
	cr_assert_not_null(rest);
	n = strlen(line) + strlen(rest) + 1;
	s = malloc(n);
	cr_assert_not_null(s);
	snprintf(s, n, "%s%s", line, rest);
	free(data);
	return s;
}

static int stage_line1(const char *line, struct tp_err *err)
{
	struct tp_pkg_file_list l;
	char *s = stage_with_line1(line);
	int rc = stage_s(&l, s, err);

	free(s);
	tp_pkg_file_list_release(&l);
	return rc;
}

/* ---------------------------------------------------------------- */
/* commands: exactly what was captured                               */
/* ---------------------------------------------------------------- */

Test(pkg_apt_ops, backend_has_rollout_steps)
{
	cr_assert_not_null(R);
	cr_assert_not_null(R->stage_cmd);
	cr_assert_not_null(R->parse_query);
	cr_assert_eq(tp_pkg_backend_find("apt")->rollout, &tp_pkg_rollout_apt);
}

Test(pkg_apt_ops, stage_cmd_is_the_captured_one)
{
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->stage_cmd(&cmd, STAGE, new_pins, N(new_pins), &err), 0,
		     "%s", err.msg);
	expect_cmd(cmd, "apt/ops/stage.cmd");
	free(cmd);
}

Test(pkg_apt_ops, stage_cmd_ignores_one_trailing_slash)
{
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->stage_cmd(&cmd, "/var/cache/tidepatch/stage/run1/",
				  new_pins, N(new_pins), &err),
		     0);
	expect_cmd(cmd, "apt/ops/stage.cmd");
	free(cmd);
}

Test(pkg_apt_ops, keep_cmd_is_the_captured_one)
{
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->keep_cmd(&cmd, KEEP, old_pins, N(old_pins), &err), 0,
		     "%s", err.msg);
	expect_cmd(cmd, "apt/ops/keep.cmd");
	free(cmd);
}

Test(pkg_apt_ops, query_cmd_is_the_captured_one)
{
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->query_cmd(&cmd, query_pins, N(query_pins), &err), 0);
	expect_cmd(cmd, "apt/ops/query-before.cmd");
	free(cmd);
}

Test(pkg_apt_ops, apply_cmd_from_the_stage_output_is_the_captured_one)
{
	struct tp_pkg_file_list files;
	struct tp_err err;
	char *cmd;

	parse_fixture(&files, "apt/ops/stage.out", false);
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, files.items, files.n, &err), 0,
		     "%s", err.msg);
	expect_cmd(cmd, "apt/ops/apply.cmd");
	free(cmd);
	tp_pkg_file_list_release(&files);
}

Test(pkg_apt_ops, rollback_cmd_from_the_keep_output_is_the_captured_one)
{
	struct tp_pkg_file_list files;
	struct tp_err err;
	char *cmd;

	parse_fixture(&files, "apt/ops/keep.out", true);
	cr_assert_eq(R->rollback_cmd(&cmd, KEEP, files.items, files.n, NULL, 0,
				     &err),
		     0, "%s", err.msg);
	expect_cmd(cmd, "apt/ops/rollback.cmd");
	free(cmd);
	tp_pkg_file_list_release(&files);
}

Test(pkg_apt_ops, arch_qualifies_names_except_all)
{
	struct tp_pkg_pin p[] = { { "libc6", "i386", "2.36-9+deb12u4" },
				  { "tzdata", "all", "2024a-0+deb12u1" } };
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->stage_cmd(&cmd, STAGE, p, 2, &err), 0);
	cr_assert_not_null(strstr(cmd, " 'libc6:i386=2.36-9+deb12u4' "
				       "'tzdata=2024a-0+deb12u1' "));
	cr_assert_not_null(strstr(cmd, "'libc6_2.36-9+deb12u4_i386.deb'"));
	free(cmd);
	cr_assert_eq(R->query_cmd(&cmd, p, 2, &err), 0);
	cr_assert_not_null(strstr(cmd, "' 'libc6:i386' 'tzdata' || [ $? = 1 ]"));
	free(cmd);
}

Test(pkg_apt_ops, epoch_colon_is_percent_3a_in_file_names)
{
	struct tp_pkg_pin p = { "bsdutils", "amd64", "1:2.38.1-5+deb12u3" };
	struct tp_err err;
	char *cmd, *name;

	cr_assert_eq(tp_pkg_deb_filename(&name, "bsdutils", "1:2.38.1-5+deb12u3",
					 "amd64", &err),
		     0);
	cr_assert_str_eq(name, "bsdutils_1%3a2.38.1-5+deb12u3_amd64.deb");
	free(name);
	cr_assert_eq(R->keep_cmd(&cmd, KEEP, &p, 1, &err), 0);
	cr_assert_not_null(strstr(cmd, "\ntp_keep 'bsdutils:amd64' "
				       "'bsdutils:amd64=1:2.38.1-5+deb12u3' "
				       "'1:2.38.1-5+deb12u3' "
				       "'bsdutils_1%3a2.38.1-5+deb12u3_amd64.deb'"
				       " || exit 1\n"));
	free(cmd);
}

Test(pkg_apt_ops, rollback_removes_what_the_update_pulled_in)
{
	struct tp_pkg_pin rm[] = { { "tp-newdep", NULL, NULL },
				   { "libfoo2", "amd64", NULL } };
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->rollback_cmd(&cmd, KEEP, NULL, 0, rm, 2, &err), 0,
		     "%s", err.msg);
	cr_assert_not_null(strstr(cmd, "install 'tp-newdep-' 'libfoo2:amd64-' "
				       "</dev/null >&2;"));
	cr_assert_null(strstr(cmd, "sha256sum"));
	cr_assert_not_null(strstr(cmd, " 'tp-newdep' 'libfoo2:amd64'; tp_q="));
	free(cmd);
}

/* ---------------------------------------------------------------- */
/* commands: what never reaches a shell                              */
/* ---------------------------------------------------------------- */

static int stage1(const char *name, const char *arch, const char *version,
		  const char *dir, struct tp_err *err)
{
	struct tp_pkg_pin p = { name, arch, version };
	char *cmd = (char *)1;
	int rc = R->stage_cmd(&cmd, dir, &p, 1, err);

	if (rc)
		cr_assert_null(cmd);
	free(cmd);
	return rc;
}

Test(pkg_apt_ops, hostile_names_are_refused)
{
	static const char *bad[] = { "", "-rf", "foo bar", "foo;reboot",
				     "foo'bar", "foo$(id)", "foo\nbar",
				     "foo/bar", "Foo_bar", ".hidden" };
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++) {
		cr_assert_eq(stage1(bad[i], "all", "1.0-1", STAGE, &err),
			     TP_EINVAL, "name %zu", i);
		cr_assert_eq(err.code, TP_EINVAL);
	}
	cr_assert_eq(stage1(NULL, "all", "1.0-1", STAGE, &err), TP_EINVAL);
	cr_assert_eq(stage1("g++-12", "amd64", "12.2.0-14", STAGE, &err), 0);
}

Test(pkg_apt_ops, hostile_versions_are_refused)
{
	static const char *bad[] = { "",	 "1.0 ",     " 1.0",   "1.0'",
				     "1.0;id", "1.0\n",    "1.0_1",  "a:1.0",
				     "1:",     "1.0-",     "1.0$x",  "-1:1.0",
				     "1.0/..", "1.0-1`x`" };
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++)
		cr_assert_eq(stage1("tp-libfoo", "all", bad[i], STAGE, &err),
			     TP_EINVAL, "version %zu (%s)", i, bad[i]);
	cr_assert_eq(stage1("tp-libfoo", "all", NULL, STAGE, &err), TP_EINVAL);
	cr_assert_eq(stage1("tp-libfoo", "all", "2:1.0~rc1+dfsg-1~bpo12+1",
			    STAGE, &err),
		     0);
}

Test(pkg_apt_ops, version_at_max_passes_and_one_more_is_refused)
{
	char *v = repeat('1', TP_APT_VERSION_MAX);
	struct tp_err err;

	cr_assert_eq(stage1("tp-libfoo", "all", v, STAGE, &err), 0);
	free(v);
	v = repeat('1', TP_APT_VERSION_MAX + 1);
	cr_assert_eq(stage1("tp-libfoo", "all", v, STAGE, &err), TP_EINVAL);
	free(v);
}

Test(pkg_apt_ops, archs_are_required_and_checked)
{
	struct tp_err err;

	cr_assert_eq(stage1("tp-libfoo", NULL, "1.0-1", STAGE, &err),
		     TP_EINVAL);
	cr_assert_eq(stage1("tp-libfoo", "", "1.0-1", STAGE, &err), TP_EINVAL);
	cr_assert_eq(stage1("tp-libfoo", "amd64;id", "1.0-1", STAGE, &err),
		     TP_EINVAL);
	cr_assert_eq(stage1("tp-libfoo", "-amd64", "1.0-1", STAGE, &err),
		     TP_EINVAL);
	cr_assert_eq(stage1("tp-libfoo", "kfreebsd-amd64", "1.0-1", STAGE,
			    &err),
		     0);
}

Test(pkg_apt_ops, bad_directories_are_refused)
{
	static const char *bad[] = { "",
				     "/",
				     "var/cache/x",
				     "/var/cache/../etc",
				     "/var/cache/./x",
				     "/var//cache",
				     "/var/cache/x//",
				     "/var/cache/it's",
				     "/var/cache/a b",
				     "/var/cache/$(id)",
				     "/var/cache/x\n" };
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++)
		cr_assert_eq(stage1("tp-libfoo", "all", "1.0-1", bad[i], &err),
			     TP_EINVAL, "dir %zu", i);
	cr_assert_eq(stage1("tp-libfoo", "all", "1.0-1", NULL, &err),
		     TP_EINVAL);
}

Test(pkg_apt_ops, directory_at_max_passes_and_one_more_is_refused)
{
	char *d = repeat('d', TP_PKG_DIR_MAX);
	struct tp_err err;

	d[0] = '/';
	cr_assert_eq(stage1("tp-libfoo", "all", "1.0-1", d, &err), 0);
	free(d);
	d = repeat('d', TP_PKG_DIR_MAX + 1);
	d[0] = '/';
	cr_assert_eq(stage1("tp-libfoo", "all", "1.0-1", d, &err), TP_EINVAL);
	free(d);
}

Test(pkg_apt_ops, no_pins_and_too_many_pins_are_refused)
{
	struct tp_pkg_pin *many = calloc(TP_PKG_PINS_MAX + 1, sizeof(*many));
	struct tp_err err;
	char *cmd;
	size_t i;

	cr_assert_not_null(many);
	for (i = 0; i <= TP_PKG_PINS_MAX; i++)
		many[i] = new_pins[0];
	cr_assert_eq(R->stage_cmd(&cmd, STAGE, new_pins, 0, &err), TP_EINVAL);
	cr_assert_eq(R->keep_cmd(&cmd, KEEP, new_pins, 0, &err), TP_EINVAL);
	cr_assert_eq(R->query_cmd(&cmd, new_pins, 0, &err), TP_EINVAL);
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, NULL, 0, &err), TP_EINVAL);
	cr_assert_eq(R->rollback_cmd(&cmd, KEEP, NULL, 0, NULL, 0, &err),
		     TP_EINVAL);
	cr_assert_eq(R->stage_cmd(&cmd, STAGE, many, TP_PKG_PINS_MAX + 1,
				  &err),
		     TP_EINVAL);
	cr_assert_eq(R->stage_cmd(&cmd, STAGE, many, TP_PKG_PINS_MAX, &err),
		     0, "%s", err.msg);
	free(cmd);
	free(many);
}

Test(pkg_apt_ops, apply_refuses_a_file_without_a_proper_sha256)
{
	struct tp_pkg_file_list files;
	struct tp_err err;
	char *cmd = NULL;

	parse_fixture(&files, "apt/ops/stage.out", false);
	files.items[1].sha256[10] = 'A';
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, files.items, files.n, &err),
		     TP_EINVAL);
	files.items[1].sha256[10] = '\0';
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, files.items, files.n, &err),
		     TP_EINVAL);
	cr_assert_null(cmd);
	tp_pkg_file_list_release(&files);
}

Test(pkg_apt_ops, rollback_refuses_a_removal_with_a_version)
{
	struct tp_pkg_pin rm = { "tp-newdep", NULL, "1.0-1" };
	struct tp_err err;
	char *cmd;

	cr_assert_eq(R->rollback_cmd(&cmd, KEEP, NULL, 0, &rm, 1, &err),
		     TP_EINVAL);
}

Test(pkg_apt_ops, deb_filename_refuses_what_a_pin_refuses)
{
	struct tp_err err;
	char *name = (char *)1;

	cr_assert_eq(tp_pkg_deb_filename(&name, "x/../y", "1.0", "all", &err),
		     TP_EINVAL);
	cr_assert_null(name);
	cr_assert_eq(tp_pkg_deb_filename(&name, "x", NULL, "all", &err),
		     TP_EINVAL);
	cr_assert_eq(tp_pkg_deb_filename(&name, "x", "1.0", NULL, &err),
		     TP_EINVAL);
}

/* ---------------------------------------------------------------- */
/* parse_stage / parse_keep on the captures                          */
/* ---------------------------------------------------------------- */

Test(pkg_apt_ops, parses_the_captured_stage_in_pin_order)
{
	struct tp_pkg_file_list l;

	parse_fixture(&l, "apt/ops/stage.out", false);
	cr_assert_eq(l.n, 4);
	cr_assert_str_eq(l.items[0].name, "tp-libfoo");
	cr_assert_str_eq(l.items[0].version, "1.0-2");
	cr_assert_str_eq(l.items[0].arch, "all");
	cr_assert_str_eq(l.items[0].filename, "tp-libfoo_1.0-2_all.deb");
	cr_assert_str_eq(l.items[0].sha256, H_LIBFOO_2);
	cr_assert_eq(l.items[0].size, 786);
	cr_assert_eq(l.items[0].how, TP_PKG_FILE_STAGED);
	cr_assert_str_eq(l.items[3].filename, "tp-reboot_1.1-1_all.deb");
	cr_assert_str_eq(l.items[3].sha256, H_REBOOT_11);
	cr_assert_eq(l.items[3].size, 848);
	tp_pkg_file_list_release(&l);
}

Test(pkg_apt_ops, stage_lines_may_come_in_any_order)
{
	struct tp_pkg_file_list l;
	struct tp_err err;
	size_t len;
	char *data = fixture("apt/ops/stage.out", &len), *rev;
	char *lines[4], *save = NULL, *p;
	size_t i = 0;

	for (p = strtok_r(data, "\n", &save); p && i < 4;
	     p = strtok_r(NULL, "\n", &save))
		lines[i++] = p;
	cr_assert_eq(i, 4);
	rev = malloc(len + 8);
	snprintf(rev, len + 8, "%s\n%s\n%s\n%s\n", lines[3], lines[2],
		 lines[1], lines[0]);
	cr_assert_eq(stage_s(&l, rev, &err), 0, "%s", err.msg);
	cr_assert_str_eq(l.items[0].sha256, H_LIBFOO_2);
	tp_pkg_file_list_release(&l);
	free(rev);
	free(data);
}

Test(pkg_apt_ops, parses_the_captured_keep_download_and_rebuilt)
{
	struct tp_pkg_file_list l;

	parse_fixture(&l, "apt/ops/keep.out", true);
	cr_assert_eq(l.n, 4);
	cr_assert_eq(l.items[0].how, TP_PKG_FILE_DOWNLOADED);
	cr_assert_str_eq(l.items[0].sha256, H_LIBFOO_1);
	cr_assert_eq(l.items[1].how, TP_PKG_FILE_DOWNLOADED);
	cr_assert_str_eq(l.items[2].name, "tp-oldgone");
	cr_assert_str_eq(l.items[2].filename, "tp-oldgone_1.0-1_all.deb");
	cr_assert_eq(l.items[2].how, TP_PKG_FILE_REBUILT);
	cr_assert_eq(l.items[3].how, TP_PKG_FILE_DOWNLOADED);
	tp_pkg_file_list_release(&l);
}

Test(pkg_apt_ops, parses_the_captured_second_keep_as_present)
{
	struct tp_pkg_file_list a, b;
	size_t i;

	parse_fixture(&a, "apt/ops/keep.out", true);
	parse_fixture(&b, "apt/ops/keep-again.out", true);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(b.items[i].how, TP_PKG_FILE_PRESENT);
		cr_assert_str_eq(a.items[i].sha256, b.items[i].sha256);
	}
	cr_assert(tp_pkg_files_match(&a, &b, NULL, 0));
	tp_pkg_file_list_release(&a);
	tp_pkg_file_list_release(&b);
}

Test(pkg_apt_ops, stage_output_needs_a_file_for_every_pin)
{
	struct tp_pkg_file_list l;
	struct tp_err err;
	size_t len;
	char *data = fixture("apt/ops/stage.out", &len);

	data[strchr(data, '\n') - data + 1] = '\0';	/* line 1 only */
	cr_assert_eq(stage_s(&l, data, &err), TP_ENOTFOUND);
	cr_assert_not_null(strstr(err.msg, "tp-service 1.1-1"), "%s", err.msg);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(stage_s(&l, "", &err), TP_ENOTFOUND);
	free(data);
}

Test(pkg_apt_ops, empty_output_for_no_pins_is_an_empty_list)
{
	struct tp_pkg_file_list l = { NULL, 0, 0 };
	struct tp_err err;

	cr_assert_eq(R->parse_stage(&l, NULL, 0, "", 0, &err), 0);
	cr_assert_eq(l.n, 0);
}

Test(pkg_apt_ops, stage_list_must_start_empty)
{
	struct tp_pkg_file_list l;
	struct tp_err err;

	parse_fixture(&l, "apt/ops/stage.out", false);
	cr_assert_eq(R->parse_stage(&l, new_pins, 4, "", 0, &err), TP_EINVAL);
	tp_pkg_file_list_release(&l);
}

Test(pkg_apt_ops, malformed_stage_lines_are_parse_errors)
{
	static const char *bad[] = {
		/* uppercase hex, 63 and 65 digits */
		"30A6e00ab6351ab2acbe64efca9932bab"
		"9c38d0d1c088fc15b9ae32531df0f02 786 tp-libfoo_1.0-2_all.deb",
		"0a6e00ab6351ab2acbe64efca9932bab"
		"9c38d0d1c088fc15b9ae32531df0f02 786 tp-libfoo_1.0-2_all.deb",
		"3" H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb",
		/* sizes */
		H_LIBFOO_2 " 0786 tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " -786 tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 78x tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 99999999999999999999999 tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 786",
		/* blanks */
		H_LIBFOO_2 "  786 tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 786  tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb ",
		H_LIBFOO_2 "\t786 tp-libfoo_1.0-2_all.deb",
		/* file names */
		H_LIBFOO_2 " 786 ../tp-libfoo_1.0-2_all.deb",
		H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb.bak",
		H_LIBFOO_2 " 786 tp-libfoo_1.0-1_all.deb",
		/* a keep line is not a stage line */
		H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb download",
		/* control characters */
		H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb\r",
		H_LIBFOO_2 " 786 tp-libfoo_1.0-2_all.deb\x1b[0m",
		"",
	};
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++) {
		cr_assert_eq(stage_line1(bad[i], &err), TP_EPARSE, "shape %zu",
			     i);
		cr_assert_not_null(strstr(err.msg, "stage line 1: "), "%s",
				   err.msg);
	}
}

Test(pkg_apt_ops, the_same_stage_file_twice_is_a_parse_error)
{
	struct tp_pkg_file_list l;
	struct tp_err err;
	size_t len;
	char *data = fixture("apt/ops/stage.out", &len), *s;
	size_t l1 = (size_t)(strchr(data, '\n') - data) + 1;

	s = malloc(len + l1 + 1);
	memcpy(s, data, len);
	memcpy(s + len, data, l1);
	s[len + l1] = '\0';
	cr_assert_eq(stage_s(&l, s, &err), TP_EPARSE);
	cr_assert_not_null(strstr(err.msg, "line 5: the same file twice"),
			   "%s", err.msg);
	free(s);
	free(data);
}

Test(pkg_apt_ops, a_nul_byte_is_a_parse_error_not_an_end)
{
	struct tp_pkg_file_list l = { NULL, 0, 0 };
	struct tp_err err;
	size_t len;
	char *data = fixture("apt/ops/stage.out", &len);

	data[100] = '\0';
	cr_assert_eq(R->parse_stage(&l, new_pins, 4, data, len, &err),
		     TP_EPARSE);
	cr_assert_not_null(strstr(err.msg, "control character 0x00"), "%s",
			   err.msg);
	free(data);
}

Test(pkg_apt_ops, size_at_the_limit_passes_and_above_fails)
{
	struct tp_err err;

	cr_assert_eq(stage_line1("30a6e00ab6351ab2acbe64efca9932bab9c38d0d1c08"
				 "8fc15b9ae32531df0f02 1099511627776 "
				 "tp-libfoo_1.0-2_all.deb",
				 &err),
		     0, "%s", err.msg);
	cr_assert_eq(stage_line1("30a6e00ab6351ab2acbe64efca9932bab9c38d0d1c08"
				 "8fc15b9ae32531df0f02 1099511627777 "
				 "tp-libfoo_1.0-2_all.deb",
				 &err),
		     TP_EPARSE);
	cr_assert_eq(stage_line1("30a6e00ab6351ab2acbe64efca9932bab9c38d0d1c08"
				 "8fc15b9ae32531df0f02 0 "
				 "tp-libfoo_1.0-2_all.deb",
				 &err),
		     0, "%s", err.msg);
}

Test(pkg_apt_ops, overlong_file_names_are_parse_errors)
{
	char line[1400], *name = repeat('a', 1101);
	struct tp_err err;

	snprintf(line, sizeof(line), "%s 786 %s", H_LIBFOO_2, name);
	cr_assert_eq(stage_line1(line, &err), TP_EPARSE);
	cr_assert_not_null(strstr(err.msg, "overlong"), "%s", err.msg);
	free(name);
}

Test(pkg_apt_ops, malformed_keep_lines_are_parse_errors)
{
	static const char *bad[] = {
		H_LIBFOO_1 " 784 tp-libfoo_1.0-1_all.deb\n",
		H_LIBFOO_1 " 784 tp-libfoo_1.0-1_all.deb \n",
		H_LIBFOO_1 " 784 tp-libfoo_1.0-1_all.deb copied\n",
		H_LIBFOO_1 " 784 tp-libfoo_1.0-1_all.deb download \n",
		H_LIBFOO_1 " 784 tp-libfoo_1.0-1_all.deb Download\n",
	};
	struct tp_pkg_file_list l;
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++) {
		cr_assert_eq(keep_s(&l, bad[i], &err), TP_EPARSE, "shape %zu",
			     i);
		cr_assert_eq(l.n, 0);
	}
}

/* ---------------------------------------------------------------- */
/* parse_query and verification on the captures                      */
/* ---------------------------------------------------------------- */

static void expect_versions(const char *rel, const struct tp_pkg_pin *want,
			    size_t n)
{
	struct tp_pkg_mismatch_list mm = { NULL, 0, 0 };
	struct tp_pkg_list l;
	struct tp_err err;

	query_fixture(&l, rel);
	cr_assert_eq(l.n, 4, "%s: tp-nosuch is not installed", rel);
	cr_assert_eq(tp_pkg_verify_pins(&mm, &l, want, n, &err), 0);
	cr_assert_eq(mm.n, 0, "%s: %s is %s", rel,
		     mm.n ? mm.items[0].name : "", mm.n && mm.items[0].got ?
						    mm.items[0].got : "-");
	tp_pkg_list_release(&l);
}

Test(pkg_apt_ops, captured_query_before_shows_the_base_versions)
{
	expect_versions("apt/ops/query-before.out", old_pins, 4);
}

Test(pkg_apt_ops, captured_apply_installed_exactly_the_pins)
{
	expect_versions("apt/ops/apply.out", new_pins, 4);
	expect_versions("apt/ops/query-after.out", new_pins, 4);
}

Test(pkg_apt_ops, captured_rollback_restored_exactly_the_old_versions)
{
	expect_versions("apt/ops/rollback.out", old_pins, 4);
	expect_versions("apt/ops/query-rolled.out", old_pins, 4);
}

Test(pkg_apt_ops, captured_exit_statuses)
{
	static const struct {
		const char *rel, *rc;
	} want[] = {
		{ "apt/ops/stage.rc", "0\n" },
		{ "apt/ops/keep.rc", "0\n" },
		{ "apt/ops/apply.rc", "0\n" },
		{ "apt/ops/apply-tampered.rc", "1\n" },
		{ "apt/ops/rollback.rc", "0\n" },
		{ "apt/ops/query-before.rc", "0\n" },
	};
	size_t i, len;

	for (i = 0; i < N(want); i++) {
		char *s = fixture(want[i].rel, &len);

		cr_assert_str_eq(s, want[i].rc, "%s", want[i].rel);
		free(s);
	}
}

Test(pkg_apt_ops, verify_reports_each_kind_of_mismatch)
{
	struct tp_pkg_mismatch_list mm = { NULL, 0, 0 };
	struct tp_pkg_pin want[] = {
		{ "tp-libfoo", "all", "1.0-2" },	/* ok */
		{ "tp-service", "all", "1.1-1" },	/* older installed */
		{ "tp-oldgone", "all", "1.1-1" },	/* broken */
		{ "tp-nosuch", "amd64", "1.0" },	/* missing */
		{ "tp-reboot", NULL, NULL },	/* should be gone */
		{ "tp-gone", NULL, NULL },	/* is gone: ok */
	};
	struct tp_pkg_list l;
	struct tp_err err;

	memset(&l, 0, sizeof(l));
	cr_assert_eq(R->parse_query(&l, want, N(want),
				    "tp-libfoo\tall\t1.0-2\tii \n"
				    "tp-service\tall\t1.0-1\tii \n"
				    "tp-oldgone\tall\t1.1-1\tiF \n"
				    "tp-reboot\tall\t1.0-1\thi \n"
				    "tp-gone\tall\t1.0-1\trc \n",
				    strlen("tp-libfoo\tall\t1.0-2\tii \n"
					   "tp-service\tall\t1.0-1\tii \n"
					   "tp-oldgone\tall\t1.1-1\tiF \n"
					   "tp-reboot\tall\t1.0-1\thi \n"
					   "tp-gone\tall\t1.0-1\trc \n"),
				    &err),
		     0, "%s", err.msg);
	cr_assert_eq(l.n, 4);
	cr_assert(l.items[3].held);
	cr_assert_eq(tp_pkg_verify_pins(&mm, &l, want, N(want), &err), 0);
	cr_assert_eq(mm.n, 4);
	cr_assert_str_eq(mm.items[0].name, "tp-service");
	cr_assert_str_eq(mm.items[0].want, "1.1-1");
	cr_assert_str_eq(mm.items[0].got, "1.0-1");
	cr_assert_str_eq(mm.items[1].name, "tp-oldgone");
	cr_assert(mm.items[1].broken);
	cr_assert_str_eq(mm.items[2].name, "tp-nosuch");
	cr_assert_null(mm.items[2].got);
	cr_assert_str_eq(mm.items[3].name, "tp-reboot");
	cr_assert_null(mm.items[3].want);
	cr_assert_str_eq(mm.items[3].got, "1.0-1");
	tp_pkg_mismatch_list_release(&mm);
	tp_pkg_list_release(&l);
}

Test(pkg_apt_ops, query_matches_arch_qualified_pins_exactly)
{
	struct tp_pkg_pin p[] = { { "libc6", "amd64", NULL },
				  { "libc6", "i386", NULL } };
	const char *s = "libc6\tamd64\t2.36-9\tii \nlibc6\ti386\t2.36-9\tii \n";
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_err err;

	cr_assert_eq(R->parse_query(&l, p, 2, s, strlen(s), &err), 0, "%s",
		     err.msg);
	cr_assert_eq(l.n, 2);
	tp_pkg_list_release(&l);
	cr_assert_eq(R->parse_query(&l, p, 1, s, strlen(s), &err), TP_EPARSE);
	cr_assert_not_null(strstr(err.msg, "line 2: a package no pin named"),
			   "%s", err.msg);
}

Test(pkg_apt_ops, query_skips_packages_dpkg_knows_but_has_not_installed)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(query_s(&l, "tp-nosuch\t\t\tun \n"
				 "tp-libfoo\tall\t1.0-1\trc \n"
				 "tp-reboot\tall\t1.0-1\tpn \n",
			     &err),
		     0, "%s", err.msg);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(query_s(&l, "", &err), 0);
	cr_assert_eq(l.n, 0);
}

Test(pkg_apt_ops, malformed_query_lines_are_parse_errors)
{
	static const char *bad[] = {
		"tp-libfoo\tall\t1.0-1\n",	/* 3 fields */
		"tp-libfoo\tall\t1.0-1\tii \tx\n",	/* 5 fields */
		"tp-libfoo\tall\t1.0-1\tii\n",	/* abbrev too short */
		"tp-libfoo\tall\t1.0-1\txi \n",	/* bad want */
		"tp-libfoo\tall\t1.0-1\tiX \n",	/* bad status */
		"tp-libfoo\tall\t1.0-1\tiiX\n",	/* bad flag */
		"tp-libfoo\tall\t1.0 1\tii \n",	/* blank in version */
		"tp-libfoo\tall\t\tii \n",	/* installed, no version */
		"tp-libfoo\t\t1.0-1\tii \n",	/* installed, no arch */
		"tp-libfoo\ta;l\t1.0-1\tii \n",	/* bad arch */
		"tp-other\tall\t1.0-1\tii \n",	/* not asked */
		"tp libfoo\tall\t1.0-1\tii \n",	/* bad name */
		"tp-libfoo\tall\t1.0-1\tii \r\n",	/* CR */
		"tp-libfoo\tall\t1.0-1\tii \ntp-libfoo\tall\t1.0-2\tii \n",
	};
	struct tp_pkg_list l;
	struct tp_err err;
	size_t i;

	for (i = 0; i < N(bad); i++) {
		cr_assert_eq(query_s(&l, bad[i], &err), TP_EPARSE,
			     "shape %zu", i);
		cr_assert_eq(l.n, 0);
		cr_assert_not_null(strstr(err.msg, "dpkg-query line"), "%s",
				   err.msg);
	}
}

Test(pkg_apt_ops, query_output_has_a_line_limit)
{
	struct tp_pkg_pin p = { "tp-libfoo", NULL, NULL };
	size_t n = 2 * TP_PKG_PINS_MAX + 1, i;
	const char *line = "tp-libfoo\t\t\tun \n";
	char *s = malloc(n * strlen(line) + 1), *q = s;
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_err err;

	for (i = 0; i < n; i++)
		q += sprintf(q, "%s", line);
	cr_assert_eq(R->parse_query(&l, &p, 1, s, strlen(s), &err),
		     TP_ETOOBIG);
	cr_assert_eq(R->parse_query(&l, &p, 1, s, strlen(s) - strlen(line),
				    &err),
		     0, "%s", err.msg);
	free(s);
}

/* ---------------------------------------------------------------- */
/* canary comparison                                                 */
/* ---------------------------------------------------------------- */

Test(pkg_apt_ops, files_match_the_canary_or_say_why_not)
{
	struct tp_pkg_file_list a, b;
	char why[256];

	parse_fixture(&a, "apt/ops/stage.out", false);
	parse_fixture(&b, "apt/ops/stage.out", false);
	cr_assert(tp_pkg_files_match(&a, &b, why, sizeof(why)));
	b.items[2].sha256[0] = b.items[2].sha256[0] == '0' ? '1' : '0';
	cr_assert_not(tp_pkg_files_match(&a, &b, why, sizeof(why)));
	cr_assert_not_null(strstr(why, "tp-oldgone_1.1-1_all.deb: sha256"),
			   "%s", why);
	tp_pkg_file_list_release(&b);
	parse_fixture(&b, "apt/ops/stage.out", false);
	b.items[1].size++;
	cr_assert_not(tp_pkg_files_match(&a, &b, why, sizeof(why)));
	b.n--;
	b.items[1].size--;
	cr_assert_not(tp_pkg_files_match(&a, &b, why, sizeof(why)));
	cr_assert_str_eq(why, "3 files, the reference has 4");
	b.n++;
	tp_pkg_file_list_release(&b);
	tp_pkg_file_list_release(&a);
}
