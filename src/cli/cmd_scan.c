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
#include "tidepatch/advisory.h"
#include "tidepatch/compliance.h"
#include "tidepatch/inventory.h"
#include "tidepatch/report.h"
#include "tidepatch/results.h"
#include "tidepatch/scan.h"
#include "tidepatch/scan_many.h"

static const char *const usage[] = {
	"tidepatch scan [--refresh] [--root <dir>] [--format table|json] [-o <file>]",
	"tidepatch scan [-i <inventory>] [--limit <pattern>] [--parallel <n>] <pattern>...",
	"tidepatch scan ... [--advisories <path>] [--policy <file>] [--fail-on <level>]",
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

static int conclude(const struct tp_cli *cli, struct tp_cli_compctx *ctx,
		    enum tp_format fmt, struct tp_scan_result *res, size_t n,
		    const struct tp_inventory *inv, const char *output,
		    int status);

static int scan_over_ssh(const struct tp_cli *cli,
			 const struct tp_cli_ssh *ss,
			 struct tp_cli_compctx *ctx, char **patterns,
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
	status = conclude(cli, ctx, fmt, res, n, inv, output, status);
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

/* Match the advisories against one host; an OS family without a
 * version scheme simply has no findings. */
static int match_host(const struct tp_cli *cli, struct tp_cli_compctx *ctx,
		      struct tp_finding_list *fl,
		      const struct tp_scan_result *res, json_t *host)
{
	struct tp_err err = { 0 };
	int rc;

	if (!ctx->db || res->status || !res->os.ecosystem)
		return 0;
	rc = tp_advisory_match(fl, ctx->db, res->os.ecosystem,
			       &res->installed, &err);
	if (rc == TP_EUNSUPPORTED) {
		if (cli->verbosity > 0)
			tp_cli_warn(cli, "%s: %s", res->host, err.msg);
		return 0;
	}
	if (!rc && json_object_set_new(host, "findings",
				       tp_report_findings_json(fl, &err)))
		rc = tp_err_set(&err, TP_ENOMEM, "out of memory");
	if (rc)
		tp_cli_error(cli, "%s: %s", res->host, err.msg);
	return rc;
}

/*
 * Evaluate every host into rep, with the first sightings of the results
 * state; keep the scan and the new state when there is a results
 * directory (under its lock, so parallel scans lose nothing).
 */
static int evaluate(const struct tp_cli *cli, struct tp_cli_compctx *ctx,
		    struct tp_scan_result *res, struct tp_finding_list *fl,
		    size_t n, const struct tp_inventory *inv, json_t *doc,
		    struct tp_comp_report *rep)
{
	struct tp_err err = { 0 };
	json_t *state = NULL;
	char now_s[32], *saved = NULL;
	time_t now = time(NULL);
	int lock = -1, rc = 0;
	size_t i;

	tp_time_format_utc(now_s, sizeof(now_s), now);
	rep->generated_at = strdup(now_s);
	rep->severities_known = ctx->db != NULL;
	rep->advisories = ctx->db ? tp_advisory_db_count(ctx->db) : 0;
	if (ctx->results_dir) {
		if ((rc = tp_results_lock(&lock, ctx->results_dir, &err)) ||
		    (rc = tp_results_load_state(&state, ctx->results_dir, &err)))
			goto out;
	} else if (!(state = json_object())) {
		rc = tp_err_set(&err, TP_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n && !rc; i++) {
		struct tp_comp_host h;

		rc = tp_comp_evaluate_host(&h, res[i].host, &res[i],
					   ctx->db ? &fl[i] : NULL,
					   inv ? tp_inventory_host(inv, res[i].host) :
						 NULL,
					   inv, ctx->policy, state, now, &err);
		if (!rc && (rc = tp_comp_report_add(rep, &h, &err)))
			tp_comp_host_release(&h);
	}
	if (!rc && ctx->results_dir &&
	    !(rc = tp_results_save_scan(ctx->results_dir, doc, &saved, &err)))
		rc = tp_results_save_state(ctx->results_dir, state, &err);
	if (!rc && saved && cli->verbosity > 0)
		fprintf(stderr, "tidepatch: results kept in %s\n", saved);
out:
	tp_results_unlock(lock);
	json_decref(state);
	free(saved);
	if (rc)
		tp_cli_error(cli, "%s", err.msg);
	return rc;
}

/*
 * After the scans: advisories, compliance, results, the report on
 * stdout, and the exit status (errors keep theirs; --fail-on turns a
 * clean run into "findings").
 */
static int conclude(const struct tp_cli *cli, struct tp_cli_compctx *ctx,
		    enum tp_format fmt, struct tp_scan_result *res, size_t n,
		    const struct tp_inventory *inv, const char *output,
		    int status)
{
	struct tp_finding_list *fl = calloc(n ? n : 1, sizeof(*fl));
	struct tp_comp_report rep;
	struct tp_err err = { 0 };
	struct tp_buf out;
	json_t *doc = tp_report_scan_json(res, n, &err);
	size_t i;
	int rc = 0;

	memset(&rep, 0, sizeof(rep));
	tp_buf_init(&out, (size_t)256 * 1024 * 1024);
	if (!fl || !doc) {
		tp_cli_error(cli, "out of memory");
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < n && !rc; i++)
		rc = match_host(cli, ctx, &fl[i], &res[i],
				json_array_get(json_object_get(doc, "hosts"), i));
	if (rc || evaluate(cli, ctx, res, fl, n, inv, doc, &rep)) {
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	if (fmt == TP_FORMAT_JSON) {
		rc = tp_cli_append_json(&out, json_incref(doc),
					JSON_INDENT(2) | JSON_ENSURE_ASCII, &err);
	} else {
		bool to_tty = !output || !strcmp(output, "-");
		struct tp_table_style style = { to_tty && cli->color_stdout };

		rc = tp_report_scan_table(&out, res, n, &style, &err);
	}
	if (!rc)
		rc = tp_cli_write_output(output, out.data ? out.data : "",
					 out.len, &err);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	tp_cli_comp_summary(cli, ctx, &rep);
	if (status == TP_EXIT_OK && tp_cli_comp_fails(ctx, &rep))
		status = TP_EXIT_FINDINGS;
out:
	for (i = 0; fl && i < n; i++)
		tp_finding_list_release(&fl[i]);
	free(fl);
	json_decref(doc);
	tp_comp_report_release(&rep);
	tp_buf_release(&out);
	return status;
}

int cmd_scan(struct tp_cli *cli, int argc, char **argv)
{
	const char *root = NULL, *output = NULL, *format = NULL;
	int timeout = TP_RUN_TIMEOUT_MS_DEFAULT / 1000;
	int max_output_mib = (int)(TP_RUN_OUT_MAX_DEFAULT >> 20);
	bool refresh = false;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	struct tp_cli_comp cc = TP_CLI_COMP_INIT;
	struct tp_cli_compctx ctx;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		TP_CLI_COMP_OPTIONS(cc),
		{ TP_OPT_FLAG, 0, "no-save", &cc.no_save, NULL,
		  "do not keep this scan in the results directory" },
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

	if ((rc = tp_cli_comp_setup(cli, &cc, nargs > 1 || ss.inventory ?
					    (ss.inventory ? ss.inventory :
							    "inventory") : NULL,
				    true, &ctx)) >= 0) {
		tp_cli_comp_release(&ctx);
		return rc;
	}
	if (nargs > 1 || ss.inventory) {
		status = scan_over_ssh(cli, &ss, &ctx, argv + 1,
				       (size_t)(nargs - 1), &so, fmt, output);
		tp_cli_comp_release(&ctx);
		return status;
	}

	if ((rc = tp_transport_local_open(&t, root, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		tp_cli_comp_release(&ctx);
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
	status = conclude(cli, &ctx, fmt, &res, 1, NULL, output, status);
	tp_scan_result_release(&res);
	tp_cli_comp_release(&ctx);
	return status;
}
