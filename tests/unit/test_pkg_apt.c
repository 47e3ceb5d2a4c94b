/*
 * test_pkg_apt.c - the package lists (suite pkg) and the apt backend's
 * parsers (suite pkg_apt), from real captures in tests/fixtures/apt/
 * (see its README for the command, system and date of each).
 *
 * Expected counts were taken at capture time with grep/awk, not with the
 * parser under test; each test quotes the command that produced them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "tidepatch/pkg.h"
#include "tidepatch/pkg_apt.h"

/* ---------------------------------------------------------------- */
/* helpers                                                           */
/* ---------------------------------------------------------------- */

static int installed_s(struct tp_pkg_list *out, const char *s,
		       struct tp_err *err)
{
	memset(out, 0, sizeof(*out));
	return tp_apt_parse_installed(out, s, strlen(s), err);
}

static int updates_s(struct tp_update_list *out, const char *s,
		     struct tp_err *err)
{
	memset(out, 0, sizeof(*out));
	return tp_apt_parse_updates(out, s, strlen(s), err);
}

static int installed_fixture(struct tp_pkg_list *out, const char *rel,
			     struct tp_err *err)
{
	size_t len;
	char *data = tp_test_fixture(rel, &len);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tp_apt_parse_installed(out, data, len, err);
	free(data);
	return rc;
}

static int updates_fixture(struct tp_update_list *out, const char *rel,
			   struct tp_err *err)
{
	size_t len;
	char *data = tp_test_fixture(rel, &len);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tp_apt_parse_updates(out, data, len, err);
	free(data);
	return rc;
}

static const struct tp_update *find_update(const struct tp_update_list *l,
					   const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

static size_t count_kind(const struct tp_update_list *l,
			 enum tp_update_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->items[i].kind == kind;
	return n;
}

static size_t count_security(const struct tp_update_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->items[i].security;
	return n;
}

/* A line in the installed_cmd format, for hand-made edge cases. */
static char *dpkg_line(const char *name, const char *arch, const char *ver,
		       const char *abbrev, const char *want)
{
	size_t n = strlen(name) * 2 + strlen(arch) + strlen(ver) * 2 +
		   strlen(abbrev) + strlen(want) + 16;
	char *s = malloc(n);

	cr_assert_not_null(s);
	snprintf(s, n, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, arch, ver, name,
		 ver, abbrev, want);
	return s;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* A one-line simulation with a matching summary. */
static int one_inst(struct tp_update_list *out, const char *inst,
		    const char *summary, struct tp_err *err)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "Reading package lists...\n%s\n%s\n",
		 summary, inst);
	return updates_s(out, buf, err);
}

#define SUM_1UP "1 upgraded, 0 newly installed, 0 to remove and 0 not upgraded."

/* ---------------------------------------------------------------- */
/* suite pkg: lists, kinds, backend table                            */
/* ---------------------------------------------------------------- */

Test(pkg, push_grows_and_hands_out_zeroed_elements)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_pkg *p;
	struct tp_err err;
	size_t i;
	char name[32];

	for (i = 0; i < 1000; i++) {
		cr_assert_eq(tp_pkg_list_push(&l, &p, &err), 0);
		cr_assert_null(p->name);
		cr_assert_not(p->held);
		snprintf(name, sizeof(name), "pkg%zu", i);
		p->name = strdup(name);
	}
	cr_assert_eq(l.n, 1000);
	cr_assert_geq(l.alloc, 1000);
	cr_assert_str_eq(l.items[999].name, "pkg999");
	tp_pkg_list_release(&l);
	cr_assert_null(l.items);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(l.alloc, 0);
}

Test(pkg, update_push_hands_out_zeroed_elements)
{
	struct tp_update_list l = { NULL, 0, 0 };
	struct tp_update *up;
	struct tp_err err;

	cr_assert_eq(tp_update_list_push(&l, &up, &err), 0);
	cr_assert_null(up->name);
	cr_assert_null(up->origin);
	cr_assert_not(up->security);
	up->name = strdup("libssl3");
	up->origin = strdup("Debian-Security:12/stable-security");
	cr_assert_eq(l.n, 1);
	tp_update_list_release(&l);
	cr_assert_null(l.items);
}

Test(pkg, release_and_clear_accept_null_and_empty)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_update_list u = { NULL, 0, 0 };
	struct tp_pkg p;
	struct tp_update up;

	tp_pkg_list_release(NULL);
	tp_update_list_release(NULL);
	tp_pkg_list_release(&l);
	tp_update_list_release(&u);
	tp_pkg_clear(NULL);
	tp_update_clear(NULL);
	memset(&p, 0, sizeof(p));
	p.name = strdup("x");
	p.held = true;
	tp_pkg_clear(&p);
	cr_assert_null(p.name);
	cr_assert_not(p.held);
	memset(&up, 0, sizeof(up));
	up.candidate = strdup("1.0");
	up.security = true;
	tp_update_clear(&up);
	cr_assert_null(up.candidate);
	cr_assert_not(up.security);
}

Test(pkg, find_by_name_and_arch_or_any_arch)
{
	struct tp_pkg_list l;
	struct tp_err err;
	const struct tp_pkg *p;

	cr_assert_eq(installed_fixture(&l, "apt/handmade-installed-states.txt",
				       &err), 0, "%s", err.msg);
	p = tp_pkg_list_find(&l, "libc6", "i386");
	cr_assert_not_null(p);
	cr_assert_str_eq(p->arch, "i386");
	p = tp_pkg_list_find(&l, "libc6", "amd64");
	cr_assert_not_null(p);
	cr_assert_str_eq(p->arch, "amd64");
	p = tp_pkg_list_find(&l, "libc6", NULL);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->arch, "amd64");	/* the first one listed */
	cr_assert_null(tp_pkg_list_find(&l, "libc6", "arm64"));
	cr_assert_null(tp_pkg_list_find(&l, "no-such-package", NULL));
	cr_assert_null(tp_pkg_list_find(&l, NULL, NULL));
	cr_assert_null(tp_pkg_list_find(NULL, "libc6", NULL));
	tp_pkg_list_release(&l);
}

