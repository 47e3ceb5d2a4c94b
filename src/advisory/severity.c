/*
 * severity.c - one normalised severity per advisory: the distro's own
 * rating when it gives one, else the highest CVSS base score, else
 * unknown (tidepatch-advisories(5), SEVERITY, has the tables).
 *
 * CVSS base scores are computed here from the vector, following the
 * formulas of the FIRST specifications (v2: "A Complete Guide to the
 * Common Vulnerability Scoring System Version 2.0", section 3.2.1; v3.0
 * and v3.1: "Specification Document", section 7 and Appendix A). Only
 * base metrics count; temporal and environmental metrics are validated
 * and ignored, because advisories rate the vulnerability, not a site.
 *
 * Trade-off: a vector the code cannot score is a problem and is ignored,
 * never half-used; a record whose only vector is broken ends up unknown.
 * NEEDSWORK: CVSS v4.0 vectors are not scored (the v4 base score is a
 * lookup over 270 macro vectors plus interpolation); they count as absent.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adv_int.h"

static const char *const sev_names[] = { "unknown", "low", "moderate",
					 "important", "critical" };

const char *tp_severity_name(enum tp_severity sev)
{
	return (unsigned)sev <= TP_SEV_CRITICAL ? sev_names[sev] : "unknown";
}

int tp_severity_from_name(enum tp_severity *out, const char *name,
			  struct tp_err *err)
{
	size_t i;

	for (i = 0; name && i <= TP_SEV_CRITICAL; i++) {
		if (!strcmp(name, sev_names[i])) {
			*out = (enum tp_severity)i;
			return 0;
		}
	}
	return tp_err_set(err, TP_EINVAL, "unknown severity \"%s\"",
			  name ? name : "(null)");
}

/* ---- CVSS vectors ---- */

/*
 * The little arithmetic the formulas need, without libm (the core links
 * with the libraries of the design card only). Scores lie in 0..10.8, so
 * a long long holds every intermediate.
 */
static double dfloor(double x)
{
	long long i = (long long)x;

	return (double)(i - (x < (double)i));
}

static double dceil(double x)
{
	long long i = (long long)x;

	return (double)(i + (x > (double)i));
}

static long long dround(double x)	/* half away from zero */
{
	return x < 0 ? -(long long)(-x + 0.5) : (long long)(x + 0.5);
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static double dpow(double x, int n)
{
	double r = 1.0;

	while (n-- > 0)
		r *= x;
	return r;
}

/* One metric: its name and its allowed values, '|'-separated. */
struct metric {
	const char *name;
	const char *values;
	bool base;
};

#define NMAX 24

/*
 * Split "K:V/K:V/..." against the table: every metric known, none twice,
 * every base metric present (any order: the specifications prefer their
 * order but do not require it). vi[i] gets the index of metric i's value
 * in its list. Returns 0, or -1 with *why.
 */
static int split_vector(const char *s, const struct metric *tab, size_t n,
			int *vi, const char **why)
{
	size_t i;

	for (i = 0; i < n; i++)
		vi[i] = -1;
	if (!*s) {
		*why = "empty vector";
		return -1;
	}
	for (;;) {
		const char *colon = strchr(s, ':');
		const char *end = strchr(s, '/');
		const char *v;
		size_t klen, vlen, k;
		int idx = 0;

		if (!end)
			end = s + strlen(s);
		if (!colon || colon > end) {
			*why = "metric without ':'";
			return -1;
		}
		klen = (size_t)(colon - s);
		vlen = (size_t)(end - colon - 1);
		for (k = 0; k < n; k++)
			if (strlen(tab[k].name) == klen &&
			    !memcmp(tab[k].name, s, klen))
				break;
		if (k == n) {
			*why = "unknown metric";
			return -1;
		}
		if (vi[k] >= 0) {
			*why = "metric given twice";
			return -1;
		}
		for (v = tab[k].values;; idx++) {
			const char *bar = strchr(v, '|');
			size_t len = bar ? (size_t)(bar - v) : strlen(v);

			if (len == vlen && !memcmp(v, colon + 1, vlen))
				break;
			if (!bar) {
				*why = "invalid metric value";
				return -1;
			}
			v = bar + 1;
		}
		vi[k] = idx;
		if (!*end)
			break;
		s = end + 1;
	}
	for (i = 0; i < n; i++) {
		if (tab[i].base && vi[i] < 0) {
			*why = "base metric missing";
			return -1;
		}
	}
	return 0;
}

/* v3 metrics; the base ones first, in the order the weights below use. */
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A };

