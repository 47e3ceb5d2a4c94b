/*
 * rollout_cli.h - shared by the apply, resume, rollback and runs
 * commands (rollout_cli.c).
 */
#ifndef TIDEPATCH_CLI_ROLLOUT_H
#define TIDEPATCH_CLI_ROLLOUT_H

#include <stdio.h>

#include "cli.h"
#include "tidepatch/journal.h"
#include "tidepatch/many.h"
#include "tidepatch/plan.h"
#include "tidepatch/rollout.h"

/* Runs live in runs/ beside the inventory, or where --runs says. */
void tp_cli_runs_dir(char *out, size_t size, const char *inventory,
		     const char *runs);

/*
 * SSH targets for the plan's hosts in waves, in plan order: *specs_out
 * (free() it) borrows from *pick_out (release with tp_cli_hosts_release
 * over *npick_out) and *inv_out. -1, or an exit status after printing.
 */
int tp_cli_plan_specs(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      const struct tp_plan *plan, struct tp_inventory **inv_out,
		      struct tp_host_spec **pick_out, size_t *npick_out,
		      struct tp_host_spec **specs_out);

/* Lock the plan's hosts for run_id; -1 or an exit status (printed,
 * naming the run that holds a host). */
int tp_cli_lock_plan_hosts(const struct tp_cli *cli, const char *runs_dir,
			   const char *run_id, const struct tp_plan *plan,
			   struct tp_journal_lock **out);

/* The event sink: progress on stderr, --events file, notify hooks. */
struct tp_cli_events {
	const struct tp_cli *cli;
	FILE *file;			/* --events, or NULL */
	const struct tp_playbook *pb;	/* its notify hooks */
};
void tp_cli_on_event(void *payload, const json_t *ev);

/* The closing line and the exit status of a rollout: 0 all verified,
 * 75 paused, 2 partly, 69 nothing verified. */
int tp_cli_summary_exit(const struct tp_cli *cli,
			const struct tp_rollout_summary *s, const char *run_id);

#endif