Test(pkg, update_kind_names_are_stable)
{
	cr_assert_str_eq(tp_update_kind_name(TP_UPDATE_UPGRADE), "upgrade");
	cr_assert_str_eq(tp_update_kind_name(TP_UPDATE_INSTALL), "install");
	cr_assert_str_eq(tp_update_kind_name(TP_UPDATE_DOWNGRADE),
			 "downgrade");
	cr_assert_str_eq(tp_update_kind_name(TP_UPDATE_REINSTALL),
			 "reinstall");
	cr_assert_str_eq(tp_update_kind_name(TP_UPDATE_REMOVE), "remove");
	cr_assert_str_eq(tp_update_kind_name((enum tp_update_kind)42),
			 "unknown");
}

Test(pkg, backend_find_knows_apt_only_so_far)
{
	cr_assert_eq(tp_pkg_backend_find("apt"), &tp_pkg_backend_apt);
	cr_assert_null(tp_pkg_backend_find("dpkg"));
	cr_assert_null(tp_pkg_backend_find("APT"));
	cr_assert_null(tp_pkg_backend_find(""));
	cr_assert_null(tp_pkg_backend_find(NULL));
}

/* ---------------------------------------------------------------- */
/* suite pkg_apt: the backend                                        */
/* ---------------------------------------------------------------- */

Test(pkg_apt, backend_commands_are_the_documented_ones)
{
	const struct tp_pkg_backend *be = &tp_pkg_backend_apt;

	cr_assert_str_eq(be->name, "apt");
	cr_assert_str_eq(be->installed_cmd,
			 "dpkg-query -W -f='${Package}\\t${Architecture}\\t"
			 "${Version}\\t${source:Package}\\t${source:Version}"
			 "\\t${db:Status-Abbrev}\\t${db:Status-Want}\\n'");
	cr_assert_str_eq(be->updates_cmd,
			 "apt-get -s -o Debug::NoLocking=1 "
			 "-o APT::Get::Show-User-Simulation-Note=false "
			 "dist-upgrade");
	cr_assert_str_eq(be->refresh_cmd,
			 "apt-get -q -o APT::Update::Error-Mode=any update");
	cr_assert_eq(be->parse_installed, tp_apt_parse_installed);
	cr_assert_eq(be->parse_updates, tp_apt_parse_updates);
	cr_assert_eq(be->newest_kernel, tp_apt_newest_kernel);
}

/*
 * The value capture.sh gives NAME: the single-quoted pieces of its lines
 * NAME='...' (which starts over) and NAME=$NAME'...' (which appends).
 */
