/*
 * transport.c - the transport-independent part: options, results and
 * dispatch.
 */
#include <string.h>

#include "tidepatch/transport.h"

void tp_run_opts_init(struct tp_run_opts *opts)
{
	opts->timeout_ms = TP_RUN_TIMEOUT_MS_DEFAULT;
	opts->out_max = TP_RUN_OUT_MAX_DEFAULT;
	opts->err_max = TP_RUN_ERR_MAX_DEFAULT;
}

void tp_cmd_result_init(struct tp_cmd_result *res)
{
	res->exit_status = -1;
	res->term_signal = 0;
	tp_buf_init(&res->out, TP_RUN_OUT_MAX_DEFAULT);
	tp_buf_init(&res->errout, TP_RUN_ERR_MAX_DEFAULT);
	res->errout_truncated = 0;
}

void tp_cmd_result_release(struct tp_cmd_result *res)
{
	if (!res)
		return;
	tp_buf_release(&res->out);
	tp_buf_release(&res->errout);
}

int tp_transport_run(struct tp_transport *t, const char *cmdline,
		     const struct tp_run_opts *opts, struct tp_cmd_result *res,
		     struct tp_err *err)
{
	struct tp_run_opts defaults;

	if (!opts) {
		tp_run_opts_init(&defaults);
		opts = &defaults;
	}
	tp_cmd_result_release(res);
	tp_cmd_result_init(res);
	res->out.max = opts->out_max;
	res->errout.max = opts->err_max;
	return t->ops->run(t, cmdline, opts, res, err);
}

void tp_transport_free(struct tp_transport *t)
{
	if (t)
		t->ops->free(t);
}
