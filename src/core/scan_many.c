/*
 * scan_many.c - the scan job of scan.c, driven over SSH for many hosts
 * from one event loop.
 *
 * Each host is a slot: a scan job plus its connection. When a command
 * finishes, the job is fed and asked for the next command, which runs
 * on the same SSH session; when the job is over, the session is closed
 * and the next host starts. At most `parallel` sessions are open, so a
 * thousand-host inventory does not open a thousand sockets at once.
 *
 * One host's failure only ends that host's job; nothing here stops the
 * loop except running out of hosts.
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/log.h"
#include "tidepatch/scan_many.h"

struct many;

struct slot {
	struct many *m;
	size_t i;
	struct tp_scan_job job;
	struct tp_ssh_conn *conn;
};

struct many {
	struct tp_loop *loop;
	const struct tp_scan_spec *hosts;
	struct tp_scan_result *results;
	struct slot *slots;
	size_t n, next;
	int active, parallel;
	const struct tp_scan_opts *opts;
};

static void start_more(struct many *m);

static void run_opts(const struct many *m, int timeout_ms,
		     struct tp_run_opts *ro)
{
	tp_run_opts_init(ro);
	ro->timeout_ms = timeout_ms;
	ro->out_max = m->opts->output_max;
}

static void on_done(struct tp_ssh_conn *conn, int rc, struct tp_cmd_result *res,
		    const struct tp_err *err, void *payload)
{
	struct slot *s = payload;
	struct many *m = s->m;
	struct tp_run_opts ro;
	struct tp_err e2;
	const char *cmd;
	int timeout_ms = 0;

	if (rc && !tp_ssh_conn_authenticated(conn))
		/* never reached the host: say so, not "os-release failed" */
		tp_scan_job_fail(&s->job, TP_SCAN_CONNECT, rc, err->msg);
	else
		tp_scan_job_feed(&s->job, rc, res, err);

	cmd = tp_scan_job_command(&s->job, &timeout_ms);
	if (cmd) {
		run_opts(m, timeout_ms, &ro);
		if (!tp_ssh_conn_exec(conn, cmd, &ro, on_done, s, &e2))
			return;
		tp_scan_job_fail(&s->job, s->job.res->stage, e2.code, e2.msg);
	}
	tp_ssh_conn_free(conn);	/* deferred until this callback returns */
	s->conn = NULL;
	m->active--;
	tp_debug("%s: scan finished (%s)", s->job.res->host,
		 s->job.res->status ? tp_errname(s->job.res->status) : "ok");
	start_more(m);
}

static void start_more(struct many *m)
{
	while (m->active < m->parallel && m->next < m->n) {
		size_t i = m->next++;
		struct slot *s = &m->slots[i];
		const struct tp_scan_spec *h = &m->hosts[i];
		struct tp_run_opts ro;
		struct tp_err err;
		const char *cmd;
		int timeout_ms = 0;

		s->m = m;
		s->i = i;
		if (tp_scan_job_init(&s->job, &m->results[i], h->ssh.name,
				     m->opts))
			continue;
		if (h->refuse_code) {
			tp_scan_job_fail(&s->job, TP_SCAN_CONNECT,
					 h->refuse_code, h->refuse_msg);
			continue;
		}
		cmd = tp_scan_job_command(&s->job, &timeout_ms);
		run_opts(m, timeout_ms, &ro);
		tp_err_clear(&err);
		if (tp_ssh_conn_start(&s->conn, m->loop, &h->ssh, cmd, &ro,
				      on_done, s, &err)) {
			tp_scan_job_fail(&s->job, TP_SCAN_CONNECT, err.code,
					 err.msg);
			continue;
		}
		m->active++;
	}
}

int tp_scan_many(struct tp_scan_result *results,
		 const struct tp_scan_spec *hosts, size_t n,
		 const struct tp_scan_opts *opts, int parallel,
		 struct tp_err *err)
{
	struct many m;
	int rc;

	memset(&m, 0, sizeof(m));
	memset(results, 0, n * sizeof(*results));
	m.hosts = hosts;
	m.results = results;
	m.n = n;
	m.parallel = parallel > 0 ? parallel : 1;
	m.opts = opts;
	m.slots = calloc(n ? n : 1, sizeof(*m.slots));
	if (!m.slots)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if ((rc = tp_loop_new(&m.loop, err))) {
		free(m.slots);
		return rc;
	}
	start_more(&m);
	rc = tp_loop_run(m.loop, err);
	tp_loop_free(m.loop);
	free(m.slots);
	return rc;
}