static void script_var(char *out, size_t cap, const char *script,
		       const char *name)
{
	char set[32], add[48];
	const char *line = script;
	size_t n = 0;

	snprintf(set, sizeof(set), "%s='", name);
	snprintf(add, sizeof(add), "%s=$%s'", name, name);
	out[0] = '\0';
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *q = NULL;

		if (strncmp(line, set, strlen(set)) == 0) {
			n = 0;
			q = line + strlen(set);
		} else if (strncmp(line, add, strlen(add)) == 0) {
			q = line + strlen(add);
		}
		if (q) {
			cr_assert(end > q && end[-1] == '\'', "%.*s",
				  (int)(end - line), line);
			cr_assert_lt(n + (size_t)(end - 1 - q), cap);
			memcpy(out + n, q, (size_t)(end - 1 - q));
			n += (size_t)(end - 1 - q);
			out[n] = '\0';
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* The fixtures were captured with exactly the backend's commands. */
Test(pkg_apt, capture_script_uses_the_backend_commands)
{
	const struct tp_pkg_backend *be = &tp_pkg_backend_apt;
	char *script = tp_test_fixture("apt/capture.sh", NULL);
	char fmt[512], sim[512], cmd[600];

	script_var(fmt, sizeof(fmt), script, "FMT");
	script_var(sim, sizeof(sim), script, "SIM");
	snprintf(cmd, sizeof(cmd), "dpkg-query -W -f='%s'", fmt);
	cr_assert_str_eq(be->installed_cmd, cmd);
	cr_assert_str_eq(be->updates_cmd, sim);
	free(script);
}

/* ---- installed: real captures ---- */

/*
 * awk -F'\t' 'substr($6,2,1) !~ /[nc]/' debian12-host-installed.txt | wc -l
 * -> 833, none held, none broken
 */
Test(pkg_apt, parses_host_installed_capture)
{
	struct tp_pkg_list l;
	struct tp_err err;
	const struct tp_pkg *p;
	size_t i;

	cr_assert_eq(installed_fixture(&l, "apt/debian12-host-installed.txt",
				       &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 833);
	for (i = 0; i < l.n; i++) {
		cr_assert_not(l.items[i].held, "%s", l.items[i].name);
		cr_assert_not(l.items[i].broken, "%s", l.items[i].name);
		cr_assert_not_null(l.items[i].source);
		cr_assert_not_null(l.items[i].source_version);
	}
	/* an epoch, and a source whose version has none */
	p = tp_pkg_list_find(&l, "bsdutils", "amd64");
	cr_assert_not_null(p);
	cr_assert_str_eq(p->version, "1:2.38.1-5+deb12u3");
	cr_assert_str_eq(p->source, "util-linux");
	cr_assert_str_eq(p->source_version, "2.38.1-5+deb12u3");
	/* a binNMU: the source version lacks the +bN */
	p = tp_pkg_list_find(&l, "bash", NULL);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->version, "5.2.15-2+b8");
	cr_assert_str_eq(p->source_version, "5.2.15-2");
	/* no Source field: source = the binary's name */
	p = tp_pkg_list_find(&l, "e2fsprogs", NULL);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->source, "e2fsprogs");
	tp_pkg_list_release(&l);
}

/* wc -l debian12-chroot-installed.txt -> 115, all "ii " */
Test(pkg_apt, parses_chroot_installed_capture)
{
	struct tp_pkg_list l;
	struct tp_err err;
	const struct tp_pkg *p;

	cr_assert_eq(installed_fixture(&l, "apt/debian12-chroot-installed.txt",
				       &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 115);
	p = tp_pkg_list_find(&l, "libssl3", "amd64");
	cr_assert_not_null(p);
	cr_assert_str_eq(p->version, "3.0.20-1~deb12u2");
	cr_assert_str_eq(p->source, "openssl");
	p = tp_pkg_list_find(&l, "tzdata", NULL);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->arch, "all");
	tp_pkg_list_release(&l);
}

/*
 * 117 lines: sudo "rc" (skipped), libssl3 "hi" (held), tp-unpacked "iU"
 * and tp-halfconf "iF" (broken): 116 installed, 1 held, 2 broken.
 */
Test(pkg_apt, parses_held_unpacked_and_half_configured_capture)
{
	struct tp_pkg_list l;
	struct tp_err err;
	const struct tp_pkg *p;
	size_t i, held = 0, broken = 0;

	cr_assert_eq(installed_fixture(&l, "apt/debian12-states-installed.txt",
				       &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 116);
	for (i = 0; i < l.n; i++) {
		held += l.items[i].held;
		broken += l.items[i].broken;
	}
	cr_assert_eq(held, 1);
	cr_assert_eq(broken, 2);
	cr_assert_null(tp_pkg_list_find(&l, "sudo", NULL));
	p = tp_pkg_list_find(&l, "libssl3", NULL);
	cr_assert(p && p->held && !p->broken);
	p = tp_pkg_list_find(&l, "tp-unpacked", NULL);
	cr_assert(p && p->broken && !p->held);
	p = tp_pkg_list_find(&l, "tp-halfconf", NULL);
	cr_assert(p && p->broken);
	cr_assert_str_eq(p->version, "2.0-1");
	tp_pkg_list_release(&l);
}

/* Every dpkg status letter and the reinst-required flag (hand-made). */
Test(pkg_apt, classifies_every_dpkg_state)
{
	static const struct {
		const char *name;
		bool present, held, broken;
	} want[] = {
		{ "tp-held", true, true, false },
		/* "ri": selected for removal, still installed */
		{ "tp-doomed", true, false, false },
		{ "tp-trigpend", true, false, false },
		{ "tp-trigawait", true, false, false },
		{ "tp-unpacked", true, false, true },
		{ "tp-halfconf", true, false, true },
		{ "tp-halfinst", true, false, true },
		{ "tp-reinstreq", true, false, true },
		{ "tp-heldbroken", true, true, true },
		{ "tp-conffiles", false, false, false },
		{ "tp-purgecf", false, false, false },
		{ "tp-notinst", false, false, false },
		{ "tp-wanted", false, false, false },
	};
	struct tp_pkg_list l;
	struct tp_err err;
	size_t i;

	cr_assert_eq(installed_fixture(&l, "apt/handmade-installed-states.txt",
				       &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 13);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct tp_pkg *p = tp_pkg_list_find(&l, want[i].name,
							  NULL);

		if (!want[i].present) {
			cr_assert_null(p, "%s", want[i].name);
			continue;
		}
		cr_assert_not_null(p, "%s", want[i].name);
		cr_assert_eq(p->held, want[i].held, "%s", want[i].name);
		cr_assert_eq(p->broken, want[i].broken, "%s", want[i].name);
	}
	tp_pkg_list_release(&l);
}

Test(pkg_apt, last_line_without_newline_is_kept)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(installed_s(&l, "a\tall\t1\ta\t1\tii \tinstall\n"
				     "b\tall\t2\tb\t2\tii \tinstall", &err),
		     0, "%s", err.msg);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.items[1].version, "2");
	tp_pkg_list_release(&l);
}

/* ---- installed: malformed ---- */

Test(pkg_apt, empty_installed_output_is_a_parse_error)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(installed_s(&l, "", &err), TP_EPARSE);
	cr_assert_null(l.items);
	cr_assert_eq(l.n, 0);
	cr_assert(strstr(err.msg, "nothing"), "%s", err.msg);
}

Test(pkg_apt, only_config_files_is_a_parse_error)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(installed_s(&l, "sudo\tamd64\t1.9\tsudo\t1.9\trc \t"
				     "deinstall\n", &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "no installed"), "%s", err.msg);
	cr_assert_null(l.items);
}

Test(pkg_apt, installed_list_must_start_empty)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_pkg *p;
	struct tp_err err;
	const char *s = "a\tall\t1\ta\t1\tii \tinstall\n";

	cr_assert_eq(tp_pkg_list_push(&l, &p, &err), 0);
	cr_assert_eq(tp_apt_parse_installed(&l, s, strlen(s), &err),
		     TP_EINVAL);
	cr_assert_eq(l.n, 1);
	tp_pkg_list_release(&l);
}

static void installed_fails_at(const char *rel, const char *where)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(installed_fixture(&l, rel, &err), TP_EPARSE, "%s", rel);
	cr_assert(strstr(err.msg, where), "%s: %s", rel, err.msg);
	cr_assert_null(l.items, "%s: list not left empty", rel);
	cr_assert_eq(l.n, 0);
}

