/*
 * kev.c - known-exploited lists in CISA's KEV format: a set of CVE ids
 * kept in the db, so that an advisory is exploited when any of its CVEs
 * is in the set, whichever was loaded first.
 *
 * The format (https://www.cisa.gov/known-exploited-vulnerabilities,
 * known_exploited_vulnerabilities.json):
 *   { "catalogVersion": "2024.07.01", "count": 1,
 *     "vulnerabilities": [ { "cveID": "CVE-2021-44228", ... } ] }
 * Only "vulnerabilities[].cveID" is used; the other fields are CISA's.
 */
#include <stdlib.h>
#include <string.h>

#include "adv_int.h"

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tp_advisory_db_load_kev(struct tp_advisory_db *db, const char *path,
			    struct tp_inv_problems *problems,
			    struct tp_err *err)
{
	struct tp_adv_sink sink = { problems, false };
	char jpath[TP_ADV_PATH_MAX];
	json_t *doc = NULL, *vulns, *e;
	char **v;
	size_t i, o;
	int rc;

	if ((rc = tp_adv_read_json(&doc, path, &sink, err)) || !doc)
		return rc;
	vulns = json_object_get(doc, "vulnerabilities");
	if (!json_is_object(doc)) {
		tp_adv_problem(&sink, path, "$", 0, 0,
			       "must be an object (a KEV catalog)");
		goto out;
	}
	if (!json_is_array(vulns)) {
		tp_adv_problem(&sink, path, "$.vulnerabilities", 0, 0,
			       vulns ? "must be an array" : "missing");
		goto out;
	}
	v = realloc(db->kev, (db->nkev + json_array_size(vulns) + 1) *
				     sizeof(*v));
	if (!v) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	db->kev = v;
	json_array_foreach(vulns, i, e) {
		const char *cve = json_string_value(json_object_get(e, "cveID"));

		tp_adv_pathf(jpath, sizeof(jpath), "$.vulnerabilities[%zu]%s", i,
			 json_is_object(e) ? ".cveID" : "");
		if (!json_is_object(e)) {
			tp_adv_problem(&sink, path, jpath, 0, 0,
				       "must be an object");
			continue;
		}
		if (!cve || strncmp(cve, "CVE-", 4)) {
			tp_adv_problem(&sink, path, jpath, 0, 0,
				       cve ? "must be a CVE id (\"CVE-...\")"
					   : "must be a string");
			continue;
		}
		if (!(db->kev[db->nkev] = strdup(cve))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
		db->nkev++;
	}
	if (!db->nkev)
		goto out;
	qsort(db->kev, db->nkev, sizeof(*db->kev), cmp_strp);
	for (i = 1, o = 0; i < db->nkev; i++) {
		if (!strcmp(db->kev[i], db->kev[o]))
			free(db->kev[i]);
		else
			db->kev[++o] = db->kev[i];
	}
	db->nkev = o + 1;
out:
	if (!rc && sink.oom)
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
	json_decref(doc);
	return rc;
}

bool tp_advisory_exploited(const struct tp_advisory_db *db,
			   const struct tp_advisory *adv)
{
	size_t i;

	if (!db || !adv || !db->nkev)
		return false;
	for (i = 0; i < adv->ncves; i++)
		if (bsearch(&adv->cves[i], db->kev, db->nkev, sizeof(*db->kev),
			    cmp_strp))
			return true;
	return false;
}
