/*
 * test_osinfo.c - os-release parsing, OSV ecosystems, package managers.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "tidepatch/osinfo.h"

static void parse_fixture(struct tp_osinfo *os, const char *name)
{
	struct tp_err err;
	size_t len;
	char *data = tp_test_fixture(name, &len);

	cr_assert_eq(tp_osinfo_parse(os, data, len, &err), 0, "%s: %s", name,
		     err.msg);
	free(data);
}

static int parse_str(struct tp_osinfo *os, const char *s, struct tp_err *err)
{
	return tp_osinfo_parse(os, s, strlen(s), err);
}

Test(osinfo, debian_12_is_apt_with_ecosystem_debian_12)
{
	struct tp_osinfo os;

	parse_fixture(&os, "os-release/debian-12");
	cr_assert_str_eq(os.id, "debian");
	cr_assert_str_eq(os.version_id, "12");
	cr_assert_str_eq(os.codename, "bookworm");
	cr_assert_str_eq(os.ecosystem, "Debian:12");
	cr_assert_str_eq(os.pkg_manager, "apt");
	cr_assert_str_eq(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
	tp_osinfo_release(&os);
}

Test(osinfo, ubuntu_lts_gets_lts_suffix)
{
	struct tp_osinfo os;

	parse_fixture(&os, "os-release/ubuntu-22.04");
	cr_assert_str_eq(os.ecosystem, "Ubuntu:22.04:LTS");
	cr_assert_str_eq(os.codename, "jammy");
	cr_assert_str_eq(os.pkg_manager, "apt");
	tp_osinfo_release(&os);
}

Test(osinfo, ubuntu_interim_release_has_no_lts_suffix)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=ubuntu\nVERSION_ID=\"23.10\"\n"
				    "VERSION=\"23.10 (Mantic Minotaur)\"\n"
				    "UBUNTU_CODENAME=mantic\n", &err), 0);
	cr_assert_str_eq(os.ecosystem, "Ubuntu:23.10");
	cr_assert_str_eq(os.codename, "mantic");
	tp_osinfo_release(&os);
}

Test(osinfo, almalinux_uses_major_version_and_dnf)
{
	struct tp_osinfo os;

	parse_fixture(&os, "os-release/almalinux-9.3");
	cr_assert_str_eq(os.ecosystem, "AlmaLinux:9");
	cr_assert_str_eq(os.pkg_manager, "dnf");
	cr_assert_str_eq(os.id_like, "rhel centos fedora");
	tp_osinfo_release(&os);
}

Test(osinfo, alpine_uses_v_major_minor_and_apk)
{
	struct tp_osinfo os;

	parse_fixture(&os, "os-release/alpine-3.19");
	cr_assert_str_eq(os.ecosystem, "Alpine:v3.19");
	cr_assert_str_eq(os.pkg_manager, "apk");
	tp_osinfo_release(&os);
}

Test(osinfo, rocky_linux_ecosystem_has_a_space)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n"
				    "VERSION_ID=\"9.4\"\n", &err), 0);
	cr_assert_str_eq(os.ecosystem, "Rocky Linux:9");
	tp_osinfo_release(&os);
}

Test(osinfo, derivative_found_through_id_like)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n",
			       &err), 0);
	cr_assert_str_eq(os.pkg_manager, "apt");
	cr_assert_null(os.ecosystem);
	tp_osinfo_release(&os);
}

Test(osinfo, unknown_os_has_no_package_manager)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=haiku\n", &err), 0);
	cr_assert_null(os.pkg_manager);
	tp_osinfo_release(&os);
}

Test(osinfo, missing_id_defaults_to_linux)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "# nothing\n\n", &err), 0);
	cr_assert_str_eq(os.id, "linux");
	tp_osinfo_release(&os);
}

Test(osinfo, quoting_rules_of_os_release)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=debian\nNAME='single $quoted'\n"
				    "PRETTY_NAME=\"a \\\"b\\\" \\$c \\\\d\"\n"
				    "VERSION=unquoted\\ text\n", &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(os.name, "single $quoted");
	cr_assert_str_eq(os.pretty_name, "a \"b\" $c \\d");
	cr_assert_str_eq(os.version, "unquoted text");
	tp_osinfo_release(&os);
}

Test(osinfo, rejects_unterminated_quote_with_line)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=debian\nNAME=\"open\n", &err),
		     TP_EPARSE);
	cr_assert(strstr(err.msg, "line 2"), "%s", err.msg);
	cr_assert_null(os.id);
}

Test(osinfo, rejects_expansion_and_shell_syntax)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=\"$(reboot)\"\n", &err), TP_EPARSE);
	cr_assert_eq(parse_str(&os, "ID=`reboot`\n", &err), TP_EPARSE);
	cr_assert_eq(parse_str(&os, "ID=a;reboot\n", &err), TP_EPARSE);
	cr_assert_eq(parse_str(&os, "ID=a b\n", &err), TP_EPARSE);
}

Test(osinfo, rejects_lines_that_are_not_assignments)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=debian\n<html>\n", &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "line 2"), "%s", err.msg);
	cr_assert_eq(parse_str(&os, "lower=case\n", &err), TP_EPARSE);
	cr_assert_eq(parse_str(&os, "ID\n", &err), TP_EPARSE);
}

Test(osinfo, rejects_control_characters)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=deb\033[31mian\n", &err), TP_EPARSE);
	cr_assert_eq(tp_osinfo_parse(&os, "ID=a\0b\n", 7, &err), TP_EPARSE);
}

Test(osinfo, size_limit_is_exact)
{
	struct tp_osinfo os;
	struct tp_err err;
	char *big = malloc(TP_OSRELEASE_MAX + 2);

	cr_assert_not_null(big);
	memset(big, '#', TP_OSRELEASE_MAX + 1);
	big[TP_OSRELEASE_MAX + 1] = '\0';
	cr_assert_eq(tp_osinfo_parse(&os, big, TP_OSRELEASE_MAX, &err), 0);
	tp_osinfo_release(&os);
	cr_assert_eq(tp_osinfo_parse(&os, big, TP_OSRELEASE_MAX + 1, &err),
		     TP_ETOOBIG);
	free(big);
}

Test(osinfo, later_assignment_wins)
{
	struct tp_osinfo os;
	struct tp_err err;

	cr_assert_eq(parse_str(&os, "ID=a\nID=debian\nVERSION_ID=12\n", &err), 0);
	cr_assert_str_eq(os.ecosystem, "Debian:12");
	tp_osinfo_release(&os);
}
