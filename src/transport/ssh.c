/*
 * ssh.c - the libssh2 state machine for one connection.
 *
 * Driving rule: whenever the socket is ready (or a phase begins), call
 * advance(), which runs the current phase's libssh2 call until it
 * finishes or returns EAGAIN; on EAGAIN the socket is watched for the
 * directions libssh2 says it is blocked on. One deadline timer guards
 * the current phase; when it fires the phase fails with its name.
 *
 * Host keys are strict: a key must be in the given known_hosts file
 * (plain or hashed entries, through libssh2's knownhost API). Unknown or
 * changed keys fail the host; nothing is ever added automatically.
 *
 * The done callback may free the connection. advance() therefore never
 * touches the connection after a callback; frees requested during a
 * callback are carried out when it returns (see `in_callback`).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>
#include <openssl/evp.h>

#include "tidepatch/quote.h"
#include "tidepatch/ssh.h"
#include "ssh_int.h"

static int libssh2_ready;

const char *tp_ssh_phase_name(enum tp_ssh_phase phase)
{
	static const char *const names[] = {
		"connect", "handshake", "host key", "auth", "ready", "command",
		"failed",
	};

	if ((unsigned)phase < sizeof(names) / sizeof(names[0]))
		return names[phase];
	return "unknown";
}

void tp_ssh_target_init(struct tp_ssh_target *t)
{
	memset(t, 0, sizeof(*t));
	t->port = 22;
	t->connect_timeout_ms = 10 * 1000;
	t->handshake_timeout_ms = 15 * 1000;
	t->auth_timeout_ms = 15 * 1000;
}

enum tp_ssh_phase tp_ssh_conn_phase(const struct tp_ssh_conn *conn)
{
	return conn->phase;
}

int tp_ssh_conn_authenticated(const struct tp_ssh_conn *conn)
{
	return conn->authenticated;
}

static void really_free(struct tp_ssh_conn *c)
{
	if (c->timer)
		tp_loop_timer_cancel(c->loop, c->timer);
	if (c->fd >= 0)
		tp_loop_unwatch(c->loop, c->fd);
	tp_ssh_tunnel_detach(c);
	if (c->tunnel)
		tp_ssh_tunnel_release(c);
	if (c->channel)
		libssh2_channel_free(c->channel);
	if (c->agent) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
	}
	if (c->session) {
		if (c->phase != TP_SSH_FAILED && c->phase >= TP_SSH_AUTH)
			libssh2_session_disconnect(c->session, "bye");
		libssh2_session_free(c->session);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->cmdline);
	tp_cmd_result_release(&c->res);
	free(c);
}

void tp_ssh_conn_free(struct tp_ssh_conn *conn)
{
	if (!conn)
		return;
	if (conn->in_callback) {
		conn->free_requested = 1;
		return;
	}
	really_free(conn);
}

static void on_deadline(struct tp_loop *loop, uint64_t id, void *payload);
static int advance(struct tp_ssh_conn *c);

void tp_ssh_arm_deadline(struct tp_ssh_conn *c, int ms)
{
	struct tp_err ignored;

	if (c->timer)
		tp_loop_timer_cancel(c->loop, c->timer);
	c->timer = 0;
	/* ENOMEM here only loses the deadline; the phase still ends */
	tp_loop_timer_add(c->loop, &c->timer, ms, on_deadline, c, &ignored);
}

