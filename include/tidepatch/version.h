/*
 * version.h - exact package version comparison: dpkg, rpm and apk-tools.
 *
 * Each comparison agrees with the reference tool on every input, including
 * the reference vectors those projects ship (see tests/unit/test_version.c).
 * Comparison functions are total: they order any two strings exactly as
 * the reference tool would. Validation is separate, because the tools
 * differ in what they reject, and callers decide whether to reject.
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

/* The name of a format ("deb"); never NULL. */
const char *tp_vfmt_name(enum tp_vfmt fmt);

/*
 * Check that v is a valid version in fmt, as the reference tool's parser
 * would accept it. Returns 0 or TP_EVERSION with a message that says what
 * is wrong and where.
 */
int tp_version_check(enum tp_vfmt fmt, const char *v, struct tp_err *err);

/* Compare a and b in fmt: <0, 0 or >0. Never fails. */
int tp_version_cmp(enum tp_vfmt fmt, const char *a, const char *b);

/* The individual algorithms, for callers that know the format. */
int tp_deb_version_cmp(const char *a, const char *b);
int tp_rpm_version_cmp(const char *a, const char *b);	/* full EVR */
int tp_rpm_vercmp(const char *a, const char *b);	/* rpmvercmp() on one field */
int tp_apk_version_cmp(const char *a, const char *b);

#endif
