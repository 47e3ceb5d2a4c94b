/*
 * policy_eval.c - applying a loaded policy: the release priority of one
 * fix on one host, its deadline, and which exclusion or mitigation rule
 * (if any) covers it.
 *
 * The priority follows the seeds: severity gives the start (003's rating
 * guidance, Table 13.2 to Table 13.3), then Table 13.4's factors move it
 * one step each. The steps are summed first and clamped once, so a
 * mitigation on an exposed host cancels the exposure even when the start
 * is already emergency; clamping after every step would let the order of
 * the factors decide the outcome.
 *
 * Matching never fails: a host pattern that cannot be evaluated (a term
 * naming nothing in this inventory, or no memory) makes its rule match
 * nothing. For an exclusion that keeps the fix counted; for a mitigation
 * it keeps the priority up. Both err towards patching.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/compliance.h"

/* Appends to the caller's why buffer; a text that does not fit ends in
 * "..." rather than being cut silently mid-word. */
struct why {
	char *buf;
	size_t len;
	bool full;
};

static void why_add(struct why *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void why_add(struct why *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w->buf || w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, TP_PRIO_WHY_MAX - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= TP_PRIO_WHY_MAX - w->len) {
		memcpy(w->buf + TP_PRIO_WHY_MAX - 4, "...", 4);
		w->len = TP_PRIO_WHY_MAX - 1;
		w->full = true;
		return;
	}
	w->len += (size_t)n;
}

enum tp_priority tp_priority_for(const struct tp_policy *p,
				 enum tp_severity sev, bool exploited,
				 const struct tp_inv_host *h,
				 const struct tp_policy_rule *mitigation,
				 char why[TP_PRIO_WHY_MAX])
{
	/* Without an inventory entry a host is ordinary: medium, internal. */
	enum tp_criticality crit = h ? h->criticality : TP_CRIT_MEDIUM;
	enum tp_exposure expo = h ? h->exposure : TP_EXPO_INTERNAL;
	struct why w = { why, 0, false };
	enum tp_priority base;
	bool hi_crit, hi_expo, lo_crit, lo_expo;
	int prio;

	if (why)
		why[0] = '\0';
	switch (sev) {
	case TP_SEV_CRITICAL:
		base = TP_PRIO_EMERGENCY;
		break;
	case TP_SEV_IMPORTANT:
		base = TP_PRIO_HIGH;
		break;
	case TP_SEV_MODERATE:
		base = TP_PRIO_MEDIUM;
		break;
	case TP_SEV_LOW:
		base = TP_PRIO_LOW;
		break;
	default:
		base = p ? p->unknown_severity : TP_PRIO_MEDIUM;
		if ((unsigned)base >= TP_PRIO_COUNT)
			base = TP_PRIO_MEDIUM;
		break;
	}
	prio = (int)base;
	why_add(&w, "severity %s -> %s", tp_severity_name(sev),
		tp_priority_name(base));

	/* Table 13.4: high-value or high-exposure assets: raise, once. */
	hi_crit = crit == TP_CRIT_HIGH || crit == TP_CRIT_CRITICAL;
	hi_expo = expo == TP_EXPO_DMZ || expo == TP_EXPO_INTERNET;
	if (hi_crit || hi_expo) {
		prio++;
		why_add(&w, "; raised: ");
		if (hi_crit)
			why_add(&w, "criticality %s%s",
				tp_criticality_name(crit), hi_expo ? ", " : "");
		if (hi_expo)
			why_add(&w, "exposure %s", tp_exposure_name(expo));
	}
	/* 003: a known exploit; Table 13.4: assets targeted by attackers. */
	if (exploited) {
		prio++;
		why_add(&w, "; raised: known exploited");
	}
	/* Table 13.4: mitigating factors in place. */
	if (mitigation) {
		prio--;
		why_add(&w, "; lowered: mitigated (%s)",
			mitigation->reason ? mitigation->reason : "no reason");
	}
	/* Table 13.4: low-value or low-exposure assets: lower, once. */
	lo_crit = crit == TP_CRIT_LOW;
	lo_expo = expo == TP_EXPO_ISOLATED;
	if (lo_crit || lo_expo) {
		prio--;
		why_add(&w, "; lowered: ");
		if (lo_crit)
			why_add(&w, "criticality low%s", lo_expo ? ", " : "");
		if (lo_expo)
			why_add(&w, "exposure isolated");
	}
	if (prio > TP_PRIO_EMERGENCY) {
		prio = TP_PRIO_EMERGENCY;
		why_add(&w, "; clamped to emergency");
	} else if (prio < TP_PRIO_LOW) {
		prio = TP_PRIO_LOW;
		why_add(&w, "; clamped to low");
	}
	return (enum tp_priority)prio;
}

int64_t tp_policy_deadline_s(const struct tp_policy *p, enum tp_priority prio,
			     enum tp_severity sev, const struct tp_inv_host *h)
{
	struct tp_policy defaults;
	int64_t d;

	if (!p) {
		tp_policy_init(&defaults);
		p = &defaults;
	}
	if ((unsigned)prio >= TP_PRIO_COUNT)
		prio = prio < 0 ? TP_PRIO_LOW : TP_PRIO_EMERGENCY;
	d = p->deadline_s[prio];
	/* Table 13.3's note for critical systems: 72 hours at most. */
	if (sev == TP_SEV_CRITICAL && h && h->criticality == TP_CRIT_CRITICAL &&
	    p->critical_asset_s < d)
		d = p->critical_asset_s;
	return d;
}

static bool glob(const char *pattern, const char *s)
{
	return s && fnmatch(pattern, s, 0) == 0;
}

/* Whether host is among what pattern selects in inv (see top comment). */
static bool host_selected(const char *pattern, const struct tp_inventory *inv,
			  const char *host)
{
	const char *pats[1] = { pattern };
	size_t *idx = NULL, n = 0, i;
	bool hit = false;

	if (!inv || !host)
		return false;
	if (tp_inventory_select(inv, pats, 1, NULL, &idx, &n, NULL))
		return false;
	for (i = 0; i < n && !hit; i++)
		hit = !strcmp(inv->hosts[idx[i]].name, host);
	free(idx);
	return hit;
}

const struct tp_policy_rule *tp_policy_match(const struct tp_policy_rule *rules,
					     size_t n,
					     const struct tp_inventory *inv,
					     const char *host,
					     const char *advisory,
					     char *const *cves, size_t ncves,
					     const char *package, time_t now)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct tp_policy_rule *r = &rules[i];

		/* A rule holds until its instant, not at it. */
		if (r->until && now >= r->until)
			continue;
		if (r->advisory) {
			bool hit = glob(r->advisory, advisory);

			for (k = 0; k < ncves && !hit; k++)
				hit = glob(r->advisory, cves[k]);
			if (!hit)
				continue;
		}
		if (r->package && !glob(r->package, package))
			continue;
		/* Last: the only test that costs a host selection. */
		if (r->hosts && !host_selected(r->hosts, inv, host))
			continue;
		return r;
	}
	return NULL;
}
