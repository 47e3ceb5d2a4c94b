/*
 * resolve.c - concurrent name lookups with one deadline (glibc's
 * getaddrinfo_a).
 *
 * Numeric addresses are converted on the spot. Names go to
 * getaddrinfo_a in one batch and gai_suspend waits for them, up to the
 * deadline. A lookup still running then is cancelled; glibc may refuse
 * (EAI_NOTCANCELED) because its worker thread still owns the request, so
 * the batch's memory is then deliberately not freed: a bounded leak per
 * stuck lookup is better than a use after free.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tidepatch/resolve.h"

static int numeric(struct tp_addr *a, const char *name, int port, int family)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (family != AF_INET6 && inet_pton(AF_INET, name, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		a->len = sizeof(*v4);
		return 1;
	}
	if (family != AF_INET && inet_pton(AF_INET6, name, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*v6);
		return 1;
	}
	return 0;
}

static void take_result(struct tp_addr *a, struct gaicb *cb, int rc, int port)
{
	struct addrinfo *ai = cb->ar_result;

	if (rc == 0 && ai && ai->ai_addrlen <= sizeof(a->ss)) {
		memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
		a->len = ai->ai_addrlen;
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)&a->ss)->sin_port =
				htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)&a->ss)->sin6_port =
				htons((uint16_t)port);
		a->error = 0;
	} else {
		a->error = rc ? rc : EAI_NONAME;
		snprintf(a->why, sizeof(a->why), "%s",
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(a->error));
	}
	if (ai)
		freeaddrinfo(ai);
	cb->ar_result = NULL;
}

/* What glibc's worker threads may still read after a cancel fails: it
 * all lives in one block that is then never freed. */
struct batch {
	struct addrinfo hints;
	char **names;		/* copies */
	struct gaicb *cbs;
	struct gaicb **list;
};

static void batch_free(struct batch *b, size_t nq)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; b->names && i < nq; i++)
		free(b->names[i]);
	free(b->names);
	free(b->cbs);
	free(b->list);
	free(b);
}

int tp_resolve_many(struct tp_addr *out, const char *const *names, size_t n,
		    int port, int family, int timeout_ms, struct tp_err *err)
{
	struct batch *b = NULL;
	struct gaicb *cbs, **list;
	struct timespec deadline, now;
	size_t i, nq = 0, *slot = NULL;
	int leak = 0, rc = 0;

	for (i = 0; i < n; i++)
		if (!numeric(&out[i], names[i], port, family))
			nq++;
	if (!nq)
		return 0;
	if (!(b = calloc(1, sizeof(*b))) ||
	    !(b->names = calloc(nq, sizeof(*b->names))) ||
	    !(b->cbs = calloc(nq, sizeof(*b->cbs))) ||
	    !(b->list = calloc(nq, sizeof(*b->list))) ||
	    !(slot = calloc(nq, sizeof(*slot)))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	cbs = b->cbs;
	list = b->list;
	b->hints.ai_family = family;
	b->hints.ai_socktype = SOCK_STREAM;
	b->hints.ai_flags = AI_ADDRCONFIG;
	for (i = 0, nq = 0; i < n; i++) {
		if (out[i].len)
			continue;
		if (!(b->names[nq] = strdup(names[i]))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		cbs[nq].ar_name = b->names[nq];
		cbs[nq].ar_request = &b->hints;
		list[nq] = &cbs[nq];
		slot[nq++] = i;
	}
	if (getaddrinfo_a(GAI_NOWAIT, list, (int)nq, NULL)) {
		rc = tp_err_sys(err, TP_ESYS, errno, "getaddrinfo_a");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (;;) {
		size_t pending = 0;
		struct timespec left;

		for (i = 0; i < nq; i++)
			if (list[i] && gai_error(list[i]) == EAI_INPROGRESS)
				pending++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!pending || now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec &&
		     now.tv_nsec >= deadline.tv_nsec))
			break;
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		gai_suspend((const struct gaicb *const *)list, (int)nq, &left);
	}
	for (i = 0; i < nq; i++) {
		struct tp_addr *a = &out[slot[i]];
		int e = gai_error(&cbs[i]);

		if (e == EAI_INPROGRESS) {
			if (gai_cancel(&cbs[i]) != EAI_CANCELED)
				leak = 1;
			memset(a, 0, sizeof(*a));
			a->error = EAI_AGAIN;
			snprintf(a->why, sizeof(a->why),
				 "no answer within %d ms", timeout_ms);
			continue;
		}
		take_result(a, &cbs[i], e, port);
	}
out:
	if (!leak)
		batch_free(b, nq);
	free(slot);
	return rc;
}

void tp_addr_format(const struct tp_addr *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%d", host, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const void *)&a->ss;

		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%d", host, ntohs(v4->sin_port));
	}
}
