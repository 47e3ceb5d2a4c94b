/*
 * comp.c - what scan and report share for compliance: finding and
 * loading the advisories, the known-exploited list and the policy
 * beside the inventory, the results directory, and the --fail-on gate.
 *
 * Defaults live beside the inventory because they are reviewed with it:
 * advisories/, policy.json and results/ sit in the same git repository.
 * A default that does not exist is simply not used; a path given on the
 * command line must exist.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tidepatch/advisory.h"
#include "tidepatch/compliance.h"

/* The directory the inventory is in: "." for "inventory". */
static void root_of(char *out, size_t size, const char *inv_path)
{
	char *copy = strdup(inv_path ? inv_path : "inventory");

	snprintf(out, size, "%s", copy ? dirname(copy) : ".");
	free(copy);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int load_advisories(const struct tp_cli *cli, const char *path,
			   const char *kev, bool kev_given,
			   struct tp_cli_compctx *ctx)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	int rc;

	tp_inv_problems_init(&pr);
	if (tp_advisory_db_new(&ctx->db, &err)) {
		tp_cli_error(cli, "%s", err.msg);
		return TP_EXIT_SOFTWARE;
	}
	rc = tp_advisory_db_load(ctx->db, path, &pr, &err);
	if (!rc && kev && (kev_given || exists(kev)))
		rc = tp_advisory_db_load_kev(ctx->db, kev, &pr, &err);
	tp_cli_print_problems(stderr, &pr, "");
	if (rc) {
		tp_inv_problems_release(&pr);
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
		       tp_cli_exit_for(rc);
	}
	if (pr.n) {
		/* a feed with errors is not half used: CI must see it */
		tp_cli_error(cli, "%zu problem%s in the advisory data; fix or "
			     "remove the records named above", pr.n,
			     pr.n == 1 ? "" : "s");
		tp_inv_problems_release(&pr);
		return TP_EXIT_DATAERR;
	}
	tp_inv_problems_release(&pr);
	if (cli->verbosity > 0)
		fprintf(stderr, "tidepatch: %zu advisories from %s\n",
			tp_advisory_db_count(ctx->db), path);
	return -1;
}

static int parse_fail_on(const struct tp_cli *cli, const char *s,
			 struct tp_cli_compctx *ctx)
{
	enum tp_severity sev;
	struct tp_err err = { 0 };

	ctx->fail_sev = -1;
	if (!s)
		return -1;
	if (!strcmp(s, "overdue")) {
		ctx->fail_overdue = true;
		return -1;
	}
	if (tp_severity_from_name(&sev, s, &err) || sev == TP_SEV_UNKNOWN) {
		tp_cli_error(cli, "--fail-on must be critical, important, "
			     "moderate, low or overdue, not '%s'", s);
		return TP_EXIT_USAGE;
	}
	ctx->fail_sev = (int)sev;
	return -1;
}

