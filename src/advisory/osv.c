/*
 * osv.c - load OSV records into an advisory database, validate them, and
 * index them by (ecosystem, package) for matching.
 *
 * A record is read into a struct tp_advisory only when its shape is
 * right: a structural mistake (missing id, wrong type, an event that is
 * not exactly one of introduced/fixed/last_affected/limit, a range with no
 * introduced) is reported at its JSON path and the record is skipped; the
 * others in the file stay. Mistakes that leave the rest of the record
 * usable (a CVSS vector that does not parse, a version string the
 * ecosystem's scheme rejects, an unknown range type) are reported and
 * only that piece is dropped: a range with an unparsable version is
 * dropped whole, because evaluating it without that event would guess.
 *
 * Invariants: db->advs is sorted by id with unique ids; db->idx is sorted
 * by (ecosystem, package, advisory id) and is rebuilt at the end of every
 * load, so it never points at a replaced record.
 *
 * Trade-off: the whole file is parsed by jansson before validation (files
 * are capped at TP_ADV_FILE_MAX); records are then copied out so the db
 * never holds jansson objects.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adv_int.h"
#include "tidepatch/buf.h"

/* CISA's file name: a KEV list, not OSV, even inside an OSV directory. */
#define KEV_FILE_NAME "known_exploited_vulnerabilities.json"

/* ---- problems and reading ---- */

void tp_adv_problem(struct tp_adv_sink *s, const char *file,
		    const char *path, int line, int column, const char *fmt,
		    ...)
{
	va_list ap;

	if (!s->pr)
		return;
	va_start(ap, fmt);
	if (tp_inv_problem_vadd(s->pr, file, path, line, column, fmt, ap))
		s->oom = true;
	va_end(ap);
}

void tp_adv_pathf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

int tp_adv_read_json(json_t **out, const char *file, struct tp_adv_sink *s,
		     struct tp_err *err)
{
	struct tp_buf b;
	struct stat st;
	json_error_t jerr;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!(f = fopen(file, "rb"))) {
		if (errno == ENOENT)
			return tp_err_set(err, TP_ENOTFOUND, "%s: no such file",
					  file);
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s", file);
	}
	/* Refuse before reading; the bounded buffer below catches growth. */
	if (fstat(fileno(f), &st) == 0 && (uintmax_t)st.st_size >
					      (uintmax_t)TP_ADV_FILE_MAX) {
		fclose(f);
		tp_adv_problem(s, file, NULL, 0, 0, "larger than %zu MiB",
			       TP_ADV_FILE_MAX >> 20);
		return 0;
	}
	tp_buf_init(&b, TP_ADV_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = tp_buf_append(&b, chunk, n, err)))
			break;
	if (!rc && ferror(f))
		rc = tp_err_sys(err, TP_EIO, errno, "cannot read %s", file);
	fclose(f);
	if (rc == TP_ETOOBIG) {
		tp_err_clear(err);
		tp_adv_problem(s, file, NULL, 0, 0, "larger than %zu MiB",
			       TP_ADV_FILE_MAX >> 20);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	*out = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!*out)
		tp_adv_problem(s, file, NULL, jerr.line < 1 ? 1 : jerr.line,
			       jerr.column < 1 ? 1 : jerr.column, "%s",
			       jerr.text);
out:
	tp_buf_release(&b);
	return rc;
}

/* ---- ecosystems ---- */

