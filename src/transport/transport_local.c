/*
 * transport_local.c - run commands on this machine, optionally chrooted.
 *
 * Each command runs as `/bin/sh -c CMDLINE` in its own process group with
 * stdin on /dev/null, LC_ALL=C, and stdout/stderr on pipes that one poll()
 * loop drains against a monotonic deadline. At the deadline or when
 * stdout passes its cap, the whole group is killed: a scan must never
 * hang on a stuck apt-get or fill memory with a runaway command.
 *
 * A failure between fork and exec (chroot, exec) is sent to the parent
 * over a close-on-exec pipe, so "could not chroot" is reported as such
 * instead of as a mysterious exit status 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tidepatch/transport.h"

/*
 * The process group of the command running now, for
 * tp_transport_local_interrupt(): commands run in their own group, so a
 * terminal's Ctrl-C reaches only tidepatch and would orphan them.
 * One command runs at a time in this synchronous transport.
 */
static volatile sig_atomic_t running_pgid;

struct local_transport {
	struct tp_transport base;	/* first: the ops see this */
	char *root;			/* chroot directory, or NULL */
};

/* What the child tells the parent when it cannot exec. */
struct child_failure {
	int step;	/* 1 chroot, 2 chdir, 3 exec */
	int errnum;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Async-signal-safe only from here to exec: the child may not malloc. */
static void run_child(const struct local_transport *lt, const char *cmdline,
		      int out_fd, int err_fd, int report_fd)
{
	struct child_failure f = { 0, 0 };
	int devnull;

	setpgid(0, 0);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		close(devnull);
	}
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	signal(SIGPIPE, SIG_DFL);
	if (lt->root) {
		if (chroot(lt->root) < 0) {
			f.step = 1;
			goto fail;
		}
		if (chdir("/") < 0) {
			f.step = 2;
			goto fail;
		}
	}
	setenv("LC_ALL", "C", 1);
	unsetenv("LANGUAGE");
	execl("/bin/sh", "sh", "-c", cmdline, (char *)NULL);
	f.step = 3;
fail:
	f.errnum = errno;
	if (write(report_fd, &f, sizeof(f)) < 0) {
		/* nothing more to do: the parent sees exit 127 */
	}
	_exit(127);
}

/* pipe2() is a GNU extension; this is the portable spelling. */
static int cloexec_pipe(int fds[2])
{
	if (pipe(fds) < 0)
		return -1;
	if (fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0) {
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		return -1;
	}
	return 0;
}

static void kill_group(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/*
 * Drain stdout and stderr until both close or the deadline passes.
 * stdout past its cap is an error; stderr past its cap is cut and noted,
 * since it only feeds error messages.
 */
static int drain(int out_fd, int err_fd,
		 long long deadline, struct tp_cmd_result *res,
		 struct tp_err *err)
{
	struct pollfd pfd[2];
	char chunk[16384];
	int rc;

	pfd[0].fd = out_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = err_fd;
	pfd[1].events = POLLIN;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		long long left = deadline - now_ms();
		int i, n;

		if (left <= 0)
			return tp_err_set(err, TP_ETIMEOUT,
					  "command timed out");
		n = poll(pfd, 2, left > 1000000 ? 1000000 : (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tp_err_sys(err, TP_ESYS, errno, "poll");
		}
		for (i = 0; i < 2; i++) {
			ssize_t got;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			got = read(pfd[i].fd, chunk, sizeof(chunk));
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got < 0)
				return tp_err_sys(err, TP_EIO, errno,
						  "reading command output");
			if (got == 0) {
				pfd[i].fd = -1;
				continue;
			}
			if (i == 0) {
				rc = tp_buf_append(&res->out, chunk,
						   (size_t)got, err);
				if (rc)
					return tp_err_prefix(err, "stdout");
			} else {
				size_t room = res->errout.max - res->errout.len;
				size_t take = (size_t)got < room ? (size_t)got :
								   room;

				if (take < (size_t)got)
					res->errout_truncated = 1;
				if (take && tp_buf_append(&res->errout, chunk,
							  take, err))
					return err ? err->code : TP_ENOMEM;
			}
		}
	}
	return 0;
}

/* Reap the child; it may have closed its pipes and still be running. */
static int reap(pid_t pid, long long deadline,
		int *status, struct tp_err *err)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return tp_err_sys(err, TP_ESYS, errno, "waitpid");
		if (now_ms() >= deadline)
			return tp_err_set(err, TP_ETIMEOUT,
					  "command timed out");
		{
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
}