static const struct metric v3_tab[] = {
	{ "AV", "N|A|L|P", true }, { "AC", "L|H", true },
	{ "PR", "N|L|H", true }, { "UI", "N|R", true },
	{ "S", "U|C", true }, { "C", "H|L|N", true },
	{ "I", "H|L|N", true }, { "A", "H|L|N", true },
	{ "E", "X|U|P|F|H", false }, { "RL", "X|O|T|W|U", false },
	{ "RC", "X|U|R|C", false }, { "CR", "X|L|M|H", false },
	{ "IR", "X|L|M|H", false }, { "AR", "X|L|M|H", false },
	{ "MAV", "X|N|A|L|P", false }, { "MAC", "X|L|H", false },
	{ "MPR", "X|N|L|H", false }, { "MUI", "X|N|R", false },
	{ "MS", "X|U|C", false }, { "MC", "X|N|L|H", false },
	{ "MI", "X|N|L|H", false }, { "MA", "X|N|L|H", false },
};

/*
 * v3.1 Roundup (Appendix A): the smallest number with one decimal that is
 * >= x, computed on an integer so that 4.000000000000001 (a float artefact
 * of a true 4.0) gives 4.0 and not 4.1.
 */
static double roundup31(double x)
{
	long long i = dround(x * 100000.0);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* v3.0 Roundup, as 3.0 defined it and its calculators computed it. */
static double roundup30(double x)
{
	return dceil(x * 10.0) / 10.0;
}

int tp_adv_cvss3_score(const char *vec, double *out, const char **why)
{
	static const double av_w[] = { 0.85, 0.62, 0.55, 0.2 };
	static const double ac_w[] = { 0.77, 0.44 };
	static const double pr_u[] = { 0.85, 0.62, 0.27 };
	static const double pr_c[] = { 0.85, 0.68, 0.5 };
	static const double ui_w[] = { 0.85, 0.62 };
	static const double cia_w[] = { 0.56, 0.22, 0.0 };
	int vi[NMAX];
	double (*roundup)(double);
	double iss, impact, expl, base;
	bool changed;

	if (!strncmp(vec, "CVSS:3.1/", 9))
		roundup = roundup31;
	else if (!strncmp(vec, "CVSS:3.0/", 9))
		roundup = roundup30;
	else {
		*why = "not a CVSS:3.0 or CVSS:3.1 vector";
		return -1;
	}
	if (split_vector(vec + 9, v3_tab, sizeof(v3_tab) / sizeof(v3_tab[0]),
			 vi, why))
		return -1;
	changed = vi[V3_S] == 1;
	iss = 1.0 - (1.0 - cia_w[vi[V3_C]]) * (1.0 - cia_w[vi[V3_I]]) *
			    (1.0 - cia_w[vi[V3_A]]);
	if (changed)
		impact = 7.52 * (iss - 0.029) - 3.25 * dpow(iss - 0.02, 15);
	else
		impact = 6.42 * iss;
	expl = 8.22 * av_w[vi[V3_AV]] * ac_w[vi[V3_AC]] *
	       (changed ? pr_c : pr_u)[vi[V3_PR]] * ui_w[vi[V3_UI]];
	if (impact <= 0)
		base = 0.0;
	else if (changed)
		base = roundup(dmin(1.08 * (impact + expl), 10.0));
	else
		base = roundup(dmin(impact + expl, 10.0));
	*out = base;
	return 0;
}

enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A };

