/*
 * test_transport.c - the local transport: exit status, capture, locale,
 * deadlines, output caps and chroot errors, with real processes.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tidepatch/transport.h"

static struct tp_transport *open_local(void)
{
	struct tp_transport *t = NULL;
	struct tp_err err;

	cr_assert_eq(tp_transport_local_open(&t, NULL, &err), 0, "%s", err.msg);
	return t;
}

static double elapsed_s(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
	       (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

Test(transport_local, captures_stdout_stderr_and_exit_status)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_err err;

	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "echo out; echo err >&2; exit 3",
				      NULL, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.exit_status, 3);
	cr_assert_str_eq(r.out.data, "out\n");
	cr_assert_str_eq(r.errout.data, "err\n");
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, runs_in_the_c_locale_with_empty_stdin)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_err err;

	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "echo \"$LC_ALL\"; cat", NULL, &r,
				      &err), 0);
	cr_assert_str_eq(r.out.data, "C\n");
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, reports_the_killing_signal)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_err err;

	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "kill -TERM $$", NULL, &r, &err), 0);
	cr_assert_eq(r.exit_status, -1);
	cr_assert_eq(r.term_signal, SIGTERM);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, deadline_kills_the_whole_process_group)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_run_opts o;
	struct tp_err err;
	struct timespec start;

	tp_run_opts_init(&o);
	o.timeout_ms = 300;
	tp_cmd_result_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* the grandchild holds stdout open: killing only sh would hang */
	cr_assert_eq(tp_transport_run(t, "sleep 30 & echo started; wait", &o,
				      &r, &err), TP_ETIMEOUT);
	cr_assert(elapsed_s(&start) < 10.0);
	cr_assert_str_eq(r.out.data, "started\n");
	cr_assert(strstr(err.msg, "timed out"), "%s", err.msg);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, child_that_closes_its_pipes_still_meets_the_deadline)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_run_opts o;
	struct tp_err err;

	tp_run_opts_init(&o);
	o.timeout_ms = 300;
	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "exec >&- 2>&-; sleep 30", &o, &r,
				      &err), TP_ETIMEOUT);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, stdout_exactly_at_cap_is_accepted)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_run_opts o;
	struct tp_err err;

	tp_run_opts_init(&o);
	o.out_max = 100000;
	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "head -c 100000 /dev/zero", &o, &r,
				      &err), 0, "%s", err.msg);
	cr_assert_eq(r.out.len, 100000);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, stdout_past_cap_fails_and_stops_the_flood)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_run_opts o;
	struct tp_err err;
	struct timespec start;

	tp_run_opts_init(&o);
	o.out_max = 100000;
	tp_cmd_result_init(&r);
	clock_gettime(CLOCK_MONOTONIC, &start);
	cr_assert_eq(tp_transport_run(t, "head -c 100001 /dev/zero", &o, &r,
				      &err), TP_ETOOBIG);
	cr_assert_eq(tp_transport_run(t, "yes", &o, &r, &err), TP_ETOOBIG);
	cr_assert(elapsed_s(&start) < 10.0);
	cr_assert_leq(r.out.len, 100000);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, stderr_past_cap_is_cut_not_fatal)
{
	struct tp_transport *t = open_local();
	struct tp_cmd_result r;
	struct tp_run_opts o;
	struct tp_err err;

	tp_run_opts_init(&o);
	o.err_max = 10;
	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "echo 0123456789abcdef >&2; echo ok",
				      &o, &r, &err), 0);
	cr_assert_eq(r.errout.len, 10);
	cr_assert(r.errout_truncated);
	cr_assert_str_eq(r.out.data, "ok\n");
	tp_cmd_result_release(&r);
	tp_transport_free(t);
}

Test(transport_local, root_that_does_not_exist_is_not_found)
{
	struct tp_transport *t = NULL;
	struct tp_err err;

	cr_assert_eq(tp_transport_local_open(&t, "/nonexistent/tp-root", &err),
		     TP_ENOTFOUND);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "/nonexistent/tp-root"), "%s", err.msg);
}

Test(transport_local, root_that_is_a_file_is_invalid)
{
	struct tp_transport *t = NULL;
	struct tp_err err;

	cr_assert_eq(tp_transport_local_open(&t, "/etc/os-release", &err),
		     TP_EINVAL);
}

Test(transport_local, chroot_without_a_shell_says_so)
{
	struct tp_transport *t = NULL;
	struct tp_cmd_result r;
	struct tp_err err;
	char dir[] = "/tmp/tp-empty-root-XXXXXX";

	if (geteuid() != 0) {
		cr_assert_eq(tp_transport_local_open(&t, "/tmp", &err), TP_ESYS);
		return;
	}
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(tp_transport_local_open(&t, dir, &err), 0);
	tp_cmd_result_init(&r);
	cr_assert_eq(tp_transport_run(t, "true", NULL, &r, &err), TP_ESYS);
	cr_assert(strstr(err.msg, "/bin/sh"), "%s", err.msg);
	tp_cmd_result_release(&r);
	tp_transport_free(t);
	rmdir(dir);
}
