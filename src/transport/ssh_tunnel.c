/*
 * ssh_tunnel.c - jump hosts (ssh -J): one session to the jump host
 * carries the connections to every target behind it.
 *
 * A carried connection is an ordinary tp_ssh_conn whose socket is one end
 * of a socketpair instead of a TCP socket; the other end belongs to a
 * stream here, which relays bytes between it and a direct-tcpip channel
 * of the jump host's session. The carried connection's libssh2 session
 * never knows: it reads and writes a socket, as always. A chain of jump
 * hosts is the same thing again, since a jump host connection can itself
 * be carried.
 *
 * Invariants:
 * - Nothing here calls a connection's done callback directly: a failure
 *   is handed to the carried connection through a 0 ms timer, so no
 *   callback runs inside a pump and no pump runs inside a callback.
 * - libssh2 opens one channel at a time per session (the open is a state
 *   machine in the session), so streams queue and open in turn; an open
 *   once begun is carried to its end even if its connection is gone,
 *   else the next open would inherit it.
 * - libssh2 1.10 refuses (LIBSSH2_ERROR_BAD_USE) to send a packet while
 *   another is half sent. The stream whose send stopped halfway goes
 *   first on the next pump, the others make no libssh2 call until it is
 *   through, and BAD_USE is treated as "try again".
 * - Buffers are fixed (STREAM_BUF each way): a slow reader stops the
 *   reads from its channel, it never grows memory here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ssh_int.h"

#define STREAM_BUF 16384

enum stream_state {
	ST_QUEUED,	/* waiting for the jump host, or for its turn */
	ST_OPENING,	/* the channel open is in progress */
	ST_OPEN,	/* relaying */
	ST_CLOSING,	/* closing the channel */
	ST_DONE,	/* to be freed */
};

struct tp_ssh_stream {
	struct tp_ssh_stream *next;
	struct tp_ssh_conn *jump;
	struct tp_ssh_conn *client;	/* NULL once it is gone or told */
	LIBSSH2_CHANNEL *ch;
	int fd;				/* our end of the socketpair */
	char *address;			/* where the channel goes */
	int port;
	enum stream_state state;
	int fd_eof;			/* the client closed its end */
	int ch_eof;			/* the far end closed */
	int shut;			/* shutdown(SHUT_WR) done on fd */
	size_t up_len, down_len;
	char up[STREAM_BUF];		/* client -> channel */
	char down[STREAM_BUF];		/* channel -> client */
};

static void on_carry_failed(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct tp_ssh_conn *c = payload;

	(void)loop;
	(void)id;
	c->timer = 0;
	tp_ssh_finish(c, c->err.code);
}

/*
 * Tell s's connection that it cannot be carried, from the loop. Its
 * socket is unwatched first, so its own read of the dead stream cannot
 * overtake the reason.
 */
static void stream_fail(struct tp_ssh_stream *s, int code, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));

static void stream_fail(struct tp_ssh_stream *s, int code, const char *fmt,
			...)
{
	struct tp_ssh_conn *c = s->client;
	char msg[TP_ERR_MSG_MAX];
	struct tp_err ignored;
	va_list ap;

	if (s->state != ST_OPENING)
		s->state = s->ch ? ST_CLOSING : ST_DONE;
	if (!c)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tp_err_set(&c->err, code, "jump host %s: %s", s->jump->t.name, msg);
	s->client = NULL;
	c->stream = NULL;
	if (c->fd >= 0)
		tp_loop_unwatch(c->loop, c->fd);
	if (c->timer)
		tp_loop_timer_cancel(c->loop, c->timer);
	c->timer = 0;
	/* ENOMEM here would leave c to its own deadline, which still ends it */
	tp_loop_timer_add(c->loop, &c->timer, 0, on_carry_failed, c, &ignored);
}