const char *tp_ssh_errmsg(struct tp_ssh_conn *c)
{
	char *msg = NULL;

	if (!c->session)
		return "no session";
	libssh2_session_last_error(c->session, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown libssh2 error";
}

/*
 * Report the end of the current command to its owner. Returns 0 when the
 * connection was freed during the callback (the caller must stop).
 */
int tp_ssh_finish(struct tp_ssh_conn *c, int rc)
{
	tp_ssh_done_fn done = c->done;

	if (c->timer)
		tp_loop_timer_cancel(c->loop, c->timer);
	c->timer = 0;
	c->done = NULL;
	/*
	 * After success, or an output cap that closed its channel cleanly,
	 * the session can run another command. Anything else (a failed
	 * phase, a timeout mid-command) leaves it in an unknown state.
	 */
	if (!rc || ((rc == TP_ETOOBIG || rc == TP_EBECOME) && !c->channel)) {
		c->phase = TP_SSH_READY;
	} else {
		c->phase = TP_SSH_FAILED;
		if (c->fd >= 0)
			tp_loop_unwatch(c->loop, c->fd);
	}
	if (c->phase == TP_SSH_READY && c->fd >= 0)
		tp_loop_unwatch(c->loop, c->fd);
	if (c->tunnel && c->phase == TP_SSH_FAILED)
		tp_ssh_tunnel_fail_all(c);
	free(c->cmdline);
	c->cmdline = NULL;
	if (done) {
		c->in_callback = 1;
		done(c, rc, &c->res, &c->err, c->payload);
		c->in_callback = 0;
		if (c->free_requested) {
			really_free(c);
			return 0;
		}
	}
	return 1;
}

static int fail(struct tp_ssh_conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct tp_ssh_conn *c, int code, const char *fmt, ...)
{
	char msg[TP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tp_err_set(&c->err, code, "%s", msg);
	return tp_ssh_finish(c, code);
}

static void on_deadline(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct tp_ssh_conn *c = payload;

	(void)loop;
	(void)id;
	c->timer = 0;
	fail(c, TP_ETIMEOUT, "%s timed out", tp_ssh_phase_name(c->phase));
}

/* Watch the socket in the directions libssh2 is blocked on. */
void tp_ssh_wait_socket(struct tp_ssh_conn *c)
{
	unsigned ev = 0;
	int dir = libssh2_session_block_directions(c->session);
	struct tp_err ignored;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= TP_LOOP_READ;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= TP_LOOP_WRITE;
	/* a jump host's session also waits for whatever its channels get */
	if (!ev || c->tunnel)
		ev |= TP_LOOP_READ;
	if (c->tunnel && c->send_owner)
		ev |= TP_LOOP_WRITE;
	tp_loop_watch(c->loop, c->fd, ev, tp_ssh_on_io, c, &ignored);
}

static int knownhost_keybit(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	default:
		return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
	}
}

/*
 * The known hosts of this target: the inventory's file, then the user's
 * (as OpenSSH reads its global and user files). Returns NULL when the
 * inventory's file exists but cannot be read; missing files are empty.
 */
static LIBSSH2_KNOWNHOSTS *load_known_hosts(struct tp_ssh_conn *c)
{
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(c->session);

	if (!kh)
		return NULL;
	/* a missing inventory file is an empty one: keys may all live in
	 * ~/.ssh/known_hosts; one that exists but cannot be read is not */
	if (access(c->t.known_hosts, F_OK) == 0 &&
	    libssh2_knownhost_readfile(kh, c->t.known_hosts,
				       LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
		libssh2_knownhost_free(kh);
		return NULL;
	}
	if (c->t.user_known_hosts &&
	    access(c->t.user_known_hosts, R_OK) == 0)
		libssh2_knownhost_readfile(kh, c->t.user_known_hosts,
					   LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	return kh;
}

/* "SHA256:<base64 without padding>", as OpenSSH prints fingerprints. */
static void fingerprint(struct tp_ssh_conn *c, char *out, size_t size)
{
	const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(
		c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	unsigned char b64[64];
	int n;

	if (!h) {
		snprintf(out, size, "(unavailable)");
		return;
	}
	n = EVP_EncodeBlock(b64, h, 32);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	snprintf(out, size, "SHA256:%.*s", n, b64);
}

static int check_host_key(struct tp_ssh_conn *c, struct tp_err *e)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct libssh2_knownhost *entry = NULL;
	const char *key;
	char fp[80];
	size_t len = 0;
	int type = 0, rc;

	key = libssh2_session_hostkey(c->session, &len, &type);
	if (!key)
		return tp_err_set(e, TP_ESSH, "host key: %s", tp_ssh_errmsg(c));
	kh = load_known_hosts(c);
	if (!kh)
		return tp_err_set(e, TP_ESSH, "cannot read known hosts file %s",
				  c->t.known_hosts);
	rc = libssh2_knownhost_checkp(kh, c->t.address, c->t.port, key, len,
				      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					      LIBSSH2_KNOWNHOST_KEYENC_RAW |
					      knownhost_keybit(type),
				      &entry);
	libssh2_knownhost_free(kh);
	fingerprint(c, fp, sizeof(fp));
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return tp_err_set(e, TP_EHOSTKEY_CHANGED,
			    "HOST KEY CHANGED: %s:%d now presents %s, which is "
			    "not the key in %s; refusing to connect (someone "
			    "may be intercepting, or the host was reinstalled: "
			    "verify, then update known_hosts)",
			    c->t.address, c->t.port, fp, c->t.known_hosts);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return tp_err_set(e, TP_EHOSTKEY_UNKNOWN,
			    "host key of %s:%d is unknown (%s); refusing to "
			    "connect. Check the fingerprint with the host's "
			    "admin, then add it to %s (tidepatch hostkeys "
			    "scan %s --accept-new)",
			    c->t.address, c->t.port, fp, c->t.known_hosts,
			    c->t.name);
	default:
		return tp_err_set(e, TP_ESSH, "host key check failed");
	}
}

/*
 * Order the host key algorithms so the server's key of a type that
 * known_hosts has for this host is negotiated first, as OpenSSH does;
 * otherwise a host known by its ed25519 key, say, would present its
 * ecdsa key (libssh2's default preference) and look unknown. Types are
 * found with a dummy-key check, which also sees hashed entries: a
 * MISMATCH means an entry of that type exists. The other types follow,
 * so a host known by another type still completes the handshake and
 * shows its key; with none known, ed25519 comes first.
 */
static void prefer_known_key_types(struct tp_ssh_conn *c)
{
	static const struct {
		int bit;
		const char *method;
	} types[] = {
		{ LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384" },
		{ LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521" },
		{ LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa" },
	};
	LIBSSH2_KNOWNHOSTS *kh = load_known_hosts(c);
	char known[256] = "", rest[256] = "";
	size_t i;

	if (!kh)
		return;	/* the host key check reports the unreadable file */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char *list;
		int rc = libssh2_knownhost_checkp(
			kh, c->t.address, c->t.port, "\0", 1,
			LIBSSH2_KNOWNHOST_TYPE_PLAIN |
				LIBSSH2_KNOWNHOST_KEYENC_RAW | types[i].bit,
			NULL);

		list = rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? known : rest;
		if (list[0])
			strcat(list, ",");
		strcat(list, types[i].method);
	}
	libssh2_knownhost_free(kh);
	if (!known[0]) {
		/* unknown host: offer ed25519 first, as OpenSSH does, so the
		 * fingerprint we print is the one ssh(1) would show */
		libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
					    rest);
		return;
	}
	if (rest[0]) {
		strcat(known, ",");
		strcat(known, rest);
	}
	libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, known);
}

/* Key scan: the presented key, as a known_hosts key field, in stdout. */
static int report_key(struct tp_ssh_conn *c)
{
	const char *key;
	unsigned char *b64;
	size_t len = 0;
	int type = 0, n, rc;

	key = libssh2_session_hostkey(c->session, &len, &type);
	if (!key)
		return tp_err_set(&c->err, TP_ESSH, "host key: %s",
				  tp_ssh_errmsg(c));
	b64 = malloc(4 * ((len + 2) / 3) + 1);
	if (!b64)
		return tp_err_set(&c->err, TP_ENOMEM, "out of memory");
	n = EVP_EncodeBlock(b64, (const unsigned char *)key, (int)len);
	tp_cmd_result_release(&c->res);
	tp_cmd_result_init(&c->res);
	rc = tp_buf_printf(&c->res.out, &c->err, "%s %.*s\n",
			   libssh2_session_methods(c->session,
						   LIBSSH2_METHOD_HOSTKEY),
			   n, b64);
	free(b64);
	c->res.exit_status = 0;
	c->authenticated = 1;	/* "reached": the host answered */
	return rc;
}

/* Start the next command if one is queued; the connection is READY. */
static int begin_exec(struct tp_ssh_conn *c)
{
	if (!c->cmdline)
		return 1;
	c->phase = TP_SSH_EXEC;
	c->step = EX_OPEN;
	c->exec_rc = 0;
	tp_cmd_result_release(&c->res);
	tp_cmd_result_init(&c->res);
	c->res.out.max = c->opts.out_max;
	c->res.errout.max = c->opts.err_max;
	tp_ssh_arm_deadline(c, c->opts.timeout_ms);
	return advance(c);
}

/*
 * Read what is available from both streams. Returns 1 while more may
 * come, 0 at end of output, or a negative TP_E* code (err set).
 */
static int read_streams(struct tp_ssh_conn *c)
{
	char chunk[16384];
	ssize_t n;
	int again = 0;

	for (;;) {
		n = libssh2_channel_read(c->channel, chunk, sizeof(chunk));
		if (n == LIBSSH2_ERROR_EAGAIN) {
			again = 1;
			break;
		}
		if (n < 0)
			return tp_err_set(&c->err, TP_ESSH, "reading output: %s",
					  tp_ssh_errmsg(c));
		if (n == 0)
			break;
		if (tp_buf_append(&c->res.out, chunk, (size_t)n, &c->err))
			return tp_err_prefix(&c->err, "stdout");
	}
	for (;;) {
		n = libssh2_channel_read_stderr(c->channel, chunk, sizeof(chunk));
		if (n == LIBSSH2_ERROR_EAGAIN) {
			again = 1;
			break;
		}
		if (n <= 0)
			break;
		{
			size_t room = c->res.errout.max - c->res.errout.len;
			size_t take = (size_t)n < room ? (size_t)n : room;

			if (take < (size_t)n)
				c->res.errout_truncated = 1;
			if (take)
				tp_buf_append(&c->res.errout, chunk, take, NULL);
		}
	}
	if (libssh2_channel_eof(c->channel))
		return 0;
	(void)again;
	return 1;
}

/*
 * Did sudo itself refuse, rather than the command fail? sudo -n says
 * "sudo: a password is required" and exits 1; a missing sudo is the
 * shell's exit 127 naming it. Both leave the command not run at all.
 */
static int become_failed(struct tp_ssh_conn *c)
{
	const char *e = c->res.errout.data ? c->res.errout.data : "";

	if (c->res.exit_status == 1 && strstr(e, "sudo: a password is required")) {
		tp_err_set(&c->err, TP_EBECOME,
			   "sudo on this host wants a password (sudo -n "
			   "refused); allow %s NOPASSWD, or connect as root",
			   c->t.user);
		return 1;
	}
	if (c->res.exit_status == 127 && strstr(e, "sudo") &&
	    strstr(e, "not found")) {
		tp_err_set(&c->err, TP_EBECOME, "sudo is not installed");
		return 1;
	}
	return 0;
}

static int exec_advance(struct tp_ssh_conn *c)
{
	int rc;

	for (;;) {
		switch (c->step) {
		case EX_OPEN:
			c->channel = libssh2_channel_open_session(c->session);
			if (!c->channel) {
				if (libssh2_session_last_errno(c->session) ==
				    LIBSSH2_ERROR_EAGAIN)
					goto wait;
				return fail(c, TP_ESSH, "opening a channel: %s",
					    tp_ssh_errmsg(c));
			}
			c->step = EX_START;
			break;
		case EX_START: {
			struct tp_buf cmd;
			struct tp_err qerr;

			tp_buf_init(&cmd, 1 << 20);
			if (tp_buf_puts(&cmd, c->t.become ?
					"sudo -n env LC_ALL=C /bin/sh -c " :
					"env LC_ALL=C /bin/sh -c ", &qerr) ||
			    tp_shell_quote(&cmd, c->cmdline, &qerr)) {
				tp_buf_release(&cmd);
				return fail(c, qerr.code, "%s", qerr.msg);
			}
			rc = libssh2_channel_exec(c->channel, cmd.data);
			tp_buf_release(&cmd);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				goto wait;
			if (rc < 0)
				return fail(c, TP_ESSH, "exec: %s", tp_ssh_errmsg(c));
			c->step = EX_READ;
			break;
		}
		case EX_READ:
			rc = read_streams(c);
			if (rc < 0) {
				/* stop the flood: close without reading more */
				c->exec_rc = rc;
				c->step = EX_CLOSE;
				break;
			}
			if (rc == 1)
				goto wait;
			c->step = EX_CLOSE;
			break;
		case EX_CLOSE:
			rc = libssh2_channel_close(c->channel);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				goto wait;
			c->step = c->exec_rc ? EX_FREE : EX_WAIT_CLOSED;
			break;
		case EX_WAIT_CLOSED: {
			char *sig = NULL;

			rc = libssh2_channel_wait_closed(c->channel);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				goto wait;
			c->res.exit_status =
				libssh2_channel_get_exit_status(c->channel);
			if (libssh2_channel_get_exit_signal(c->channel, &sig,
							    NULL, NULL, NULL,
							    NULL, NULL) == 0 &&
			    sig) {
				c->res.exit_status = -1;
				c->res.term_signal = -1; /* named, not numbered */
				libssh2_free(c->session, sig);
			}
			c->step = EX_FREE;
			break;
		}
		case EX_FREE:
			rc = libssh2_channel_free(c->channel);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				goto wait;
			c->channel = NULL;
			if (c->exec_rc)
				return tp_ssh_finish(c, c->exec_rc);
			if (c->t.become && become_failed(c))
				return tp_ssh_finish(c, TP_EBECOME);
			return tp_ssh_finish(c, 0);
		}
	}
wait:
	tp_ssh_wait_socket(c);
	return 1;
}

/*
 * Why a key may fail that a person would not guess. libssh2 before 1.11
 * signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8 and later
 * refuse; and an encrypted key cannot be used without a passphrase,
 * which a non-interactive tool does not ask for.
 */
static const char *auth_hint(struct tp_ssh_conn *c, int rc)
{
	char pub[4096];
	char head[16] = "";
	FILE *f;

	if (rc == LIBSSH2_ERROR_FILE)
		return " (is the key encrypted? tidepatch does not ask for "
		       "passphrases: load it into ssh-agent, or use an "
		       "unencrypted deploy key)";
	snprintf(pub, sizeof(pub), "%s.pub", c->t.identity);
	f = fopen(pub, "r");
	if (f) {
		if (!fgets(head, sizeof(head), f))
			head[0] = '\0';
		fclose(f);
	}
	if (!strncmp(head, "ssh-rsa ", 8) &&
	    LIBSSH2_VERSION_NUM < 0x010b00)
		return " (this is an RSA key, and libssh2 " LIBSSH2_VERSION
		       " can only sign with ssh-rsa/SHA-1, which OpenSSH 8.8 "
		       "and later refuse: use an Ed25519 or ECDSA key, or build "
		       "tidepatch against libssh2 1.11 or later)";
	return "";
}

/*
 * Authenticate with each key ssh-agent holds, in its order, until one is
 * accepted. Talking to the agent is a local socket and fast, so it is
 * done blocking; only the SSH side returns EAGAIN. Returns 0, EAGAIN, or
 * a TP_E* code with c->err set.
 */
static int agent_auth(struct tp_ssh_conn *c)
{
	int rc;

	if (!c->agent) {
		if (!getenv("SSH_AUTH_SOCK"))
			return tp_err_set(&c->err, TP_EAUTH,
					  "no identity file and no ssh-agent "
					  "(SSH_AUTH_SOCK is not set)");
		c->agent = libssh2_agent_init(c->session);
		if (!c->agent)
			return tp_err_set(&c->err, TP_ENOMEM, "out of memory");
		if (libssh2_agent_connect(c->agent) ||
		    libssh2_agent_list_identities(c->agent))
			return tp_err_set(&c->err, TP_EAUTH,
					  "cannot use ssh-agent at %s: %s",
					  getenv("SSH_AUTH_SOCK"), tp_ssh_errmsg(c));
		c->agent_id = NULL;
		rc = libssh2_agent_get_identity(c->agent, &c->agent_id, NULL);
		if (rc)
			return tp_err_set(&c->err, TP_EAUTH,
					  "ssh-agent holds no keys (ssh-add)");
	}
	for (;;) {
		rc = libssh2_agent_userauth(c->agent, c->t.user, c->agent_id);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return rc;
		if (rc == 0)
			return 0;
		c->agent_tried++;
		if (libssh2_agent_get_identity(c->agent, &c->agent_id,
					       c->agent_id))
			return tp_err_set(&c->err, TP_EAUTH,
					  "authentication as %s failed: none of "
					  "the %d keys in ssh-agent was accepted",
					  c->t.user, c->agent_tried);
	}
}

static int advance(struct tp_ssh_conn *c)
{
	int rc;

	for (;;) {
		switch (c->phase) {
		case TP_SSH_CONNECT: {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);

			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
				       &sl) < 0)
				soerr = errno;
			if (soerr == EINPROGRESS || soerr == EALREADY)
				return 1;
			if (soerr)
				return fail(c, TP_ECONNECT, "connect to %s:%d: %s",
					    c->t.address, c->t.port,
					    strerror(soerr));
			c->phase = TP_SSH_HANDSHAKE;
			tp_ssh_arm_deadline(c, c->t.handshake_timeout_ms);
			break;
		}
		case TP_SSH_HANDSHAKE:
			rc = libssh2_session_handshake(c->session, c->fd);
			if (rc == LIBSSH2_ERROR_EAGAIN) {
				tp_ssh_wait_socket(c);
				return 1;
			}
			if (rc)
				return fail(c, TP_ESSH, "handshake: %s",
					    tp_ssh_errmsg(c));
			c->phase = TP_SSH_HOSTKEY;
			if (c->t.keyscan)
				return tp_ssh_finish(c, report_key(c));
			break;
		case TP_SSH_HOSTKEY:
			if ((rc = check_host_key(c, &c->err)))
				return tp_ssh_finish(c, rc);
			c->phase = TP_SSH_AUTH;
			tp_ssh_arm_deadline(c, c->t.auth_timeout_ms);
			break;
		case TP_SSH_AUTH:
			if (!c->t.identity) {
				rc = agent_auth(c);
				if (rc == LIBSSH2_ERROR_EAGAIN) {
					tp_ssh_wait_socket(c);
					return 1;
				}
				if (rc)
					return tp_ssh_finish(c, rc);
			} else {
				rc = libssh2_userauth_publickey_fromfile_ex(
					c->session, c->t.user,
					(unsigned)strlen(c->t.user), NULL,
					c->t.identity, NULL);
				if (rc == LIBSSH2_ERROR_EAGAIN) {
					tp_ssh_wait_socket(c);
					return 1;
				}
				if (rc)
					return fail(c, TP_EAUTH,
						    "authentication as %s with %s failed: %s%s",
						    c->t.user, c->t.identity,
						    tp_ssh_errmsg(c), auth_hint(c, rc));
			}
			c->phase = TP_SSH_READY;
			c->authenticated = 1;
			if (c->timer)
				tp_loop_timer_cancel(c->loop, c->timer);
			c->timer = 0;
			if (c->tunnel)
				return tp_ssh_tunnel_pump(c);
			tp_loop_unwatch(c->loop, c->fd);
			return begin_exec(c);
		case TP_SSH_EXEC:
			return exec_advance(c);
		case TP_SSH_READY:
			if (c->tunnel)
				return tp_ssh_tunnel_pump(c);
			/* fall through */
		case TP_SSH_FAILED:
			tp_loop_unwatch(c->loop, c->fd);
			return 1;
		}
	}
}

