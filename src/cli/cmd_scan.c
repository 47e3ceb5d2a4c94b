/*
 * cmd_scan.c - `tidepatch scan`: installed packages, pending updates,
 * reboot and kernel state, as a table or the tidepatch.scan/1 document.
 *
 * Without host patterns it scans this machine through the local
 * transport (or the tree under --root, through chroot). With patterns
 * (or -i) it scans the inventory's matching hosts over SSH, many at once.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tidepatch/inventory.h"
#include "tidepatch/report.h"
#include "tidepatch/scan.h"
#include "tidepatch/scan_many.h"

static const char *const usage[] = {
	"tidepatch scan [--refresh] [--root <dir>] [--format table|json] [-o <file>]",
	"tidepatch scan [-i <inventory>] [--limit <pattern>] [--parallel <n>] <pattern>...",
	NULL,
};

/* One summary line on stderr: how many hosts, how many failed, and why. */
static void summarise(const struct tp_cli *cli,
		      const struct tp_scan_result *res, size_t n,
		      size_t *failed_out)
{
	static const int codes[] = {
		TP_ECONNECT, TP_ETIMEOUT, TP_EHOSTKEY_UNKNOWN,
		TP_EHOSTKEY_CHANGED, TP_EAUTH, TP_EUNSUPPORTED, TP_ESSH,
		TP_ECMDFAIL, TP_EPARSE, TP_ETOOBIG, TP_ESIGNAL,
	};
	size_t failed = 0, i, k, other;
	char why[512] = "";
	size_t len = 0;

	for (i = 0; i < n; i++)
		failed += res[i].status != 0;
	other = failed;
	for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
		size_t c = 0;

		for (i = 0; i < n; i++)
			c += res[i].status == codes[k];
		if (!c || len >= sizeof(why))
			continue;
		other -= c;
		len += (size_t)snprintf(why + len, sizeof(why) - len, "%s%zu %s",
					len ? ", " : ": ", c,
					tp_errname(codes[k]));
	}
	if (other && len < sizeof(why))
		snprintf(why + len, sizeof(why) - len, "%s%zu other",
			 len ? ", " : ": ", other);
	*failed_out = failed;
	if (cli->verbosity >= 0)
		fprintf(stderr, "tidepatch: scanned %zu host%s: %zu ok, %zu failed%s\n",
			n, n == 1 ? "" : "s", n - failed, failed, why);
}

static int render(const struct tp_cli *cli, enum tp_format fmt,
		  const struct tp_scan_result *res, size_t n, const char *path,
		  bool to_tty, struct tp_err *err);

static int scan_over_ssh(const struct tp_cli *cli,
			 const struct tp_cli_ssh *ss, char **patterns,
			 size_t npatterns, const struct tp_scan_opts *so,
			 enum tp_format fmt, const char *output)
{
	struct tp_inventory *inv = NULL;
	struct tp_host_spec *specs = NULL;
	struct tp_scan_result *res = NULL;
	struct tp_err err = { 0 };
	size_t n = 0, i, failed = 0;
	int status;

