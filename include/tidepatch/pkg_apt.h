/*
 * pkg_apt.h - the apt/dpkg backend's parsers, exported for the unit tests.
 *
 * Callers normally go through tp_pkg_backend_apt (pkg.h), whose command
 * lines produce exactly the input these parsers expect. All three are
 * pure: no I/O, no global state, and <data, len> may hold any bytes
 * (a NUL byte is a parse error, never an early end).
 */
#ifndef TIDEPATCH_PKG_APT_H
#define TIDEPATCH_PKG_APT_H

#include <stddef.h>

#include "tidepatch/err.h"
#include "tidepatch/pkg.h"

/* Longest accepted field; one byte more is TP_EPARSE. */
#define TP_APT_NAME_MAX 256	/* package and source package names */
#define TP_APT_ARCH_MAX 32	/* "amd64", "kfreebsd-amd64" */
#define TP_APT_VERSION_MAX 256	/* full versions, epoch included */
#define TP_APT_ORIGIN_MAX 1024	/* the origin list of one candidate */

/*
 * Parse the output of (run with LC_ALL=C)
 *   dpkg-query -W -f='${Package}\t${Architecture}\t${Version}\t
 *     ${source:Package}\t${source:Version}\t${db:Status-Abbrev}\t
 *     ${db:Status-Want}\n'		(one line; needs dpkg >= 1.17.11)
 * one line per package, e.g.
 *   "bsdutils\tamd64\t1:2.38.1-5+deb12u3\tutil-linux\t2.38.1-5+deb12u3\t"
 *   "ii \tinstall\n"
 * into out, which must be empty (zeroed or released): TP_EINVAL if not.
 * Packages that are not installed (status n or c) are skipped; unpacked,
 * half-configured, half-installed and reinst-required ones are kept with
 * broken set; want "hold" sets held. On error out is left empty and the
 * message names the line: TP_EPARSE (any malformed line, or no installed
 * package at all), TP_ENOMEM.
 */
int tp_apt_parse_installed(struct tp_pkg_list *out, const char *data,
			   size_t len, struct tp_err *err);

/*
 * Parse the output of (run with LC_ALL=C)
 *   apt-get -s -o Debug::NoLocking=1
 *     -o APT::Get::Show-User-Simulation-Note=false dist-upgrade
 * whose lines of interest are, e.g.
 *   "Inst libssl3 [3.0.20-1~deb12u2] (3.0.22-1~deb12u2 "
 *   "Debian-Security:12/oldstable-security [amd64])"
 *   "Remv tp-victim [1.0-1]"
 * into out, which must be empty: TP_EINVAL if not. One element per Inst
 * (upgrade, install, downgrade, reinstall), Remv or Purg (remove) line;
 * source is left NULL; security is set when any origin of the candidate
 * is a security pocket. The "N upgraded, ..." summary must be present and
 * agree with the lines (so a truncated capture is not a clean host). On
 * error out is left empty: TP_EPARSE (message names the line), TP_ENOMEM.
 */
int tp_apt_parse_updates(struct tp_update_list *out, const char *data,
			 size_t len, struct tp_err *err);

/*
 * Set *out to the kernel release ("6.1.0-21-amd64") of the installed,
 * not broken linux-image-<release> or linux-image-unsigned-<release>
 * package (release starting with a digit; meta packages such as
 * linux-image-amd64 and -dbg packages are ignored) with the highest
 * package version; *out is NULL when there is none. Caller frees.
 * TP_ENOMEM only.
 */
int tp_apt_newest_kernel(char **out, const struct tp_pkg_list *installed,
			 struct tp_err *err);

#endif
