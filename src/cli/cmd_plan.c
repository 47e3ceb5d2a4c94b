/*
 * cmd_plan.c - `tidepatch plan PLAYBOOK`: scan the playbook's targets
 * over SSH and write the plan that review approves and apply executes.
 *
 * The plan is only as good as the scan behind it, so hosts that could
 * not be scanned are recorded as unreachable (exit 2) rather than
 * silently dropped, and no plan is written when none could be (69).
 * Advisories and the policy are read as scan reads them; the results
 * state is only read (first sightings make deadlines), never written:
 * planning observes, it does not record a scan.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tidepatch/advisory.h"
#include "tidepatch/compliance.h"
#include "tidepatch/inventory.h"
#include "tidepatch/plan.h"
#include "tidepatch/playbook.h"
#include "tidepatch/report.h"
#include "tidepatch/results.h"
#include "tidepatch/scan.h"
#include "tidepatch/scan_many.h"

static const char *const usage[] = {
	"tidepatch plan [-i <inventory>] [-o <plan.json>] [--format text|json|markdown] <playbook>",
	"tidepatch plan ... [--advisories <path>] [--policy <file>] [--results <dir>]",
	NULL,
};

enum plan_format { PF_TEXT, PF_JSON, PF_MARKDOWN };

/* The playbook's bytes, which the plan embeds verbatim. */
static int read_playbook(const struct tp_cli *cli, const char *path,
			 struct tp_buf *b)
{
	struct tp_err err = { 0 };
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = 0;

	if (!f) {
		tp_cli_error(cli, "cannot open %s: %s", path, strerror(errno));
		return errno == ENOENT ? TP_EXIT_NOINPUT : TP_EXIT_IOERR;
	}
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tp_buf_append(b, chunk, n, &err);
	if (!rc && ferror(f))
		rc = tp_err_sys(&err, TP_EIO, errno, "cannot read %s", path);
	fclose(f);
	if (rc == TP_ETOOBIG) {
		tp_cli_error(cli, "%s: larger than %zu KiB", path,
			     TP_PLAYBOOK_FILE_MAX >> 10);
		return TP_EXIT_CONFIG;
	}
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
	}
	return -1;
}

static int parse_format(const struct tp_cli *cli, const char *s,
			enum plan_format *out)
{
	if (!s) {
		*out = cli->format == TP_FORMAT_JSON ? PF_JSON : PF_TEXT;
		return -1;
	}
	if (!strcmp(s, "text") || !strcmp(s, "table"))
		*out = PF_TEXT;
	else if (!strcmp(s, "json"))
		*out = PF_JSON;
	else if (!strcmp(s, "markdown"))
		*out = PF_MARKDOWN;
	else {
		tp_cli_error(cli, "unknown format '%s' (expected text, json or "
			     "markdown)", s);
		return TP_EXIT_USAGE;
	}
	return -1;
}

/* Advisory findings per host; a host whose OS has no version scheme
 * simply has none. */
static int match_all(const struct tp_cli *cli,
		     const struct tp_cli_compctx *ctx,
		     const struct tp_scan_result *res, size_t n,
		     struct tp_finding_list *fl)
{
	size_t i;

	for (i = 0; ctx->db && i < n; i++) {
		struct tp_err err = { 0 };
		int rc;

		if (res[i].status || !res[i].os.ecosystem)
			continue;
		rc = tp_advisory_match(&fl[i], ctx->db, res[i].os.ecosystem,
				       &res[i].installed, &err);
		if (rc == TP_EUNSUPPORTED)
			continue;
		if (rc) {
			tp_cli_error(cli, "%s: %s", res[i].host, err.msg);
			return TP_EXIT_SOFTWARE;
		}
	}
	return -1;
}

