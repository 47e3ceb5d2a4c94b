/*
 * json.c - the "tidepatch.plan/1" document: writing it, its digest, and
 * loading it back with every field checked.
 *
 * The digest is what review approves: SHA-256 over the canonical dump
 * (sorted keys, compact, UTF-8) of the whole document except "digest"
 * itself and "created". Everything apply acts on - pins, waves, the
 * embedded playbook, the inventory facts and targets - is inside it, so
 * a plan edited after review no longer matches and is refused; only the
 * time it was made may differ between two plans of the same inputs.
 *
 * The loader trusts nothing: every key is checked with its JSON path,
 * unknown keys are problems, the embedded playbook is parsed again and
 * must hash to its recorded sha256, and the waves must be the ones that
 * playbook cuts from these hosts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "plan_int.h"
#include "tidepatch/results.h"

int tp_plan_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
	return 0;
}

int tp_plan_digest(char out[TP_PLAN_DIGEST_SIZE], const json_t *doc,
		   struct tp_err *err)
{
	json_t *copy;
	char *text, hex[65];
	int rc = 0;

	out[0] = '\0';
	if (!json_is_object(doc))
		return tp_err_set(err, TP_EINVAL, "a plan is a JSON object");
	if (!(copy = json_copy((json_t *)doc)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	json_object_del(copy, "digest");
	json_object_del(copy, "created");
	text = json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(copy);
	if (!text || tp_plan_sha256_hex(hex, text, strlen(text)))
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
	else
		snprintf(out, TP_PLAN_DIGEST_SIZE, "sha256:%s", hex);
	free(text);
	return rc;
}

/* ---- writing ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Build into o; any failed allocation leaves a NULL that json_*_new
 * reports, so one check at the end is enough. */
static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

