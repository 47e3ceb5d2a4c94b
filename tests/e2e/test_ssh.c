/*
 * test_ssh.c - the libssh2 state machine against a real OpenSSH server.
 *
 * Each test starts this machine's sshd on 127.0.3.1 with fresh ed25519
 * keys in a temporary directory, so host key checking, authentication
 * and exec are the real thing. Misbehaving peers (nothing listening, a
 * listener that never speaks) are local sockets on 127.0.3.x.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"
#include "tidepatch/ssh.h"

#include <libssh2.h>

#define SSHD_ADDR "127.0.3.1"
/* one port per test process: Criterion may run tests side by side */
#define SSHD_PORT (20000 + (int)(getpid() % 20000))

static char dir[64];
static char path_buf[8][256];

static const char *in_dir(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", dir, name);
	return path_buf[slot];
}

static void sh_ok(const char *cmd)
{
	struct tp_cmd_result r;

	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s: %s", cmd, r.errout.data);
	tp_cmd_result_release(&r);
}

static void start_sshd(void)
{
	char cmd[4096];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/tp-sshd-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 /* a user whose login shell is /bin/sh: root's bash on a dev
		  * machine may run slow rc files (pyenv) for every session */
		 "set -e; id tp-ssh-test >/dev/null 2>&1 || useradd --system "
		 "--no-create-home --home-dir / --shell /bin/sh tp-ssh-test; "
		 /* '*' = no password; '!' (locked) makes sshd refuse it */
		 "usermod -p '*' tp-ssh-test; "
		 "cd %s; chmod 755 .; mkdir -p /run/sshd; "
		 "ssh-keygen -q -t ed25519 -N '' -f hostkey; "
		 "ssh-keygen -q -t ecdsa -N '' -f hostkey_ecdsa; "
		 "ssh-keygen -q -t ed25519 -N '' -f otherkey; "
		 "ssh-keygen -q -t ed25519 -N '' -f client; "
		 "ssh-keygen -q -t ed25519 -N '' -f stranger; "
		 "ssh-keygen -q -t rsa -b 2048 -N '' -f client_rsa; "
		 "ssh-keygen -q -t ed25519 -N 'secret' -f client_locked; "
		 "cat client.pub client_rsa.pub client_locked.pub > authorized_keys; "
		 "chmod 644 authorized_keys; "
		 "echo \"[%s]:%d $(cut -d' ' -f1,2 hostkey.pub)\" > known_hosts; "
		 "echo \"[%s]:%d $(cut -d' ' -f1,2 otherkey.pub)\" > known_hosts.changed; "
		 "echo \"[%s]:%d $(cut -d' ' -f1,2 hostkey_ecdsa.pub)\" > known_hosts.ecdsa; "
		 "echo \"[localhost]:%d $(cut -d' ' -f1,2 hostkey.pub)\" > known_hosts.names; "
		 ": > known_hosts.empty; "
		 "cp known_hosts known_hosts.hashed; ssh-keygen -q -H -f known_hosts.hashed; "
		 "rm -f known_hosts.hashed.old",
		 dir, SSHD_ADDR, SSHD_PORT, SSHD_ADDR, SSHD_PORT, SSHD_ADDR,
		 SSHD_PORT, SSHD_PORT);
	sh_ok(cmd);
	f = fopen(in_dir(0, "sshd_config"), "w");
	cr_assert_not_null(f);
	fprintf(f, "ListenAddress %s:%d\nListenAddress 127.0.0.1:%d\n"
		   "HostKey %s/hostkey\n"
		   "HostKey %s/hostkey_ecdsa\n"
		   "AuthorizedKeysFile %s/authorized_keys\nPidFile %s/sshd.pid\n"
		   "UsePAM no\nPasswordAuthentication no\nStrictModes no\n"
		   "PermitRootLogin prohibit-password\nMaxStartups 200\n"
		   "MaxSessions 50\n",
		   SSHD_ADDR, SSHD_PORT, SSHD_PORT, dir, dir, dir, dir);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/sbin/sshd -f %s/sshd_config -E %s/sshd.log; "
		 "for i in $(seq 50); do [ -s %s/sshd.pid ] && exit 0; sleep 0.1; done; exit 1",
		 dir, dir, dir);
	sh_ok(cmd);
}

