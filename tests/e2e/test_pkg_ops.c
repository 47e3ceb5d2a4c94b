/*
 * test_pkg_ops.c - the apt backend's rollout command lines (suite
 * pkg_ops), run for real in a chroot of a fresh overlay of the base
 * image that uses only a fresh tests/fleet/aptrepo.sh repository (bound
 * read-only at /srv/tp-repo, sources as fleet.sh --repo writes them,
 * base versions installed), and checked against real dpkg state and
 * against the repository's own files, not against our parsers alone.
 *
 * No SSH: the engine's transport is not what is tested here. Each test
 * builds its own repository and overlay (Criterion runs every test in
 * its own process).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "e2e.h"
#include "tidepatch/pkg.h"
#include "tidepatch/quote.h"

#define R (tp_pkg_backend_apt.rollout)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static char root[256];
static char repo[64];
static char repo_mnt[320];

static const char *STAGE = "/var/cache/tidepatch/stage/e2e";
static const char *KEEP = "/var/cache/tidepatch/rollback/e2e";

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
/* where aptrepo.sh puts each new version */
static const char *new_pool[] = {
	"pool/tidepatch-security/tp-libfoo_1.0-2_all.deb",
	"pool/tidepatch-security/tp-service_1.1-1_all.deb",
	"pool/tidepatch/tp-oldgone_1.1-1_all.deb",
	"pool/tidepatch-security/tp-reboot_1.1-1_all.deb",
};

/* Run cmdline (a /bin/sh command line) as root in the overlay. */
static int in_root(struct tp_cmd_result *res, const char *cmdline)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 1 << 22);
	cr_assert_eq(tp_buf_puts(&b, "env -i PATH=/usr/sbin:/usr/bin:/sbin:"
				     "/bin LC_ALL=C HOME=/root chroot ",
				 &err),
		     0);
	cr_assert_eq(tp_shell_quote(&b, root, &err), 0);
	cr_assert_eq(tp_buf_puts(&b, " sh -c ", &err), 0);
	cr_assert_eq(tp_shell_quote(&b, cmdline, &err), 0);
	e2e_sh(res, b.data);
	tp_buf_release(&b);
	return res->exit_status;
}

/* in_root that must succeed; returns stdout (caller frees). */
static char *must(const char *cmdline)
{
	struct tp_cmd_result r;
	char *out;

	in_root(&r, cmdline);
	cr_assert_eq(r.exit_status, 0, "%.200s: exit %d: %s", cmdline,
		     r.exit_status, r.errout.data ? r.errout.data : "");
	out = strdup(r.out.data ? r.out.data : "");
	tp_cmd_result_release(&r);
	return out;
}

static void host_sh(const char *cmdline)
{
	struct tp_cmd_result r;

	e2e_sh(&r, cmdline);
	cr_assert_eq(r.exit_status, 0, "%s: %s", cmdline,
		     r.errout.data ? r.errout.data : "");
	tp_cmd_result_release(&r);
}

static void up(void)
{
	char cmd[1024];
	FILE *f;

	e2e_aptrepo_build(repo, sizeof(repo));
	e2e_overlay_up(root, sizeof(root));
	snprintf(repo_mnt, sizeof(repo_mnt), "%s/srv/tp-repo", root);
	cr_assert_eq(mkdir(repo_mnt, 0755), 0);
	cr_assert_eq(mount(repo, repo_mnt, NULL, MS_BIND, NULL), 0);
	cr_assert_eq(mount(NULL, repo_mnt, NULL,
			   MS_REMOUNT | MS_BIND | MS_RDONLY, NULL),
		     0);
	snprintf(cmd, sizeof(cmd),
		 "rm -f '%s/etc/apt/sources.list' '%s'/etc/apt/sources.list.d/*",
		 root, root);
	host_sh(cmd);
	snprintf(cmd, sizeof(cmd), "%s/etc/apt/sources.list.d/tidepatch.list",
		 root);
	f = fopen(cmd, "w");
	cr_assert_not_null(f);
	fputs("deb [trusted=yes] file:/srv/tp-repo tidepatch main\n"
	      "deb [trusted=yes] file:/srv/tp-repo tidepatch-security main\n",
	      f);
	fclose(f);
	free(must("apt-get -q -o APT::Update::Error-Mode=any update >&2"));
	free(must("DEBIAN_FRONTEND=noninteractive apt-get -q -y "
		  "--no-install-recommends -o Dpkg::Use-Pty=0 install "
		  "tp-libfoo=1.0-1 tp-service=1.0-1 tp-oldgone=1.0-1 "
		  "tp-reboot=1.0-1 >&2 && apt-get clean"));
}

