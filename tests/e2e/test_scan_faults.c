/*
 * test_scan_faults.c - hosts that misbehave: an unsupported OS, a missing
 * apt-get, one that prints garbage, one that hangs, one that floods.
 *
 * Each is an overlay mount over the cached bookworm image with one file
 * replaced, so the rest of the system is real. Every case must end in a
 * failed host with the right error code and stage, within its deadline,
 * and exit status 69 (the only host could not be scanned).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static char merged[128];

static void overlay_up(void)
{
	e2e_overlay_up(merged, sizeof(merged));
}

static void overlay_down(void)
{
	e2e_overlay_down();
}

TestSuite(scan_faults, .init = overlay_up, .fini = overlay_down,
	  .timeout = 300);

/* Replace path inside the overlay with an executable shell script. */
static void put_script(const char *path, const char *body)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", merged, path);
	unlink(full);
	f = fopen(full, "w");
	cr_assert_not_null(f, "%s", full);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(full, 0755), 0);
}

static json_t *failed_scan(const char *const *extra, const char *code,
			   const char *stage, double *seconds)
{
	const char *argv[16] = { "scan", "--root", merged, "--format=json" };
	struct tp_cmd_result r;
	struct timespec a, b;
	json_t *doc, *host, *err;
	size_t n = 4;

	while (extra && *extra && n < 15)
		argv[n++] = *extra++;
	argv[n] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(e2e_tidepatch(&r, NULL, argv), 69,
		     "exit %d, stderr: %s", r.exit_status, r.errout.data);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (seconds)
		*seconds = (double)(b.tv_sec - a.tv_sec) +
			   (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cr_assert(strstr(r.errout.data, "error:"), "%s", r.errout.data);
	doc = e2e_json(r.out.data);
	host = json_array_get(json_object_get(doc, "hosts"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(host, "status")),
			 "error");
	err = json_object_get(host, "error");
	cr_assert_str_eq(json_string_value(json_object_get(err, "code")), code,
			 "message: %s",
			 json_string_value(json_object_get(err, "message")));
	cr_assert_str_eq(json_string_value(json_object_get(err, "stage")), stage);
	tp_cmd_result_release(&r);
	return doc;
}

static const char *message(json_t *doc)
{
	return json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(doc, "hosts"), 0), "error"),
		"message"));
}

Test(scan_faults, unsupported_os_is_named)
{
	char path[256];
	FILE *f;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/etc/os-release", merged);
	unlink(path);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("ID=haiku\nPRETTY_NAME=\"Haiku R1\"\n", f);
	fclose(f);
	doc = failed_scan(NULL, "unsupported", "os", NULL);
	cr_assert(strstr(message(doc), "haiku"), "%s", message(doc));
	json_decref(doc);
}

Test(scan_faults, missing_apt_get_reports_the_exit_status)
{
	char path[256];
	json_t *doc;

	snprintf(path, sizeof(path), "%s/usr/bin/apt-get", merged);
	cr_assert_eq(unlink(path), 0);
	doc = failed_scan(NULL, "command_failed", "updates", NULL);
	cr_assert(strstr(message(doc), "exited 127"), "%s", message(doc));
	json_decref(doc);
}

Test(scan_faults, apt_get_failure_shows_its_stderr)
{
	json_t *doc;

	put_script("/usr/bin/apt-get",
		   "echo 'E: Could not get lock /var/lib/dpkg/lock-frontend' >&2; exit 100");
	doc = failed_scan(NULL, "command_failed", "updates", NULL);
	cr_assert(strstr(message(doc), "exited 100: E: Could not get lock"),
		  "%s", message(doc));
	json_decref(doc);
}

Test(scan_faults, garbage_from_apt_get_is_a_parse_error)
{
	json_t *doc;

	put_script("/usr/bin/apt-get",
		   "echo 'NOTE: This is only a simulation!'; "
		   "echo 'Inst libc6 [2.36 (broken'");
	doc = failed_scan(NULL, "parse", "updates", NULL);
	cr_assert(strstr(message(doc), "line 2"), "%s", message(doc));
	json_decref(doc);
}

Test(scan_faults, hung_apt_get_is_killed_at_the_deadline)
{
	const char *extra[] = { "--timeout", "2", NULL };
	double secs = 0;
	json_t *doc;

	put_script("/usr/bin/apt-get", "sleep 600");
	doc = failed_scan(extra, "timeout", "updates", &secs);
	/* 2 s deadline for this probe: never anywhere near the sleep */
	cr_assert_lt(secs, 60.0, "took %.1f s", secs);
	json_decref(doc);
}

Test(scan_faults, flood_past_the_output_cap_is_stopped)
{
	const char *extra[] = { "--max-output", "1", NULL };
	json_t *doc;

	put_script("/usr/bin/dpkg-query", "exec yes 'flood flood flood'");
	doc = failed_scan(extra, "too_big", "installed", NULL);
	json_decref(doc);
}

Test(scan_faults, interrupted_scan_leaves_no_command_behind)
{
	struct tp_cmd_result r;
	char cmd[1024];

	/* a marker argument no other process on the machine has */
	put_script("/usr/bin/apt-get", "exec sleep 598.25");
	snprintf(cmd, sizeof(cmd),
		 "\"$TP_BIN\" scan --root '%s' >/dev/null 2>&1 & pid=$!; "
		 "sleep 2; kill -TERM $pid; wait $pid; echo \"exit=$?\"; "
		 "sleep 0.5; pgrep -f 'sleep 598[.]25' >/dev/null && echo left || "
		 "echo clean", merged);
	e2e_sh(&r, cmd);
	/* 128 + SIGTERM: tidepatch died of the signal, as a shell expects */
	cr_assert_str_eq(r.out.data, "exit=143\nclean\n", "%s", r.out.data);
	tp_cmd_result_release(&r);
}