static void stop_sshd(void)
{
	char cmd[512];
	struct tp_cmd_result r;

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd),
		 "[ -s %s/agent.pid ] && kill $(cat %s/agent.pid); "
		 "[ -s %s/sshd.pid ] && kill $(cat %s/sshd.pid); rm -rf %s",
		 dir, dir, dir, dir, dir);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
	dir[0] = '\0';
}

TestSuite(ssh, .init = start_sshd, .fini = stop_sshd, .timeout = 60);

struct outcome {
	int calls;
	int rc;
	int exit_status;
	char out[256];
	char errout[256];
	char msg[TP_ERR_MSG_MAX];
	struct tp_ssh_conn *conn;
};

static void record(struct tp_ssh_conn *conn, int rc, struct tp_cmd_result *res,
		   const struct tp_err *err, void *payload)
{
	struct outcome *o = payload;

	o->calls++;
	o->rc = rc;
	o->conn = conn;
	o->exit_status = res->exit_status;
	snprintf(o->out, sizeof(o->out), "%s", res->out.data ? res->out.data : "");
	snprintf(o->errout, sizeof(o->errout), "%s",
		 res->errout.data ? res->errout.data : "");
	snprintf(o->msg, sizeof(o->msg), "%s", rc ? err->msg : "");
	tp_ssh_conn_free(conn);
}

static void target(struct tp_ssh_target *t, const char *known_hosts)
{
	tp_ssh_target_init(t);
	t->name = "test1";
	t->address = SSHD_ADDR;
	t->port = SSHD_PORT;
	t->user = "tp-ssh-test";
	t->identity = in_dir(1, "client");
	t->known_hosts = in_dir(2, known_hosts);
}

static void run_one(struct tp_ssh_target *t, const char *cmd,
		    const struct tp_run_opts *opts, struct outcome *o)
{
	struct tp_loop *loop = NULL;
	struct tp_ssh_conn *conn = NULL;
	struct tp_err err;

	memset(o, 0, sizeof(*o));
	cr_assert_eq(tp_loop_new(&loop, &err), 0);
	cr_assert_eq(tp_ssh_conn_start(&conn, loop, t, cmd, opts, record, o,
				       &err), 0, "%s", err.msg);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(o->calls, 1, "done called %d times", o->calls);
	tp_loop_free(loop);
}

Test(ssh, runs_a_command_and_captures_both_streams_and_status)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts");
	run_one(&t, "echo out; echo err >&2; echo \"$LC_ALL\"; exit 3", NULL, &o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
	cr_assert_str_eq(o.out, "out\nC\n");
	cr_assert_str_eq(o.errout, "err\n");
	cr_assert_eq(o.exit_status, 3);
}

Test(ssh, hashed_known_hosts_entries_match)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts.hashed");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
}

/*
 * The server has ed25519 and ecdsa keys; known_hosts has one of them.
 * Whichever it is, the handshake must pick that type (as OpenSSH orders
 * its host key algorithms by the known keys), not call the host unknown.
 */
Test(ssh, handshake_prefers_the_key_type_known_hosts_has)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts.ecdsa");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, 0, "ecdsa-only known_hosts: %s", o.msg);
	target(&t, "known_hosts");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, 0, "ed25519-only known_hosts: %s", o.msg);
}

Test(ssh, the_users_known_hosts_is_consulted_too)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts.empty");
	t.user_known_hosts = in_dir(4, "known_hosts");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
	t.user_known_hosts = in_dir(4, "no-such-file");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EHOSTKEY_UNKNOWN, "%s", o.msg);
}

Test(ssh, rsa_key_with_old_libssh2_fails_with_the_reason)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts");
	t.identity = in_dir(3, "client_rsa");
	run_one(&t, "true", NULL, &o);
	if (LIBSSH2_VERSION_NUM >= 0x010b00) {
		/* libssh2 1.11 signs with rsa-sha2: the key just works */
		cr_assert_eq(o.rc, 0, "%s", o.msg);
		return;
	}
	cr_assert_eq(o.rc, TP_EAUTH, "%s", o.msg);
	cr_assert(strstr(o.msg, "this is an RSA key, and libssh2"), "%s", o.msg);
	cr_assert(strstr(o.msg, "Ed25519 or ECDSA"), "%s", o.msg);
}

Test(ssh, encrypted_key_says_to_use_the_agent)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts");
	t.identity = in_dir(3, "client_locked");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EAUTH, "%s", o.msg);
	cr_assert(strstr(o.msg, "ssh-agent"), "%s", o.msg);
}

