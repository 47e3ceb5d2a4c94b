/*
 * fs.c - files that must not be left half-written: results, state, and
 * whatever -o names.
 *
 * A regular file is replaced atomically (temporary file beside it,
 * fsync, rename, fsync of the directory), so a reader or a crash sees the
 * old contents or the new, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tidepatch/fs.h"

/* Make a rename in path's directory durable; best effort. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write straight into path: for what must not be replaced by rename(),
 * such as /dev/null, a FIFO, or a symlink the user keeps.
 */
static int write_in_place(const char *path, const char *data, size_t len,
			  struct tp_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	if (write_all(fd, data, len) < 0) {
		int e = errno;

		close(fd);
		return tp_err_sys(err, TP_EIO, e, "%s", path);
	}
	if (close(fd) < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	return 0;
}

int tp_fs_write_file(const char *path, const char *data, size_t len,
		     struct tp_err *err)
{
	struct stat st;
	char *tmp = NULL;
	size_t n;
	int fd = -1, rc = 0;

	/*
	 * Only a regular file (or a new one) is replaced atomically. A
	 * rename() onto /dev/null would turn it into a plain file for the
	 * whole machine: devices, FIFOs and symlinks are written in place.
	 */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_in_place(path, data, len, err);
	n = strlen(path) + 32;
	if (!(tmp = malloc(n)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
		goto out;
	}
	sync_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}
