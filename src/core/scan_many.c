/*
 * scan_many.c - the scan job of scan.c over SSH for many hosts: an
 * adapter between tp_scan_job and the many-hosts driver (many.c).
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/many.h"
#include "tidepatch/scan_many.h"

struct scan_ctx {
	const struct tp_host_spec *hosts;
	struct tp_scan_result *results;
	struct tp_scan_job *jobs;
	unsigned char *started;
	const struct tp_scan_opts *opts;
};

static void ensure_job(struct scan_ctx *c, size_t i)
{
	if (c->started[i])
		return;
	c->started[i] = 1;
	tp_scan_job_init(&c->jobs[i], &c->results[i], c->hosts[i].ssh.name,
			 c->opts);
}

static const char *scan_next(void *ctx, size_t i, struct tp_run_opts *ro)
{
	struct scan_ctx *c = ctx;
	int timeout_ms = 0;
	const char *cmd;

	ensure_job(c, i);
	cmd = tp_scan_job_command(&c->jobs[i], &timeout_ms);
	ro->timeout_ms = timeout_ms;
	ro->out_max = c->opts->output_max;
	return cmd;
}

static void scan_feed(void *ctx, size_t i, int rc,
		      const struct tp_cmd_result *res, const struct tp_err *err,
		      int reached)
{
	struct scan_ctx *c = ctx;

	ensure_job(c, i);
	if (!reached)
		/* never reached the host: say so, not "os-release failed" */
		tp_scan_job_fail(&c->jobs[i], TP_SCAN_CONNECT, rc, err->msg);
	else if (!res)
		tp_scan_job_fail(&c->jobs[i], c->results[i].stage, rc, err->msg);
	else
		tp_scan_job_feed(&c->jobs[i], rc, res, err);
}

int tp_scan_many(struct tp_scan_result *results,
		 const struct tp_host_spec *hosts, size_t n,
		 const struct tp_scan_opts *opts, int parallel,
		 struct tp_err *err)
{
	static const struct tp_many_ops ops = { scan_next, scan_feed };
	struct scan_ctx c;
	size_t i;
	int rc;

	memset(results, 0, n * sizeof(*results));
	c.hosts = hosts;
	c.results = results;
	c.opts = opts;
	c.jobs = calloc(n ? n : 1, sizeof(*c.jobs));
	c.started = calloc(n ? n : 1, 1);
	if (!c.jobs || !c.started) {
		free(c.jobs);
		free(c.started);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	rc = tp_many_run(hosts, n, parallel, &ops, &c, err);
	/* a host the driver never got to still gets a result */
	for (i = 0; i < n; i++)
		ensure_job(&c, i);
	free(c.jobs);
	free(c.started);
	return rc;
}
