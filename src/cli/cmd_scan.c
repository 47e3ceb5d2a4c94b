/*
 * cmd_scan.c - `tidepatch scan`: installed packages, pending updates,
 * reboot and kernel state, as a table or the tidepatch.scan/1 document.
 *
 * Without host arguments it scans this machine through the local
 * transport (or the tree under --root, through chroot).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tidepatch/report.h"
#include "tidepatch/scan.h"

static const char *const usage[] = {
	"tidepatch scan [--refresh] [--root <dir>] [--format table|json] [-o <file>]",
	NULL,
};

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
		json_t *doc = tp_report_scan_json(res, n, err);
		char *s = NULL;

		if (!doc)
			return err->code;
		s = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(doc);
		if (!s)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		rc = tp_buf_puts(&out, s, err);
		if (!rc)
			rc = tp_buf_puts(&out, "\n", err);
		free(s);
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
	const struct tp_opt opts[] = {
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
	if (nargs > 1) {
		tp_cli_error(cli, "scanning hosts by name ('%s') needs the SSH "
			     "transport, which this version does not have yet; "
			     "run 'tidepatch scan' to scan this machine", argv[1]);
		return TP_EXIT_USAGE;
	}
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