bool tp_adv_ecosystem_vfmt(const char *eco, enum tp_vfmt *fmt,
			   bool *source_named)
{
	static const struct {
		const char *prefix;	/* "X:" matches "X" and "X:..." */
		bool family;		/* prefix matches any continuation */
		enum tp_vfmt fmt;
		bool source;
	} fam[] = {
		{ "Debian", false, TP_VFMT_DEB, true },
		{ "Ubuntu", false, TP_VFMT_DEB, true },
		{ "Alpine", false, TP_VFMT_APK, true },
		{ "AlmaLinux", false, TP_VFMT_RPM, false },
		{ "Rocky Linux", false, TP_VFMT_RPM, false },
		{ "Red Hat", true, TP_VFMT_RPM, false },
		{ "openSUSE", true, TP_VFMT_RPM, false },
		{ "SUSE", true, TP_VFMT_RPM, false },
	};
	size_t i;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		size_t len = strlen(fam[i].prefix);

		if (strncmp(eco, fam[i].prefix, len))
			continue;
		if (!fam[i].family && eco[len] != '\0' && eco[len] != ':')
			continue;
		*fmt = fam[i].fmt;
		*source_named = fam[i].source;
		return true;
	}
	return false;
}

/* A version the scheme accepts; dpkg's warn-only complaints pass, since
 * dpkg itself installs and compares such versions. */
static bool version_ok(enum tp_vfmt fmt, const char *v, const char **why,
		       struct tp_err *tmp)
{
	size_t ml, sl = strlen(TP_VERSION_DPKG_WARN_SUFFIX);

	tp_err_clear(tmp);
	if (!tp_version_check(fmt, v, tmp))
		return true;
	ml = strlen(tmp->msg);
	if (fmt == TP_VFMT_DEB && ml >= sl &&
	    !strcmp(tmp->msg + ml - sl, TP_VERSION_DPKG_WARN_SUFFIX))
		return true;
	*why = tmp->msg;
	return false;
}

/* ---- freeing ---- */

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_range(struct tp_osv_range *r)
{
	size_t i;

	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].introduced);
		free(r->events[i].fixed);
		free(r->events[i].last_affected);
		free(r->events[i].limit);
	}
	free(r->events);
}

static void advisory_free(struct tp_advisory *a)
{
	size_t i, j;

	if (!a)
		return;
	free(a->id);
	free(a->file);
	free(a->summary);
	free(a->published);
	free(a->modified);
	free_strv(a->cves, a->ncves);
	for (i = 0; i < a->naffected; i++) {
		struct tp_osv_affected *af = &a->affected[i];

		free(af->ecosystem);
		free(af->package);
		for (j = 0; j < af->nranges; j++)
			free_range(&af->ranges[j]);
		free(af->ranges);
		free_strv(af->versions, af->nversions);
	}
	free(a->affected);
	free(a);
}

/* ---- validation helpers ---- */

/* The load in progress. */
struct load {
	struct tp_adv_sink sink;
	const char *file;
	bool bad;		/* the current record has a fatal problem */
	bool oom;		/* allocation failed: stop */
	struct tp_err tmp;	/* scratch for version checks */
};

#define BAD(ld, path, ...)                                                   \
	do {                                                                 \
		tp_adv_problem(&(ld)->sink, (ld)->file, path, 0, 0,          \
			       __VA_ARGS__);                                 \
		(ld)->bad = true;                                            \
	} while (0)

#define NOTE(ld, path, ...)                                                  \
	tp_adv_problem(&(ld)->sink, (ld)->file, path, 0, 0, __VA_ARGS__)

static char *dup_or_oom(struct load *ld, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		ld->oom = true;
	return d;
}

/* Optional string member: NULL when absent; a problem when not a string
 * (or empty, with nonempty). */
static const char *opt_string(struct load *ld, json_t *obj, const char *key,
			      const char *parent, bool nonempty)
{
	char path[TP_ADV_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	if (!v)
		return NULL;
	tp_adv_pathf(path, sizeof(path), "%s.%s", parent, key);
	if (!json_is_string(v)) {
		BAD(ld, path, "must be a string");
		return NULL;
	}
	if (nonempty && !*json_string_value(v)) {
		BAD(ld, path, "must not be empty");
		return NULL;
	}
	return json_string_value(v);
}

static const char *req_string(struct load *ld, json_t *obj, const char *key,
			      const char *parent)
{
	if (!json_object_get(obj, key)) {
		BAD(ld, parent, "missing \"%s\"", key);
		return NULL;
	}
	return opt_string(ld, obj, key, parent, true);
}

/* Optional array member; NULL when absent or not an array (a problem). */
static json_t *opt_array(struct load *ld, json_t *obj, const char *key,
			 const char *parent)
{
	char path[TP_ADV_PATH_MAX];
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		tp_adv_pathf(path, sizeof(path), "%s.%s", parent, key);
		BAD(ld, path, "must be an array");
		return NULL;
	}
	return v;
}

