/*
 * osinfo.h - what operating system a host runs, from its os-release file.
 */
#ifndef TIDEPATCH_OSINFO_H
#define TIDEPATCH_OSINFO_H

#include <stddef.h>

#include "tidepatch/err.h"

/* Largest os-release file accepted; real ones are well under 1 KiB. */
#define TP_OSRELEASE_MAX (64 * 1024)

struct tp_osinfo {
	char *id;		/* ID, "debian"; "linux" when absent */
	char *id_like;		/* ID_LIKE, "debian", or NULL */
	char *name;		/* NAME, or NULL */
	char *version_id;	/* VERSION_ID, "12", or NULL (sid) */
	char *version;		/* VERSION, "12 (bookworm)", or NULL */
	char *codename;		/* VERSION_CODENAME (or UBUNTU_CODENAME) */
	char *pretty_name;	/* PRETTY_NAME, or NULL */
	char *ecosystem;	/* OSV ecosystem, "Debian:12", or NULL */
	const char *pkg_manager; /* static: "apt", "dnf", "zypper", "apk",
				    or NULL when not known */
};

/*
 * Parse os-release(5) text from <data, len> into *out (zeroed first; on
 * failure left empty). Accepts comments, blank lines, unquoted, '...' and
 * "..." values with \-escapes. Errors: TP_EPARSE naming the line (bad
 * key, unterminated quote, control character), TP_ETOOBIG, TP_ENOMEM.
 */
int tp_osinfo_parse(struct tp_osinfo *out, const char *data, size_t len,
		    struct tp_err *err);

/* Free the strings; NULL is allowed. */
void tp_osinfo_release(struct tp_osinfo *os);

#endif
