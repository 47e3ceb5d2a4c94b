/*
 * results.c - the results directory (see results.h for the layout).
 *
 * Scan files are written once and never changed: the history of what
 * each host looked like is kept, and the latest per host is what reports
 * use. state.json is the only file rewritten; its read-modify-write
 * happens under an flock on DIR/.lock, so two scans at once never lose
 * each other's first sightings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tidepatch/fs.h"
#include "tidepatch/report.h"
#include "tidepatch/results.h"

int tp_time_parse_utc(time_t *out, const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char z = 0, tail = 0;

	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y, &mo, &d, &h, &mi,
		   &se, &z, &tail) != 7 || z != 'Z')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm);
	return 0;
}

void tp_time_format_utc(char *buf, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int make_dir(const char *dir, struct tp_err *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return tp_err_sys(err, TP_EIO, errno, "%s", dir);
	return 0;
}

int tp_results_save_scan(const char *dir, json_t *doc, char **path_out,
			 struct tp_err *err)
{
	char stamp[32], *path = NULL, *text = NULL;
	size_t n;
	int rc;

	if (path_out)
		*path_out = NULL;
	if ((rc = make_dir(dir, err)))
		return rc;
	tp_time_format_utc(stamp, sizeof(stamp), time(NULL));
	/* "2026-11-22T12:00:00Z" -> "20261122T120000Z": sorts as time */
	{
		char compact[32];
		size_t i, j = 0;

		for (i = 0; stamp[i] && j + 1 < sizeof(compact); i++)
			if (stamp[i] != '-' && stamp[i] != ':')
				compact[j++] = stamp[i];
		compact[j] = '\0';
		n = strlen(dir) + strlen(compact) + 40;
		if (!(path = malloc(n)))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		snprintf(path, n, "%s/scan-%s-%ld.json", dir, compact,
			 (long)getpid());
	}
	if (!(text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII))) {
		free(path);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	rc = tp_fs_write_file(path, text, strlen(text), err);
	free(text);
	if (!rc && path_out)
		*path_out = path;
	else
		free(path);
	return rc;
}

static int is_scan_file(const char *name)
{
	size_t n = strlen(name);

	return !strncmp(name, "scan-", 5) && n > 10 &&
	       !strcmp(name + n - 5, ".json");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *load_json_file(const char *path, struct tp_err *err)
{
	json_error_t je;
	struct stat st;
	json_t *doc;

	if (stat(path, &st) < 0) {
		tp_err_sys(err, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, errno,
			   "%s", path);
		return NULL;
	}
	if ((size_t)st.st_size > TP_RESULTS_FILE_MAX) {
		tp_err_set(err, TP_ETOOBIG, "%s: larger than %zu MiB", path,
			   TP_RESULTS_FILE_MAX >> 20);
		return NULL;
	}
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		tp_err_set(err, TP_EPARSE, "%s:%d:%d: %s", path, je.line,
			   je.column, je.text);
	return doc;
}

int tp_results_load_latest(json_t **hosts_out, const char *dir,
			   struct tp_err *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	json_t *latest = json_object();
	int rc = 0;

	*hosts_out = NULL;
	if (!latest)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (!(d = opendir(dir))) {
		if (errno == ENOENT) {
			*hosts_out = latest;
			return 0;
		}
		json_decref(latest);
		return tp_err_sys(err, TP_EIO, errno, "%s", dir);
	}
	while ((de = readdir(d))) {
		if (!is_scan_file(de->d_name))
			continue;
		if (n == cap) {
			char **nv = realloc(names, (cap = cap ? cap * 2 : 16) *
						   sizeof(*names));

			if (!nv) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				goto out;
			}
			names = nv;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	/* oldest first: a later file's host replaces an earlier one */
	for (i = 0; i < n && !rc; i++) {
		char path[4096];
		json_t *doc, *hosts, *h;
		size_t k;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!(doc = load_json_file(path, err))) {
			rc = err->code;
			break;
		}
		hosts = json_object_get(doc, "hosts");
		if (!json_is_string(json_object_get(doc, "schema")) ||
		    strcmp(json_string_value(json_object_get(doc, "schema")),
			   TP_SCAN_SCHEMA) || !json_is_array(hosts)) {
			rc = tp_err_set(err, TP_EPARSE, "%s: not a %s document",
					path, TP_SCAN_SCHEMA);
			json_decref(doc);
			break;
		}
		json_array_foreach(hosts, k, h) {
			const char *name = json_string_value(
				json_object_get(h, "host"));

			if (!name) {
				rc = tp_err_set(err, TP_EPARSE, "%s: $.hosts[%zu]: "
						"no host name", path, k);
				break;
			}
			if (json_object_set(latest, name, h)) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				break;
			}
		}
		json_decref(doc);
	}
out:
	closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc) {
		json_decref(latest);
		return rc;
	}
	*hosts_out = latest;
	return 0;
}