static const struct metric v2_tab[] = {
	{ "AV", "L|A|N", true }, { "AC", "H|M|L", true },
	{ "Au", "M|S|N", true }, { "C", "N|P|C", true },
	{ "I", "N|P|C", true }, { "A", "N|P|C", true },
	{ "E", "U|POC|F|H|ND", false }, { "RL", "OF|TF|W|U|ND", false },
	{ "RC", "UC|UR|C|ND", false }, { "CDP", "N|L|LM|MH|H|ND", false },
	{ "TD", "N|L|M|H|ND", false }, { "CR", "L|M|H|ND", false },
	{ "IR", "L|M|H|ND", false }, { "AR", "L|M|H|ND", false },
};

int tp_adv_cvss2_score(const char *vec, double *out, const char **why)
{
	static const double av_w[] = { 0.395, 0.646, 1.0 };
	static const double ac_w[] = { 0.35, 0.61, 0.71 };
	static const double au_w[] = { 0.45, 0.56, 0.704 };
	static const double cia_w[] = { 0.0, 0.275, 0.660 };
	char buf[256];
	size_t len = strlen(vec);
	int vi[NMAX];
	double impact, expl, base;

	/* NVD writes v2 vectors as "(AV:N/...)"; OSV as "AV:N/...". */
	if (len >= 2 && vec[0] == '(' && vec[len - 1] == ')') {
		vec++;
		len -= 2;
	}
	if (len >= sizeof(buf)) {
		*why = "vector too long";
		return -1;
	}
	memcpy(buf, vec, len);
	buf[len] = '\0';
	if (split_vector(buf, v2_tab, sizeof(v2_tab) / sizeof(v2_tab[0]), vi,
			 why))
		return -1;
	impact = 10.41 * (1.0 - (1.0 - cia_w[vi[V2_C]]) *
					(1.0 - cia_w[vi[V2_I]]) *
					(1.0 - cia_w[vi[V2_A]]));
	expl = 20.0 * av_w[vi[V2_AV]] * ac_w[vi[V2_AC]] * au_w[vi[V2_AU]];
	base = (0.6 * impact + 0.4 * expl - 1.5) * (impact == 0 ? 0 : 1.176);
	/*
	 * "round_to_1_decimal" in the guide: half up. The small nudge keeps a
	 * true x.x5 that floating point holds as x.x4999... from rounding
	 * down; no v2 base score lies within 1e-9 of a half otherwise.
	 */
	base = dfloor(base * 10.0 + 0.5 + 1e-9) / 10.0;
	*out = base < 0 ? 0.0 : base;
	return 0;
}

/* ---- rating a record ---- */

static enum tp_severity from_cvss(double score)
{
	if (score >= 9.0)
		return TP_SEV_CRITICAL;
	if (score >= 7.0)
		return TP_SEV_IMPORTANT;
	if (score >= 4.0)
		return TP_SEV_MODERATE;
	return TP_SEV_LOW;
}

/* One word -> severity: the tables of tidepatch-advisories(5). */
struct word {
	const char *word;
	enum tp_severity sev;
};

static const struct word ubuntu_words[] = {
	{ "critical", TP_SEV_CRITICAL }, { "high", TP_SEV_IMPORTANT },
	{ "medium", TP_SEV_MODERATE }, { "low", TP_SEV_LOW },
	{ "negligible", TP_SEV_LOW }, { "untriaged", TP_SEV_UNKNOWN },
	{ NULL, TP_SEV_UNKNOWN },
};

/* Debian urgency and the "severity" that feeds put in *_specific. */
static const struct word distro_words[] = {
	{ "critical", TP_SEV_CRITICAL }, { "high", TP_SEV_IMPORTANT },
	{ "important", TP_SEV_IMPORTANT }, { "medium", TP_SEV_MODERATE },
	{ "moderate", TP_SEV_MODERATE }, { "low", TP_SEV_LOW },
	{ "unimportant", TP_SEV_LOW }, { "negligible", TP_SEV_LOW },
	{ "not yet assigned", TP_SEV_UNKNOWN }, { "unknown", TP_SEV_UNKNOWN },
	{ "end-of-life", TP_SEV_UNKNOWN }, { NULL, TP_SEV_UNKNOWN },
};

