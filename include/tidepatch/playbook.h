/*
 * playbook.h - the declarative rollout spec: which hosts, which updates,
 * in which waves, with which safety nets, and what to do on failure.
 *
 * The format, every key and its default are specified in
 * tidepatch-playbook(5); this header states the C contract only.
 * Loading validates everything and reports every problem with its place
 * (file and JSON path, or file:line:column for JSON syntax), like the
 * inventory: a playbook is reviewed as a git change. The loaded struct is
 * fully resolved: every default is applied, so the rollout engine never
 * has to know one.
 *
 * The helpers at the end are pure (no I/O, no clock): the engine asks
 * them how big each wave is, whether a failure budget is spent, whether
 * the maintenance window is open and whether an update is selected.
 */
#ifndef TIDEPATCH_PLAYBOOK_H
#define TIDEPATCH_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tidepatch/advisory.h"		/* enum tp_severity */
#include "tidepatch/err.h"
#include "tidepatch/inventory.h"	/* struct tp_inv_problems */

/* Largest playbook file read; larger is a problem, not an allocation. */
#define TP_PLAYBOOK_FILE_MAX ((size_t)1 << 20)
/* Longest command (backup, check, verify, notify), in bytes. */
#define TP_PLAYBOOK_CMD_MAX 4096
/* Longest duration accepted anywhere: 366 days, in seconds. */
#define TP_PLAYBOOK_DURATION_MAX (366u * 86400u)
/* The only format version so far ("version": 1). */
#define TP_PLAYBOOK_VERSION 1

enum tp_pb_order {
	TP_PB_ORDER_CRITICALITY,	/* default: least critical hosts first */
	TP_PB_ORDER_INVENTORY,		/* as the inventory lists them */
	TP_PB_ORDER_NAME,		/* by host name, byte order */
};

enum tp_pb_reboot {
	TP_PB_REBOOT_NEVER,
	TP_PB_REBOOT_IF_REQUIRED,	/* default */
	TP_PB_REBOOT_ALWAYS,
};

enum tp_pb_on_failure {
	TP_PB_ONFAIL_ROLLBACK_HOST,	/* default: roll back the failed host */
	TP_PB_ONFAIL_HALT,		/* leave it as it is and stop */
	TP_PB_ONFAIL_ROLLBACK_WAVE,	/* roll back every host of the wave */
};

/* Notification events, as bits of struct tp_pb_notify.events. */
enum tp_pb_event {
	TP_PB_EV_ROLLOUT_START = 1 << 0,
	TP_PB_EV_WAVE_START = 1 << 1,
	TP_PB_EV_HOST_DONE = 1 << 2,
	TP_PB_EV_HOST_FAILED = 1 << 3,
	TP_PB_EV_HOST_UNREACHABLE = 1 << 4,
	TP_PB_EV_WAVE_END = 1 << 5,
	TP_PB_EV_BUDGET_EXCEEDED = 1 << 6,
	TP_PB_EV_APPROVAL_WAIT = 1 << 7,
	TP_PB_EV_WINDOW_WAIT = 1 << 8,
	TP_PB_EV_ROLLOUT_END = 1 << 9,
};
#define TP_PB_EV_ALL ((1u << 10) - 1)

/*
 * One entry of "waves". A count is a wave of that many hosts; a percent
 * is cumulative: the wave brings the hosts done so far up to that share
 * of all targeted hosts (see tp_playbook_wave_sizes). A canary list is
 * allowed first only.
 */
enum tp_pb_wave_kind { TP_PB_WAVE_COUNT, TP_PB_WAVE_PERCENT,
		       TP_PB_WAVE_CANARY };

struct tp_pb_wave {
	enum tp_pb_wave_kind kind;
	unsigned count;		/* COUNT: hosts, >= 1 */
	unsigned bp;		/* PERCENT: hundredths of a percent,
				 * 1-10000 ("12.5%" is 1250) */
	char **canary;		/* CANARY: owned host names or fnmatch(3)
				 * globs, matched against host names */
	size_t ncanary;
};

/* A budget: at most value hosts, or at most bp/100 percent of a base. */
struct tp_pb_limit {
	bool percent;
	unsigned value;		/* a count, or hundredths of a percent */
};

struct tp_pb_budget {
	struct tp_pb_limit max_failed;
	struct tp_pb_limit max_unreachable;
};

/*
 * A weekly maintenance window. It opens at start on each listed day and
 * closes at end the same day, or the next day when end <= start (it wraps
 * midnight; the day listed is the day it opens).
 */
struct tp_pb_window {
	bool set;		/* false: always open (the default) */
	unsigned days;		/* bit n = struct tm's tm_wday n (0 = sun) */
	int start;		/* minutes after midnight, 0-1439 */
	int end;
	bool utc;		/* true: UTC (default); false: local time */
};

