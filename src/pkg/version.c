/*
 * version.c - version formats by name, and dispatch to the algorithms.
 *
 * Purpose: one entry point for callers that carry the format as data (a
 * host's package manager, a column of a report). The algorithms live in
 * vercmp_deb.c, vercmp_rpm.c and vercmp_apk.c.
 *
 * Invariants: the names are the stable spelling used in configuration and
 * JSON reports; never rename one. Comparison never fails, even for an
 * enum value outside the range, so sorting code needs no error path.
 */
#include <string.h>

#include "tidepatch/err.h"
#include "tidepatch/version.h"

static const struct {
	enum tp_vfmt fmt;
	const char *name;
} vfmt_names[] = {
	{ TP_VFMT_DEB, "deb" },
	{ TP_VFMT_RPM, "rpm" },
	{ TP_VFMT_APK, "apk" },
};

#define N_VFMT (sizeof(vfmt_names) / sizeof(vfmt_names[0]))

int tp_vfmt_from_name(enum tp_vfmt *out, const char *name,
		      struct tp_err *err)
{
	size_t i;

	if (!name)
		return tp_err_set(err, TP_EINVAL, "no version format given");
	for (i = 0; i < N_VFMT; i++) {
		if (strcmp(name, vfmt_names[i].name) == 0) {
			*out = vfmt_names[i].fmt;
			return 0;
		}
	}
	return tp_err_set(err, TP_EINVAL,
			  "unknown version format (want deb, rpm or apk)");
}

const char *tp_vfmt_name(enum tp_vfmt fmt)
{
	size_t i;

	for (i = 0; i < N_VFMT; i++)
		if (vfmt_names[i].fmt == fmt)
			return vfmt_names[i].name;
	return "?";
}

int tp_version_check(enum tp_vfmt fmt, const char *v, struct tp_err *err)
{
	if (!v)
		return tp_err_set(err, TP_EINVAL, "no version given");
	switch (fmt) {
	case TP_VFMT_DEB:
		return tp_deb_version_check(v, err);
	case TP_VFMT_RPM:
		return tp_rpm_version_check(v, err);
	case TP_VFMT_APK:
		return tp_apk_version_check(v, err);
	}
	return tp_err_set(err, TP_EINVAL, "unknown version format %d",
			  (int)fmt);
}

int tp_version_cmp(enum tp_vfmt fmt, const char *a, const char *b)
{
	int rc;

	switch (fmt) {
	case TP_VFMT_DEB:
		return tp_deb_version_cmp(a, b);
	case TP_VFMT_RPM:
		return tp_rpm_version_cmp(a, b);
	case TP_VFMT_APK:
		return tp_apk_version_cmp(a, b);
	}
	rc = strcmp(a ? a : "", b ? b : "");
	return (rc > 0) - (rc < 0);
}
