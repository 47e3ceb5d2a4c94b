/*
 * match.c - which advisories concern what a host has installed.
 *
 * Installed packages are grouped by the name the ecosystem's advisories
 * use (the source package for deb and apk, the binary for rpm); each
 * group costs one binary search in the db's (ecosystem, package) index,
 * so a host costs O(installed x log(rows)), never O(advisories).
 *
 * A range is evaluated exactly as the OSV schema's "Evaluation" section
 * says: the limits first (no limit event means "*"), then the events
 * sorted by version, walked in that order. The sort is the spec's
 * (`for evt in sorted(range.events)`); records are not required to keep
 * their events sorted, so evaluating in record order would be wrong for
 * a record that lists them otherwise. Equal versions put "introduced"
 * first, so [introduced X, fixed X) is empty and introduced X with
 * last_affected X covers exactly X.
 *
 * When the binaries of one source package are installed at different
 * source versions (a partial upgrade), each version is judged and the
 * worst one is reported: affected before fix-installed, lowest first.
 */
#include <stdlib.h>
#include <string.h>

#include "adv_int.h"

enum rel { REL_NONE, REL_FIXED, REL_AFFECTED };

struct verdict {
	enum rel rel;
	const char *fixed_above;	/* smallest fixed > v */
	const char *fixed_at;		/* greatest fixed <= v */
};

/* An event for sorting: its version, rank on ties, record position. */
struct sev {
	const struct tp_osv_event *ev;
	const char *ver;	/* NULL: introduced "0", before everything */
	int rank;
	size_t pos;
};