/* Every element of an optional array member must be a string. */
static json_t *opt_string_array(struct load *ld, json_t *obj,
				const char *key, const char *parent)
{
	char path[TP_ADV_PATH_MAX];
	json_t *arr = opt_array(ld, obj, key, parent), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		if (!json_is_string(e)) {
			tp_adv_pathf(path, sizeof(path), "%s.%s[%zu]", parent, key,
				 i);
			BAD(ld, path, "must be a string");
		}
	}
	return arr;
}

/* "severity": [{ "type": string, "score": string }]: shape only; the
 * scores are judged by tp_adv_rate. */
static void check_severity(struct load *ld, json_t *obj, const char *parent)
{
	char path[TP_ADV_PATH_MAX];
	json_t *arr = opt_array(ld, obj, "severity", parent), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		tp_adv_pathf(path, sizeof(path), "%s.severity[%zu]", parent, i);
		if (!json_is_object(e)) {
			BAD(ld, path, "must be an object");
			continue;
		}
		req_string(ld, e, "type", path);
		req_string(ld, e, "score", path);
	}
}

/*
 * RFC 3339 date-time as a comparable (seconds since 1970, nanoseconds).
 * Returns 0, or -1 when s is not one.
 */
static int rfc3339(const char *s, int64_t *sec, long *nsec)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0, i;
	const char *p = s;
	int64_t days;
	long ns = 0, scale = 100000000;

	/* digits at fixed places: YYYY-MM-DDTHH:MM:SS */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";

	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)p[i])
		    : shape[i] == 'T' ? (p[i] != 'T' && p[i] != 't' &&
					 p[i] != ' ')
				      : p[i] != shape[i])
			return -1;
	}
	y = atoi(p);
	mo = atoi(p + 5);
	d = atoi(p + 8);
	h = atoi(p + 11);
	mi = atoi(p + 14);
	se = atoi(p + 17);
	p += 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			ns += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (!isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]) || p[3] != ':' ||
		    !isdigit((unsigned char)p[4]) ||
		    !isdigit((unsigned char)p[5]))
			return -1;
		oh = atoi(p + 1);
		om = atoi(p + 4);
		p += 6;
	} else
		return -1;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60 || oh > 23 || om > 59)
		return -1;
	/* days from civil (proleptic Gregorian), March-based years */
	{
		int yy = y - (mo <= 2);
		int era = yy / 400;
		int yoe = yy - era * 400;
		int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (int64_t)era * 146097 + doe - 719468;
	}
	*sec = days * 86400 + h * 3600 + mi * 60 + se -
	       sign * (oh * 3600 + om * 60);
	*nsec = ns;
	return 0;
}

/* a newer than b (both valid or NULL; NULL is oldest). */
static bool newer(const char *a, const char *b)
{
	int64_t sa = 0, sb = 0;
	long na = 0, nb = 0;

	if (!a || rfc3339(a, &sa, &na))
		return false;
	if (!b || rfc3339(b, &sb, &nb))
		return true;
	return sa > sb || (sa == sb && na > nb);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_cve(struct load *ld, struct tp_advisory *a, const char *s)
{
	char **v;

	if (ld->oom || strncmp(s, "CVE-", 4))
		return;
	if (!(v = realloc(a->cves, (a->ncves + 1) * sizeof(*v)))) {
		ld->oom = true;
		return;
	}
	a->cves = v;
	if ((v[a->ncves] = dup_or_oom(ld, s)))
		a->ncves++;
}

static void sort_unique(char **v, size_t *n)
{
	size_t i, o = 0;

	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), cmp_strp);
	for (i = 1; i < *n; i++) {
		if (!strcmp(v[i], v[o]))
			free(v[i]);
		else
			v[++o] = v[i];
	}
	*n = o + 1;
}

