/*
 * advisory.h - security advisories (OSV records), their normalised
 * severity, a known-exploited list (CISA KEV), and matching them against
 * what a host has installed: the Identify phase.
 *
 * The formats and the severity mapping are specified in
 * tidepatch-advisories(5); this header states the C contract only.
 * Loading validates every record and reports every problem with its place
 * (file and JSON path), like the inventory: advisory feeds are committed
 * beside the inventory and reviewed as git changes.
 */
#ifndef TIDEPATCH_ADVISORY_H
#define TIDEPATCH_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>

#include "tidepatch/err.h"
#include "tidepatch/inventory.h"	/* struct tp_inv_problems */
#include "tidepatch/pkg.h"

/* Largest advisory or KEV file read; larger is a problem. */
#define TP_ADV_FILE_MAX ((size_t)64 << 20)

/* Normalised vendor severity; the order is the order of badness. */
enum tp_severity {
	TP_SEV_UNKNOWN,
	TP_SEV_LOW,
	TP_SEV_MODERATE,
	TP_SEV_IMPORTANT,
	TP_SEV_CRITICAL,
};

/* "critical", "important", "moderate", "low", "unknown"; never NULL. */
const char *tp_severity_name(enum tp_severity sev);
/* The inverse; TP_EINVAL for anything else. */
int tp_severity_from_name(enum tp_severity *out, const char *name,
			  struct tp_err *err);

/* An OSV range event: exactly one of the strings is set. */
struct tp_osv_event {
	char *introduced;	/* "0" means "since the beginning" */
	char *fixed;
	char *last_affected;
	char *limit;
};

/* One ECOSYSTEM range of one affected package. */
struct tp_osv_range {
	struct tp_osv_event *events;	/* record order */
	size_t nevents;
};

/* One "affected" entry: a package in one ecosystem. */
struct tp_osv_affected {
	char *ecosystem;	/* "Debian:12", verbatim */
	char *package;		/* "openssl": source package for deb and apk
				   ecosystems, binary package for rpm ones */
	struct tp_osv_range *ranges;	/* ECOSYSTEM ranges only; others
					   (SEMVER, GIT) are skipped */
	size_t nranges;
	char **versions;	/* explicit affected versions */
	size_t nversions;
};

struct tp_advisory {
	char *id;		/* "DSA-3029-1" */
	char *file;		/* the file it was read from */
	char *summary;		/* may be NULL */
	char *published;	/* RFC 3339 as written, may be NULL */
	char *modified;
	char **cves;		/* CVE ids from id, aliases, related; sorted,
				   unique */
	size_t ncves;
	enum tp_severity severity;
	const char *severity_source;	/* static: "cvss_v3", "cvss_v4",
					   "cvss_v2", "ubuntu_priority",
					   "debian_urgency", "vendor",
					   "summary", "none" */
	double cvss_score;	/* base score of the vector used, or -1 */
	struct tp_osv_affected *affected;
	size_t naffected;
};

/* A set of advisories, indexed for matching. Opaque. */
struct tp_advisory_db;

/*
 * Load OSV records from path: a .json file holding one record or an array
 * of records, or a directory whose *.json files (sorted by name, not
 * recursive) are each read that way. May be called again on the same db to
 * add more paths. A record with the id of one already loaded replaces it
 * when its "modified" is newer (a duplicate within one load is a problem).
 * Every problem is appended to problems with file and JSON path; a broken
 * record is skipped, the others stay; an invalid CVSS vector, an unknown
 * range type or a version the ecosystem's scheme rejects drops only that
 * piece (a range with such a version is dropped whole). Withdrawn records
 * are skipped silently. In a directory, known_exploited_vulnerabilities.json
 * is not read (it is KEV, see below). problems may be NULL. Returns 0 (even with problems: the
 * caller decides), TP_ENOTFOUND when path does not exist, TP_EIO,
 * TP_ENOMEM.
 */
int tp_advisory_db_new(struct tp_advisory_db **out, struct tp_err *err);
int tp_advisory_db_load(struct tp_advisory_db *db, const char *path,
			struct tp_inv_problems *problems, struct tp_err *err);
void tp_advisory_db_free(struct tp_advisory_db *db);

size_t tp_advisory_db_count(const struct tp_advisory_db *db);
/* The i-th advisory in id order (borrowed, valid while db lives). */
const struct tp_advisory *tp_advisory_db_get(const struct tp_advisory_db *db,
					     size_t i);
/* The advisory with that id, or NULL. */
const struct tp_advisory *tp_advisory_db_find(const struct tp_advisory_db *db,
					      const char *id);

/*
 * Load a known-exploited list in the CISA KEV JSON format (an object with
 * "vulnerabilities": [{ "cveID": ... }]) and mark every advisory of db
 * that has one of those CVEs as exploited. Problems as above; returns 0,
 * TP_ENOTFOUND, TP_EIO, TP_ENOMEM.
 */
int tp_advisory_db_load_kev(struct tp_advisory_db *db, const char *path,
			    struct tp_inv_problems *problems,
			    struct tp_err *err);
/* Whether any CVE of adv is on a loaded KEV list. */
bool tp_advisory_exploited(const struct tp_advisory_db *db,
			   const struct tp_advisory *adv);

/*
 * One advisory that concerns one source package installed on a host.
 * All strings owned.
 */
struct tp_finding {
	char *advisory;		/* advisory id */
	char *package;		/* the package named by the advisory */
	char **binaries;	/* installed packages built from it, sorted */
	size_t nbinaries;
	char *installed;	/* the version compared (source version for
				   deb/apk ecosystems) */
	char *fixed;		/* affected: the lowest fixed version above
				   installed, or NULL when the advisory names
				   none; not affected: the highest fixed
				   version at or below installed (NULL when
				   installed is past a last_affected) */
	bool affected;		/* installed is vulnerable; false: the fix is
				   already installed */
	enum tp_severity severity;
	bool exploited;		/* on a KEV list */
	char **cves;		/* copied from the advisory */
	size_t ncves;
	char *summary;		/* copied, may be NULL */
};

struct tp_finding_list {
	struct tp_finding *items;
	size_t n;
	size_t alloc;
};

void tp_finding_list_release(struct tp_finding_list *list);

/*
 * Match every advisory for ecosystem (the host's, "Debian:12"; exact
 * string match) against the installed packages, appending one finding per
 * (advisory, package) where the package is installed: affected = true
 * when the installed version lies in a range or the versions list
 * (ranges evaluated as the OSV schema's "Evaluation" section says: events
 * sorted by version), affected = false when a range of the advisory has a
 * fixed version at or below it or a last_affected below it (the fix is
 * installed). The package is the source for deb and apk families (its
 * source_version compared), the binary name for rpm ones; binaries of one
 * source at different versions are each judged, the worst reported. Packages the advisory does not name, or
 * names with no range the installed version relates to, give nothing.
 * Versions compare exactly (dpkg, rpm or apk rules by ecosystem family);
 * an unparsable version in a record is skipped, never guessed. Output is
 * sorted by advisory id, then package. TP_EUNSUPPORTED for an ecosystem
 * family without a version scheme, TP_ENOMEM.
 */
int tp_advisory_match(struct tp_finding_list *out,
		      const struct tp_advisory_db *db, const char *ecosystem,
		      const struct tp_pkg_list *installed, struct tp_err *err);

#endif