/* libssh2 errors that end one channel, not the whole session. */
static int channel_error(int e)
{
	return e == LIBSSH2_ERROR_CHANNEL_FAILURE ||
	       e == LIBSSH2_ERROR_CHANNEL_UNKNOWN ||
	       e == LIBSSH2_ERROR_CHANNEL_CLOSED ||
	       e == LIBSSH2_ERROR_CHANNEL_EOF_SENT ||
	       e == LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED ||
	       e == LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED;
}

/* The jump host's session itself broke: it fails, and so does every
 * stream (tp_ssh_finish calls tp_ssh_tunnel_fail_all). */
static int session_broke(struct tp_ssh_conn *j, const char *what)
{
	tp_err_set(&j->err, TP_ESSH, "%s: %s", what, tp_ssh_errmsg(j));
	tp_ssh_finish(j, TP_ESSH);
	return -1;
}

/*
 * A libssh2 call on s returned rc < 0. Returns 0 to try again later, -1
 * when the session broke (the caller must stop), 1 when s failed.
 */
static int call_failed(struct tp_ssh_conn *j, struct tp_ssh_stream *s,
		       int rc, const char *what)
{
	if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE) {
		if (rc == LIBSSH2_ERROR_EAGAIN &&
		    (libssh2_session_block_directions(j->session) &
		     LIBSSH2_SESSION_BLOCK_OUTBOUND))
			j->send_owner = s;
		return 0;
	}
	if (!channel_error(rc))
		return session_broke(j, what);
	stream_fail(s, TP_ESSH, "%s: %s", what, tp_ssh_errmsg(j));
	return 1;
}

static void watch_stream(struct tp_ssh_stream *s);

static void on_stream_io(struct tp_loop *loop, int fd, unsigned events,
			 void *payload)
{
	struct tp_ssh_stream *s = payload;

	(void)loop;
	(void)fd;
	(void)events;
	tp_ssh_tunnel_pump(s->jump);
}

static void watch_stream(struct tp_ssh_stream *s)
{
	unsigned ev = 0;
	struct tp_err ignored;

	if (s->state == ST_OPEN) {
		if (!s->fd_eof && s->up_len < sizeof(s->up))
			ev |= TP_LOOP_READ;
		if (s->down_len)
			ev |= TP_LOOP_WRITE;
	}
	if (ev)
		tp_loop_watch(s->jump->loop, s->fd, ev, on_stream_io, s,
			      &ignored);
	else
		tp_loop_unwatch(s->jump->loop, s->fd);
}

