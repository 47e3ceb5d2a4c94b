/*
 * inventory.c - load, validate and resolve the JSON inventory.
 *
 * Three passes. (1) Each file is read (bounded), parsed by jansson with
 * duplicate keys rejected, and every level (defaults, a group, a host) is
 * checked key by key into a struct level that borrows from the parsed
 * documents. (2) Cross-file and graph checks: duplicates, implicit groups,
 * unknown children, group cycles, jump targets. (3) When the group graph
 * is sound, every host is resolved (defaults < groups by depth then name <
 * host) and jump cycles are looked for on the resolved hosts.
 *
 * Invariant: a problem never stops the passes; whatever can still be
 * checked is, so `inventory check` lists everything in one run. Levels
 * with a wrong-typed key keep the key unset, so a mistake is reported
 * once, where it was made, and not again by every host that inherits it.
 *
 * Trade-off: the documents stay loaded until the end of tp_inventory_load
 * and the result owns copies, so the resolved inventory never points into
 * jansson objects it does not own.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tidepatch/buf.h"
#include "tidepatch/inventory.h"

#define PATH_MAX_JSON 512

enum level_kind { LV_DEFAULTS, LV_GROUP, LV_HOST };

/* One level's settings, borrowed from the parsed document. */
struct level {
	const char *file;
	char path[PATH_MAX_JSON];	/* "$.hosts.web1" */
	char label[300];		/* origin label: "defaults", "group:web" */
	const char *address;
	int port;			/* 0: unset */
	const char *user;
	const char *identity;
	json_t *jump;			/* string or array, validated shape */
	int become;			/* -1: unset */
	int crit;			/* -1: unset */
	int expo;
	json_t *tags;
	json_t *vars;
	json_t *groups;			/* hosts only */
	json_t *children;		/* groups only */
};

struct rawgroup {
	char *name;
	const char *file;
	char path[PATH_MAX_JSON];	/* declaration, or first mention */
	bool declared;
	struct level lv;
	size_t *children;		/* indexes, resolved in pass 2 */
	size_t nchildren;
	size_t *parents;
	size_t nparents;
	int depth;			/* -1 until computed */
	int mark;			/* DFS colour */
};

struct rawhost {
	char *name;
	const char *file;
	struct level lv;
	/* pass 3 */
	json_t *jump;			/* effective, borrowed */
	const char *jump_file;
	const char *jump_path;
	int mark;
};

struct ctx {
	struct tp_inv_problems *pr;
	bool oom;
	json_t **docs;
	size_t ndocs;
	char **files;
	size_t nfiles;
	struct level defaults;
	bool have_defaults;
	struct rawhost *hosts;
	size_t nhosts;
	struct rawgroup *groups;
	size_t ngroups;
};

static const char *const crit_names[] = { "low", "medium", "high",
					  "critical" };
static const char *const expo_names[] = { "isolated", "internal", "dmz",
					  "internet" };

const char *tp_criticality_name(enum tp_criticality c)
{
	return (unsigned)c < 4 ? crit_names[c] : "unknown";
}

const char *tp_exposure_name(enum tp_exposure e)
{
	return (unsigned)e < 4 ? expo_names[e] : "unknown";
}

/* ---- problems ---- */

void tp_inv_problems_init(struct tp_inv_problems *p)
{
	memset(p, 0, sizeof(*p));
}

int tp_inv_problem_vadd(struct tp_inv_problems *pr, const char *file,
			const char *path, int line, int column,
			const char *fmt, va_list ap)
{
	struct tp_inv_problem *p;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (pr->n == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 16;
		void *v = realloc(pr->v, cap * sizeof(*pr->v));

		if (!v)
			return -1;
		pr->v = v;
		pr->cap = cap;
	}
	p = &pr->v[pr->n];
	memset(p, 0, sizeof(*p));
	p->file = strdup(file ? file : "");
	p->path = path ? strdup(path) : NULL;
	p->msg = strdup(msg);
	p->line = line;
	p->column = column;
	if (!p->file || !p->msg || (path && !p->path)) {
		free(p->file);
		free(p->path);
		free(p->msg);
		return -1;
	}
	pr->n++;
	return 0;
}

void tp_inv_problems_release(struct tp_inv_problems *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].file);
		free(p->v[i].path);
		free(p->v[i].msg);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void tp_inv_problem_format(const struct tp_inv_problem *p, char *buf,
			   size_t size)
{
	if (p->path)
		snprintf(buf, size, "%s: %s: %s", p->file, p->path, p->msg);
	else if (p->line)
		snprintf(buf, size, "%s:%d:%d: %s", p->file, p->line,
			 p->column, p->msg);
	else
		snprintf(buf, size, "%s: %s", p->file, p->msg);
}

static void problem(struct ctx *c, const char *file, const char *path,
		    int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void problem(struct ctx *c, const char *file, const char *path,
		    int line, int column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tp_inv_problem_vadd(c->pr, file, path, line, column, fmt, ap))
		c->oom = true;
	va_end(ap);
}

#define PROBLEM(c, file, path, ...) problem(c, file, path, 0, 0, __VA_ARGS__)

/* ---- small helpers ---- */

