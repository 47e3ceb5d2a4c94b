/*
 * journal.c - creating a run, reopening it, and appending records.
 *
 * The durability contract (journal.h): a record is on disk before
 * tp_journal_append returns, so the engine may act on an intent once
 * the call succeeds, and a crash can only tear the last line. Three
 * things keep it:
 *   - one write(2) of the whole line on an O_APPEND descriptor, then
 *     fsync(2); a short write is completed, and a failed one is cut off
 *     again with ftruncate so no fragment is left for the next record to
 *     follow (a fragment in the middle would make the journal unreadable);
 *   - one appender per run, enforced by the run lock, so seq numbers
 *     come from this process's state and never clash;
 *   - reopening cuts off a torn last line before appending anything.
 * After a failed fsync the page cache may have dropped the record while
 * the file looks fine ("fsyncgate"): nothing more is appended, and the
 * caller stops; resume then decides from what the file really holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_int.h"
#include "tidepatch/fs.h"
#include "tidepatch/results.h"

struct tp_journal {
	char run_id[TP_RUN_ID_SIZE];
	char *dir;		/* RUNS/<run-id> */
	char *path;		/* its journal.jsonl */
	int fd;			/* journal, O_WRONLY | O_APPEND */
	int lock_fd;		/* the run lock */
	uint64_t size;		/* bytes of whole records in the file */
	int broken;		/* TP_E* once an append left doubt */
	struct tp_journal_state *st;
};

int tp_journal_new_run_id(char *buf, size_t size, time_t t,
			  struct tp_err *err)
{
	unsigned char rnd[2];
	struct tm tm;
	char stamp[24];
	ssize_t n;

	do
		n = getrandom(rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rnd))
		return tp_err_sys(err, TP_ESYS, n < 0 ? errno : EIO,
				  "getrandom");
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(buf, size, "%s-%02x%02x", stamp, rnd[0],
			     rnd[1]) >= size)
		return tp_err_set(err, TP_EINVAL, "run id buffer too small");
	return 0;
}

static struct tp_journal *journal_new(void)
{
	struct tp_journal *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->fd = -1;
	j->lock_fd = -1;
	return j;
}

void tp_journal_free(struct tp_journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd);	/* releases the run lock */
	tp_journal_state_free(j->st);
	free(j->dir);
	free(j->path);
	free(j);
}

const char *tp_journal_run_id(const struct tp_journal *j)
{
	return j->run_id;
}

const char *tp_journal_dir(const struct tp_journal *j)
{
	return j->dir;
}

const struct tp_journal_state *tp_journal_state(const struct tp_journal *j)
{
	return j->st;
}

/* Take the run lock of j->dir. */
static int lock_run(struct tp_journal *j, struct tp_err *err)
{
	struct tp_lock_holder holder;
	char *path = jn_path(j->dir, JN_RUN_LOCK);
	int rc;

	if (!path)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	memset(&holder, 0, sizeof(holder));
	rc = jn_lock_file(&j->lock_fd, path, j->run_id, &holder, err);
	free(path);
	if (rc == TP_ESYS && err && err->sys_errno == EWOULDBLOCK) {
		if (holder.pid > 0)
			tp_err_set(err, TP_ESYS, "run %s is in use by pid %ld",
				   j->run_id, holder.pid);
		else
			tp_err_set(err, TP_ESYS, "run %s is in use by another "
				   "tidepatch process", j->run_id);
		err->sys_errno = EWOULDBLOCK;
	}
	return rc;
}

/* jansson's json_string() accepts exactly the valid UTF-8 strings */
static bool is_utf8(const char *s)
{
	json_t *v = json_string(s);

	json_decref(v);
	return v != NULL;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	json_t *v = s ? json_string(s) : json_null();

	/* json_string refuses what is not UTF-8 */
	return !v || json_object_set_new(o, key, v) ? -1 : 0;
}