struct tp_pb_min_free {
	char *path;		/* owned; absolute */
	unsigned long mb;	/* at least this many MiB free for root */
};

struct tp_pb_http {
	char *url;		/* owned; http:// or https://, fetched on the
				 * host itself */
	int expect_status;	/* default 200 */
};

struct tp_pb_notify {
	char *command;		/* owned; run locally by /bin/sh, one JSON
				 * event per line on its stdin */
	unsigned events;	/* TP_PB_EV_* bits; default TP_PB_EV_ALL */
	unsigned timeout;	/* seconds; default 30 */
};

/* Durations are in seconds. Command strings are run by /bin/sh. */
/* The defaults of reboot_commands (tidepatch-playbook(5)). */
#define TP_PB_REBOOT_COMMAND "systemctl reboot || /sbin/reboot"
#define TP_PB_BOOT_ID_COMMAND "cat /proc/sys/kernel/random/boot_id"

struct tp_playbook {
	char *file;		/* owned; as loaded */
	int version;		/* TP_PLAYBOOK_VERSION */
	char *name;		/* owned; default: the file name without
				 * its directory and ".json" */
	char *description;	/* owned; NULL when not set */

	/* targets: inventory host patterns, tidepatch-inventory(5) */
	char **targets;		/* owned; at least one (required) */
	size_t ntargets;
	char *limit;		/* owned; NULL when not set */

	/* select: which available updates are installed */
	bool security_only;	/* default false */
	enum tp_severity min_severity;	/* default TP_SEV_UNKNOWN: all */
	char **include;		/* owned globs; none: every package */
	size_t ninclude;
	char **exclude;		/* owned globs; default none */
	size_t nexclude;
	char **advisories;	/* owned ids; none: not restricted */
	size_t nadvisories;

	struct tp_pb_wave *waves;	/* owned; default 1, "10%", "100%";
					 * the last is always "100%" */
	size_t nwaves;
	enum tp_pb_order order;
	struct tp_pb_budget budget_wave;	/* default: 0 failed,
						 * "10%" unreachable */
	struct tp_pb_budget budget_total;	/* same defaults */
	unsigned soak;		/* between waves; default 600 */
	bool approval;		/* pause for approval between waves;
				 * default false */
	struct tp_pb_window window;

	enum tp_pb_reboot reboot;
	enum tp_pb_on_failure on_failure;

	/* prechecks, before anything changes on a host */
	struct tp_pb_min_free *min_free;	/* owned; default
						 * { "/var": 500 } */
	size_t nmin_free;
	char **pre_services;	/* owned; systemd units that must be active */
	size_t npre_services;
	char **pre_commands;	/* owned; must exit 0 */
	size_t npre_commands;

	/* verify, after apply (and reboot) */
	char **verify_services;	/* owned */
	size_t nverify_services;
	int *verify_ports;	/* owned; TCP ports that must be listening */
	size_t nverify_ports;
	struct tp_pb_http *verify_http;	/* owned */
	size_t nverify_http;
	char **verify_commands;	/* owned */
	size_t nverify_commands;
	unsigned verify_retries;	/* extra attempts; default 3 */
	unsigned verify_delay;		/* between attempts; default 10 */

	char *backup_command;	/* owned; NULL: no backup step */
	/* reboot_commands: how to reboot, and what tells one boot from the
	 * next; NULL: TP_PB_REBOOT_COMMAND, TP_PB_BOOT_ID_COMMAND */
	char *reboot_command;	/* owned */
	char *boot_id_command;	/* owned */
	unsigned backup_timeout;	/* default 600 */

	struct tp_pb_notify *notify;	/* owned; default none */
	size_t nnotify;

	/* timeouts of the fixed steps */
	unsigned timeout_connect;	/* default 30 */
	unsigned timeout_precheck;	/* default 300 */
	unsigned timeout_stage;		/* download; default 1800 */
	unsigned timeout_apply;		/* default 1800 */
	unsigned timeout_reboot;	/* back on SSH; default 900 */
	unsigned timeout_verify;	/* per attempt; default 300 */
	unsigned timeout_rollback;	/* default 1800 */
};

/*
 * Load and validate the playbook file at path. Comments (// to the end of
 * the line, and C block comments) are allowed outside strings. Every
 * problem is appended to problems (caller-owned, initialised). Returns 0
 * with *out set (caller frees with tp_playbook_free) or, with *out NULL:
 * TP_ECONFIG when problems were found (err says how many), TP_ENOTFOUND
 * when path does not exist, TP_EIO, TP_ENOMEM. A file larger than
 * TP_PLAYBOOK_FILE_MAX is a problem.
 */
int tp_playbook_load(struct tp_playbook **out, const char *path,
		     struct tp_inv_problems *problems, struct tp_err *err);

/*
 * As tp_playbook_load, from <data, len> (a git blob, say); file is the
 * name used in problems and for the default name. No TP_ENOTFOUND or
 * TP_EIO.
 */
