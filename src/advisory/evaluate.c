/*
 * evaluate.c - one host's compliance: from its latest scan and what the
 * advisories say about it, the items with priority, deadline and state.
 *
 * Deadlines run from the first sighting of each missing fix on the host
 * (the caller's first_seen object, persisted in the results state), not
 * from the scan at hand: a fix missing for five weeks is overdue at high
 * priority however often the host is scanned. A first sighting is the
 * scan's own time, so evaluating the same results twice gives the same
 * answer.
 *
 * Without advisory data the distro still says which pending updates are
 * security fixes (the security pocket); each becomes an item of unknown
 * severity, so nothing the host is missing goes unreported. With data,
 * such updates still appear when no advisory names their package.
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/compliance.h"
#include "tidepatch/results.h"
#include "tidepatch/scan.h"

static int dup_opt(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = strdup(s)) ? -1 : 0;
}

static int dup_strs(char ***out, size_t *nout, char *const *v, size_t n)
{
	size_t i;

	*out = NULL;
	*nout = 0;
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return -1;
	for (i = 0; i < n; i++) {
		if (!((*out)[i] = strdup(v[i])))
			return -1;
		(*nout)++;
	}
	return 0;
}

static struct tp_comp_item *push_item(struct tp_comp_host *h)
{
	struct tp_comp_item *v;

	v = realloc(h->items, (h->nitems + 1) * sizeof(*v));
	if (!v)
		return NULL;
	h->items = v;
	memset(&v[h->nitems], 0, sizeof(*v));
	return &v[h->nitems++];
}

/* The first_seen key of an item: stable across scans and versions. */
static void item_key(char *buf, size_t size, const struct tp_comp_item *it)
{
	snprintf(buf, size, "%s %s", it->advisory ? it->advisory : "security",
		 it->package);
}

/* Did the host ask for a reboot for one of these packages? */
static bool pending_reboot(const struct tp_scan_result *scan,
			   const struct tp_comp_item *it)
{
	size_t i, k;

	if (!scan->reboot_required && !tp_scan_kernel_reboot_needed(scan))
		return false;
	for (i = 0; i < it->nbinaries; i++) {
		if (tp_scan_kernel_reboot_needed(scan) &&
		    !strncmp(it->binaries[i], "linux-image-", 12))
			return true;
		for (k = 0; k < scan->n_reboot_pkgs; k++)
			if (!strcmp(scan->reboot_pkgs[k], it->binaries[i]))
				return true;
	}
	return false;
}

static int add_finding(struct tp_comp_host *h, const struct tp_finding *f)
{
	struct tp_comp_item *it = push_item(h);

	if (!it || dup_opt(&it->advisory, f->advisory) ||
	    dup_opt(&it->package, f->package) ||
	    dup_strs(&it->binaries, &it->nbinaries, f->binaries,
		     f->nbinaries) ||
	    dup_opt(&it->installed, f->installed) ||
	    dup_opt(&it->fixed, f->fixed) || dup_opt(&it->summary, f->summary) ||
	    dup_strs(&it->cves, &it->ncves, f->cves, f->ncves))
		return -1;
	it->severity = f->severity;
	it->exploited = f->exploited;
	it->state = f->affected ? TP_COMP_MISSING : TP_COMP_INSTALLED;
	return 0;
}

/* Is source package pkg already an affected item (an advisory covers
 * its pending update)? */
static bool covered(const struct tp_comp_host *h, const char *pkg)
{
	size_t i;

	for (i = 0; i < h->nitems; i++)
		if (h->items[i].state == TP_COMP_MISSING &&
		    h->items[i].advisory && !strcmp(h->items[i].package, pkg))
			return true;
	return false;
}

/* Security-pocket updates no advisory accounts for, one item per source
 * package, its binaries gathered. */
static int add_pocket_updates(struct tp_comp_host *h,
			      const struct tp_scan_result *scan)
{
	size_t i, k;

	for (i = 0; i < scan->updates.n; i++) {
		const struct tp_update *u = &scan->updates.items[i];
		const char *src = u->source ? u->source : u->name;
		struct tp_comp_item *it = NULL;
		char **nb;

		if (!u->security || u->kind == TP_UPDATE_REMOVE ||
		    covered(h, src))
			continue;
		for (k = 0; k < h->nitems; k++)
			if (!h->items[k].advisory &&
			    !strcmp(h->items[k].package, src))
				it = &h->items[k];
		if (!it) {
			if (!(it = push_item(h)) ||
			    dup_opt(&it->package, src) ||
			    dup_opt(&it->installed, u->installed) ||
			    dup_opt(&it->fixed, u->candidate))
				return -1;
			it->severity = TP_SEV_UNKNOWN;
			it->state = TP_COMP_MISSING;
		}
		nb = realloc(it->binaries, (it->nbinaries + 1) * sizeof(*nb));
		if (!nb)
			return -1;
		it->binaries = nb;
		if (!(nb[it->nbinaries] = strdup(u->name)))
			return -1;
		it->nbinaries++;
	}
	return 0;
}