int tp_results_lock(int *fd_out, const char *dir, struct tp_err *err)
{
	char path[4096];
	int fd, rc;

	*fd_out = -1;
	if ((rc = make_dir(dir, err)))
		return rc;
	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			return tp_err_sys(err, TP_EIO, e, "locking %s", path);
		}
	}
	*fd_out = fd;
	return 0;
}

void tp_results_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

int tp_results_load_state(json_t **state_out, const char *dir,
			  struct tp_err *err)
{
	char path[4096];
	json_t *doc, *fs, *h;
	const char *host;

	*state_out = NULL;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		if (!(*state_out = json_object()))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		return 0;
	}
	if (!(doc = load_json_file(path, err)))
		return err->code;
	fs = json_object_get(doc, "first_seen");
	if (!json_is_string(json_object_get(doc, "schema")) ||
	    strcmp(json_string_value(json_object_get(doc, "schema")),
		   TP_STATE_SCHEMA) || !json_is_object(fs)) {
		json_decref(doc);
		return tp_err_set(err, TP_EPARSE, "%s: not a %s document",
				  path, TP_STATE_SCHEMA);
	}
	json_object_foreach(fs, host, h) {
		const char *key;
		json_t *v;

		int rc = 0;

		/* the messages quote the document: set them before it goes */
		if (!json_is_object(h))
			rc = tp_err_set(err, TP_EPARSE, "%s: $.first_seen.%s: "
					"must be an object", path, host);
		json_object_foreach(h, key, v) {
			time_t t;

			if (rc)
				break;
			if (!json_is_string(v) ||
			    tp_time_parse_utc(&t, json_string_value(v)))
				rc = tp_err_set(err, TP_EPARSE,
						"%s: $.first_seen.%s: '%s' is "
						"not a UTC time", path, host, key);
		}
		if (rc) {
			json_decref(doc);
			return rc;
		}
	}
	*state_out = json_incref(fs);
	json_decref(doc);
	return 0;
}

int tp_results_save_state(const char *dir, json_t *first_seen,
			  struct tp_err *err)
{
	char path[4096], *text;
	json_t *doc;
	int rc;

	if ((rc = make_dir(dir, err)))
		return rc;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	doc = json_pack("{s:s, s:O}", "schema", TP_STATE_SCHEMA, "first_seen",
			first_seen);
	text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS |
					     JSON_ENSURE_ASCII) : NULL;
	json_decref(doc);
	if (!text)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_fs_write_file(path, text, strlen(text), err);
	free(text);
	return rc;
}

/* ---- reading a scan host object back ---- */

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = strdup(s)) ? -1 : 0;
}

/* The TP_E* code whose name is name, or TP_ECMDFAIL for one we do not
 * know (a newer tidepatch wrote it). */
static int code_from_name(const char *name)
{
	int c;

	for (c = -1; c >= -64; c--)
		if (name && !strcmp(tp_errname(c), name))
			return c;
	return TP_ECMDFAIL;
}

static int read_installed(struct tp_scan_result *out, const json_t *a,
			  struct tp_err *err)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e) {
		struct tp_pkg *p;
		const char *name = json_string_value(json_array_get(e, 0));
		const char *ver = json_string_value(json_array_get(e, 2));

		if (!json_is_array(e) || !name || !ver)
			return tp_err_set(err, TP_EPARSE, "$.installed[%zu]: "
					  "must be [name, arch, version, source, "
					  "source_version]", i);
		if (tp_pkg_list_push(&out->installed, &p, err))
			return err->code;
		if (!(p->name = strdup(name)) || !(p->version = strdup(ver)) ||
		    dup_opt(&p->arch, json_string_value(json_array_get(e, 1))) ||
		    dup_opt(&p->source, json_string_value(json_array_get(e, 3))) ||
		    dup_opt(&p->source_version,
			    json_string_value(json_array_get(e, 4))) ||
		    (!p->source && !(p->source = strdup(name))) ||
		    (!p->source_version && !(p->source_version = strdup(ver))))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	return 0;
}

