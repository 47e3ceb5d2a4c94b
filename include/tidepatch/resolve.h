/*
 * resolve.h - host names to addresses, many at once, with a deadline.
 *
 * A slow or dead DNS server must not stall the event loop host by host:
 * every distinct name of a run is looked up concurrently before the
 * first connection starts, and the whole batch waits at most a deadline.
 * IPv4 and IPv6 both; numeric addresses never wait.
 */
#ifndef TIDEPATCH_RESOLVE_H
#define TIDEPATCH_RESOLVE_H

#include <stddef.h>
#include <sys/socket.h>

#include "tidepatch/err.h"

struct tp_addr {
	struct sockaddr_storage ss;	/* valid when error is 0 */
	socklen_t len;
	int error;		/* 0, or an EAI_* code (EAI_AGAIN: the
				   deadline passed first) */
	char why[128];		/* what went wrong, for messages */
};

/*
 * Resolve names[0..n) (family AF_UNSPEC, AF_INET or AF_INET6) into
 * out[0..n), each with port. Lookups run concurrently; all of them
 * together wait at most timeout_ms. out[i] gets the first address the
 * resolver offers, or its error. Returns 0 (per-name failures are in
 * out), TP_ENOMEM, or TP_ESYS when lookups could not be started.
 */
int tp_resolve_many(struct tp_addr *out, const char *const *names, size_t n,
		    int port, int family, int timeout_ms, struct tp_err *err);

/* "127.0.1.5:22" or "[::1]:22" into buf, for messages. */
void tp_addr_format(const struct tp_addr *a, char *buf, size_t size);

#endif