static int state_rank(enum tp_compliance s)
{
	static const int rank[TP_COMP_COUNT] = {
		[TP_COMP_MISSING_OVERDUE] = 0, [TP_COMP_FAILED] = 1,
		[TP_COMP_MISSING] = 2, [TP_COMP_ROLLED_BACK] = 3,
		[TP_COMP_UNREACHABLE] = 4,
		[TP_COMP_INSTALLED_PENDING_REBOOT] = 5,
		[TP_COMP_EXCLUDED] = 6, [TP_COMP_INSTALLED] = 7,
		[TP_COMP_NOT_APPLICABLE] = 8,
	};

	return (unsigned)s < TP_COMP_COUNT ? rank[s] : 9;
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct tp_comp_item *a = pa, *b = pb;
	int c;

	if ((c = state_rank(a->state) - state_rank(b->state)))
		return c;
	if (a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((c = strcmp(a->deadline ? a->deadline : "~",
			b->deadline ? b->deadline : "~")))
		return c;
	if ((c = strcmp(a->advisory ? a->advisory : "",
			b->advisory ? b->advisory : "")))
		return c;
	return strcmp(a->package, b->package);
}

/* Priority, first sighting, deadline and final state of one item. */
static int judge(struct tp_comp_item *it, const char *host,
		 const struct tp_scan_result *scan, const struct tp_inv_host *h,
		 const struct tp_inventory *inv, const struct tp_policy *p,
		 json_t *seen, time_t now)
{
	const struct tp_policy_rule *ex, *mit;
	char why[TP_PRIO_WHY_MAX], key[512], buf[32];
	const char *first;
	time_t t0;

	ex = tp_policy_match(p->exclude, p->nexclude, inv, host, it->advisory,
			     it->cves, it->ncves, it->package, now);
	mit = tp_policy_match(p->mitigate, p->nmitigate, inv, host,
			      it->advisory, it->cves, it->ncves, it->package,
			      now);
	it->priority = tp_priority_for(p, it->severity, it->exploited, h, mit,
				       why);
	if (!(it->priority_why = strdup(why)))
		return -1;
	if (it->state == TP_COMP_INSTALLED) {
		if (pending_reboot(scan, it))
			it->state = TP_COMP_INSTALLED_PENDING_REBOOT;
		return 0;
	}
	item_key(key, sizeof(key), it);
	first = json_string_value(json_object_get(seen, key));
	if (!first || tp_time_parse_utc(&t0, first)) {
		first = scan->scanned_at;
		if (!first || tp_time_parse_utc(&t0, first)) {
			t0 = now;
			tp_time_format_utc(buf, sizeof(buf), now);
			first = buf;
		}
		if (json_object_set_new(seen, key, json_string(first)))
			return -1;
	}
	if (!(it->first_seen = strdup(first)))
		return -1;
	tp_time_format_utc(buf, sizeof(buf),
			   t0 + (time_t)tp_policy_deadline_s(p, it->priority,
							     it->severity, h));
	if (!(it->deadline = strdup(buf)))
		return -1;
	if (ex) {
		it->state = TP_COMP_EXCLUDED;
		return dup_opt(&it->note, ex->reason);
	}
	if (tp_time_parse_utc(&t0, it->deadline) == 0 && now > t0)
		it->state = TP_COMP_MISSING_OVERDUE;
	if (mit)
		return dup_opt(&it->note, mit->reason);
	return 0;
}

/* Forget the sightings of fixes that are no longer missing. */
static int prune_seen(json_t *seen, const struct tp_comp_host *out)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(seen, tmp, key, v) {
		size_t i;
		bool keep = false;

		for (i = 0; i < out->nitems && !keep; i++) {
			char k[512];

			if (!out->items[i].first_seen)
				continue;
			item_key(k, sizeof(k), &out->items[i]);
			keep = !strcmp(k, key);
		}
		if (!keep && json_object_del(seen, key))
			return -1;
	}
	return 0;
}

int tp_comp_evaluate_host(struct tp_comp_host *out, const char *name,
			  const struct tp_scan_result *scan,
			  const struct tp_finding_list *findings,
			  const struct tp_inv_host *h,
			  const struct tp_inventory *inv,
			  const struct tp_policy *p, json_t *first_seen,
			  time_t now, struct tp_err *err)
{
	json_t *seen = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!(out->name = strdup(name)))
		goto nomem;
	out->criticality = h ? h->criticality : TP_CRIT_MEDIUM;
	out->exposure = h ? h->exposure : TP_EXPO_INTERNAL;
	if (h && dup_strs(&out->groups, &out->ngroups, h->groups, h->ngroups))
		goto nomem;
	if (!scan) {
		if (!(out->error_code = strdup("not_scanned")) ||
		    !(out->error_message = strdup("no scan of this host in "
						  "the results")))
			goto nomem;
		return 0;
	}
	if (dup_opt(&out->scanned_at, scan->scanned_at) ||
	    dup_opt(&out->ecosystem, scan->os.ecosystem))
		goto nomem;
	if (scan->status) {
		if (!(out->error_code = strdup(tp_errname(scan->status))) ||
		    !(out->error_message = strdup(scan->err.msg)))
			goto nomem;
		return 0;
	}
	out->reachable = true;
	out->reboot_required = scan->reboot_required ||
			       tp_scan_kernel_reboot_needed(scan);
	for (i = 0; findings && i < findings->n; i++)
		if (add_finding(out, &findings->items[i]))
			goto nomem;
	if (add_pocket_updates(out, scan))
		goto nomem;
	seen = json_object_get(first_seen, name);
	if (!json_is_object(seen)) {
		if (!(seen = json_object()) ||
		    json_object_set_new(first_seen, name, seen))
			goto nomem;
	}
	for (i = 0; i < out->nitems; i++)
		if (judge(&out->items[i], name, scan, h, inv, p, seen, now))
			goto nomem;
	if (prune_seen(seen, out))
		goto nomem;
	if (!json_object_size(seen))
		json_object_del(first_seen, name);
	qsort(out->items, out->nitems, sizeof(*out->items), cmp_items);
	for (i = 0; i < out->nitems; i++)
		out->count[out->items[i].state]++;
	return 0;
nomem:
	tp_comp_host_release(out);
	return tp_err_set(err, TP_ENOMEM, "out of memory evaluating %s", name);
}
