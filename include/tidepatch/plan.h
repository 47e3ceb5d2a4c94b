/*
 * plan.h - the rollout plan: a lockfile of exact versions per host, the
 * waves they go out in, the reboots to expect, the priority and deadline
 * of what each host is missing, and a digest over all of it.
 *
 * A plan is made once (tidepatch plan), committed, reviewed as a git
 * change and then executed as written: a later wave installs the planned
 * candidate versions, never whatever became newest in between. The
 * document "tidepatch.plan/1" is specified in tidepatch-plan(1); this
 * header states the C contract only.
 *
 * Building is pure (no I/O, no clock: "now" is an input), and the same
 * inputs give a byte-identical document whatever order the scans come in.
 */
#ifndef TIDEPATCH_PLAN_H
#define TIDEPATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "tidepatch/advisory.h"
#include "tidepatch/buf.h"
#include "tidepatch/compliance.h"
#include "tidepatch/err.h"
#include "tidepatch/inventory.h"
#include "tidepatch/pkg.h"
#include "tidepatch/playbook.h"
#include "tidepatch/scan.h"

#define TP_PLAN_SCHEMA "tidepatch.plan/1"
/* Largest plan file read; larger is a problem, not an allocation. */
#define TP_PLAN_FILE_MAX ((size_t)64 << 20)
/* "sha256:" and 64 lowercase hex digits, and the NUL. */
#define TP_PLAN_DIGEST_SIZE 72

/* What the plan expects of a host's reboot. */
enum tp_plan_reboot {
	TP_PLAN_REBOOT_NO,	/* "no": the playbook never reboots */
	TP_PLAN_REBOOT_IF_ASKED, /* "if-asked": when the packages ask */
	TP_PLAN_REBOOT_YES,	/* "yes": certain (always, kernel, pending) */
};

/* Where a host stands in the plan. */
enum tp_plan_state {
	TP_PLAN_UPDATE,		/* has pins; in a wave */
	TP_PLAN_UP_TO_DATE,	/* scanned, nothing selected to install */
	TP_PLAN_UNREACHABLE,	/* could not be scanned; not in a wave */
};

/* One exact version to install. All strings owned. */
struct tp_plan_pin {
	char *name;		/* binary package */
	char *arch;
	char *installed;	/* NULL for a new package (kind install) */
	char *candidate;	/* the exact version apply installs */
	char *source;		/* source package, NULL when not known */
	char *origin;		/* the repository it came from, or NULL */
	enum tp_update_kind kind;	/* never TP_UPDATE_REMOVE */
	bool security;		/* security pocket, or an advisory fixes it */
	enum tp_severity severity;	/* worst advisory it fixes, else
					   TP_SEV_UNKNOWN */
	char **advisories;	/* ids of the advisories it fixes, sorted */
	size_t nadvisories;
};

/* An available update the playbook's selection left out. */
struct tp_plan_skip {
	char *name;
	char *arch;
	char *candidate;	/* NULL for a removal */
	char *reason;		/* "not a security update", ... */
};

/* One host. All strings owned. */
struct tp_plan_host {
	char *name;
	enum tp_plan_state state;
	/* inventory facts the plan relied on */
	char *address;
	int port;
	char *user;		/* NULL: the SSH default */
	enum tp_criticality criticality;
	enum tp_exposure exposure;
	/* scan facts (UPDATE and UP_TO_DATE) */
	char *ecosystem;	/* "Debian:12", NULL if unknown */
	char *backend;		/* "apt", NULL if unknown */
	char *kernel;		/* running kernel, NULL if unknown */
	bool reboot_required;	/* already required before the rollout */
	/* UPDATE only */
	size_t wave;		/* 1-based; 0 when not in a wave */
	bool canary;
	enum tp_plan_reboot reboot;
	char *reboot_why;
	bool has_priority;	/* a missing fix among the pins is known */
	enum tp_priority priority;	/* the highest of those */
	char *deadline;		/* the earliest, RFC 3339 UTC, or NULL */
	struct tp_plan_pin *pins;	/* sorted by name, arch */
	size_t npins;
	struct tp_plan_skip *skipped;	/* sorted by name, arch */
	size_t nskipped;
	/* UNREACHABLE only */
	char *error_stage;	/* tp_scan_stage_name of where it stopped */
	char *error_code;	/* tp_errname */
	char *error_message;
};

struct tp_plan {
	char *created;		/* RFC 3339 UTC; not covered by the digest */
	char digest[TP_PLAN_DIGEST_SIZE];	/* "sha256:..." */
	/* the playbook, embedded verbatim so apply needs nothing else */
	char *playbook_file;
	char *playbook_content;
	size_t playbook_len;
	char playbook_sha256[65];
	struct tp_playbook *playbook;	/* owned; loaded from the content */
	char *inventory;	/* the inventory source used */
	char **targets;		/* the patterns the hosts were chosen by */
	size_t ntargets;
	char *limit;		/* NULL: none */
	bool severities_known;	/* advisory data was loaded */
	size_t advisories;	/* how many */
	/* UPDATE hosts in rollout order (wave by wave), then UP_TO_DATE
	 * and UNREACHABLE ones, each by name */
	struct tp_plan_host *hosts;
	size_t nhosts;
	size_t nupdate;		/* hosts[0..nupdate) are in waves */
	size_t *wave_sizes;	/* sizes over hosts[0..nupdate) */
	size_t nwaves;
};

