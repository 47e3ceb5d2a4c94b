/*
 * report.h - turn results into documents: JSON for machines, a table for
 * people. Writers build into memory; the CLI decides where bytes go.
 */
#ifndef TIDEPATCH_REPORT_H
#define TIDEPATCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tidepatch/advisory.h"
#include "tidepatch/buf.h"
#include "tidepatch/scan.h"

/* Schema identifier written into every scan document; bump on breaking change. */
#define TP_SCAN_SCHEMA "tidepatch.scan/1"

/*
 * The scan document for n results (see tidepatch-scan(1), JSON OUTPUT).
 * Returns a new reference, or NULL with TP_ENOMEM in err.
 */
json_t *tp_report_scan_json(const struct tp_scan_result *res, size_t n,
			    struct tp_err *err);

/* One result's host object, as it appears in the "hosts" array. */
json_t *tp_report_scan_host_json(const struct tp_scan_result *res,
				 struct tp_err *err);

/*
 * The "findings" array a scan document carries per host when advisories
 * were loaded: what tp_advisory_match found (tidepatch-scan(1)).
 */
json_t *tp_report_findings_json(const struct tp_finding_list *list,
				struct tp_err *err);

struct tp_table_style {
	bool color;	/* ANSI colours (the CLI decides: TTY, --color, NO_COLOR) */
};

/*
 * Append the human-readable scan report for n results to out: per host a
 * summary block and the pending updates, security updates first.
 */
int tp_report_scan_table(struct tp_buf *out, const struct tp_scan_result *res,
			 size_t n, const struct tp_table_style *style,
			 struct tp_err *err);

#endif
