/*
 * cmd_runs.c - `tidepatch runs [RUN]`: the history of rollouts, from
 * their journals. Listing is read-only and works while a run is going
 * on (the journal is append-only; a torn last line is shown as such).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rollout_cli.h"
#include "tidepatch/journal.h"

static const char *const usage[] = {
	"tidepatch runs [-i <inventory>] [--runs <dir>] [--format table|json] [<run>]",
	NULL,
};

static const char *state_of(const struct tp_run *r)
{
	if (r->err.code)
		return "unreadable";
	if (!r->finished)
		return "unfinished";
	return r->outcome == TP_JOURNAL_DONE ? "done" : "failed";
}

static void list_table(const struct tp_run_list *l)
{
	size_t i;

	printf("%-22s  %-20s  %-10s  %5s  %s\n", "RUN", "CREATED", "STATE",
	       "HOSTS", "PLAYBOOK");
	for (i = 0; i < l->n; i++) {
		const struct tp_run *r = l->runs[i];

		printf("%-22s  %-20s  %-10s  %5zu  %s\n", r->run_id,
		       r->created ? r->created : "?", state_of(r), r->n_planned,
		       r->playbook_path ? r->playbook_path : "-");
	}
}

/* One run: its header, then each host's last step. */
static void show_table(const struct tp_run *r)
{
	const struct tp_journal_state *st = r->state;
	size_t i, k;

	printf("run        %s\n", r->run_id);
	printf("state      %s\n", state_of(r));
	printf("created    %s\n", r->created ? r->created : "?");
	printf("updated    %s\n", r->updated ? r->updated : "-");
	printf("plan       %s\n", r->plan_digest ? r->plan_digest : "-");
	printf("playbook   %s%s%s\n", r->playbook_path ? r->playbook_path : "-",
	       r->playbook_commit ? " @ " : "",
	       r->playbook_commit ? r->playbook_commit : "");
	printf("inventory  %s%s%s\n", r->inventory_path ? r->inventory_path : "-",
	       r->inventory_commit ? " @ " : "",
	       r->inventory_commit ? r->inventory_commit : "");
	printf("command    %s\n", r->command ? r->command : "-");
	printf("records    %llu%s\n", (unsigned long long)r->n_records,
	       r->torn ? " (last line torn: an interrupted write)" : "");
	if (!st)
		return;
	printf("\n%-20s  %-10s  %-10s  %s\n", "HOST", "LAST DONE", "IN DOUBT",
	       "OUTCOME");
	for (i = 0; i < st->n_hosts; i++) {
		const struct tp_journal_host *h = &st->hosts[i];
		const char *outcome = "-";

		if (!h->name)
			continue;
		for (k = 0; k < h->n_steps; k++)
			if (!strcmp(h->steps[k].name, "host"))
				outcome = h->steps[k].last == TP_JOURNAL_DONE ?
						  "verified" : "failed";
		printf("%-20s  %-10s  %-10s  %s\n", h->name,
		       tp_journal_last_done(st, h->name) ?
			       tp_journal_last_done(st, h->name) : "-",
		       tp_journal_in_doubt(st, h->name) ?
			       tp_journal_in_doubt(st, h->name) : "-",
		       outcome);
	}
}

int cmd_runs(struct tp_cli *cli, int argc, char **argv)
{
	const char *inventory = NULL, *runs = NULL, *format = NULL;
	const struct tp_opt opts[] = {
		{ TP_OPT_STRING, 'i', "inventory", &inventory, "<path>",
		  "inventory (its directory holds runs/)" },
		{ TP_OPT_STRING, 0, "runs", &runs, "<dir>",
		  "where runs are journaled (default: runs/ beside the "
		  "inventory)" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "table (default) or json" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	enum tp_format fmt = cli->format;
	struct tp_err err = { 0 };
	char dir[4096];
	int rc, nargs = 0, status = TP_EXIT_OK;
	json_t *doc = NULL;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (nargs > 2 || (format && tp_cli_parse_format(format, &fmt))) {
		tp_opts_usage(stderr, usage, opts);
		return TP_EXIT_USAGE;
	}
	tp_cli_runs_dir(dir, sizeof(dir), inventory, runs);
	if (nargs == 2) {
		struct tp_run *r = NULL;

		if ((rc = tp_journal_load_run(&r, dir, argv[1], &err))) {
			tp_cli_error(cli, "%s", err.msg);
			return rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
						    TP_EXIT_DATAERR;
		}
		if (fmt == TP_FORMAT_JSON)
			doc = tp_journal_run_json(r, true, &err);
		else
			show_table(r);
		tp_run_free(r);
	} else {
		struct tp_run_list l;

		if ((rc = tp_journal_list_runs(&l, dir, &err))) {
			tp_cli_error(cli, "%s", err.msg);
			return TP_EXIT_IOERR;
		}
		if (fmt == TP_FORMAT_JSON)
			doc = tp_journal_runs_json(&l, &err);
		else
			list_table(&l);
		tp_run_list_release(&l);
	}
	if (fmt == TP_FORMAT_JSON) {
		struct tp_buf out;

		tp_buf_init(&out, (size_t)512 << 20);
		if (tp_cli_append_json(&out, doc, JSON_INDENT(2) |
				       JSON_ENSURE_ASCII, &err) ||
		    tp_cli_write_output(NULL, out.data, out.len, &err)) {
			tp_cli_error(cli, "%s", err.msg);
			status = TP_EXIT_IOERR;
		}
		tp_buf_release(&out);
	}
	return status;
}