static const struct word summary_words[] = {
	{ "Critical", TP_SEV_CRITICAL }, { "Important", TP_SEV_IMPORTANT },
	{ "Moderate", TP_SEV_MODERATE }, { "Low", TP_SEV_LOW },
	{ NULL, TP_SEV_UNKNOWN },
};

/*
 * Look s up, case-insensitively, ignoring trailing '*' (the Debian
 * tracker marks some urgencies "low*", "medium**"). 1 found, 0 not.
 */
static int lookup_word(const struct word *tab, const char *s,
		       enum tp_severity *out)
{
	size_t len = strlen(s);

	while (len && s[len - 1] == '*')
		len--;
	for (; tab->word; tab++) {
		if (strlen(tab->word) == len && !strncasecmp(tab->word, s, len)) {
			*out = tab->sev;
			return 1;
		}
	}
	return 0;
}

/* The running result of one rating pass. */
struct rating {
	enum tp_severity sev;	/* best found in the current source */
	bool found;		/* a recognised, non-unknown rating */
};

static void consider(struct rating *r, enum tp_severity sev)
{
	if (sev == TP_SEV_UNKNOWN)
		return;
	if (!r->found || sev > r->sev)
		r->sev = sev;
	r->found = true;
}

/* Every severity[] entry of a given type at rec and its affected[]. */
typedef void (*sev_fn)(json_t *entry, const char *file, const char *path,
		       struct tp_adv_sink *s, void *payload);

static void each_severity(json_t *rec, const char *file, const char *recpath,
			  struct tp_adv_sink *s, sev_fn fn, void *payload)
{
	char path[TP_ADV_PATH_MAX], ppath[TP_ADV_PATH_MAX];
	json_t *aff = json_object_get(rec, "affected");
	json_t *list, *e;
	size_t i, j;

	/* The loader has checked the shape: arrays of objects with strings. */
	list = json_object_get(rec, "severity");
	json_array_foreach(list, j, e) {
		tp_adv_pathf(path, sizeof(path), "%s.severity[%zu]", recpath, j);
		fn(e, file, path, s, payload);
	}
	for (i = 0; i < json_array_size(aff); i++) {
		tp_adv_pathf(ppath, sizeof(ppath), "%s.affected[%zu]", recpath, i);
		list = json_object_get(json_array_get(aff, i), "severity");
		json_array_foreach(list, j, e) {
			tp_adv_pathf(path, sizeof(path), "%s.severity[%zu]", ppath,
				 j);
			fn(e, file, path, s, payload);
		}
	}
}

static const char *sev_type(json_t *e)
{
	return json_string_value(json_object_get(e, "type"));
}

static const char *sev_score(json_t *e)
{
	return json_string_value(json_object_get(e, "score"));
}

static void ubuntu_fn(json_t *e, const char *file, const char *path,
		      struct tp_adv_sink *s, void *payload)
{
	enum tp_severity sev;
	const char *t = sev_type(e), *v = sev_score(e);

	if (!t || strcmp(t, "Ubuntu") || !v)
		return;
	if (lookup_word(ubuntu_words, v, &sev))
		consider(payload, sev);
	else
		tp_adv_problem(s, file, path, 0, 0,
			       "unrecognised Ubuntu priority \"%.40s\"", v);
}

struct cvss_best {
	double score;		/* -1: none */
	const char *source;
};

static void cvss_fn(json_t *e, const char *file, const char *path,
		    struct tp_adv_sink *s, void *payload)
{
	struct cvss_best *b = payload;
	const char *t = sev_type(e), *v = sev_score(e), *why = NULL, *src;
	double score;
	int rc;

	if (!t || !v)
		return;
	if (!strcmp(t, "CVSS_V3")) {
		rc = tp_adv_cvss3_score(v, &score, &why);
		src = "cvss_v3";
	} else if (!strcmp(t, "CVSS_V2")) {
		rc = tp_adv_cvss2_score(v, &score, &why);
		src = "cvss_v2";
	} else
		return;		/* CVSS_V4: NEEDSWORK above; others: not ours */
	if (rc) {
		tp_adv_problem(s, file, path, 0, 0, "invalid %s vector: %s",
			       t, why);
		return;
	}
	if (score > b->score) {
		b->score = score;
		b->source = src;
	}
}