/* First sightings from the results state, read only; none without it. */
static int load_seen(const struct tp_cli *cli,
		     const struct tp_cli_compctx *ctx, json_t **seen)
{
	struct tp_err err = { 0 };

	*seen = NULL;
	if (!ctx->results_dir)
		return -1;
	if (tp_results_load_state(seen, ctx->results_dir, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		return TP_EXIT_DATAERR;
	}
	return -1;
}

static int render(const struct tp_cli *cli, const struct tp_plan *plan,
		  enum plan_format fmt, const char *output)
{
	struct tp_table_style style = { cli->color_stdout };
	struct tp_err err = { 0 };
	struct tp_buf file, out;
	int rc = 0, status = -1;

	tp_buf_init(&file, TP_PLAN_FILE_MAX);
	tp_buf_init(&out, TP_PLAN_FILE_MAX);
	if (output && strcmp(output, "-")) {
		if (!(rc = tp_plan_write_json(&file, plan, &err)))
			rc = tp_cli_write_output(output, file.data, file.len,
						 &err);
		if (rc) {
			tp_cli_error(cli, "%s", err.msg);
			status = rc == TP_EIO ? TP_EXIT_IOERR :
					       TP_EXIT_SOFTWARE;
			goto out;
		}
		if (cli->verbosity >= 0)
			fprintf(stderr, "tidepatch: plan written to %s (%s)\n",
				output, plan->digest);
	}
	if (fmt == PF_JSON)
		rc = tp_plan_write_json(&out, plan, &err);
	else if (fmt == PF_MARKDOWN)
		rc = tp_report_plan_markdown(&out, plan, &err);
	else
		rc = tp_report_plan_text(&out, plan, &style, &err);
	if (!rc)
		rc = tp_cli_write_output(NULL, out.data ? out.data : "",
					 out.len, &err);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_EIO ? TP_EXIT_IOERR : TP_EXIT_SOFTWARE;
	}
out:
	tp_buf_release(&file);
	tp_buf_release(&out);
	return status;
}

/* Everything after the playbook is loaded: pick, scan, plan, write. */
static int plan_hosts(const struct tp_cli *cli, struct tp_cli_ssh *ss,
		      const struct tp_cli_compctx *ctx,
		      const struct tp_playbook *pb, const char *pb_path,
		      const struct tp_buf *pb_text,
		      const struct tp_scan_opts *so, enum plan_format fmt,
		      const char *output, struct tp_plan **keep)
{
	struct tp_inventory *inv = NULL;
	struct tp_host_spec *specs = NULL;
	struct tp_scan_result *res = NULL;
	struct tp_finding_list *fl = NULL;
	struct tp_plan_input in;
	struct tp_plan *plan = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	json_t *seen = NULL;
	size_t n = 0, i, failed = 0;
	int status, rc;

	tp_inv_problems_init(&pr);
	if ((status = tp_cli_pick_hosts(cli, ss, pb->targets, pb->ntargets,
					&inv, &specs, &n)) >= 0)
		goto out;
	if ((status = load_seen(cli, ctx, &seen)) >= 0)
		goto out;
	res = calloc(n, sizeof(*res));
	fl = calloc(n, sizeof(*fl));
	if (!res || !fl) {
		tp_cli_error(cli, "out of memory");
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	if (tp_scan_many(res, specs, n, so, ss->parallel, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!res[i].status)
			continue;
		failed++;
		if (cli->verbosity >= 0)
			tp_cli_error(cli, "%s", res[i].err.msg);
	}
	if (failed == n) {
		tp_cli_error(cli, "no targeted host could be scanned; no plan "
			     "written");
		status = TP_EXIT_UNAVAILABLE;
		goto out;
	}
	if ((status = match_all(cli, ctx, res, n, fl)) >= 0)
		goto out;

	memset(&in, 0, sizeof(in));
	in.playbook_file = pb_path;
	in.playbook_content = pb_text->data ? pb_text->data : "";
	in.playbook_len = pb_text->len;
	in.inv = inv;
	in.targets = (const char *const *)pb->targets;
	in.ntargets = pb->ntargets;
	in.limit = ss->limit;
	in.scans = res;
	in.nscans = n;
	in.findings = ctx->db ? fl : NULL;
	in.advisories = ctx->db ? tp_advisory_db_count(ctx->db) : 0;
	in.policy = ctx->policy;
	in.first_seen = seen;
	in.now = time(NULL);
	rc = tp_plan_build(&plan, &in, &pr, &err);
	tp_cli_print_problems(stderr, &pr, "");
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOTFOUND ? TP_EXIT_DATAERR :
			 rc == TP_ECONFIG ? TP_EXIT_CONFIG :
			 rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_DATAERR;
		goto out;
	}
	if (keep) {
		*keep = plan;
		plan = NULL;	/* ownership moved */
	} else if ((status = render(cli, plan, fmt, output)) >= 0) {
		goto out;
	}
	if (cli->verbosity >= 0 && failed)
		tp_cli_warn(cli, "%zu of %zu hosts could not be scanned; they "
			    "are in the plan as unreachable, in no wave",
			    failed, n);
	status = failed ? TP_EXIT_PARTIAL : TP_EXIT_OK;
out:
	tp_plan_free(plan);
	for (i = 0; fl && i < n; i++)
		tp_finding_list_release(&fl[i]);
	free(fl);
	for (i = 0; res && i < n; i++)
		tp_scan_result_release(&res[i]);
	free(res);
	json_decref(seen);
	tp_cli_hosts_release(specs, n);
	tp_inventory_free(inv);
	tp_inv_problems_release(&pr);
	return status;
}

