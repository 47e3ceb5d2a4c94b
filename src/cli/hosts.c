/*
 * hosts.c - from host patterns to SSH targets: load the inventory,
 * select the hosts, and fill in what the inventory leaves out (user,
 * identity, known_hosts). Shared by every command that reaches hosts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tidepatch/inventory.h"
#include "tidepatch/many.h"
#include "tidepatch/sshconfig.h"

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
		tp_cli_print_problems(stderr, &pr, "");
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

int tp_cli_select_hosts(const struct tp_cli *cli, const char *inventory,
			const char *limit, char **patterns, size_t npatterns,
			struct tp_inventory **inv_out, size_t **idx_out,
			size_t *n_out)
{
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;

	ss.inventory = inventory;
	ss.limit = limit;
	return load_and_select(cli, &ss, patterns, npatterns, inv_out, idx_out,
			       n_out);
}

/*
 * What each spec's borrowed strings point into, stored after the specs
 * (one block): the host's ssh_config settings, and its jump chain with
 * the settings and strings the hops need.
 */
struct host_extra {
	struct tp_sshcfg_host cfg;
	struct tp_ssh_target *jumps;	/* owned, h->njumps of them */
	struct tp_sshcfg_host *hopcfg;	/* owned, one per hop */
	char **strs;			/* owned, from ProxyJump specs */
	size_t nstrs;
};

static struct host_extra *extra_of(struct tp_host_spec *specs, size_t n)
{
	return (struct host_extra *)(void *)(specs + n);
}

void tp_cli_hosts_release(struct tp_host_spec *specs, size_t n)
{
	size_t i, k;

	if (!specs)
		return;
	for (i = 0; i < n; i++) {
		struct host_extra *x = &extra_of(specs, n)[i];

		tp_sshcfg_host_release(&x->cfg);
		for (k = 0; x->hopcfg && k < specs[i].njumps; k++)
			tp_sshcfg_host_release(&x->hopcfg[k]);
		for (k = 0; k < x->nstrs; k++)
			free(x->strs[k]);
		free(x->strs);
		free(x->hopcfg);
		free(x->jumps);
	}
	free(specs);
}

/* Keep str (malloc'd, may be NULL) until the specs are released. */
static const char *keep(struct host_extra *x, char *str)
{
	if (str)
		x->strs[x->nstrs++] = str;
	return str;
}

/*
 * One hop of t's jump chain, reached as name: an inventory host if there
 * is one by that name, else what ssh_config says for the name; user and
 * port given in a spec win, and what is still unset comes from t (the
 * same key, the same known hosts, the same timeouts), as ssh -J does.
 */
static int fill_hop(struct tp_ssh_target *hop, struct tp_sshcfg_host *hc,
		    const struct tp_inventory *inv, const struct tp_sshcfg *cfg,
		    const struct tp_ssh_target *t, const char *name,
		    const char *address, int port, const char *user,
		    struct tp_err *err)
{
	const struct tp_inv_host *ih = tp_inventory_host(inv, name);
	int rc;

	if (cfg && (rc = tp_sshcfg_lookup(cfg, name, hc, err)))
		return rc;
	*hop = *t;
	hop->name = name;
	hop->become = 0;
	hop->via = NULL;
	hop->address = ih ? ih->address : address ? address :
		       hc->hostname ? hc->hostname : name;
	hop->port = port ? port : ih ? ih->port : hc->port ? hc->port : 22;
	hop->user = user ? user : ih && ih->user ? ih->user :
		    hc->user ? hc->user : t->user;
	hop->identity = ih && ih->identity ? ih->identity :
			hc->identity ? hc->identity : t->identity;
	return 0;
}

/*
 * The jump chain of host h: the inventory's (already resolved, first
 * hop first), else ssh_config's ProxyJump "a,user@b:2222". Returns 0,
 * or TP_ECONFIG for a malformed ProxyJump, TP_ENOMEM.
 */
