/*
 * test_resolve.c - many names at once with one deadline. Only numeric
 * addresses, "localhost" (from /etc/hosts) and a name under the reserved
 * .invalid TLD are used: nothing here needs or reaches a network.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "tidepatch/resolve.h"

Test(resolve, numeric_addresses_of_both_families_convert_at_once)
{
	const char *names[] = { "127.0.1.7", "::1", "fe80::1" };
	struct tp_addr a[3];
	struct tp_err err = { 0 };
	char buf[64];

	cr_assert_eq(tp_resolve_many(a, names, 3, 2222, AF_UNSPEC, 1000, &err),
		     0);
	cr_assert_eq(a[0].error, 0);
	cr_assert_eq(a[0].ss.ss_family, AF_INET);
	tp_addr_format(&a[0], buf, sizeof(buf));
	cr_assert_str_eq(buf, "127.0.1.7:2222");
	cr_assert_eq(a[1].ss.ss_family, AF_INET6);
	tp_addr_format(&a[1], buf, sizeof(buf));
	cr_assert_str_eq(buf, "[::1]:2222");
	cr_assert_eq(a[2].len, sizeof(struct sockaddr_in6));
}

Test(resolve, a_family_restriction_refuses_the_other_family)
{
	const char *names[] = { "::1" };
	struct tp_addr a[1];
	struct tp_err err = { 0 };

	cr_assert_eq(tp_resolve_many(a, names, 1, 22, AF_INET, 1000, &err), 0);
	cr_assert_neq(a[0].error, 0, "::1 must not pass as IPv4");
}

Test(resolve, names_resolve_and_bad_names_fail_alone_within_the_deadline)
{
	const char *names[] = { "localhost", "no-such-host.invalid",
				"127.0.1.1" };
	struct tp_addr a[3];
	struct tp_err err = { 0 };
	struct timespec t0, t1;
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(tp_resolve_many(a, names, 3, 22, AF_INET, 2000, &err), 0,
		     "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(a[0].error, 0, "%s", a[0].why);
	tp_addr_format(&a[0], buf, sizeof(buf));
	cr_assert_str_eq(buf, "127.0.0.1:22");
	/* .invalid never resolves: NXDOMAIN, or no answer by the deadline */
	cr_assert_neq(a[1].error, 0);
	cr_assert(a[1].why[0]);
	cr_assert_eq(a[2].error, 0, "one bad name disturbs no other");
	/* the deadline holds (generous slack: this is about a hang, not
	 * about speed) */
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 2 + 10);
}
