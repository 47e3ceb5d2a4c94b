/*
 * many.c - one event loop, many SSH sessions, one job per host.
 *
 * Each host is a slot with its connection. When a command finishes, the
 * job is fed and asked for the next command, which runs on the same
 * session; when the job has none, the session is closed and the next
 * host starts. At most `parallel` sessions are open, so a large
 * inventory never opens a socket per host at once. One host's failure
 * ends only that host's job.
 *
 * Jump hosts: every distinct chain prefix is one `struct jump` with one
 * tunnel connection, opened when the first host behind it starts and
 * freed when the last host behind it has finished (a count of hosts
 * still to come), so the loop ends when the work does. Jump sessions do
 * not count against `parallel`: that limits the hosts being worked on.
 *
 * Names are resolved before the loop starts, all at once and within the
 * longest connect timeout (tp_resolve_many), so a dead DNS server costs
 * one deadline for the run, not one per host in turn.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/log.h"
#include "tidepatch/many.h"

struct many;

/* One hop of a chain shared by the hosts behind it. */
struct jump {
	struct jump *next;		/* registry list */
	struct jump *parent;		/* the hop before, or NULL */
	const struct tp_ssh_target *t;	/* borrowed from the first host */
	struct tp_ssh_conn *conn;	/* NULL until first needed */
	size_t users;			/* hosts behind it not yet finished */
	struct tp_addr addr;		/* first hops only */
};

struct slot {
	struct many *m;
	size_t i;
	struct tp_ssh_conn *conn;
	struct jump *jump;		/* the last hop, or NULL */
	struct tp_addr addr;		/* hosts without a jump */
};

struct many {
	struct tp_loop *loop;
	const struct tp_host_spec *hosts;
	struct slot *slots;
	size_t n, next;
	int active, parallel;
	const struct tp_many_ops *ops;
	void *ctx;
	struct jump *jumps;
};

static int same_hop(const struct tp_ssh_target *a,
		    const struct tp_ssh_target *b)
{
	return !strcmp(a->address, b->address) && a->port == b->port &&
	       !strcmp(a->user ? a->user : "", b->user ? b->user : "") &&
	       !strcmp(a->identity ? a->identity : "",
		       b->identity ? b->identity : "");
}

/* Find or add the hop t that follows parent; NULL on ENOMEM. */
static struct jump *jump_get(struct many *m, struct jump *parent,
			     const struct tp_ssh_target *t)
{
	struct jump *j;

	for (j = m->jumps; j; j = j->next)
		if (j->parent == parent && same_hop(j->t, t))
			return j;
	if (!(j = calloc(1, sizeof(*j))))
		return NULL;
	j->parent = parent;
	j->t = t;
	j->next = m->jumps;
	m->jumps = j;
	return j;
}

/* Count each host on every hop of its chain, before anything starts. */
static int plan_jumps(struct many *m, struct tp_err *err)
{
	size_t i, k;

	for (i = 0; i < m->n; i++) {
		const struct tp_host_spec *h = &m->hosts[i];
		struct jump *j = NULL;

		for (k = 0; k < h->njumps; k++) {
			if (!(j = jump_get(m, j, &h->jumps[k])))
				return tp_err_set(err, TP_ENOMEM,
						  "out of memory");
			j->users++;
		}
		m->slots[i].jump = j;
	}
	return 0;
}

/* Open the sessions of j's chain that are not open yet, root first. */
static int jump_open(struct many *m, struct jump *j, struct tp_err *err)
{
	struct tp_ssh_target t;
	int rc;

	if (!j || j->conn)
		return 0;
	if ((rc = jump_open(m, j->parent, err)))
		return rc;
	t = *j->t;
	t.via = j->parent ? j->parent->conn : NULL;
	t.addr = j->parent ? NULL : &j->addr;
	return tp_ssh_tunnel_start(&j->conn, m->loop, &t, err);
}

/* Host i is finished: close the jump sessions nobody needs any more,
 * the last hop first. */