int tp_playbook_load_buffer(struct tp_playbook **out, const char *file,
			    const char *data, size_t len,
			    struct tp_inv_problems *problems,
			    struct tp_err *err);

/* Free a playbook. NULL is allowed. */
void tp_playbook_free(struct tp_playbook *pb);

/*
 * Parse a duration: a decimal number and one unit, s, m, h or d ("0s",
 * "90s", "10m", "2h", "1d"), at most TP_PLAYBOOK_DURATION_MAX seconds.
 * Sets *seconds_out and returns 0, or TP_EINVAL with a message for err.
 */
int tp_playbook_duration_parse(unsigned *seconds_out, const char *s,
			       struct tp_err *err);

/*
 * Whether host_name is a canary of pb: it matches a name or glob of the
 * canary wave (there is none: false). The engine puts the targeted hosts
 * that are canaries first, in order, and then the others.
 */
bool tp_playbook_is_canary(const struct tp_playbook *pb,
			   const char *host_name);

/*
 * The size of each wave for nhosts ordered hosts of which the first
 * ncanary are canaries (tp_playbook_is_canary). Walking pb->waves with
 * done = hosts in earlier waves: a canary entry is a wave of the ncanary
 * hosts; a count N is a wave of N hosts; a percent P is a wave that
 * brings done up to ceil(P% of nhosts), and at least one host when done
 * is already there; the last entry ("100%") takes the rest. A wave never
 * exceeds what is left, and when nothing is left no more waves follow,
 * so no wave is empty and the sizes add up to nhosts. *sizes_out gets
 * *nwaves_out sizes (caller frees; NULL with 0 waves when nhosts is 0).
 * Errors: TP_ENOTFOUND when the playbook has a canary list but ncanary is
 * 0 (a canary that matches nothing is no canary); TP_EINVAL when ncanary
 * is more than nhosts, or not 0 without a canary list; TP_ENOMEM.
 */
int tp_playbook_wave_sizes(const struct tp_playbook *pb, size_t nhosts,
			   size_t ncanary, size_t **sizes_out,
			   size_t *nwaves_out, struct tp_err *err);

/*
 * Whether count hosts exceed lim out of base hosts: count > value for a
 * count; count > P% of base (exactly, no rounding) for a percent. So at
 * exactly the limit the budget holds, one more spends it.
 */
bool tp_playbook_limit_exceeded(const struct tp_pb_limit *lim, size_t count,
				size_t base);

/* Bits returned by tp_playbook_budget_exceeded. */
#define TP_PB_BUDGET_FAILED 1
#define TP_PB_BUDGET_UNREACHABLE 2

/*
 * Check a budget (pb->budget_wave with the wave's size as base, or
 * pb->budget_total with every targeted host): 0 when it holds, else
 * TP_PB_BUDGET_FAILED and/or TP_PB_BUDGET_UNREACHABLE, each counted
 * against its own limit.
 */
int tp_playbook_budget_exceeded(const struct tp_pb_budget *budget,
				size_t failed, size_t unreachable,
				size_t base);

/* Whether pb's maintenance window is open at now (always, when unset). */
bool tp_playbook_window_open(const struct tp_playbook *pb, time_t now);

/*
 * The window opening that is open at now, or else the next one: sets
 * *opens_out (now when already open) and *closes_out (when that opening
 * ends; (time_t)-1 with no window). Returns 0, or TP_ENOTFOUND when the
 * window never opens again within 8 days (it cannot, when valid).
 */
int tp_playbook_window_next(const struct tp_playbook *pb, time_t now,
			    time_t *opens_out, time_t *closes_out,
			    struct tp_err *err);

/*
 * Whether an available update of package name is selected: not when
 * security_only and it is not a security update, not when severity is
 * below min_severity (non-security updates have TP_SEV_UNKNOWN), not when
 * include globs are set and none matches, not when an exclude glob
 * matches. Globs are fnmatch(3) patterns on the binary package name.
 */
bool tp_playbook_package_selected(const struct tp_playbook *pb,
				  const char *name, bool is_security,
				  enum tp_severity severity);

/*
 * Whether an update that fixes the advisories ids (advisory ids and CVE
 * ids) is wanted by pb's advisories list: true when the list is empty,
 * else when one of ids is listed (ASCII case-insensitive).
 */
bool tp_playbook_advisory_selected(const struct tp_playbook *pb,
				   const char *const *ids, size_t nids);

/* Stable names, as written in playbooks and in JSON output. */
const char *tp_pb_order_name(enum tp_pb_order o);
const char *tp_pb_reboot_name(enum tp_pb_reboot r);
const char *tp_pb_on_failure_name(enum tp_pb_on_failure f);
/* The name of one TP_PB_EV_* bit ("wave-start"); "unknown" otherwise. */
const char *tp_pb_event_name(unsigned event);

#endif
