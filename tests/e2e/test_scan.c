/*
 * test_scan.c - `tidepatch scan` against real systems: this machine and
 * the debootstrapped bookworm image (tests/fleet/base-image.sh), whose
 * sources include bookworm-security and so has real pending security
 * updates. The expected answers come from apt-get and dpkg-query run by
 * the test itself at the same moment.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "tidepatch/quote.h"

#define MAX_INST 8192

static struct e2e_inst expect[MAX_INST];

/* Quote a path for the test's own shell commands. */
static char *q(const char *s)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 8192);
	cr_assert_eq(tp_shell_quote(&b, s, &err), 0);
	return tp_buf_detach(&b);
}

static json_t *find_update(json_t *updates, const char *name, const char *arch)
{
	size_t i;
	json_t *u;

	json_array_foreach(updates, i, u) {
		if (!strcmp(json_string_value(json_object_get(u, "name")), name) &&
		    !strcmp(json_string_value(json_object_get(u, "arch")), arch))
			return u;
	}
	return NULL;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/*
 * The heart of the check: every Inst line apt-get printed is in the
 * report with the same versions, arch and security classification, and
 * the report has nothing else.
 */
static size_t assert_updates_match_apt(json_t *host, const char *apt_cmd)
{
	struct tp_cmd_result apt;
	json_t *updates = json_object_get(host, "updates");
	size_t n, i, nsec = 0;

	e2e_sh(&apt, apt_cmd);
	cr_assert_eq(apt.exit_status, 0, "%s: %s", apt_cmd, apt.errout.data);
	n = e2e_parse_inst(apt.out.data, expect, MAX_INST);
	cr_assert_leq(n, MAX_INST);
	cr_assert(json_is_array(updates));
	cr_assert_eq(json_array_size(updates), n,
		     "report has %zu updates, apt-get -s shows %zu",
		     json_array_size(updates), n);
	for (i = 0; i < n; i++) {
		json_t *u = find_update(updates, expect[i].name, expect[i].arch);

		cr_assert_not_null(u, "%s:%s missing from the report",
				   expect[i].name, expect[i].arch);
		cr_assert_str_eq(str(u, "candidate"), expect[i].candidate,
				 "%s", expect[i].name);
		cr_assert_str_eq(str(u, "installed"), expect[i].installed,
				 "%s", expect[i].name);
		cr_assert_eq(json_is_true(json_object_get(u, "security")),
			     expect[i].security, "%s security flag",
			     expect[i].name);
		nsec += expect[i].security;
		if (expect[i].installed[0])
			cr_assert(*str(u, "source"), "%s has no source package",
				  expect[i].name);
	}
	cr_assert_eq(json_integer_value(json_object_get(host, "security_count")),
		     (json_int_t)nsec);
	cr_assert_eq(json_integer_value(json_object_get(host, "update_count")),
		     (json_int_t)n);
	tp_cmd_result_release(&apt);
	return nsec;
}

static void assert_installed_count(json_t *host, const char *dpkg_cmd)
{
	struct tp_cmd_result d;

	e2e_sh(&d, dpkg_cmd);
	cr_assert_eq(d.exit_status, 0);
	cr_assert_eq(json_integer_value(json_object_get(host, "installed_count")),
		     strtoll(d.out.data, NULL, 10),
		     "installed_count differs from dpkg-query");
	tp_cmd_result_release(&d);
}

static json_t *scan_json(const char *root)
{
	struct tp_cmd_result r;
	json_t *doc, *hosts;
	int rc;

	if (root)
		rc = e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "--root", root, "--format", "json", NULL });
	else
		rc = e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "--format", "json", NULL });
	cr_assert_eq(rc, 0, "scan failed: %s", r.errout.data);
	doc = e2e_json(r.out.data);
	cr_assert_str_eq(str(doc, "schema"), "tidepatch.scan/1");
	hosts = json_object_get(doc, "hosts");
	cr_assert_eq(json_array_size(hosts), 1);
	cr_assert_str_eq(str(json_array_get(hosts, 0), "status"), "ok");
	tp_cmd_result_release(&r);
	return doc;
}

Test(scan_local, updates_match_apt_get_simulation, .timeout = 600)
{
	json_t *doc = scan_json(NULL);
	json_t *host = json_array_get(json_object_get(doc, "hosts"), 0);
	json_t *os = json_object_get(host, "os");
	struct tp_cmd_result u;

	cr_assert_str_eq(str(os, "ecosystem"), "Debian:12");
	cr_assert_str_eq(str(host, "backend"), "apt");
	assert_updates_match_apt(host, "LC_ALL=C apt-get -s -o Debug::NoLocking=1 dist-upgrade");
	assert_installed_count(host,
			       "dpkg-query -W -f='${db:Status-Abbrev}\\n' | grep -c '^.i'");
	e2e_sh(&u, "uname -r");
	u.out.data[strcspn(u.out.data, "\n")] = '\0';
	cr_assert_str_eq(str(json_object_get(host, "kernel"), "running"),
			 u.out.data);
	cr_assert(json_is_boolean(json_object_get(host, "reboot_required")));
	tp_cmd_result_release(&u);
	json_decref(doc);
}

