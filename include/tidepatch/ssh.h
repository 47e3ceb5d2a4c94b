/*
 * ssh.h - one SSH connection to one host, as a non-blocking state machine
 * on the event loop (libssh2). Many connections share one loop and one
 * thread; each owns its error slot, so one bad host disturbs no other.
 *
 * Phases: connect -> handshake -> host key -> auth -> ready, then one
 * command at a time (exec). Each phase has its own deadline, and an
 * error says which phase failed.
 */
#ifndef TIDEPATCH_SSH_H
#define TIDEPATCH_SSH_H

#include "tidepatch/loop.h"
#include "tidepatch/resolve.h"
#include "tidepatch/transport.h"

enum tp_ssh_phase {
	TP_SSH_CONNECT,
	TP_SSH_HANDSHAKE,
	TP_SSH_HOSTKEY,
	TP_SSH_AUTH,
	TP_SSH_READY,
	TP_SSH_EXEC,
	TP_SSH_FAILED,
};

/* All strings are borrowed for the life of the connection. */
struct tp_ssh_target {
	const char *name;	/* for messages: the inventory name */
	const char *address;	/* IPv4/IPv6 address or name; known_hosts
				   is checked for it as written */
	int port;
	const char *user;
	const char *identity;	/* private key file (unencrypted), or NULL
				   to authenticate with ssh-agent's keys
				   ($SSH_AUTH_SOCK) */
	const char *known_hosts; /* OpenSSH known_hosts file; required */
	const char *user_known_hosts; /* also consulted (~/.ssh/known_hosts),
					 or NULL */
	int connect_timeout_ms;
	int handshake_timeout_ms;
	int auth_timeout_ms;
	/* Run commands as root through `sudo -n`: never prompts, so a sudo
	 * that wants a password fails at once, as TP_EBECOME. */
	int become;
	/*
	 * Key scan: offer only this host key algorithm ("ssh-ed25519"),
	 * stop after the handshake (no host key check, no auth, no
	 * command) and report the key as "<algorithm> <base64>\n" in the
	 * done callback's stdout. NULL for a normal connection.
	 */
	const char *keyscan;
	/*
	 * Reach the host through this jump host connection (made with
	 * tp_ssh_tunnel_start, borrowed) instead of a TCP connection of
	 * its own, as ssh -J does: a direct-tcpip channel to address:port
	 * opened on the jump host's session. NULL: connect directly.
	 */
	struct tp_ssh_conn *via;
	/* The address, resolved (tp_resolve_many), or NULL to resolve
	 * address here. Ignored with via: the jump host resolves it. */
	const struct tp_addr *addr;
};

struct tp_ssh_conn;

/*
 * Called once per exec: rc 0 when the command ran to its end (look at
 * res->exit_status), else the TP_E* code with err filled (messages do
 * not name the host: callers add it, as for every transport). res and err
 * belong to the connection and are valid during the call only.
 */
typedef void (*tp_ssh_done_fn)(struct tp_ssh_conn *conn, int rc,
			       struct tp_cmd_result *res,
			       const struct tp_err *err, void *payload);

/* Defaults: 10 s connect, 15 s handshake, 15 s auth, port 22. */
void tp_ssh_target_init(struct tp_ssh_target *t);

/*
 * Start connecting to t on loop, and run cmdline once authenticated
 * (on the host it runs as `env LC_ALL=C /bin/sh -c <cmdline>`, or with
 * become as `sudo -n env LC_ALL=C /bin/sh -c <cmdline>`; a sudo that
 * wants a password or is missing ends the command with TP_EBECOME). done is
 * called exactly once for it, from the loop; a failure to connect is
 * reported there too, as TP_ECONNECT, TP_ETIMEOUT (message names the
 * phase), TP_EHOSTKEY_UNKNOWN (message has the SHA256 fingerprint),
 * TP_EHOSTKEY_CHANGED, TP_EAUTH or TP_ESSH. Returns non-zero only when
 * nothing could be started (bad arguments, no memory, no socket).
 */
int tp_ssh_conn_start(struct tp_ssh_conn **out, struct tp_loop *loop,
		      const struct tp_ssh_target *t, const char *cmdline,
		      const struct tp_run_opts *opts, tp_ssh_done_fn done,
		      void *payload, struct tp_err *err);

/*
 * Start a jump host connection on loop: it connects, checks the host key
 * and authenticates like any other, runs no command, and then carries
 * the connections whose target names it in `via`, each in its own
 * direct-tcpip channel of this one session (so N hosts behind one jump
 * host cost one session there, not N). Its target may itself have a
 * `via`, for a chain of jump hosts. When it fails, every connection it
 * carries (or is asked to carry later) fails with its error, prefixed
 * "jump host NAME: ". Free it with tp_ssh_conn_free once no connection
 * uses it; it keeps the loop busy until then. Returns non-zero only when
 * nothing could be started.
 */
int tp_ssh_tunnel_start(struct tp_ssh_conn **out, struct tp_loop *loop,
			const struct tp_ssh_target *t, struct tp_err *err);

/*
 * Run another command on a ready connection (call it from done, or
 * later). TP_EINVAL when the connection is busy or failed.
 */
int tp_ssh_conn_exec(struct tp_ssh_conn *conn, const char *cmdline,
		     const struct tp_run_opts *opts, tp_ssh_done_fn done,
		     void *payload, struct tp_err *err);

enum tp_ssh_phase tp_ssh_conn_phase(const struct tp_ssh_conn *conn);

/* Did the connection get past authentication? A failure reported while
 * this is 0 means the host was never reached (connect, handshake, host
 * key or auth); messages then describe that, not the command. */
int tp_ssh_conn_authenticated(const struct tp_ssh_conn *conn);
const char *tp_ssh_phase_name(enum tp_ssh_phase phase);

/* Disconnect and free; safe from done and with NULL. */
void tp_ssh_conn_free(struct tp_ssh_conn *conn);

#endif
