/*
 * compliance.h - the Evaluate phase and its audit: for each host and
 * each missing (or installed) fix, a release priority, a deadline that
 * runs from when the fix was first seen missing there, and a compliance
 * state; then the report model every writer renders.
 *
 * The policy file is specified in tidepatch-policy(5), the report
 * formats in tidepatch-report(1); this header states the C contract.
 */
#ifndef TIDEPATCH_COMPLIANCE_H
#define TIDEPATCH_COMPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "tidepatch/advisory.h"
#include "tidepatch/buf.h"
#include "tidepatch/err.h"
#include "tidepatch/inventory.h"

/* Release priority (seeds: Table 13.3), in order of urgency. */
enum tp_priority {
	TP_PRIO_LOW,
	TP_PRIO_MEDIUM,
	TP_PRIO_HIGH,
	TP_PRIO_EMERGENCY,
};
#define TP_PRIO_COUNT 4

/* "low", "medium", "high", "emergency"; never NULL. */
const char *tp_priority_name(enum tp_priority p);
int tp_priority_from_name(enum tp_priority *out, const char *name,
			  struct tp_err *err);

/* One exclusion or mitigation rule of the policy. All strings owned. */
struct tp_policy_rule {
	char *advisory;		/* glob on the advisory id or any CVE, or NULL */
	char *package;		/* glob on the package (source) name, or NULL */
	char *hosts;		/* host pattern (tidepatch-inventory(5)), or
				   NULL for every host */
	char *reason;		/* required: why (shown in every report) */
	time_t until;		/* the rule expires then; 0: never */
};

struct tp_policy {
	char *source;		/* the file loaded, or NULL for the defaults */
	/* deadline per priority, in seconds; defaults 24 h, 30 d, 120 d,
	 * 365 d (seeds: Table 13.3, "recommended time frame") */
	int64_t deadline_s[TP_PRIO_COUNT];
	/* critical severity on a host whose criticality is critical never
	 * gets more than this (default 72 h), whatever its priority */
	int64_t critical_asset_s;
	/* the priority a fix of unknown severity starts from (default
	 * medium: a security fix nobody rated is not low) */
	enum tp_priority unknown_severity;
	struct tp_policy_rule *exclude;	/* accepted risk: not counted */
	size_t nexclude;
	struct tp_policy_rule *mitigate; /* countermeasure: priority -1 */
	size_t nmitigate;
};

/* The defaults above. */
void tp_policy_init(struct tp_policy *p);
void tp_policy_release(struct tp_policy *p);

/*
 * Load a policy file (JSON, tidepatch-policy(5)) over the defaults. A
 * missing file is TP_ENOTFOUND (callers decide whether the default path
 * may be absent). Every problem is appended to problems with file and
 * JSON path; then TP_ECONFIG. TP_EIO, TP_ENOMEM.
 */
int tp_policy_load(struct tp_policy *p, const char *path,
		   struct tp_inv_problems *problems, struct tp_err *err);

/* Why a priority is what it is, for reports ("raised: exposure internet"). */
#define TP_PRIO_WHY_MAX 256

/*
 * The release priority of a fix of severity sev on host h (seeds: the
 * 003 rating guidance and Table 13.4): critical -> emergency, important
 * -> high, moderate -> medium, low -> low, unknown -> the policy's;
 * then +1 for a high-value or exposed asset (criticality high/critical,
 * exposure dmz/internet), +1 when known exploited, -1 for a mitigation
 * rule that matches, -1 for a low-value or isolated asset (criticality
 * low, exposure isolated); clamped to low..emergency. why gets a short
 * explanation. mitigation is the matching rule or NULL.
 */
enum tp_priority tp_priority_for(const struct tp_policy *p,
				 enum tp_severity sev, bool exploited,
				 const struct tp_inv_host *h,
				 const struct tp_policy_rule *mitigation,
				 char why[TP_PRIO_WHY_MAX]);

/* Seconds from first seen to the deadline for priority prio on host h
 * at severity sev (critical_asset_s applied). */
int64_t tp_policy_deadline_s(const struct tp_policy *p, enum tp_priority prio,
			     enum tp_severity sev, const struct tp_inv_host *h);

/*
 * The first rule of rules[0..n) that matches (advisory id or one of
 * cves, package, host name via inv's patterns) and has not expired at
 * now, or NULL. inv may be NULL: then only rules without "hosts" match.
 */
const struct tp_policy_rule *tp_policy_match(const struct tp_policy_rule *rules,
					     size_t n,
					     const struct tp_inventory *inv,
					     const char *host,
					     const char *advisory,
					     char *const *cves, size_t ncves,
					     const char *package, time_t now);

/* Per host and fix (DESIGN.md, domain model). Append-only: persisted. */
enum tp_compliance {
	TP_COMP_INSTALLED,
	TP_COMP_INSTALLED_PENDING_REBOOT,
	TP_COMP_MISSING,
	TP_COMP_MISSING_OVERDUE,
	TP_COMP_FAILED,
	TP_COMP_ROLLED_BACK,
	TP_COMP_EXCLUDED,
	TP_COMP_NOT_APPLICABLE,
	TP_COMP_UNREACHABLE,
};
#define TP_COMP_COUNT 9

