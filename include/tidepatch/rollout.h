/*
 * rollout.h - executing a plan (the Deploy phase): wave by wave, each
 * host through pre-checks, backup, stage, keep, apply, reboot and
 * verification, with the playbook's failure policy and budgets, every
 * change journaled before and after it is made, so a run can be resumed
 * after a crash or rolled back from its journal alone.
 *
 * Per-host phases (DESIGN.md): pending -> prechecked -> staged ->
 * applied -> (rebooting -> rebooted) -> verified, or -> failed ->
 * rolled_back, or unreachable / not reached.
 *
 * Journal steps, per host, in order: "precheck", "backup", "stage"
 * (done data: the files and their SHA-256), "keep" (the files rollback
 * needs), "apply" (intent data: "before" and "after" versions), "reboot"
 * (intent data: the old boot id), "verify", "rollback", and "host" (the
 * outcome: done = verified, failed = with its reason). Run level:
 * "reference" (the canary's staged files), "wave" (intent at a wave's
 * start, done/failed at its end), "pause", "halt", and "run" (the end).
 */
#ifndef TIDEPATCH_ROLLOUT_H
#define TIDEPATCH_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tidepatch/err.h"
#include "tidepatch/journal.h"
#include "tidepatch/many.h"
#include "tidepatch/plan.h"

/* Where staged and kept package files go on the hosts. */
#define TP_ROLLOUT_CACHE "/var/cache/tidepatch"

/* An event for progress displays, --events files and notify hooks:
 * {"event": ..., "time": ..., "run": ..., ...} (tidepatch-apply(1)). */
typedef void (*tp_rollout_event_fn)(void *payload, const json_t *event);

struct tp_rollout_opts {
	int parallel;		/* sessions at once within a wave */
	bool assume_yes;	/* an approval pause does not stop the run */
	tp_rollout_event_fn on_event;	/* may be NULL */
	void *payload;
};

enum tp_rollout_outcome {
	TP_ROLLOUT_DONE,	/* every wave ran (hosts may have failed
				   within the budgets) */
	TP_ROLLOUT_HALTED,	/* a budget or the halt policy stopped it */
	TP_ROLLOUT_PAUSED,	/* waits for approval or the window:
				   tidepatch resume goes on */
};

struct tp_rollout_summary {
	enum tp_rollout_outcome outcome;
	char reason[256];	/* why it halted or paused */
	size_t verified;	/* done */
	size_t failed;		/* failed and left as they are */
	size_t rolled_back;	/* failed, then restored */
	size_t unreachable;
	size_t not_reached;	/* untouched: later waves, or halted */
};

/*
 * Run (or resume: the journal says what is done already) plan's waves
 * on specs[i] for plan->hosts[i], i < plan->nupdate. Hosts whose journal
 * shows a finished outcome are not touched again; a step left in doubt
 * by a crash is checked on the host before going on (an apply is
 * queried: done, not done, or a mixed state that fails the host). The
 * caller holds the hosts' locks. Returns 0 with *out filled, or a TP_E*
 * code when the run itself could not go on (the journal could not be
 * written: TP_EIO; TP_ENOMEM).
 */
int tp_rollout_run(struct tp_rollout_summary *out, const struct tp_plan *plan,
		   const struct tp_host_spec *specs, struct tp_journal *j,
		   const struct tp_rollout_opts *opts, struct tp_err *err);

/*
 * Restore the exact previous versions, from the journal's kept files,
 * on the named hosts of the run (or all hosts that applied, when n is
 * 0); specs as above. Hosts that never applied anything, or are already
 * rolled back, are left alone and counted as not reached.
 */
int tp_rollout_rollback(struct tp_rollout_summary *out,
			const struct tp_plan *plan,
			const struct tp_host_spec *specs,
			const char *const *hosts, size_t n,
			struct tp_journal *j, const struct tp_rollout_opts *opts,
			struct tp_err *err);

/* "done", "halted", "paused"; never NULL. */
const char *tp_rollout_outcome_name(enum tp_rollout_outcome o);

#endif
