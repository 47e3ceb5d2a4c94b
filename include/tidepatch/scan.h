/*
 * scan.h - what a host has installed, what it is missing, and whether it
 * needs a reboot: the Assess and Identify phases for one host.
 */
#ifndef TIDEPATCH_SCAN_H
#define TIDEPATCH_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "tidepatch/err.h"
#include "tidepatch/osinfo.h"
#include "tidepatch/pkg.h"
#include "tidepatch/transport.h"

struct tp_scan_opts {
	bool refresh;			/* refresh package metadata first */
	int timeout_ms;			/* per command */
	int refresh_timeout_ms;		/* for the metadata refresh */
	size_t output_max;		/* stdout cap per command */
};

/* The steps of a scan, in order; a failed scan records where it stopped. */
enum tp_scan_stage {
	TP_SCAN_OS,
	TP_SCAN_REFRESH,
	TP_SCAN_INSTALLED,
	TP_SCAN_UPDATES,
	TP_SCAN_REBOOT,
	TP_SCAN_KERNEL,
	TP_SCAN_DONE,
	TP_SCAN_CONNECT,	/* reaching the host failed (SSH) */
};

struct tp_scan_result {
	char *host;			/* transport's host name */
	char *scanned_at;		/* UTC, ISO 8601, when the scan began */
	int status;			/* 0, or the TP_E* code that stopped it */
	enum tp_scan_stage stage;	/* where it stopped (TP_SCAN_DONE if ok) */
	struct tp_err err;		/* details when status != 0 */

	struct tp_osinfo os;
	const struct tp_pkg_backend *backend;	/* static; NULL if unknown */
	struct tp_pkg_list installed;
	struct tp_update_list updates;	/* includes TP_UPDATE_REMOVE entries */
	bool reboot_required;		/* /var/run/reboot-required exists */
	char **reboot_pkgs;		/* packages that asked for it */
	size_t n_reboot_pkgs;
	char *kernel_running;		/* uname -r */
	char *kernel_newest;		/* newest installed kernel, or NULL */
};

void tp_scan_opts_init(struct tp_scan_opts *opts);

/* Name of a stage ("updates"); never NULL. */
const char *tp_scan_stage_name(enum tp_scan_stage stage);

/*
 * Scan the host behind t into *out (initialised here; release with
 * tp_scan_result_release whatever the outcome). Returns 0 or the TP_E*
 * code also stored in out->status, with out->err and out->stage saying
 * what failed: TP_EUNSUPPORTED (no backend for the OS), TP_ECMDFAIL (a
 * command exited non-zero; its stderr is in the message), TP_EPARSE,
 * TP_ETIMEOUT, TP_ETOOBIG, transport errors.
 */
int tp_scan_host(struct tp_scan_result *out, struct tp_transport *t,
		 const struct tp_scan_opts *opts);

void tp_scan_result_release(struct tp_scan_result *res);

/*
 * A scan as a sequence of commands, for drivers that run them their own
 * way (synchronously on the local transport, or on the event loop over
 * SSH). Usage:
 *
 *	tp_scan_job_init(&job, &res, host, opts);
 *	while ((cmd = tp_scan_job_command(&job, &timeout_ms)))
 *		tp_scan_job_feed(&job, run(cmd), &cmd_result, &err);
 *
 * The job borrows res and opts for its life.
 */
struct tp_scan_job {
	struct tp_scan_result *res;
	const struct tp_scan_opts *opts;
};

/* Start a scan of host into *res (initialised here). TP_ENOMEM only. */
int tp_scan_job_init(struct tp_scan_job *job, struct tp_scan_result *res,
		     const char *host, const struct tp_scan_opts *opts);

/*
 * The command line to run next and its deadline, or NULL when the scan is
 * over (res->status says how it ended).
 */
const char *tp_scan_job_command(struct tp_scan_job *job, int *timeout_ms);

/*
 * Record how the last command went: rc is the transport's return (err
 * its message), cr what the command printed. Parses, then advances to
 * the next stage or ends the scan with res->status set. Returns
 * res->status.
 */
int tp_scan_job_feed(struct tp_scan_job *job, int rc,
		     const struct tp_cmd_result *cr, const struct tp_err *err);

/* End the scan at stage with an error the driver met itself (e.g. the
 * host could not be reached). The message gets the host prefixed. */
int tp_scan_job_fail(struct tp_scan_job *job, enum tp_scan_stage stage,
		     int code, const char *msg);

/* Counts derived from a result. */
size_t tp_scan_count_updates(const struct tp_scan_result *res,
			     bool security_only);
bool tp_scan_kernel_reboot_needed(const struct tp_scan_result *res);

/*
 * Parse the output of the reboot probe (see scan.c) into res. Exposed for
 * tests. TP_EPARSE on a malformed package name.
 */
int tp_scan_parse_reboot(struct tp_scan_result *res, const char *data,
			 size_t len, struct tp_err *err);

/* Parse `uname -r` output into res->kernel_running. Exposed for tests. */
int tp_scan_parse_kernel(struct tp_scan_result *res, const char *data,
			 size_t len, struct tp_err *err);

#endif