static int header_json(json_t **out, const char *run_id,
		       const char *created, const struct tp_run_info *info,
		       struct tp_err *err)
{
	json_t *h = json_object(), *pb = json_object(), *inv = json_object();
	json_t *hosts = json_array(), *extra = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!h || !pb || !inv || !hosts)
		goto nomem;
	if (set_str(h, "schema", TP_RUN_SCHEMA) ||
	    set_str(h, "run_id", run_id) || set_str(h, "created", created) ||
	    set_str(h, "plan_digest", info->plan_digest) ||
	    set_str(pb, "path", info->playbook_path) ||
	    set_str(pb, "commit", info->playbook_commit) ||
	    set_str(inv, "path", info->inventory_path) ||
	    set_str(inv, "commit", info->inventory_commit) ||
	    json_object_set(h, "playbook", pb) ||
	    json_object_set(h, "inventory", inv) ||
	    set_str(h, "tidepatch_version", TP_VERSION) ||
	    set_str(h, "command", info->command)) {
		rc = tp_err_set(err, TP_EINVAL, "run header: a value is not "
				"UTF-8");
		goto fail;
	}
	for (i = 0; i < info->n_hosts; i++) {
		json_t *s = info->hosts[i] ? json_string(info->hosts[i]) : NULL;

		if (!s || json_array_append_new(hosts, s)) {
			rc = tp_err_set(err, TP_EINVAL, "run header: host "
					"%zu is not a UTF-8 string", i);
			goto fail;
		}
	}
	if (json_object_set(h, "hosts", hosts))
		goto nomem;
	if (info->extra) {
		if (!json_is_object(info->extra)) {
			rc = tp_err_set(err, TP_EINVAL, "run header: extra "
					"must be an object");
			goto fail;
		}
		if (!(extra = json_deep_copy(info->extra)) ||
		    json_object_set_new(h, "extra", extra))
			goto nomem;
	}
	json_decref(pb);
	json_decref(inv);
	json_decref(hosts);
	*out = h;
	return 0;
nomem:
	rc = tp_err_set(err, TP_ENOMEM, "out of memory");
fail:
	json_decref(h);
	json_decref(pb);
	json_decref(inv);
	json_decref(hosts);
	return rc;
}

/* Best effort: remove what a failed create made. */
static void remove_run_dir(const char *dir)
{
	static const char *const names[] = { JN_JOURNAL, JN_HEADER,
					     JN_RUN_LOCK };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *p = jn_path(dir, names[i]);

		if (p)
			unlink(p);
		free(p);
	}
	rmdir(dir);
}

int tp_journal_create(struct tp_journal **out, const char *runs_dir,
		      const struct tp_run_info *info, struct tp_err *err)
{
	struct tp_journal *j = NULL;
	time_t t = info->created ? info->created : time(NULL);
	char created[32], *text = NULL, *hpath = NULL;
	json_t *header = NULL;
	bool made = false;
	int rc = 0, tries;

	*out = NULL;
	tp_time_format_utc(created, sizeof(created), t);
	if (!(j = journal_new()))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if ((rc = jn_mkdir(runs_dir, err)))
		goto out;
	/* mkdir is the uniqueness check: a clash draws new digits */
	for (tries = 0; !made && tries < 64; tries++) {
		if ((rc = tp_journal_new_run_id(j->run_id, sizeof(j->run_id),
						t, err)))
			goto out;
		free(j->dir);
		if (!(j->dir = jn_path(runs_dir, j->run_id))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		if (mkdir(j->dir, 0755) == 0)
			made = true;
		else if (errno != EEXIST) {
			rc = tp_err_sys(err, TP_EIO, errno, "%s", j->dir);
			goto out;
		}
	}
	if (!made) {
		rc = tp_err_set(err, TP_EIO, "%s: no free run id for %s",
				runs_dir, created);
		goto out;
	}
	if ((rc = jn_sync_dir(runs_dir, err)) || (rc = lock_run(j, err)))
		goto out;
	if ((rc = header_json(&header, j->run_id, created, info, err)))
		goto out;
	if (!(text = json_dumps(header, JSON_INDENT(2) | JSON_ENSURE_ASCII)) ||
	    !(hpath = jn_path(j->dir, JN_HEADER)) ||
	    !(j->path = jn_path(j->dir, JN_JOURNAL)) ||
	    !(j->st = jn_state_new())) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = tp_fs_write_file(hpath, text, strlen(text), err)))
		goto out;
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
				      O_CLOEXEC, 0644);
	if (j->fd < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", j->path);
		goto out;
	}
	if ((rc = jn_sync_dir(j->dir, err)))
		goto out;
