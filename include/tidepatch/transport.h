/*
 * transport.h - run commands on a host and capture what they print.
 *
 * A transport is a const ops table plus its state (curl-vtls style):
 * "local" runs commands on this machine (optionally chrooted), "ssh"
 * (issue 3) on a remote host. Commands are /bin/sh command lines built
 * with tp_shell_quote*(); every transport runs them with LC_ALL=C so
 * parsers see the C locale's messages.
 */
#ifndef TIDEPATCH_TRANSPORT_H
#define TIDEPATCH_TRANSPORT_H

#include <stddef.h>

#include "tidepatch/buf.h"

/* Defaults: generous for apt-get on a slow disk, tight enough to notice a hang. */
#define TP_RUN_TIMEOUT_MS_DEFAULT (120 * 1000)
#define TP_RUN_OUT_MAX_DEFAULT ((size_t)16 * 1024 * 1024)
#define TP_RUN_ERR_MAX_DEFAULT ((size_t)64 * 1024)

struct tp_run_opts {
	int timeout_ms;		/* whole command, start to exit; > 0 */
	size_t out_max;		/* stdout cap: beyond it the run fails */
	size_t err_max;		/* stderr cap: beyond it stderr is cut */
};

/* What a finished command left behind. */
struct tp_cmd_result {
	int exit_status;	/* 0-255, or -1 when killed by a signal */
	int term_signal;	/* the signal, or 0 */
	struct tp_buf out;	/* stdout */
	struct tp_buf errout;	/* stderr, truncated at err_max */
	int errout_truncated;	/* stderr went past err_max */
};

struct tp_transport;

struct tp_transport_ops {
	const char *name;
	int (*run)(struct tp_transport *t, const char *cmdline,
		   const struct tp_run_opts *opts, struct tp_cmd_result *res,
		   struct tp_err *err);
	void (*free)(struct tp_transport *t);
};

struct tp_transport {
	const struct tp_transport_ops *ops;
	char *host;		/* owned; the name used in messages */
};

void tp_run_opts_init(struct tp_run_opts *opts);

void tp_cmd_result_init(struct tp_cmd_result *res);
void tp_cmd_result_release(struct tp_cmd_result *res);

/*
 * Run cmdline and wait for it. Returns 0 when the command ran to its end,
 * whatever its exit status (look at res); res is reset first. Errors:
 * TP_ETIMEOUT (killed at the deadline), TP_ETOOBIG (stdout passed
 * out_max; killed), TP_ESYS/TP_EIO (could not start or read it), and
 * transport-specific ones. On error res holds what was captured.
 */
int tp_transport_run(struct tp_transport *t, const char *cmdline,
		     const struct tp_run_opts *opts, struct tp_cmd_result *res,
		     struct tp_err *err);

/* Close and free; NULL is allowed. */
void tp_transport_free(struct tp_transport *t);

/*
 * Open a transport to this machine. With root non-NULL, every command
 * runs chrooted into that directory (needs CAP_SYS_CHROOT; the check is
 * done here, at open, with TP_ESYS naming the directory).
 */
int tp_transport_local_open(struct tp_transport **out, const char *root,
			    struct tp_err *err);

/*
 * Kill the process group of the local command running now, if any.
 * Async-signal-safe: meant for the CLI's SIGINT/SIGTERM handler, so an
 * interrupted tidepatch leaves no command behind.
 */
void tp_transport_local_interrupt(void);

#endif
