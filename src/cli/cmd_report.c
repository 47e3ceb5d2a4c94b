/*
 * cmd_report.c - `tidepatch report`: compliance over the latest results.
 *
 * Reads no host: the latest kept scan of each selected host is matched
 * again against the advisories as they are now (an advisory published
 * after the scan still counts), evaluated with the policy as it is now,
 * and rendered as a table, JSON, JUnit, SARIF or Markdown. First
 * sightings come from the results state and are not changed here: a
 * report is read-only, so running it twice gives the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tidepatch/advisory.h"
#include "tidepatch/compliance.h"
#include "tidepatch/inventory.h"
#include "tidepatch/report.h"
#include "tidepatch/results.h"
#include "tidepatch/scan.h"

static const char *const usage[] = {
	"tidepatch report [-i <inventory>] [--limit <pattern>] [<pattern>...]",
	"tidepatch report ... [--format table|json|junit|sarif|markdown] [-o <file>]",
	"tidepatch report ... [--advisories <path>] [--policy <file>] [--fail-on <level>]",
	NULL,
};

enum report_format { RF_TABLE, RF_JSON, RF_JUNIT, RF_SARIF, RF_MARKDOWN };

static int parse_report_format(const struct tp_cli *cli, const char *s,
			       enum report_format *out)
{
	static const char *const names[] = { "table", "json", "junit", "sarif",
					     "markdown" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum report_format)i;
			return 0;
		}
	tp_cli_error(cli, "--format must be table, json, junit, sarif or "
		     "markdown, not '%s'", s);
	return -1;
}

/* One host from its latest kept scan (host may be NULL: never scanned). */
static int report_host(struct tp_cli_compctx *ctx,
		       const struct tp_inventory *inv,
		       const struct tp_inv_host *ih, json_t *stored,
		       json_t *state, time_t now, struct tp_comp_report *rep,
		       struct tp_err *err)
{
	struct tp_scan_result res;
	struct tp_finding_list fl;
	struct tp_comp_host h;
	bool have = stored != NULL;
	int rc = 0;

	memset(&res, 0, sizeof(res));
	memset(&fl, 0, sizeof(fl));
	if (have && (rc = tp_scan_result_from_json(&res, stored, err))) {
		tp_err_prefix(err, "%s", ih->name);
		goto out;
	}
	if (have && ctx->db && !res.status && res.os.ecosystem) {
		rc = tp_advisory_match(&fl, ctx->db, res.os.ecosystem,
				       &res.installed, err);
		if (rc == TP_EUNSUPPORTED)
			rc = 0;
		if (rc)
			goto out;
	}
	rc = tp_comp_evaluate_host(&h, ih->name, have ? &res : NULL,
				   ctx->db ? &fl : NULL, ih, inv, ctx->policy,
				   state, now, err);
	if (!rc && (rc = tp_comp_report_add(rep, &h, err)))
		tp_comp_host_release(&h);
out:
	tp_finding_list_release(&fl);
	if (have)
		tp_scan_result_release(&res);
	return rc;
}

static int render(const struct tp_cli *cli, enum report_format f,
		  const struct tp_comp_report *rep, const char *output,
		  struct tp_err *err)
{
	struct tp_buf out;
	int rc;

	tp_buf_init(&out, (size_t)256 * 1024 * 1024);
	switch (f) {
	case RF_JSON:
		rc = tp_report_comp_json(&out, rep, err);
		break;
	case RF_JUNIT:
		rc = tp_report_comp_junit(&out, rep, err);
		break;
	case RF_SARIF:
		rc = tp_report_comp_sarif(&out, rep, err);
		break;
	case RF_MARKDOWN:
		rc = tp_report_comp_markdown(&out, rep, err);
		break;
	default: {
		bool to_tty = !output || !strcmp(output, "-");
		struct tp_table_style style = { to_tty && cli->color_stdout };

		rc = tp_report_comp_table(&out, rep, &style, err);
	}
	}
	if (!rc)
		rc = tp_cli_write_output(output, out.data ? out.data : "",
					 out.len, err);
	tp_buf_release(&out);
	return rc;
}

int cmd_report(struct tp_cli *cli, int argc, char **argv)
{
	const char *inventory = NULL, *limit = NULL, *format = NULL;
	const char *output = NULL;
	struct tp_cli_comp cc = TP_CLI_COMP_INIT;
	const struct tp_opt opts[] = {
		{ TP_OPT_STRING, 'i', "inventory", &inventory, "<path>",
		  "inventory file or directory (default: inventory/)" },
		{ TP_OPT_STRING, 0, "limit", &limit, "<pattern>",
		  "keep only hosts that also match <pattern>" },
		TP_CLI_COMP_OPTIONS(cc),
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "table (default), json, junit, sarif or markdown" },
		{ TP_OPT_STRING, 'o', "output", &output, "<file>",
		  "write the report to <file> instead of stdout" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	enum report_format f = cli->format == TP_FORMAT_JSON ? RF_JSON :
							       RF_TABLE;
	struct tp_cli_compctx ctx;
	struct tp_inventory *inv = NULL;
	struct tp_comp_report rep;
	struct tp_err err = { 0 };
	json_t *latest = NULL, *state = NULL;
	size_t *idx = NULL, n = 0, i;
	char now_s[32];
	time_t now = time(NULL);
	int rc, nargs = 0, status;

	memset(&rep, 0, sizeof(rep));
	memset(&ctx, 0, sizeof(ctx));
	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (format && parse_report_format(cli, format, &f))
		return TP_EXIT_USAGE;
	if ((status = tp_cli_select_hosts(cli, inventory, limit, argv + 1,
					  (size_t)(nargs - 1), &inv, &idx,
					  &n)) >= 0)
		goto out;
	if ((status = tp_cli_comp_setup(cli, &cc, inventory ? inventory :
					"inventory", false, &ctx)) >= 0)
		goto out;
	status = TP_EXIT_OK;
	if ((rc = tp_results_load_latest(&latest, ctx.results_dir, &err)) ||
	    (rc = tp_results_load_state(&state, ctx.results_dir, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_DATAERR;
		goto out;
	}
	tp_time_format_utc(now_s, sizeof(now_s), now);
	rep.generated_at = strdup(now_s);
	rep.severities_known = ctx.db != NULL;
	rep.advisories = ctx.db ? tp_advisory_db_count(ctx.db) : 0;
	for (i = 0; i < n; i++) {
		const struct tp_inv_host *ih = &inv->hosts[idx[i]];

		if ((rc = report_host(&ctx, inv, ih,
				      json_object_get(latest, ih->name), state,
				      now, &rep, &err))) {
			tp_cli_error(cli, "%s", err.msg);
			status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE :
						   TP_EXIT_DATAERR;
			goto out;
		}
	}
	if ((rc = render(cli, f, &rep, output, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	tp_cli_comp_summary(cli, &ctx, &rep);
	if (tp_cli_comp_fails(&ctx, &rep))
		status = TP_EXIT_FINDINGS;
out:
	json_decref(latest);
	json_decref(state);
	tp_comp_report_release(&rep);
	tp_cli_comp_release(&ctx);
	tp_inventory_free(inv);
	free(idx);
	return status;
}
