/*
 * bindsrc.c - LD_PRELOAD shim that gives the fleet's jump host its own
 * source address
 *
 * Every fleet host shares this machine's network namespace, and Linux
 * picks 127.0.0.1 as the source of any connection to 127.0.0.0/8. So a
 * connection the jump host's sshd opens for a direct-tcpip channel would
 * look exactly like one the test client opens itself, and "behind1 only
 * accepts connections through the jump host" could not be enforced. With
 * this shim preloaded into the jump host's sshd, every unbound IPv4
 * socket that connects to a loopback address is first bound to
 * $TP_BINDSRC (the jump host's own address, port 0), so behind1's sshd
 * sees the jump host's address as the peer and can admit only that
 * (AllowUsers tp@<jump>).
 *
 * Invariants: sockets already bound, non-IPv4 sockets and non-loopback
 * destinations are left alone; a failed bind is ignored (the connect then
 * goes out from 127.0.0.1 and behind1 refuses it, which is the safe
 * failure) and errno is preserved.
 *
 * Built by tests/fleet/fleet.sh at `up --special`; used only in the
 * fleet, never by tidepatch itself.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real_connect)(int, const struct sockaddr *, socklen_t);
	const struct sockaddr_in *dst = (const struct sockaddr_in *)addr;
	struct sockaddr_in me;
	socklen_t melen = sizeof(me);
	const char *src = NULL;
	int saved = errno;

	if (!real_connect) {
		real_connect = (int (*)(int, const struct sockaddr *,
					socklen_t))dlsym(RTLD_NEXT, "connect");
		if (!real_connect) {
			errno = ENOSYS;
			return -1;
		}
	}
	src = getenv("TP_BINDSRC");
	if (src && addr && addr->sa_family == AF_INET &&
	    len >= sizeof(struct sockaddr_in) &&
	    (ntohl(dst->sin_addr.s_addr) >> 24) == 127 &&
	    getsockname(fd, (struct sockaddr *)&me, &melen) == 0 &&
	    me.sin_family == AF_INET && me.sin_port == 0 &&
	    me.sin_addr.s_addr == htonl(INADDR_ANY)) {
		memset(&me, 0, sizeof(me));
		me.sin_family = AF_INET;
		if (inet_pton(AF_INET, src, &me.sin_addr) == 1)
			(void)bind(fd, (struct sockaddr *)&me, sizeof(me));
	}
	errno = saved;
	return real_connect(fd, addr, len);
}
