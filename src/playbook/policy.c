/*
 * policy.c - the pure questions the rollout engine asks a playbook: wave
 * sizes, failure budgets, the maintenance window, update selection, and
 * the duration syntax shared with the loader.
 *
 * Invariants: no I/O, no clock (now is always a parameter), no
 * allocation except the wave-size array. Percentages are kept in
 * hundredths of a percent and compared in integers, so "at exactly the
 * limit" means exactly, with no floating-point rounding at the edge.
 *
 * Trade-off: the window is evaluated on the wall clock of its time zone
 * (gmtime_r or localtime_r). With "local", a DST jump can make an opening
 * an hour shorter or longer; that is what a person reading "02:00-04:00"
 * expects, and UTC is the default for anyone who cares.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tidepatch/playbook.h"

/* ---- durations ---- */

int tp_playbook_duration_parse(unsigned *seconds_out, const char *s,
			       struct tp_err *err)
{
	unsigned long long v = 0, mult;
	const char *p = s;

	if (!s || !*s)
		return tp_err_set(err, TP_EINVAL, "empty duration");
	if (!isdigit((unsigned char)*p))
		return tp_err_set(err, TP_EINVAL,
				  "'%s' is not a duration: a whole number and "
				  "a unit s, m, h or d (\"10m\")", s);
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		/* Stop early so that a long digit string cannot wrap. */
		if (v > TP_PLAYBOOK_DURATION_MAX)
			return tp_err_set(err, TP_EINVAL,
					  "'%s' is longer than 366 days", s);
	}
	switch (*p) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case '\0':
		return tp_err_set(err, TP_EINVAL,
				  "'%s' needs a unit: s, m, h or d", s);
	default:
		if (*p == '.' || *p == ',')
			return tp_err_set(err, TP_EINVAL,
					  "'%s' is not a whole number of a "
					  "unit (\"90m\", not \"1.5h\")", s);
		return tp_err_set(err, TP_EINVAL,
				  "'%s' has an unknown unit (s, m, h or d)", s);
	}
	if (p[1])
		return tp_err_set(err, TP_EINVAL,
				  "'%s' is not a duration: one number and one "
				  "unit s, m, h or d (\"90m\", not \"1h30m\")",
				  s);
	if (v * mult > TP_PLAYBOOK_DURATION_MAX)
		return tp_err_set(err, TP_EINVAL, "'%s' is longer than 366 days",
				  s);
	*seconds_out = (unsigned)(v * mult);
	return 0;
}

/* ---- waves ---- */

bool tp_playbook_is_canary(const struct tp_playbook *pb,
			   const char *host_name)
{
	const struct tp_pb_wave *w;
	size_t i;

	if (!pb->nwaves || pb->waves[0].kind != TP_PB_WAVE_CANARY)
		return false;
	w = &pb->waves[0];
	for (i = 0; i < w->ncanary; i++)
		if (!fnmatch(w->canary[i], host_name, 0))
			return true;
	return false;
}

/* ceil(bp/10000 * n) without overflow for any realistic n. */
static size_t percent_ceil(unsigned bp, size_t n)
{
	size_t q = n / 10000, r = n % 10000;

	return q * bp + (r * bp + 9999) / 10000;
}

/* floor(bp/10000 * n), same care. */
static size_t percent_floor(unsigned bp, size_t n)
{
	size_t q = n / 10000, r = n % 10000;

	return q * bp + r * bp / 10000;
}

