/*
 * test_scan_refresh.c - `scan --refresh` runs apt-get update before
 * looking, and a refresh that cannot reach its repository fails the host
 * at the refresh stage instead of scanning stale lists.
 *
 * The overlay's sources are replaced by a flat file: repository, so the
 * test never leaves this machine. The repository offers debconf 99.0, a
 * version no Debian mirror has: it can only be seen after a refresh.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"

static char root[128];

static void up(void)
{
	e2e_overlay_up(root, sizeof(root));
}

static void down(void)
{
	e2e_overlay_down();
}

TestSuite(scan_refresh, .init = up, .fini = down, .timeout = 300);

static void write_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* Point apt at file:/srv/repo only (and at nothing on the network). */
static void use_local_repo(const char *uri)
{
	char sources[256], path[512];

	snprintf(path, sizeof(path), "%s/etc/apt/sources.list.d/debian.sources",
		 root);
	cr_assert_eq(unlink(path), 0);
	snprintf(sources, sizeof(sources), "deb [trusted=yes] %s ./\n", uri);
	write_file("/etc/apt/sources.list.d/local.list", sources);
}

static json_t *scan(const char *const *argv, int want_exit)
{
	struct tp_cmd_result r;
	json_t *doc;

	cr_assert_eq(e2e_tidepatch(&r, NULL, argv), want_exit, "exit %d: %s",
		     r.exit_status, r.errout.data);
	doc = e2e_json(r.out.data);
	tp_cmd_result_release(&r);
	return doc;
}

static json_t *host_of(json_t *doc)
{
	return json_array_get(json_object_get(doc, "hosts"), 0);
}

static json_t *update_named(json_t *host, const char *name)
{
	json_t *u;
	size_t i;

	json_array_foreach(json_object_get(host, "updates"), i, u)
		if (!strcmp(json_string_value(json_object_get(u, "name")), name))
			return u;
	return NULL;
}

Test(scan_refresh, refresh_makes_new_repository_contents_visible)
{
	char dir[256];
	json_t *before, *after, *u;

	snprintf(dir, sizeof(dir), "%s/srv/repo", root);
	cr_assert_eq(mkdir(dir, 0755), 0);
	write_file("/srv/repo/Packages",
		   "Package: debconf\n"
		   "Version: 99.0\n"
		   "Architecture: all\n"
		   "Maintainer: tidepatch tests <tests@tidepatch.invalid>\n"
		   "Priority: optional\n"
		   "Filename: ./debconf_99.0_all.deb\n"
		   "Size: 1000\n"
		   "SHA256: 0000000000000000000000000000000000000000000000000000000000000000\n"
		   "Description: tidepatch refresh test\n\n");
	use_local_repo("file:/srv/repo");

	before = scan((const char *[]){ "scan", "--root", root, "--format=json",
					NULL }, 0);
	cr_assert_null(update_named(host_of(before), "debconf"),
		       "debconf 99.0 visible before any refresh");

	after = scan((const char *[]){ "scan", "--root", root, "--refresh",
				       "--format=json", NULL }, 0);
	u = update_named(host_of(after), "debconf");
	cr_assert_not_null(u, "debconf 99.0 not found after --refresh");
	cr_assert_str_eq(json_string_value(json_object_get(u, "candidate")),
			 "99.0");
	cr_assert(json_is_false(json_object_get(u, "security")));
	cr_assert_str_eq(json_string_value(json_object_get(u, "source")),
			 "debconf");
	json_decref(before);
	json_decref(after);
}

Test(scan_refresh, unreachable_repository_fails_at_the_refresh_stage)
{
	json_t *doc, *err;

	use_local_repo("file:/nonexistent/repo");
	doc = scan((const char *[]){ "scan", "--root", root, "--refresh",
				     "--format=json", NULL }, 69);
	err = json_object_get(host_of(doc), "error");
	cr_assert_str_eq(json_string_value(json_object_get(err, "stage")),
			 "refresh");
	cr_assert_str_eq(json_string_value(json_object_get(err, "code")),
			 "command_failed");
	json_decref(doc);
}
