/*
 * pkg.h - the package domain: installed packages, pending updates, and the
 * package-manager backends that produce them.
 *
 * Backends are pure: they name the commands to run and parse the bytes
 * those commands printed. They never do I/O, so each one is tested from
 * real captured output (tests/fixtures/<backend>/).
 */
#ifndef TIDEPATCH_PKG_H
#define TIDEPATCH_PKG_H

#include <stdbool.h>
#include <stddef.h>

#include "tidepatch/err.h"

/* One installed package. All strings are owned. */
struct tp_pkg {
	char *name;		/* binary package name, "libssl3" */
	char *arch;		/* "amd64", "all", "x86_64", "noarch" */
	char *version;		/* full version, "3.0.20-1~deb12u2" */
	char *source;		/* source package, "openssl" (= name if none) */
	char *source_version;	/* source version (= version if none) */
	bool held;		/* the admin pinned it (dpkg hold, versionlock) */
	bool broken;		/* half-installed, unpacked, half-configured */
};

struct tp_pkg_list {
	struct tp_pkg *items;
	size_t n;
	size_t alloc;
};

/* What applying the pending transaction does to one package. */
enum tp_update_kind {
	TP_UPDATE_UPGRADE,	/* installed -> newer candidate */
	TP_UPDATE_INSTALL,	/* new package pulled in (installed is NULL) */
	TP_UPDATE_DOWNGRADE,	/* candidate older than installed (pinning) */
	TP_UPDATE_REINSTALL,
	TP_UPDATE_REMOVE,	/* package removed (candidate is NULL) */

};

/* One pending update. All strings are owned. */
struct tp_update {
	char *name;
	char *arch;
	char *installed;	/* NULL for TP_UPDATE_INSTALL */
	char *candidate;
	char *source;		/* source package, NULL when not known */
	char *origin;		/* where the candidate comes from, verbatim:
				   "Debian-Security:12/stable-security" */
	bool security;		/* comes from a security pocket */
	enum tp_update_kind kind;
};

struct tp_update_list {
	struct tp_update *items;
	size_t n;
	size_t alloc;
};

/* Release the contents of a list (the struct itself is caller-owned). */
void tp_pkg_list_release(struct tp_pkg_list *list);
void tp_update_list_release(struct tp_update_list *list);

/* Free the strings of one element. */
void tp_pkg_clear(struct tp_pkg *pkg);
void tp_update_clear(struct tp_update *up);

/*
 * Append a zeroed element and return it in *out (owned by the list).
 * TP_ENOMEM on failure.
 */
int tp_pkg_list_push(struct tp_pkg_list *list, struct tp_pkg **out,
		     struct tp_err *err);
int tp_update_list_push(struct tp_update_list *list, struct tp_update **out,
			struct tp_err *err);

/* Find an installed package by name and arch (arch NULL: any). */
const struct tp_pkg *tp_pkg_list_find(const struct tp_pkg_list *list,
				      const char *name, const char *arch);

/*
 * A package-manager backend: the commands to run on a host (as /bin/sh
 * command lines, run with LC_ALL=C) and pure parsers for their output.
 * Curl-vtls style: one const instance per backend.
 */
struct tp_pkg_backend {
	const char *name;		/* "apt" */
	const char *installed_cmd;	/* list installed packages */
	int (*parse_installed)(struct tp_pkg_list *out, const char *data,
			       size_t len, struct tp_err *err);
	const char *updates_cmd;	/* simulate the full upgrade */
	int (*parse_updates)(struct tp_update_list *out, const char *data,
			     size_t len, struct tp_err *err);
	const char *refresh_cmd;	/* refresh repository metadata */
	/*
	 * Newest installed kernel release ("6.1.0-21-amd64") from the
	 * installed list, in *out (owned by the caller; NULL when no kernel
	 * package is installed, e.g. in a container).
	 */
	int (*newest_kernel)(char **out, const struct tp_pkg_list *installed,
			     struct tp_err *err);
};

extern const struct tp_pkg_backend tp_pkg_backend_apt;

/* The backend called name ("apt"), or NULL. */
const struct tp_pkg_backend *tp_pkg_backend_find(const char *name);

/* "upgrade", "install", ...; never NULL. */
const char *tp_update_kind_name(enum tp_update_kind kind);

#endif
