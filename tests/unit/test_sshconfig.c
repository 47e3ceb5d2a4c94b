/*
 * test_sshconfig.c - the ssh_config(5) subset: OpenSSH's first-value
 * rule, Host patterns with negation, expansions, and bad lines.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/sshconfig.h"

static struct tp_sshcfg *parse(const char *text)
{
	struct tp_sshcfg *cfg = NULL;
	struct tp_err err;

	cr_assert_eq(tp_sshcfg_parse(&cfg, "cfg", text, strlen(text), &err), 0,
		     "%s", err.msg);
	return cfg;
}

static const char sample[] =
	"# a typical user config\n"
	"Host bastion\n"
	"    HostName 192.0.2.10\n"
	"    User admin\n"
	"\n"
	"Host web* !web3\n"
	"    HostName %h.example.org\n"
	"    Port 2222\n"
	"    IdentityFile ~/.ssh/deploy_ed25519\n"
	"    ProxyJump bastion\n"
	"\n"
	"Host *\n"
	"    User ops\n"
	"    Port=22\n"
	"    IdentityFile ~/.ssh/id_ed25519\n"
	"    UserKnownHostsFile \"~/.ssh/known_hosts\" ~/.ssh/known_hosts2\n"
	"    StrictHostKeyChecking Accept-New\n"
	"    ConnectTimeout 7\n"
	"    ServerAliveInterval 30\n";

Test(sshconfig, first_obtained_value_wins_across_blocks)
{
	struct tp_sshcfg *cfg = parse(sample);
	struct tp_sshcfg_host h;
	struct tp_err err;

	setenv("HOME", "/home/u", 1);
	cr_assert_eq(tp_sshcfg_lookup(cfg, "web1", &h, &err), 0);
	cr_assert_str_eq(h.hostname, "web1.example.org");
	cr_assert_eq(h.port, 2222);
	cr_assert_str_eq(h.identity, "/home/u/.ssh/deploy_ed25519");
	cr_assert_str_eq(h.proxyjump, "bastion");
	cr_assert_str_eq(h.user, "ops");
	cr_assert_str_eq(h.user_known_hosts, "/home/u/.ssh/known_hosts");
	cr_assert_str_eq(h.strict, "accept-new");
	cr_assert_eq(h.connect_timeout, 7);
	tp_sshcfg_host_release(&h);
	tp_sshcfg_free(cfg);
}

Test(sshconfig, negated_pattern_excludes_the_block)
{
	struct tp_sshcfg *cfg = parse(sample);
	struct tp_sshcfg_host h;
	struct tp_err err;

	cr_assert_eq(tp_sshcfg_lookup(cfg, "web3", &h, &err), 0);
	cr_assert_null(h.hostname);
	cr_assert_eq(h.port, 22);
	cr_assert_null(h.proxyjump);
	tp_sshcfg_host_release(&h);
	cr_assert_eq(tp_sshcfg_lookup(cfg, "bastion", &h, &err), 0);
	cr_assert_str_eq(h.hostname, "192.0.2.10");
	cr_assert_str_eq(h.user, "admin");
	tp_sshcfg_host_release(&h);
	tp_sshcfg_free(cfg);
}

Test(sshconfig, match_and_include_are_skipped_and_counted)
{
	struct tp_sshcfg *cfg = parse("Include ~/.ssh/conf.d/*\n"
				      "Match host foo exec \"true\"\n"
				      "    User matched\n"
				      "Host *\n    User plain\n");
	struct tp_sshcfg_host h;
	struct tp_err err;

	cr_assert_eq(tp_sshcfg_skipped(cfg), 3);
	cr_assert_eq(tp_sshcfg_lookup(cfg, "foo", &h, &err), 0);
	cr_assert_str_eq(h.user, "plain");
	tp_sshcfg_host_release(&h);
	tp_sshcfg_free(cfg);
}

Test(sshconfig, bad_lines_name_file_and_line)
{
	struct tp_sshcfg *cfg = NULL;
	struct tp_err err;

	cr_assert_eq(tp_sshcfg_parse(&cfg, "cfg", "Host a\nPort\n", 12, &err),
		     TP_EPARSE);
	cr_assert_str_eq(err.msg, "cfg:2: expected 'Keyword value'");
	cr_assert_eq(tp_sshcfg_parse(&cfg, "cfg", "Port 99999\n", 11, &err),
		     TP_EPARSE);
	cr_assert(strstr(err.msg, "cfg:1: Port: bad number"), "%s", err.msg);
	cr_assert_eq(tp_sshcfg_parse(&cfg, "cfg", "User \"open\n", 11, &err),
		     TP_EPARSE);
	cr_assert_null(cfg);
}

Test(sshconfig, missing_file_is_an_empty_config)
{
	struct tp_sshcfg *cfg = NULL;
	struct tp_sshcfg_host h;
	struct tp_err err;

	cr_assert_eq(tp_sshcfg_load(&cfg, "/nonexistent/ssh_config", &err), 0);
	cr_assert_eq(tp_sshcfg_lookup(cfg, "x", &h, &err), 0);
	cr_assert_null(h.user);
	cr_assert_eq(h.port, 0);
	tp_sshcfg_free(cfg);
}