static void down(void)
{
	if (repo_mnt[0])
		umount2(repo_mnt, MNT_DETACH);
	e2e_overlay_down();
	e2e_aptrepo_remove(repo);
}

TestSuite(pkg_ops, .init = up, .fini = down, .timeout = 300);

/* Run a step's command; stdout in *out (caller frees); exit status. */
static int step(char **out, char *cmd)
{
	struct tp_cmd_result r;
	int rc;

	cr_assert_not_null(cmd);
	rc = in_root(&r, cmd);
	*out = strdup(r.out.data ? r.out.data : "");
	if (rc)
		cr_log_info("exit %d: %s", rc, r.errout.data);
	tp_cmd_result_release(&r);
	free(cmd);
	return rc;
}

static void stage(struct tp_pkg_file_list *files)
{
	struct tp_err err;
	char *cmd, *out;

	cr_assert_eq(R->stage_cmd(&cmd, STAGE, new_pins, 4, &err), 0);
	cr_assert_eq(step(&out, cmd), 0);
	memset(files, 0, sizeof(*files));
	cr_assert_eq(R->parse_stage(files, new_pins, 4, out, strlen(out),
				    &err),
		     0, "%s: %s", err.msg, out);
	free(out);
}

static void keep(struct tp_pkg_file_list *files)
{
	struct tp_err err;
	char *cmd, *out;

	cr_assert_eq(R->keep_cmd(&cmd, KEEP, old_pins, 4, &err), 0);
	cr_assert_eq(step(&out, cmd), 0);
	memset(files, 0, sizeof(*files));
	cr_assert_eq(R->parse_keep(files, old_pins, 4, out, strlen(out),
				   &err),
		     0, "%s: %s", err.msg, out);
	free(out);
}

/* Assert that dpkg has exactly want installed (by dpkg-query itself). */
static void expect_installed(const struct tp_pkg_pin *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char cmd[256], *got, expect[128];

		snprintf(cmd, sizeof(cmd),
			 "dpkg-query -W -f='${db:Status-Abbrev}${Version}' %s",
			 want[i].name);
		got = must(cmd);
		snprintf(expect, sizeof(expect), "ii %s", want[i].version);
		cr_assert_str_eq(got, expect, "%s", want[i].name);
		free(got);
	}
}

/* The installed state through the library: query_cmd + parse + verify. */
static size_t mismatches(const struct tp_pkg_pin *want, size_t n,
			 const char *out)
{
	struct tp_pkg_mismatch_list mm = { NULL, 0, 0 };
	struct tp_pkg_list l = { NULL, 0, 0 };
	struct tp_err err;
	size_t k;

	cr_assert_eq(R->parse_query(&l, want, n, out, strlen(out), &err), 0,
		     "%s", err.msg);
	cr_assert_eq(tp_pkg_verify_pins(&mm, &l, want, n, &err), 0);
	k = mm.n;
	tp_pkg_mismatch_list_release(&mm);
	tp_pkg_list_release(&l);
	return k;
}

static void drop_oldgone(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "sh tests/fleet/aptrepo.sh drop %s tp-oldgone 1.0-1 2>&1",
		 repo);
	host_sh(cmd);
	free(must("apt-get -q -o APT::Update::Error-Mode=any update >&2"));
}

