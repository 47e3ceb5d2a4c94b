/*
 * report_table.c - the scan report for people.
 *
 * Versions are never shortened: an admin compares them digit by digit.
 * Columns are as wide as their widest cell instead. Security updates come
 * first because they are what the reader acts on.
 */
#include <stdlib.h>
#include <string.h>

#include "tidepatch/report.h"

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_RESET "\033[0m"

struct painter {
	bool color;
};

static const char *paint(const struct painter *p, const char *code)
{
	return p->color ? code : "";
}

static const char *nz(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static int cmp_updates(const void *a, const void *b)
{
	const struct tp_update *x = *(const struct tp_update *const *)a;
	const struct tp_update *y = *(const struct tp_update *const *)b;
	int c;

	if (x->security != y->security)
		return x->security ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return strcmp(nz(x->arch, ""), nz(y->arch, ""));
}

static size_t max_len(size_t w, const char *s)
{
	size_t n = strlen(nz(s, "-"));

	return n > w ? n : w;
}

static int summary(struct tp_buf *out, const struct tp_scan_result *r,
		   const struct painter *p, struct tp_err *err)
{
	size_t held = 0, broken = 0, i;
	size_t nup = tp_scan_count_updates(r, false);
	size_t nsec = tp_scan_count_updates(r, true);
	size_t nrem = r->updates.n - nup;
	int rc;

	for (i = 0; i < r->installed.n; i++) {
		held += r->installed.items[i].held;
		broken += r->installed.items[i].broken;
	}
	rc = tp_buf_printf(out, err, "%s%s%s  %s  [%s, %s]\n",
			   paint(p, C_BOLD), r->host, paint(p, C_RESET),
			   nz(r->os.pretty_name, r->os.id),
			   nz(r->os.ecosystem, "no OSV ecosystem"),
			   r->backend->name);
	if (!rc)
		rc = tp_buf_printf(out, err,
				   "  installed  %zu packages, %zu held, %zu broken\n",
				   r->installed.n, held, broken);
	if (!rc)
		rc = tp_buf_printf(out, err,
				   "  updates    %zu pending, %s%zu security%s\n",
				   nup, nsec ? paint(p, C_RED) : "", nsec,
				   nsec ? paint(p, C_RESET) : "");
	/* An upgrade that removes packages is what admins most need warning of. */
	if (!rc && nrem)
		rc = tp_buf_printf(out, err, "  removals   %s%zu%s:",
				   paint(p, C_YELLOW), nrem, paint(p, C_RESET));
	for (i = 0; !rc && nrem && i < r->updates.n; i++)
		if (r->updates.items[i].kind == TP_UPDATE_REMOVE)
			rc = tp_buf_printf(out, err, " %s",
					   r->updates.items[i].name);
	if (!rc && nrem)
		rc = tp_buf_puts(out, "\n", err);
	if (!rc)
		rc = tp_buf_printf(out, err, "  reboot     %s%s%s",
				   r->reboot_required ? paint(p, C_YELLOW) : "",
				   r->reboot_required ? "required" :
							"not required",
				   r->reboot_required ? paint(p, C_RESET) : "");
	for (i = 0; !rc && i < r->n_reboot_pkgs; i++)
		rc = tp_buf_printf(out, err, "%s%s", i ? ", " : " by ",
				   r->reboot_pkgs[i]);
	if (!rc)
		rc = tp_buf_printf(out, err, "\n  kernel     %s running",
				   nz(r->kernel_running, "?"));
	if (!rc && r->kernel_newest)
		rc = tp_buf_printf(out, err, ", newest installed %s%s",
				   r->kernel_newest,
				   tp_scan_kernel_reboot_needed(r) ?
					   " (reboot to run it)" : "");
	else if (!rc)
		rc = tp_buf_puts(out, " (no kernel package installed)", err);
	if (!rc)
		rc = tp_buf_puts(out, "\n", err);
	return rc;
}

static int update_rows(struct tp_buf *out, const struct tp_scan_result *r,
		       const struct painter *p, struct tp_err *err)
{
	const struct tp_update **rows = NULL;
	size_t wn = 7, wa = 4, wi = 9, wc = 9, n = 0, i;
	int rc = 0;

	if (!tp_scan_count_updates(r, false))
		return tp_buf_puts(out, "\n  no pending updates\n", err);
	rows = calloc(r->updates.n, sizeof(*rows));
	if (!rows)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < r->updates.n; i++) {
		const struct tp_update *up = &r->updates.items[i];

		if (up->kind == TP_UPDATE_REMOVE)
			continue;
		rows[n++] = up;
		wn = max_len(wn, up->name);
		wa = max_len(wa, up->arch);
		wi = max_len(wi, up->installed);
		wc = max_len(wc, up->candidate);
	}
	qsort(rows, n, sizeof(*rows), cmp_updates);
	rc = tp_buf_printf(out, err, "\n  %s%-*s  %-*s  %-*s  %-*s  %-8s  %s%s\n",
			   paint(p, C_BOLD), (int)wn, "PACKAGE", (int)wa, "ARCH",
			   (int)wi, "INSTALLED", (int)wc, "CANDIDATE",
			   "SECURITY", "ORIGIN", paint(p, C_RESET));
	for (i = 0; !rc && i < n; i++) {
		const struct tp_update *up = rows[i];

		rc = tp_buf_printf(out, err,
				   "  %-*s  %-*s  %-*s  %-*s  %s%-8s%s  %s\n",
				   (int)wn, up->name, (int)wa, nz(up->arch, "-"),
				   (int)wi, nz(up->installed, "-"), (int)wc,
				   nz(up->candidate, "-"),
				   up->security ? paint(p, C_RED) : "",
				   up->security ? "yes" : "no",
				   up->security ? paint(p, C_RESET) : "",
				   nz(up->origin, "-"));
	}
	free(rows);
	return rc;
}

int tp_report_scan_table(struct tp_buf *out, const struct tp_scan_result *res,
			 size_t n, const struct tp_table_style *style,
			 struct tp_err *err)
{
	struct painter p = { style && style->color };
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		const struct tp_scan_result *r = &res[i];

		if (i)
			rc = tp_buf_puts(out, "\n", err);
		if (rc)
			break;
		if (r->status) {
			rc = tp_buf_printf(out, err, "%s%s%s  %sscan failed%s at %s (%s): %s\n",
					   paint(&p, C_BOLD), r->host,
					   paint(&p, C_RESET), paint(&p, C_RED),
					   paint(&p, C_RESET),
					   tp_scan_stage_name(r->stage),
					   tp_errname(r->status), r->err.msg);
			continue;
		}
		rc = summary(out, r, &p, err);
		if (!rc)
			rc = update_rows(out, r, &p, err);
	}
	return rc;
}
