/*
 * loop.c - epoll event loop with monotonic timers.
 *
 * Handlers are indexed by fd (fds are small integers), so dispatch is an
 * array lookup. Timers live in an unsorted array scanned for the earliest
 * deadline on each iteration: O(timers) per wake-up, which for the few
 * hundred sessions tidepatch drives costs microseconds and keeps the code
 * obviously right (redis's ae made the same trade). A heap is the upgrade
 * path if a profile ever shows this.
 *
 * Callbacks may watch, unwatch, add and cancel timers freely: dispatch
 * re-checks the handler table after each callback, and timers are removed
 * from the array before their callback runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "tidepatch/loop.h"

#define MAX_EVENTS 256

struct io_handler {
	unsigned events;	/* 0: slot unused */
	tp_loop_io_fn fn;
	void *payload;
};

struct timer {
	uint64_t id;
	int64_t due_ms;
	tp_loop_timer_fn fn;
	void *payload;
};

struct tp_loop {
	int epfd;
	struct io_handler *io;	/* indexed by fd */
	size_t io_size;
	size_t nwatched;
	struct timer *timers;
	size_t ntimers, timers_alloc;
	uint64_t next_timer_id;
	int stop;
};

int64_t tp_loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tp_loop_new(struct tp_loop **out, struct tp_err *err)
{
	struct tp_loop *loop;

	*out = NULL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int e = errno;

		free(loop);
		return tp_err_sys(err, TP_ESYS, e, "epoll_create1");
	}
	loop->next_timer_id = 1;
	*out = loop;
	return 0;
}

void tp_loop_free(struct tp_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop->io);
	free(loop->timers);
	free(loop);
}

static uint32_t to_epoll(unsigned events)
{
	return (events & TP_LOOP_READ ? EPOLLIN : 0) |
	       (events & TP_LOOP_WRITE ? EPOLLOUT : 0);
}

/* Make room in the handler table for fd. */
static int grow_io(struct tp_loop *loop, int fd, struct tp_err *err)
{
	size_t n = loop->io_size ? loop->io_size : 64;
	struct io_handler *p;

	if ((size_t)fd < loop->io_size)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	p = realloc(loop->io, n * sizeof(*p));
	if (!p)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	memset(p + loop->io_size, 0, (n - loop->io_size) * sizeof(*p));
	loop->io = p;
	loop->io_size = n;
	return 0;
}

int tp_loop_watch(struct tp_loop *loop, int fd, unsigned events,
		  tp_loop_io_fn fn, void *payload, struct tp_err *err)
{
	struct epoll_event ev;
	int watched, rc;

	if (fd < 0)
		return tp_err_set(err, TP_EINVAL, "watch: bad fd %d", fd);
	if (!events) {
		tp_loop_unwatch(loop, fd);
		return 0;
	}
	/* epoll first: a bogus fd must not grow the table to its size */
	watched = (size_t)fd < loop->io_size && loop->io[fd].events;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.fd = fd;
	if (epoll_ctl(loop->epfd, watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd,
		      &ev) < 0)
		return tp_err_sys(err, TP_ESYS, errno, "epoll_ctl fd %d", fd);
	if ((rc = grow_io(loop, fd, err))) {
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		return rc;
	}
	if (!watched)
		loop->nwatched++;
	loop->io[fd].events = events;
	loop->io[fd].fn = fn;
	loop->io[fd].payload = payload;
	return 0;
}

void tp_loop_unwatch(struct tp_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->io_size || !loop->io[fd].events)
		return;
	/* The fd may already be closed: then the kernel dropped it itself. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(&loop->io[fd], 0, sizeof(loop->io[fd]));
	loop->nwatched--;
}

int tp_loop_timer_add(struct tp_loop *loop, uint64_t *id_out, int64_t after_ms,
		      tp_loop_timer_fn fn, void *payload, struct tp_err *err)
{
	struct timer *t;

	if (loop->ntimers == loop->timers_alloc) {
		size_t n = loop->timers_alloc ? loop->timers_alloc * 2 : 64;
		struct timer *p = realloc(loop->timers, n * sizeof(*p));

		if (!p)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		loop->timers = p;
		loop->timers_alloc = n;
	}
	t = &loop->timers[loop->ntimers++];
	t->id = loop->next_timer_id++;
	t->due_ms = tp_loop_now_ms() + (after_ms > 0 ? after_ms : 0);
	t->fn = fn;
	t->payload = payload;
	if (id_out)
		*id_out = t->id;
	return 0;
}

static void timer_remove_at(struct tp_loop *loop, size_t i)
{
	loop->timers[i] = loop->timers[--loop->ntimers];
}

void tp_loop_timer_cancel(struct tp_loop *loop, uint64_t id)
{
	size_t i;

	for (i = 0; i < loop->ntimers; i++)
		if (loop->timers[i].id == id) {
			timer_remove_at(loop, i);
			return;
		}
}

void tp_loop_stop(struct tp_loop *loop)
{
	loop->stop = 1;
}

/* Milliseconds until the earliest timer, -1 for none. */
static int next_wait_ms(const struct tp_loop *loop, int64_t now)
{
	int64_t best = -1;
	size_t i;

	for (i = 0; i < loop->ntimers; i++) {
		int64_t left = loop->timers[i].due_ms - now;

		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > 60000 ? 60000 : (int)best;
}

/* Run every timer that is due; each is removed before its callback. */
static void run_due_timers(struct tp_loop *loop)
{
	int64_t now = tp_loop_now_ms();
	size_t i = 0;

	while (i < loop->ntimers && !loop->stop) {
		struct timer t = loop->timers[i];

		if (t.due_ms > now) {
			i++;
			continue;
		}
		timer_remove_at(loop, i);
		t.fn(loop, t.id, t.payload);
		/* the array may have changed: start over, cheaply bounded */
		i = 0;
		now = tp_loop_now_ms();
	}
}

int tp_loop_run(struct tp_loop *loop, struct tp_err *err)
{
	struct epoll_event evs[MAX_EVENTS];

	loop->stop = 0;
	while (!loop->stop && (loop->nwatched || loop->ntimers)) {
		int n, i;

		n = epoll_wait(loop->epfd, evs, MAX_EVENTS,
			       next_wait_ms(loop, tp_loop_now_ms()));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tp_err_sys(err, TP_ESYS, errno, "epoll_wait");
		}
		for (i = 0; i < n && !loop->stop; i++) {
			int fd = evs[i].data.fd;
			struct io_handler h;
			unsigned got = 0;

			/* a callback earlier in this batch may have unwatched fd */
			if ((size_t)fd >= loop->io_size || !loop->io[fd].events)
				continue;
			h = loop->io[fd];
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				got |= TP_LOOP_READ;
			if (evs[i].events & (EPOLLOUT | EPOLLERR))
				got |= TP_LOOP_WRITE;
			got &= h.events | (evs[i].events & (EPOLLHUP | EPOLLERR) ?
						   TP_LOOP_READ : 0);
			if (got)
				h.fn(loop, fd, got, h.payload);
		}
		run_due_timers(loop);
	}
	return 0;
}