static void host_finished(struct many *m, size_t i)
{
	struct jump *j;

	for (j = m->slots[i].jump; j; j = j->parent)
		if (--j->users == 0 && j->conn) {
			tp_ssh_conn_free(j->conn);
			j->conn = NULL;
		}
}

static void start_more(struct many *m);

static void set_port(struct tp_addr *a, int port)
{
	if (a->error)
		return;
	if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
}

/*
 * Resolve every address the run connects to directly: hosts without a
 * jump, and the first hop of every chain (the hops after it are
 * resolved by the hop before, as ssh -J does).
 */
static int resolve_all(struct many *m, struct tp_err *err)
{
	const char **names = NULL;
	struct tp_addr *got = NULL;
	struct jump *j;
	size_t n = 0, i, k;
	int timeout = 0, rc;

	for (j = m->jumps; j; j = j->next)
		n += !j->parent;
	names = calloc(m->n + n + 1, sizeof(*names));
	got = calloc(m->n + n + 1, sizeof(*got));
	if (!names || !got) {
		free(names);
		free(got);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	n = 0;
	for (i = 0; i < m->n; i++)
		if (!m->slots[i].jump && !m->hosts[i].refuse_code) {
			names[n++] = m->hosts[i].ssh.address;
			if (m->hosts[i].ssh.connect_timeout_ms > timeout)
				timeout = m->hosts[i].ssh.connect_timeout_ms;
		}
	for (j = m->jumps; j; j = j->next)
		if (!j->parent) {
			names[n++] = j->t->address;
			if (j->t->connect_timeout_ms > timeout)
				timeout = j->t->connect_timeout_ms;
		}
	rc = tp_resolve_many(got, names, n, 0, AF_UNSPEC,
			     timeout ? timeout : 10000, err);
	for (i = 0, k = 0; !rc && i < m->n; i++)
		if (!m->slots[i].jump && !m->hosts[i].refuse_code) {
			m->slots[i].addr = got[k++];
			set_port(&m->slots[i].addr, m->hosts[i].ssh.port);
		}
	for (j = m->jumps; !rc && j; j = j->next)
		if (!j->parent) {
			j->addr = got[k++];
			set_port(&j->addr, j->t->port);
		}
	free(names);
	free(got);
	return rc;
}

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
	host_finished(m, s->i);
	m->active--;
	start_more(m);
}

static void start_more(struct many *m)
{
	while (m->active < m->parallel && m->next < m->n) {
		size_t i = m->next++;
		struct slot *s = &m->slots[i];
		const struct tp_host_spec *h = &m->hosts[i];
		struct tp_ssh_target t;
		struct tp_run_opts ro;
		struct tp_err err;
		const char *cmd;

		s->m = m;
		s->i = i;
		if (h->refuse_code) {
			tp_err_set(&err, h->refuse_code, "%s", h->refuse_msg);
			m->ops->feed(m->ctx, i, h->refuse_code, NULL, &err, 0);
			host_finished(m, i);
			continue;
		}
		tp_run_opts_init(&ro);
		if (!(cmd = m->ops->next(m->ctx, i, &ro))) {
			host_finished(m, i);
			continue;
		}
		tp_err_clear(&err);
		t = h->ssh;
		if (!jump_open(m, s->jump, &err)) {
			t.via = s->jump ? s->jump->conn : NULL;
			t.addr = s->jump ? NULL : &s->addr;
			if (!tp_ssh_conn_start(&s->conn, m->loop, &t, cmd, &ro,
					       on_done, s, &err)) {
				m->active++;
				continue;
			}
		}
		m->ops->feed(m->ctx, i, err.code, NULL, &err, 0);
		host_finished(m, i);
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
	if ((rc = plan_jumps(&m, err)) || (rc = resolve_all(&m, err)) ||
	    (rc = tp_loop_new(&m.loop, err)))
		goto out;
	start_more(&m);
	rc = tp_loop_run(m.loop, err);
out:
	while (m.jumps) {
		struct jump *j = m.jumps;

		m.jumps = j->next;
		tp_ssh_conn_free(j->conn);	/* NULL unless the loop failed */
		free(j);
	}
	tp_loop_free(m.loop);
	free(m.slots);
	return rc;
}
