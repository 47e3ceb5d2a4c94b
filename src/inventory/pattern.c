/*
 * pattern.c - Ansible-style host patterns over a loaded inventory.
 *
 * Semantics follow Ansible's InventoryManager (order_patterns): all terms
 * are split on ':' and ',', the plain ones are unioned, then each "&term"
 * intersects and each "!term" excludes, whatever their written order; with
 * no plain term the start is "all". So "web:!web2:db" is (web | db) - web2.
 *
 * Two deliberate differences: a term that names no host and no group is
 * an error (Ansible only warns), because a typo in a rollout pattern must
 * not silently shrink the rollout; and there is no "~regex" or "[0:3]"
 * subscript form yet. The result is always in inventory order.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/inventory.h"

static bool in_group(const struct tp_inv_host *h, const char *g)
{
	size_t i;

	if (!strcmp(g, "all"))
		return true;
	for (i = 0; i < h->ngroups; i++)
		if (!strcmp(h->groups[i], g))
			return true;
	return false;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Mark hosts matching one term (without its & or !) in set. */
static int match_term(const struct tp_inventory *inv, const char *t,
		      bool *set, struct tp_err *err)
{
	bool known = false;
	size_t i, g;

	if (!strcmp(t, "all") || !strcmp(t, "*")) {
		for (i = 0; i < inv->nhosts; i++)
			set[i] = true;
		return 0;
	}
	for (i = 0; i < inv->nhosts; i++) {
		const struct tp_inv_host *h = &inv->hosts[i];

		if (has_glob(t) ? !fnmatch(t, h->name, 0) : !strcmp(t, h->name)) {
			set[i] = true;
			known = true;
		}
	}
	for (g = 0; g < inv->ngroups; g++) {
		const char *name = inv->groups[g];

		if (has_glob(t) ? fnmatch(t, name, 0) : strcmp(t, name))
			continue;
		known = true;
		for (i = 0; i < inv->nhosts; i++)
			if (in_group(&inv->hosts[i], name))
				set[i] = true;
	}
	if (!known)
		return tp_err_set(err, TP_ENOTFOUND,
				  "pattern '%s' matches no host or group", t);
	return 0;
}

/* Evaluate the terms of every pattern into result (inv->nhosts flags). */
static int evaluate(const struct tp_inventory *inv, const char *const *pats,
		    size_t npats, bool *result, struct tp_err *err)
{
	bool *tmp = NULL, any_plain = false;
	size_t pass, p, i;
	char *copy = NULL;
	int rc = 0;

	if (!(tmp = calloc(inv->nhosts + 1, sizeof(*tmp))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	memset(result, 0, inv->nhosts * sizeof(*result));
	/* Pass 0: plain terms; 1: "&" terms; 2: "!" terms. */
	for (pass = 0; pass < 3 && !rc; pass++) {
		if (pass == 1 && !any_plain)
			for (i = 0; i < inv->nhosts; i++)
				result[i] = true;
		for (p = 0; p < npats && !rc; p++) {
			char *save = NULL, *t;

			free(copy);
			if (!(copy = strdup(pats[p]))) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				break;
			}
			/* strtok would skip empty terms; find them by hand. */
			for (t = copy; t && !rc; t = save) {
				size_t n = strcspn(t, ":,");
				int kind = *t == '&' ? 1 : *t == '!' ? 2 : 0;
				const char *name = kind ? t + 1 : t;

				save = t[n] ? t + n + 1 : NULL;
				t[n] = '\0';
				if (!*name) {
					rc = tp_err_set(err, TP_EUSAGE,
							"empty term in pattern '%s'",
							pats[p]);
					break;
				}
				if ((size_t)kind != pass)
					continue;
				if (kind == 0)
					any_plain = true;
				memset(tmp, 0, inv->nhosts * sizeof(*tmp));
				if ((rc = match_term(inv, name, tmp, err)))
					break;
				for (i = 0; i < inv->nhosts; i++) {
					if (kind == 0)
						result[i] |= tmp[i];
					else if (kind == 1)
						result[i] &= tmp[i];
					else
						result[i] &= !tmp[i];
				}
			}
		}
	}
	free(copy);
	free(tmp);
	return rc;
}

int tp_inventory_select(const struct tp_inventory *inv,
			const char *const *patterns, size_t npatterns,
			const char *limit, size_t **idx_out, size_t *n_out,
			struct tp_err *err)
{
	static const char *const all[] = { "all" };
	bool *sel = NULL, *lim = NULL;
	size_t *idx = NULL, n = 0, i;
	int rc;

	*idx_out = NULL;
	*n_out = 0;
	if (!npatterns) {
		patterns = all;
		npatterns = 1;
	}
	sel = calloc(inv->nhosts + 1, sizeof(*sel));
	lim = calloc(inv->nhosts + 1, sizeof(*lim));
	idx = calloc(inv->nhosts + 1, sizeof(*idx));
	if (!sel || !lim || !idx) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = evaluate(inv, patterns, npatterns, sel, err)))
		goto out;
	if (limit) {
		if ((rc = evaluate(inv, &limit, 1, lim, err))) {
			tp_err_prefix(err, "--limit");
			goto out;
		}
		for (i = 0; i < inv->nhosts; i++)
			sel[i] &= lim[i];
	}
	for (i = 0; i < inv->nhosts; i++)
		if (sel[i])
			idx[n++] = i;
	*idx_out = idx;
	*n_out = n;
	idx = NULL; /* ownership moved */
out:
	free(idx);
	free(sel);
	free(lim);
	return rc;
}