/* ---- one record ---- */

static const char *const event_keys[] = { "introduced", "fixed",
					  "last_affected", "limit" };

/*
 * One range at path into *r. Returns 1 kept, 0 dropped (not ECOSYSTEM,
 * or a version problem), with ld->bad set on a fatal problem.
 */
static int parse_range(struct load *ld, json_t *jr, const char *path,
		       bool known, enum tp_vfmt fmt, struct tp_osv_range *r)
{
	char epath[TP_ADV_PATH_MAX], tpath[TP_ADV_PATH_MAX];
	json_t *events, *e;
	const char *type;
	bool keep = true;
	size_t i, nintro = 0, nfixed = 0, nlast = 0;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(jr)) {
		BAD(ld, path, "must be an object");
		return 0;
	}
	type = req_string(ld, jr, "type", path);
	if (!json_object_get(jr, "events")) {
		BAD(ld, path, "missing \"events\"");
		return 0;
	}
	events = opt_array(ld, jr, "events", path);
	if (!events)
		return 0;
	tp_adv_pathf(epath, sizeof(epath), "%s.events", path);
	if (!json_array_size(events)) {
		BAD(ld, epath, "must not be empty");
		return 0;
	}
	json_array_foreach(events, i, e) {
		size_t k, nkeys = 0;

		tp_adv_pathf(epath, sizeof(epath), "%s.events[%zu]", path, i);
		if (!json_is_object(e)) {
			BAD(ld, epath, "must be an object");
			continue;
		}
		for (k = 0; k < 4; k++) {
			json_t *v = json_object_get(e, event_keys[k]);

			if (!v)
				continue;
			nkeys++;
			if (!json_is_string(v) || !*json_string_value(v)) {
				tp_adv_pathf(tpath, sizeof(tpath), "%s.%s", epath,
					 event_keys[k]);
				BAD(ld, tpath, "must be a non-empty string");
			}
			nintro += k == 0;
			nfixed += k == 1;
			nlast += k == 2;
		}
		if (nkeys != 1)
			BAD(ld, epath,
			    "must have exactly one of introduced, fixed, "
			    "last_affected, limit");
	}
	tp_adv_pathf(epath, sizeof(epath), "%s.events", path);
	if (!nintro)
		BAD(ld, epath, "no \"introduced\" event");
	if (nfixed && nlast)
		BAD(ld, epath, "both \"fixed\" and \"last_affected\" events");
	if (!type || ld->bad)
		return 0;
	if (strcmp(type, "ECOSYSTEM")) {
		if (strcmp(type, "SEMVER") && strcmp(type, "GIT")) {
			tp_adv_pathf(tpath, sizeof(tpath), "%s.type", path);
			NOTE(ld, tpath, "unknown range type \"%.40s\"; range "
				      "ignored", type);
		}
		return 0;
	}
	/* Versions: only when the ecosystem has a scheme we know. */
	json_array_foreach(events, i, e) {
		const char *v = NULL, *why = NULL;
		size_t k, which = 0;

		for (k = 0; k < 4; k++)
			if (json_object_get(e, event_keys[k]))
				which = k;
		v = json_string_value(json_object_get(e, event_keys[which]));
		/* the special values: introduced "0", limit "*" */
		if (!known || (which == 0 && !strcmp(v, "0")) ||
		    (which == 3 && strchr(v, '*')))
			continue;
		if (!version_ok(fmt, v, &why, &ld->tmp)) {
			tp_adv_pathf(epath, sizeof(epath), "%s.events[%zu].%s",
				 path, i, event_keys[which]);
			NOTE(ld, epath, "%s; range ignored", why);
			keep = false;
		}
	}
	if (!keep)
		return 0;
	if (!(r->events = calloc(json_array_size(events), sizeof(*r->events)))) {
		ld->oom = true;
		return 0;
	}
	json_array_foreach(events, i, e) {
		struct tp_osv_event *ev = &r->events[r->nevents++];
		char **slot[4] = { &ev->introduced, &ev->fixed,
				   &ev->last_affected, &ev->limit };
		size_t k;

		for (k = 0; k < 4; k++) {
			const char *v = json_string_value(
				json_object_get(e, event_keys[k]));

			if (v)
				*slot[k] = dup_or_oom(ld, v);
		}
	}
	return 1;
}

