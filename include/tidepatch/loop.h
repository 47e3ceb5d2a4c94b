/*
 * loop.h - one event loop for many hosts: epoll readiness on file
 * descriptors plus monotonic timers (redis's ae, in miniature).
 *
 * Every host is a state machine driven from here; concurrency is a
 * number of sessions, not a number of threads. Callbacks run on the
 * loop's thread and must not block.
 */
#ifndef TIDEPATCH_LOOP_H
#define TIDEPATCH_LOOP_H

#include <stdint.h>

#include "tidepatch/err.h"

#define TP_LOOP_READ 1u
#define TP_LOOP_WRITE 2u

struct tp_loop;

/* fd is ready for (a subset of) the events asked; TP_LOOP_READ is also
 * reported for hang-up and error, so a read() finds out what happened. */
typedef void (*tp_loop_io_fn)(struct tp_loop *loop, int fd, unsigned events,
			      void *payload);
typedef void (*tp_loop_timer_fn)(struct tp_loop *loop, uint64_t id,
				 void *payload);

int tp_loop_new(struct tp_loop **out, struct tp_err *err);

/* Free the loop; watched fds are not closed (their owners close them). */
void tp_loop_free(struct tp_loop *loop);

/*
 * Watch fd for events (TP_LOOP_READ | TP_LOOP_WRITE), replacing any
 * earlier watch of fd; events 0 stops watching. Errors: TP_EINVAL (bad
 * fd), TP_ESYS (epoll_ctl), TP_ENOMEM.
 */
int tp_loop_watch(struct tp_loop *loop, int fd, unsigned events,
		  tp_loop_io_fn fn, void *payload, struct tp_err *err);

/* Stop watching fd; safe if it was not watched, and from a callback. */
void tp_loop_unwatch(struct tp_loop *loop, int fd);

/*
 * Call fn once, after_ms milliseconds from now (monotonic). The id (never
 * 0) in *id_out cancels it. Errors: TP_ENOMEM.
 */
int tp_loop_timer_add(struct tp_loop *loop, uint64_t *id_out, int64_t after_ms,
		      tp_loop_timer_fn fn, void *payload, struct tp_err *err);

/* Cancel a pending timer; safe for ids that fired or never existed. */
void tp_loop_timer_cancel(struct tp_loop *loop, uint64_t id);

/* Milliseconds on the monotonic clock. */
int64_t tp_loop_now_ms(void);

/*
 * Dispatch events until tp_loop_stop() is called or nothing is left to
 * wait for (no watched fd, no pending timer). Returns 0, or TP_ESYS when
 * epoll_wait fails for a reason other than EINTR.
 */
int tp_loop_run(struct tp_loop *loop, struct tp_err *err);

/* Make tp_loop_run return after the current callback. */
void tp_loop_stop(struct tp_loop *loop);

#endif