out:
	json_decref(header);
	free(text);
	free(hpath);
	if (rc) {
		if (made)
			remove_run_dir(j->dir);
		tp_journal_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* Cut a torn last line off, and say so in the journal. */
static int cut_torn_tail(struct tp_journal *j, struct tp_err *err)
{
	struct stat st;
	json_t *data;
	int rc;

	if (fstat(j->fd, &st) < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", j->path);
	if ((uint64_t)st.st_size == j->st->good_size)
		return 0;
	if (ftruncate(j->fd, (off_t)j->st->good_size) < 0 || fsync(j->fd) < 0)
		return tp_err_sys(err, TP_EIO, errno, "cutting the torn last "
				  "line of %s", j->path);
	j->size = j->st->good_size;
	data = json_pack("{s:I, s:I}", "torn_line",
			 (json_int_t)j->st->torn_line, "torn_bytes",
			 (json_int_t)((uint64_t)st.st_size - j->st->good_size));
	if (!data)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_journal_append(j, NULL, "journal", TP_JOURNAL_NOTE, data, err);
	json_decref(data);
	return rc;
}

int tp_journal_open(struct tp_journal **out, const char *runs_dir,
		    const char *run_id, struct tp_err *err)
{
	struct tp_journal *j = NULL;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!jn_valid_component(run_id) || strlen(run_id) >= TP_RUN_ID_SIZE)
		return tp_err_set(err, TP_ENOTFOUND, "no run %s in %s",
				  run_id ? run_id : "(null)", runs_dir);
	if (!(j = journal_new()) || !(j->dir = jn_path(runs_dir, run_id)) ||
	    !(j->path = jn_path(j->dir, JN_JOURNAL))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(j->run_id, sizeof(j->run_id), "%s", run_id);
	if (stat(j->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = tp_err_set(err, TP_ENOTFOUND, "no run %s in %s", run_id,
				runs_dir);
		goto out;
	}
	/* replay under the lock: nobody appends while we read */
	if ((rc = lock_run(j, err)) || (rc = tp_journal_replay(&j->st, j->path,
							       err)))
		goto out;
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (j->fd < 0) {
		rc = tp_err_sys(err, TP_EIO, errno, "%s", j->path);
		goto out;
	}
	j->size = j->st->good_size;
	rc = cut_torn_tail(j, err);
out:
	if (rc) {
		tp_journal_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* The record as a line with its "\n" into *line_out (caller frees). */
static int record_line(char **line_out, size_t *len_out, uint64_t seq,
		       const char *time_s, const char *host, const char *step,
		       enum tp_journal_kind kind, json_t *data,
		       struct tp_err *err)
{
	json_t *o = json_object();
	char *text = NULL, *line;

	*line_out = NULL;
	size_t len;

	if (!o ||
	    json_object_set_new(o, "seq", json_integer((json_int_t)seq)) ||
	    json_object_set_new(o, "time", json_string(time_s)) ||
	    json_object_set_new(o, "host", host ? json_string(host)
						: json_null()) ||
	    json_object_set_new(o, "step", json_string(step)) ||
	    json_object_set_new(o, "kind",
				json_string(tp_journal_kind_name(kind))) ||
	    json_object_set(o, "data", data)) {
		json_decref(o);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	len = strlen(text) + 1;
	if (len > TP_JOURNAL_LINE_MAX) {
		free(text);
		return tp_err_set(err, TP_ETOOBIG, "journal record for %s "
				  "step %s is %zu bytes, more than the limit "
				  "of %zu", host ? host : "the run", step, len,
				  TP_JOURNAL_LINE_MAX);
	}
	if (!(line = realloc(text, len + 1))) {
		free(text);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	line[len - 1] = '\n';
	line[len] = '\0';
	*line_out = line;
	*len_out = len;
	return 0;
}

/* Write the line; complete a short write; cut off a failed one. */
static int write_line(struct tp_journal *j, const char *line, size_t len,
		      struct tp_err *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(j->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			if (ftruncate(j->fd, (off_t)j->size) < 0)
				j->broken = TP_EIO;
			return tp_err_sys(err, TP_EIO, e, "%s", j->path);
		}
		done += (size_t)n;
	}
	if (fsync(j->fd) < 0) {
		j->broken = TP_EIO;
		return tp_err_sys(err, TP_EIO, errno, "fsync %s", j->path);
	}
	j->size += len;
	return 0;
}

int tp_journal_append(struct tp_journal *j, const char *host,
		      const char *step, enum tp_journal_kind kind,
		      const json_t *data, struct tp_err *err)
{
	struct tp_journal_record rec;
	char now[32], *line = NULL;
	json_t *copy = NULL;
	size_t len = 0;
	int rc;

	memset(&rec, 0, sizeof(rec));
	if (j->broken)
		return tp_err_set(err, j->broken, "%s: no more records after "
				  "an earlier write error", j->path);
	if (!jn_valid_step(step))
		return tp_err_set(err, TP_EINVAL, "journal step '%s' is not "
				  "1-%d of [A-Za-z0-9._-]", step ? step : "",
				  TP_JOURNAL_STEP_MAX);
	if (kind <= TP_JOURNAL_NONE || kind >= TP_JOURNAL_KINDS)
		return tp_err_set(err, TP_EINVAL, "journal kind %d", (int)kind);
	if (host && (!*host || !is_utf8(host)))
		return tp_err_set(err, TP_EINVAL, "journal host must be a "
				  "non-empty UTF-8 name");
	if (data && !json_is_object(data))
		return tp_err_set(err, TP_EINVAL, "journal data must be an "
				  "object");
	/* a copy: the state must not change when the caller's object does */
	copy = data ? json_deep_copy(data) : json_object();
	tp_time_format_utc(now, sizeof(now), time(NULL));
	rec.seq = j->st->last_seq + 1;
	rec.kind = kind;
	rec.time = strdup(now);
	rec.step = strdup(step);
	rec.host = host ? strdup(host) : NULL;
	if (!copy || !rec.time || !rec.step || (host && !rec.host)) {
		json_decref(copy);
		jn_record_release(&rec);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	rec.data = copy;	/* ownership moved */
	if ((rc = record_line(&line, &len, rec.seq, now, host, step, kind,
			      rec.data, err))) {
		jn_record_release(&rec);
		return rc;
	}
	rc = write_line(j, line, len, err);
	free(line);
	if (rc) {
		jn_record_release(&rec);
		return rc;
	}
	/* durable now; a state that cannot follow the file must not be
	 * used to number the next record */
	if ((rc = jn_state_add(j->st, &rec, err)))
		j->broken = rc;
	return rc;
}

static bool reserved_name(const char *name)
{
	return !strcmp(name, JN_JOURNAL) || !strcmp(name, JN_HEADER) ||
	       !strcmp(name, JN_RUN_LOCK) || strstr(name, ".tmp.");
}

int tp_journal_write_file(struct tp_journal *j, const char *name,
			  const char *data, size_t len, struct tp_err *err)
{
	char *path;
	int rc;

	if (!jn_valid_component(name) || reserved_name(name))
		return tp_err_set(err, TP_EINVAL, "'%s' cannot name a file "
				  "of a run", name ? name : "");
	if (!(path = jn_path(j->dir, name)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_fs_write_file(path, data, len, err);
	free(path);
	return rc;
}

int tp_journal_read_file(char **data_out, size_t *len_out,
			 const char *runs_dir, const char *run_id,
			 const char *name, struct tp_err *err)
{
	char *dir = NULL, *path = NULL;
	int rc;

	*data_out = NULL;
	if (!jn_valid_component(run_id))
		return tp_err_set(err, TP_ENOTFOUND, "no run %s in %s",
				  run_id ? run_id : "(null)", runs_dir);
	if (!jn_valid_component(name))
		return tp_err_set(err, TP_EINVAL, "'%s' cannot name a file "
				  "of a run", name ? name : "");
	if (!(dir = jn_path(runs_dir, run_id)) ||
	    !(path = jn_path(dir, name))) {
		free(dir);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	rc = jn_read_file(data_out, len_out, path, TP_RUN_FILE_MAX, err);
	free(dir);
	free(path);
	return rc;
}
