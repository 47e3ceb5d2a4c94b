/*
 * adv_int.h - what the advisory module's files share and nobody else
 * sees: the loading context, problem reporting, CVSS scoring, severity
 * rating and the database layout.
 */
#ifndef TIDEPATCH_ADV_INT_H
#define TIDEPATCH_ADV_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tidepatch/advisory.h"
#include "tidepatch/version.h"

/* Longest JSON path kept in a problem; longer ones are truncated. */
#define TP_ADV_PATH_MAX 256

/* One problem sink for a load: where to append, and whether memory ran out. */
struct tp_adv_sink {
	struct tp_inv_problems *pr;
	bool oom;
};

void tp_adv_problem(struct tp_adv_sink *s, const char *file,
		    const char *path, int line, int column, const char *fmt,
		    ...) __attribute__((format(printf, 6, 7)));

/* snprintf for JSON paths, which are truncated on purpose when absurdly
 * long (a function, so the compiler does not warn about that). */
void tp_adv_pathf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read a whole file of at most TP_ADV_FILE_MAX bytes and parse it as JSON.
 * *out NULL with 0 returned: a problem was reported (too big, syntax). */
int tp_adv_read_json(json_t **out, const char *file, struct tp_adv_sink *s,
		     struct tp_err *err);

/*
 * Base score of a CVSS vector: v3 takes "CVSS:3.0/..." and "CVSS:3.1/...",
 * v2 the bare "AV:N/AC:L/Au:N/C:P/I:P/A:P" (parentheses allowed). Returns
 * 0 with *out in 0.0-10.0, or -1 with why (a static string) saying what
 * is wrong with the vector.
 */
int tp_adv_cvss3_score(const char *vec, double *out, const char **why);
int tp_adv_cvss2_score(const char *vec, double *out, const char **why);

/*
 * Rate adv from the record rec (a valid OSV record at JSON path recpath of
 * file): sets severity, severity_source and cvss_score as
 * tidepatch-advisories(5) specifies. Invalid vectors and unrecognised
 * ratings are problems; they never make the record invalid.
 */
void tp_adv_rate(struct tp_advisory *adv, json_t *rec, const char *file,
		 const char *recpath, struct tp_adv_sink *s);

/* The version scheme of an ecosystem ("Debian:12" -> deb); false when
 * tidepatch knows none. source_named: the OSV package is the source
 * package (deb, apk) rather than the binary (rpm). */
bool tp_adv_ecosystem_vfmt(const char *ecosystem, enum tp_vfmt *fmt,
			   bool *source_named);

/* One (ecosystem, package) -> (advisory, affected entry) row. */
struct tp_adv_idx {
	const char *ecosystem;	/* borrowed from adv */
	const char *package;
	const struct tp_advisory *adv;
	const struct tp_osv_affected *aff;
};

struct tp_advisory_db {
	struct tp_advisory **advs;	/* sorted by id, owned */
	size_t n;
	size_t alloc;
	struct tp_adv_idx *idx;		/* sorted by ecosystem, package,
					   advisory id; rebuilt per load */
	size_t nidx;
	char **kev;			/* sorted unique CVE ids, owned */
	size_t nkev;
};

int tp_adv_idx_cmp(const void *a, const void *b);

#endif
