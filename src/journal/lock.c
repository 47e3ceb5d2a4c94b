/*
 * lock.c - host locks and the run lock: flock(2) on a file kept open.
 *
 * Why flock and not a pid file: the kernel releases an flock when the
 * last descriptor of its open file goes, which includes the death of
 * the process by SIGKILL or a crash, so there is no stale lock to
 * detect or break. The content of a lock file (who holds it) is only
 * information for the message; it is written after the lock is taken,
 * so a reader can briefly see the previous holder's line or nothing.
 * It checks that the pid it read is alive, and retries a few times
 * before saying "another run".
 *
 * Trade-off: flock is not reliable on NFS before Linux 2.6.12 and
 * between clients on some network filesystems; the runs directory is
 * expected to be local to the controller.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "journal_int.h"
#include "tidepatch/fs.h"
#include "tidepatch/results.h"

struct tp_journal_lock {
	int *fds;
	size_t n;
};

/* Fill *h from the lock file's line; false when it says nothing usable. */
static bool read_holder(int fd, struct tp_lock_holder *h)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *run;
	json_t *o, *pid;

	h->run_id[0] = '\0';
	h->pid = -1;
	if (n <= 0)
		return false;
	o = json_loadb(buf, (size_t)n, 0, NULL);
	run = json_string_value(json_object_get(o, "run_id"));
	pid = json_object_get(o, "pid");
	if (run && strlen(run) < sizeof(h->run_id) && json_is_integer(pid) &&
	    json_integer_value(pid) > 0) {
		snprintf(h->run_id, sizeof(h->run_id), "%s", run);
		h->pid = (long)json_integer_value(pid);
	}
	json_decref(o);
	/* a line left by a holder that has died: the new one is about to
	 * write its own */
	if (h->pid > 0 && kill((pid_t)h->pid, 0) < 0 && errno == ESRCH) {
		h->run_id[0] = '\0';
		h->pid = -1;
	}
	return h->pid > 0;
}

static void write_holder(int fd, const char *run_id)
{
	char since[32];
	char *line;
	json_t *o;

	tp_time_format_utc(since, sizeof(since), time(NULL));
	o = json_pack("{s:s, s:I, s:s}", "run_id", run_id ? run_id : "",
		      "pid", (json_int_t)getpid(), "since", since);
	line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(o);
	/* information only: a failure here leaves the lock as good */
	if (line && ftruncate(fd, 0) == 0) {
		size_t len = strlen(line);
		char *nl = realloc(line, len + 2);

		if (nl) {
			line = nl;
			memcpy(line + len, "\n", 2);
			(void)!pwrite(fd, line, len + 1, 0);
		}
	}
	free(line);
}

int jn_lock_file(int *fd_out, const char *path, const char *run_id,
		 struct tp_lock_holder *holder, struct tp_err *err)
{
	int fd, tries;

	*fd_out = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e != EWOULDBLOCK) {
			close(fd);
			return tp_err_sys(err, TP_EIO, e, "locking %s", path);
		}
		for (tries = 0; tries < 10; tries++) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			if (read_holder(fd, holder))
				break;
			nanosleep(&ts, NULL);
		}
		close(fd);
		if (err) {
			err->code = TP_ESYS;
			err->sys_errno = EWOULDBLOCK;
		}
		return TP_ESYS;
	}
	write_holder(fd, run_id);
	*fd_out = fd;
	return 0;
}

/* The file name for host's lock (see journal.h, FILES). */
static char *lock_name(const char *host)
{
	static const char hex[] = "0123456789abcdef";
	static const char uhex[] = "0123456789ABCDEF";
	size_t i, j = 0, n = strlen(host);
	char *out = malloc(3 * n + 8);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && i > 0)) {
			out[j++] = (char)c;
		} else {
			out[j++] = '%';
			out[j++] = uhex[c >> 4];
			out[j++] = uhex[c & 15];
		}
	}
	out[j] = '\0';
	if (j > 200) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;

		if (!EVP_Digest(host, n, md, &mdlen, EVP_sha256(), NULL)) {
			free(out);
			return NULL;
		}
		/* 3 * n + 8 > 200 has room for "sha256-" + 64 hex */
		memcpy(out, "sha256-", 7);
		for (i = 0, j = 7; i < mdlen; i++) {
			out[j++] = hex[md[i] >> 4];
			out[j++] = hex[md[i] & 15];
		}
		out[j] = '\0';
	}
	return out;
}

void tp_journal_unlock(struct tp_journal_lock *lk)
{
	size_t i;

	if (!lk)
		return;
	for (i = 0; i < lk->n; i++)
		close(lk->fds[i]);	/* releases the flock */
	free(lk->fds);
	free(lk);
}

static bool seen_before(const char *const *hosts, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (!strcmp(hosts[k], hosts[i]))
			return true;
	return false;
}

int tp_journal_lock_hosts(struct tp_journal_lock **out, const char *runs_dir,
			  const char *run_id, const char *const *hosts,
			  size_t n, struct tp_lock_holder *holder_out,
			  struct tp_err *err)
{
	struct tp_journal_lock *lk = NULL;
	struct tp_lock_holder holder;
	char *dir = NULL, *name = NULL, *path = NULL;
	size_t i;
	int rc = 0;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (!hosts[i] || !*hosts[i])
			return tp_err_set(err, TP_EINVAL,
					  "lock: host %zu has no name", i);
	if (!(lk = calloc(1, sizeof(*lk))) ||
	    !(lk->fds = calloc(n ? n : 1, sizeof(*lk->fds))) ||
	    !(dir = jn_path(runs_dir, JN_LOCKS_DIR))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = jn_mkdir(runs_dir, err)) || (rc = jn_mkdir(dir, err)))
		goto out;
	for (i = 0; i < n; i++) {
		int fd = -1;

		/* a host named twice would conflict with itself */
		if (seen_before(hosts, i))
			continue;
		if (!(name = lock_name(hosts[i]))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		if (!(path = malloc(strlen(dir) + strlen(name) + 8))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(path, "%s/%s.lock", dir, name);
		memset(&holder, 0, sizeof(holder));
		rc = jn_lock_file(&fd, path, run_id, &holder, err);
		if (rc == TP_ESYS && err && err->sys_errno == EWOULDBLOCK) {
			snprintf(holder.host, sizeof(holder.host), "%s",
				 hosts[i]);
			if (holder.pid > 0)
				tp_err_set(err, TP_ESYS, "host %s is being "
					   "rolled out by run %s (pid %ld)",
					   hosts[i], holder.run_id, holder.pid);
			else
				tp_err_set(err, TP_ESYS, "host %s is being "
					   "rolled out by another run",
					   hosts[i]);
			err->sys_errno = EWOULDBLOCK;
			if (holder_out)
				*holder_out = holder;
		} else if (rc == TP_ESYS) {
			snprintf(holder.host, sizeof(holder.host), "%s",
				 hosts[i]);
			if (holder_out)
				*holder_out = holder;
		}
		if (rc)
			goto out;
		lk->fds[lk->n++] = fd;
		free(name);
		free(path);
		name = path = NULL;
	}
out:
	free(name);
	free(path);
	free(dir);
	if (rc) {
		tp_journal_unlock(lk);
		return rc;
	}
	*out = lk;
	return 0;
}
