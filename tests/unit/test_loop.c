/*
 * test_loop.c - the event loop: timers in deadline order, cancellation,
 * fd readiness, changes made from inside callbacks, stop.
 */
#include <criterion/criterion.h>
#include <unistd.h>

#include "tidepatch/loop.h"

struct log {
	char order[16];
	int n;
};

static void mark(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct log *l = payload;

	(void)loop;
	(void)id;
	l->order[l->n++] = 'x';
}

static struct tp_loop *new_loop(void)
{
	struct tp_loop *loop = NULL;
	struct tp_err err;

	cr_assert_eq(tp_loop_new(&loop, &err), 0);
	return loop;
}

struct tagged {
	struct log *log;
	char tag;
};

static void mark_tag(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct tagged *t = payload;

	(void)loop;
	(void)id;
	t->log->order[t->log->n++] = t->tag;
}

Test(loop, timers_fire_in_deadline_order_not_insertion_order)
{
	struct tp_loop *loop = new_loop();
	struct log l = { { 0 }, 0 };
	struct tagged a = { &l, 'a' }, b = { &l, 'b' }, c = { &l, 'c' };
	struct tp_err err;
	int64_t t0 = tp_loop_now_ms();

	cr_assert_eq(tp_loop_timer_add(loop, NULL, 60, mark_tag, &c, &err), 0);
	cr_assert_eq(tp_loop_timer_add(loop, NULL, 20, mark_tag, &a, &err), 0);
	cr_assert_eq(tp_loop_timer_add(loop, NULL, 40, mark_tag, &b, &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_str_eq(l.order, "abc");
	cr_assert_geq(tp_loop_now_ms() - t0, 60);
	tp_loop_free(loop);
}

Test(loop, cancelled_timer_never_fires)
{
	struct tp_loop *loop = new_loop();
	struct log l = { { 0 }, 0 };
	struct tp_err err;
	uint64_t id = 0;

	cr_assert_eq(tp_loop_timer_add(loop, &id, 10, mark, &l, &err), 0);
	cr_assert_neq(id, 0);
	tp_loop_timer_cancel(loop, id);
	tp_loop_timer_cancel(loop, id);		/* twice is harmless */
	tp_loop_timer_cancel(loop, 987654);	/* unknown is harmless */
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(l.n, 0);
	tp_loop_free(loop);
}

static void rearm(struct tp_loop *loop, uint64_t id, void *payload)
{
	struct log *l = payload;
	struct tp_err err;

	(void)id;
	l->order[l->n++] = 'r';
	if (l->n < 3)
		cr_assert_eq(tp_loop_timer_add(loop, NULL, 1, rearm, l, &err), 0);
}

Test(loop, timer_added_from_a_timer_callback_runs)
{
	struct tp_loop *loop = new_loop();
	struct log l = { { 0 }, 0 };
	struct tp_err err;

	cr_assert_eq(tp_loop_timer_add(loop, NULL, 1, rearm, &l, &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_str_eq(l.order, "rrr");
	tp_loop_free(loop);
}

struct reader {
	int fds[2];
	int other_fd;		/* unwatched from this callback, if >= 0 */
	int calls;
	char got[16];
};

static void on_read(struct tp_loop *loop, int fd, unsigned events,
		    void *payload)
{
	struct reader *r = payload;
	ssize_t n;

	cr_assert(events & TP_LOOP_READ);
	r->calls++;
	n = read(fd, r->got, sizeof(r->got) - 1);
	if (n > 0)
		r->got[n] = '\0';
	tp_loop_unwatch(loop, fd);
	if (r->other_fd >= 0)
		tp_loop_unwatch(loop, r->other_fd);
}

Test(loop, readable_fd_is_dispatched_and_loop_ends_when_idle)
{
	struct tp_loop *loop = new_loop();
	struct reader r = { { -1, -1 }, -1, 0, { 0 } };
	struct tp_err err;

	cr_assert_eq(pipe(r.fds), 0);
	cr_assert_eq(write(r.fds[1], "ping", 4), 4);
	cr_assert_eq(tp_loop_watch(loop, r.fds[0], TP_LOOP_READ, on_read, &r,
				   &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(r.calls, 1);
	cr_assert_str_eq(r.got, "ping");
	close(r.fds[0]);
	close(r.fds[1]);
	tp_loop_free(loop);
}

Test(loop, fd_unwatched_by_an_earlier_callback_in_the_batch_is_skipped)
{
	struct tp_loop *loop = new_loop();
	struct reader a = { { -1, -1 }, -1, 0, { 0 } };
	struct reader b = { { -1, -1 }, -1, 0, { 0 } };
	struct tp_err err;

	cr_assert_eq(pipe(a.fds), 0);
	cr_assert_eq(pipe(b.fds), 0);
	a.other_fd = b.fds[0];
	b.other_fd = a.fds[0];
	cr_assert_eq(write(a.fds[1], "a", 1), 1);
	cr_assert_eq(write(b.fds[1], "b", 1), 1);
	cr_assert_eq(tp_loop_watch(loop, a.fds[0], TP_LOOP_READ, on_read, &a,
				   &err), 0);
	cr_assert_eq(tp_loop_watch(loop, b.fds[0], TP_LOOP_READ, on_read, &b,
				   &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	/* both were ready in one epoll batch; whichever ran first removed
	 * the other, which therefore must not have been called */
	cr_assert_eq(a.calls + b.calls, 1);
	close(a.fds[0]);
	close(a.fds[1]);
	close(b.fds[0]);
	close(b.fds[1]);
	tp_loop_free(loop);
}

static void hup(struct tp_loop *loop, int fd, unsigned events, void *payload)
{
	int *seen = payload;

	*seen = (int)events;
	tp_loop_unwatch(loop, fd);
}

Test(loop, hang_up_is_reported_as_readable)
{
	struct tp_loop *loop = new_loop();
	struct tp_err err;
	int fds[2], seen = 0;

	cr_assert_eq(pipe(fds), 0);
	close(fds[1]);
	cr_assert_eq(tp_loop_watch(loop, fds[0], TP_LOOP_READ, hup, &seen, &err),
		     0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(seen, TP_LOOP_READ);
	close(fds[0]);
	tp_loop_free(loop);
}

static void stopper(struct tp_loop *loop, uint64_t id, void *payload)
{
	(void)id;
	(*(int *)payload)++;
	tp_loop_stop(loop);
}

Test(loop, stop_returns_with_work_still_pending)
{
	struct tp_loop *loop = new_loop();
	struct tp_err err;
	int stops = 0;
	struct log l = { { 0 }, 0 };

	cr_assert_eq(tp_loop_timer_add(loop, NULL, 1, stopper, &stops, &err), 0);
	cr_assert_eq(tp_loop_timer_add(loop, NULL, 5000, mark, &l, &err), 0);
	cr_assert_eq(tp_loop_run(loop, &err), 0);
	cr_assert_eq(stops, 1);
	cr_assert_eq(l.n, 0);
	tp_loop_free(loop);
}

Test(loop, bad_fd_is_refused)
{
	struct tp_loop *loop = new_loop();
	struct tp_err err;

	cr_assert_eq(tp_loop_watch(loop, -1, TP_LOOP_READ, hup, NULL, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_loop_watch(loop, 1000000, TP_LOOP_READ, hup, NULL, &err),
		     TP_ESYS);
	tp_loop_free(loop);
}