Test(scan_chroot, updates_match_apt_get_inside_the_image, .timeout = 600)
{
	const char *img = e2e_base_image();
	char *qi = q(img);
	char cmd[8192];
	json_t *doc = scan_json(img);
	json_t *host = json_array_get(json_object_get(doc, "hosts"), 0);
	size_t nsec;

	cr_assert_str_eq(str(json_object_get(host, "os"), "codename"), "bookworm");
	snprintf(cmd, sizeof(cmd),
		 "LC_ALL=C chroot %s apt-get -s -o Debug::NoLocking=1 dist-upgrade",
		 qi);
	nsec = assert_updates_match_apt(host, cmd);
	/* bookworm-security carries fixes newer than the bookworm release */
	cr_assert_gt(nsec, 0, "the image shows no pending security update");
	snprintf(cmd, sizeof(cmd),
		 "chroot %s dpkg-query -W -f='${db:Status-Abbrev}\\n' | grep -c '^.i'",
		 qi);
	assert_installed_count(host, cmd);
	free(qi);
	json_decref(doc);
}

Test(scan_local, table_is_plain_without_a_tty_and_coloured_on_request,
     .timeout = 600)
{
	struct tp_cmd_result r;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){ "scan", NULL }), 0,
		     "%s", r.errout.data);
	cr_assert(strstr(r.out.data, "  updates    "), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "[Debian:12, apt]"), "%s", r.out.data);
	cr_assert_null(strchr(r.out.data, '\033'));
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"--color=always", "scan", NULL }), 0);
	cr_assert_not_null(strchr(r.out.data, '\033'));
	cr_assert_eq(e2e_tidepatch(&r, "NO_COLOR=1", (const char *[]){
			"--color=auto", "scan", NULL }), 0);
	cr_assert_null(strchr(r.out.data, '\033'));
	tp_cmd_result_release(&r);
}

Test(scan_local, output_file_gets_the_report_and_stdout_stays_empty,
     .timeout = 600)
{
	struct tp_cmd_result r, c;
	char path[] = "/tmp/tp-scan-XXXXXX";
	char cmd[128];
	json_t *doc;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "--format=json", "-o", path, NULL }), 0);
	cr_assert_eq(r.out.len, 0);
	snprintf(cmd, sizeof(cmd), "cat %s", path);
	e2e_sh(&c, cmd);
	doc = e2e_json(c.out.data);
	cr_assert_str_eq(str(doc, "schema"), "tidepatch.scan/1");
	json_decref(doc);
	unlink(path);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&c);
}

Test(scan_local, unwritable_output_is_an_io_error, .timeout = 600)
{
	struct tp_cmd_result r;

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"scan", "-o", "/nonexistent/dir/report", NULL }), 74);
	cr_assert(strstr(r.errout.data, "/nonexistent/dir/report"));
	tp_cmd_result_release(&r);
}


/*
 * -o replaces regular files atomically, but must write devices, FIFOs
 * and symlinks in place: renaming onto /dev/null once turned this
 * machine's /dev/null into a plain file. Tested on a private device
 * node, never the real one.
 */
Test(scan_local, output_to_a_device_fifo_or_symlink_is_written_in_place,
     .timeout = 600)
{
	struct tp_cmd_result r, c;
	char dir[] = "/tmp/tp-out-XXXXXX";
	char cmd[1024];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mknod -m 666 null c 1 3; mkfifo fifo; "
		 "echo keep > target; ln -s target link; "
		 "(cat fifo > from-fifo &) ; "
		 "\"$TP_BIN\" scan --format json -o null; "
		 "\"$TP_BIN\" scan --format json -o fifo; "
		 "\"$TP_BIN\" scan --format json -o link; sleep 0.2; "
		 "stat -c %%F null; stat -c %%F fifo; stat -c %%F link; "
		 "head -c 40 from-fifo; echo; head -c 40 target; echo",
		 dir);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s%s", r.out.data, r.errout.data);
	cr_assert_str_eq(r.out.data,
			 "character special file\nfifo\nsymbolic link\n"
			 "{\n  \"schema\": \"tidepatch.scan/1\",\n  \"tid\n"
			 "{\n  \"schema\": \"tidepatch.scan/1\",\n  \"tid\n",
			 "%s", r.out.data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	e2e_sh(&c, cmd);
	tp_cmd_result_release(&r);
	tp_cmd_result_release(&c);
}