static void parse_affected(struct load *ld, json_t *ja, const char *path,
			   struct tp_osv_affected *af)
{
	char ppath[TP_ADV_PATH_MAX], rpath[TP_ADV_PATH_MAX];
	json_t *pkg, *ranges, *versions, *e;
	const char *eco = NULL, *name = NULL, *why = NULL;
	enum tp_vfmt fmt = TP_VFMT_DEB;
	bool known = false, src;
	size_t i;

	if (!json_is_object(ja)) {
		BAD(ld, path, "must be an object");
		return;
	}
	tp_adv_pathf(ppath, sizeof(ppath), "%s.package", path);
	pkg = json_object_get(ja, "package");
	if (!pkg)
		BAD(ld, path, "missing \"package\"");
	else if (!json_is_object(pkg))
		BAD(ld, ppath, "must be an object");
	else {
		eco = req_string(ld, pkg, "ecosystem", ppath);
		name = req_string(ld, pkg, "name", ppath);
	}
	if (eco)
		known = tp_adv_ecosystem_vfmt(eco, &fmt, &src);
	check_severity(ld, ja, path);
	ranges = opt_array(ld, ja, "ranges", path);
	versions = opt_string_array(ld, ja, "versions", path);
	if (ld->bad) {
		/* Keep validating the ranges so every mistake is reported. */
		json_array_foreach(ranges, i, e) {
			struct tp_osv_range r;

			tp_adv_pathf(rpath, sizeof(rpath), "%s.ranges[%zu]", path,
				 i);
			if (parse_range(ld, e, rpath, false, fmt, &r))
				free_range(&r);
		}
		return;
	}
	af->ecosystem = dup_or_oom(ld, eco);
	af->package = dup_or_oom(ld, name);
	if (json_array_size(ranges) &&
	    !(af->ranges = calloc(json_array_size(ranges),
				  sizeof(*af->ranges)))) {
		ld->oom = true;
		return;
	}
	json_array_foreach(ranges, i, e) {
		tp_adv_pathf(rpath, sizeof(rpath), "%s.ranges[%zu]", path, i);
		if (parse_range(ld, e, rpath, known, fmt,
				&af->ranges[af->nranges]))
			af->nranges++;
	}
	if (json_array_size(versions) &&
	    !(af->versions = calloc(json_array_size(versions),
				    sizeof(*af->versions)))) {
		ld->oom = true;
		return;
	}
	json_array_foreach(versions, i, e) {
		const char *v = json_string_value(e);

		if (known && !version_ok(fmt, v, &why, &ld->tmp)) {
			tp_adv_pathf(rpath, sizeof(rpath), "%s.versions[%zu]",
				 path, i);
			NOTE(ld, rpath, "%s; version ignored", why);
			continue;
		}
		if ((af->versions[af->nversions] = dup_or_oom(ld, v)))
			af->nversions++;
	}
}

/* Ubuntu's own CVE records are "UBUNTU-CVE-2024-6387" in "upstream". */
#define UBUNTU_CVE_PREFIX "UBUNTU-"

/*
 * The record rec at path; NULL when it is skipped (a problem was
 * reported, or it is withdrawn) or on ld->oom.
 */