int tp_playbook_wave_sizes(const struct tp_playbook *pb, size_t nhosts,
			   size_t ncanary, size_t **sizes_out,
			   size_t *nwaves_out, struct tp_err *err)
{
	bool has_canary = pb->nwaves && pb->waves[0].kind == TP_PB_WAVE_CANARY;
	size_t *sizes = NULL, n = 0, done = 0, i;

	*sizes_out = NULL;
	*nwaves_out = 0;
	if (ncanary > nhosts)
		return tp_err_set(err, TP_EINVAL, "%zu canaries among %zu hosts",
				  ncanary, nhosts);
	if (ncanary && !has_canary)
		return tp_err_set(err, TP_EINVAL,
				  "%zu canaries but the playbook has no canary "
				  "list", ncanary);
	if (has_canary && !ncanary && nhosts)
		return tp_err_set(err, TP_ENOTFOUND,
				  "no targeted host matches the canary list");
	if (!nhosts)
		return 0;
	if (!(sizes = calloc(pb->nwaves, sizeof(*sizes))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < pb->nwaves && done < nhosts; i++) {
		const struct tp_pb_wave *w = &pb->waves[i];
		size_t left = nhosts - done, size;

		if (i == pb->nwaves - 1) {
			size = left;
		} else if (w->kind == TP_PB_WAVE_CANARY) {
			size = ncanary;
		} else if (w->kind == TP_PB_WAVE_COUNT) {
			size = w->count;
		} else {
			size_t upto = percent_ceil(w->bp, nhosts);

			size = upto > done ? upto - done : 1;
		}
		if (size > left)
			size = left;
		if (size == 0)	/* a count of 0 cannot load; stay safe */
			size = 1;
		sizes[n++] = size;
		done += size;
	}
	*sizes_out = sizes;
	*nwaves_out = n;
	return 0;
}

/* ---- budgets ---- */

bool tp_playbook_limit_exceeded(const struct tp_pb_limit *lim, size_t count,
				size_t base)
{
	if (!lim->percent)
		return count > lim->value;
	/* count > P% of base  <=>  count > floor(P% of base), count whole. */
	return count > percent_floor(lim->value, base);
}

int tp_playbook_budget_exceeded(const struct tp_pb_budget *budget,
				size_t failed, size_t unreachable, size_t base)
{
	int r = 0;

	if (tp_playbook_limit_exceeded(&budget->max_failed, failed, base))
		r |= TP_PB_BUDGET_FAILED;
	if (tp_playbook_limit_exceeded(&budget->max_unreachable, unreachable,
				       base))
		r |= TP_PB_BUDGET_UNREACHABLE;
	return r;
}

/* ---- maintenance window ---- */

static bool day_listed(const struct tp_pb_window *w, int wday)
{
	return (w->days >> (((wday % 7) + 7) % 7)) & 1u;
}

bool tp_playbook_window_open(const struct tp_playbook *pb, time_t now)
{
	const struct tp_pb_window *w = &pb->window;
	struct tm tm;
	int m;

	if (!w->set)
		return true;
	if (!(w->utc ? gmtime_r(&now, &tm) : localtime_r(&now, &tm)))
		return false;
	m = tm.tm_hour * 60 + tm.tm_min;
	if (w->start < w->end)
		return day_listed(w, tm.tm_wday) && m >= w->start &&
		       m < w->end;
	/* Wraps midnight: today's opening, or yesterday's still running. */
	return (day_listed(w, tm.tm_wday) && m >= w->start) ||
	       (day_listed(w, tm.tm_wday - 1) && m < w->end);
}

/* The time at minute-of-day mod on the day `days` after base's day. */
static time_t at(const struct tm *base, int days, int mod, bool utc,
		 int *wday_out)
{
	struct tm tm = *base;
	time_t t;

	tm.tm_mday += days;
	tm.tm_hour = mod / 60;
	tm.tm_min = mod % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	*wday_out = tm.tm_wday;	/* both normalise tm */
	return t;
}

int tp_playbook_window_next(const struct tp_playbook *pb, time_t now,
			    time_t *opens_out, time_t *closes_out,
			    struct tp_err *err)
{
	const struct tp_pb_window *w = &pb->window;
	struct tm base;
	int k;

	if (!w->set) {
		*opens_out = now;
		*closes_out = (time_t)-1;
		return 0;
	}
	if (!(w->utc ? gmtime_r(&now, &base) : localtime_r(&now, &base)))
		return tp_err_set(err, TP_EINVAL, "time out of range");
	/*
	 * Openings never overlap (each is shorter than a day and there is
	 * one per day), so in day order the first that has not closed yet
	 * is the answer. Start from yesterday for one that wraps midnight.
	 */
	for (k = -1; k <= 8; k++) {
		int wday, wd2;
		time_t o = at(&base, k, w->start, w->utc, &wday);
		time_t c = at(&base, k + (w->end <= w->start), w->end, w->utc,
			      &wd2);

		if (!day_listed(w, wday) || c <= now)
			continue;
		*opens_out = o <= now ? now : o;
		*closes_out = c;
		return 0;
	}
	return tp_err_set(err, TP_ENOTFOUND,
			  "the maintenance window never opens");
}

/* ---- selection ---- */

static bool any_match(char *const *globs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!fnmatch(globs[i], name, 0))
			return true;
	return false;
}

bool tp_playbook_package_selected(const struct tp_playbook *pb,
				  const char *name, bool is_security,
				  enum tp_severity severity)
{
	if (pb->security_only && !is_security)
		return false;
	if (severity < pb->min_severity)
		return false;
	if (pb->ninclude && !any_match(pb->include, pb->ninclude, name))
		return false;
	return !any_match(pb->exclude, pb->nexclude, name);
}

bool tp_playbook_advisory_selected(const struct tp_playbook *pb,
				   const char *const *ids, size_t nids)
{
	size_t i, j;

	if (!pb->nadvisories)
		return true;
	for (i = 0; i < nids; i++)
		for (j = 0; j < pb->nadvisories; j++)
			if (!strcasecmp(ids[i], pb->advisories[j]))
				return true;
	return false;
}

/* ---- names ---- */

const char *tp_pb_order_name(enum tp_pb_order o)
{
	static const char *const names[] = { "criticality", "inventory",
					     "name" };

	return (unsigned)o < 3 ? names[o] : "unknown";
}

const char *tp_pb_reboot_name(enum tp_pb_reboot r)
{
	static const char *const names[] = { "never", "if-required",
					     "always" };

	return (unsigned)r < 3 ? names[r] : "unknown";
}

const char *tp_pb_on_failure_name(enum tp_pb_on_failure f)
{
	static const char *const names[] = { "rollback-host", "halt",
					     "rollback-wave" };

	return (unsigned)f < 3 ? names[f] : "unknown";
}

const char *tp_pb_event_name(unsigned event)
{
	static const char *const names[] = {
		"rollout-start", "wave-start", "host-done", "host-failed",
		"host-unreachable", "wave-end", "budget-exceeded",
		"approval-wait", "window-wait", "rollout-end",
	};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (event == 1u << i)
			return names[i];
	return "unknown";
}