Test(pkg_apt, truncated_installed_line_is_a_parse_error)
{
	installed_fails_at("apt/bad-installed-truncated.txt", "line 11:");
}

Test(pkg_apt, installed_line_missing_a_field_is_a_parse_error)
{
	installed_fails_at("apt/bad-installed-missing-field.txt",
			   "line 3: expected 7 tab-separated fields, got 6");
}

Test(pkg_apt, installed_crlf_is_a_parse_error)
{
	installed_fails_at("apt/bad-installed-crlf.txt",
			   "line 1: control character 0x0d");
}

Test(pkg_apt, installed_nul_byte_is_a_parse_error)
{
	installed_fails_at("apt/bad-installed-nul.txt",
			   "line 4: control character 0x00 at column 4");
}

Test(pkg_apt, installed_overlong_name_is_a_parse_error)
{
	installed_fails_at("apt/bad-installed-overlong.txt",
			   "line 2: bad package name");
}

Test(pkg_apt, installed_field_sizes_at_max_and_max_plus_one)
{
	struct {
		size_t max;
		int field;	/* 0 name, 1 arch, 2 version */
	} cases[] = {
		{ TP_APT_NAME_MAX, 0 },
		{ TP_APT_ARCH_MAX, 1 },
		{ TP_APT_VERSION_MAX, 2 },
	};
	size_t i, extra;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (extra = 0; extra <= 1; extra++) {
			char *v = repeat('a', cases[i].max + extra);
			char *line = dpkg_line(cases[i].field == 0 ? v : "p",
					       cases[i].field == 1 ? v : "all",
					       cases[i].field == 2 ? v : "1",
					       "ii ", "install");
			struct tp_pkg_list l;
			struct tp_err err;
			int rc = installed_s(&l, line, &err);

			cr_assert_eq(rc, extra ? TP_EPARSE : 0,
				     "field %d len %zu: %s", cases[i].field,
				     cases[i].max + extra, err.msg);
			tp_pkg_list_release(&l);
			free(line);
			free(v);
		}
	}
}

Test(pkg_apt, installed_bad_shapes_are_parse_errors)
{
	/* one defect each; the last one is checked although skipped */
	static const char *const bad[] = {
		"\n",
		"a\tall\t1\ta\t1\tii \tinstall\textra\n",
		"a b\tall\t1\ta\t1\tii \tinstall\n",
		"-a\tall\t1\ta\t1\tii \tinstall\n",
		"a/b\tall\t1\ta\t1\tii \tinstall\n",
		"\xc3\xa9\tall\t1\ta\t1\tii \tinstall\n",
		"\tall\t1\ta\t1\tii \tinstall\n",
		"a\t\t1\ta\t1\tii \tinstall\n",
		"a\tall\t\ta\t1\tii \tinstall\n",
		"a\tall\t1 beta\ta\t1\tii \tinstall\n",
		"a\tall\t1$\ta\t1\tii \tinstall\n",
		"a\tall\t1\t\t1\tii \tinstall\n",
		"a\tall\t1\ta\t\tii \tinstall\n",
		"a\tall\t1\ta\t1\tii\tinstall\n",
		"a\tall\t1\ta\t1\tix \tinstall\n",
		"a\tall\t1\ta\t1\txi \tinstall\n",
		"a\tall\t1\ta\t1\tiiX\tinstall\n",
		"a\tall\t1\ta\t1\thi \tinstall\n",
		"a\tall\t1\ta\t1\tii \thold\n",
		"a\tall\t1\ta\t1\tii \tinstalled\n",
		"a\tall\t1\ta\t1\tii \t\n",
		"a\tall\t1\ta\t1\tii \tinstall\x1b[2J\n",
		"a\tall\t1\ta\t1\tii \tinstall\x7f\n",
		"bad name\t\t\tx\t\tun \tunknown\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_pkg_list l;
		struct tp_err err;

		cr_assert_eq(installed_s(&l, bad[i], &err), TP_EPARSE,
			     "case %zu accepted", i);
		cr_assert(strstr(err.msg, "line 1"), "case %zu: %s", i,
			  err.msg);
		cr_assert_null(l.items);
	}
}

Test(pkg_apt, installed_error_names_the_line_after_good_ones)
{
	struct tp_pkg_list l;
	struct tp_err err;

	cr_assert_eq(installed_s(&l, "a\tall\t1\ta\t1\tii \tinstall\n"
				     "b\tall\t1\tb\t1\tii \tinstall\n"
				     "c\tall\t1\tc\t1\tii \tinstall\r\n",
				 &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "dpkg-query line 3:"), "%s", err.msg);
	cr_assert_null(l.items);
}

/* ---- updates: real captures ---- */

/*
 * grep -c '^Inst ' debian12-host-updates.txt                 -> 129
 * grep '^Inst ' ... | grep -c -- '-security[ ,]'            -> 77
 * grep -c '^Inst [^ ]* (' / '^Remv ' / '^Purg '              -> 0
 * summary: "129 upgraded, 0 newly installed, 0 to remove and 0 not upgraded."
 */