int tp_cli_comp_setup(const struct tp_cli *cli, const struct tp_cli_comp *cc,
		      const char *inv_path, bool keep_results,
		      struct tp_cli_compctx *ctx)
{
	char root[2048], path[4096], kev[4160];
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	if ((rc = parse_fail_on(cli, cc->fail_on, ctx)) >= 0)
		return rc;
	root_of(root, sizeof(root), inv_path);
	if (!(ctx->policy = calloc(1, sizeof(*ctx->policy)))) {
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	tp_policy_init(ctx->policy);

	/* advisories, and the KEV list kept among them */
	snprintf(path, sizeof(path), "%s/advisories", root);
	if (cc->advisories)
		snprintf(path, sizeof(path), "%s", cc->advisories);
	kev[0] = '\0';
	if (cc->kev) {
		snprintf(kev, sizeof(kev), "%s", cc->kev);
	} else {
		struct stat st;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(kev, sizeof(kev), "%s/%s", path,
				 "known_exploited_vulnerabilities.json");
	}
	if (cc->advisories || exists(path)) {
		if ((rc = load_advisories(cli, path, kev[0] ? kev : NULL,
					  cc->kev != NULL, ctx)) >= 0)
			return rc;
	} else if (cc->kev) {
		tp_cli_error(cli, "--kev needs advisories to mark (--advisories "
			     "or %s)", path);
		return TP_EXIT_USAGE;
	}

	/* the policy */
	snprintf(path, sizeof(path), "%s/policy.json", root);
	if (cc->policy)
		snprintf(path, sizeof(path), "%s", cc->policy);
	if (cc->policy || exists(path)) {
		tp_inv_problems_init(&pr);
		rc = tp_policy_load(ctx->policy, path, &pr, &err);
		tp_cli_print_problems(stderr, &pr, "");
		tp_inv_problems_release(&pr);
		if (rc) {
			tp_cli_error(cli, "%s", err.msg);
			return rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
			       rc == TP_ECONFIG ? TP_EXIT_CONFIG :
						  tp_cli_exit_for(rc);
		}
	}

	/*
	 * Results: a report reads them; a scan of inventory hosts keeps
	 * them (no surprise files from a scan of this machine unless
	 * --results asks).
	 */
	if (keep_results && cc->no_save && cc->results) {
		tp_cli_error(cli, "--results and --no-save contradict each other");
		return TP_EXIT_USAGE;
	}
	if (!keep_results || cc->results || (inv_path && !cc->no_save)) {
		snprintf(path, sizeof(path), "%s/results", root);
		if (cc->results)
			snprintf(path, sizeof(path), "%s", cc->results);
		if (!(ctx->results_dir = strdup(path))) {
			tp_cli_error(cli, "out of memory");
			return TP_EXIT_SOFTWARE;
		}
	}
	return -1;
}

void tp_cli_comp_release(struct tp_cli_compctx *ctx)
{
	tp_advisory_db_free(ctx->db);
	if (ctx->policy) {
		tp_policy_release(ctx->policy);
		free(ctx->policy);
	}
	free(ctx->results_dir);
	memset(ctx, 0, sizeof(*ctx));
}

bool tp_cli_comp_fails(const struct tp_cli_compctx *ctx,
		       const struct tp_comp_report *r)
{
	int sev;

	if (ctx->fail_overdue)
		return r->by_state_severity[TP_COMP_MISSING_OVERDUE][0] +
			       r->by_state_severity[TP_COMP_MISSING_OVERDUE][1] +
			       r->by_state_severity[TP_COMP_MISSING_OVERDUE][2] +
			       r->by_state_severity[TP_COMP_MISSING_OVERDUE][3] +
			       r->by_state_severity[TP_COMP_MISSING_OVERDUE][4] > 0;
	if (ctx->fail_sev < 0)
		return false;
	/* "low" means anything missing, so it includes what nobody rated */
	for (sev = ctx->fail_sev == TP_SEV_LOW ? TP_SEV_UNKNOWN : ctx->fail_sev;
	     sev <= TP_SEV_CRITICAL; sev++)
		if (r->by_state_severity[TP_COMP_MISSING][sev] ||
		    r->by_state_severity[TP_COMP_MISSING_OVERDUE][sev])
			return true;
	return false;
}

void tp_cli_comp_summary(const struct tp_cli *cli,
			 const struct tp_cli_compctx *ctx,
			 const struct tp_comp_report *r)
{
	size_t missing[TP_SEV_CRITICAL + 1], overdue = 0, total = 0;
	int sev;

	if (cli->verbosity < 0)
		return;
	for (sev = 0; sev <= TP_SEV_CRITICAL; sev++) {
		missing[sev] = r->by_state_severity[TP_COMP_MISSING][sev] +
			       r->by_state_severity[TP_COMP_MISSING_OVERDUE][sev];
		overdue += r->by_state_severity[TP_COMP_MISSING_OVERDUE][sev];
		total += missing[sev];
	}
	fprintf(stderr, "tidepatch: %zu fix%s missing (%zu critical, %zu "
		"important, %zu moderate, %zu low, %zu unknown), %zu overdue%s\n",
		total, total == 1 ? "" : "es", missing[TP_SEV_CRITICAL],
		missing[TP_SEV_IMPORTANT], missing[TP_SEV_MODERATE],
		missing[TP_SEV_LOW], missing[TP_SEV_UNKNOWN], overdue,
		ctx->db ? "" : "; no advisory data: severities are unknown");
}