/* Bytes between the socketpair and the buffers (no libssh2 here). */
static void relay_fd(struct tp_ssh_stream *s)
{
	ssize_t n;

	while (!s->fd_eof && s->up_len < sizeof(s->up)) {
		n = recv(s->fd, s->up + s->up_len, sizeof(s->up) - s->up_len,
			 0);
		if (n > 0) {
			s->up_len += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		s->fd_eof = 1;	/* closed, or broken: the same to us */
	}
	while (s->down_len) {
		n = send(s->fd, s->down, s->down_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			s->fd_eof = 1;
			s->down_len = 0;
			break;
		}
		memmove(s->down, s->down + n, s->down_len - (size_t)n);
		s->down_len -= (size_t)n;
	}
	if (s->ch_eof && !s->down_len && !s->shut) {
		shutdown(s->fd, SHUT_WR);
		s->shut = 1;
	}
}

/* Bytes between the buffers and the channel. Returns -1 when the session
 * broke, else 0. */
static int relay_channel(struct tp_ssh_conn *j, struct tp_ssh_stream *s)
{
	ssize_t n;
	int r;

	while (s->up_len) {
		n = libssh2_channel_write(s->ch, s->up, s->up_len);
		if (n < 0) {
			r = call_failed(j, s, (int)n, "forwarding");
			return r < 0 ? -1 : 0;
		}
		memmove(s->up, s->up + n, s->up_len - (size_t)n);
		s->up_len -= (size_t)n;
	}
	while (!s->ch_eof && s->down_len < sizeof(s->down)) {
		n = libssh2_channel_read(s->ch, s->down + s->down_len,
					 sizeof(s->down) - s->down_len);
		if (n < 0) {
			r = call_failed(j, s, (int)n, "forwarding");
			return r < 0 ? -1 : 0;
		}
		if (n == 0) {
			if (libssh2_channel_eof(s->ch))
				s->ch_eof = 1;
			break;
		}
		s->down_len += (size_t)n;
	}
	return 0;
}

/* Open s's channel (one open at a time). -1 when the session broke. */
static int open_channel(struct tp_ssh_conn *j, struct tp_ssh_stream *s)
{
	struct tp_ssh_conn *c = s->client;
	struct tp_err ignored;
	int e;

	if (s->state == ST_QUEUED) {
		if (j->opening)
			return 0;
		if (!c) {
			s->state = ST_DONE;
			return 0;
		}
		j->opening = s;
		s->state = ST_OPENING;
		/* the jump host is ready: from here the connect deadline of
		 * the carried connection covers the channel open */
		tp_ssh_arm_deadline(c, c->t.connect_timeout_ms);
	}
	s->ch = libssh2_channel_direct_tcpip_ex(j->session, s->address,
						s->port, "127.0.0.1", 0);
	if (!s->ch) {
		e = libssh2_session_last_errno(j->session);
		if (e == LIBSSH2_ERROR_EAGAIN || e == LIBSSH2_ERROR_BAD_USE)
			return call_failed(j, s, e, "opening a channel") < 0 ?
				       -1 : 0;
		j->opening = NULL;
		if (!channel_error(e))
			return session_broke(j, "opening a channel");
		s->state = ST_DONE;
		if (c)
			stream_fail(s, TP_ECONNECT,
				    "cannot reach %s:%d from there: %s",
				    s->address, s->port, tp_ssh_errmsg(j));
		return 0;
	}
	j->opening = NULL;
	if (!c) {
		s->state = ST_CLOSING;
		return 0;
	}
	s->state = ST_OPEN;
	/* the socketpair is connected: the carried connection's CONNECT
	 * phase ends at its first writable event, as after a TCP connect */
	tp_loop_watch(c->loop, c->fd, TP_LOOP_WRITE, tp_ssh_on_io, c,
		      &ignored);
	return 0;
}

/* One step for one stream. -1 when the session broke. */
static int pump_stream(struct tp_ssh_conn *j, struct tp_ssh_stream *s)
{
	int rc;
	int may_send = !j->send_owner || j->send_owner == s;

	if (j->send_owner == s)
		j->send_owner = NULL;	/* set again if it stops again */
	switch (s->state) {
	case ST_QUEUED:
	case ST_OPENING:
		if (!may_send)
			return 0;
		if (open_channel(j, s) < 0)
			return -1;
		if (s->state != ST_OPEN)
			return 0;
		/* open: relay what the connection has written already */
		/* fall through */
	case ST_OPEN:
		relay_fd(s);
		if (may_send && relay_channel(j, s) < 0)
			return -1;
		if (s->state != ST_OPEN)
			return 0;	/* relay_channel failed it */
		relay_fd(s);
		if (s->fd_eof && !s->up_len)
			s->state = ST_CLOSING;
		watch_stream(s);
		if (s->state != ST_CLOSING)
			return 0;
		/* fall through */
	case ST_CLOSING:
		tp_loop_unwatch(j->loop, s->fd);
		if (!may_send)
			return 0;
		/* errors other than "later" only mean the channel is gone
		 * already: free it either way */
		rc = libssh2_channel_close(s->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
			return call_failed(j, s, rc, "closing a channel") < 0 ?
				       -1 : 0;
		rc = libssh2_channel_free(s->ch);
		if (rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE)
			return call_failed(j, s, rc, "closing a channel") < 0 ?
				       -1 : 0;
		s->ch = NULL;
		s->state = ST_DONE;
		return 0;
	case ST_DONE:
		return 0;
	}
	return 0;
}

static void stream_free(struct tp_ssh_stream *s)
{
	if (s->client)
		s->client->stream = NULL;
	if (s->fd >= 0) {
		tp_loop_unwatch(s->jump->loop, s->fd);
		close(s->fd);
	}
	free(s->address);
	free(s);
}

/* Free the streams that are done; a failed stream's connection has been
 * told already, so closing its socketpair end is safe now. */
static void reap(struct tp_ssh_conn *j)
{
	struct tp_ssh_stream **pp = &j->streams, *s;

	while ((s = *pp)) {
		if (s->state == ST_DONE && s != j->opening &&
		    s != j->send_owner) {
			*pp = s->next;
			stream_free(s);
		} else {
			pp = &s->next;
		}
	}
}

int tp_ssh_tunnel_pump(struct tp_ssh_conn *j)
{
	struct tp_ssh_stream *s;

	if (j->phase != TP_SSH_READY)
		return 1;
	if (j->send_owner && pump_stream(j, j->send_owner) < 0)
		return 1;
	for (s = j->streams; s; s = s->next)
		if (pump_stream(j, s) < 0)
			return 1;	/* the jump host failed: all told */
	reap(j);
	tp_ssh_wait_socket(j);
	return 1;
}

int tp_ssh_tunnel_attach(struct tp_ssh_conn *c, struct tp_err *err)
{
	struct tp_ssh_conn *j = c->t.via;
	struct tp_ssh_stream *s, **pp;
	int sv[2];

	if (!j->tunnel)
		return tp_err_set(err, TP_EINVAL, "%s: via is not a jump host "
				  "connection", c->t.name);
	if (!(s = calloc(1, sizeof(*s))) ||
	    !(s->address = strdup(c->t.address))) {
		free(s);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	s->port = c->t.port;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0) {
		free(s->address);
		free(s);
		return tp_err_sys(err, TP_ESYS, errno, "%s: socketpair",
				  c->t.name);
	}
	c->fd = sv[0];
	s->fd = sv[1];
	s->jump = j;
	s->client = c;
	s->state = ST_QUEUED;
	c->stream = s;
	for (pp = &j->streams; *pp; pp = &(*pp)->next)
		;
	*pp = s;
	if (j->phase == TP_SSH_FAILED)
		stream_fail(s, j->err.code, "%s", j->err.msg);
	else
		tp_ssh_tunnel_pump(j);	/* no-op until the jump host is ready */
	return 0;
}

void tp_ssh_tunnel_fail_all(struct tp_ssh_conn *j)
{
	struct tp_ssh_stream *s;

	for (s = j->streams; s; s = s->next) {
		stream_fail(s, j->err.code, "%s", j->err.msg);
		/* the session is gone: its channels go with it */
		s->ch = NULL;
		s->state = ST_DONE;
	}
	j->opening = NULL;
	j->send_owner = NULL;
	reap(j);
}

void tp_ssh_tunnel_release(struct tp_ssh_conn *j)
{
	struct tp_ssh_stream *s;

	while ((s = j->streams)) {
		j->streams = s->next;
		/* channels are freed with the session, right after this */
		stream_free(s);
	}
	j->opening = NULL;
	j->send_owner = NULL;
}

void tp_ssh_tunnel_detach(struct tp_ssh_conn *c)
{
	struct tp_ssh_stream *s = c->stream;

	if (!s)
		return;
	c->stream = NULL;
	s->client = NULL;
	s->fd_eof = 1;
	if (s->state == ST_QUEUED)
		s->state = ST_DONE;
	else if (s->state == ST_OPEN)
		s->state = ST_CLOSING;
	tp_ssh_tunnel_pump(s->jump);
}