Test(pkg_apt, parses_host_updates_capture)
{
	struct tp_update_list l;
	struct tp_err err;
	const struct tp_update *up;
	size_t i;

	cr_assert_eq(updates_fixture(&l, "apt/debian12-host-updates.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 129);
	cr_assert_eq(count_kind(&l, TP_UPDATE_UPGRADE), 129);
	cr_assert_eq(count_security(&l), 77);
	for (i = 0; i < l.n; i++) {
		cr_assert_not_null(l.items[i].installed);
		cr_assert_not_null(l.items[i].candidate);
		cr_assert_not_null(l.items[i].arch);
		cr_assert_not_null(l.items[i].origin);
		cr_assert_null(l.items[i].source);
	}
	/* security only */
	up = find_update(&l, "perl-modules-5.36");
	cr_assert_not_null(up);
	cr_assert(up->security);
	cr_assert_str_eq(up->arch, "all");
	cr_assert_str_eq(up->origin, "Debian-Security:12/oldstable-security");
	/* in the point release and in security: still security */
	up = find_update(&l, "libgcrypt20");
	cr_assert_not_null(up);
	cr_assert(up->security);
	cr_assert_str_eq(up->installed, "1.10.1-3");
	cr_assert_str_eq(up->candidate, "1.10.1-3+deb12u1");
	cr_assert_str_eq(up->origin, "Debian:12.15/oldstable, "
				     "Debian-Security:12/oldstable-security");
	/* point release only */
	up = find_update(&l, "bash");
	cr_assert_not_null(up);
	cr_assert_not(up->security);
	cr_assert_str_eq(up->origin, "Debian:12.15/oldstable");
	cr_assert_eq(up->kind, TP_UPDATE_UPGRADE);
	/* lines with [breaks] groups after the parenthesis */
	up = find_update(&l, "libext2fs2");
	cr_assert_not_null(up);
	cr_assert_str_eq(up->candidate, "1.47.0-2+b2");
	cr_assert_str_eq(up->arch, "amd64");
	up = find_update(&l, "libperl5.36");
	cr_assert(up && up->security);
	up = find_update(&l, "libpam-runtime");
	cr_assert(up && !up->security);
	tp_update_list_release(&l);
}

/*
 * grep -c '^Inst ' debian12-chroot-updates.txt -> 9, all from
 * Debian-Security:12/oldstable-security (grep -c -- '-security[ ,]' -> 9)
 */
Test(pkg_apt, parses_chroot_updates_capture)
{
	struct tp_update_list l;
	struct tp_err err;
	const struct tp_update *up;

	cr_assert_eq(updates_fixture(&l, "apt/debian12-chroot-updates.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 9);
	cr_assert_eq(count_security(&l), 9);
	cr_assert_eq(count_kind(&l, TP_UPDATE_UPGRADE), 9);
	up = find_update(&l, "libssl3");
	cr_assert_not_null(up);
	cr_assert_str_eq(up->installed, "3.0.20-1~deb12u2");
	cr_assert_str_eq(up->candidate, "3.0.22-1~deb12u2");
	cr_assert_str_eq(up->arch, "amd64");
	cr_assert(up->security);
	up = find_update(&l, "tzdata");
	cr_assert(up && up->security);
	cr_assert_str_eq(up->arch, "all");
	tp_update_list_release(&l);
}

/* The four-line NOTE a non-root user gets without the -o option. */
Test(pkg_apt, parses_nonroot_simulation_note)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_fixture(&l,
				     "apt/debian12-chroot-updates-nonroot.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 9);
	cr_assert_eq(count_security(&l), 9);
	tp_update_list_release(&l);
}

/*
 * libssl3 held: kept back (8 Inst, "1 not upgraded"); the broken
 * packages only get "Conf tp-unpacked (1.0-1  [all])" lines.
 */
Test(pkg_apt, held_package_is_kept_back_and_conf_lines_ignored)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_fixture(&l, "apt/debian12-states-updates.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 8);
	cr_assert_null(find_update(&l, "libssl3"));
	cr_assert_null(find_update(&l, "tp-unpacked"));
	cr_assert_not_null(find_update(&l, "openssl"));
	tp_update_list_release(&l);
}

/*
 * grep -c '^Inst ' -> 11 (9 upgraded + 1 new + 1 downgraded), '^Remv ' -> 1
 * grep '^Inst ' | grep -c -- '-security[ ,]' -> 8
 */
Test(pkg_apt, parses_install_remove_and_downgrade_capture)
{
	struct tp_update_list l;
	struct tp_err err;
	const struct tp_update *up;

	cr_assert_eq(updates_fixture(&l, "apt/debian12-localrepo-updates.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 12);
	cr_assert_eq(count_kind(&l, TP_UPDATE_UPGRADE), 9);
	cr_assert_eq(count_kind(&l, TP_UPDATE_INSTALL), 1);
	cr_assert_eq(count_kind(&l, TP_UPDATE_DOWNGRADE), 1);
	cr_assert_eq(count_kind(&l, TP_UPDATE_REMOVE), 1);
	cr_assert_eq(count_security(&l), 8);

	up = find_update(&l, "tp-newdep");	/* no Release file */
	cr_assert_not_null(up);
	cr_assert_eq(up->kind, TP_UPDATE_INSTALL);
	cr_assert_null(up->installed);
	cr_assert_str_eq(up->candidate, "0.1-1");
	cr_assert_str_eq(up->origin, "localhost");
	cr_assert_not(up->security);

	up = find_update(&l, "tzdata");	/* pinned to an older one */
	cr_assert_not_null(up);
	cr_assert_eq(up->kind, TP_UPDATE_DOWNGRADE);
	cr_assert_str_eq(up->installed, "2026b-0+deb12u1");
	cr_assert_str_eq(up->candidate, "2024a-0+deb12u1");
	cr_assert_str_eq(up->origin, "Tide Patch Test:tidepatch-test");
	cr_assert_not(up->security);

	up = find_update(&l, "tp-victim");
	cr_assert_not_null(up);
	cr_assert_eq(up->kind, TP_UPDATE_REMOVE);
	cr_assert_str_eq(up->installed, "1.0-1");
	cr_assert_null(up->candidate);
	cr_assert_null(up->origin);
	cr_assert_null(up->arch);	/* apt prints none for native */
	cr_assert_not(up->security);

	up = find_update(&l, "sudo");
	cr_assert(up && up->kind == TP_UPDATE_UPGRADE && !up->security);
	tp_update_list_release(&l);
}

Test(pkg_apt, purg_lines_are_removals)
{
	struct tp_update_list l;
	struct tp_err err;
	const struct tp_update *up;

	cr_assert_eq(updates_fixture(&l,
				     "apt/debian12-localrepo-updates-purge.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 12);
	up = find_update(&l, "tp-victim");
	cr_assert(up && up->kind == TP_UPDATE_REMOVE);
	cr_assert_str_eq(up->installed, "1.0-1");
	tp_update_list_release(&l);
}

/* "Purg sudo": a config-files package has no current version. */
Test(pkg_apt, purging_config_files_has_no_installed_version)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_fixture(&l, "apt/debian12-states-purge-rc.txt",
				     &err), 0, "%s", err.msg);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].name, "sudo");
	cr_assert_eq(l.items[0].kind, TP_UPDATE_REMOVE);
	cr_assert_null(l.items[0].installed);
	tp_update_list_release(&l);
}

/* ---- updates: shapes not in a capture ---- */

Test(pkg_apt, empty_break_group_after_parenthesis_parses)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(one_inst(&l, "Inst foo [1.0] (2.0 Debian:12.12/stable "
				  "[amd64]) []", SUM_1UP, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].origin, "Debian:12.12/stable");
	cr_assert_str_eq(l.items[0].candidate, "2.0");
	cr_assert_not(l.items[0].security);
	tp_update_list_release(&l);
}

Test(pkg_apt, foreign_architecture_name_is_split)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(one_inst(&l, "Inst libc6:i386 [2.36-9] (2.36-9+deb12u1 "
				  "Debian:12.5/stable [i386])", SUM_1UP,
			      &err), 0, "%s", err.msg);
	cr_assert_str_eq(l.items[0].name, "libc6");
	cr_assert_str_eq(l.items[0].arch, "i386");
	tp_update_list_release(&l);
	cr_assert_eq(updates_s(&l, "0 upgraded, 0 newly installed, 1 to remove "
				   "and 0 not upgraded.\n"
				   "Remv libfoo:i386 [1.0] [bar:amd64 ]\n",
			       &err), 0, "%s", err.msg);
	cr_assert_str_eq(l.items[0].name, "libfoo");
	cr_assert_str_eq(l.items[0].arch, "i386");
	cr_assert_str_eq(l.items[0].installed, "1.0");
	tp_update_list_release(&l);
}

Test(pkg_apt, security_pocket_rule)
{
	static const struct {
		const char *origin;
		bool security;
	} cases[] = {
		{ "Debian-Security:12/stable-security", true },
		{ "Ubuntu:22.04/jammy-security", true },
		{ "Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security",
		  true },
		{ "Ubuntu:22.04/jammy-updates", false },
		{ "UbuntuESM:22.04/jammy-infra-security", true },
		{ "Debian-Security:10/oldoldstable", true },	/* buster */
		{ "Debian:12.5/stable", false },
		{ "Debian Backports:bookworm-backports", false },
		/* a Label with spaces and no Version */
		{ "Tide Patch Test:tidepatch-security", true },
		{ "stable-security", true },	/* no Label, no Version */
		{ "Debian:12/stable-security-staging", false },
		{ "Debian:12/security", false },
		{ "security.example.com", false },		/* a site */
		{ "localhost", false },
		{ "", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_update_list l;
		struct tp_err err;
		char inst[512];

		snprintf(inst, sizeof(inst),
			 "Inst foo-security [1.0] (2.0 %s [amd64])",
			 cases[i].origin);
		cr_assert_eq(one_inst(&l, inst, SUM_1UP, &err), 0, "%s: %s",
			     inst, err.msg);
		cr_assert_eq(l.items[0].security, cases[i].security, "%s",
			     inst);
		if (cases[i].origin[0])
			cr_assert_str_eq(l.items[0].origin, cases[i].origin);
		else
			cr_assert_null(l.items[0].origin);
		tp_update_list_release(&l);
	}
}

Test(pkg_apt, kind_follows_dpkg_version_order)
{
	struct tp_update_list l;
	struct tp_err err;

	/* epoch beats everything: 2.0 < 1:1.0 */
	cr_assert_eq(one_inst(&l, "Inst foo [1:1.0] (2.0 Debian:12/stable "
				  "[amd64])",
			      "0 upgraded, 0 newly installed, 1 downgraded, "
			      "0 to remove and 0 not upgraded.",
			      &err), 0, "%s", err.msg);
	cr_assert_eq(l.items[0].kind, TP_UPDATE_DOWNGRADE);
	tp_update_list_release(&l);
	/* ~ sorts before anything: 1.0~rc1 < 1.0 */
	cr_assert_eq(one_inst(&l, "Inst foo [1.0~rc1] (1.0 Debian:12/stable "
				  "[amd64])", SUM_1UP, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(l.items[0].kind, TP_UPDATE_UPGRADE);
	tp_update_list_release(&l);
	cr_assert_eq(one_inst(&l, "Inst foo [1.0] (1.0 Debian:12/stable "
				  "[amd64])",
			      "0 upgraded, 0 newly installed, 1 reinstalled, "
			      "0 to remove and 0 not upgraded.",
			      &err), 0, "%s", err.msg);
	cr_assert_eq(l.items[0].kind, TP_UPDATE_REINSTALL);
	tp_update_list_release(&l);
}

Test(pkg_apt, nothing_to_do_is_an_empty_list)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_s(&l, "Reading package lists...\n"
				   "Building dependency tree...\n"
				   "Calculating upgrade...\n"
				   "0 upgraded, 0 newly installed, 0 to remove "
				   "and 0 not upgraded.\n", &err), 0, "%s",
		     err.msg);
	cr_assert_eq(l.n, 0);
	tp_update_list_release(&l);
}

/* ---- updates: malformed ---- */

static void updates_fails_at(const char *rel, const char *where)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_fixture(&l, rel, &err), TP_EPARSE, "%s", rel);
	cr_assert(strstr(err.msg, where), "%s: %s", rel, err.msg);
	cr_assert_null(l.items, "%s: list not left empty", rel);
	cr_assert_eq(l.n, 0);
}

Test(pkg_apt, empty_updates_output_is_a_parse_error)
{
	struct tp_update_list l;
	struct tp_err err;

	cr_assert_eq(updates_s(&l, "", &err), TP_EPARSE);
	cr_assert_null(l.items);
}

Test(pkg_apt, updates_list_must_start_empty)
{
	struct tp_update_list l = { NULL, 0, 0 };
	struct tp_update *up;
	struct tp_err err;
	const char *s = "0 upgraded, 0 newly installed, 0 to remove and 0 "
			"not upgraded.\n";

	cr_assert_eq(tp_update_list_push(&l, &up, &err), 0);
	cr_assert_eq(tp_apt_parse_updates(&l, s, strlen(s), &err), TP_EINVAL);
	tp_update_list_release(&l);
}

Test(pkg_apt, output_without_summary_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-no-summary.txt", "no \"N upgraded");
}