static bool valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 255)
		return false;
	if (!isalnum((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool reserved_group(const char *s)
{
	return !strcmp(s, "all") || !strcmp(s, "ungrouped");
}

/* vsnprintf: JSON paths are truncated on purpose when absurdly long. */
static void pathf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

/* See inventory.h. */
void tp_inv_path_key(char *dst, size_t size, const char *parent,
		     const char *key)
{
	const char *p;
	bool plain = isalpha((unsigned char)*key) || *key == '_';

	for (p = key; *p && plain; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			plain = false;
	if (plain) {
		pathf(dst, size, "%s.%s", parent, key);
		return;
	}
	/* JSON-ish quoting, enough to make the place unambiguous. */
	{
		size_t n = (size_t)snprintf(dst, size, "%s[\"", parent);

		for (p = key; *p && n + 8 < size; p++) {
			unsigned char ch = (unsigned char)*p;

			if (ch == '"' || ch == '\\')
				n += (size_t)snprintf(dst + n, size - n,
						      "\\%c", ch);
			else if (ch < 0x20 || ch == 0x7f)
				n += (size_t)snprintf(dst + n, size - n,
						      "\\u%04x", ch);
			else
				dst[n++] = (char)ch;
		}
		if (n + 3 <= size)
			memcpy(dst + n, "\"]", 3);
		else
			dst[size - 1] = '\0';
	}
}

static void path_index(char *dst, size_t size, const char *parent, size_t i)
{
	pathf(dst, size, "%s[%zu]", parent, i);
}

static int lookup_name(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static struct rawhost *find_host(struct ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}

static long find_group(struct ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (!strcmp(c->groups[i].name, name))
			return (long)i;
	return -1;
}

static void *grow(void *v, size_t n, size_t elem)
{
	/* Grow by powers of two: reallocate when n is 0 or a power of 2. */
	size_t cap = 1;

	while (cap < n + 1)
		cap *= 2;
	if (n != 0 && (n & (n - 1)) != 0)
		return v;
	return realloc(v, cap * 2 * elem);
}

/* See inventory.h; shared with ssh_config's ProxyJump. */
int tp_inv_parse_hop(const char *s, char **user, char **addr, int *port)
{
	const char *at = strrchr(s, '@'), *host = at ? at + 1 : s;
	const char *hend, *colon = NULL;
	char *u = NULL, *a = NULL;
	long p = 22;

	if (at && at == s)
		return -1;
	if (*host == '[') {
		hend = strchr(host, ']');
		if (!hend || hend == host + 1)
			return -1;
		if (hend[1] == ':')
			colon = hend + 1;
		else if (hend[1])
			return -1;
		host++;
	} else {
		colon = strchr(host, ':');
		hend = colon ? colon : host + strlen(host);
		if (colon && strchr(colon + 1, ':'))
			return -1;
	}
	if (hend == host)
		return -1;
	if (colon) {
		char *end = NULL;

		if (!isdigit((unsigned char)colon[1]))
			return -1;
		p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return -1;
	}
	{
		const char *q;

		for (q = s; *q; q++)
			if (isspace((unsigned char)*q) || iscntrl((unsigned char)*q))
				return -1;
	}
	if (at && !(u = strndup(s, (size_t)(at - s))))
		return -2;
	if (!(a = strndup(host, (size_t)(hend - host)))) {
		free(u);
		return -2;
	}
	*user = u;
	*addr = a;
	*port = (int)p;
	return 0;
}

/* ---- pass 1: one level ---- */

static bool key_allowed(enum level_kind kind, const char *key)
{
	static const char *const common[] = {
		"port", "user", "identity", "jump", "become", "criticality",
		"exposure", "tags", "vars",
	};

	if (lookup_name(key, common, sizeof(common) / sizeof(common[0])) >= 0)
		return true;
	if (kind == LV_HOST)
		return !strcmp(key, "address") || !strcmp(key, "groups");
	if (kind == LV_GROUP)
		return !strcmp(key, "children");
	return false;
}

static const char *nonempty_string(struct ctx *c, const char *file,
				   const char *path, json_t *v)
{
	if (!json_is_string(v)) {
		PROBLEM(c, file, path, "must be a string");
		return NULL;
	}
	if (!*json_string_value(v)) {
		PROBLEM(c, file, path, "must not be empty");
		return NULL;
	}
	return json_string_value(v);
}

/* A list of non-empty strings; names: each must also be a group name. */
static json_t *string_list(struct ctx *c, const char *file, const char *path,
			   json_t *v, bool names)
{
	char p[PATH_MAX_JSON];
	bool ok = true;
	size_t i;
	json_t *e;

	if (!json_is_array(v)) {
		PROBLEM(c, file, path, "must be a list of strings");
		return NULL;
	}
	json_array_foreach(v, i, e) {
		const char *s;

		path_index(p, sizeof(p), path, i);
		if (!(s = nonempty_string(c, file, p, e))) {
			ok = false;
			continue;
		}
		if (!names)
			continue;
		if (reserved_group(s)) {
			PROBLEM(c, file, p, "'%s' is an implicit group and "
				"cannot be named here", s);
			ok = false;
		} else if (!valid_name(s)) {
			PROBLEM(c, file, p, "'%s' is not a valid group name "
				"(letters, digits, '.', '_', '-'; not starting "
				"with '.' or '-')", s);
			ok = false;
		}
	}
	return ok ? v : NULL;
}

static int enum_value(struct ctx *c, const char *file, const char *path,
		      json_t *v, const char *const *names, const char *what)
{
	int i;

	if (json_is_string(v) &&
	    (i = lookup_name(json_string_value(v), names, 4)) >= 0)
		return i;
	PROBLEM(c, file, path, "must be one of %s", what);
	return -1;
}

static json_t *jump_value(struct ctx *c, const char *file, const char *path,
			  json_t *v)
{
	if (json_is_string(v))
		return nonempty_string(c, file, path, v) ? v : NULL;
	if (json_is_array(v))
		return string_list(c, file, path, v, false);
	PROBLEM(c, file, path, "must be a string or a list of strings");
	return NULL;
}

static void parse_level(struct ctx *c, const char *file, json_t *obj,
			enum level_kind kind, struct level *lv)
{
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *v;

	lv->file = file;
	lv->become = lv->crit = lv->expo = -1;
	json_object_foreach(obj, key, v) {
		tp_inv_path_key(p, sizeof(p), lv->path, key);
		if (!key_allowed(kind, key)) {
			PROBLEM(c, file, p, "unknown key");
		} else if (!strcmp(key, "address")) {
			lv->address = nonempty_string(c, file, p, v);
		} else if (!strcmp(key, "port")) {
			json_int_t n = json_is_integer(v) ? json_integer_value(v)
							  : 0;

			if (n < 1 || n > 65535)
				PROBLEM(c, file, p, "must be an integer 1-65535");
			else
				lv->port = (int)n;
		} else if (!strcmp(key, "user")) {
			lv->user = nonempty_string(c, file, p, v);
		} else if (!strcmp(key, "identity")) {
			lv->identity = nonempty_string(c, file, p, v);
		} else if (!strcmp(key, "jump")) {
			lv->jump = jump_value(c, file, p, v);
		} else if (!strcmp(key, "become")) {
			if (json_is_boolean(v))
				lv->become = json_is_true(v);
			else
				PROBLEM(c, file, p, "must be true or false");
		} else if (!strcmp(key, "criticality")) {
			lv->crit = enum_value(c, file, p, v, crit_names,
					      "low, medium, high, critical");
		} else if (!strcmp(key, "exposure")) {
			lv->expo = enum_value(c, file, p, v, expo_names,
					      "isolated, internal, dmz, internet");
		} else if (!strcmp(key, "tags")) {
			lv->tags = string_list(c, file, p, v, false);
		} else if (!strcmp(key, "vars")) {
			if (json_is_object(v))
				lv->vars = v;
			else
				PROBLEM(c, file, p, "must be an object");
		} else if (!strcmp(key, "groups")) {
			lv->groups = string_list(c, file, p, v, true);
		} else if (!strcmp(key, "children")) {
			lv->children = string_list(c, file, p, v, true);
		}
	}
	/*
	 * vars.criticality and vars.exposure are accepted as spellings of
	 * the typed keys (the first example used them); the typed
	 * key at the same level wins, and a disagreement is a problem.
	 */
	if (lv->vars) {
		static const char *const alias[] = { "criticality", "exposure" };
		size_t i;

		for (i = 0; i < 2; i++) {
			json_t *a = json_object_get(lv->vars, alias[i]);
			int *slot = i ? &lv->expo : &lv->crit;
			char vp[PATH_MAX_JSON], tp[PATH_MAX_JSON];
			int val;

			if (!a)
				continue;
			pathf(vp, sizeof(vp), "%s.vars.%s", lv->path,
				 alias[i]);
			val = enum_value(c, file, vp, a,
					 i ? expo_names : crit_names,
					 i ? "isolated, internal, dmz, internet"
					   : "low, medium, high, critical");
			if (val < 0)
				continue;
			tp_inv_path_key(tp, sizeof(tp), lv->path, alias[i]);
			if (json_object_get(obj, alias[i])) {
				if (*slot >= 0 && *slot != val)
					PROBLEM(c, file, vp, "disagrees with %s",
						tp);
			} else {
				*slot = val;
			}
		}
	}
}

/* ---- pass 1: one file ---- */

static int add_group(struct ctx *c, const char *name, const char *file,
		     const char *path, bool declared, long *idx)
{
	struct rawgroup *g;
	void *v = grow(c->groups, c->ngroups, sizeof(*c->groups));

	if (!v)
		return -1;
	c->groups = v;
	g = &c->groups[c->ngroups];
	memset(g, 0, sizeof(*g));
	if (!(g->name = strdup(name)))
		return -1;
	g->file = file;
	g->declared = declared;
	g->depth = -1;
	pathf(g->path, sizeof(g->path), "%s", path);
	*idx = (long)c->ngroups++;
	return 0;
}

static void load_hosts(struct ctx *c, const char *file, json_t *hosts)
{
	char p[PATH_MAX_JSON];
	const char *name;
	json_t *v;

	if (!json_is_object(hosts)) {
		PROBLEM(c, file, "$.hosts", "must be an object");
		return;
	}
	json_object_foreach(hosts, name, v) {
		struct rawhost *h, *dup;
		void *nv;

		tp_inv_path_key(p, sizeof(p), "$.hosts", name);
		if (reserved_group(name)) {
			PROBLEM(c, file, p, "'%s' is an implicit group and "
				"cannot be a host name", name);
			continue;
		}
		if (!valid_name(name)) {
			PROBLEM(c, file, p, "'%s' is not a valid host name "
				"(letters, digits, '.', '_', '-'; not starting "
				"with '.' or '-')", name);
			continue;
		}
		if ((dup = find_host(c, name))) {
			PROBLEM(c, file, p, "host '%s' is already defined in %s",
				name, dup->file);
			continue;
		}
		if (!json_is_object(v)) {
			PROBLEM(c, file, p, "must be an object");
			continue;
		}
		if (!(nv = grow(c->hosts, c->nhosts, sizeof(*c->hosts)))) {
			c->oom = true;
			return;
		}
		c->hosts = nv;
		h = &c->hosts[c->nhosts];
		memset(h, 0, sizeof(*h));
		if (!(h->name = strdup(name))) {
			c->oom = true;
			return;
		}
		c->nhosts++;
		h->file = file;
		pathf(h->lv.path, sizeof(h->lv.path), "%s", p);
		snprintf(h->lv.label, sizeof(h->lv.label), "host");
		parse_level(c, file, v, LV_HOST, &h->lv);
	}
}

static void load_groups(struct ctx *c, const char *file, json_t *groups)
{
	char p[PATH_MAX_JSON];
	const char *name;
	json_t *v;

	if (!json_is_object(groups)) {
		PROBLEM(c, file, "$.groups", "must be an object");
		return;
	}
	json_object_foreach(groups, name, v) {
		struct rawgroup *g;
		long gi;

		tp_inv_path_key(p, sizeof(p), "$.groups", name);
		if (reserved_group(name)) {
			PROBLEM(c, file, p, "'%s' is an implicit group and "
				"cannot be declared (use \"defaults\")", name);
			continue;
		}
		if (!valid_name(name)) {
			PROBLEM(c, file, p, "'%s' is not a valid group name "
				"(letters, digits, '.', '_', '-'; not starting "
				"with '.' or '-')", name);
			continue;
		}
		if ((gi = find_group(c, name)) >= 0) {
			PROBLEM(c, file, p, "group '%s' is already defined in %s",
				name, c->groups[gi].file);
			continue;
		}
		if (!json_is_object(v)) {
			PROBLEM(c, file, p, "must be an object");
			continue;
		}
		if (add_group(c, name, file, p, true, &gi)) {
			c->oom = true;
			return;
		}
		g = &c->groups[gi];
		pathf(g->lv.path, sizeof(g->lv.path), "%s", p);
		snprintf(g->lv.label, sizeof(g->lv.label), "group:%s", name);
		parse_level(c, file, v, LV_GROUP, &g->lv);
	}
}

static void load_doc(struct ctx *c, const char *file, json_t *doc)
{
	const char *key;
	json_t *v;

	if (!json_is_object(doc)) {
		PROBLEM(c, file, "$", "must be an object");
		return;
	}
	/* Defaults first, whatever their place in the file. */
	if ((v = json_object_get(doc, "defaults"))) {
		if (!json_is_object(v)) {
			PROBLEM(c, file, "$.defaults", "must be an object");
		} else if (c->have_defaults) {
			PROBLEM(c, file, "$.defaults", "defaults are already "
				"set in %s", c->defaults.file);
		} else {
			c->have_defaults = true;
			snprintf(c->defaults.path, sizeof(c->defaults.path),
				 "$.defaults");
			snprintf(c->defaults.label, sizeof(c->defaults.label),
				 "defaults");
			parse_level(c, file, v, LV_DEFAULTS, &c->defaults);
		}
	}
	json_object_foreach(doc, key, v) {
		char p[PATH_MAX_JSON];

		if (!strcmp(key, "defaults"))
			continue;
		if (!strcmp(key, "hosts"))
			load_hosts(c, file, v);
		else if (!strcmp(key, "groups"))
			load_groups(c, file, v);
		else {
			tp_inv_path_key(p, sizeof(p), "$", key);
			PROBLEM(c, file, p, "unknown key");
		}
	}
}

static int read_file(struct ctx *c, const char *file, struct tp_err *err)
{
	struct tp_buf b;
	json_error_t jerr;
	json_t *doc = NULL;
	char chunk[65536];
	FILE *f = fopen(file, "rb");
	size_t n;
	void *v;
	int rc = 0;

	if (!f)
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s", file);
	tp_buf_init(&b, TP_INV_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((rc = tp_buf_append(&b, chunk, n, err)))
			break;
	}
	if (!rc && ferror(f))
		rc = tp_err_sys(err, TP_EIO, errno, "cannot read %s", file);
	fclose(f);
	if (rc == TP_ETOOBIG) {
		PROBLEM(c, file, NULL, "larger than %zu MiB",
			TP_INV_FILE_MAX >> 20);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	doc = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES,
			 &jerr);
	if (!doc) {
		problem(c, file, NULL, jerr.line < 1 ? 1 : jerr.line,
			jerr.column < 1 ? 1 : jerr.column, "%s", jerr.text);
		goto out;
	}
	if (!(v = grow(c->docs, c->ndocs, sizeof(*c->docs)))) {
		json_decref(doc);
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	c->docs = v;
	c->docs[c->ndocs++] = doc;
	load_doc(c, file, doc);
out:
	tp_buf_release(&b);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fill c->files: path itself, or the sorted *.json files of a directory. */
static int list_files(struct ctx *c, const char *path, bool is_dir,
		      struct tp_err *err)
{
	struct dirent *de;
	DIR *d;
	void *v;

	if (!is_dir) {
		if (!(c->files = malloc(sizeof(*c->files))) ||
		    !(c->files[0] = strdup(path)))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		c->nfiles = 1;
		return 0;
	}
	if (!(d = opendir(path)))
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s", path);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		char *full;
		size_t plen = strlen(path);

		if (de->d_name[0] == '.' || n < 6 ||
		    strcmp(de->d_name + n - 5, ".json"))
			continue;
		while (plen > 1 && path[plen - 1] == '/')
			plen--;
		if (!(full = malloc(plen + n + 2)))
			break;
		snprintf(full, plen + n + 2, "%.*s/%s", (int)plen, path,
			 de->d_name);
		if (stat(full, &st) || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		if (!(v = grow(c->files, c->nfiles, sizeof(*c->files)))) {
			free(full);
			break;
		}
		c->files = v;
		c->files[c->nfiles++] = full;
	}
	closedir(d);
	if (de)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (!c->nfiles)
		return tp_err_set(err, TP_ENOTFOUND, "no *.json inventory "
				  "file in %s", path);
	qsort(c->files, c->nfiles, sizeof(*c->files), cmp_str);
	return 0;
}

/* ---- pass 2: groups and jumps ---- */

static int add_edge(size_t **v, size_t *n, size_t x)
{
	void *nv = grow(*v, *n, sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	(*v)[(*n)++] = x;
	return 0;
}

static void implicit_groups(struct ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->nhosts; i++) {
		json_t *gs = c->hosts[i].lv.groups, *e;

		json_array_foreach(gs, j, e) {
			char p[PATH_MAX_JSON];
			long gi;

			if (find_group(c, json_string_value(e)) >= 0)
				continue;
			pathf(p, sizeof(p), "%s.groups[%zu]",
				 c->hosts[i].lv.path, j);
			if (add_group(c, json_string_value(e),
				      c->hosts[i].file, p, false, &gi)) {
				c->oom = true;
				return;
			}
			snprintf(c->groups[gi].lv.label,
				 sizeof(c->groups[gi].lv.label), "group:%s",
				 json_string_value(e));
			c->groups[gi].lv.become = -1;
			c->groups[gi].lv.crit = c->groups[gi].lv.expo = -1;
		}
	}
	for (i = 0; i < c->ngroups; i++) {
		struct rawgroup *g = &c->groups[i];
		struct rawhost *h = find_host(c, g->name);

		if (h)
			PROBLEM(c, g->file, g->path, "'%s' is both a host (in "
				"%s) and a group", g->name, h->file);
	}
}

static void link_children(struct ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->ngroups; i++) {
		struct rawgroup *g = &c->groups[i];
		json_t *e;

		json_array_foreach(g->lv.children, j, e) {
			char p[PATH_MAX_JSON];
			long ci = find_group(c, json_string_value(e));

			pathf(p, sizeof(p), "%s.children[%zu]", g->lv.path, j);
			if (ci < 0) {
				PROBLEM(c, g->file, p, "unknown group '%s'",
					json_string_value(e));
				continue;
			}
			if (add_edge(&g->children, &g->nchildren, (size_t)ci) ||
			    add_edge(&c->groups[ci].parents,
				     &c->groups[ci].nparents, i)) {
				c->oom = true;
				return;
			}
		}
	}
}

/* DFS over children; each back edge is one cycle, reported where it is. */
static bool find_cycles(struct ctx *c, size_t gi, size_t *stack, size_t depth)
{
	struct rawgroup *g = &c->groups[gi];
	bool cyclic = false;
	size_t k;

	g->mark = 1;
	stack[depth] = gi;
	for (k = 0; k < g->nchildren; k++) {
		struct rawgroup *ch = &c->groups[g->children[k]];

		if (ch->mark == 1) {
			char chain[1024], p[PATH_MAX_JSON];
			size_t s = 0, len = 0, j;

			while (stack[s] != g->children[k])
				s++;
			for (j = s; j <= depth && len < sizeof(chain); j++)
				len += (size_t)snprintf(chain + len,
							sizeof(chain) - len,
							"%s -> ",
							c->groups[stack[j]].name);
			if (len < sizeof(chain))
				snprintf(chain + len, sizeof(chain) - len, "%s",
					 ch->name);
			/* The k-th edge is the k-th valid child. */
			pathf(p, sizeof(p), "%s.children", g->lv.path);
			{
				size_t idx = 0, n = 0;
				json_t *e;

				json_array_foreach(g->lv.children, idx, e) {
					if (find_group(c, json_string_value(e)) < 0)
						continue;
					if (n++ == k)
						break;
				}
				pathf(p, sizeof(p), "%s.children[%zu]",
					 g->lv.path, idx);
			}
			PROBLEM(c, g->file, p, "group cycle: %s", chain);
			cyclic = true;
		} else if (ch->mark == 0) {
			cyclic |= find_cycles(c, g->children[k], stack,
					      depth + 1);
		}
	}
	g->mark = 2;
	return cyclic;
}

static void check_jump_targets(struct ctx *c, const struct level *lv)
{
	char p[PATH_MAX_JSON];
	size_t i, n;

	if (!lv->jump)
		return;
	n = json_is_array(lv->jump) ? json_array_size(lv->jump) : 1;
	for (i = 0; i < n; i++) {
		json_t *e = json_is_array(lv->jump) ?
			    json_array_get(lv->jump, i) : lv->jump;
		const char *s = json_string_value(e);
		char *u = NULL, *a = NULL;
		int port, r;

		if (json_is_array(lv->jump))
			pathf(p, sizeof(p), "%s.jump[%zu]", lv->path, i);
		else
			pathf(p, sizeof(p), "%s.jump", lv->path);
		if (find_host(c, s))
			continue;
		if (!strpbrk(s, "@:.[")) {
			PROBLEM(c, lv->file, p, "unknown host '%s'", s);
			continue;
		}
		r = tp_inv_parse_hop(s, &u, &a, &port);
		if (r == -2)
			c->oom = true;
		else if (r)
			PROBLEM(c, lv->file, p, "'%s' is neither an inventory "
				"host nor [user@]address[:port]", s);
		free(u);
		free(a);
	}
}

/* ---- pass 3: resolution ---- */

static int group_depth(struct ctx *c, size_t gi)
{
	struct rawgroup *g = &c->groups[gi];
	size_t k;

	if (g->depth >= 0)
		return g->depth;
	g->depth = 0;
	for (k = 0; k < g->nparents; k++) {
		int d = group_depth(c, g->parents[k]) + 1;

		if (d > g->depth)
			g->depth = d;
	}
	return g->depth;
}

static struct ctx *sort_ctx;	/* qsort has no payload; one thread */

/* Least specific first: shallower groups, then by name. */
static int cmp_group_prec(const void *a, const void *b)
{
	const struct rawgroup *x = &sort_ctx->groups[*(const size_t *)a];
	const struct rawgroup *y = &sort_ctx->groups[*(const size_t *)b];

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int set_str(char **dst, const char *s)
{
	char *n = strdup(s);

	if (!n)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

static int set_origin(struct tp_inv_host *h, const char *key,
		      const char *label)
{
	return json_object_set_new(h->origin, key, json_string(label));
}

static int apply_level(struct tp_inv_host *h, struct rawhost *rh,
		       const struct level *lv)
{
	const char *key;
	json_t *v;
	size_t i;

	if (lv->address && (set_str(&h->address, lv->address) ||
			    set_origin(h, "address", lv->label)))
		return -1;
	if (lv->port) {
		h->port = lv->port;
		if (set_origin(h, "port", lv->label))
			return -1;
	}
	if (lv->user && (set_str(&h->user, lv->user) ||
			 set_origin(h, "user", lv->label)))
		return -1;
	if (lv->identity && (set_str(&h->identity, lv->identity) ||
			     set_origin(h, "identity", lv->label)))
		return -1;
	if (lv->jump) {
		rh->jump = lv->jump;
		rh->jump_file = lv->file;
		rh->jump_path = lv->path;
		if (set_origin(h, "jump", lv->label))
			return -1;
	}
	if (lv->become >= 0) {
		h->become = lv->become;
		if (set_origin(h, "become", lv->label))
			return -1;
	}
	if (lv->crit >= 0) {
		h->criticality = (enum tp_criticality)lv->crit;
		if (set_origin(h, "criticality", lv->label))
			return -1;
	}
	if (lv->expo >= 0) {
		h->exposure = (enum tp_exposure)lv->expo;
		if (set_origin(h, "exposure", lv->label))
			return -1;
	}
	json_array_foreach(lv->tags, i, v) {
		const char *t = json_string_value(v);
		size_t k;
		void *nv;

		for (k = 0; k < h->ntags; k++)
			if (!strcmp(h->tags[k], t))
				break;
		if (k < h->ntags)
			continue;
		if (!(nv = grow(h->tags, h->ntags, sizeof(*h->tags))))
			return -1;
		h->tags = nv;
		if (!(h->tags[h->ntags] = strdup(t)))
			return -1;
		h->ntags++;
	}
	json_object_foreach(lv->vars, key, v) {
		char ok[PATH_MAX_JSON];

		if (json_object_set_new(h->vars, key, json_deep_copy(v)))
			return -1;
		pathf(ok, sizeof(ok), "vars.%s", key);
		if (set_origin(h, ok, lv->label))
			return -1;
	}
	return 0;
}

static int resolve_host(struct ctx *c, struct rawhost *rh,
			struct tp_inv_host *h, bool *mark)
{
	size_t *order = NULL, n = 0, i, j, k;
	json_t *e;
	bool direct = false;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	h->port = 22;
	h->criticality = TP_CRIT_MEDIUM;
	h->exposure = TP_EXPO_INTERNAL;
	if (!(h->name = strdup(rh->name)) || !(h->file = strdup(rh->file)) ||
	    !(h->address = strdup(rh->name)) ||
	    !(h->vars = json_object()) || !(h->origin = json_object()))
		return -1;

	/* Direct groups, then ancestors through parents (BFS). */
	memset(mark, 0, c->ngroups * sizeof(*mark));
	if (!(order = malloc((c->ngroups + 1) * sizeof(*order))))
		return -1;
	json_array_foreach(rh->lv.groups, j, e) {
		long gi = find_group(c, json_string_value(e));

		direct = true;
		if (gi >= 0 && !mark[gi]) {
			mark[gi] = true;
			order[n++] = (size_t)gi;
		}
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < c->groups[order[i]].nparents; k++) {
			size_t p = c->groups[order[i]].parents[k];

			if (!mark[p]) {
				mark[p] = true;
				order[n++] = p;
			}
		}
	for (i = 0; i < n; i++)
		group_depth(c, order[i]);
	sort_ctx = c;
	qsort(order, n, sizeof(*order), cmp_group_prec);

	if (!(h->groups = calloc(n + 1, sizeof(*h->groups))))
		goto out;
	if (!direct && !(h->groups[h->ngroups++] = strdup("ungrouped")))
		goto out;
	for (i = 0; i < n; i++)
		if (!(h->groups[h->ngroups++] = strdup(c->groups[order[i]].name)))
			goto out;

	if (c->have_defaults && apply_level(h, rh, &c->defaults))
		goto out;
	for (i = 0; i < n; i++)
		if (apply_level(h, rh, &c->groups[order[i]].lv))
			goto out;
	if (apply_level(h, rh, &rh->lv))
		goto out;
	rc = 0;
out:
	free(order);
	return rc;
}

static json_t *first_hop(json_t *jump)
{
	if (json_is_array(jump))
		return json_array_get(jump, 0);
	return jump;
}

/*
 * A host's chain is its own jump list, with the first hop's chain in
 * front when the first hop is an inventory host (recursively). A cycle
 * is reported once, by the member that comes first in the inventory.
 */
static void check_jump_cycles(struct ctx *c)
{
	size_t i, steps;

	for (i = 0; i < c->nhosts; i++) {
		struct rawhost *start = &c->hosts[i], *h = start;
		char chain[1024];
		size_t len;
		bool cyc = false, smallest = true;

		len = (size_t)snprintf(chain, sizeof(chain), "%s", start->name);
		for (steps = 0; steps <= c->nhosts; steps++) {
			json_t *jump = h->jump, *e;
			struct rawhost *next = NULL;
			size_t k;

			/* Any hop naming the start closes a cycle. */
			json_t *all = jump;
			size_t n = json_is_array(all) ? json_array_size(all) :
				   (all ? 1 : 0);

			for (k = 0; k < n; k++) {
				e = json_is_array(all) ? json_array_get(all, k)
						       : all;
				if (!strcmp(json_string_value(e), start->name))
					cyc = true;
			}
			if (cyc)
				break;
			e = first_hop(jump);
			if (e)
				next = find_host(c, json_string_value(e));
			if (!next)
				break;
			if (next < start)
				smallest = false;
			h = next;
			if (len < sizeof(chain))
				len += (size_t)snprintf(chain + len,
							sizeof(chain) - len,
							" -> %s", h->name);
		}
		if (cyc && smallest) {
			char jpath[PATH_MAX_JSON + 8];

			pathf(jpath, sizeof(jpath), "%s.jump", start->jump_path);
			if (len < sizeof(chain))
				snprintf(chain + len, sizeof(chain) - len,
					 " -> %s", start->name);
			problem(c, start->jump_file, jpath, 0, 0,
				"jump cycle: %s", chain);
		}
	}
}

static int push_hop(struct tp_inv_host *h, const char *host, const char *user,
		    const char *address, int port)
{
	struct tp_inv_hop *hop;
	void *nv = grow(h->jump, h->njump, sizeof(*h->jump));

	if (!nv)
		return -1;
	h->jump = nv;
	hop = &h->jump[h->njump];
	memset(hop, 0, sizeof(*hop));
	if ((host && !(hop->host = strdup(host))) ||
	    (user && !(hop->user = strdup(user))) ||
	    !(hop->address = strdup(address))) {
		free(hop->host);
		free(hop->user);
		return -1;
	}
	hop->port = port;
	h->njump++;
	return 0;
}

static int build_chain(struct ctx *c, struct tp_inventory *inv, size_t hi,
		       struct tp_inv_host *out)
{
	struct rawhost *rh = &c->hosts[hi];
	size_t n, k;

	if (!rh->jump)
		return 0;
	n = json_is_array(rh->jump) ? json_array_size(rh->jump) : 1;
	for (k = 0; k < n; k++) {
		json_t *e = json_is_array(rh->jump) ?
			    json_array_get(rh->jump, k) : rh->jump;
		const char *s = json_string_value(e);
		struct rawhost *jh = find_host(c, s);

		if (jh) {
			const struct tp_inv_host *t =
				&inv->hosts[(size_t)(jh - c->hosts)];

			if (k == 0 && build_chain(c, inv, (size_t)(jh - c->hosts),
						  out))
				return -1;
			if (push_hop(out, t->name, t->user, t->address,
				     t->port))
				return -1;
		} else {
			char *u = NULL, *a = NULL;
			int port = 22, r = tp_inv_parse_hop(s, &u, &a, &port);

			if (!r)
				r = push_hop(out, NULL, u, a, port);
			free(u);
			free(a);
			if (r)
				return -1;
		}
	}
	return 0;
}

static void host_release(struct tp_inv_host *h)
{
	size_t i;

	free(h->name);
	free(h->file);
	free(h->address);
	free(h->user);
	free(h->identity);
	for (i = 0; i < h->njump; i++) {
		free(h->jump[i].host);
		free(h->jump[i].user);
		free(h->jump[i].address);
	}
	free(h->jump);
	for (i = 0; i < h->ntags; i++)
		free(h->tags[i]);
	free(h->tags);
	for (i = 0; i < h->ngroups; i++)
		free(h->groups[i]);
	free(h->groups);
	json_decref(h->vars);
	json_decref(h->origin);
}

void tp_inventory_free(struct tp_inventory *inv)
{
	size_t i;

	if (!inv)
		return;
	for (i = 0; i < inv->nhosts; i++)
		host_release(&inv->hosts[i]);
	free(inv->hosts);
	for (i = 0; i < inv->ngroups; i++)
		free(inv->groups[i]);
	free(inv->groups);
	free(inv->source);
	free(inv->known_hosts);
	free(inv);
}

const struct tp_inv_host *tp_inventory_host(const struct tp_inventory *inv,
					    const char *name)
{
	size_t i;

	for (i = 0; i < inv->nhosts; i++)
		if (!strcmp(inv->hosts[i].name, name))
			return &inv->hosts[i];
	return NULL;
}

static int fill_inventory(struct ctx *c, struct tp_inventory *inv)
{
	bool *mark = NULL;
	size_t i;

	if (!(inv->hosts = calloc(c->nhosts + 1, sizeof(*inv->hosts))) ||
	    !(mark = calloc(c->ngroups + 1, sizeof(*mark))))
		goto fail;
	for (i = 0; i < c->nhosts; i++) {
		inv->nhosts++;
		if (resolve_host(c, &c->hosts[i], &inv->hosts[i], mark))
			goto fail;
	}
	free(mark);
	mark = NULL;
	if (!(inv->groups = calloc(c->ngroups + 2, sizeof(*inv->groups))))
		goto fail;
	for (i = 0; i < c->ngroups; i++) {
		if (!(inv->groups[inv->ngroups] = strdup(c->groups[i].name)))
			goto fail;
		inv->ngroups++;
	}
	if (!(inv->groups[inv->ngroups] = strdup("all")))
		goto fail;
	inv->ngroups++;
	if (!(inv->groups[inv->ngroups] = strdup("ungrouped")))
		goto fail;
	inv->ngroups++;
	qsort(inv->groups, inv->ngroups, sizeof(*inv->groups), cmp_str);
	return 0;
fail:
	free(mark);
	return -1;
}

static void ctx_release(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->ndocs; i++)
		json_decref(c->docs[i]);
	free(c->docs);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	for (i = 0; i < c->nhosts; i++)
		free(c->hosts[i].name);
	free(c->hosts);
	for (i = 0; i < c->ngroups; i++) {
		free(c->groups[i].name);
		free(c->groups[i].children);
		free(c->groups[i].parents);
	}
	free(c->groups);
}

static char *known_hosts_path(const char *path, bool is_dir)
{
	size_t n = strlen(path);
	char *out;

	if (is_dir) {
		while (n > 1 && path[n - 1] == '/')
			n--;
	} else {
		const char *slash = strrchr(path, '/');

		if (!slash)
			return strdup("known_hosts");
		n = (size_t)(slash - path);
		if (n == 0)
			n = 1;	/* "/inv.json" -> "/known_hosts" */
	}
	if (!(out = malloc(n + sizeof("/known_hosts"))))
		return NULL;
	snprintf(out, n + sizeof("/known_hosts"), "%.*s%sknown_hosts", (int)n,
		 path, path[n - 1] == '/' ? "" : "/");
	return out;
}

int tp_inventory_load(struct tp_inventory **out, const char *path,
		      struct tp_inv_problems *problems, struct tp_err *err)
{
	struct tp_inventory *inv = NULL;
	struct ctx c;
	struct stat st;
	size_t *stack = NULL, i;
	bool is_dir, cyclic = false;
	int rc = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.pr = problems;
	if (!path)
		path = "inventory";
	if (stat(path, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return tp_err_set(err, TP_ENOTFOUND,
					  "no inventory at %s", path);
		return tp_err_sys(err, TP_EIO, errno, "cannot read %s", path);
	}
	is_dir = S_ISDIR(st.st_mode);
	size_t before = problems->n;

	if ((rc = list_files(&c, path, is_dir, err)))
		goto out;
	for (i = 0; i < c.nfiles && !c.oom; i++)
		if ((rc = read_file(&c, c.files[i], err)))
			goto out;

	implicit_groups(&c);
	link_children(&c);
	if (!(stack = malloc((c.ngroups + 1) * sizeof(*stack))))
		goto oom;
	for (i = 0; i < c.ngroups; i++)
		if (!c.groups[i].mark)
			cyclic |= find_cycles(&c, i, stack, 0);
	if (c.have_defaults)
		check_jump_targets(&c, &c.defaults);
	for (i = 0; i < c.ngroups; i++)
		check_jump_targets(&c, &c.groups[i].lv);
	for (i = 0; i < c.nhosts; i++)
		check_jump_targets(&c, &c.hosts[i].lv);
	if (c.oom)
		goto oom;

	if (!(inv = calloc(1, sizeof(*inv))) || !(inv->source = strdup(path)) ||
	    !(inv->known_hosts = known_hosts_path(path, is_dir)))
		goto oom;
	/* Resolution needs an acyclic group graph; jumps need resolution. */
	if (!cyclic) {
		if (fill_inventory(&c, inv))
			goto oom;
		check_jump_cycles(&c);
		if (c.oom)
			goto oom;
		if (problems->n == before)
			for (i = 0; i < c.nhosts; i++)
				if (build_chain(&c, inv, i, &inv->hosts[i]))
					goto oom;
	}
	if (problems->n > before) {
		size_t n = problems->n - before;

		rc = tp_err_set(err, TP_ECONFIG, "%zu problem%s in inventory %s",
				n, n == 1 ? "" : "s", path);
		goto out;
	}
	*out = inv;
	inv = NULL; /* ownership moved */
	goto out;
oom:
	rc = tp_err_set(err, TP_ENOMEM, "out of memory");
out:
	free(stack);
	tp_inventory_free(inv);
	ctx_release(&c);
	return rc;
}
