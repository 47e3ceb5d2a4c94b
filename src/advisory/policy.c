/*
 * policy.c - the policy file (tidepatch-policy(5)): deadlines per release
 * priority, the starting priority of unrated fixes, and the exclusion and
 * mitigation rules; plus the names of priorities and compliance states.
 *
 * Loading works like the inventory's: the file is read bounded
 * (TP_POLICY_FILE_MAX), parsed by jansson with duplicate keys rejected,
 * and checked key by key; every problem is reported with the file and
 * its JSON path (or file:line:col for syntax) and checking goes on, so
 * one run lists everything. Only then is the result moved into the
 * caller's struct: a policy that has problems never half-applies.
 *
 * Trade-off: host patterns are checked for syntax here (no empty terms),
 * but whether their names exist needs an inventory, which the policy
 * does not have; a term that names nothing makes the rule match no host
 * (see policy_eval.c), the conservative direction for both kinds of rule.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adv_int.h"
#include "tidepatch/buf.h"
#include "tidepatch/compliance.h"

/* Largest policy file read; larger is a problem. A policy is a page of
 * hand-written rules: a megabyte is already absurd. */
#define TP_POLICY_FILE_MAX ((size_t)1 << 20)

/* Longest duration accepted: 100 years (36500d) keeps first_seen plus a
 * deadline far from time_t overflow on any 64-bit system. */
#define DURATION_MAX ((int64_t)36500 * 86400)

#define DURATION_MSG                                                      \
	"must be a duration like \"30d\": a positive integer and a unit "  \
	"s, m, h, d or w"
#define UNTIL_MSG "must be a date YYYY-MM-DD or an RFC 3339 time"

static const char *const prio_names[TP_PRIO_COUNT] = { "low", "medium",
						       "high", "emergency" };

static const char *const comp_names[TP_COMP_COUNT] = {
	"installed", "installed_pending_reboot", "missing", "missing_overdue",
	"failed", "rolled_back", "excluded", "not_applicable", "unreachable",
};

const char *tp_priority_name(enum tp_priority p)
{
	return (unsigned)p < TP_PRIO_COUNT ? prio_names[p] : "unknown";
}

int tp_priority_from_name(enum tp_priority *out, const char *name,
			  struct tp_err *err)
{
	size_t i;

	for (i = 0; name && i < TP_PRIO_COUNT; i++) {
		if (!strcmp(name, prio_names[i])) {
			*out = (enum tp_priority)i;
			return 0;
		}
	}
	return tp_err_set(err, TP_EINVAL, "unknown priority \"%s\"",
			  name ? name : "(null)");
}

const char *tp_compliance_name(enum tp_compliance c)
{
	return (unsigned)c < TP_COMP_COUNT ? comp_names[c] : "unknown";
}

int tp_compliance_from_name(enum tp_compliance *out, const char *name,
			    struct tp_err *err)
{
	size_t i;

	for (i = 0; name && i < TP_COMP_COUNT; i++) {
		if (!strcmp(name, comp_names[i])) {
			*out = (enum tp_compliance)i;
			return 0;
		}
	}
	return tp_err_set(err, TP_EINVAL, "unknown compliance state \"%s\"",
			  name ? name : "(null)");
}

/* ---- lifecycle ---- */

void tp_policy_init(struct tp_policy *p)
{
	memset(p, 0, sizeof(*p));
	/* Seeds, Table 13.3, "recommended time frame". */
	p->deadline_s[TP_PRIO_EMERGENCY] = (int64_t)24 * 3600;
	p->deadline_s[TP_PRIO_HIGH] = (int64_t)30 * 86400;
	p->deadline_s[TP_PRIO_MEDIUM] = (int64_t)120 * 86400;
	p->deadline_s[TP_PRIO_LOW] = (int64_t)365 * 86400;
	p->critical_asset_s = (int64_t)72 * 3600;
	p->unknown_severity = TP_PRIO_MEDIUM;
}

static void rules_free(struct tp_policy_rule *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].advisory);
		free(r[i].package);
		free(r[i].hosts);
		free(r[i].reason);
	}
	free(r);
}

void tp_policy_release(struct tp_policy *p)
{
	if (!p)
		return;
	free(p->source);
	rules_free(p->exclude, p->nexclude);
	rules_free(p->mitigate, p->nmitigate);
	tp_policy_init(p);
}

/* ---- loading ---- */

struct ld {
	const char *file;
	struct tp_adv_sink sink;
	size_t nproblems;
};

