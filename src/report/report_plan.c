/*
 * report_plan.c - a plan for people: the text summary printed after
 * `tidepatch plan`, and the markdown for a merge request.
 *
 * Both show the same things in the same order as the plan file (wave by
 * wave, hosts in rollout order, pins by name), so what a reviewer reads
 * is what the digest covers. Neither is parsed by anything: the JSON
 * plan is the machine form.
 */
#include <stdio.h>
#include <string.h>

#include "tidepatch/plan.h"
#include "tidepatch/report.h"

#define BOLD(st) ((st) && (st)->color ? "\033[1m" : "")
#define RESET(st) ((st) && (st)->color ? "\033[0m" : "")

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static size_t wave_of_start(const struct tp_plan *plan, size_t w)
{
	size_t i, k = 0;

	for (i = 0; i < w; i++)
		k += plan->wave_sizes[i];
	return k;
}

static int text_pins(struct tp_buf *out, const struct tp_plan_host *h,
		     struct tp_err *err)
{
	size_t wn = 7, wa = 4, wi = 9, wc = 9, i;
	int rc = 0;

	for (i = 0; i < h->npins; i++) {
		const struct tp_plan_pin *p = &h->pins[i];
		size_t l;

		if ((l = strlen(p->name)) > wn)
			wn = l;
		if ((l = strlen(or_dash(p->arch))) > wa)
			wa = l;
		if ((l = strlen(or_dash(p->installed))) > wi)
			wi = l;
		if ((l = strlen(p->candidate)) > wc)
			wc = l;
	}
	rc = tp_buf_printf(out, err, "    %-*s  %-*s  %-*s     %-*s  %-9s  %s\n",
			   (int)wn, "PACKAGE", (int)wa, "ARCH", (int)wi,
			   "INSTALLED", (int)wc, "PLANNED", "SEVERITY",
			   "ADVISORIES");
	for (i = 0; !rc && i < h->npins; i++) {
		const struct tp_plan_pin *p = &h->pins[i];
		size_t k;

		rc = tp_buf_printf(out, err, "    %-*s  %-*s  %-*s  -> %-*s  %-9s  ",
				   (int)wn, p->name, (int)wa, or_dash(p->arch),
				   (int)wi, or_dash(p->installed), (int)wc,
				   p->candidate,
				   p->security ? tp_severity_name(p->severity) :
						 "-");
		for (k = 0; !rc && k < p->nadvisories; k++)
			rc = tp_buf_printf(out, err, "%s%s", k ? "," : "",
					   p->advisories[k]);
		if (!rc)
			rc = tp_buf_printf(out, err, "%s\n",
					   p->nadvisories ? "" :
					   p->security ? "security pocket" : "-");
	}
	for (i = 0; !rc && i < h->nskipped; i++)
		rc = tp_buf_printf(out, err, "    (left out: %s %s: %s)\n",
				   h->skipped[i].name,
				   or_dash(h->skipped[i].candidate),
				   h->skipped[i].reason);
	return rc;
}

int tp_report_plan_text(struct tp_buf *out, const struct tp_plan *plan,
			const struct tp_table_style *style,
			struct tp_err *err)
{
	struct tp_plan_counts n;
	size_t w, i;
	int rc;

