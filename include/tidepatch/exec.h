/*
 * exec.h - run one ad-hoc command on many hosts over SSH (like
 * parallel-ssh), keeping each host's output whole.
 */
#ifndef TIDEPATCH_EXEC_H
#define TIDEPATCH_EXEC_H

#include <jansson.h>

#include "tidepatch/buf.h"
#include "tidepatch/many.h"

#define TP_EXEC_SCHEMA "tidepatch.exec/1"

struct tp_exec_result {
	char *host;		/* owned */
	int status;		/* 0: the command ran to its end; else TP_E* */
	int reached;		/* the host was reached (auth succeeded) */
	struct tp_err err;	/* when status != 0 */
	int exit_status;	/* when status == 0; -1 when killed */
	struct tp_buf out;	/* stdout, whole */
	struct tp_buf errout;	/* stderr, cut at the run's err_max */
	int errout_truncated;
};

/*
 * Run cmdline (a /bin/sh command line) on hosts[0..n) with ro's deadline
 * and caps, at most parallel at a time; results[i] for hosts[i]. Returns
 * 0, or TP_ENOMEM / TP_ESYS when the loop itself failed.
 */
int tp_exec_many(struct tp_exec_result *results,
		 const struct tp_host_spec *hosts, size_t n,
		 const char *cmdline, const struct tp_run_opts *ro,
		 int parallel, struct tp_err *err);

void tp_exec_result_release(struct tp_exec_result *r);

/* "ok" (ran, exit 0), "failed" (ran, non-zero exit) or "error". */
const char *tp_exec_result_state(const struct tp_exec_result *r);

/*
 * The tidepatch.exec/1 document (see tidepatch-exec(1)). Output that is
 * not UTF-8 is given as stdout_base64/stderr_base64 instead.
 */
json_t *tp_report_exec_json(const struct tp_exec_result *res, size_t n,
			    const char *cmdline, struct tp_err *err);

/* Per host, in order: a header line, then its output unmixed. */
int tp_report_exec_text(struct tp_buf *out, const struct tp_exec_result *res,
			size_t n, int color, struct tp_err *err);

#endif
