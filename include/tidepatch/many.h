/*
 * many.h - run a sequence of commands on many hosts over SSH, at most
 * `parallel` sessions at a time, from one event loop. The caller's ops
 * decide each host's next command from what the previous one printed,
 * so scan (several probes) and exec (one command) share this driver.
 */
#ifndef TIDEPATCH_MANY_H
#define TIDEPATCH_MANY_H

#include <stddef.h>

#include "tidepatch/ssh.h"

/* One host. Strings are borrowed for the duration of the run. */
struct tp_host_spec {
	struct tp_ssh_target ssh;
	/* When refuse_code is non-zero the host is not contacted: its
	 * outcome is that error (e.g. a feature it needs is missing). */
	int refuse_code;
	const char *refuse_msg;
	/*
	 * Jump hosts to go through, first hop first (ssh -J a,b), or none.
	 * Hosts whose chains start with the same hops (same address, port,
	 * user and identity) share one session on each of them, opened
	 * when the first such host starts and closed after the last ends.
	 */
	const struct tp_ssh_target *jumps;
	size_t njumps;
};

struct tp_many_ops {
	/*
	 * The next command for host i and its run options, or NULL when
	 * the host is done. Called first before connecting; a NULL then
	 * skips the host without contacting it.
	 */
	const char *(*next)(void *ctx, size_t i, struct tp_run_opts *ro);
	/*
	 * The last command's outcome: rc from the transport (err says why),
	 * res what it printed. reached is 0 when the host was never reached
	 * (connect, handshake, host key, auth) or was refused: then res is
	 * NULL and the message describes the connection, not the command.
	 */
	void (*feed)(void *ctx, size_t i, int rc,
		     const struct tp_cmd_result *res, const struct tp_err *err,
		     int reached);
};

/*
 * Run ops over hosts[0..n). Returns 0 when every host has finished, or
 * TP_ENOMEM / TP_ESYS when the loop itself failed.
 */
int tp_many_run(const struct tp_host_spec *hosts, size_t n, int parallel,
		const struct tp_many_ops *ops, void *ctx, struct tp_err *err);

#endif