	tp_plan_count(plan, &n);
	rc = tp_buf_printf(out, err,
			   "%splan %s%s (playbook %s)\n"
			   "digest %s\n"
			   "%zu host%s to update in %zu wave%s, %zu pin%s, "
			   "%zu reboot%s expected (%zu more if the packages "
			   "ask); %zu up to date; %zu unreachable\n",
			   BOLD(style),
			   plan->playbook ? plan->playbook->name : "?",
			   RESET(style), plan->playbook_file, plan->digest,
			   n.update, n.update == 1 ? "" : "s", plan->nwaves,
			   plan->nwaves == 1 ? "" : "s", n.pins,
			   n.pins == 1 ? "" : "s", n.reboot_yes,
			   n.reboot_yes == 1 ? "" : "s", n.reboot_if_asked,
			   n.up_to_date, n.unreachable);
	for (w = 0; !rc && w < plan->nwaves; w++) {
		size_t start = wave_of_start(plan, w);

		rc = tp_buf_printf(out, err, "\n%swave %zu%s%s: %zu host%s\n",
				   BOLD(style), w + 1,
				   plan->hosts[start].canary ? " (canary)" : "",
				   RESET(style), plan->wave_sizes[w],
				   plan->wave_sizes[w] == 1 ? "" : "s");
		for (i = start; !rc && i < start + plan->wave_sizes[w]; i++) {
			const struct tp_plan_host *h = &plan->hosts[i];

			rc = tp_buf_printf(out, err,
					   "  %s%s%s  criticality %s, reboot %s "
					   "(%s), priority %s, deadline %s\n",
					   BOLD(style), h->name, RESET(style),
					   tp_criticality_name(h->criticality),
					   tp_plan_reboot_name(h->reboot),
					   or_dash(h->reboot_why),
					   h->has_priority ?
						   tp_priority_name(h->priority) :
						   "-",
					   or_dash(h->deadline));
			if (!rc)
				rc = text_pins(out, h, err);
		}
	}
	if (!rc && n.up_to_date) {
		rc = tp_buf_puts(out, "\nup to date:", err);
		for (i = plan->nupdate; !rc && i < plan->nhosts; i++)
			if (plan->hosts[i].state == TP_PLAN_UP_TO_DATE)
				rc = tp_buf_printf(out, err, " %s",
						   plan->hosts[i].name);
		if (!rc)
			rc = tp_buf_puts(out, "\n", err);
	}
	if (!rc && n.unreachable) {
		rc = tp_buf_puts(out, "\nunreachable (not in any wave):\n", err);
		for (i = plan->nupdate; !rc && i < plan->nhosts; i++) {
			const struct tp_plan_host *h = &plan->hosts[i];

			if (h->state == TP_PLAN_UNREACHABLE)
				rc = tp_buf_printf(out, err,
						   "  %s (%s, %s): %s\n",
						   h->name,
						   or_dash(h->error_stage),
						   or_dash(h->error_code),
						   or_dash(h->error_message));
		}
	}
	return rc;
}

/* A table cell: pipes and newlines would break the row. */
static int md_cell(struct tp_buf *out, const char *s, struct tp_err *err)
{
	int rc = 0;

	for (; s && *s && !rc; s++) {
		if (*s == '|')
			rc = tp_buf_puts(out, "\\|", err);
		else if (*s == '\n' || *s == '\r')
			rc = tp_buf_puts(out, " ", err);
		else if (*s == '`')
			rc = tp_buf_puts(out, "'", err);
		else
			rc = tp_buf_append(out, s, 1, err);
	}
	return rc;
}

static int md_code(struct tp_buf *out, const char *s, struct tp_err *err)
{
	int rc = tp_buf_puts(out, "`", err);

	if (!rc)
		rc = md_cell(out, s ? s : "-", err);
	if (!rc)
		rc = tp_buf_puts(out, "`", err);
	return rc;
}

static int md_host(struct tp_buf *out, const struct tp_plan_host *h,
		   struct tp_err *err)
{
	size_t i, k;
	int rc;