static struct tp_advisory *parse_record(struct load *ld, json_t *rec,
					const char *path)
{
	char apath[TP_ADV_PATH_MAX];
	struct tp_advisory *a = NULL;
	json_t *aff, *list, *e, *w;
	const char *id, *s;
	size_t i, k;
	int64_t sec;
	long nsec;
	static const char *const cve_lists[] = { "aliases", "related",
						 "upstream" };

	ld->bad = false;
	if (!json_is_object(rec)) {
		BAD(ld, path, "must be an object (an OSV record)");
		return NULL;
	}
	w = json_object_get(rec, "withdrawn");
	if (w && !json_is_null(w))
		return NULL;	/* withdrawn: skipped by design, silently */
	id = req_string(ld, rec, "id", path);
	opt_string(ld, rec, "summary", path, false);
	opt_string(ld, rec, "published", path, true);
	if ((s = opt_string(ld, rec, "modified", path, true)) &&
	    rfc3339(s, &sec, &nsec)) {
		tp_adv_pathf(apath, sizeof(apath), "%s.modified", path);
		BAD(ld, apath, "must be an RFC 3339 date-time");
	}
	for (k = 0; k < 3; k++)
		opt_string_array(ld, rec, cve_lists[k], path);
	check_severity(ld, rec, path);
	aff = opt_array(ld, rec, "affected", path);
	if (!(a = calloc(1, sizeof(*a))) ||
	    (json_array_size(aff) &&
	     !(a->affected = calloc(json_array_size(aff),
				    sizeof(*a->affected))))) {
		ld->oom = true;
		goto fail;
	}
	json_array_foreach(aff, i, e) {
		tp_adv_pathf(apath, sizeof(apath), "%s.affected[%zu]", path, i);
		parse_affected(ld, e, apath, &a->affected[a->naffected++]);
	}
	if (ld->bad || ld->oom)
		goto fail;
	a->id = dup_or_oom(ld, id);
	a->file = dup_or_oom(ld, ld->file);
	a->summary = dup_or_oom(ld,
		json_string_value(json_object_get(rec, "summary")));
	a->published = dup_or_oom(ld,
		json_string_value(json_object_get(rec, "published")));
	a->modified = dup_or_oom(ld,
		json_string_value(json_object_get(rec, "modified")));
	add_cve(ld, a, id);
	for (k = 0; k < 3; k++) {
		list = json_object_get(rec, cve_lists[k]);
		json_array_foreach(list, i, e) {
			s = json_string_value(e);
			if (k == 2 && !strncmp(s, UBUNTU_CVE_PREFIX "CVE-",
					       strlen(UBUNTU_CVE_PREFIX) + 4))
				s += strlen(UBUNTU_CVE_PREFIX);
			add_cve(ld, a, s);
		}
	}
	if (ld->oom)
		goto fail;
	sort_unique(a->cves, &a->ncves);
	tp_adv_rate(a, rec, ld->file, path, &ld->sink);
	return a;
fail:
	advisory_free(a);
	return NULL;
}

/* ---- the database ---- */