/* "installed", "installed_pending_reboot", "missing", ...; never NULL. */
const char *tp_compliance_name(enum tp_compliance c);
int tp_compliance_from_name(enum tp_compliance *out, const char *name,
			    struct tp_err *err);

/* One fix on one host. All strings owned. */
struct tp_comp_item {
	char *advisory;		/* advisory id; NULL: a security-pocket
				   update that no loaded advisory names */
	char *package;		/* source package (or binary for rpm) */
	char **binaries;	/* installed binary packages from it */
	size_t nbinaries;
	char *installed;	/* version on the host */
	char *fixed;		/* version that fixes it, NULL if unknown */
	char *summary;		/* may be NULL */
	char **cves;
	size_t ncves;
	enum tp_severity severity;
	bool exploited;
	enum tp_priority priority;
	char *priority_why;	/* "severity important -> high; raised: ..." */
	char *first_seen;	/* RFC 3339 UTC; NULL for installed items */
	char *deadline;		/* first_seen + the policy's deadline */
	enum tp_compliance state;
	char *note;		/* exclusion or mitigation reason, or NULL */
};

/* One host's part of the report. All strings owned. */
struct tp_comp_host {
	char *name;
	char *scanned_at;	/* of the scan used; NULL if never scanned */
	bool reachable;		/* the latest scan of the host succeeded */
	char *error_code;	/* tp_errname of its failure, else NULL */
	char *error_message;
	char *ecosystem;	/* "Debian:12", NULL if unknown */
	enum tp_criticality criticality;
	enum tp_exposure exposure;
	char **groups;
	size_t ngroups;
	bool reboot_required;
	struct tp_comp_item *items;	/* sorted: state (overdue, missing,
					   ... installed), priority down,
					   severity down, deadline, id */
	size_t nitems;
	size_t count[TP_COMP_COUNT];	/* items per state */
};

struct tp_comp_report {
	char *generated_at;	/* RFC 3339 UTC "now" of the evaluation */
	bool severities_known;	/* false when no advisory data was loaded:
				   every severity is then "unknown" */
	size_t advisories;	/* how many were loaded */
	struct tp_comp_host *hosts;	/* inventory order */
	size_t nhosts;
	/* totals over all hosts: state x severity, and missing by priority */
	size_t by_state_severity[TP_COMP_COUNT][TP_SEV_CRITICAL + 1];
	size_t missing_by_priority[TP_PRIO_COUNT];
};

void tp_comp_report_release(struct tp_comp_report *r);

struct tp_scan_result;

/*
 * Evaluate one host into *out (initialised here; released with the
 * report): scan is its latest scan (NULL: never scanned; a failed scan
 * makes the host unreachable with no items), findings what the
 * advisories say about it (NULL: no advisory data; then every update
 * from a security pocket becomes an item of unknown severity), h its
 * inventory entry (NULL: defaults). first_seen is the host's object of
 * "key" -> RFC 3339 times (see tp_comp_item_key): missing items look up
 * their first sighting there, and items seen now for the first time are
 * added with now; keys of fixes no longer missing are removed. TP_ENOMEM.
 */
int tp_comp_evaluate_host(struct tp_comp_host *out, const char *name,
			  const struct tp_scan_result *scan,
			  const struct tp_finding_list *findings,
			  const struct tp_inv_host *h,
			  const struct tp_inventory *inv,
			  const struct tp_policy *p, json_t *first_seen,
			  time_t now, struct tp_err *err);

/* Free what h holds and zero it (h itself is the caller's). */
void tp_comp_host_release(struct tp_comp_host *h);

/* Add a host (ownership moves into r) and count it in the totals. */
int tp_comp_report_add(struct tp_comp_report *r, struct tp_comp_host *h,
		       struct tp_err *err);

/* Counts per group, for the writers that show them: items whose host is
 * in group, per state. */
void tp_comp_count_group(const struct tp_comp_report *r, const char *group,
			 size_t out[TP_COMP_COUNT]);

/*
 * Writers (src/report/). Each appends one document to out; TP_ENOMEM or
 * TP_ETOOBIG from the buffer. Formats in tidepatch-report(1):
 * - table: hosts x severity of what is missing, overdue first, then the
 *   items per host; color per style.
 * - json: the "tidepatch.report/1" document.
 * - junit: a testsuite per host, a testcase per host and advisory
 *   (failure when missing, error when the host is unreachable, skipped
 *   when excluded); valid for GitLab and Jenkins.
 * - sarif: SARIF 2.1.0, a rule per advisory, a result per host and
 *   missing fix (level error for overdue or critical, warning else).
 * - markdown: for a merge request comment.
 */
#define TP_REPORT_SCHEMA "tidepatch.report/1"

struct tp_table_style;
int tp_report_comp_table(struct tp_buf *out, const struct tp_comp_report *r,
			 const struct tp_table_style *style, struct tp_err *err);
int tp_report_comp_json(struct tp_buf *out, const struct tp_comp_report *r,
			struct tp_err *err);
int tp_report_comp_junit(struct tp_buf *out, const struct tp_comp_report *r,
			 struct tp_err *err);
int tp_report_comp_sarif(struct tp_buf *out, const struct tp_comp_report *r,
			 struct tp_err *err);
int tp_report_comp_markdown(struct tp_buf *out,
			    const struct tp_comp_report *r, struct tp_err *err);

#endif