/*
 * Start ssh-agent holding key (a file in dir); SSH_AUTH_SOCK points at
 * it. setsid: the transport kills what a command leaves in its group.
 */
static void start_agent(const char *key)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd %s; (setsid ssh-agent -D -a agent.sock >/dev/null 2>&1 & "
		 "echo $! > agent.pid); for i in $(seq 50); do "
		 "[ -S agent.sock ] && break; sleep 0.1; done; "
		 "SSH_AUTH_SOCK=agent.sock ssh-add -q %s", dir, key);
	sh_ok(cmd);
	setenv("SSH_AUTH_SOCK", in_dir(5, "agent.sock"), 1);
}

Test(ssh, ssh_agent_keys_are_used_without_an_identity_file)
{
	struct tp_ssh_target t;
	struct outcome o;

	start_agent("client");
	target(&t, "known_hosts");
	t.identity = NULL;
	run_one(&t, "echo via-agent", NULL, &o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
	cr_assert_str_eq(o.out, "via-agent\n");
}

Test(ssh, ssh_agent_without_an_accepted_key_fails_auth)
{
	struct tp_ssh_target t;
	struct outcome o;

	start_agent("stranger");
	target(&t, "known_hosts");
	t.identity = NULL;
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EAUTH, "%s", o.msg);
	cr_assert(strstr(o.msg, "none of the 1 keys in ssh-agent"), "%s", o.msg);
	unsetenv("SSH_AUTH_SOCK");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EAUTH, "%s", o.msg);
	cr_assert(strstr(o.msg, "SSH_AUTH_SOCK is not set"), "%s", o.msg);
}

/* Only "localhost": a name from /etc/hosts, so no query leaves the box. */
Test(ssh, host_names_resolve_and_known_hosts_is_checked_by_name)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts.names");
	t.address = "localhost";
	run_one(&t, "echo by-name", NULL, &o);
	cr_assert_eq(o.rc, 0, "%s", o.msg);
	cr_assert_str_eq(o.out, "by-name\n");
	/* the IP's entry does not vouch for the name */
	target(&t, "known_hosts");
	t.address = "localhost";
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EHOSTKEY_UNKNOWN, "%s", o.msg);
}

Test(ssh, unknown_host_key_is_refused_with_its_fingerprint)
{
	struct tp_ssh_target t;
	struct outcome o;
	struct tp_cmd_result fp;
	char cmd[512];

	target(&t, "known_hosts.empty");
	run_one(&t, "touch /tmp/tp-ssh-should-not-run", NULL, &o);
	cr_assert_eq(o.rc, TP_EHOSTKEY_UNKNOWN, "%s", o.msg);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -E sha256 -f %s/hostkey.pub | cut -d' ' -f2",
		 dir);
	e2e_sh(&fp, cmd);
	fp.out.data[strcspn(fp.out.data, "\n")] = '\0';
	cr_assert(strstr(o.msg, fp.out.data), "%s lacks %s", o.msg, fp.out.data);
	cr_assert_eq(access("/tmp/tp-ssh-should-not-run", F_OK), -1);
	tp_cmd_result_release(&fp);
}

Test(ssh, changed_host_key_is_refused_loudly)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts.changed");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EHOSTKEY_CHANGED, "%s", o.msg);
	cr_assert(strstr(o.msg, "HOST KEY CHANGED"), "%s", o.msg);
}

Test(ssh, wrong_key_fails_authentication)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts");
	t.identity = in_dir(3, "stranger");
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_EAUTH, "%s", o.msg);
	cr_assert(strstr(o.msg, "tp-ssh-test"), "%s", o.msg);
}

Test(ssh, closed_port_is_unreachable)
{
	struct tp_ssh_target t;
	struct outcome o;

	target(&t, "known_hosts");
	t.port = SSHD_PORT + 1 > 65535 ? 1 : SSHD_PORT + 1;
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_ECONNECT, "%s", o.msg);
}

