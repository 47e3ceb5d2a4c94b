/*
 * version.h - exact package version comparison: dpkg, rpm and apk-tools.
 *
 * Each comparison agrees with the reference tool on every input, including
 * the reference vectors those projects ship (see tests/unit/test_version.c).
 * Comparison functions are total: they order any two strings exactly as
 * the reference tool would. Validation is separate, because the tools
 * differ in what they reject, and callers decide whether to reject.
 *
 * Reference tools: dpkg 1.21 and later (parseversion(),
 * dpkg_version_compare(); cross-checked against 1.21.22), rpm 4.18/4.19
 * (rpmverParse(), rpmverCmp(), rpmvercmp(): what rpm.vercmp() in rpm's
 * Lua returns; cross-checked against 4.18.0), apk-tools 3.0
 * (apk_version_compare(), apk_version_validate(); see tp_apk_version_cmp
 * for how 2.x differs).
 *
 * Every comparison function returns exactly -1, 0 or 1, so that
 * cmp(a, b) == -cmp(b, a) holds as an equality. NULL is treated as "".
 * None of them allocates or fails; all are safe to call from any thread.
 */
#ifndef TIDEPATCH_VERSION_H
#define TIDEPATCH_VERSION_H

#include "tidepatch/err.h"

enum tp_vfmt {
	TP_VFMT_DEB,	/* dpkg: [epoch:]upstream[-revision] */
	TP_VFMT_RPM,	/* rpm: [epoch:]version[-release] */
	TP_VFMT_APK,	/* apk-tools: 1.2.3_rc1-r0 */
};

/* Map "deb", "rpm" or "apk" to *out; TP_EINVAL for anything else. */
int tp_vfmt_from_name(enum tp_vfmt *out, const char *name,
		      struct tp_err *err);

/* The name of a format ("deb"); never NULL ("?" for an unknown value). */
const char *tp_vfmt_name(enum tp_vfmt fmt);

/*
 * Every message tp_version_check(TP_VFMT_DEB, ...) gives for a problem that
 * dpkg's parseversion() only warns about ends with this text; messages for
 * what dpkg treats as an error never contain it.
 */
#define TP_VERSION_DPKG_WARN_SUFFIX " (dpkg only warns)"

/*
 * Check that v is a valid version in fmt, as the reference tool's parser
 * would accept it. Returns 0 or TP_EVERSION with a message that says what
 * is wrong and where (a byte offset; the string itself is not echoed, it
 * may be hostile). TP_EINVAL when v is NULL or fmt is unknown.
 *
 * deb: exactly what dpkg's parseversion() accepts without a message.
 *   What it rejects as an error (empty, embedded blanks, an epoch that is
 *   empty, not a number, negative or above INT_MAX, nothing after the
 *   colon, an empty upstream version, an empty revision after '-') fails.
 *   What it merely warns about (upstream version not starting with a
 *   digit, a character outside [A-Za-z0-9.+~:-] in the upstream version or
 *   outside [A-Za-z0-9.+~] in the revision) also fails, because a pure
 *   function cannot accept with a warning; those messages end with
 *   TP_VERSION_DPKG_WARN_SUFFIX. dpkg still compares such versions, and so
 *   does tp_deb_version_cmp. Leading and trailing blanks are accepted, as
 *   dpkg trims them.
 * rpm: rpm itself compares any non-empty string, so this is rpmbuild's
 *   rule for the EVR of a dependency (rpmCharCheck with ALLOWED_CHARS_EVR,
 *   no "..", at most one '-' and one ':', an all-digit epoch), plus: the
 *   epoch, version and release, when present, are not empty (rpmbuild
 *   refuses empty Epoch, Version and Release tags, so no package has one).
 *   '%', '{' and '}' pass: rpmbuild only warns about them.
 * apk: exactly apk_version_validate() of apk-tools 3.0:
 *   digits{.digits}[letter]{_suffix[digits]}[~hexhash][-rdigits],
 *   hash in lowercase hex. Stricter than 2.x, which also took empty
 *   pieces such as "1.", "1.0_" and "1.0-r".
 */
int tp_version_check(enum tp_vfmt fmt, const char *v, struct tp_err *err);

/*
 * tp_version_check for one format (v must not be NULL): same rules, same
 * errors.
 */
int tp_deb_version_check(const char *v, struct tp_err *err);
int tp_rpm_version_check(const char *v, struct tp_err *err);
int tp_apk_version_check(const char *v, struct tp_err *err);

/*
 * Compare a and b in fmt: -1, 0 or 1. Never fails; an unknown fmt compares
 * bytewise (strcmp) so that the result is still a total order.
 */
int tp_version_cmp(enum tp_vfmt fmt, const char *a, const char *b);

/*
 * dpkg: dpkg_version_compare() after parseversion(), including for what
 * dpkg only warns about: leading and trailing blanks are ignored, the epoch
 * is read as strtol() does ("+1:" and "-0:" are epochs), the revision
 * starts after the last '-'. Bytes >= 0x80 rank as dpkg ranks them where
 * char is signed (amd64, i386): after letters, before other punctuation.
 * For strings dpkg refuses to parse, the order is ours but still total:
 * "" (or only blanks) sorts before every version, as in
 * `dpkg --compare-versions`, and an epoch dpkg would reject is taken as
 * part of the upstream version with epoch 0.
 */
int tp_deb_version_cmp(const char *a, const char *b);

/*
 * rpm: rpm.vercmp() on full [epoch:]version[-release] strings, that is
 * rpmverCmp(rpmverParse(a), rpmverParse(b)): the epoch is the leading
 * digits when a ':' follows them (missing: 0, empty: 0), the release is
 * what follows the last '-' after it; epochs compare numerically, then
 * versions and releases with rpmvercmp(). A missing release sorts before
 * any release, even an empty one ("1.0" < "1.0-"). rpm refuses "" (a Lua
 * error); here "" sorts before every other string.
 */
int tp_rpm_version_cmp(const char *a, const char *b);

/* rpmvercmp() on one field ('~' before everything, '^' after the base). */
int tp_rpm_vercmp(const char *a, const char *b);

/*
 * apk-tools: apk_version_compare() of apk-tools 3.0,
 * which has the "~hash" component and compares a number after a '.' that
 * has a leading zero as text (Gentoo rule: "1.010" < "1.09"). On versions
 * both accept, apk-tools 2.x (older Alpine) differs only there: it
 * has no "~hash" (it stops comparing at the '~'), and orders "8.2.001"
 * before "8.2.0" and "1.010" after "1.09". Invalid versions compare as apk
 * does: token by token up to the first invalid token; two invalid tails
 * are equal.
 */
int tp_apk_version_cmp(const char *a, const char *b);

/*
 * apk-tools' fuzzy comparison behind the '~' dependency operator ("3.6.9"
 * matches "~3.6"): as tp_apk_version_cmp, but 0 when every token of b
 * equals the corresponding token of a. Not symmetric, by design.
 */
int tp_apk_version_fuzzy_cmp(const char *a, const char *b);

#endif