/*
 * A "severity" or "urgency" string in the *_specific objects of rec and
 * of its affected[] entries. Values of other types are not ours to judge:
 * the schema leaves these objects to each database.
 */
static void specific(json_t *rec, const char *key, const char *file,
		     const char *recpath, struct tp_adv_sink *s,
		     struct rating *r)
{
	static const char *const objs[] = { "database_specific",
					    "ecosystem_specific" };
	char path[TP_ADV_PATH_MAX];
	json_t *aff = json_object_get(rec, "affected");
	size_t i, k;

	for (i = 0; i <= json_array_size(aff); i++) {
		json_t *holder = i == 0 ? rec : json_array_get(aff, i - 1);

		for (k = 0; k < 2; k++) {
			json_t *v = json_object_get(
				json_object_get(holder, objs[k]), key);
			enum tp_severity sev;

			if (!json_is_string(v))
				continue;
			if (lookup_word(distro_words, json_string_value(v),
					&sev)) {
				consider(r, sev);
				continue;
			}
			if (i == 0)
				tp_adv_pathf(path, sizeof(path), "%s.%s.%s",
					 recpath, objs[k], key);
			else
				tp_adv_pathf(path, sizeof(path),
					 "%s.affected[%zu].%s.%s", recpath,
					 i - 1, objs[k], key);
			tp_adv_problem(s, file, path, 0, 0,
				       "unrecognised %s \"%.40s\"", key,
				       json_string_value(v));
		}
	}
}

/* "Important: openssl security update" -> important. */
static void summary_prefix(const char *summary, struct rating *r)
{
	const char *colon = summary ? strchr(summary, ':') : NULL;
	char word[16];
	enum tp_severity sev;
	size_t len;

	if (!colon || (len = (size_t)(colon - summary)) >= sizeof(word))
		return;
	memcpy(word, summary, len);
	word[len] = '\0';
	/* Exact case: "low: ..." is prose more often than a rating. */
	for (const struct word *w = summary_words; w->word; w++) {
		if (!strcmp(w->word, word)) {
			sev = w->sev;
			consider(r, sev);
			return;
		}
	}
}

void tp_adv_rate(struct tp_advisory *adv, json_t *rec, const char *file,
		 const char *recpath, struct tp_adv_sink *s)
{
	struct rating ubuntu = { TP_SEV_UNKNOWN, false };
	struct rating vendor = ubuntu, urgency = ubuntu, summary = ubuntu;
	struct cvss_best best = { -1.0, NULL };

	/*
	 * Every source is read even when a better one decides, so that a
	 * broken vector or an unknown word is reported whatever else the
	 * record says: a feed is reviewed once, not once per fix.
	 */
	each_severity(rec, file, recpath, s, cvss_fn, &best);
	each_severity(rec, file, recpath, s, ubuntu_fn, &ubuntu);
	specific(rec, "severity", file, recpath, s, &vendor);
	specific(rec, "urgency", file, recpath, s, &urgency);
	summary_prefix(adv->summary, &summary);

	adv->severity = TP_SEV_UNKNOWN;
	adv->severity_source = "none";
	adv->cvss_score = -1.0;
	if (ubuntu.found) {
		adv->severity = ubuntu.sev;
		adv->severity_source = "ubuntu_priority";
	} else if (vendor.found) {
		adv->severity = vendor.sev;
		adv->severity_source = "vendor";
	} else if (urgency.found) {
		adv->severity = urgency.sev;
		adv->severity_source = "debian_urgency";
	} else if (summary.found) {
		adv->severity = summary.sev;
		adv->severity_source = "summary";
	} else if (best.source) {
		/* cvss_score is "the vector used": only kept when it decides */
		adv->severity = from_cvss(best.score);
		adv->severity_source = best.source;
		adv->cvss_score = best.score;
	}
}
