/*
 * test_checks.c - pre-check and verify scripts: built from a playbook,
 * run for real by this machine's /bin/sh, and parsed back; and the
 * parser against forged, missing and reordered reports.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tidepatch/checks.h"
#include "tidepatch/playbook.h"

static struct tp_playbook *load(const char *json)
{
	struct tp_playbook *pb = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };

	tp_inv_problems_init(&pr);
	cr_assert_eq(tp_playbook_load_buffer(&pb, "t.json", json, strlen(json),
					     &pr, &err), 0, "%s", err.msg);
	tp_inv_problems_release(&pr);
	return pb;
}

/* Run script with /bin/sh here; its stdout into *out (caller frees). */
static void run(const struct tp_buf *script, char **out, size_t *len)
{
	char path[] = "/tmp/tp-checks-XXXXXX";
	char cmd[128];
	int fd = mkstemp(path);
	FILE *p;
	size_t cap = 1 << 16;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, script->data, script->len), (ssize_t)script->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "/bin/sh %s", path);
	p = popen(cmd, "r");
	*out = calloc(1, cap);
	*len = fread(*out, 1, cap - 1, p);
	pclose(p);
	unlink(path);
}

static void check_run(const struct tp_playbook *pb, enum tp_check_set set,
		      struct tp_check_list *l)
{
	struct tp_buf b;
	struct tp_err err = { 0 };
	char *out;
	size_t len;

	tp_buf_init(&b, 1 << 20);
	cr_assert_eq(tp_checks_script(&b, pb, set, &err), 0, "%s", err.msg);
	run(&b, &out, &len);
	cr_assert_eq(tp_checks_parse(l, pb, set, out, len, &err), 0,
		     "%s\n%s", err.msg, out);
	free(out);
	tp_buf_release(&b);
}

Test(checks, prechecks_run_for_real_and_report_each_check)
{
	struct tp_playbook *pb = load(
		"{\"targets\": [\"all\"], \"prechecks\": {"
		" \"min_free_mb\": {\"/\": 1, \"/tmp\": 999999999},"
		" \"services\": [\"tp-no-such-service\"],"
		" \"commands\": [\"echo ')' unbalanced \\\"quote\", \"true\","
		"  \"echo it broke; exit 3\"]}}");
	struct tp_check_list l;
	size_t first = 99;

	cr_assert_eq(tp_checks_count(pb, TP_CHECKS_PRE), 6);
	check_run(pb, TP_CHECKS_PRE, &l);
	cr_assert_eq(l.n, 6);
	cr_assert(l.items[0].ok, "%s", l.items[0].detail);
	cr_assert_str_eq(l.items[0].what, "free space on /");
	cr_assert_not(l.items[1].ok);
	cr_assert(strstr(l.items[1].detail, "999999999 needed"), "%s",
		  l.items[1].detail);
	cr_assert_not(l.items[2].ok);
	/* a command's own broken quoting fails that command only */
	cr_assert_not(l.items[3].ok);
	cr_assert(strstr(l.items[3].detail, "exit 2: "), "%s", l.items[3].detail);
	cr_assert(l.items[4].ok, "%s", l.items[4].detail);
	cr_assert_not(l.items[5].ok);
	cr_assert_str_eq(l.items[5].detail, "exit 3: it broke");
	cr_assert_not(tp_checks_passed(&l, &first));
	cr_assert_eq(first, 1);
	tp_check_list_release(&l);
	tp_playbook_free(pb);
}

Test(checks, a_listening_port_passes_and_a_closed_one_fails)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char json[256];
	struct tp_playbook *pb;
	struct tp_check_list l;

	sin.sin_addr.s_addr = htonl(0x7f000001);
	cr_assert_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(s, 1), 0);
	getsockname(s, (struct sockaddr *)&sin, &sl);
	snprintf(json, sizeof(json), "{\"targets\": [\"all\"], \"verify\": "
		 "{\"ports\": [%d, 1], \"commands\": [\"true\"]}}",
		 ntohs(sin.sin_port));
	pb = load(json);
	check_run(pb, TP_CHECKS_VERIFY, &l);
	cr_assert_eq(l.n, 3);
	cr_assert(l.items[0].ok, "%s", l.items[0].detail);
	cr_assert_not(l.items[1].ok);
	cr_assert_str_eq(l.items[1].detail, "nothing listens on TCP port 1");
	cr_assert(l.items[2].ok);
	tp_check_list_release(&l);
	tp_playbook_free(pb);
	close(s);
}

Test(checks, reports_that_are_missing_forged_or_reordered_are_errors)
{
	struct tp_playbook *pb = load("{\"targets\": [\"all\"], \"verify\": "
				      "{\"commands\": [\"a\", \"b\"]}}");
	struct tp_check_list l;
	struct tp_err err = { 0 };
	static const char *const bad[] = {
		"tp-check 0 ok\n",				/* one missing */
		"tp-check 1 ok\ntp-check 0 ok\n",		/* reordered */
		"tp-check 0 ok\ntp-check 0 ok\n",		/* repeated */
		"tp-check 0 ok\ntp-check 1 ok\ntp-check 2 ok\n", /* extra */
		"tp-check 0 okay\ntp-check 1 ok\n",		/* no verdict */
		"hello\ntp-check 0 ok\ntp-check 1 ok\n",	/* stray line */
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tp_checks_parse(&l, pb, TP_CHECKS_VERIFY, bad[i],
					     strlen(bad[i]), &err), TP_EPARSE,
			     "accepted: %s", bad[i]);
	cr_assert_eq(tp_checks_parse(&l, pb, TP_CHECKS_VERIFY,
				     "tp-check 0 ok\0\ntp-check 1 ok\n", 28, &err),
		     TP_EPARSE);
	{
		const char *esc = "tp-check 0 ok fine\ntp-check 1 fail \x1b[2Jx";

		cr_assert_eq(tp_checks_parse(&l, pb, TP_CHECKS_VERIFY, esc,
					     strlen(esc), &err), 0, "%s", err.msg);
	}
	cr_assert_str_eq(l.items[1].detail, "?[2Jx");
	tp_check_list_release(&l);
	tp_playbook_free(pb);
}

Test(checks, no_checks_means_no_script)
{
	struct tp_playbook *pb = load("{\"targets\": [\"all\"], "
				      "\"prechecks\": {\"min_free_mb\": {}}}");
	struct tp_buf b;
	struct tp_err err = { 0 };

	tp_buf_init(&b, 1024);
	cr_assert_eq(tp_checks_count(pb, TP_CHECKS_PRE), 0);
	cr_assert_eq(tp_checks_script(&b, pb, TP_CHECKS_PRE, &err), 0);
	cr_assert_eq(b.len, 0);
	tp_buf_release(&b);
	tp_playbook_free(pb);
}
