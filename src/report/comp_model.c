/*
 * comp_model.c - the compliance report model: owning hosts, the totals,
 * and the views of it several writers share.
 *
 * Invariant: r->by_state_severity and r->missing_by_priority are exactly
 * the sums over r->hosts[*].items, because tp_comp_report_add is the only
 * way in. Hosts are counted from their items, never from h->count, so a
 * writer's per-host numbers and the totals cannot disagree.
 *
 * The hosts array has no capacity field (the struct is a contract); it
 * grows to the next power of two, so adding n hosts copies O(n).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void item_release(struct tp_comp_item *it)
{
	free(it->advisory);
	free(it->package);
	strv_free(it->binaries, it->nbinaries);
	free(it->installed);
	free(it->fixed);
	free(it->summary);
	strv_free(it->cves, it->ncves);
	free(it->priority_why);
	free(it->first_seen);
	free(it->deadline);
	free(it->note);
}

void tp_comp_host_release(struct tp_comp_host *h)
{
	size_t i;

	if (!h)
		return;
	free(h->name);
	free(h->scanned_at);
	free(h->error_code);
	free(h->error_message);
	free(h->ecosystem);
	strv_free(h->groups, h->ngroups);
	for (i = 0; h->items && i < h->nitems; i++)
		item_release(&h->items[i]);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

void tp_comp_report_release(struct tp_comp_report *r)
{
	size_t i;

	if (!r)
		return;
	free(r->generated_at);
	for (i = 0; r->hosts && i < r->nhosts; i++)
		tp_comp_host_release(&r->hosts[i]);
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}

/* Whether the array is full: its capacity is implied by nhosts (0, then
 * 4, then each power of two from 4 up). */
static bool hosts_full(size_t n)
{
	return n == 0 || (n >= 4 && !(n & (n - 1)));
}

int tp_comp_report_add(struct tp_comp_report *r, struct tp_comp_host *h,
		       struct tp_err *err)
{
	size_t i;

	for (i = 0; i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];

		/* Out-of-range enums would index past the arrays: they can
		 * only come from a bug, but the report is persisted. */
		if ((unsigned)it->state >= TP_COMP_COUNT ||
		    (unsigned)it->severity > TP_SEV_CRITICAL ||
		    (unsigned)it->priority >= TP_PRIO_COUNT)
			return tp_err_set(err, TP_EINVAL,
					  "%s: item %zu has an invalid state, "
					  "severity or priority",
					  h->name ? h->name : "?", i);
	}
	if (hosts_full(r->nhosts)) {
		size_t cap = r->nhosts ? r->nhosts * 2 : 4;
		struct tp_comp_host *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		v = realloc(r->hosts, cap * sizeof(*v));
		if (!v)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		r->hosts = v;
	}
	for (i = 0; i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];

		r->by_state_severity[it->state][it->severity]++;
		if (tp_rc_missing(it->state))
			r->missing_by_priority[it->priority]++;
	}
	r->hosts[r->nhosts++] = *h;
	memset(h, 0, sizeof(*h)); /* ownership moved */
	return 0;
}

static bool in_group(const struct tp_comp_host *h, const char *group)
{
	size_t i;

	if (!strcmp(group, "all"))
		return true;
	for (i = 0; i < h->ngroups; i++)
		if (h->groups[i] && !strcmp(h->groups[i], group))
			return true;
	return false;
}

void tp_comp_count_group(const struct tp_comp_report *r, const char *group,
			 size_t out[TP_COMP_COUNT])
{
	size_t i, j;

	memset(out, 0, TP_COMP_COUNT * sizeof(out[0]));
	for (i = 0; group && i < r->nhosts; i++) {
		const struct tp_comp_host *h = &r->hosts[i];

		if (!in_group(h, group))
			continue;
		for (j = 0; j < h->nitems; j++)
			if ((unsigned)h->items[j].state < TP_COMP_COUNT)
				out[h->items[j].state]++;
	}
}

bool tp_rc_missing(enum tp_compliance state)
{
	return state == TP_COMP_MISSING || state == TP_COMP_MISSING_OVERDUE;
}

bool tp_rc_fix_absent(enum tp_compliance state)
{
	return tp_rc_missing(state) || state == TP_COMP_FAILED ||
	       state == TP_COMP_ROLLED_BACK;
}

void tp_rc_host_row(const struct tp_comp_host *h, struct tp_rc_row *row)
{
	size_t i;

	memset(row, 0, sizeof(*row));
	for (i = 0; i < h->nitems; i++) {
		const struct tp_comp_item *it = &h->items[i];

		if (!tp_rc_missing(it->state))
			continue;
		if ((unsigned)it->severity <= TP_SEV_CRITICAL)
			row->sev[it->severity]++;
		if (it->state == TP_COMP_MISSING_OVERDUE)
			row->overdue++;
	}
}

size_t *tp_rc_host_order(const struct tp_comp_report *r)
{
	size_t *idx, i, n = 0;
	int pass;

	idx = calloc(r->nhosts ? r->nhosts : 1, sizeof(*idx));
	if (!idx)
		return NULL;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->nhosts; i++) {
			struct tp_rc_row row;

			tp_rc_host_row(&r->hosts[i], &row);
			if ((row.overdue > 0) == (pass == 0))
				idx[n++] = i;
		}
	return idx;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **tp_rc_groups(const struct tp_comp_report *r, size_t *n)
{
	const char **v = NULL;
	size_t total = 0, i, j, k = 0;

	*n = 0;
	for (i = 0; i < r->nhosts; i++)
		total += r->hosts[i].ngroups;
	if (!total)
		return NULL;
	if (!(v = malloc(total * sizeof(*v)))) {
		*n = SIZE_MAX;
		return NULL;
	}
	for (i = 0; i < r->nhosts; i++)
		for (j = 0; j < r->hosts[i].ngroups; j++)
			v[k++] = r->hosts[i].groups[j];
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0, j = 0; i < k; i++)
		if (!j || strcmp(v[j - 1], v[i]))
			v[j++] = v[i];
	*n = j;
	return v;
}