static json_t *host_common(const struct tp_plan_host *h)
{
	json_t *o = json_object();

	if (!o || set(o, "name", json_string(h->name)) ||
	    set(o, "address", str_or_null(h->address)) ||
	    set(o, "port", json_integer(h->port)) ||
	    set(o, "user", str_or_null(h->user)) ||
	    set(o, "criticality",
		json_string(tp_criticality_name(h->criticality))) ||
	    set(o, "exposure", json_string(tp_exposure_name(h->exposure)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int scan_facts(json_t *o, const struct tp_plan_host *h)
{
	return set(o, "ecosystem", str_or_null(h->ecosystem)) ||
	       set(o, "backend", str_or_null(h->backend)) ||
	       set(o, "kernel", str_or_null(h->kernel)) ||
	       set(o, "reboot_required", json_boolean(h->reboot_required));
}

static json_t *skipped_json(const struct tp_plan_host *h)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < h->nskipped; i++) {
		const struct tp_plan_skip *s = &h->skipped[i];

		if (json_array_append_new(a, json_pack(
			    "{s:s, s:s?, s:s?, s:s}", "name", s->name, "arch",
			    s->arch, "candidate", s->candidate, "reason",
			    s->reason))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *pin_json(const struct tp_plan_pin *p)
{
	json_t *adv = json_array(), *o;
	size_t i;

	for (i = 0; adv && i < p->nadvisories; i++)
		if (json_array_append_new(adv, json_string(p->advisories[i]))) {
			json_decref(adv);
			return NULL;
		}
	if (!adv)
		return NULL;
	o = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:b, s:s, s:o}",
		      "name", p->name, "arch", p->arch, "installed",
		      p->installed, "candidate", p->candidate, "kind",
		      tp_update_kind_name(p->kind), "source", p->source,
		      "origin", p->origin, "security", (int)p->security,
		      "severity", tp_severity_name(p->severity),
		      "advisories", adv);
	return o;
}

static json_t *update_host_json(const struct tp_plan_host *h)
{
	json_t *o = host_common(h), *pins = json_array();
	size_t i;

	if (!o || !pins || set(o, "wave", json_integer((json_int_t)h->wave)) ||
	    set(o, "canary", json_boolean(h->canary)) || scan_facts(o, h) ||
	    set(o, "reboot", json_string(tp_plan_reboot_name(h->reboot))) ||
	    set(o, "reboot_why", str_or_null(h->reboot_why)) ||
	    set(o, "priority", h->has_priority ?
			json_string(tp_priority_name(h->priority)) :
			json_null()) ||
	    set(o, "deadline", str_or_null(h->deadline)))
		goto fail;
	for (i = 0; i < h->npins; i++)
		if (json_array_append_new(pins, pin_json(&h->pins[i])))
			goto fail;
	if (set(o, "pins", pins)) {
		pins = NULL;
		goto fail;
	}
	pins = NULL; /* ownership moved */
	if (set(o, "skipped", skipped_json(h)))
		goto fail;
	return o;
fail:
	json_decref(pins);
	json_decref(o);
	return NULL;
}

static json_t *other_host_json(const struct tp_plan_host *h)
{
	json_t *o = host_common(h);

	if (!o)
		return NULL;
	if (h->state == TP_PLAN_UP_TO_DATE) {
		if (scan_facts(o, h) || set(o, "skipped", skipped_json(h)))
			goto fail;
	} else if (set(o, "stage", str_or_null(h->error_stage)) ||
		   set(o, "error", str_or_null(h->error_code)) ||
		   set(o, "message", str_or_null(h->error_message))) {
		goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *waves_json(const struct tp_plan *plan)
{
	json_t *a = json_array();
	size_t w, k = 0, j;

	for (w = 0; a && w < plan->nwaves; w++) {
		json_t *names = json_array(), *o;

		for (j = 0; names && j < plan->wave_sizes[w]; j++, k++)
			if (json_array_append_new(names, json_string(
					plan->hosts[k].name)))
				break;
		o = json_pack("{s:I, s:b, s:o}", "wave", (json_int_t)(w + 1),
			      "canary", (int)(w == 0 && plan->nupdate &&
					      plan->hosts[0].canary),
			      "hosts", names);
		if (json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int tp_plan_to_json(json_t **out, const struct tp_plan *plan,
		    struct tp_err *err)
{
	json_t *doc = json_object(), *targets = json_array(), *pb = NULL;
	json_t *hosts = json_array(), *utd = json_array(), *unr = json_array();
	char digest[TP_PLAN_DIGEST_SIZE];
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; targets && i < plan->ntargets; i++)
		if (json_array_append_new(targets,
					  json_string(plan->targets[i])))
			goto nomem;
	for (i = 0; hosts && utd && unr && i < plan->nhosts; i++) {
		const struct tp_plan_host *h = &plan->hosts[i];
		json_t *dst = h->state == TP_PLAN_UPDATE ? hosts :
			      h->state == TP_PLAN_UP_TO_DATE ? utd : unr;

		if (json_array_append_new(dst, h->state == TP_PLAN_UPDATE ?
					  update_host_json(h) :
					  other_host_json(h)))
			goto nomem;
	}
	pb = json_pack("{s:s, s:s, s:s, s:s%}", "file", plan->playbook_file,
		       "name", plan->playbook ? plan->playbook->name : "",
		       "sha256", plan->playbook_sha256, "content",
		       plan->playbook_content, plan->playbook_len);
	if (!doc || !targets || !hosts || !utd || !unr || !pb)
		goto nomem;
	if (set(doc, "schema", json_string(TP_PLAN_SCHEMA)) ||
	    set(doc, "digest", json_string("")) ||
	    set(doc, "created", str_or_null(plan->created)) ||
	    set(doc, "playbook", pb))
		goto nomem_pb_moved;
	pb = NULL;
	if (set(doc, "inventory", str_or_null(plan->inventory)) ||
	    set(doc, "targets", json_pack("{s:O, s:s?}", "patterns", targets,
					  "limit", plan->limit)) ||
	    set(doc, "advisories", json_pack("{s:b, s:I}", "known",
					     (int)plan->severities_known,
					     "loaded",
					     (json_int_t)plan->advisories)) ||
	    set(doc, "waves", waves_json(plan)))
		goto nomem;
	if (set(doc, "hosts", hosts) || set(doc, "up_to_date", utd) ||
	    set(doc, "unreachable", unr)) {
		hosts = utd = unr = NULL; /* _set_new stole them, even failing */
		goto nomem;
	}
	hosts = utd = unr = NULL;
	json_decref(targets);
	if ((rc = tp_plan_digest(digest, doc, err)) ||
	    set(doc, "digest", json_string(digest))) {
		json_decref(doc);
		return rc ? rc : tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	*out = doc;
	return 0;
nomem_pb_moved:
	pb = NULL;
nomem:
	json_decref(doc);
	json_decref(targets);
	json_decref(pb);
	json_decref(hosts);
	json_decref(utd);
	json_decref(unr);
	return tp_err_set(err, TP_ENOMEM, "out of memory");
}

int tp_plan_write_json(struct tp_buf *out, const struct tp_plan *plan,
		       struct tp_err *err)
{
	json_t *doc = NULL;
	char *text;
	int rc;

	if ((rc = tp_plan_to_json(&doc, plan, err)))
		return rc;
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (!(rc = tp_buf_puts(out, text, err)))
		rc = tp_buf_puts(out, "\n", err);
	free(text);
	return rc;
}

/* ---- loading ---- */

struct vctx {
	struct tp_inv_problems *pr;
	const char *file;
	bool oom;
	size_t before;		/* problems already there before this load */
};

static void problem(struct vctx *c, const char *path, int line, int column,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem(struct vctx *c, const char *path, int line, int column,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tp_inv_problem_vadd(c->pr, c->file, path, line, column, fmt, ap))
		c->oom = true;
	va_end(ap);
}

#define PROBLEM(c, path, ...) problem(c, path, 0, 0, __VA_ARGS__)

/* Paths are truncated, never overflowed (vsnprintf: no warning for a
 * truncation that nesting this shallow cannot reach). */
static void pathf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

static void pathk(char *dst, size_t size, const char *parent, const char *k)
{
	pathf(dst, size, "%s.%s", parent, k);
}

static void pathi(char *dst, size_t size, const char *parent, size_t i)
{
	pathf(dst, size, "%s[%zu]", parent, i);
}

/* Every key of obj must be one of keys (NULL-terminated). */
static void only_keys(struct vctx *c, json_t *obj, const char *path,
		      const char *const *keys)
{
	const char *k;
	json_t *v;
	char p[512];

	json_object_foreach(obj, k, v) {
		size_t i;
		bool ok = false;

		for (i = 0; keys[i] && !ok; i++)
			ok = !strcmp(keys[i], k);
		if (!ok) {
			pathk(p, sizeof(p), path, k);
			PROBLEM(c, p, "unknown key");
		}
	}
}

static json_t *need(struct vctx *c, json_t *obj, const char *path,
		    const char *key)
{
	json_t *v = json_object_get(obj, key);
	char p[512];

	if (!v) {
		pathk(p, sizeof(p), path, key);
		PROBLEM(c, p, "missing");
	}
	return v;
}

/* A string (nullable: or null, giving NULL) copied into *out. */
static void get_str(struct vctx *c, json_t *obj, const char *path,
		    const char *key, bool nullable, char **out)
{
	json_t *v = need(c, obj, path, key);
	char p[512];

	*out = NULL;
	if (!v || (nullable && json_is_null(v)))
		return;
	pathk(p, sizeof(p), path, key);
	if (!json_is_string(v) || !json_string_length(v) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		PROBLEM(c, p, "must be a non-empty string%s",
			nullable ? " or null" : "");
		return;
	}
	if (!(*out = strdup(json_string_value(v))))
		c->oom = true;
}

static bool get_bool(struct vctx *c, json_t *obj, const char *path,
		     const char *key)
{
	json_t *v = need(c, obj, path, key);
	char p[512];

	if (v && !json_is_boolean(v)) {
		pathk(p, sizeof(p), path, key);
		PROBLEM(c, p, "must be true or false");
	}
	return json_is_true(v);
}

static long long get_int(struct vctx *c, json_t *obj, const char *path,
			 const char *key, long long min, long long max)
{
	json_t *v = need(c, obj, path, key);
	char p[512];

	if (!v)
		return min;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		pathk(p, sizeof(p), path, key);
		PROBLEM(c, p, "must be an integer %lld-%lld", min, max);
		return min;
	}
	return json_integer_value(v);
}

/* A string that must be one of names(0..n); returns its index or 0. */
static int get_enum(struct vctx *c, json_t *obj, const char *path,
		    const char *key, const char *(*name)(int), int n)
{
	json_t *v = need(c, obj, path, key);
	const char *s = json_string_value(v);
	char p[512], list[256] = "";
	size_t len = 0;
	int i;

	if (!v)
		return 0;
	for (i = 0; s && i < n; i++)
		if (!strcmp(s, name(i)))
			return i;
	for (i = 0; i < n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", name(i));
	pathk(p, sizeof(p), path, key);
	PROBLEM(c, p, "must be one of %s", list);
	return 0;
}

static const char *crit_name(int i)
{
	return tp_criticality_name((enum tp_criticality)i);
}

static const char *expo_name(int i)
{
	return tp_exposure_name((enum tp_exposure)i);
}

static const char *sev_name(int i)
{
	return tp_severity_name((enum tp_severity)i);
}

static const char *prio_name(int i)
{
	return tp_priority_name((enum tp_priority)i);
}

static const char *reboot_name(int i)
{
	return tp_plan_reboot_name((enum tp_plan_reboot)i);
}

/* Every kind but "remove": a plan never pins a removal. */
static const char *kind_name(int i)
{
	return tp_update_kind_name((enum tp_update_kind)i);
}

static json_t *get_array(struct vctx *c, json_t *obj, const char *path,
			 const char *key)
{
	json_t *v = need(c, obj, path, key);
	char p[512];

	if (v && !json_is_array(v)) {
		pathk(p, sizeof(p), path, key);
		PROBLEM(c, p, "must be an array");
		return NULL;
	}
	return v;
}

static json_t *get_object(struct vctx *c, json_t *obj, const char *path,
			  const char *key)
{
	json_t *v = need(c, obj, path, key);
	char p[512];

	if (v && !json_is_object(v)) {
		pathk(p, sizeof(p), path, key);
		PROBLEM(c, p, "must be an object");
		return NULL;
	}
	return v;
}

static void load_host_common(struct vctx *c, json_t *o, const char *path,
			     struct tp_plan_host *h)
{
	get_str(c, o, path, "name", false, &h->name);
	get_str(c, o, path, "address", false, &h->address);
	h->port = (int)get_int(c, o, path, "port", 1, 65535);
	get_str(c, o, path, "user", true, &h->user);
	h->criticality = (enum tp_criticality)get_enum(
		c, o, path, "criticality", crit_name, TP_CRIT_CRITICAL + 1);
	h->exposure = (enum tp_exposure)get_enum(c, o, path, "exposure",
						 expo_name,
						 TP_EXPO_INTERNET + 1);
}

static void load_scan_facts(struct vctx *c, json_t *o, const char *path,
			    struct tp_plan_host *h)
{
	get_str(c, o, path, "ecosystem", true, &h->ecosystem);
	get_str(c, o, path, "backend", true, &h->backend);
	get_str(c, o, path, "kernel", true, &h->kernel);
	h->reboot_required = get_bool(c, o, path, "reboot_required");
}

static void load_skipped(struct vctx *c, json_t *o, const char *path,
			 struct tp_plan_host *h)
{
	static const char *const keys[] = { "name", "arch", "candidate",
					    "reason", NULL };
	json_t *a = get_array(c, o, path, "skipped"), *e;
	char base[512], p[512];
	size_t i;

	if (!a || !json_array_size(a))
		return;
	if (!(h->skipped = calloc(json_array_size(a), sizeof(*h->skipped)))) {
		c->oom = true;
		return;
	}
	pathk(base, sizeof(base), path, "skipped");
	json_array_foreach(a, i, e) {
		struct tp_plan_skip *s = &h->skipped[h->nskipped++];

		pathi(p, sizeof(p), base, i);
		if (!json_is_object(e)) {
			PROBLEM(c, p, "must be an object");
			continue;
		}
		only_keys(c, e, p, keys);
		get_str(c, e, p, "name", false, &s->name);
		get_str(c, e, p, "arch", true, &s->arch);
		get_str(c, e, p, "candidate", true, &s->candidate);
		get_str(c, e, p, "reason", false, &s->reason);
	}
}

static void load_pin(struct vctx *c, json_t *e, const char *p,
		     struct tp_plan_pin *pin)
{
	static const char *const keys[] = {
		"name", "arch", "installed", "candidate", "kind", "source",
		"origin", "security", "severity", "advisories", NULL,
	};
	json_t *adv, *a;
	char ap[512], aip[512];
	size_t i;

	only_keys(c, e, p, keys);
	get_str(c, e, p, "name", false, &pin->name);
	get_str(c, e, p, "arch", true, &pin->arch);
	get_str(c, e, p, "installed", true, &pin->installed);
	get_str(c, e, p, "candidate", false, &pin->candidate);
	pin->kind = (enum tp_update_kind)get_enum(c, e, p, "kind", kind_name,
						  TP_UPDATE_REMOVE);
	get_str(c, e, p, "source", true, &pin->source);
	get_str(c, e, p, "origin", true, &pin->origin);
	pin->security = get_bool(c, e, p, "security");
	pin->severity = (enum tp_severity)get_enum(c, e, p, "severity",
						   sev_name,
						   TP_SEV_CRITICAL + 1);
	if (!(adv = get_array(c, e, p, "advisories")) ||
	    !json_array_size(adv))
		return;
	if (!(pin->advisories = calloc(json_array_size(adv),
				       sizeof(*pin->advisories)))) {
		c->oom = true;
		return;
	}
	pathk(ap, sizeof(ap), p, "advisories");
	json_array_foreach(adv, i, a) {
		if (!json_is_string(a) || !json_string_length(a)) {
			pathi(aip, sizeof(aip), ap, i);
			PROBLEM(c, aip, "must be a non-empty string");
			continue;
		}
		if (!(pin->advisories[pin->nadvisories++] =
			      strdup(json_string_value(a))))
			c->oom = true;
	}
}

static void load_update_host(struct vctx *c, json_t *o, const char *path,
			     struct tp_plan_host *h)
{
	static const char *const keys[] = {
		"name", "address", "port", "user", "criticality", "exposure",
		"wave", "canary", "ecosystem", "backend", "kernel",
		"reboot_required", "reboot", "reboot_why", "priority",
		"deadline", "pins", "skipped", NULL,
	};
	json_t *pins, *e, *prio;
	char p[512], base[512];
	size_t i;
	time_t t;

	h->state = TP_PLAN_UPDATE;
	only_keys(c, o, path, keys);
	load_host_common(c, o, path, h);
	h->wave = (size_t)get_int(c, o, path, "wave", 1, 1000000);
	h->canary = get_bool(c, o, path, "canary");
	load_scan_facts(c, o, path, h);
	h->reboot = (enum tp_plan_reboot)get_enum(c, o, path, "reboot",
						  reboot_name,
						  TP_PLAN_REBOOT_YES + 1);
	get_str(c, o, path, "reboot_why", false, &h->reboot_why);
	prio = need(c, o, path, "priority");
	if (prio && !json_is_null(prio)) {
		h->has_priority = true;
		h->priority = (enum tp_priority)get_enum(
			c, o, path, "priority", prio_name, TP_PRIO_COUNT);
	}
	get_str(c, o, path, "deadline", true, &h->deadline);
	if (h->deadline && tp_time_parse_utc(&t, h->deadline)) {
		pathk(p, sizeof(p), path, "deadline");
		PROBLEM(c, p, "must be a time YYYY-MM-DDTHH:MM:SSZ or null");
	}
	load_skipped(c, o, path, h);
	if (!(pins = get_array(c, o, path, "pins")))
		return;
	pathk(base, sizeof(base), path, "pins");
	if (!json_array_size(pins)) {
		PROBLEM(c, base, "a host to update has at least one pin");
		return;
	}
	if (!(h->pins = calloc(json_array_size(pins), sizeof(*h->pins)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(pins, i, e) {
		pathi(p, sizeof(p), base, i);
		if (!json_is_object(e)) {
			PROBLEM(c, p, "must be an object");
			continue;
		}
		load_pin(c, e, p, &h->pins[h->npins++]);
	}
}

static void load_other_host(struct vctx *c, json_t *o, const char *path,
			    struct tp_plan_host *h, enum tp_plan_state state)
{
	static const char *const utd_keys[] = {
		"name", "address", "port", "user", "criticality", "exposure",
		"ecosystem", "backend", "kernel", "reboot_required",
		"skipped", NULL,
	};
	static const char *const unr_keys[] = {
		"name", "address", "port", "user", "criticality", "exposure",
		"stage", "error", "message", NULL,
	};

	h->state = state;
	only_keys(c, o, path, state == TP_PLAN_UP_TO_DATE ? utd_keys :
							    unr_keys);
	load_host_common(c, o, path, h);
	if (state == TP_PLAN_UP_TO_DATE) {
		load_scan_facts(c, o, path, h);
		load_skipped(c, o, path, h);
	} else {
		get_str(c, o, path, "stage", false, &h->error_stage);
		get_str(c, o, path, "error", false, &h->error_code);
		get_str(c, o, path, "message", false, &h->error_message);
	}
}

static void load_hosts(struct vctx *c, json_t *doc, struct tp_plan *plan)
{
	static const char *const lists[] = { "hosts", "up_to_date",
					     "unreachable" };
	static const enum tp_plan_state states[] = {
		TP_PLAN_UPDATE, TP_PLAN_UP_TO_DATE, TP_PLAN_UNREACHABLE,
	};
	json_t *arr[3], *e;
	size_t total = 0, l, i, k;
	char base[64], p[512];

	for (l = 0; l < 3; l++) {
		arr[l] = get_array(c, doc, "$", lists[l]);
		total += arr[l] ? json_array_size(arr[l]) : 0;
	}
	if (!total)
		return;
	if (!(plan->hosts = calloc(total, sizeof(*plan->hosts)))) {
		c->oom = true;
		return;
	}
	for (l = 0; l < 3; l++) {
		if (!arr[l])
			continue;
		snprintf(base, sizeof(base), "$.%s", lists[l]);
		json_array_foreach(arr[l], i, e) {
			struct tp_plan_host *h = &plan->hosts[plan->nhosts++];

			pathi(p, sizeof(p), base, i);
			if (!json_is_object(e)) {
				PROBLEM(c, p, "must be an object");
				continue;
			}
			if (states[l] == TP_PLAN_UPDATE)
				load_update_host(c, e, p, h);
			else
				load_other_host(c, e, p, h, states[l]);
			for (k = 0; h->name && k + 1 < plan->nhosts; k++)
				if (plan->hosts[k].name &&
				    !strcmp(plan->hosts[k].name, h->name))
					PROBLEM(c, p, "host %s is listed twice",
						h->name);
		}
		if (l == 0)
			plan->nupdate = plan->nhosts;
	}
}

/* The waves must list the hosts to update, in order, as the embedded
 * playbook cuts them. */
static void load_waves(struct vctx *c, json_t *doc, struct tp_plan *plan)
{
	static const char *const keys[] = { "wave", "canary", "hosts", NULL };
	json_t *waves = get_array(c, doc, "$", "waves"), *w, *names, *n;
	size_t i, j, k = 0, ncanary = 0, *sizes = NULL, nsizes = 0;
	char p[512], np[512];
	struct tp_err err = { 0 };

	if (!waves)
		return;
	if (json_array_size(waves) &&
	    !(plan->wave_sizes = calloc(json_array_size(waves),
					sizeof(*plan->wave_sizes)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(waves, i, w) {
		pathi(p, sizeof(p), "$.waves", i);
		plan->nwaves++;
		if (!json_is_object(w)) {
			PROBLEM(c, p, "must be an object");
			continue;
		}
		only_keys(c, w, p, keys);
		if (get_int(c, w, p, "wave", 1, 1000000) != (long long)i + 1)
			PROBLEM(c, p, "waves must be numbered 1, 2, ... in "
				"order");
		get_bool(c, w, p, "canary");
		if (!(names = get_array(c, w, p, "hosts")))
			continue;
		if (!json_array_size(names))
			PROBLEM(c, p, "a wave has at least one host");
		plan->wave_sizes[i] = json_array_size(names);
		json_array_foreach(names, j, n) {
			const struct tp_plan_host *h =
				k < plan->nupdate ? &plan->hosts[k] : NULL;

			pathi(np, sizeof(np), p, j);
			if (!h || !h->name || !json_is_string(n) ||
			    strcmp(json_string_value(n), h->name) ||
			    h->wave != i + 1)
				PROBLEM(c, np, "must be %s, the next host of "
					"$.hosts, whose wave is %zu",
					h && h->name ? h->name : "(none)",
					i + 1);
			k++;
		}
	}
	if (k != plan->nupdate)
		PROBLEM(c, "$.waves", "the waves hold %zu hosts; $.hosts has "
			"%zu", k, plan->nupdate);
	if (!plan->playbook || c->pr->n > c->before)
		return;
	for (i = 0; i < plan->nupdate; i++)
		ncanary += plan->hosts[i].canary;
	if (tp_playbook_wave_sizes(plan->playbook, plan->nupdate, ncanary,
				   &sizes, &nsizes, &err)) {
		PROBLEM(c, "$.waves", "%s", err.msg);
	} else {
		bool same = nsizes == plan->nwaves;

		for (i = 0; same && i < nsizes; i++)
			same = sizes[i] == plan->wave_sizes[i];
		if (!same)
			PROBLEM(c, "$.waves", "not the waves the embedded "
				"playbook makes of these hosts");
	}
	free(sizes);
}

static void load_playbook(struct vctx *c, json_t *doc, struct tp_plan *plan,
			  struct tp_err *err)
{
	static const char *const keys[] = { "file", "name", "sha256",
					    "content", NULL };
	json_t *o = get_object(c, doc, "$", "playbook"), *content;
	char *sha = NULL, *name = NULL;

	if (!o)
		return;
	only_keys(c, o, "$.playbook", keys);
	get_str(c, o, "$.playbook", "file", false, &plan->playbook_file);
	get_str(c, o, "$.playbook", "name", false, &name);
	get_str(c, o, "$.playbook", "sha256", false, &sha);
	content = need(c, o, "$.playbook", "content");
	if (content && !json_is_string(content)) {
		PROBLEM(c, "$.playbook.content", "must be a string");
		content = NULL;
	}
	if (content) {
		plan->playbook_len = json_string_length(content);
		if (!(plan->playbook_content = malloc(plan->playbook_len + 1))) {
			c->oom = true;
			goto out;
		}
		memcpy(plan->playbook_content, json_string_value(content),
		       plan->playbook_len + 1);
		if (tp_plan_sha256_hex(plan->playbook_sha256,
				       plan->playbook_content,
				       plan->playbook_len)) {
			c->oom = true;
			goto out;
		}
		if (sha && strcmp(sha, plan->playbook_sha256))
			PROBLEM(c, "$.playbook.sha256", "does not match the "
				"content (sha256 %s)", plan->playbook_sha256);
	}
	if (content && plan->playbook_file) {
		int rc = tp_playbook_load_buffer(&plan->playbook,
						 plan->playbook_file,
						 plan->playbook_content,
						 plan->playbook_len, c->pr,
						 err);

		if (rc && rc != TP_ECONFIG)
			c->oom = true;
		else if (rc)
			PROBLEM(c, "$.playbook.content", "the embedded "
				"playbook is not valid (see above)");
		else if (name && strcmp(name, plan->playbook->name))
			PROBLEM(c, "$.playbook.name", "is not the embedded "
				"playbook's name (%s)", plan->playbook->name);
	}
out:
	free(sha);
	free(name);
}

static void load_targets(struct vctx *c, json_t *doc, struct tp_plan *plan)
{
	static const char *const keys[] = { "patterns", "limit", NULL };
	json_t *o = get_object(c, doc, "$", "targets"), *a, *e;
	char p[512];
	size_t i;

	if (!o)
		return;
	only_keys(c, o, "$.targets", keys);
	get_str(c, o, "$.targets", "limit", true, &plan->limit);
	if (!(a = get_array(c, o, "$.targets", "patterns")))
		return;
	if (!json_array_size(a))
		PROBLEM(c, "$.targets.patterns", "must not be empty");
	if (json_array_size(a) &&
	    !(plan->targets = calloc(json_array_size(a),
				     sizeof(*plan->targets)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(a, i, e) {
		pathi(p, sizeof(p), "$.targets.patterns", i);
		if (!json_is_string(e) || !json_string_length(e)) {
			PROBLEM(c, p, "must be a non-empty string");
			continue;
		}
		if (!(plan->targets[plan->ntargets++] =
			      strdup(json_string_value(e))))
			c->oom = true;
	}
}

static bool digest_shaped(const char *s)
{
	size_t i;

	if (strncmp(s, "sha256:", 7) || strlen(s) != 7 + 64)
		return false;
	for (i = 7; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void load_doc(struct vctx *c, json_t *doc, struct tp_plan *plan,
		     bool *tampered, struct tp_err *err)
{
	static const char *const keys[] = {
		"schema", "digest", "created", "playbook", "inventory",
		"targets", "advisories", "waves", "hosts", "up_to_date",
		"unreachable", NULL,
	};
	static const char *const adv_keys[] = { "known", "loaded", NULL };
	char *schema = NULL, *digest = NULL, want[TP_PLAN_DIGEST_SIZE];
	json_t *adv;
	time_t t;

	if (!json_is_object(doc)) {
		PROBLEM(c, "$", "a plan is a JSON object");
		return;
	}
	only_keys(c, doc, "$", keys);
	get_str(c, doc, "$", "schema", false, &schema);
	if (schema && strcmp(schema, TP_PLAN_SCHEMA))
		PROBLEM(c, "$.schema", "must be \"%s\", not \"%s\"",
			TP_PLAN_SCHEMA, schema);
	free(schema);
	get_str(c, doc, "$", "created", false, &plan->created);
	if (plan->created && tp_time_parse_utc(&t, plan->created))
		PROBLEM(c, "$.created", "must be a time YYYY-MM-DDTHH:MM:SSZ");
	get_str(c, doc, "$", "inventory", false, &plan->inventory);
	load_playbook(c, doc, plan, err);
	load_targets(c, doc, plan);
	if ((adv = get_object(c, doc, "$", "advisories"))) {
		only_keys(c, adv, "$.advisories", adv_keys);
		plan->severities_known = get_bool(c, adv, "$.advisories",
						  "known");
		plan->advisories = (size_t)get_int(c, adv, "$.advisories",
						   "loaded", 0, 100000000);
	}
	load_hosts(c, doc, plan);
	load_waves(c, doc, plan);

	get_str(c, doc, "$", "digest", false, &digest);
	if (digest && !digest_shaped(digest)) {
		PROBLEM(c, "$.digest", "must be \"sha256:\" and 64 lowercase "
			"hex digits");
	} else if (digest) {
		if (tp_plan_digest(want, doc, err)) {
			c->oom = true;
		} else if (strcmp(want, digest)) {
			PROBLEM(c, "$.digest", "does not match the plan (%s): "
				"the plan was changed after it was made", want);
			*tampered = true;
		}
		snprintf(plan->digest, sizeof(plan->digest), "%s", digest);
	}
	free(digest);
}

int tp_plan_load_buffer(struct tp_plan **out, const char *file,
			const char *data, size_t len,
			struct tp_inv_problems *problems, struct tp_err *err)
{
	struct vctx c = { problems, file, false, problems->n };
	struct tp_plan *plan = NULL;
	size_t before = problems->n;
	bool tampered = false;
	json_error_t jerr;
	json_t *doc = NULL;
	int rc;

	*out = NULL;
	if (len > TP_PLAN_FILE_MAX) {
		PROBLEM(&c, NULL, "larger than %zu MiB", TP_PLAN_FILE_MAX >> 20);
		goto check;
	}
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		problem(&c, NULL, jerr.line < 1 ? 1 : jerr.line,
			jerr.column < 1 ? 1 : jerr.column, "%s", jerr.text);
		goto check;
	}
	if (!(plan = calloc(1, sizeof(*plan)))) {
		c.oom = true;
		goto check;
	}
	load_doc(&c, doc, plan, &tampered, err);
check:
	json_decref(doc);
	if (c.oom) {
		tp_plan_free(plan);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	if (problems->n > before) {
		size_t n = problems->n - before;

		tp_plan_free(plan);
		if (tampered)
			return tp_err_set(err, TP_ECONFIG, "%s: the digest does "
					  "not match: the plan was edited after "
					  "it was made (and reviewed); make a "
					  "new one with tidepatch plan", file);
		return tp_err_set(err, TP_ECONFIG, "%zu problem%s in plan %s",
				  n, n == 1 ? "" : "s", file);
	}
	*out = plan;
	rc = 0;
	return rc;
}

int tp_plan_load(struct tp_plan **out, const char *path,
		 struct tp_inv_problems *problems, struct tp_err *err)
{
	struct tp_buf b;
	char chunk[65536];
	FILE *f;
	size_t n;
	int rc = 0;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return tp_err_sys(err, errno == ENOENT ? TP_ENOTFOUND : TP_EIO,
				  errno, "cannot open %s", path);
	tp_buf_init(&b, TP_PLAN_FILE_MAX + 1);
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = tp_buf_append(&b, chunk, n, err);
	if (!rc && ferror(f))
		rc = tp_err_sys(err, TP_EIO, errno, "cannot read %s", path);
	fclose(f);
	if (rc == TP_ETOOBIG) {
		struct vctx c = { problems, path, false, problems->n };

		PROBLEM(&c, NULL, "larger than %zu MiB", TP_PLAN_FILE_MAX >> 20);
		rc = c.oom ? tp_err_set(err, TP_ENOMEM, "out of memory") :
			     tp_err_set(err, TP_ECONFIG, "1 problem in plan %s",
					path);
	} else if (!rc) {
		rc = tp_plan_load_buffer(out, path, b.data ? b.data : "", b.len,
					 problems, err);
	}
	tp_buf_release(&b);
	return rc;
}
