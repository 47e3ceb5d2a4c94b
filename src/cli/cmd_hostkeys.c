/*
 * cmd_hostkeys.c - `tidepatch hostkeys scan PATTERN... [--accept-new]`:
 * fetch the hosts' SSH keys, show them against the inventory's
 * known_hosts, and (on request) append the new ones for review and
 * commit. Changed keys are reported and never replaced.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tidepatch/hostkeys.h"
#include "tidepatch/inventory.h"

static const char *const usage[] = {
	"tidepatch hostkeys scan [-i <inventory>] [--limit <pattern>] "
	"[--accept-new] <pattern>...",
	NULL,
};

int cmd_hostkeys(struct tp_cli *cli, int argc, char **argv)
{
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	bool accept_new = false;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_FLAG, 0, "accept-new", &accept_new, NULL,
		  "append keys not yet known to the inventory's known_hosts" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_inventory *inv = NULL;
	struct tp_host_spec *specs = NULL;
	struct tp_hostkey *keys = NULL;
	struct tp_err err = { 0 };
	size_t n = 0, nk = 0, i, nnew = 0, nchanged = 0, nerr = 0, hosts_err = 0;
	int rc, nargs = 0, status;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (nargs < 2 || strcmp(argv[1], "scan")) {
		tp_cli_error(cli, "expected 'hostkeys scan <pattern>...'");
		tp_opts_usage(stderr, usage, opts);
		return TP_EXIT_USAGE;
	}
	if ((rc = tp_cli_check_ssh(cli, &ss)) >= 0)
		return rc;
	if ((status = tp_cli_pick_hosts(cli, &ss, argv + 2, (size_t)(nargs - 2),
					&inv, &specs, &n)) >= 0)
		goto out;
	if (tp_hostkeys_scan(&keys, &nk, specs, n, inv->known_hosts,
			     ss.parallel, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < nk; i++) {
		const struct tp_hostkey *k = &keys[i];

		if (k->error) {
			nerr++;
			tp_cli_error(cli, "%s: %s", k->host, k->err.msg);
			continue;
		}
		printf("%-20s %-20s %-52s %s\n", k->host, k->type,
		       k->fingerprint, tp_hostkey_state_name(k->state));
		nnew += k->state == TP_HOSTKEY_NEW;
		if (k->state == TP_HOSTKEY_CHANGED) {
			nchanged++;
			tp_cli_error(cli, "%s: %s KEY CHANGED: the host presents %s, "
				     "known_hosts has another; not replaced "
				     "(verify with the host's admin, then remove "
				     "the old line from %s)", k->host, k->type,
				     k->fingerprint, inv->known_hosts);
		}
	}
	hosts_err = nerr;
	if (nnew && accept_new) {
		size_t added = 0;

		if (tp_hostkeys_append_new(inv->known_hosts, keys, nk, &added,
					   &err)) {
			tp_cli_error(cli, "%s", err.msg);
			status = TP_EXIT_IOERR;
			goto out;
		}
		fprintf(stderr, "tidepatch: added %zu key%s to %s; review the "
			"change and commit it with the inventory\n", added,
			added == 1 ? "" : "s", inv->known_hosts);
	} else if (nnew) {
		fprintf(stderr, "tidepatch: %zu new key%s; check the fingerprints "
			"with the hosts' admins, then run again with "
			"--accept-new\n", nnew, nnew == 1 ? "" : "s");
	}
	/* hosts whose scan failed entirely, then changed keys, then fine */
	status = hosts_err == n ? TP_EXIT_UNAVAILABLE :
		 hosts_err ? TP_EXIT_PARTIAL :
		 nchanged ? TP_EXIT_FINDINGS : TP_EXIT_OK;
	if (fflush(stdout)) {
		tp_cli_error(cli, "writing output failed");
		status = TP_EXIT_IOERR;
	}
out:
	tp_hostkeys_free(keys, nk);
	tp_cli_hosts_release(specs, n);
	tp_inventory_free(inv);
	return status;
}
