/*
 * hosts.c - from host patterns to SSH targets: load the inventory,
 * select the hosts, and fill in what the inventory leaves out (user,
 * identity, known_hosts). Shared by every command that reaches hosts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tidepatch/inventory.h"
#include "tidepatch/many.h"

/*
 * The first default key that exists, as OpenSSH tries them. RSA is last:
 * with libssh2 < 1.11 it cannot sign with rsa-sha2, which OpenSSH >= 8.8
 * requires. ssh-agent: NEEDSWORK.
 */
static const char *default_identity(char *buf, size_t size)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa",
					     "id_rsa" };
	const char *home = getenv("HOME");
	struct stat st;
	size_t i;

	if (!home || !*home)
		return NULL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(buf, size, "%s/.ssh/%s", home, names[i]);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return buf;
	}
	return NULL;
}

/* Load the inventory and select hosts; prints what goes wrong. */
static int load_and_select(const struct tp_cli *cli,
			   const struct tp_cli_ssh *ss, char **patterns,
			   size_t npatterns, struct tp_inventory **inv_out,
			   size_t **idx_out, size_t *n_out)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	int rc;

	tp_inv_problems_init(&pr);
	rc = tp_inventory_load(inv_out, ss->inventory, &pr, &err);
	if (rc) {
		size_t i;

		for (i = 0; i < pr.n; i++) {
			char line[1024];

			tp_inv_problem_format(&pr.v[i], line, sizeof(line));
			fprintf(stderr, "%s\n", line);
		}
		tp_inv_problems_release(&pr);
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
		       rc == TP_ECONFIG ? TP_EXIT_CONFIG : tp_cli_exit_for(rc);
	}
	tp_inv_problems_release(&pr);
	rc = tp_inventory_select(*inv_out, (const char *const *)patterns,
				 npatterns, ss->limit, idx_out, n_out, &err);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_USAGE;
	}
	if (!*n_out) {
		tp_cli_error(cli, "the patterns select no host");
		return TP_EXIT_USAGE;
	}
	return -1;
}

int tp_cli_check_ssh(const struct tp_cli *cli, const struct tp_cli_ssh *ss)
{
	if (ss->parallel < 1 || ss->parallel > 4096) {
		tp_cli_error(cli, "--parallel must be between 1 and 4096");
		return TP_EXIT_USAGE;
	}
	if (ss->connect_timeout < 1 || ss->connect_timeout > 3600) {
		tp_cli_error(cli, "--connect-timeout must be between 1 and 3600 seconds");
		return TP_EXIT_USAGE;
	}
	return -1;
}

int tp_cli_pick_hosts(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      char **patterns, size_t npatterns,
		      struct tp_inventory **inv_out,
		      struct tp_host_spec **specs_out, size_t *n_out)
{
	static char keybuf[4096], userkh[4096];
	const char *home = getenv("HOME");
	const char *dflt_key = default_identity(keybuf, sizeof(keybuf));
	const char *user = getenv("USER");
	struct tp_host_spec *specs;
	size_t *idx = NULL, n = 0, i;
	int status;

	*inv_out = NULL;
	*specs_out = NULL;
	*n_out = 0;
	if ((status = load_and_select(cli, ss, patterns, npatterns, inv_out,
				      &idx, &n)) >= 0)
		return status;
	specs = calloc(n, sizeof(*specs));
	if (!specs) {
		free(idx);
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++) {
		const struct tp_inv_host *h = &(*inv_out)->hosts[idx[i]];
		struct tp_ssh_target *t = &specs[i].ssh;

		tp_ssh_target_init(t);
		t->name = h->name;
		t->address = h->address;
		t->port = h->port;
		t->user = h->user ? h->user : user && *user ? user : "root";
		/* as OpenSSH: the agent's keys first, else the default files */
		t->identity = h->identity ? h->identity :
			      getenv("SSH_AUTH_SOCK") ? NULL : dflt_key;
		t->known_hosts = (*inv_out)->known_hosts;
		if (home && *home) {
			snprintf(userkh, sizeof(userkh), "%s/.ssh/known_hosts",
				 home);
			t->user_known_hosts = userkh;
		}
		t->connect_timeout_ms = ss->connect_timeout * 1000;
		t->handshake_timeout_ms = ss->connect_timeout * 1000;
		t->auth_timeout_ms = ss->connect_timeout * 1000;
		t->become = ss->become == TP_BECOME_ALWAYS ||
			    (ss->become == TP_BECOME_INVENTORY && h->become);
		if (h->njump) {
			specs[i].refuse_code = TP_EUNSUPPORTED;
			specs[i].refuse_msg = "reaching a host through a jump "
					      "host (ProxyJump) is not supported yet";
		} else if (!t->identity && !getenv("SSH_AUTH_SOCK")) {
			specs[i].refuse_code = TP_EAUTH;
			specs[i].refuse_msg = "no identity: set \"identity\" in the "
					      "inventory, run ssh-agent, or create "
					      "~/.ssh/id_ed25519";
		}
	}
	free(idx);
	*specs_out = specs;
	*n_out = n;
	return -1;
}