Test(pkg_ops, stage_downloads_exactly_the_pins_with_their_sha256)
{
	struct tp_pkg_file_list files;
	char cmd[512], *ls;
	size_t i;

	stage(&files);
	for (i = 0; i < 4; i++) {
		struct tp_cmd_result r;

		snprintf(cmd, sizeof(cmd), "sha256sum < '%s/%s'", repo,
			 new_pool[i]);
		e2e_sh(&r, cmd);
		cr_assert_eq(strncmp(r.out.data, files.items[i].sha256, 64), 0,
			     "%s", new_pool[i]);
		tp_cmd_result_release(&r);
		snprintf(cmd, sizeof(cmd), "cmp '%s/%s' '%s%s/%s'", repo,
			 new_pool[i], root, STAGE, files.items[i].filename);
		host_sh(cmd);
	}
	/* nothing else in the stage dir, nothing installed */
	ls = must("cd /var/cache/tidepatch/stage/e2e && ls *.deb | sort");
	cr_assert_str_eq(ls, "tp-libfoo_1.0-2_all.deb\n"
			     "tp-oldgone_1.1-1_all.deb\n"
			     "tp-reboot_1.1-1_all.deb\n"
			     "tp-service_1.1-1_all.deb\n");
	free(ls);
	expect_installed(old_pins, 4);
	tp_pkg_file_list_release(&files);
}

Test(pkg_ops, stage_of_a_version_no_repository_has_fails)
{
	struct tp_pkg_pin p = { "tp-libfoo", "all", "9.9-9" };
	struct tp_err err;
	char *cmd, *out;

	cr_assert_eq(R->stage_cmd(&cmd, STAGE, &p, 1, &err), 0);
	cr_assert_neq(step(&out, cmd), 0);
	cr_assert_str_eq(out, "");
	free(out);
}

Test(pkg_ops, keep_rebuilds_the_version_the_repository_dropped)
{
	struct tp_pkg_file_list files;
	char cmd[512], *s;

	drop_oldgone();
	keep(&files);
	cr_assert_eq(files.items[0].how, TP_PKG_FILE_DOWNLOADED);
	cr_assert_eq(files.items[1].how, TP_PKG_FILE_DOWNLOADED);
	cr_assert_eq(files.items[2].how, TP_PKG_FILE_REBUILT);
	cr_assert_eq(files.items[3].how, TP_PKG_FILE_DOWNLOADED);
	/* the downloaded ones are the repository's files */
	snprintf(cmd, sizeof(cmd),
		 "cmp '%s/pool/tidepatch/tp-libfoo_1.0-1_all.deb' "
		 "'%s%s/tp-libfoo_1.0-1_all.deb'",
		 repo, root, KEEP);
	host_sh(cmd);
	/* the rebuilt one is the old package: fields, files, hash */
	s = must("cd /var/cache/tidepatch/rollback/e2e && "
		 "dpkg-deb -f tp-oldgone_1.0-1_all.deb Package Version "
		 "Architecture && dpkg-deb --fsys-tarfile "
		 "tp-oldgone_1.0-1_all.deb | tar -xOf - "
		 "./usr/share/doc/tp-oldgone/README && "
		 "sha256sum <tp-oldgone_1.0-1_all.deb");
	cr_assert_not_null(strstr(s, "Package: tp-oldgone\nVersion: 1.0-1\n"
				     "Architecture: all\n"
				     "tp-oldgone 1.0-1: tidepatch test package\n"),
			   "%s", s);
	cr_assert_not_null(strstr(s, files.items[2].sha256));
	free(s);
	tp_pkg_file_list_release(&files);
}

Test(pkg_ops, keep_twice_keeps_the_same_files)
{
	struct tp_pkg_file_list a, b;
	size_t i;

	drop_oldgone();
	keep(&a);
	keep(&b);
	for (i = 0; i < 4; i++)
		cr_assert_eq(b.items[i].how, TP_PKG_FILE_PRESENT);
	cr_assert(tp_pkg_files_match(&a, &b, NULL, 0));
	tp_pkg_file_list_release(&a);
	tp_pkg_file_list_release(&b);
}