Test(pkg_apt, truncated_updates_disagree_with_summary)
{
	updates_fails_at("apt/bad-updates-truncated.txt",
			 "line 7: summary says 9 upgraded but 4");
}

Test(pkg_apt, updates_line_cut_mid_way_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-truncated-midline.txt", "line 16:");
}

Test(pkg_apt, inst_without_parenthesis_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-missing-paren.txt",
			 "line 10: missing (candidate origin [arch])");
}

Test(pkg_apt, inst_without_candidate_version_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-missing-version.txt",
			 "line 10: bad candidate version");
}

Test(pkg_apt, updates_crlf_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-crlf.txt",
			 "line 1: control character 0x0d");
}

Test(pkg_apt, updates_nul_byte_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-nul.txt",
			 "line 12: control character 0x00 at column 12");
}

Test(pkg_apt, updates_overlong_name_is_a_parse_error)
{
	updates_fails_at("apt/bad-updates-overlong.txt",
			 "line 14: bad package name");
}

Test(pkg_apt, inst_field_sizes_at_max_and_max_plus_one)
{
	size_t extra;

	for (extra = 0; extra <= 1; extra++) {
		char *name = repeat('n', TP_APT_NAME_MAX + extra);
		char *ver = repeat('1', TP_APT_VERSION_MAX + extra);
		char *arch = repeat('a', TP_APT_ARCH_MAX + extra);
		char *origin = repeat('o', TP_APT_ORIGIN_MAX + extra);
		char *lines[4];
		size_t i, n = TP_APT_ORIGIN_MAX + 4 * TP_APT_NAME_MAX;

		for (i = 0; i < 4; i++) {
			lines[i] = malloc(n);
			cr_assert_not_null(lines[i]);
		}
		snprintf(lines[0], n, "Inst %s [1] (2 o [all])", name);
		snprintf(lines[1], n, "Inst p [1] (%s o [all])", ver);
		snprintf(lines[2], n, "Inst p [1] (2 o [%s])", arch);
		snprintf(lines[3], n, "Inst p [1] (2 %s [all])", origin);
		for (i = 0; i < 4; i++) {
			struct tp_update_list l;
			struct tp_err err;
			int rc = one_inst(&l, lines[i], SUM_1UP, &err);

			cr_assert_eq(rc, extra ? TP_EPARSE : 0,
				     "case %zu, +%zu: %s", i, extra, err.msg);
			tp_update_list_release(&l);
			free(lines[i]);
		}
		free(name);
		free(ver);
		free(arch);
		free(origin);
	}
}

