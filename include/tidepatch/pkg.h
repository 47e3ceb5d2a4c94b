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
	/* Rollout steps (stage, keep, apply, roll back); NULL if none. */
	const struct tp_pkg_rollout *rollout;
};

extern const struct tp_pkg_backend tp_pkg_backend_apt;

/* ------------------------------------------------------------------ */
/* Rollouts (issue 5): stage, keep for rollback, apply, roll back      */
/* ------------------------------------------------------------------ */

/*
 * One exact package version to act on. Borrowed strings, valid for the
 * call. name and arch are checked with dpkg's rules (name
 * [A-Za-z0-9][A-Za-z0-9+.-]*, without the '_' that dpkg allows but
 * policy forbids; arch [A-Za-z0-9][A-Za-z0-9-]*); version
 * must pass tp_version_check for the backend's format and hold only
 * [A-Za-z0-9.+~:-] (no blanks). Anything else is TP_EINVAL before a byte
 * of shell is written. arch is required (stage, keep, apply) except for
 * queries, where NULL means "any". version NULL means "not installed"
 * (a package the update pulled in: rollback removes it).
 */
struct tp_pkg_pin {
	const char *name;	/* "tp-libfoo" */
	const char *arch;	/* "all", "amd64" */
	const char *version;	/* "1:2.38.1-5+deb12u3" */
};

/* How a package file got into its directory on the host. */
enum tp_pkg_file_how {
	TP_PKG_FILE_STAGED,	/* downloaded from the repository to stage */
	TP_PKG_FILE_DOWNLOADED,	/* kept: the old version, downloaded */
	TP_PKG_FILE_REBUILT,	/* kept: rebuilt from the installed files */
	TP_PKG_FILE_PRESENT,	/* kept: already there from an earlier try */
};

/* One package file on a host, as its stage or keep step reported it. */
struct tp_pkg_file {
	char *name;		/* owned; the pin's name, arch, version */
	char *arch;
	char *version;
	char *filename;		/* owned; base name in the directory */
	char sha256[65];	/* lowercase hex, NUL-terminated */
	unsigned long long size;	/* bytes */
	enum tp_pkg_file_how how;
};

struct tp_pkg_file_list {
	struct tp_pkg_file *items;	/* items[i] is the file of pins[i] */
	size_t n;
	size_t alloc;
};

/* Installed version differing from a pin (see tp_pkg_verify_pins). */
struct tp_pkg_mismatch {
	char *name;		/* owned */
	char *arch;		/* owned; NULL when the pin had none */
	char *want;		/* owned; NULL: must not be installed */
	char *got;		/* owned; NULL: not installed */
	bool broken;		/* installed but half-configured etc. */
};

struct tp_pkg_mismatch_list {
	struct tp_pkg_mismatch *items;
	size_t n;
	size_t alloc;
};

/* Most pins one command takes; more is TP_EINVAL. */
#define TP_PKG_PINS_MAX 4096
/* Longest directory accepted for stage and rollback files. */
#define TP_PKG_DIR_MAX 200

/*
 * The rollout steps of a backend. Same rules as the rest of the backend:
 * the *_cmd functions build a /bin/sh command line (run as root with
 * LC_ALL=C; caller frees *out; TP_EINVAL for a bad pin or dir, TP_ENOMEM)
 * and the parsers are pure (out must start empty, TP_EINVAL if not; on
 * error it is left empty). Logs go to stderr; stdout is for the parser.
 *
 * dir is an absolute path of [A-Za-z0-9._+/-] without "." or ".."
 * components, at most TP_PKG_DIR_MAX bytes, one per run and step, e.g.
 * /var/cache/tidepatch/stage/<run-id> and .../rollback/<run-id>; the
 * commands create it.
 */