Test(ssh, silent_listener_times_out_in_the_handshake)
{
	struct tp_ssh_target t;
	struct sockaddr_in sin;
	struct outcome o;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)(SSHD_PORT + 2));
	inet_pton(AF_INET, SSHD_ADDR, &sin.sin_addr);
	cr_assert_eq(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(s, 8), 0);	/* the kernel accepts; nobody talks */
	target(&t, "known_hosts");
	t.port = SSHD_PORT + 2;
	t.handshake_timeout_ms = 500;
	run_one(&t, "true", NULL, &o);
	cr_assert_eq(o.rc, TP_ETIMEOUT, "%s", o.msg);
	cr_assert(strstr(o.msg, "handshake timed out"), "%s", o.msg);
	close(s);
}

Test(ssh, command_deadline_names_the_command_phase)
{
	struct tp_ssh_target t;
	struct tp_run_opts ro;
	struct outcome o;

	target(&t, "known_hosts");
	tp_run_opts_init(&ro);
	ro.timeout_ms = 500;
	run_one(&t, "sleep 30", &ro, &o);
	cr_assert_eq(o.rc, TP_ETIMEOUT, "%s", o.msg);
	cr_assert(strstr(o.msg, "command timed out"), "%s", o.msg);
}

Test(ssh, output_past_the_cap_is_stopped)
{
	struct tp_ssh_target t;
	struct tp_run_opts ro;
	struct outcome o;

	target(&t, "known_hosts");
	tp_run_opts_init(&ro);
	ro.out_max = 100000;
	run_one(&t, "yes flood", &ro, &o);
	cr_assert_eq(o.rc, TP_ETOOBIG, "%s", o.msg);
}

struct multi {
	int done, ok;
};

static void count(struct tp_ssh_conn *conn, int rc, struct tp_cmd_result *res,
		  const struct tp_err *err, void *payload)
{
	struct multi *m = payload;

	m->done++;
	if (!rc && res->exit_status == 0 && res->out.data &&
	    !strcmp(res->out.data, "ok\n"))
		m->ok++;
	else
		cr_log_warn("session failed: rc %d: %s; out=[%s]", rc,
			    rc ? err->msg : "", res->out.data ? res->out.data : "");
	tp_ssh_conn_free(conn);
}

Test(ssh, forty_sessions_run_concurrently_on_one_loop)
{
	struct tp_ssh_target t;
	struct tp_loop *loop = NULL;
	struct tp_err err;
	struct multi m = { 0, 0 };
	struct tp_run_opts ro;
	int i;

	tp_run_opts_init(&ro);
	ro.timeout_ms = 20000;	/* a stuck session must fail, not hang */
	target(&t, "known_hosts");
	cr_assert_eq(tp_loop_new(&loop, &err), 0);
	int n = 40;

	for (i = 0; i < n; i++) {
		struct tp_ssh_conn *c = NULL;

		cr_assert_eq(tp_ssh_conn_start(&c, loop, &t, "echo ok", &ro,
					       count, &m, &err), 0, "%s", err.msg);
	}
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(m.done, n);
	cr_assert_eq(m.ok, n);
	tp_loop_free(loop);
}

struct chain {
	int step;
	char second[64];
};

static void second_done(struct tp_ssh_conn *conn, int rc,
			struct tp_cmd_result *res, const struct tp_err *err,
			void *payload)
{
	struct chain *ch = payload;

	(void)err;
	cr_assert_eq(rc, 0);
	snprintf(ch->second, sizeof(ch->second), "%s", res->out.data);
	ch->step = 2;
	tp_ssh_conn_free(conn);
}

static void first_done(struct tp_ssh_conn *conn, int rc,
		       struct tp_cmd_result *res, const struct tp_err *err,
		       void *payload)
{
	struct chain *ch = payload;
	struct tp_err e2;

	(void)res;
	cr_assert_eq(rc, 0, "%s", err->msg);
	ch->step = 1;
	cr_assert_eq(tp_ssh_conn_exec(conn, "echo second", NULL, second_done,
				      ch, &e2), 0, "%s", e2.msg);
}

Test(ssh, a_second_command_reuses_the_session)
{
	struct tp_ssh_target t;
	struct tp_loop *loop = NULL;
	struct tp_ssh_conn *c = NULL;
	struct tp_err err;
	struct chain ch = { 0, { 0 } };

	target(&t, "known_hosts");
	cr_assert_eq(tp_loop_new(&loop, &err), 0);
	cr_assert_eq(tp_ssh_conn_start(&c, loop, &t, "echo first", NULL,
				       first_done, &ch, &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(ch.step, 2);
	cr_assert_str_eq(ch.second, "second\n");
	tp_loop_free(loop);
}