static void prob(struct ld *ld, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void prob(struct ld *ld, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ld->nproblems++;
	tp_adv_problem(&ld->sink, ld->file, path, 0, 0, "%s", msg);
}

/*
 * "30d" -> seconds. Digits, then exactly one unit; no sign, no spaces,
 * no fractions: a deadline is a policy decision, written plainly.
 * Returns 0, or -1 (malformed), -2 (zero), -3 (longer than DURATION_MAX).
 */
static int parse_duration(const char *s, int64_t *out)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 7 * 86400 },
	};
	int64_t v = 0, mult = 0;
	bool big = false;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > DURATION_MAX)
			big = true;	/* keep scanning; stay in range */
		else
			v = v * 10 + (*s - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*s == units[i].unit)
			mult = units[i].secs;
	if (!mult || s[1])
		return -1;
	if (!big && v == 0)
		return -2;
	if (big || v > DURATION_MAX / mult)
		return -3;
	*out = v * mult;
	return 0;
}

/* Seconds as the largest unit that divides them exactly: "30d", "72h"
 * reads "3d", 90 s reads "90s". For messages only. */
static void fmt_duration(char *buf, size_t size, int64_t s)
{
	if (s % 86400 == 0)
		snprintf(buf, size, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(buf, size, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(buf, size, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no timegm, no TZ environment. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* n decimal digits at s into *out; false unless all n are digits. */
static bool digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * "until": "2027-01-31" is the end of that day UTC (the rule holds
 * through the whole day, so the result is the next midnight), or an RFC
 * 3339 date-time "2027-01-31T18:00:00Z" / "...+01:00" (fractions of a
 * second are accepted and dropped). The rule expires at the result.
 * Returns false when s is neither, or lies before 1970.
 */
static bool parse_until(const char *s, time_t *out)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, oh = 0, om = 0, sign = 0;
	int64_t t;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	s += 10;
	if (!*s) {
		t = (days_from_civil(y, mo, d) + 1) * 86400;
		goto done;
	}
	if ((*s != 'T' && *s != 't') || !digits(s + 1, 2, &hh) ||
	    s[3] != ':' || !digits(s + 4, 2, &mi) || s[6] != ':' ||
	    !digits(s + 7, 2, &ss))
		return false;
	/* 60: a leap second, which RFC 3339 allows; it counts as :59. */
	if (hh > 23 || mi > 59 || ss > 60)
		return false;
	if (ss == 60)
		ss = 59;
	s += 9;
	if (*s == '.') {
		if (!isdigit((unsigned char)s[1]))
			return false;
		for (s++; isdigit((unsigned char)*s); s++)
			;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (!digits(s + 1, 2, &oh) || s[3] != ':' ||
		    !digits(s + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		s += 6;
	} else {
		return false;
	}
	if (*s)
		return false;
	t = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss -
	    sign * (oh * 3600 + om * 60);
done:
	/* 0 means "never expires" in struct tp_policy_rule. */
	if (t <= 0)
		return false;
	if ((int64_t)(time_t)t != t)
		return false;
	*out = (time_t)t;
	return true;
}

/* Host pattern syntax as tp_inventory_select reads it: terms separated
 * by ':' or ',', each optionally prefixed by '&' or '!', none empty. */
static bool valid_hosts(const char *s)
{
	const char *t = s;

	for (;;) {
		size_t n = strcspn(t, ":,");
		size_t pre = (*t == '&' || *t == '!') ? 1 : 0;

		if (n <= pre)
			return false;
		if (!t[n])
			return true;
		t += n + 1;
	}
}

/* A non-empty string member, duplicated into *out; a problem otherwise.
 * Returns -1 only when memory ran out. */
static int rule_string(struct ld *ld, const char *path, json_t *v,
		       char **out)
{
	if (!json_is_string(v)) {
		prob(ld, path, "must be a string");
		return 0;
	}
	if (!*json_string_value(v)) {
		prob(ld, path, "must not be empty");
		return 0;
	}
	if (!(*out = strdup(json_string_value(v))))
		return -1;
	return 0;
}

static int load_rule(struct ld *ld, const char *path, json_t *obj,
		     struct tp_policy_rule *r)
{
	char kp[TP_ADV_PATH_MAX];
	const char *key;
	json_t *v;
	bool bad_target = false, bad_reason = false;

	if (!json_is_object(obj)) {
		prob(ld, path, "must be an object");
		return 0;
	}
	json_object_foreach(obj, key, v) {
		char **dst = NULL;
		size_t before = ld->nproblems;

		tp_inv_path_key(kp, sizeof(kp), path, key);
		if (!strcmp(key, "advisory"))
			dst = &r->advisory;
		else if (!strcmp(key, "package"))
			dst = &r->package;
		else if (!strcmp(key, "hosts"))
			dst = &r->hosts;
		else if (!strcmp(key, "reason"))
			dst = &r->reason;
		if (dst) {
			if (rule_string(ld, kp, v, dst))
				return -1;
			if (ld->nproblems != before) {
				bad_target |= dst != &r->hosts &&
					      dst != &r->reason;
				bad_reason |= dst == &r->reason;
			} else if (dst == &r->hosts && !valid_hosts(r->hosts)) {
				prob(ld, kp, "host pattern \"%s\" has an "
				     "empty term", r->hosts);
			}
		} else if (!strcmp(key, "until")) {
			if (!json_is_string(v) ||
			    !parse_until(json_string_value(v), &r->until))
				prob(ld, kp, UNTIL_MSG);
		} else {
			prob(ld, kp, "unknown key");
		}
	}
	/* Say what is missing once, not again for a key already reported. */
	if (!r->advisory && !r->package && !bad_target)
		prob(ld, path, "missing \"advisory\" or \"package\"");
	if (!r->reason && !bad_reason)
		prob(ld, path, "missing \"reason\"");
	return 0;
}

static int load_rules(struct ld *ld, const char *path, json_t *arr,
		      struct tp_policy_rule **out, size_t *nout)
{
	char ip[TP_ADV_PATH_MAX];
	size_t i, n;

	if (!json_is_array(arr)) {
		prob(ld, path, "must be an array");
		return 0;
	}
	n = json_array_size(arr);
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return -1;
	*nout = n;
	for (i = 0; i < n; i++) {
		tp_adv_pathf(ip, sizeof(ip), "%s[%zu]", path, i);
		if (load_rule(ld, ip, json_array_get(arr, i), &(*out)[i]))
			return -1;
	}
	return 0;
}

static const char *const deadline_keys[] = { "low", "medium", "high",
					     "emergency" };

static void load_deadlines(struct ld *ld, json_t *obj, struct tp_policy *t)
{
	char kp[TP_ADV_PATH_MAX], a[32], b[32];
	bool set[TP_PRIO_COUNT] = { false }, bad = false;
	const char *key;
	json_t *v;
	int i;

	if (!json_is_object(obj)) {
		prob(ld, "$.deadlines", "must be an object");
		return;
	}
	json_object_foreach(obj, key, v) {
		int64_t *dst = NULL, secs = 0;
		int rc;

		tp_inv_path_key(kp, sizeof(kp), "$.deadlines", key);
		for (i = 0; i < TP_PRIO_COUNT; i++)
			if (!strcmp(key, deadline_keys[i])) {
				dst = &t->deadline_s[i];
				set[i] = true;
			}
		if (!strcmp(key, "critical_asset"))
			dst = &t->critical_asset_s;
		if (!dst) {
			prob(ld, kp, "unknown key");
			continue;
		}
		rc = json_is_string(v) ?
			     parse_duration(json_string_value(v), &secs) :
			     -1;
		if (rc == -1)
			prob(ld, kp, DURATION_MSG);
		else if (rc == -2)
			prob(ld, kp, "must be longer than 0");
		else if (rc == -3)
			prob(ld, kp, "must be at most 36500d");
		if (rc) {
			bad = true;
			continue;
		}
		*dst = secs;
	}
	if (bad)
		return;
	/*
	 * A more urgent priority never gets more time than a less urgent
	 * one: "24d" written for "24h" is the typo this catches. Blame the
	 * key the file set (the other one may be a default).
	 */
	for (i = TP_PRIO_EMERGENCY; i > TP_PRIO_LOW; i--) {
		int64_t more = t->deadline_s[i], less = t->deadline_s[i - 1];

		if (more <= less)
			continue;
		fmt_duration(a, sizeof(a), more);
		fmt_duration(b, sizeof(b), less);
		if (set[i - 1]) {
			tp_inv_path_key(kp, sizeof(kp), "$.deadlines",
				 deadline_keys[i - 1]);
			prob(ld, kp, "must not be shorter than the %s "
			     "deadline (%s)", deadline_keys[i], a);
		} else {
			tp_inv_path_key(kp, sizeof(kp), "$.deadlines",
				 deadline_keys[i]);
			prob(ld, kp, "must not be longer than the %s "
			     "deadline (%s)", deadline_keys[i - 1], b);
		}
	}
}

static int load_doc(struct ld *ld, json_t *doc, struct tp_policy *t)
{
	char kp[TP_ADV_PATH_MAX];
	const char *key;
	json_t *v;

	if (!json_is_object(doc)) {
		prob(ld, "$", "must be an object");
		return 0;
	}
	json_object_foreach(doc, key, v) {
		if (!strcmp(key, "deadlines")) {
			load_deadlines(ld, v, t);
		} else if (!strcmp(key, "unknown_severity")) {
			if (!json_is_string(v) ||
			    tp_priority_from_name(&t->unknown_severity,
						  json_string_value(v), NULL))
				prob(ld, "$.unknown_severity",
				     "must be one of low, medium, high, "
				     "emergency");
		} else if (!strcmp(key, "exclude")) {
			if (load_rules(ld, "$.exclude", v, &t->exclude,
				       &t->nexclude))
				return -1;
		} else if (!strcmp(key, "mitigate")) {
			if (load_rules(ld, "$.mitigate", v, &t->mitigate,
				       &t->nmitigate))
				return -1;
		} else {
			tp_inv_path_key(kp, sizeof(kp), "$", key);
			prob(ld, kp, "unknown key");
		}
	}
	return 0;
}

/* Read file (at most TP_POLICY_FILE_MAX bytes) and parse it. *out NULL
 * with 0 returned: a problem was reported (too big, syntax). */
static int read_json(struct ld *ld, json_t **out, struct tp_err *err)
{
	struct tp_buf b;
	struct stat st;
	json_error_t jerr;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!(f = fopen(ld->file, "rb"))) {
		if (errno == ENOENT || errno == ENOTDIR)
			return tp_err_set(err, TP_ENOTFOUND,
					  "no policy at %s", ld->file);
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s",
				  ld->file);
	}
	tp_buf_init(&b, TP_POLICY_FILE_MAX);
	if (fstat(fileno(f), &st) == 0 &&
	    (uintmax_t)st.st_size > (uintmax_t)TP_POLICY_FILE_MAX) {
		rc = TP_ETOOBIG;
	} else {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if ((rc = tp_buf_append(&b, chunk, n, err)))
				break;
		if (!rc && ferror(f))
			rc = tp_err_sys(err, TP_EIO, errno, "cannot read %s",
					ld->file);
	}
	fclose(f);
	if (rc == TP_ETOOBIG) {
		tp_err_clear(err);
		ld->nproblems++;
		tp_adv_problem(&ld->sink, ld->file, NULL, 0, 0,
			       "larger than %zu MiB", TP_POLICY_FILE_MAX >> 20);
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	*out = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!*out) {
		ld->nproblems++;
		tp_adv_problem(&ld->sink, ld->file, NULL,
			       jerr.line < 1 ? 1 : jerr.line,
			       jerr.column < 1 ? 1 : jerr.column, "%s",
			       jerr.text);
	}
out:
	tp_buf_release(&b);
	return rc;
}

int tp_policy_load(struct tp_policy *p, const char *path,
		   struct tp_inv_problems *problems, struct tp_err *err)
{
	struct tp_policy t;
	struct ld ld;
	json_t *doc = NULL;
	int rc;

	/* The file's values go over p's; its rule lists replace p's. */
	t = *p;
	t.source = NULL;
	t.exclude = t.mitigate = NULL;
	t.nexclude = t.nmitigate = 0;
	memset(&ld, 0, sizeof(ld));
	ld.file = path;
	ld.sink.pr = problems;
	if ((rc = read_json(&ld, &doc, err)))
		goto out;
	if (doc && load_doc(&ld, doc, &t))
		ld.sink.oom = true;
	if (ld.sink.oom) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	if (ld.nproblems) {
		rc = tp_err_set(err, TP_ECONFIG, "%zu problem%s in policy %s",
				ld.nproblems, ld.nproblems == 1 ? "" : "s",
				path);
		goto out;
	}
	if (!(t.source = strdup(path))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	free(p->source);
	rules_free(p->exclude, p->nexclude);
	rules_free(p->mitigate, p->nmitigate);
	*p = t;
	memset(&t, 0, sizeof(t)); /* ownership moved */
out:
	free(t.source);
	rules_free(t.exclude, t.nexclude);
	rules_free(t.mitigate, t.nmitigate);
	json_decref(doc);
	return rc;
}