static int cmp_sev(enum tp_vfmt fmt, const struct sev *x, const struct sev *y)
{
	int c;

	if (!x->ver || !y->ver)
		c = !x->ver && !y->ver ? 0 : !x->ver ? -1 : 1;
	else
		c = tp_version_cmp(fmt, x->ver, y->ver);
	if (c)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Insertion sort: ranges hold a handful of events, and qsort has no
 * payload for the version scheme. */
static void sort_events(enum tp_vfmt fmt, struct sev *s, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct sev t = s[i];

		for (j = i; j > 0 && cmp_sev(fmt, &s[j - 1], &t) > 0; j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
}

static const char *event_version(const struct tp_osv_event *e, int *rank)
{
	*rank = e->introduced ? 0 : 1;
	if (e->introduced)
		return strcmp(e->introduced, "0") ? e->introduced : NULL;
	if (e->fixed)
		return e->fixed;
	if (e->last_affected)
		return e->last_affected;
	return e->limit;
}

static bool before_limits(enum tp_vfmt fmt, const char *v,
			  const struct tp_osv_range *r)
{
	size_t i;
	bool any = false;

	for (i = 0; i < r->nevents; i++) {
		const char *l = r->events[i].limit;

		if (!l)
			continue;
		any = true;
		if (strchr(l, '*') || tp_version_cmp(fmt, v, l) < 0)
			return true;
	}
	return !any;
}

/* One range; 0, or -1 when memory ran out. */
static int eval_range(enum tp_vfmt fmt, const char *v,
		      const struct tp_osv_range *r, struct verdict *out)
{
	struct sev small[8], *s;
	bool vulnerable = false;
	size_t i;

	if (!before_limits(fmt, v, r))
		return 0;
	/* ranges hold a handful of events: no allocation for those */
	if (r->nevents <= sizeof(small) / sizeof(small[0]))
		s = small;
	else if (!(s = malloc(r->nevents * sizeof(*s))))
		return -1;
	for (i = 0; i < r->nevents; i++) {
		s[i].ev = &r->events[i];
		s[i].ver = event_version(&r->events[i], &s[i].rank);
		s[i].pos = i;
	}
	sort_events(fmt, s, r->nevents);
	for (i = 0; i < r->nevents; i++) {
		const struct tp_osv_event *e = s[i].ev;

		if (e->introduced &&
		    (!s[i].ver || tp_version_cmp(fmt, v, s[i].ver) >= 0))
			vulnerable = true;
		else if (e->fixed && tp_version_cmp(fmt, v, e->fixed) >= 0)
			vulnerable = false;
		else if (e->last_affected &&
			 tp_version_cmp(fmt, v, e->last_affected) > 0)
			vulnerable = false;
	}
	/* Relations beyond the verdict: which fix is above, which below. */
	for (i = 0; i < r->nevents; i++) {
		const char *f = r->events[i].fixed, *la;

		if (f && tp_version_cmp(fmt, f, v) > 0) {
			if (!out->fixed_above ||
			    tp_version_cmp(fmt, f, out->fixed_above) < 0)
				out->fixed_above = f;
		} else if (f) {
			if (!out->fixed_at ||
			    tp_version_cmp(fmt, f, out->fixed_at) > 0)
				out->fixed_at = f;
			if (out->rel < REL_FIXED)
				out->rel = REL_FIXED;
		} else if ((la = r->events[i].last_affected) &&
			   tp_version_cmp(fmt, v, la) > 0 &&
			   out->rel < REL_FIXED)
			out->rel = REL_FIXED;
	}
	if (vulnerable)
		out->rel = REL_AFFECTED;
	if (s != small)
		free(s);
	return 0;
}

static int eval_affected(enum tp_vfmt fmt, const char *v,
			 const struct tp_osv_affected *af, struct verdict *out)
{
	size_t i;

	for (i = 0; i < af->nranges; i++)
		if (eval_range(fmt, v, &af->ranges[i], out))
			return -1;
	for (i = 0; i < af->nversions; i++)
		if (!tp_version_cmp(fmt, v, af->versions[i]))
			out->rel = REL_AFFECTED;
	return 0;
}

/* ---- findings ---- */

static void finding_clear(struct tp_finding *f)
{
	size_t i;

	free(f->advisory);
	free(f->package);
	for (i = 0; i < f->nbinaries; i++)
		free(f->binaries[i]);
	free(f->binaries);
	free(f->installed);
	free(f->fixed);
	for (i = 0; i < f->ncves; i++)
		free(f->cves[i]);
	free(f->cves);
	free(f->summary);
	memset(f, 0, sizeof(*f));
}

void tp_finding_list_release(struct tp_finding_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		finding_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

static int cmp_finding(const void *a, const void *b)
{
	const struct tp_finding *x = a, *y = b;
	int c = strcmp(x->advisory, y->advisory);

	return c ? c : strcmp(x->package, y->package);
}

/* One installed package under the name advisories use for it. */
struct inst {
	const char *key;	/* source (deb, apk) or binary name (rpm) */
	const char *ver;	/* the version compared */
	const char *name;	/* binary name */
};

static int cmp_inst(const void *a, const void *b)
{
	const struct inst *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->name, y->name);
}

static char *xstrdup(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = true;
	return d;
}

/* Append the finding for adv on the group g[0..ng) judged at version v. */
static int push_finding(struct tp_finding_list *out,
			const struct tp_advisory_db *db,
			const struct tp_advisory *adv, const struct inst *g,
			size_t ng, const char *v, const struct verdict *vd)
{
	struct tp_finding *f;
	bool oom = false;
	size_t i;

	if (out->n == out->alloc) {
		size_t alloc = out->alloc ? out->alloc * 2 : 16;
		void *p = realloc(out->items, alloc * sizeof(*out->items));

		if (!p)
			return -1;
		out->items = p;
		out->alloc = alloc;
	}
	f = &out->items[out->n];
	memset(f, 0, sizeof(*f));
	f->advisory = xstrdup(adv->id, &oom);
	f->package = xstrdup(g[0].key, &oom);
	f->installed = xstrdup(v, &oom);
	f->affected = vd->rel == REL_AFFECTED;
	f->fixed = xstrdup(f->affected ? vd->fixed_above : vd->fixed_at, &oom);
	f->severity = adv->severity;
	f->exploited = tp_advisory_exploited(db, adv);
	f->summary = xstrdup(adv->summary, &oom);
	if (!(f->binaries = calloc(ng, sizeof(*f->binaries))) ||
	    (adv->ncves && !(f->cves = calloc(adv->ncves, sizeof(*f->cves)))))
		oom = true;
	/* g is sorted by name: duplicates (one per arch) are adjacent */
	for (i = 0; !oom && i < ng; i++)
		if (!f->nbinaries ||
		    strcmp(f->binaries[f->nbinaries - 1], g[i].name))
			if ((f->binaries[f->nbinaries] =
				     xstrdup(g[i].name, &oom)))
				f->nbinaries++;
	for (i = 0; !oom && i < adv->ncves; i++)
		if ((f->cves[i] = xstrdup(adv->cves[i], &oom)))
			f->ncves++;
	if (oom) {
		finding_clear(f);
		return -1;
	}
	out->n++;
	return 0;
}

/* First row of idx[lo..hi) not below (eco, pkg). */
static size_t lower_bound(const struct tp_adv_idx *idx, size_t lo, size_t hi,
			  const char *eco, const char *pkg)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(idx[mid].ecosystem, eco);

		if (!c && pkg)
			c = strcmp(idx[mid].package, pkg);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Every advisory with rows [r0, r1) (one package) against group g. */
static int match_group(struct tp_finding_list *out,
		       const struct tp_advisory_db *db, enum tp_vfmt fmt,
		       const struct tp_adv_idx *idx, size_t r0, size_t r1,
		       const struct inst *g, size_t ng)
{
	size_t a0, a1, k;

	for (a0 = r0; a0 < r1; a0 = a1) {
		struct verdict best = { REL_NONE, NULL, NULL };
		const char *best_v = NULL;

		for (a1 = a0; a1 < r1 && idx[a1].adv == idx[a0].adv; a1++)
			;
		for (k = 0; k < ng; k++) {
			struct verdict vd = { REL_NONE, NULL, NULL };
			size_t j;

			if (k && !tp_version_cmp(fmt, g[k].ver, g[k - 1].ver))
				continue;
			for (j = a0; j < a1; j++)
				if (eval_affected(fmt, g[k].ver, idx[j].aff,
						  &vd))
					return -1;
			if (vd.rel > best.rel ||
			    (vd.rel != REL_NONE && vd.rel == best.rel &&
			     tp_version_cmp(fmt, g[k].ver, best_v) < 0)) {
				best = vd;
				best_v = g[k].ver;
			}
		}
		if (best.rel != REL_NONE &&
		    push_finding(out, db, idx[a0].adv, g, ng, best_v, &best))
			return -1;
	}
	return 0;
}

int tp_advisory_match(struct tp_finding_list *out,
		      const struct tp_advisory_db *db, const char *ecosystem,
		      const struct tp_pkg_list *installed, struct tp_err *err)
{
	struct inst *in = NULL;
	enum tp_vfmt fmt;
	bool by_source;
	size_t i, n = 0, e0, e1, start = out->n;
	int rc = 0;

	if (!ecosystem || !tp_adv_ecosystem_vfmt(ecosystem, &fmt, &by_source))
		return tp_err_set(err, TP_EUNSUPPORTED,
				  "no version scheme for ecosystem \"%s\"",
				  ecosystem ? ecosystem : "(null)");
	if (!db || !db->nidx || !installed || !installed->n)
		return 0;
	e0 = lower_bound(db->idx, 0, db->nidx, ecosystem, NULL);
	for (e1 = e0; e1 < db->nidx && !strcmp(db->idx[e1].ecosystem,
					       ecosystem);)
		e1++;
	if (e0 == e1)
		return 0;
	if (!(in = malloc(installed->n * sizeof(*in))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < installed->n; i++) {
		const struct tp_pkg *p = &installed->items[i];

		if (!p->name || !p->version)
			continue;
		in[n].name = p->name;
		if (by_source) {
			in[n].key = p->source ? p->source : p->name;
			in[n].ver = p->source_version ? p->source_version
						      : p->version;
		} else {
			in[n].key = p->name;
			in[n].ver = p->version;
		}
		n++;
	}
	qsort(in, n, sizeof(*in), cmp_inst);
	for (i = 0; i < n && !rc;) {
		size_t j = i, r0, r1;

		while (j < n && !strcmp(in[j].key, in[i].key))
			j++;
		r0 = lower_bound(db->idx, e0, e1, ecosystem, in[i].key);
		for (r1 = r0; r1 < e1 && !strcmp(db->idx[r1].package,
						 in[i].key);)
			r1++;
		if (r0 < r1) {
			struct inst *g = in + i;
			size_t ng = j - i;

			if (match_group(out, db, fmt, db->idx, r0, r1, g, ng))
				rc = tp_err_set(err, TP_ENOMEM,
						"out of memory");
		}
		i = j;
	}
	free(in);
	if (rc) {
		for (i = start; i < out->n; i++)
			finding_clear(&out->items[i]);
		out->n = start;
		return rc;
	}
	if (out->n > start)
		qsort(out->items + start, out->n - start, sizeof(*out->items),
		      cmp_finding);
	return 0;
}