int tp_advisory_db_new(struct tp_advisory_db **out, struct tp_err *err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

void tp_advisory_db_free(struct tp_advisory_db *db)
{
	size_t i;

	if (!db)
		return;
	for (i = 0; i < db->n; i++)
		advisory_free(db->advs[i]);
	free(db->advs);
	free(db->idx);
	free_strv(db->kev, db->nkev);
	free(db);
}

size_t tp_advisory_db_count(const struct tp_advisory_db *db)
{
	return db ? db->n : 0;
}

const struct tp_advisory *tp_advisory_db_get(const struct tp_advisory_db *db,
					     size_t i)
{
	return db && i < db->n ? db->advs[i] : NULL;
}

static int cmp_adv_key(const void *key, const void *elem)
{
	return strcmp(key, (*(struct tp_advisory *const *)elem)->id);
}

const struct tp_advisory *tp_advisory_db_find(const struct tp_advisory_db *db,
					      const char *id)
{
	struct tp_advisory **p;

	if (!db || !db->n || !id)
		return NULL;
	p = bsearch(id, db->advs, db->n, sizeof(*db->advs), cmp_adv_key);
	return p ? *p : NULL;
}

int tp_adv_idx_cmp(const void *a, const void *b)
{
	const struct tp_adv_idx *x = a, *y = b;
	int c;

	if ((c = strcmp(x->ecosystem, y->ecosystem)))
		return c;
	if ((c = strcmp(x->package, y->package)))
		return c;
	if ((c = strcmp(x->adv->id, y->adv->id)))
		return c;
	return x->aff < y->aff ? -1 : x->aff > y->aff;
}

static int rebuild_index(struct tp_advisory_db *db, struct tp_err *err)
{
	size_t i, j, n = 0;
	struct tp_adv_idx *idx;

	for (i = 0; i < db->n; i++)
		n += db->advs[i]->naffected;
	if (!(idx = malloc((n ? n : 1) * sizeof(*idx))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	n = 0;
	for (i = 0; i < db->n; i++) {
		const struct tp_advisory *a = db->advs[i];

		for (j = 0; j < a->naffected; j++) {
			idx[n].ecosystem = a->affected[j].ecosystem;
			idx[n].package = a->affected[j].package;
			idx[n].adv = a;
			idx[n].aff = &a->affected[j];
			n++;
		}
	}
	qsort(idx, n, sizeof(*idx), tp_adv_idx_cmp);
	free(db->idx);
	db->idx = idx;
	db->nidx = n;
	return 0;
}

/* A record read in this load, with where it came from. */
struct pending {
	struct tp_advisory *adv;
	char *path;		/* JSON path in adv->file */
	size_t order;		/* load order, for a stable sort */
};

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	int c = strcmp(x->adv->id, y->adv->id);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int cmp_advp(const void *a, const void *b)
{
	return strcmp((*(struct tp_advisory *const *)a)->id,
		      (*(struct tp_advisory *const *)b)->id);
}

struct pendings {
	struct pending *v;
	size_t n;
	size_t alloc;
};

static int load_file(struct load *ld, const char *file, struct pendings *pd,
		     struct tp_err *err)
{
	char path[TP_ADV_PATH_MAX];
	json_t *doc = NULL, *rec;
	size_t i, n;
	int rc;

	ld->file = file;
	if ((rc = tp_adv_read_json(&doc, file, &ld->sink, err)) || !doc)
		return rc;
	n = json_is_array(doc) ? json_array_size(doc) : 1;
	for (i = 0; i < n && !ld->oom; i++) {
		struct tp_advisory *a;

		if (json_is_array(doc)) {
			rec = json_array_get(doc, i);
			tp_adv_pathf(path, sizeof(path), "$[%zu]", i);
		} else {
			rec = doc;
			tp_adv_pathf(path, sizeof(path), "$");
		}
		if (!(a = parse_record(ld, rec, path)))
			continue;
		if (pd->n == pd->alloc) {
			size_t alloc = pd->alloc ? pd->alloc * 2 : 64;
			void *v = realloc(pd->v, alloc * sizeof(*pd->v));

			if (!v) {
				advisory_free(a);
				ld->oom = true;
				break;
			}
			pd->v = v;
			pd->alloc = alloc;
		}
		pd->v[pd->n].adv = a;
		pd->v[pd->n].order = pd->n;
		if (!(pd->v[pd->n].path = strdup(path))) {
			advisory_free(a);
			ld->oom = true;
			break;
		}
		pd->n++;
	}
	json_decref(doc);
	return ld->oom ? tp_err_set(err, TP_ENOMEM, "out of memory") : 0;
}

/* path itself, or the sorted *.json of a directory, minus the KEV file. */
static int list_files(char ***out, size_t *nout, const char *path,
		      struct tp_err *err)
{
	char **files = NULL;
	size_t n = 0, alloc = 0;
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (stat(path, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return tp_err_set(err, TP_ENOTFOUND,
					  "%s: no such file or directory",
					  path);
		return tp_err_sys(err, TP_EIO, errno, "cannot stat %s", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (!(files = malloc(sizeof(*files))) ||
		    !(files[0] = strdup(path))) {
			free(files);
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		}
		*out = files;
		*nout = 1;
		return 0;
	}
	if (!(d = opendir(path)))
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s", path);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *full;

		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") ||
		    !strcmp(de->d_name, KEV_FILE_NAME))
			continue;
		if (n == alloc) {
			size_t a2 = alloc ? alloc * 2 : 32;
			void *v = realloc(files, a2 * sizeof(*files));

			if (!v) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				break;
			}
			files = v;
			alloc = a2;
		}
		if (!(full = malloc(strlen(path) + len + 2))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			break;
		}
		sprintf(full, "%s/%s", path, de->d_name);
		/* Only regular files (or links to them): not sub-directories. */
		if (stat(full, &st) || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		files[n++] = full;
	}
	closedir(d);
	if (rc) {
		free_strv(files, n);
		return rc;
	}
	if (n)
		qsort(files, n, sizeof(*files), cmp_strp);
	*out = files;
	*nout = n;
	return 0;
}

int tp_advisory_db_load(struct tp_advisory_db *db, const char *path,
			struct tp_inv_problems *problems, struct tp_err *err)
{
	struct load ld;
	struct pendings pd = { 0 };
	char **files = NULL;
	size_t nfiles = 0, i, kept = 0;
	int rc;

	memset(&ld, 0, sizeof(ld));
	ld.sink.pr = problems;
	if ((rc = list_files(&files, &nfiles, path, err)))
		return rc;
	for (i = 0; i < nfiles && !rc; i++)
		rc = load_file(&ld, files[i], &pd, err);
	if (rc)
		goto out;

	/* Duplicates within this load: the first one read stays. */
	if (pd.n)
		qsort(pd.v, pd.n, sizeof(*pd.v), cmp_pending);
	for (i = 0; i < pd.n; i++) {
		struct pending *p = &pd.v[i];

		if (kept && !strcmp(pd.v[kept - 1].adv->id, p->adv->id)) {
			tp_adv_problem(&ld.sink, p->adv->file, p->path, 0, 0,
				       "duplicate id \"%s\" (first in %s at %s)",
				       p->adv->id, pd.v[kept - 1].adv->file,
				       pd.v[kept - 1].path);
			advisory_free(p->adv);
			free(p->path);
			continue;
		}
		pd.v[kept++] = *p;
	}
	pd.n = kept;

	/* Merge: an id already in db is replaced only by a newer record. */
	if (db->n + pd.n > db->alloc) {
		size_t alloc = db->n + pd.n;
		void *v = realloc(db->advs, alloc * sizeof(*db->advs));

		if (!v) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		db->advs = v;
		db->alloc = alloc;
	}
	{
		size_t old = db->n;

		for (i = 0; i < pd.n; i++) {
			struct tp_advisory **hit = NULL;

			if (old)
				hit = bsearch(pd.v[i].adv->id, db->advs, old,
					      sizeof(*db->advs), cmp_adv_key);
			if (!hit)
				db->advs[db->n++] = pd.v[i].adv;
			else if (newer(pd.v[i].adv->modified,
				       (*hit)->modified)) {
				advisory_free(*hit);
				*hit = pd.v[i].adv;
			} else
				advisory_free(pd.v[i].adv);
			pd.v[i].adv = NULL;
		}
		if (db->n != old)
			qsort(db->advs, db->n, sizeof(*db->advs), cmp_advp);
	}
	rc = rebuild_index(db, err);
	if (!rc && ld.sink.oom)
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
out:
	for (i = 0; i < pd.n; i++) {
		advisory_free(pd.v[i].adv);
		free(pd.v[i].path);
	}
	free(pd.v);
	free_strv(files, nfiles);
	return rc;
}
