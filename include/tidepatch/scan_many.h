/*
 * scan_many.h - scan many hosts over SSH at once, on one event loop.
 */
#ifndef TIDEPATCH_SCAN_MANY_H
#define TIDEPATCH_SCAN_MANY_H

#include <stddef.h>

#include "tidepatch/many.h"
#include "tidepatch/scan.h"

/*
 * Scan hosts[0..n) with at most parallel connections open at a time,
 * into results[0..n) (same order; release each with
 * tp_scan_result_release). Every host gets a result, ok or failed with
 * its error class: a host that cannot be reached fails at stage
 * "connect" with TP_ECONNECT, TP_ETIMEOUT, TP_EHOSTKEY_UNKNOWN,
 * TP_EHOSTKEY_CHANGED, TP_EAUTH or TP_ESSH. Returns 0, or TP_ESYS /
 * TP_ENOMEM when the loop itself failed (results then incomplete).
 */
int tp_scan_many(struct tp_scan_result *results,
		 const struct tp_host_spec *hosts, size_t n,
		 const struct tp_scan_opts *opts, int parallel,
		 struct tp_err *err);

#endif
