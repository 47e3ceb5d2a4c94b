/*
 * build.c - making a plan from scans: which pending updates become pins,
 * in which order the hosts go, how the waves are cut, what reboots to
 * expect, and the priority and deadline of what each host is missing.
 *
 * Invariants: the builder never reads the clock or a file; everything it
 * decides on is in struct tp_plan_input, and every list it produces is
 * sorted by a total order (host order falls back to the inventory index,
 * pins to name and arch), so the same inputs in any order give the same
 * plan. The playbook is parsed from the bytes that get embedded, so the
 * plan can never describe one playbook and carry another.
 *
 * Trade-off: dependencies a selected upgrade pulls in are judged by the
 * selection like any other update (an include list that names only the
 * library leaves a new dependency out). NEEDSWORK: apply should then
 * refuse the transaction rather than install what was not planned.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"
#include "tidepatch/results.h"
#include "tidepatch/version.h"

const char *tp_plan_reboot_name(enum tp_plan_reboot r)
{
	switch (r) {
	case TP_PLAN_REBOOT_NO:
		return "no";
	case TP_PLAN_REBOOT_IF_ASKED:
		return "if-asked";
	case TP_PLAN_REBOOT_YES:
		return "yes";
	}
	return "unknown";
}

int tp_plan_dup(char **out, const char *s)
{
	*out = NULL;
	return s && !(*out = strdup(s)) ? -1 : 0;
}

static void pin_clear(struct tp_plan_pin *p)
{
	size_t i;

	free(p->name);
	free(p->arch);
	free(p->installed);
	free(p->candidate);
	free(p->source);
	free(p->origin);
	for (i = 0; i < p->nadvisories; i++)
		free(p->advisories[i]);
	free(p->advisories);
}

static void skip_clear(struct tp_plan_skip *s)
{
	free(s->name);
	free(s->arch);
	free(s->candidate);
	free(s->reason);
}

void tp_plan_host_clear(struct tp_plan_host *h)
{
	size_t i;

	free(h->name);
	free(h->address);
	free(h->user);
	free(h->ecosystem);
	free(h->backend);
	free(h->kernel);
	free(h->reboot_why);
	free(h->deadline);
	for (i = 0; i < h->npins; i++)
		pin_clear(&h->pins[i]);
	free(h->pins);
	for (i = 0; i < h->nskipped; i++)
		skip_clear(&h->skipped[i]);
	free(h->skipped);
	free(h->error_stage);
	free(h->error_code);
	free(h->error_message);
	memset(h, 0, sizeof(*h));
}

void tp_plan_free(struct tp_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	free(plan->created);
	free(plan->playbook_file);
	free(plan->playbook_content);
	tp_playbook_free(plan->playbook);
	free(plan->inventory);
	for (i = 0; i < plan->ntargets; i++)
		free(plan->targets[i]);
	free(plan->targets);
	free(plan->limit);
	for (i = 0; i < plan->nhosts; i++)
		tp_plan_host_clear(&plan->hosts[i]);
	free(plan->hosts);
	free(plan->wave_sizes);
	free(plan);
}

void tp_plan_count(const struct tp_plan *plan, struct tp_plan_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < plan->nhosts; i++) {
		const struct tp_plan_host *h = &plan->hosts[i];

		if (h->state == TP_PLAN_UP_TO_DATE) {
			out->up_to_date++;
			continue;
		}
		if (h->state == TP_PLAN_UNREACHABLE) {
			out->unreachable++;
			continue;
		}
		out->update++;
		out->pins += h->npins;
		out->reboot_yes += h->reboot == TP_PLAN_REBOOT_YES;
		out->reboot_if_asked += h->reboot == TP_PLAN_REBOOT_IF_ASKED;
	}
}

/* ---- selection ---- */

