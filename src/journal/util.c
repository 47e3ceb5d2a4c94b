/*
 * util.c - small file and name helpers for the journal module.
 *
 * Atomic writes and UTC times come from util/fs and core/results.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_int.h"

static int num(const char *s, size_t n)
{
	int v = 0;

	while (n--) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

bool jn_valid_utc(const char *s)
{
	int mo, d;

	/* "2026-11-22T12:00:03Z" */
	if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	return num(s, 4) >= 1970 && mo >= 1 && mo <= 12 && d >= 1 &&
	       d <= 31 && num(s + 11, 2) >= 0 && num(s + 11, 2) <= 23 &&
	       num(s + 14, 2) >= 0 && num(s + 14, 2) <= 59 &&
	       num(s + 17, 2) >= 0 && num(s + 17, 2) <= 60;
}

static bool name_chars(const char *s, size_t max)
{
	size_t i;

	if (!s || !*s || strlen(s) > max)
		return false;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

bool jn_valid_step(const char *s)
{
	return name_chars(s, TP_JOURNAL_STEP_MAX);
}

bool jn_valid_component(const char *s)
{
	return name_chars(s, 64) && s[0] != '.';
}

char *jn_path(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

int jn_mkdir(const char *dir, struct tp_err *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return tp_err_sys(err, TP_EIO, errno, "%s", dir);
	return 0;
}

int jn_sync_dir(const char *dir, struct tp_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;

		close(fd);
		return tp_err_sys(err, TP_EIO, e, "fsync %s", dir);
	}
	close(fd);
	return 0;
}

int jn_read_file(char **data_out, size_t *len_out, const char *path,
		 size_t max, struct tp_err *err)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd, rc = 0;

	*data_out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tp_err_sys(err, errno == ENOENT ? TP_ENOTFOUND : TP_EIO,
				  errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = tp_err_set(err, TP_ETOOBIG, "%s: larger than %zu bytes",
				path, max);
		goto out;
	}
	if (!(data = malloc((size_t)st.st_size + 1))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	/* read what is there now; a file that grew since fstat is cut */
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = tp_err_sys(err, TP_EIO, errno, "%s", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	data[len] = '\0';
out:
	close(fd);
	if (rc) {
		free(data);
		return rc;
	}
	*data_out = data;
	if (len_out)
		*len_out = len;
	return 0;
}
