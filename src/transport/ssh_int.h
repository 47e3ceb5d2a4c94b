/*
 * ssh_int.h - what ssh.c and ssh_tunnel.c share: the connection itself
 * and the few state-machine helpers the tunnel drives. Not installed;
 * nothing outside src/transport/ includes it.
 */
#ifndef TIDEPATCH_SSH_INT_H
#define TIDEPATCH_SSH_INT_H

#include <stdint.h>

#include <libssh2.h>

#include "tidepatch/resolve.h"
#include "tidepatch/ssh.h"

struct tp_ssh_stream;

enum exec_step {
	EX_OPEN,
	EX_START,
	EX_READ,
	EX_CLOSE,
	EX_WAIT_CLOSED,
	EX_FREE,
};

struct tp_ssh_conn {
	struct tp_loop *loop;
	struct tp_ssh_target t;
	int fd;
	LIBSSH2_SESSION *session;
	LIBSSH2_CHANNEL *channel;
	enum tp_ssh_phase phase;
	enum exec_step step;
	uint64_t timer;
	struct tp_err err;

	/* the command in progress (or queued until auth completes) */
	char *cmdline;
	struct tp_run_opts opts;
	struct tp_cmd_result res;
	tp_ssh_done_fn done;
	void *payload;
	int exec_rc;		/* set when the command fails mid-way */
	int connect_errno;	/* connect() failed at once with this */
	char resolve_error[128]; /* the name did not resolve: why */
	struct tp_addr addr;	/* resolved here when the target had none */
	LIBSSH2_AGENT *agent;	/* when authenticating with ssh-agent */
	struct libssh2_agent_publickey *agent_id; /* key being tried */
	int agent_tried;	/* keys offered so far */
	int authenticated;	/* got past auth at least once */

	int in_callback;
	int free_requested;

	/* a connection through a jump host (ssh_tunnel.c) */
	struct tp_ssh_stream *stream;	/* the stream carrying it, while the
					   jump host keeps it */
	/* a jump host's connection: it carries streams, runs no command */
	int tunnel;
	struct tp_ssh_stream *streams;	/* list, oldest first */
	struct tp_ssh_stream *send_owner; /* its send returned EAGAIN halfway
					     through a packet: it goes first */
	struct tp_ssh_stream *opening;	/* channel open in progress */
};

/* ssh.c */
void tp_ssh_arm_deadline(struct tp_ssh_conn *c, int ms);
const char *tp_ssh_errmsg(struct tp_ssh_conn *c);
/* End the current command or the connection attempt with rc (c->err
 * set); returns 0 when the connection was freed by its callback. */
int tp_ssh_finish(struct tp_ssh_conn *c, int rc);
/* Watch c's socket in the directions libssh2 waits for. */
void tp_ssh_wait_socket(struct tp_ssh_conn *c);
void tp_ssh_on_io(struct tp_loop *loop, int fd, unsigned events,
		  void *payload);

/* ssh_tunnel.c */
/*
 * Carry c (t.via set, c->fd not yet open) through its jump host: make a
 * socketpair, keep one end, give c the other, and queue a direct-tcpip
 * channel to c's address. c stays in TP_SSH_CONNECT until the channel
 * is open (then its fd is watched and the handshake starts) or fails
 * (then c fails, from the loop, with the reason).
 */
int tp_ssh_tunnel_attach(struct tp_ssh_conn *c, struct tp_err *err);
/* The jump connection is ready or its socket is: open queued channels,
 * move data, watch the socket. Returns 1 (advance()'s convention). */
int tp_ssh_tunnel_pump(struct tp_ssh_conn *j);
/* The jump connection failed: fail every connection it carries. */
void tp_ssh_tunnel_fail_all(struct tp_ssh_conn *j);
/* Free a jump connection's streams (its session is about to go). */
void tp_ssh_tunnel_release(struct tp_ssh_conn *j);
/* A carried connection is being freed: forget it (its fd closes, so the
 * stream winds down by itself). */
void tp_ssh_tunnel_detach(struct tp_ssh_conn *c);

#endif