/* Everything a plan is built from; all borrowed for the call. */
struct tp_plan_input {
	const char *playbook_file;	/* name recorded, "playbooks/x.json" */
	const char *playbook_content;	/* the file's bytes */
	size_t playbook_len;
	const struct tp_inventory *inv;	/* every scanned host must be in it */
	const char *const *targets;	/* recorded; NULL: the playbook's */
	size_t ntargets;
	const char *limit;		/* recorded; NULL: the playbook's */
	const struct tp_scan_result *scans;	/* one per targeted host */
	size_t nscans;
	const struct tp_finding_list *findings;	/* NULL, or nscans lists */
	size_t advisories;		/* advisories loaded (findings set) */
	const struct tp_policy *policy;	/* NULL: the defaults */
	const json_t *first_seen;	/* results state, host -> {key ->
					   time}; NULL: none (not changed) */
	time_t now;
};

/*
 * Build the plan for in into *out (caller frees with tp_plan_free). The
 * embedded playbook is parsed from in->playbook_content (its problems go
 * to problems, which may be NULL; then TP_ECONFIG). Per scanned host:
 * pins are the pending updates the playbook selects, with severity and
 * advisory ids from the findings; hosts with pins are ordered (canaries
 * first, then the playbook's order) and cut into waves with
 * tp_playbook_wave_sizes. Errors: TP_ECONFIG (playbook), TP_EINVAL (a
 * host twice or not in the inventory), TP_ENOTFOUND (a canary list but
 * no canary has anything to install), TP_ENOMEM.
 */
int tp_plan_build(struct tp_plan **out, const struct tp_plan_input *in,
		  struct tp_inv_problems *problems, struct tp_err *err);

void tp_plan_free(struct tp_plan *plan);

/*
 * The "tidepatch.plan/1" document of plan, digest included (recomputed,
 * so it is always right for what is written). *out is a new reference.
 * TP_ENOMEM.
 */
int tp_plan_to_json(json_t **out, const struct tp_plan *plan,
		    struct tp_err *err);

/*
 * The digest of a plan document: "sha256:" and the lowercase hex SHA-256
 * of doc without its "digest" and "created" keys, dumped with
 * JSON_SORT_KEYS | JSON_COMPACT (UTF-8, no trailing newline). doc is not
 * changed. TP_ENOMEM, TP_EINVAL when doc is not an object.
 */
int tp_plan_digest(char out[TP_PLAN_DIGEST_SIZE], const json_t *doc,
		   struct tp_err *err);

/* Append the plan file's text (2-space indented JSON and a newline). */
int tp_plan_write_json(struct tp_buf *out, const struct tp_plan *plan,
		       struct tp_err *err);

/*
 * Load a plan file and validate every field; problems (caller-owned,
 * initialised) get the file and the JSON path of each. The digest is
 * recomputed: a plan changed after it was made is refused. The embedded
 * playbook is loaded again (its problems name the playbook's file). 0
 * with *out set, or with *out NULL: TP_ECONFIG (problems; err says
 * whether the digest is why), TP_ENOTFOUND, TP_EIO, TP_ENOMEM. A file
 * over TP_PLAN_FILE_MAX is a problem.
 */
int tp_plan_load(struct tp_plan **out, const char *path,
		 struct tp_inv_problems *problems, struct tp_err *err);
/* As tp_plan_load from <data, len>; file names it in problems. */
int tp_plan_load_buffer(struct tp_plan **out, const char *file,
			const char *data, size_t len,
			struct tp_inv_problems *problems, struct tp_err *err);

/* Counts over a plan, for summaries. */
struct tp_plan_counts {
	size_t update, up_to_date, unreachable;
	size_t pins;
	size_t reboot_yes, reboot_if_asked;
};
void tp_plan_count(const struct tp_plan *plan, struct tp_plan_counts *out);

/*
 * Writers (src/report/report_plan.c), each appending one document:
 * - text: the human summary, wave by wave, the pins of each host,
 *   reboots, up-to-date and unreachable hosts, the digest;
 * - markdown: the same for a merge request description.
 */
struct tp_table_style;
int tp_report_plan_text(struct tp_buf *out, const struct tp_plan *plan,
			const struct tp_table_style *style,
			struct tp_err *err);
int tp_report_plan_markdown(struct tp_buf *out, const struct tp_plan *plan,
			    struct tp_err *err);

/* "no", "if-asked", "yes"; never NULL. */
const char *tp_plan_reboot_name(enum tp_plan_reboot r);

#endif