Test(pkg_apt, inst_and_remv_bad_shapes_are_parse_errors)
{
	static const char *const bad[] = {
		"Inst",
		"Inst ",
		"Inst foo",
		"Inst foo [1.0]",
		"Inst foo [1.0] (2.0 Debian:12/stable [amd64]",
		"Inst foo [1.0] 2.0 Debian:12/stable [amd64])",
		"Inst foo [1.0] (2.0 Debian:12/stable)",
		"Inst foo [1.0] (2.0)",
		"Inst foo [1.0] ()",
		"Inst foo [1.0] (2.0 Debian:12/stable [AMD 64])",
		"Inst foo [1.0] (2.0 Debian:12/stable [amd64]) junk",
		"Inst foo [1.0] (2.0 Debian:12/stable [amd64]) [a (b)]",
		"Inst foo [1.0] (2.0 Debian:12/stable [amd64])[]",
		"Inst foo [1.0$] (2.0 Debian:12/stable [amd64])",
		"Inst foo [1.0] (2.0! Debian:12/stable [amd64])",
		"Inst foo bar [1.0] (2.0 Debian:12/stable [amd64])",
		"Inst Foo! [1.0] (2.0 Debian:12/stable [amd64])",
		"Inst foo:AMD! [1.0] (2.0 Debian:12/stable [amd64])",
		"Inst  foo [1.0] (2.0 Debian:12/stable [amd64])",
		"Inst foo [1.0] (2.0 Debian\t:12/stable [amd64])",
		"Inst foo [1.0] (2.0 Debian:12/stable\x1b[31m [amd64])",
		"Remv",
		"Remv foo [1.0] junk",
		"Remv foo [1.0$]",
		"Purg foo [1.0] [bar",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_update_list l;
		struct tp_err err;

		cr_assert_eq(one_inst(&l, bad[i], SUM_1UP, &err), TP_EPARSE,
			     "accepted: %s", bad[i]);
		cr_assert(strstr(err.msg, "line 3:"), "%s: %s", bad[i],
			  err.msg);
		cr_assert_null(l.items);
	}
}

