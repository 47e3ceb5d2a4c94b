/*
 * exec.c - one command on many hosts: an adapter between the many-hosts
 * driver and per-host results. Output is copied out of the connection's
 * buffers when the command ends, so hosts never share a buffer and
 * nothing is interleaved.
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/exec.h"

struct exec_ctx {
	struct tp_exec_result *results;
	unsigned char *sent;
	const char *cmdline;
	const struct tp_run_opts *ro;
};

static const char *exec_next(void *ctx, size_t i, struct tp_run_opts *ro)
{
	struct exec_ctx *c = ctx;

	if (c->sent[i])
		return NULL;
	c->sent[i] = 1;
	*ro = *c->ro;
	return c->cmdline;
}

static void exec_feed(void *ctx, size_t i, int rc,
		      const struct tp_cmd_result *res, const struct tp_err *err,
		      int reached)
{
	struct exec_ctx *c = ctx;
	struct tp_exec_result *r = &c->results[i];
	struct tp_err e2;

	c->sent[i] = 1;
	r->reached = reached;
	r->status = rc;
	if (rc)
		r->err = *err;
	if (!res)
		return;
	r->exit_status = res->exit_status;
	r->errout_truncated = res->errout_truncated;
	if ((res->out.len &&
	     tp_buf_append(&r->out, res->out.data, res->out.len, &e2)) ||
	    (res->errout.len &&
	     tp_buf_append(&r->errout, res->errout.data, res->errout.len,
			   &e2))) {
		r->status = e2.code;
		r->err = e2;
	}
}

int tp_exec_many(struct tp_exec_result *results,
		 const struct tp_host_spec *hosts, size_t n,
		 const char *cmdline, const struct tp_run_opts *ro,
		 int parallel, struct tp_err *err)
{
	static const struct tp_many_ops ops = { exec_next, exec_feed };
	struct exec_ctx c;
	size_t i;
	int rc;

	memset(results, 0, n * sizeof(*results));
	for (i = 0; i < n; i++) {
		results[i].host = strdup(hosts[i].ssh.name);
		if (!results[i].host)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		results[i].exit_status = -1;
		tp_buf_init(&results[i].out, ro->out_max);
		tp_buf_init(&results[i].errout, ro->err_max);
	}
	c.results = results;
	c.cmdline = cmdline;
	c.ro = ro;
	c.sent = calloc(n ? n : 1, 1);
	if (!c.sent)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_many_run(hosts, n, parallel, &ops, &c, err);
	free(c.sent);
	return rc;
}

void tp_exec_result_release(struct tp_exec_result *r)
{
	if (!r)
		return;
	free(r->host);
	tp_buf_release(&r->out);
	tp_buf_release(&r->errout);
	memset(r, 0, sizeof(*r));
}

const char *tp_exec_result_state(const struct tp_exec_result *r)
{
	if (r->status)
		return "error";
	return r->exit_status == 0 ? "ok" : "failed";
}