	if ((status = tp_cli_pick_hosts(cli, ss, patterns, npatterns, &inv,
					&specs, &n)) >= 0)
		goto out;
	res = calloc(n, sizeof(*res));
	if (!res) {
		tp_cli_error(cli, "out of memory");
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	if (tp_scan_many(res, specs, n, so, ss->parallel, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (res[i].status && cli->verbosity >= 0)
			tp_cli_error(cli, "%s", res[i].err.msg);
	summarise(cli, res, n, &failed);
	status = failed == 0 ? TP_EXIT_OK :
		 failed == n ? TP_EXIT_UNAVAILABLE : TP_EXIT_PARTIAL;
	if (render(cli, fmt, res, n, output, !output || !strcmp(output, "-"),
		   &err)) {
		tp_cli_error(cli, "%s", err.msg);
		status = err.code == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
	}
out:
	for (i = 0; res && i < n; i++)
		tp_scan_result_release(&res[i]);
	free(res);
	tp_cli_hosts_release(specs, n);
	tp_inventory_free(inv);
	return status;
}

static int open_error_exit(int code)
{
	switch (code) {
	case TP_ENOTFOUND:
		return TP_EXIT_NOINPUT;
	case TP_ESYS:
		return TP_EXIT_NOPERM;
	case TP_EINVAL:
		return TP_EXIT_USAGE;
	default:
		return tp_cli_exit_for(code);
	}
}

static int render(const struct tp_cli *cli, enum tp_format fmt,
		  const struct tp_scan_result *res, size_t n, const char *path,
		  bool to_tty, struct tp_err *err)
{
	struct tp_buf out;
	int rc = 0;

	tp_buf_init(&out, (size_t)256 * 1024 * 1024);
	if (fmt == TP_FORMAT_JSON) {
		rc = tp_cli_append_json(&out, tp_report_scan_json(res, n, err),
					JSON_INDENT(2) | JSON_ENSURE_ASCII, err);
	} else {
		struct tp_table_style style = { to_tty && cli->color_stdout };

		rc = tp_report_scan_table(&out, res, n, &style, err);
	}
	if (!rc)
		rc = tp_cli_write_output(path, out.data ? out.data : "",
					 out.len, err);
	tp_buf_release(&out);
	return rc;
}

int cmd_scan(struct tp_cli *cli, int argc, char **argv)
{
	const char *root = NULL, *output = NULL, *format = NULL;
	int timeout = TP_RUN_TIMEOUT_MS_DEFAULT / 1000;
	int max_output_mib = (int)(TP_RUN_OUT_MAX_DEFAULT >> 20);
	bool refresh = false;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_FLAG, 0, "refresh", &refresh, NULL,
		  "refresh package lists first (apt-get update; needs root)" },
		{ TP_OPT_STRING, 0, "root", &root, "<dir>",
		  "scan the system installed in <dir> (chroot; needs root)" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "table (default) or json" },
		{ TP_OPT_STRING, 'o', "output", &output, "<file>",
		  "write the report to <file> instead of stdout" },
		{ TP_OPT_INT, 0, "timeout", &timeout, "<seconds>",
		  "deadline for each command on the host (default 120)" },
		{ TP_OPT_INT, 0, "max-output", &max_output_mib, "<MiB>",
		  "largest output accepted from one command (default 16)" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_transport *t = NULL;
	struct tp_scan_result res;
	struct tp_scan_opts so;
	struct tp_err err = { 0 };
	enum tp_format fmt = cli->format;
	int rc, nargs = 0, status;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (nargs > 1 && root) {
		tp_cli_error(cli, "--root scans a local tree; it does not take "
			     "host patterns");
		return TP_EXIT_USAGE;
	}
	if ((rc = tp_cli_check_ssh(cli, &ss)) >= 0)
		return rc;
	if (format && tp_cli_parse_format(format, &fmt))
		return TP_EXIT_USAGE;
	if (timeout <= 0 || timeout > INT_MAX / 1000) {
		tp_cli_error(cli, "--timeout must be between 1 and %d seconds",
			     INT_MAX / 1000);
		return TP_EXIT_USAGE;
	}
	if (max_output_mib <= 0 || max_output_mib > 4096) {
		tp_cli_error(cli, "--max-output must be between 1 and 4096 MiB");
		return TP_EXIT_USAGE;
	}
	tp_scan_opts_init(&so);
	so.refresh = refresh;
	so.timeout_ms = timeout * 1000;
	so.output_max = (size_t)max_output_mib << 20;

	if (nargs > 1 || ss.inventory)
		return scan_over_ssh(cli, &ss, argv + 1, (size_t)(nargs - 1),
				     &so, fmt, output);

	if ((rc = tp_transport_local_open(&t, root, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		return open_error_exit(rc);
	}
	tp_scan_host(&res, t, &so);
	tp_transport_free(t);

	status = TP_EXIT_OK;
	if (res.status) {
		tp_cli_error(cli, "%s", res.err.msg);
		/* The only host could not be scanned: unavailable (69). */
		status = TP_EXIT_UNAVAILABLE;
		if (res.status == TP_ENOMEM)
			status = TP_EXIT_SOFTWARE;
	}
	if ((rc = render(cli, fmt, &res, 1, output,
			 !output || !strcmp(output, "-"), &err))) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
	}
	tp_scan_result_release(&res);
	return status;
}