static int local_run(struct tp_transport *t, const char *cmdline,
		     const struct tp_run_opts *opts, struct tp_cmd_result *res,
		     struct tp_err *err)
{
	struct local_transport *lt = (struct local_transport *)t;
	static const char *const steps[] = { "", "chroot", "chdir", "exec" };
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	int report[2] = { -1, -1 };
	struct child_failure f;
	long long deadline = now_ms() + opts->timeout_ms;
	int status = 0, rc = 0;
	ssize_t got;
	pid_t pid;

	if (cloexec_pipe(out_pipe) < 0 || cloexec_pipe(err_pipe) < 0 ||
	    cloexec_pipe(report) < 0) {
		rc = tp_err_sys(err, TP_ESYS, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = tp_err_sys(err, TP_ESYS, errno, "fork");
		goto out;
	}
	if (pid == 0)
		run_child(lt, cmdline, out_pipe[1], err_pipe[1], report[1]);
	/* Also in the parent, so the group exists before we might kill it. */
	setpgid(pid, pid);
	running_pgid = pid;
	close(out_pipe[1]);
	close(err_pipe[1]);
	close(report[1]);
	out_pipe[1] = err_pipe[1] = report[1] = -1;

	rc = drain(out_pipe[0], err_pipe[0], deadline, res, err);
	if (rc) {
		kill_group(pid);
		waitpid(pid, &status, 0);
		running_pgid = 0;
		goto out;
	}
	rc = reap(pid, deadline, &status, err);
	if (rc) {
		kill_group(pid);
		waitpid(pid, &status, 0);
		running_pgid = 0;
		goto out;
	}
	/* Anything left in the group (daemonised stragglers) goes too. */
	kill(-pid, SIGKILL);
	running_pgid = 0;

	do
		got = read(report[0], &f, sizeof(f));
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(f) && f.step >= 1 && f.step <= 3) {
		if (f.step == 3)
			rc = tp_err_sys(err, TP_ESYS, f.errnum,
					"cannot run /bin/sh");
		else
			rc = tp_err_sys(err, TP_ESYS, f.errnum, "%s %s",
					steps[f.step],
					lt->root ? lt->root : "/");
		goto out;
	}
	if (WIFEXITED(status)) {
		res->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->exit_status = -1;
		res->term_signal = WTERMSIG(status);
	}
out:
	if (out_pipe[0] >= 0)
		close(out_pipe[0]);
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	if (err_pipe[0] >= 0)
		close(err_pipe[0]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	if (report[0] >= 0)
		close(report[0]);
	if (report[1] >= 0)
		close(report[1]);
	return rc;
}

void tp_transport_local_interrupt(void)
{
	pid_t pgid = (pid_t)running_pgid;

	if (pgid > 0)
		kill(-pgid, SIGKILL);
}

static void local_free(struct tp_transport *t)
{
	struct local_transport *lt = (struct local_transport *)t;

	free(lt->root);
	free(lt->base.host);
	free(lt);
}

/* This machine's name for messages and reports: the hostname if it has one. */
static const char *local_name(char *buf, size_t size)
{
	if (gethostname(buf, size) < 0 || !buf[0])
		return "localhost";
	buf[size - 1] = '\0';
	return buf;
}

static const struct tp_transport_ops local_ops = {
	.name = "local",
	.run = local_run,
	.free = local_free,
};

int tp_transport_local_open(struct tp_transport **out, const char *root,
			    struct tp_err *err)
{
	struct local_transport *lt = NULL;
	char name[256];
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (root) {
		if (stat(root, &st) < 0)
			return tp_err_sys(err, TP_ENOTFOUND, errno, "%s", root);
		if (!S_ISDIR(st.st_mode))
			return tp_err_set(err, TP_EINVAL,
					  "%s: not a directory", root);
		if (geteuid() != 0)
			return tp_err_set(err, TP_ESYS,
					  "%s: scanning a root directory needs root (chroot)",
					  root);
	}
	lt = calloc(1, sizeof(*lt));
	if (!lt)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	lt->base.ops = &local_ops;
	lt->base.host = strdup(root ? root : local_name(name, sizeof(name)));
	if (!lt->base.host || (root && !(lt->root = strdup(root)))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	*out = &lt->base;
	lt = NULL; /* ownership moved */
out:
	if (lt)
		local_free(&lt->base);
	return rc;
}