static bool has_str(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int push_str(char ***v, size_t *n, const char *s)
{
	char **nv;

	if (has_str(*v, *n, s))
		return 0;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return -1;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Does finding f say that update u fixes it? f must be affected, name
 * u's binary package, and the candidate must reach the fixed version
 * (when the advisory names one and both versions parse).
 */
static bool finding_fixed_by(const struct tp_finding *f,
			     const struct tp_update *u,
			     const struct tp_scan_result *scan)
{
	if (!f->affected || !u->candidate ||
	    !has_str(f->binaries, f->nbinaries, u->name))
		return false;
	if (f->fixed && scan->backend && !strcmp(scan->backend->name, "apt") &&
	    !tp_deb_version_check(f->fixed, NULL) &&
	    !tp_deb_version_check(u->candidate, NULL) &&
	    tp_deb_version_cmp(u->candidate, f->fixed) < 0)
		return false;
	return true;
}

/*
 * Why the selection leaves an update out, in the order
 * tp_playbook_package_selected decides (it has the last word; this only
 * explains).
 */
static const char *skip_reason(const struct tp_playbook *pb, const char *name,
			       bool security, enum tp_severity sev,
			       bool advisory_ok)
{
	if (pb->security_only && !security)
		return "not a security update";
	if (sev < pb->min_severity)
		return "below min_severity";
	if (!tp_playbook_package_selected(pb, name, security, sev)) {
		size_t i;

		for (i = 0; i < pb->nexclude; i++)
			if (!fnmatch(pb->exclude[i], name, 0))
				return "excluded";
		return "not included";
	}
	if (!advisory_ok)
		return "fixes no listed advisory";
	return NULL;
}

static int add_skip(struct tp_plan_host *h, const struct tp_update *u,
		    const char *reason)
{
	struct tp_plan_skip *v, *s;

	if (!(v = realloc(h->skipped, (h->nskipped + 1) * sizeof(*v))))
		return -1;
	h->skipped = v;
	s = &v[h->nskipped++];
	memset(s, 0, sizeof(*s));
	if (tp_plan_dup(&s->name, u->name) || tp_plan_dup(&s->arch, u->arch) ||
	    tp_plan_dup(&s->candidate, u->candidate) ||
	    tp_plan_dup(&s->reason, reason))
		return -1;
	return 0;
}

/* Judge one update of scan for host h: a pin, a skip, or nothing. */
static int judge_update(struct tp_plan_host *h, const struct tp_playbook *pb,
			const struct tp_scan_result *scan,
			const struct tp_finding_list *fl,
			const struct tp_update *u)
{
	enum tp_severity sev = TP_SEV_UNKNOWN;
	char **ids = NULL, **adv = NULL;
	size_t nids = 0, nadv = 0, i, k;
	bool security = u->security;
	const char *why;
	struct tp_plan_pin *v, *p;
	int rc = -1;

	if (u->kind == TP_UPDATE_REMOVE || !u->candidate)
		return add_skip(h, u, "a removal; plans only install");
	for (i = 0; fl && i < fl->n; i++) {
		const struct tp_finding *f = &fl->items[i];

		if (!finding_fixed_by(f, u, scan))
			continue;
		security = true;
		if (f->severity > sev)
			sev = f->severity;
		if (push_str(&adv, &nadv, f->advisory) ||
		    push_str(&ids, &nids, f->advisory))
			goto out;
		for (k = 0; k < f->ncves; k++)
			if (push_str(&ids, &nids, f->cves[k]))
				goto out;
	}
	why = skip_reason(pb, u->name, security, sev,
			  tp_playbook_advisory_selected(
				  pb, (const char *const *)ids, nids));
	if (why) {
		rc = add_skip(h, u, why);
		goto out;
	}
	if (!(v = realloc(h->pins, (h->npins + 1) * sizeof(*v))))
		goto out;
	h->pins = v;
	p = &v[h->npins++];
	memset(p, 0, sizeof(*p));
	if (tp_plan_dup(&p->name, u->name) || tp_plan_dup(&p->arch, u->arch) ||
	    tp_plan_dup(&p->installed, u->installed) ||
	    tp_plan_dup(&p->candidate, u->candidate) ||
	    tp_plan_dup(&p->source, u->source) ||
	    tp_plan_dup(&p->origin, u->origin))
		goto out;
	p->kind = u->kind;
	p->security = security;
	p->severity = sev;
	if (nadv)
		qsort(adv, nadv, sizeof(*adv), cmp_strp);
	p->advisories = adv;
	p->nadvisories = nadv;
	adv = NULL; /* ownership moved */
	nadv = 0;
	rc = 0;
out:
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	for (i = 0; i < nadv; i++)
		free(adv[i]);
	free(adv);
	return rc;
}

static int cmp_pin(const void *a, const void *b)
{
	const struct tp_plan_pin *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

static int cmp_skip(const void *a, const void *b)
{
	const struct tp_plan_skip *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

/* ---- reboots, priorities ---- */

static int expect_reboot(struct tp_plan_host *h, const struct tp_playbook *pb,
			 const struct tp_scan_result *scan)
{
	char why[512];
	size_t i;

	h->reboot = TP_PLAN_REBOOT_YES;
	if (pb->reboot == TP_PB_REBOOT_ALWAYS) {
		snprintf(why, sizeof(why), "the playbook always reboots");
	} else if (pb->reboot == TP_PB_REBOOT_NEVER) {
		h->reboot = TP_PLAN_REBOOT_NO;
		snprintf(why, sizeof(why), "the playbook never reboots");
	} else {
		const char *kernel = NULL;

		for (i = 0; i < h->npins && !kernel; i++)
			if (!strncmp(h->pins[i].name, "linux-image-", 12))
				kernel = h->pins[i].name;
		if (kernel)
			snprintf(why, sizeof(why), "kernel package %s", kernel);
		else if (scan->reboot_required)
			snprintf(why, sizeof(why), "a reboot is already required");
		else if (tp_scan_kernel_reboot_needed(scan))
			snprintf(why, sizeof(why), "running kernel %s is not "
				 "the newest installed",
				 scan->kernel_running ? scan->kernel_running :
							"?");
		else {
			h->reboot = TP_PLAN_REBOOT_IF_ASKED;
			snprintf(why, sizeof(why), "if the packages ask for it");
		}
	}
	return tp_plan_dup(&h->reboot_why, why);
}

/*
 * The highest priority and earliest deadline of the missing fixes the
 * pins install, from the compliance evaluation of the host.
 */
static int prioritise(struct tp_plan_host *h, const struct tp_plan_input *in,
		      const struct tp_scan_result *scan,
		      const struct tp_finding_list *fl,
		      const struct tp_inv_host *ih, json_t *seen,
		      struct tp_err *err)
{
	struct tp_policy def;
	struct tp_comp_host ch;
	size_t i, k, p;
	int rc;

	tp_policy_init(&def);
	rc = tp_comp_evaluate_host(&ch, h->name, scan, fl, ih, in->inv,
				   in->policy ? in->policy : &def, seen,
				   in->now, err);
	tp_policy_release(&def);
	if (rc)
		return rc;
	for (i = 0; i < ch.nitems; i++) {
		const struct tp_comp_item *it = &ch.items[i];
		bool ours = false;

		if (it->state != TP_COMP_MISSING &&
		    it->state != TP_COMP_MISSING_OVERDUE)
			continue;
		for (k = 0; k < it->nbinaries && !ours; k++)
			for (p = 0; p < h->npins && !ours; p++)
				ours = !strcmp(it->binaries[k], h->pins[p].name);
		if (!ours)
			continue;
		if (!h->has_priority || it->priority > h->priority)
			h->priority = it->priority;
		h->has_priority = true;
		if (it->deadline &&
		    (!h->deadline || strcmp(it->deadline, h->deadline) < 0)) {
			free(h->deadline);
			if (!(h->deadline = strdup(it->deadline))) {
				tp_comp_host_release(&ch);
				return tp_err_set(err, TP_ENOMEM, "out of memory");
			}
		}
	}
	tp_comp_host_release(&ch);
	return 0;
}

/* ---- hosts and order ---- */

struct slot {
	struct tp_plan_host h;
	size_t inv_index;
};

static const struct tp_playbook *sort_pb;	/* qsort has no payload */

static int cmp_rollout(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	bool cx = x->h.canary, cy = y->h.canary;
	int c;

	if (cx != cy)
		return cx ? -1 : 1;
	switch (sort_pb->order) {
	case TP_PB_ORDER_CRITICALITY:
		if (x->h.criticality != y->h.criticality)
			return x->h.criticality < y->h.criticality ? -1 : 1;
		break;
	case TP_PB_ORDER_NAME:
		if ((c = strcmp(x->h.name, y->h.name)))
			return c;
		break;
	case TP_PB_ORDER_INVENTORY:
		break;
	}
	return x->inv_index < y->inv_index ? -1 : x->inv_index > y->inv_index;
}

static int cmp_rest(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->h.state != y->h.state)
		return x->h.state < y->h.state ? -1 : 1;
	return strcmp(x->h.name, y->h.name);
}

static int fill_host(struct slot *s, const struct tp_plan_input *in,
		     const struct tp_playbook *pb,
		     const struct tp_scan_result *scan,
		     const struct tp_finding_list *fl,
		     const struct tp_inv_host *ih, json_t *seen,
		     struct tp_err *err)
{
	struct tp_plan_host *h = &s->h;
	size_t i;
	int rc;

	if (tp_plan_dup(&h->name, ih->name) ||
	    tp_plan_dup(&h->address, ih->address) ||
	    tp_plan_dup(&h->user, ih->user))
		goto nomem;
	h->port = ih->port;
	h->criticality = ih->criticality;
	h->exposure = ih->exposure;
	s->inv_index = (size_t)(ih - in->inv->hosts);
	if (scan->status) {
		h->state = TP_PLAN_UNREACHABLE;
		if (tp_plan_dup(&h->error_stage,
				tp_scan_stage_name(scan->stage)) ||
		    tp_plan_dup(&h->error_code, tp_errname(scan->status)) ||
		    tp_plan_dup(&h->error_message, scan->err.msg))
			goto nomem;
		return 0;
	}
	if (tp_plan_dup(&h->ecosystem, scan->os.ecosystem) ||
	    tp_plan_dup(&h->backend, scan->backend ? scan->backend->name :
						     NULL) ||
	    tp_plan_dup(&h->kernel, scan->kernel_running))
		goto nomem;
	h->reboot_required = scan->reboot_required;
	for (i = 0; i < scan->updates.n; i++)
		if (judge_update(h, pb, scan, fl, &scan->updates.items[i]))
			goto nomem;
	if (h->npins)
		qsort(h->pins, h->npins, sizeof(*h->pins), cmp_pin);
	if (h->nskipped)
		qsort(h->skipped, h->nskipped, sizeof(*h->skipped), cmp_skip);
	if (!h->npins) {
		h->state = TP_PLAN_UP_TO_DATE;
		return 0;
	}
	h->state = TP_PLAN_UPDATE;
	h->canary = tp_playbook_is_canary(pb, h->name);
	if (expect_reboot(h, pb, scan))
		goto nomem;
	if ((rc = prioritise(h, in, scan, fl, ih, seen, err)))
		return rc;
	return 0;
nomem:
	return tp_err_set(err, TP_ENOMEM, "out of memory");
}

static int copy_targets(struct tp_plan *plan, const struct tp_plan_input *in)
{
	const char *const *t = in->targets;
	size_t n = in->ntargets, i;

	if (!t) {
		t = (const char *const *)plan->playbook->targets;
		n = plan->playbook->ntargets;
	}
	if (n && !(plan->targets = calloc(n, sizeof(*plan->targets))))
		return -1;
	for (i = 0; i < n; i++) {
		if (!(plan->targets[i] = strdup(t[i])))
			return -1;
		plan->ntargets++;
	}
	return tp_plan_dup(&plan->limit, in->targets ? in->limit :
				  plan->playbook->limit);
}

int tp_plan_build(struct tp_plan **out, const struct tp_plan_input *in,
		  struct tp_inv_problems *problems, struct tp_err *err)
{
	struct tp_inv_problems local;
	struct tp_plan *plan = NULL;
	struct slot *slots = NULL;
	json_t *seen = NULL;
	size_t i, k, ncanary = 0;
	char buf[32];
	int rc = TP_ENOMEM;

	*out = NULL;
	tp_inv_problems_init(&local);
	if (!in->inv || !in->playbook_content || !in->playbook_file)
		return tp_err_set(err, TP_EINVAL, "a plan needs an inventory "
				  "and a playbook");
	if (!(plan = calloc(1, sizeof(*plan))))
		goto nomem;
	if ((rc = tp_playbook_load_buffer(&plan->playbook, in->playbook_file,
					  in->playbook_content,
					  in->playbook_len,
					  problems ? problems : &local, err)))
		goto out;
	rc = TP_ENOMEM;
	if (!(plan->playbook_file = strdup(in->playbook_file)) ||
	    !(plan->playbook_content = malloc(in->playbook_len + 1)))
		goto nomem;
	memcpy(plan->playbook_content, in->playbook_content, in->playbook_len);
	plan->playbook_content[in->playbook_len] = '\0';
	plan->playbook_len = in->playbook_len;
	if (tp_plan_sha256_hex(plan->playbook_sha256, in->playbook_content,
			       in->playbook_len))
		goto nomem;
	tp_time_format_utc(buf, sizeof(buf), in->now);
	if (!(plan->created = strdup(buf)) ||
	    tp_plan_dup(&plan->inventory, in->inv->source) ||
	    copy_targets(plan, in))
		goto nomem;
	plan->severities_known = in->findings != NULL;
	plan->advisories = in->findings ? in->advisories : 0;

	/* a copy: building must not change the caller's results state */
	seen = in->first_seen ? json_deep_copy(in->first_seen) : json_object();
	if (!seen || (in->nscans && !(slots = calloc(in->nscans,
						     sizeof(*slots)))))
		goto nomem;
	for (i = 0; i < in->nscans; i++) {
		const struct tp_scan_result *sc = &in->scans[i];
		const struct tp_inv_host *ih =
			sc->host ? tp_inventory_host(in->inv, sc->host) : NULL;

		if (!ih) {
			rc = tp_err_set(err, TP_EINVAL, "%s: not in the inventory",
					sc->host ? sc->host : "(unnamed host)");
			goto out;
		}
		for (k = 0; k < i; k++)
			if (!strcmp(slots[k].h.name, ih->name)) {
				rc = tp_err_set(err, TP_EINVAL, "%s: scanned "
						"twice", ih->name);
				goto out;
			}
		if ((rc = fill_host(&slots[i], in, plan->playbook, sc,
				    in->findings ? &in->findings[i] : NULL, ih,
				    seen, err)))
			goto out;
		if (slots[i].h.state == TP_PLAN_UPDATE) {
			plan->nupdate++;
			ncanary += slots[i].h.canary;
		}
	}

	/* update hosts first, in rollout order; then the rest by name */
	for (i = 0, k = 0; i < in->nscans; i++)
		if (slots[i].h.state == TP_PLAN_UPDATE) {
			struct slot t = slots[k];

			slots[k++] = slots[i];
			slots[i] = t;
		}
	sort_pb = plan->playbook;
	if (plan->nupdate)
		qsort(slots, plan->nupdate, sizeof(*slots), cmp_rollout);
	if (in->nscans > plan->nupdate)
		qsort(slots + plan->nupdate, in->nscans - plan->nupdate,
		      sizeof(*slots), cmp_rest);
	rc = tp_playbook_wave_sizes(plan->playbook, plan->nupdate, ncanary,
				    &plan->wave_sizes, &plan->nwaves, err);
	if (rc == TP_ENOTFOUND) {
		tp_err_set(err, TP_ENOTFOUND, "no canary of the playbook has "
			   "anything to install (up to date, unreachable or "
			   "not targeted): a canary that is not there is no "
			   "canary");
		goto out;
	}
	if (rc)
		goto out;
	for (i = 0, k = 0; i < plan->nwaves; i++) {
		size_t j;

		for (j = 0; j < plan->wave_sizes[i]; j++)
			slots[k++].h.wave = i + 1;
	}
	if (in->nscans &&
	    !(plan->hosts = calloc(in->nscans, sizeof(*plan->hosts))))
		goto nomem;
	for (i = 0; i < in->nscans; i++) {
		plan->hosts[i] = slots[i].h;
		memset(&slots[i].h, 0, sizeof(slots[i].h)); /* moved */
		plan->nhosts++;
	}
	/* the digest of what tp_plan_to_json writes, for summaries */
	{
		json_t *doc = NULL;

		if ((rc = tp_plan_to_json(&doc, plan, err)))
			goto out;
		snprintf(plan->digest, sizeof(plan->digest), "%s",
			 json_string_value(json_object_get(doc, "digest")));
		json_decref(doc);
	}
	*out = plan;
	plan = NULL; /* ownership moved */
	rc = 0;
	goto out;
nomem:
	rc = tp_err_set(err, TP_ENOMEM, "out of memory");
out:
	for (i = 0; slots && i < in->nscans; i++)
		tp_plan_host_clear(&slots[i].h);
	free(slots);
	json_decref(seen);
	tp_plan_free(plan);
	tp_inv_problems_release(&local);
	return rc;
}
