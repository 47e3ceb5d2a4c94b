/*
 * pkg.c - the package lists shared by every backend, and the backend table.
 *
 * Invariants: a list's items[0..n) are initialised elements whose strings
 * are owned by the list; items[n..alloc) are unused. A zeroed list is a
 * valid empty list, so callers may embed lists in memset() structures.
 *
 * Trade-off: tp_pkg_list_find is a linear scan. Lists hold a few thousand
 * packages and lookups happen once per pending update, so a hash table
 * would cost more code than it saves time. Pushing may move items: a
 * pointer from an earlier push is only good until the next one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/pkg.h"

void tp_pkg_clear(struct tp_pkg *pkg)
{
	if (!pkg)
		return;
	free(pkg->name);
	free(pkg->arch);
	free(pkg->version);
	free(pkg->source);
	free(pkg->source_version);
	memset(pkg, 0, sizeof(*pkg));
}

void tp_update_clear(struct tp_update *up)
{
	if (!up)
		return;
	free(up->name);
	free(up->arch);
	free(up->installed);
	free(up->candidate);
	free(up->source);
	free(up->origin);
	memset(up, 0, sizeof(*up));
}

void tp_pkg_list_release(struct tp_pkg_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		tp_pkg_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
	list->alloc = 0;
}

void tp_update_list_release(struct tp_update_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		tp_update_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
	list->alloc = 0;
}

/*
 * Make room for one more element of size elem in *items. Doubling keeps
 * pushes amortised O(1); the overflow checks matter on 32-bit hosts only,
 * but a list grown from remote output must not wrap on any host.
 */
static int grow(void **items, size_t *alloc, size_t n, size_t elem,
		struct tp_err *err)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc : 16;
	while (want <= n) {
		if (want > SIZE_MAX / 2)
			return tp_err_set(err, TP_ENOMEM, "list too long");
		want *= 2;
	}
	if (want > SIZE_MAX / elem)
		return tp_err_set(err, TP_ENOMEM, "list too long");
	p = realloc(*items, want * elem);
	if (!p)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	*items = p;
	*alloc = want;
	return 0;
}

int tp_pkg_list_push(struct tp_pkg_list *list, struct tp_pkg **out,
		     struct tp_err *err)
{
	void *items = list->items;
	int rc;

	*out = NULL;
	rc = grow(&items, &list->alloc, list->n, sizeof(*list->items), err);
	list->items = items;
	if (rc)
		return rc;
	*out = &list->items[list->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

int tp_update_list_push(struct tp_update_list *list, struct tp_update **out,
			struct tp_err *err)
{
	void *items = list->items;
	int rc;

	*out = NULL;
	rc = grow(&items, &list->alloc, list->n, sizeof(*list->items), err);
	list->items = items;
	if (rc)
		return rc;
	*out = &list->items[list->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

const struct tp_pkg *tp_pkg_list_find(const struct tp_pkg_list *list,
				      const char *name, const char *arch)
{
	size_t i;

	if (!list || !name)
		return NULL;
	for (i = 0; i < list->n; i++) {
		const struct tp_pkg *p = &list->items[i];

		if (!p->name || strcmp(p->name, name) != 0)
			continue;
		if (arch && (!p->arch || strcmp(p->arch, arch) != 0))
			continue;
		return p;
	}
	return NULL;
}

const char *tp_update_kind_name(enum tp_update_kind kind)
{
	switch (kind) {
	case TP_UPDATE_UPGRADE:
		return "upgrade";
	case TP_UPDATE_INSTALL:
		return "install";
	case TP_UPDATE_DOWNGRADE:
		return "downgrade";
	case TP_UPDATE_REINSTALL:
		return "reinstall";
	case TP_UPDATE_REMOVE:
		return "remove";
	}
	return "unknown";
}

/* One entry per backend; dnf, zypper and apk join here as they land. */
static const struct tp_pkg_backend *const backends[] = {
	&tp_pkg_backend_apt,
};

const struct tp_pkg_backend *tp_pkg_backend_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}