Test(pkg_ops, apply_installs_exactly_the_pins_and_reboot_is_requested)
{
	struct tp_pkg_file_list files;
	struct tp_cmd_result r;
	struct tp_err err;
	char *cmd, *out;

	cr_assert_eq(in_root(&r, "test -e /var/run/reboot-required"), 1);
	tp_cmd_result_release(&r);
	stage(&files);
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, files.items, files.n, &err), 0);
	cr_assert_eq(step(&out, cmd), 0);
	cr_assert_eq(mismatches(new_pins, 4, out), 0, "%s", out);
	free(out);
	expect_installed(new_pins, 4);
	free(must("test -e /var/run/reboot-required && "
		  "grep -qx tp-reboot /var/run/reboot-required.pkgs"));
	/* the broken service really is installed: verify must catch it */
	cr_assert_eq(in_root(&r, "tp-service-check"), 1);
	tp_cmd_result_release(&r);
	/* the in-doubt query sees the same, and a never-installed name */
	{
		struct tp_pkg_pin q[] = { { "tp-libfoo", NULL, "1.0-2" },
					  { "tp-nosuch", NULL, NULL } };

		cr_assert_eq(R->query_cmd(&cmd, q, 2, &err), 0);
		cr_assert_eq(step(&out, cmd), 0);
		cr_assert_str_eq(out, "tp-libfoo\tall\t1.0-2\tii \n");
		cr_assert_eq(mismatches(q, 2, out), 0);
		free(out);
	}
	tp_pkg_file_list_release(&files);
}

Test(pkg_ops, apply_refuses_a_file_that_differs_from_the_stage)
{
	struct tp_pkg_file_list files;
	struct tp_err err;
	char *cmd, *out, path[512];
	FILE *f;

	stage(&files);
	snprintf(path, sizeof(path), "%s%s/%s", root, STAGE,
		 files.items[0].filename);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputc('x', f);
	fclose(f);
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, files.items, files.n, &err), 0);
	cr_assert_neq(step(&out, cmd), 0);
	cr_assert_eq(mismatches(new_pins, 4, out), 4, "%s", out);
	cr_assert_eq(mismatches(old_pins, 4, out), 0, "%s", out);
	free(out);
	expect_installed(old_pins, 4);
	tp_pkg_file_list_release(&files);
}

Test(pkg_ops, rollback_restores_the_exact_previous_versions)
{
	struct tp_pkg_file_list staged, kept;
	struct tp_cmd_result r;
	struct tp_err err;
	char *cmd, *out, *s;

	stage(&staged);
	drop_oldgone();
	keep(&kept);
	cr_assert_eq(kept.items[2].how, TP_PKG_FILE_REBUILT);
	cr_assert_eq(R->apply_cmd(&cmd, STAGE, staged.items, staged.n, &err),
		     0);
	cr_assert_eq(step(&out, cmd), 0);
	free(out);
	expect_installed(new_pins, 4);
	cr_assert_eq(in_root(&r, "tp-service-check"), 1);
	tp_cmd_result_release(&r);

	cr_assert_eq(R->rollback_cmd(&cmd, KEEP, kept.items, kept.n, NULL, 0,
				     &err),
		     0);
	cr_assert_eq(step(&out, cmd), 0);
	cr_assert_eq(mismatches(old_pins, 4, out), 0, "%s", out);
	free(out);
	expect_installed(old_pins, 4);
	/* the old files are back, and dpkg agrees they are intact */
	s = must("tp-service-check && cat /usr/share/doc/tp-oldgone/README "
		 "/usr/lib/tp-foo/version && dpkg --verify tp-oldgone "
		 "tp-libfoo tp-service tp-reboot");
	cr_assert_str_eq(s, "tp-service 1.0-1: ok\n"
			    "tp-oldgone 1.0-1: tidepatch test package\n"
			    "1.0-1\n");
	free(s);
	tp_pkg_file_list_release(&staged);
	tp_pkg_file_list_release(&kept);
}
