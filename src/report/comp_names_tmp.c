/*
 * comp_names_tmp.c - TEMPORARY until the policy branch lands: delete
 * this file at merge. The names of enum tp_priority and enum
 * tp_compliance (compliance.h) belong to the policy code, which another
 * branch writes; the compliance writers need them to link, nothing more.
 */
#include "tidepatch/compliance.h"

const char *tp_priority_name(enum tp_priority p)
{
	static const char *const names[TP_PRIO_COUNT] = {
		"low", "medium", "high", "emergency",
	};

	return (unsigned)p < TP_PRIO_COUNT ? names[p] : "unknown";
}

const char *tp_compliance_name(enum tp_compliance c)
{
	static const char *const names[TP_COMP_COUNT] = {
		"installed", "installed_pending_reboot", "missing",
		"missing_overdue", "failed", "rolled_back", "excluded",
		"not_applicable", "unreachable",
	};

	return (unsigned)c < TP_COMP_COUNT ? names[c] : "unknown";
}