static int build_jumps(struct tp_host_spec *spec, struct host_extra *x,
		       const struct tp_inventory *inv,
		       const struct tp_inv_host *h, const struct tp_sshcfg *cfg,
		       struct tp_err *err)
{
	const char *pj = x->cfg.proxyjump;
	size_t n = 0, k;
	char *list = NULL, *tok, *save = NULL;
	int rc = 0;

	if (h->njump)
		n = h->njump;
	else if (pj && strcmp(pj, "none"))
		for (n = 1, tok = (char *)pj; *tok; tok++)
			n += *tok == ',';
	if (!n)
		return 0;
	x->jumps = calloc(n, sizeof(*x->jumps));
	x->hopcfg = calloc(n, sizeof(*x->hopcfg));
	x->strs = calloc(2 * n, sizeof(*x->strs));
	if (!x->jumps || !x->hopcfg || !x->strs)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	spec->jumps = x->jumps;
	spec->njumps = n;
	if (h->njump) {
		for (k = 0; k < n && !rc; k++) {
			const struct tp_inv_hop *hop = &h->jump[k];

			rc = fill_hop(&x->jumps[k], &x->hopcfg[k], inv, cfg,
				      &spec->ssh,
				      hop->host ? hop->host : hop->address,
				      hop->host ? NULL : hop->address,
				      hop->host ? 0 : hop->port, hop->user, err);
		}
		return rc;
	}
	if (!(list = strdup(pj)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (k = 0, tok = strtok_r(list, ",", &save); tok && !rc;
	     k++, tok = strtok_r(NULL, ",", &save)) {
		char *u = NULL, *a = NULL;
		int port = 0, r = tp_inv_parse_hop(tok, &u, &a, &port);

		if (r) {
			rc = r == -2 ? tp_err_set(err, TP_ENOMEM, "out of memory") :
			     tp_err_set(err, TP_ECONFIG, "ProxyJump '%s' for %s: "
					"'%s' is not [user@]host[:port]", pj,
					h->name, tok);
			break;
		}
		keep(x, u);
		keep(x, a);
		/* a port in the spec wins; 22 there only means "not given" */
		rc = fill_hop(&x->jumps[k], &x->hopcfg[k], inv, cfg, &spec->ssh,
			      a, NULL, strchr(tok, ':') ? port : 0, u, err);
	}
	if (!rc && k != n)
		rc = tp_err_set(err, TP_ECONFIG, "ProxyJump '%s' for %s has an "
				"empty hop", pj, h->name);
	free(list);
	return rc;
}

/* The ssh_config to read: -F, "none", or ~/.ssh/config. */
static int load_ssh_config(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
			   struct tp_sshcfg **out)
{
	const char *home = getenv("HOME");
	char path[4096];
	struct tp_err err = { 0 };

	*out = NULL;
	if (ss->ssh_config && !strcmp(ss->ssh_config, "none"))
		return -1;
	if (ss->ssh_config)
		snprintf(path, sizeof(path), "%s", ss->ssh_config);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.ssh/config", home);
	else
		return -1;
	if (ss->ssh_config && access(path, R_OK) != 0) {
		tp_cli_error(cli, "-F %s: cannot read it", path);
		return TP_EXIT_NOINPUT;
	}
	if (tp_sshcfg_load(out, path, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		return TP_EXIT_CONFIG;
	}
	if (tp_sshcfg_skipped(*out))
		tp_cli_warn(cli, "%s: %zu lines of Match/Include blocks ignored "
			    "(not supported)", path, tp_sshcfg_skipped(*out));
	return -1;
}

int tp_cli_check_ssh(const struct tp_cli *cli, const struct tp_cli_ssh *ss)
{
	if (ss->parallel < 1 || ss->parallel > 4096) {
		tp_cli_error(cli, "--parallel must be between 1 and 4096");
		return TP_EXIT_USAGE;
	}
	if (ss->connect_timeout < 0 || ss->connect_timeout > 3600) {
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
	struct tp_sshcfg *cfg = NULL;
	size_t *idx = NULL, n = 0, i;
	int status, warned_strict = 0;

	*inv_out = NULL;
	*specs_out = NULL;
	*n_out = 0;
	if ((status = load_and_select(cli, ss, patterns, npatterns, inv_out,
				      &idx, &n)) >= 0)
		return status;
	if ((status = load_ssh_config(cli, ss, &cfg)) >= 0) {
		free(idx);
		return status;
	}
	/* one block: the specs, then each host's ssh_config settings */
	specs = calloc(n, sizeof(*specs) + sizeof(struct host_extra));
	if (!specs) {
		free(idx);
		tp_sshcfg_free(cfg);
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	for (i = 0; i < n; i++) {
		const struct tp_inv_host *h = &(*inv_out)->hosts[idx[i]];
		struct tp_ssh_target *t = &specs[i].ssh;
		struct host_extra *x = &extra_of(specs, n)[i];
		struct tp_sshcfg_host *c = &x->cfg;
		struct tp_err err = { 0 };
		int timeout;

		if (cfg && tp_sshcfg_lookup(cfg, h->name, c, &err)) {
			tp_cli_error(cli, "%s", err.msg);
			tp_cli_hosts_release(specs, n);
			tp_sshcfg_free(cfg);
			free(idx);
			return TP_EXIT_SOFTWARE;
		}
		/* the inventory wins; ssh_config fills what it leaves unset */
		tp_ssh_target_init(t);
		t->name = h->name;
		t->address = json_object_get(h->origin, "address") || !c->hostname ?
				     h->address : c->hostname;
		t->port = json_object_get(h->origin, "port") || !c->port ?
				  h->port : c->port;
		t->user = h->user ? h->user : c->user ? c->user :
			  user && *user ? user : "root";
		/* as OpenSSH: the agent's keys first, else the default files */
		t->identity = h->identity ? h->identity : c->identity ? c->identity :
			      getenv("SSH_AUTH_SOCK") ? NULL : dflt_key;
		t->known_hosts = (*inv_out)->known_hosts;
		if (c->user_known_hosts) {
			t->user_known_hosts = c->user_known_hosts;
		} else if (home && *home) {
			snprintf(userkh, sizeof(userkh), "%s/.ssh/known_hosts",
				 home);
			t->user_known_hosts = userkh;
		}
		timeout = ss->connect_timeout ? ss->connect_timeout :
			  c->connect_timeout ? c->connect_timeout : 10;
		t->connect_timeout_ms = timeout * 1000;
		t->handshake_timeout_ms = timeout * 1000;
		t->auth_timeout_ms = timeout * 1000;
		t->become = ss->become == TP_BECOME_ALWAYS ||
			    (ss->become == TP_BECOME_INVENTORY && h->become);
		if (c->strict && strcmp(c->strict, "yes") &&
		    strcmp(c->strict, "ask") && !warned_strict) {
			tp_cli_warn(cli, "StrictHostKeyChecking %s in ssh_config is "
				    "ignored: tidepatch always checks host keys "
				    "(collect them with tidepatch hostkeys scan)",
				    c->strict);
			warned_strict = 1;
		}
		if (build_jumps(&specs[i], x, *inv_out, h, cfg, &err)) {
			tp_cli_error(cli, "%s", err.msg);
			tp_cli_hosts_release(specs, n);
			tp_sshcfg_free(cfg);
			free(idx);
			return err.code == TP_ENOMEM ? TP_EXIT_SOFTWARE :
						       TP_EXIT_CONFIG;
		}
		if (!t->identity && !getenv("SSH_AUTH_SOCK")) {
			specs[i].refuse_code = TP_EAUTH;
			specs[i].refuse_msg = "no identity: set \"identity\" in the "
					      "inventory, run ssh-agent, or create "
					      "~/.ssh/id_ed25519";
		}
	}
	tp_sshcfg_free(cfg);
	free(idx);
	*specs_out = specs;
	*n_out = n;
	return -1;
}