struct tp_pkg_rollout {
	/*
	 * Download exactly pins[0..n) (no dependencies, nothing installed)
	 * into dir and print one line per file: "sha256 size filename".
	 * Exits non-zero when a version cannot be downloaded.
	 */
	int (*stage_cmd)(char **out, const char *dir,
			 const struct tp_pkg_pin *pins, size_t n,
			 struct tp_err *err);
	/*
	 * Parse stage_cmd's output into out, one file per pin in pin order
	 * (how = STAGED). TP_ENOTFOUND: a pin has no file; TP_EPARSE: a
	 * malformed line, a file no pin asked for, a file twice.
	 */
	int (*parse_stage)(struct tp_pkg_file_list *out,
			   const struct tp_pkg_pin *pins, size_t n,
			   const char *data, size_t len, struct tp_err *err);
	/*
	 * Save the package files of the installed versions pins[0..n) into
	 * dir, even when no repository has them any more, and print one
	 * line per file: "sha256 size filename how". Exits non-zero when a
	 * package can be neither downloaded nor rebuilt.
	 */
	int (*keep_cmd)(char **out, const char *dir,
			const struct tp_pkg_pin *pins, size_t n,
			struct tp_err *err);
	/* As parse_stage, for keep_cmd's lines (how from the line). */
	int (*parse_keep)(struct tp_pkg_file_list *out,
			  const struct tp_pkg_pin *pins, size_t n,
			  const char *data, size_t len, struct tp_err *err);
	/*
	 * Check files[0..n) in dir against their sha256 (a differing file
	 * fails before anything is installed), install exactly them in one
	 * transaction from no other source, then print query_cmd's output
	 * for them; exits with the install's status.
	 */
	int (*apply_cmd)(char **out, const char *dir,
			 const struct tp_pkg_file *files, size_t n,
			 struct tp_err *err);
	/*
	 * As apply_cmd for the kept files (downgrades allowed), and remove
	 * the packages remove[0..nremove) (pins with version NULL) in the
	 * same transaction. n + nremove must not be 0.
	 */
	int (*rollback_cmd)(char **out, const char *dir,
			    const struct tp_pkg_file *files, size_t n,
			    const struct tp_pkg_pin *remove, size_t nremove,
			    struct tp_err *err);
	/* Print the installed state of the packages named by pins. */
	int (*query_cmd)(char **out, const struct tp_pkg_pin *pins, size_t n,
			 struct tp_err *err);
	/*
	 * Parse query_cmd's output (and apply_cmd's, rollback_cmd's) into
	 * the installed packages among pins (source = name, source_version
	 * = version). TP_EPARSE: malformed, or a package no pin named.
	 */
	int (*parse_query)(struct tp_pkg_list *out,
			   const struct tp_pkg_pin *pins, size_t n,
			   const char *data, size_t len, struct tp_err *err);
};

extern const struct tp_pkg_rollout tp_pkg_rollout_apt;

void tp_pkg_file_clear(struct tp_pkg_file *f);
void tp_pkg_file_list_release(struct tp_pkg_file_list *list);
void tp_pkg_mismatch_list_release(struct tp_pkg_mismatch_list *list);

/* The pin a file was made for (borrowing the file's strings). */
struct tp_pkg_pin tp_pkg_file_pin(const struct tp_pkg_file *f);

/*
 * Compare what is installed with what should be: one mismatch per pin
 * whose package is missing, at another version, broken, or (version
 * NULL) still installed. A pin without arch, or with arch "all",
 * matches the package of any arch. out must start empty (TP_EINVAL);
 * out->n == 0 means every pin holds. TP_ENOMEM.
 */
int tp_pkg_verify_pins(struct tp_pkg_mismatch_list *out,
		       const struct tp_pkg_list *installed,
		       const struct tp_pkg_pin *pins, size_t n,
		       struct tp_err *err);

/*
 * True when host holds exactly the files of ref (same file names, sizes
 * and sha256), as a wave must have what its canary had. Otherwise false,
 * with the first difference written to why (may be NULL).
 */
bool tp_pkg_files_match(const struct tp_pkg_file_list *ref,
			const struct tp_pkg_file_list *host, char *why,
			size_t why_size);

/*
 * Debian's file name for a package, as apt and dpkg-name write it:
 * "name_version_arch.deb" with the epoch colon written %3a
 * ("bsdutils_1%3a2.38.1-5_amd64.deb"). Caller frees *out. TP_EINVAL for
 * a name, version or arch outside the pin rules; TP_ENOMEM.
 */
int tp_pkg_deb_filename(char **out, const char *name, const char *version,
			const char *arch, struct tp_err *err);

/* The backend called name ("apt"), or NULL. */
const struct tp_pkg_backend *tp_pkg_backend_find(const char *name);

/* "upgrade", "install", ...; never NULL. */
const char *tp_update_kind_name(enum tp_update_kind kind);

#endif
