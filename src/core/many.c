/*
 * many.c - one event loop, many SSH sessions, one job per host.
 *
 * Each host is a slot with its connection. When a command finishes, the
 * job is fed and asked for the next command, which runs on the same
 * session; when the job has none, the session is closed and the next
 * host starts. At most `parallel` sessions are open, so a large
 * inventory never opens a socket per host at once. One host's failure
 * ends only that host's job.
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/log.h"
#include "tidepatch/many.h"

struct many;

struct slot {
	struct many *m;
	size_t i;
	struct tp_ssh_conn *conn;
};

struct many {
	struct tp_loop *loop;
	const struct tp_host_spec *hosts;
	struct slot *slots;
	size_t n, next;
	int active, parallel;
	const struct tp_many_ops *ops;
	void *ctx;
};

static void start_more(struct many *m);

static void on_done(struct tp_ssh_conn *conn, int rc, struct tp_cmd_result *res,
		    const struct tp_err *err, void *payload)
{
	struct slot *s = payload;
	struct many *m = s->m;
	int reached = !rc || tp_ssh_conn_authenticated(conn);
	struct tp_run_opts ro;
	struct tp_err e2;
	const char *cmd;

	m->ops->feed(m->ctx, s->i, rc, reached ? res : NULL, err, reached);
	tp_run_opts_init(&ro);
	cmd = m->ops->next(m->ctx, s->i, &ro);
	if (cmd) {
		tp_err_clear(&e2);
		if (!tp_ssh_conn_exec(conn, cmd, &ro, on_done, s, &e2))
			return;
		m->ops->feed(m->ctx, s->i, e2.code, NULL, &e2, 1);
	}
	tp_ssh_conn_free(conn);	/* deferred until this callback returns */
	s->conn = NULL;
	m->active--;
	start_more(m);
}

static void start_more(struct many *m)
{
	while (m->active < m->parallel && m->next < m->n) {
		size_t i = m->next++;
		struct slot *s = &m->slots[i];
		const struct tp_host_spec *h = &m->hosts[i];
		struct tp_run_opts ro;
		struct tp_err err;
		const char *cmd;

		s->m = m;
		s->i = i;
		if (h->refuse_code) {
			tp_err_set(&err, h->refuse_code, "%s", h->refuse_msg);
			m->ops->feed(m->ctx, i, h->refuse_code, NULL, &err, 0);
			continue;
		}
		tp_run_opts_init(&ro);
		if (!(cmd = m->ops->next(m->ctx, i, &ro)))
			continue;
		tp_err_clear(&err);
		if (tp_ssh_conn_start(&s->conn, m->loop, &h->ssh, cmd, &ro,
				      on_done, s, &err)) {
			m->ops->feed(m->ctx, i, err.code, NULL, &err, 0);
			continue;
		}
		m->active++;
	}
}

int tp_many_run(const struct tp_host_spec *hosts, size_t n, int parallel,
		const struct tp_many_ops *ops, void *ctx, struct tp_err *err)
{
	struct many m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.hosts = hosts;
	m.n = n;
	m.parallel = parallel > 0 ? parallel : 1;
	m.ops = ops;
	m.ctx = ctx;
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