/*
 * Read and check the playbook at path, set up advisories and policy,
 * scan its targets and build the plan: rendered (fmt, output), or, with
 * keep, handed over instead. -1 with *keep set, or an exit status.
 */
static int plan_playbook(const struct tp_cli *cli, struct tp_cli_ssh *ss,
			 const struct tp_cli_comp *cc, const char *path,
			 const struct tp_scan_opts *so, enum plan_format fmt,
			 const char *output, struct tp_plan **keep)
{
	struct tp_cli_compctx ctx;
	struct tp_inv_problems pr;
	struct tp_playbook *pb = NULL;
	struct tp_err err = { 0 };
	struct tp_buf text;
	int rc, status;

	tp_buf_init(&text, TP_PLAYBOOK_FILE_MAX);
	tp_inv_problems_init(&pr);
	memset(&ctx, 0, sizeof(ctx));
	if ((status = read_playbook(cli, path, &text)) >= 0)
		goto out;
	rc = tp_playbook_load_buffer(&pb, path, text.data ? text.data : "",
				     text.len, &pr, &err);
	tp_cli_print_problems(stderr, &pr, "");
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ECONFIG ? TP_EXIT_CONFIG : tp_cli_exit_for(rc);
		goto out;
	}
	if (pb->limit && ss->limit) {
		/* NEEDSWORK: intersect the two limits instead. */
		tp_cli_error(cli, "the playbook has its own limit (%s); --limit "
			     "cannot be combined with it yet", pb->limit);
		status = TP_EXIT_USAGE;
		goto out;
	}
	if (pb->limit)
		ss->limit = pb->limit;
	if ((status = tp_cli_comp_setup(cli, cc, ss->inventory ? ss->inventory :
						  "inventory",
					false, &ctx)) >= 0)
		goto out;
	status = plan_hosts(cli, ss, &ctx, pb, path, &text, so, fmt,
			    output, keep);
out:
	tp_cli_comp_release(&ctx);
	tp_playbook_free(pb);
	tp_inv_problems_release(&pr);
	tp_buf_release(&text);
	return status;
}

int tp_cli_build_plan(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      const struct tp_cli_comp *cc, const char *path,
		      struct tp_plan **out)
{
	struct tp_cli_ssh copy = *ss;
	struct tp_scan_opts so;
	int status;

	*out = NULL;
	tp_scan_opts_init(&so);
	status = plan_playbook(cli, &copy, cc, path, &so, PF_TEXT, NULL, out);
	/* a partial plan (some targets unreachable) still runs */
	return status == TP_EXIT_PARTIAL || status == TP_EXIT_OK ? -1 : status;
}

int cmd_plan(struct tp_cli *cli, int argc, char **argv)
{
	const char *output = NULL, *format = NULL;
	int timeout = TP_RUN_TIMEOUT_MS_DEFAULT / 1000;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	struct tp_cli_comp cc = TP_CLI_COMP_INIT;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_STRING, 0, "advisories", &cc.advisories, "<path>",
		  "OSV advisories: file or directory (default: advisories/ "
		  "beside the inventory)" },
		{ TP_OPT_STRING, 0, "kev", &cc.kev, "<file>",
		  "known-exploited list, CISA KEV JSON (default: in the "
		  "advisories)" },
		{ TP_OPT_STRING, 0, "policy", &cc.policy, "<file>",
		  "policy file (default: policy.json beside the inventory)" },
		{ TP_OPT_STRING, 0, "results", &cc.results, "<dir>",
		  "results directory whose first sightings start deadlines "
		  "(default: results/ beside the inventory; only read)" },
		{ TP_OPT_STRING, 'o', "output", &output, "<file>",
		  "write the JSON plan to <file> (atomically) and the summary "
		  "to stdout" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "what stdout gets: text (default), json or markdown" },
		{ TP_OPT_INT, 0, "timeout", &timeout, "<seconds>",
		  "deadline for each command on the host (default 120)" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_scan_opts so;
	enum plan_format fmt;
	int rc, nargs = 0;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (nargs != 2) {
		tp_cli_error(cli, "plan takes one playbook (see tidepatch plan "
			     "--help)");
		return TP_EXIT_USAGE;
	}
	if ((rc = tp_cli_check_ssh(cli, &ss)) >= 0)
		return rc;
	if ((rc = parse_format(cli, format, &fmt)) >= 0)
		return rc;
	if (timeout <= 0 || timeout > INT_MAX / 1000) {
		tp_cli_error(cli, "--timeout must be between 1 and %d seconds",
			     INT_MAX / 1000);
		return TP_EXIT_USAGE;
	}
	tp_scan_opts_init(&so);
	so.timeout_ms = timeout * 1000;

	return plan_playbook(cli, &ss, &cc, argv[1], &so, fmt, output, NULL);
}
