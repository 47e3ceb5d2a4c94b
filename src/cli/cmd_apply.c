/*
 * cmd_apply.c - `tidepatch apply PLAN|PLAYBOOK`, `tidepatch resume RUN`
 * and `tidepatch rollback RUN [HOST...]`: a plan executed, continued, or
 * taken back, each on the journal of one run.
 *
 * apply refuses to change hosts without a yes: --yes, or an answer on a
 * terminal. A playbook given instead of a plan is planned on the spot
 * (scanning the targets), which is what a one-off rollout wants; a
 * reviewed rollout passes the committed plan file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "rollout_cli.h"
#include "tidepatch/checks.h"
#include "tidepatch/git.h"
#include "tidepatch/inventory.h"
#include "tidepatch/plan.h"
#include "tidepatch/rollout.h"

static const char *const apply_usage[] = {
	"tidepatch apply [--dry-run] [--yes] [--events <file>] [-i <inventory>] <plan.json|playbook>",
	NULL,
};
static const char *const resume_usage[] = {
	"tidepatch resume [--yes] [--events <file>] [-i <inventory>] <run>",
	NULL,
};
static const char *const rollback_usage[] = {
	"tidepatch rollback [--yes] [-i <inventory>] <run> [<host>...]",
	NULL,
};

/* Is path a plan document (rather than a playbook)? */
static bool is_plan_file(const char *path)
{
	json_t *doc = json_load_file(path, 0, NULL);
	bool plan = doc && json_is_string(json_object_get(doc, "schema")) &&
		    !strcmp(json_string_value(json_object_get(doc, "schema")),
			    TP_PLAN_SCHEMA);

	json_decref(doc);
	return plan;
}

static int load_plan(const struct tp_cli *cli, const char *path,
		     struct tp_plan **out)
{
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	int rc;

	tp_inv_problems_init(&pr);
	rc = tp_plan_load(out, path, &pr, &err);
	tp_cli_print_problems(stderr, &pr, "");
	tp_inv_problems_release(&pr);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
		       rc == TP_ECONFIG ? TP_EXIT_CONFIG : tp_cli_exit_for(rc);
	}
	return -1;
}

/* Ask on the terminal; without one, only --yes says yes. */
static int confirm(const struct tp_cli *cli, bool yes, const char *question)
{
	char line[16];

	if (yes)
		return -1;
	if (!isatty(0) || !isatty(2)) {
		tp_cli_error(cli, "%s: refusing without --yes (not on a "
			     "terminal)", question);
		return TP_EXIT_USAGE;
	}
	fprintf(stderr, "%s [y/N] ", question);
	if (!fgets(line, sizeof(line), stdin) ||
	    (line[0] != 'y' && line[0] != 'Y')) {
		tp_cli_error(cli, "not confirmed; nothing was changed");
		return TP_EXIT_USAGE;
	}
	return -1;
}

/* What apply would do, from the plan alone: nothing is contacted. */
static void dry_run(const struct tp_plan *plan)
{
	const struct tp_playbook *pb = plan->playbook;
	size_t i, k;

	printf("plan %s: %zu host%s in %zu wave%s\n", plan->digest,
	       plan->nupdate, plan->nupdate == 1 ? "" : "s", plan->nwaves,
	       plan->nwaves == 1 ? "" : "s");
	for (i = 0; i < plan->nupdate; i++) {
		const struct tp_plan_host *h = &plan->hosts[i];

		printf("\nwave %zu  %s%s  reboot %s\n", h->wave, h->name,
		       h->canary ? " (canary)" : "",
		       tp_plan_reboot_name(h->reboot));
		printf("  steps: %zu pre-check%s%s, stage and keep for "
		       "rollback, apply, %s%zu verification%s, on failure %s\n",
		       tp_checks_count(pb, TP_CHECKS_PRE),
		       tp_checks_count(pb, TP_CHECKS_PRE) == 1 ? "" : "s",
		       pb->backup_command ? ", backup" : "",
		       pb->reboot == TP_PB_REBOOT_NEVER ? "" :
		       pb->reboot == TP_PB_REBOOT_ALWAYS ? "reboot, " :
							   "reboot if asked, ",
		       tp_checks_count(pb, TP_CHECKS_VERIFY),
		       tp_checks_count(pb, TP_CHECKS_VERIFY) == 1 ? "" : "s",
		       tp_pb_on_failure_name(pb->on_failure));
		for (k = 0; k < h->npins; k++) {
			const struct tp_plan_pin *p = &h->pins[k];

			printf("  %-30s %-6s %s -> %s\n", p->name,
			       p->arch ? p->arch : "", p->installed ?
			       p->installed : "(new)", p->candidate);
		}
	}
}