Test(pkg_apt, bad_or_repeated_summary_is_a_parse_error)
{
	static const char *const bad[] = {
		"1 upgraded, garbage\n",
		"1 upgraded, 0 newly installed, 0 to remove and 0 not "
		"upgraded\n",
		"1 upgraded, 0 newly installed, 0 to remove and 0 not "
		"upgraded. \n",
		"1 upgraded, 0 newly installed, x to remove and 0 not "
		"upgraded.\n",
		"99999999999999999999999 upgraded, 0 newly installed, 0 to "
		"remove and 0 not upgraded.\n",
		"0 upgraded, 0 newly installed, 0 to remove and 0 not "
		"upgraded.\n0 upgraded, 0 newly installed, 0 to remove and 0 "
		"not upgraded.\n",
		/* counts that the lines do not bear out */
		"0 upgraded, 1 newly installed, 0 to remove and 0 not "
		"upgraded.\n",
		"0 upgraded, 0 newly installed, 1 downgraded, 0 to remove and "
		"0 not upgraded.\n",
		"0 upgraded, 0 newly installed, 1 to remove and 0 not "
		"upgraded.\n",
		"2 upgraded, 0 newly installed, 0 to remove and 0 not "
		"upgraded.\nInst foo [1.0] (2.0 Debian:12/stable [amd64])\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_update_list l;
		struct tp_err err;

		cr_assert_eq(updates_s(&l, bad[i], &err), TP_EPARSE,
			     "case %zu accepted", i);
		cr_assert_null(l.items);
	}
}

/* ---- newest kernel ---- */

static void add_pkg(struct tp_pkg_list *l, const char *name,
		    const char *version, bool broken)
{
	struct tp_pkg *p;
	struct tp_err err;

	cr_assert_eq(tp_pkg_list_push(l, &p, &err), 0);
	p->name = strdup(name);
	p->arch = strdup("amd64");
	p->version = strdup(version);
	p->source = strdup("linux-signed-amd64");
	p->source_version = strdup(version);
	p->broken = broken;
}

static char *newest(const struct tp_pkg_list *l)
{
	struct tp_err err;
	char *out = (char *)"sentinel";

	cr_assert_eq(tp_pkg_backend_apt.newest_kernel(&out, l, &err), 0);
	return out;
}

Test(pkg_apt, no_kernel_package_means_null)
{
	struct tp_pkg_list l;
	struct tp_err err;

	/* the chroot image has no kernel, as in a container */
	cr_assert_eq(installed_fixture(&l, "apt/debian12-chroot-installed.txt",
				       &err), 0, "%s", err.msg);
	cr_assert_null(newest(&l));
	tp_pkg_list_release(&l);
	memset(&l, 0, sizeof(l));
	cr_assert_null(newest(&l));
}

Test(pkg_apt, debian_kernel_highest_package_version_meta_ignored)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	char *k;

	add_pkg(&l, "linux-image-amd64", "6.1.99-1", false);	/* meta */
	add_pkg(&l, "linux-image-cloud-amd64", "6.1.99-1", false);
	add_pkg(&l, "linux-image-6.1.0-9-amd64", "6.1.27-1", false);
	add_pkg(&l, "linux-image-6.1.0-10-amd64", "6.1.38-1", false);
	add_pkg(&l, "linux-image-6.1.0-21-amd64-dbg", "6.1.90-1", false);
	add_pkg(&l, "linux-headers-6.1.0-22-amd64", "6.1.94-1", false);
	add_pkg(&l, "linux-image", "1", false);
	k = newest(&l);
	cr_assert_str_eq(k, "6.1.0-10-amd64");	/* not sorted by name */
	free(k);
	add_pkg(&l, "linux-image-6.1.0-23-amd64-unsigned", "6.1.99-1",
		false);
	k = newest(&l);
	cr_assert_str_eq(k, "6.1.0-23-amd64");
	free(k);
	tp_pkg_list_release(&l);
}

Test(pkg_apt, ubuntu_kernels_signed_and_unsigned)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	char *k;

	add_pkg(&l, "linux-image-generic", "5.15.0.91.88", false);
	add_pkg(&l, "linux-image-virtual", "5.15.0.91.88", false);
	add_pkg(&l, "linux-image-5.15.0-89-generic", "5.15.0-89.99", false);
	add_pkg(&l, "linux-image-unsigned-5.15.0-91-generic", "5.15.0-91.101",
		false);
	add_pkg(&l, "linux-image-5.15.0-91-generic-dbgsym", "5.15.0-91.102",
		false);
	k = newest(&l);
	cr_assert_str_eq(k, "5.15.0-91-generic");
	free(k);
	tp_pkg_list_release(&l);
}

Test(pkg_apt, broken_kernel_is_not_the_newest)
{
	struct tp_pkg_list l = { NULL, 0, 0 };
	char *k;

	add_pkg(&l, "linux-image-6.1.0-21-amd64", "6.1.90-1", false);
	add_pkg(&l, "linux-image-6.1.0-22-amd64", "6.1.94-1", true);
	k = newest(&l);
	cr_assert_str_eq(k, "6.1.0-21-amd64");
	free(k);
	tp_pkg_list_release(&l);
}