	rc = tp_buf_puts(out, "| ", err);
	if (!rc)
		rc = md_code(out, h->name, err);
	if (!rc)
		rc = tp_buf_printf(out, err, " | %s | %s | %s | %s | ",
				   tp_criticality_name(h->criticality),
				   tp_plan_reboot_name(h->reboot),
				   h->has_priority ?
					   tp_priority_name(h->priority) : "-",
				   or_dash(h->deadline));
	for (i = 0; !rc && i < h->npins; i++) {
		const struct tp_plan_pin *p = &h->pins[i];

		if (i)
			rc = tp_buf_puts(out, "<br>", err);
		if (!rc)
			rc = md_code(out, p->name, err);
		if (!rc)
			rc = tp_buf_puts(out, " ", err);
		if (!rc)
			rc = md_cell(out, or_dash(p->installed), err);
		if (!rc)
			rc = tp_buf_puts(out, " → ", err);
		if (!rc)
			rc = md_code(out, p->candidate, err);
		if (!rc && p->security)
			rc = tp_buf_printf(out, err, " (%s",
					   tp_severity_name(p->severity));
		for (k = 0; !rc && p->security && k < p->nadvisories; k++) {
			rc = tp_buf_puts(out, k ? ", " : ": ", err);
			if (!rc)
				rc = md_cell(out, p->advisories[k], err);
		}
		if (!rc && p->security)
			rc = tp_buf_puts(out, ")", err);
	}
	if (!rc)
		rc = tp_buf_puts(out, " |\n", err);
	return rc;
}

int tp_report_plan_markdown(struct tp_buf *out, const struct tp_plan *plan,
			    struct tp_err *err)
{
	struct tp_plan_counts n;
	size_t w, i;
	int rc;

	tp_plan_count(plan, &n);
	rc = tp_buf_puts(out, "### tidepatch plan ", err);
	if (!rc)
		rc = md_code(out, plan->playbook ? plan->playbook->name : "?",
			     err);
	if (!rc)
		rc = tp_buf_puts(out, "\n\n| | |\n|---|---|\n| playbook | ",
				 err);
	if (!rc)
		rc = md_code(out, plan->playbook_file, err);
	if (!rc)
		rc = tp_buf_printf(out, err, " (sha256 `%.12s`) |\n"
				   "| digest | `%s` |\n"
				   "| hosts | %zu to update in %zu wave%s, %zu up "
				   "to date, %zu unreachable |\n"
				   "| pins | %zu |\n"
				   "| reboots | %zu expected, %zu if the "
				   "packages ask |\n"
				   "| severities | %s |\n",
				   plan->playbook_sha256, plan->digest,
				   n.update, plan->nwaves,
				   plan->nwaves == 1 ? "" : "s", n.up_to_date,
				   n.unreachable, n.pins, n.reboot_yes,
				   n.reboot_if_asked,
				   plan->severities_known ?
					   "from the advisories" :
					   "unknown (no advisory data)");
	for (w = 0; !rc && w < plan->nwaves; w++) {
		size_t start = wave_of_start(plan, w);

		rc = tp_buf_printf(out, err, "\n#### Wave %zu%s\n\n"
				   "| host | criticality | reboot | priority | "
				   "deadline | pins |\n"
				   "|---|---|---|---|---|---|\n", w + 1,
				   plan->hosts[start].canary ? " (canary)" : "");
		for (i = start; !rc && i < start + plan->wave_sizes[w]; i++)
			rc = md_host(out, &plan->hosts[i], err);
	}
	if (!rc && (n.up_to_date || n.unreachable))
		rc = tp_buf_puts(out, "\n#### Not in any wave\n\n"
				 "| host | why |\n|---|---|\n", err);
	for (i = plan->nupdate; !rc && i < plan->nhosts; i++) {
		const struct tp_plan_host *h = &plan->hosts[i];

		rc = tp_buf_puts(out, "| ", err);
		if (!rc)
			rc = md_code(out, h->name, err);
		if (!rc && h->state == TP_PLAN_UP_TO_DATE)
			rc = tp_buf_puts(out, " | up to date", err);
		else if (!rc) {
			rc = tp_buf_printf(out, err, " | not scanned (%s, "
					   "%s): ", or_dash(h->error_stage),
					   or_dash(h->error_code));
			if (!rc)
				rc = md_cell(out, h->error_message, err);
		}
		if (!rc)
			rc = tp_buf_puts(out, " |\n", err);
	}
	return rc;
}