static char *command_line(int argc, char **argv)
{
	size_t n = 16, i;
	char *s;

	for (i = 0; i < (size_t)argc; i++)
		n += strlen(argv[i]) + 1;
	if (!(s = malloc(n)))
		return NULL;
	strcpy(s, "tidepatch");
	for (i = 0; i < (size_t)argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Everything one run command holds; released by run_release. */
struct run_ctx {
	struct tp_plan *plan;
	struct tp_inventory *inv;
	struct tp_host_spec *pick, *specs;
	size_t npick;
	struct tp_journal *j;
	struct tp_journal_lock *lock;
	FILE *events;
	char runs[4096];
};

static void run_release(struct run_ctx *rc)
{
	tp_journal_unlock(rc->lock);
	tp_journal_free(rc->j);
	if (rc->events)
		fclose(rc->events);
	free(rc->specs);
	tp_cli_hosts_release(rc->pick, rc->npick);
	tp_inventory_free(rc->inv);
	tp_plan_free(rc->plan);
}

static int open_events(const struct tp_cli *cli, const char *path,
		       struct run_ctx *rc)
{
	if (!path)
		return -1;
	if (!(rc->events = fopen(path, "a"))) {
		tp_cli_error(cli, "--events %s: %s", path, strerror(errno));
		return TP_EXIT_IOERR;
	}
	return -1;
}

/* Record the git commits of the playbook and the inventory. */
static void commits(const char *playbook, const char *inventory,
		    char pb_out[TP_GIT_OID_SIZE + 8],
		    char inv_out[TP_GIT_OID_SIZE + 8])
{
	struct tp_err err = { 0 };
	bool dirty = false;

	if (playbook && !tp_git_head(pb_out, &dirty, playbook, &err) && dirty)
		strcat(pb_out, "+dirty");
	if (!tp_git_head(inv_out, &dirty, inventory, &err) && dirty)
		strcat(inv_out, "+dirty");
}

int cmd_apply(struct tp_cli *cli, int argc, char **argv)
{
	const char *events = NULL, *runs = NULL;
	bool yes = false, dry = false;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	struct tp_cli_comp cc = TP_CLI_COMP_INIT;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		TP_CLI_COMP_OPTIONS(cc),
		{ TP_OPT_FLAG, 0, "dry-run", &dry, NULL,
		  "show what each host would get; change nothing" },
		{ TP_OPT_FLAG, 0, "yes", &yes, NULL,
		  "do not ask for confirmation (approval pauses still pause)" },
		{ TP_OPT_STRING, 0, "events", &events, "<file>",
		  "append every event as a JSON line to <file>" },
		{ TP_OPT_STRING, 0, "runs", &runs, "<dir>",
		  "where runs are journaled (default: runs/ beside the "
		  "inventory)" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct run_ctx rc;
	struct tp_run_info info;
	struct tp_rollout_opts ro = { 0 };
	struct tp_rollout_summary sum;
	struct tp_cli_events ce = { cli, NULL, NULL };
	struct tp_err err = { 0 };
	struct tp_buf text;
	char question[256], pbc[TP_GIT_OID_SIZE + 8] = "",
	     invc[TP_GIT_OID_SIZE + 8] = "", *cmdline = NULL;
	const char **names = NULL;
	int status, nargs = 0, r;
	size_t i;

	memset(&rc, 0, sizeof(rc));
	tp_buf_init(&text, TP_PLAN_FILE_MAX);
	/* as typed: parsing reorders argv */
	if (!(cmdline = command_line(argc, argv))) {
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	if ((status = tp_cli_parse_command(opts, apply_usage, argc, argv,
					   &nargs)) >= 0)
		goto out;
	if (nargs != 2) {
		tp_opts_usage(stderr, apply_usage, opts);
		status = TP_EXIT_USAGE;
		goto out;
	}
	if ((status = tp_cli_check_ssh(cli, &ss)) >= 0)
		goto out;
	if (is_plan_file(argv[1]))
		status = load_plan(cli, argv[1], &rc.plan);
	else
		status = tp_cli_build_plan(cli, &ss, &cc, argv[1], &rc.plan);
	if (status >= 0)
		goto out;
	if (!rc.plan->nupdate) {
		if (cli->verbosity >= 0)
			fprintf(stderr, "tidepatch: nothing to apply: every "
				"host in the plan is up to date or unreachable\n");
		status = TP_EXIT_OK;
		goto out;
	}
	if (dry) {
		dry_run(rc.plan);
		status = TP_EXIT_OK;
		goto out;
	}
	snprintf(question, sizeof(question), "apply %.20s... to %zu host%s "
		 "in %zu wave%s?", rc.plan->digest, rc.plan->nupdate,
		 rc.plan->nupdate == 1 ? "" : "s", rc.plan->nwaves,
		 rc.plan->nwaves == 1 ? "" : "s");
	if ((status = confirm(cli, yes, question)) >= 0)
		goto out;
	if ((status = tp_cli_plan_specs(cli, &ss, rc.plan, &rc.inv, &rc.pick,
					&rc.npick, &rc.specs)) >= 0)
		goto out;
	if ((status = open_events(cli, events, &rc)) >= 0)
		goto out;
	tp_cli_runs_dir(rc.runs, sizeof(rc.runs), ss.inventory, runs);
	commits(rc.plan->playbook_file, rc.inv->source, pbc, invc);
	names = calloc(rc.plan->nupdate + 1, sizeof(*names));
	if (!names) {
		tp_cli_error(cli, "out of memory");
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	for (i = 0; i < rc.plan->nupdate; i++)
		names[i] = rc.plan->hosts[i].name;
	memset(&info, 0, sizeof(info));
	info.plan_digest = rc.plan->digest;
	info.playbook_path = rc.plan->playbook_file;
	info.playbook_commit = pbc[0] ? pbc : NULL;
	info.inventory_path = rc.inv->source;
	info.inventory_commit = invc[0] ? invc : NULL;
	info.command = cmdline;
	info.hosts = names;
	info.n_hosts = rc.plan->nupdate;
	if ((r = tp_journal_create(&rc.j, rc.runs, &info, &err)) ||
	    (r = tp_plan_write_json(&text, rc.plan, &err)) ||
	    (r = tp_journal_write_file(rc.j, "plan.json", text.data, text.len,
				       &err))) {
		tp_cli_error(cli, "%s", err.msg);
		status = r == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	if ((status = tp_cli_lock_plan_hosts(cli, rc.runs,
					     tp_journal_run_id(rc.j), rc.plan,
					     &rc.lock)) >= 0) {
		/* the run exists now: say in it why it never started */
		json_t *why = json_pack("{s:s}", "reason", "its hosts are "
					"locked by another run");

		tp_journal_append(rc.j, NULL, "run", TP_JOURNAL_FAILED, why,
				  &err);
		json_decref(why);
		goto out;
	}
	if (cli->verbosity >= 0)
		fprintf(stderr, "tidepatch: run %s (journal %s)\n",
			tp_journal_run_id(rc.j), tp_journal_dir(rc.j));
	ce.file = rc.events;
	ce.pb = rc.plan->playbook;
	ro.parallel = ss.parallel;
	ro.on_event = tp_cli_on_event;
	ro.payload = &ce;
	if ((r = tp_rollout_run(&sum, rc.plan, rc.specs, rc.j, &ro, &err))) {
		tp_cli_error(cli, "run %s stopped: %s (tidepatch resume %s goes "
			     "on from the journal)", tp_journal_run_id(rc.j),
			     err.msg, tp_journal_run_id(rc.j));
		status = r == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	status = tp_cli_summary_exit(cli, &sum, tp_journal_run_id(rc.j));
out:
	free(names);
	free(cmdline);
	tp_buf_release(&text);
	run_release(&rc);
	return status;
}

/* Open run_id's journal and the plan it was started with. */
static int open_run(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		    const char *runs, const char *run_id, struct run_ctx *rc)
{
	struct tp_inv_problems pr;
	struct tp_run *run = NULL;
	struct tp_err err = { 0 };
	char *data = NULL;
	size_t len = 0;
	int r;

	tp_cli_runs_dir(rc->runs, sizeof(rc->runs), ss->inventory, runs);
	if ((r = tp_journal_load_run(&run, rc->runs, run_id, &err)) ||
	    (r = tp_journal_read_file(&data, &len, rc->runs, run_id,
				      "plan.json", &err))) {
		tp_cli_error(cli, "%s", err.msg);
		return r == TP_ENOTFOUND ? TP_EXIT_NOINPUT : TP_EXIT_DATAERR;
	}
	tp_inv_problems_init(&pr);
	r = tp_plan_load_buffer(&rc->plan, "plan.json", data, len, &pr, &err);
	free(data);
	tp_cli_print_problems(stderr, &pr, "");
	tp_inv_problems_release(&pr);
	if (!r && run->plan_digest && strcmp(run->plan_digest, rc->plan->digest))
		r = tp_err_set(&err, TP_ECONFIG, "the run's plan.json does not "
			       "match the digest it was started with");
	tp_run_free(run);
	if (r) {
		tp_cli_error(cli, "run %s: %s", run_id, err.msg);
		return TP_EXIT_DATAERR;
	}
	if ((r = tp_journal_open(&rc->j, rc->runs, run_id, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		return r == TP_ESYS ? TP_EXIT_UNAVAILABLE : TP_EXIT_IOERR;
	}
	if ((r = tp_cli_lock_plan_hosts(cli, rc->runs, run_id, rc->plan,
					&rc->lock)) >= 0)
		return r;
	return tp_cli_plan_specs(cli, ss, rc->plan, &rc->inv, &rc->pick,
				 &rc->npick, &rc->specs);
}

int cmd_resume(struct tp_cli *cli, int argc, char **argv)
{
	const char *events = NULL, *runs = NULL;
	bool yes = false;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_FLAG, 0, "yes", &yes, NULL,
		  "accepted for scripts; resume itself is the approval of the "
		  "next wave and does not ask" },
		{ TP_OPT_STRING, 0, "events", &events, "<file>",
		  "append every event as a JSON line to <file>" },
		{ TP_OPT_STRING, 0, "runs", &runs, "<dir>",
		  "where runs are journaled (default: runs/ beside the "
		  "inventory)" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct run_ctx rc;
	struct tp_rollout_opts ro = { 0 };
	struct tp_rollout_summary sum;
	struct tp_cli_events ce = { cli, NULL, NULL };
	struct tp_err err = { 0 };
	int status, nargs = 0, r;

	memset(&rc, 0, sizeof(rc));
	if ((status = tp_cli_parse_command(opts, resume_usage, argc, argv,
					   &nargs)) >= 0)
		return status;
	if (nargs != 2) {
		tp_opts_usage(stderr, resume_usage, opts);
		return TP_EXIT_USAGE;
	}
	if ((status = tp_cli_check_ssh(cli, &ss)) >= 0)
		return status;
	if ((status = open_run(cli, &ss, runs, argv[1], &rc)) >= 0 ||
	    (status = open_events(cli, events, &rc)) >= 0)
		goto out;
	if (tp_journal_step_last(tp_journal_state(rc.j), NULL, "run") !=
	    TP_JOURNAL_NONE) {
		if (cli->verbosity >= 0)
			fprintf(stderr, "tidepatch: run %s is finished; nothing "
				"to resume\n", argv[1]);
		status = TP_EXIT_OK;
		goto out;
	}
	ce.file = rc.events;
	ce.pb = rc.plan->playbook;
	(void)yes;
	ro.parallel = ss.parallel;
	ro.on_event = tp_cli_on_event;
	ro.payload = &ce;
	if ((r = tp_rollout_run(&sum, rc.plan, rc.specs, rc.j, &ro, &err))) {
		tp_cli_error(cli, "run %s stopped: %s", argv[1], err.msg);
		status = r == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	status = tp_cli_summary_exit(cli, &sum, argv[1]);
out:
	run_release(&rc);
	return status;
}

int cmd_rollback(struct tp_cli *cli, int argc, char **argv)
{
	const char *runs = NULL;
	bool yes = false;
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	const struct tp_opt opts[] = {
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_FLAG, 0, "yes", &yes, NULL, "do not ask" },
		{ TP_OPT_STRING, 0, "runs", &runs, "<dir>",
		  "where runs are journaled (default: runs/ beside the "
		  "inventory)" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct run_ctx rc;
	struct tp_rollout_opts ro = { 0 };
	struct tp_rollout_summary sum;
	struct tp_cli_events ce = { cli, NULL, NULL };
	struct tp_err err = { 0 };
	char question[256];
	int status, nargs = 0, r;

	memset(&rc, 0, sizeof(rc));
	if ((status = tp_cli_parse_command(opts, rollback_usage, argc, argv,
					   &nargs)) >= 0)
		return status;
	if (nargs < 2) {
		tp_opts_usage(stderr, rollback_usage, opts);
		return TP_EXIT_USAGE;
	}
	if ((status = tp_cli_check_ssh(cli, &ss)) >= 0)
		return status;
	snprintf(question, sizeof(question), "roll back run %s on %s?",
		 argv[1], nargs > 2 ? "the named hosts" : "every host it changed");
	if ((status = confirm(cli, yes, question)) >= 0)
		return status;
	if ((status = open_run(cli, &ss, runs, argv[1], &rc)) >= 0)
		goto out;
	ce.pb = NULL;	/* no notify hooks for a manual rollback */
	ro.parallel = ss.parallel;
	ro.on_event = tp_cli_on_event;
	ro.payload = &ce;
	if ((r = tp_rollout_rollback(&sum, rc.plan, rc.specs,
				     (const char *const *)argv + 2,
				     (size_t)(nargs - 2), rc.j, &ro, &err))) {
		tp_cli_error(cli, "%s", err.msg);
		status = r == TP_ENOTFOUND ? TP_EXIT_USAGE :
			 r == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
		goto out;
	}
	if (cli->verbosity >= 0)
		fprintf(stderr, "tidepatch: rollback of run %s: %zu rolled back, "
			"%zu failed, %zu not touched\n", argv[1], sum.rolled_back,
			sum.failed, sum.not_reached);
	status = !sum.failed ? TP_EXIT_OK : sum.rolled_back ?
		 TP_EXIT_PARTIAL : TP_EXIT_UNAVAILABLE;
out:
	run_release(&rc);
	return status;
}