static int read_updates(struct tp_scan_result *out, const json_t *a,
			const char *what, struct tp_err *err)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e) {
		struct tp_update *u;
		const char *kind = jstr(e, "kind");

		if (!jstr(e, "name"))
			return tp_err_set(err, TP_EPARSE, "$.%s[%zu]: no name",
					  what, i);
		if (tp_update_list_push(&out->updates, &u, err))
			return err->code;
		if (!(u->name = strdup(jstr(e, "name"))) ||
		    dup_opt(&u->arch, jstr(e, "arch")) ||
		    dup_opt(&u->installed, jstr(e, "installed")) ||
		    dup_opt(&u->candidate, jstr(e, "candidate")) ||
		    dup_opt(&u->source, jstr(e, "source")) ||
		    dup_opt(&u->origin, jstr(e, "origin")))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		u->security = json_is_true(json_object_get(e, "security"));
		u->kind = !kind ? TP_UPDATE_UPGRADE :
			  !strcmp(kind, "install") ? TP_UPDATE_INSTALL :
			  !strcmp(kind, "downgrade") ? TP_UPDATE_DOWNGRADE :
			  !strcmp(kind, "reinstall") ? TP_UPDATE_REINSTALL :
			  !strcmp(kind, "remove") ? TP_UPDATE_REMOVE :
						    TP_UPDATE_UPGRADE;
	}
	return 0;
}

int tp_scan_result_from_json(struct tp_scan_result *out, const json_t *host,
			     struct tp_err *err)
{
	const json_t *os = json_object_get(host, "os");
	const json_t *k = json_object_get(host, "kernel");
	const json_t *rp = json_object_get(host, "reboot_required_packages");
	const char *name = jstr(host, "host");
	int rc;

	memset(out, 0, sizeof(*out));
	out->stage = TP_SCAN_DONE;
	if (!name)
		return tp_err_set(err, TP_EPARSE, "$.host: missing");
	if (!(out->host = strdup(name)) ||
	    dup_opt(&out->scanned_at, jstr(host, "scanned_at")))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (!jstr(host, "status") || strcmp(jstr(host, "status"), "ok")) {
		const json_t *e = json_object_get(host, "error");

		out->status = code_from_name(jstr(e, "code"));
		out->stage = TP_SCAN_CONNECT;
		tp_err_set(&out->err, out->status, "%s",
			   jstr(e, "message") ? jstr(e, "message") :
						"the scan failed");
		return 0;
	}
	if (json_is_object(os) &&
	    (dup_opt(&out->os.id, jstr(os, "id")) ||
	     dup_opt(&out->os.id_like, jstr(os, "id_like")) ||
	     dup_opt(&out->os.version_id, jstr(os, "version_id")) ||
	     dup_opt(&out->os.codename, jstr(os, "codename")) ||
	     dup_opt(&out->os.pretty_name, jstr(os, "pretty_name")) ||
	     dup_opt(&out->os.ecosystem, jstr(os, "ecosystem"))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	out->backend = tp_pkg_backend_find(jstr(host, "backend") ?
					   jstr(host, "backend") : "");
	if ((rc = read_installed(out, json_object_get(host, "installed"), err)) ||
	    (rc = read_updates(out, json_object_get(host, "updates"), "updates",
			       err)) ||
	    (rc = read_updates(out, json_object_get(host, "removals"),
			       "removals", err)))
		return rc;
	out->reboot_required = json_is_true(json_object_get(host,
							    "reboot_required"));
	if (json_is_array(rp) && json_array_size(rp)) {
		size_t i;

		out->reboot_pkgs = calloc(json_array_size(rp),
					  sizeof(*out->reboot_pkgs));
		if (!out->reboot_pkgs)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		for (i = 0; i < json_array_size(rp); i++) {
			const char *s = json_string_value(json_array_get(rp, i));

			if (s && !(out->reboot_pkgs[out->n_reboot_pkgs++] =
					   strdup(s)))
				return tp_err_set(err, TP_ENOMEM,
						  "out of memory");
		}
	}
	if (dup_opt(&out->kernel_running, jstr(k, "running")) ||
	    dup_opt(&out->kernel_newest, jstr(k, "newest_installed")))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}
