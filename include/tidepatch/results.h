/*
 * results.h - the results directory: every scan kept as its own
 * tidepatch.scan/1 document, and the state that must survive between
 * scans (when each missing fix was first seen on each host), so that
 * deadlines run from the first sighting, not from the latest scan.
 *
 * Layout (tidepatch-report(1), FILES):
 *   DIR/scan-YYYYMMDDTHHMMSSZ-PID.json   one per scan, never rewritten
 *   DIR/state.json                       {"schema": "tidepatch.state/1",
 *                                         "first_seen": {host: {key: time}}}
 *   DIR/.lock                            held while state.json is updated
 * Every file is written atomically (tp_fs_write_file), so a crash leaves
 * the old state or the new one.
 */
#ifndef TIDEPATCH_RESULTS_H
#define TIDEPATCH_RESULTS_H

#include <jansson.h>

#include "tidepatch/err.h"
#include "tidepatch/scan.h"

#define TP_STATE_SCHEMA "tidepatch.state/1"
/* Largest results file read back. */
#define TP_RESULTS_FILE_MAX ((size_t)512 << 20)

/*
 * Save doc (a scan document) as a new scan file in dir (created if
 * missing, mode 0755). *path_out gets its path (caller frees; may be
 * NULL). TP_EIO, TP_ENOMEM.
 */
int tp_results_save_scan(const char *dir, json_t *doc, char **path_out,
			 struct tp_err *err);

/*
 * The latest host object for every host in dir's scan files: an object
 * host name -> host object (from the newest file that has the host;
 * files compare by name, which sorts by time). A missing or empty dir
 * gives an empty object. A file that is not a scan document is an error
 * naming it (TP_EPARSE), as is one over TP_RESULTS_FILE_MAX (TP_ETOOBIG).
 */
int tp_results_load_latest(json_t **hosts_out, const char *dir,
			   struct tp_err *err);

/*
 * Lock dir's state for an update (blocks until other tidepatch runs are
 * done with it; creates dir). *fd_out gets the lock, released by
 * tp_results_unlock. TP_EIO.
 */
int tp_results_lock(int *fd_out, const char *dir, struct tp_err *err);
void tp_results_unlock(int fd);

/*
 * Load dir/state.json (missing: an empty state); *state_out is the
 * "first_seen" object, host -> {key -> RFC 3339 time}. TP_EPARSE names
 * the file and what is wrong; TP_EIO, TP_ENOMEM.
 */
int tp_results_load_state(json_t **state_out, const char *dir,
			  struct tp_err *err);
/* Save the first_seen object as dir/state.json. TP_EIO, TP_ENOMEM. */
int tp_results_save_state(const char *dir, json_t *first_seen,
			  struct tp_err *err);

/*
 * Rebuild a scan result from a host object of a scan document (as
 * tp_report_scan_host_json writes it), enough to evaluate it again:
 * host, scanned_at, status and error, os (ecosystem), installed (when
 * the document has it), updates, reboot state, kernel. *out is
 * initialised here; release it with tp_scan_result_release. TP_EPARSE
 * says which field is wrong; TP_ENOMEM.
 */
int tp_scan_result_from_json(struct tp_scan_result *out, const json_t *host,
			     struct tp_err *err);

/* Parse "YYYY-MM-DDTHH:MM:SSZ" into *out; -1 when it is not that. */
int tp_time_parse_utc(time_t *out, const char *s);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void tp_time_format_utc(char *buf, size_t size, time_t t);

#endif