static void on_connect_failed(struct tp_loop *loop, uint64_t id,
			      void *payload)
{
	struct tp_ssh_conn *c = payload;

	(void)loop;
	(void)id;
	c->timer = 0;
	if (c->resolve_error[0])
		fail(c, TP_ECONNECT, "cannot resolve %s: %s", c->t.address,
		     c->resolve_error);
	else
		fail(c, TP_ECONNECT, "connect to %s:%d: %s", c->t.address,
		     c->t.port, strerror(c->connect_errno));
}

static void on_start_exec(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct tp_ssh_conn *c = payload;

	(void)loop;
	(void)id;
	c->timer = 0;
	begin_exec(c);
}

void tp_ssh_on_io(struct tp_loop *loop, int fd, unsigned events,
		 void *payload)
{
	(void)loop;
	(void)fd;
	(void)events;
	advance(payload);
}

static int set_command(struct tp_ssh_conn *c, const char *cmdline,
		       const struct tp_run_opts *opts, tp_ssh_done_fn done,
		       void *payload, struct tp_err *err)
{
	if (!(c->cmdline = strdup(cmdline)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (opts)
		c->opts = *opts;
	else
		tp_run_opts_init(&c->opts);
	c->done = done;
	c->payload = payload;
	return 0;
}

/* Report a connection failure found before the loop ran, from the loop. */
static int fail_from_loop(struct tp_ssh_conn *c, struct tp_err *err)
{
	return tp_loop_timer_add(c->loop, &c->timer, 0, on_connect_failed, c,
				 err);
}

/*
 * Open the TCP connection (non-blocking) and watch it. The address comes
 * resolved with the target (tp_many_run resolves a run's names all at
 * once); without one it is resolved here, which can block for up to the
 * connect timeout on a name: fine for one host, not for many.
 */
static int start_tcp(struct tp_ssh_conn *c, struct tp_err *err)
{
	const struct tp_addr *a = c->t.addr;
	int rc;

	if (!a) {
		const char *name = c->t.address;

		if ((rc = tp_resolve_many(&c->addr, &name, 1, c->t.port,
					  AF_UNSPEC, c->t.connect_timeout_ms,
					  err)))
			return rc;
		a = &c->addr;
	}
	if (a->error) {
		snprintf(c->resolve_error, sizeof(c->resolve_error), "%s",
			 a->why);
		return fail_from_loop(c, err);
	}
	c->fd = socket(a->ss.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return tp_err_sys(err, TP_ESYS, errno, "%s: socket", c->t.name);
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->len) < 0 &&
	    errno != EINPROGRESS) {
		/* refused at once: report it from the loop, never from here */
		c->connect_errno = errno;
		return fail_from_loop(c, err);
	}
	tp_ssh_arm_deadline(c, c->t.connect_timeout_ms);
	return tp_loop_watch(c->loop, c->fd, TP_LOOP_WRITE, tp_ssh_on_io, c,
			     err);
}

static int conn_start(struct tp_ssh_conn **out, struct tp_loop *loop,
		      const struct tp_ssh_target *t, int tunnel,
		      const char *cmdline, const struct tp_run_opts *opts,
		      tp_ssh_done_fn done, void *payload, struct tp_err *err)
{
	struct tp_ssh_conn *c = NULL;
	int rc = 0;

	*out = NULL;
	if (!t->address || !t->name ||
	    (!t->keyscan && (!t->user || !t->known_hosts)))
		return tp_err_set(err, TP_EINVAL,
				  "ssh: name, address, user, identity and "
				  "known_hosts are required");
	if (t->port <= 0 || t->port > 65535)
		return tp_err_set(err, TP_EINVAL, "%s: port %d out of range",
				  t->name, t->port);
	if (!libssh2_ready) {
		if (libssh2_init(0))
			return tp_err_set(err, TP_ESSH, "libssh2_init failed");
		libssh2_ready = 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	c->fd = -1;
	c->loop = loop;
	c->t = *t;
	c->tunnel = tunnel;
	tp_cmd_result_init(&c->res);
	if (!tunnel &&
	    (rc = set_command(c, cmdline, opts, done, payload, err)))
		goto out;
	c->session = libssh2_session_init();
	if (!c->session) {
		rc = tp_err_set(err, TP_ENOMEM, "%s: libssh2 session", t->name);
		goto out;
	}
	libssh2_session_set_blocking(c->session, 0);
	if (t->keyscan)
		libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
					    t->keyscan);
	else
		prefer_known_key_types(c);
	c->phase = TP_SSH_CONNECT;
	rc = t->via ? tp_ssh_tunnel_attach(c, err) : start_tcp(c, err);
	if (rc)
		goto out;
	*out = c;
	c = NULL; /* ownership moved */
out:
	if (c)
		really_free(c);
	return rc;
}

int tp_ssh_conn_start(struct tp_ssh_conn **out, struct tp_loop *loop,
		      const struct tp_ssh_target *t, const char *cmdline,
		      const struct tp_run_opts *opts, tp_ssh_done_fn done,
		      void *payload, struct tp_err *err)
{
	return conn_start(out, loop, t, 0, cmdline, opts, done, payload, err);
}

int tp_ssh_tunnel_start(struct tp_ssh_conn **out, struct tp_loop *loop,
			const struct tp_ssh_target *t, struct tp_err *err)
{
	if (t->keyscan)
		return tp_err_set(err, TP_EINVAL, "%s: a jump host cannot be "
				  "key-scanned through", t->name);
	return conn_start(out, loop, t, 1, NULL, NULL, NULL, NULL, err);
}

int tp_ssh_conn_exec(struct tp_ssh_conn *conn, const char *cmdline,
		     const struct tp_run_opts *opts, tp_ssh_done_fn done,
		     void *payload, struct tp_err *err)
{
	int rc;

	if (conn->phase != TP_SSH_READY || conn->cmdline)
		return tp_err_set(err, TP_EINVAL, "%s: connection is %s",
				  conn->t.name, tp_ssh_phase_name(conn->phase));
	if ((rc = set_command(conn, cmdline, opts, done, payload, err)))
		return rc;
	/* start from the loop, so done never runs inside this call */
	return tp_loop_timer_add(conn->loop, &conn->timer, 0, on_start_exec,
				 conn, err);
}
