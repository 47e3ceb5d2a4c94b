/*
 * scan.c - one host's patch level, through any transport.
 *
 * A scan is a fixed sequence of probes, each one command and one pure
 * parser; the backend (apt, later dnf/zypper/apk) supplies the package
 * probes. Keeping the sequence as data lets the event-loop driver for
 * SSH run the same probes without a second copy of this logic.
 *
 * A failure stops the scan of that host only, and is recorded with its
 * stage so reports can say "updates: apt-get exited 100: E: ...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tidepatch/log.h"
#include "tidepatch/scan.h"

/* Most packages a reboot-required.pkgs list may name. */
#define REBOOT_PKGS_MAX 4096

/*
 * Command lines. Constant strings: nothing from the inventory or the host
 * is interpolated, so no quoting is needed here.
 */
static const char os_cmd[] =
	"cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release";
/* Prints "reboot-required" and the .pkgs lines, or nothing. */
static const char reboot_cmd[] =
	"if [ -e /var/run/reboot-required ]; then echo reboot-required; "
	"cat /var/run/reboot-required.pkgs 2>/dev/null; fi; exit 0";
static const char kernel_cmd[] = "uname -r";

void tp_scan_opts_init(struct tp_scan_opts *opts)
{
	opts->refresh = false;
	opts->timeout_ms = TP_RUN_TIMEOUT_MS_DEFAULT;
	opts->refresh_timeout_ms = 10 * 60 * 1000;
	opts->output_max = TP_RUN_OUT_MAX_DEFAULT;
}

const char *tp_scan_stage_name(enum tp_scan_stage stage)
{
	static const char *const names[] = {
		"os", "refresh", "installed", "updates", "reboot", "kernel",
		"done", "connect",
	};

	if ((unsigned)stage < sizeof(names) / sizeof(names[0]))
		return names[stage];
	return "unknown";
}

void tp_scan_result_release(struct tp_scan_result *res)
{
	size_t i;

	if (!res)
		return;
	free(res->host);
	free(res->scanned_at);
	tp_osinfo_release(&res->os);
	tp_pkg_list_release(&res->installed);
	tp_update_list_release(&res->updates);
	for (i = 0; i < res->n_reboot_pkgs; i++)
		free(res->reboot_pkgs[i]);
	free(res->reboot_pkgs);
	free(res->kernel_running);
	free(res->kernel_newest);
	memset(res, 0, sizeof(*res));
}

/* A name that is safe to print and to match: no controls, no spaces. */
static int valid_token(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 256)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * The reboot probe prints, on Debian and Ubuntu (needrestart and package
 * postinsts write these files):
 *   reboot-required
 *   linux-image-6.1.0-21-amd64
 * or nothing at all when no reboot is pending.
 */
int tp_scan_parse_reboot(struct tp_scan_result *res, const char *data,
			 size_t len, struct tp_err *err)
{
	struct tp_lines it;
	const char *line;
	size_t n;

	tp_lines_init(&it, data, len);
	if (!tp_lines_next(&it, &line, &n))
		return 0;
	if (n != 15 || memcmp(line, "reboot-required", 15))
		return tp_err_set(err, TP_EPARSE,
				  "reboot probe: unexpected first line");
	res->reboot_required = true;
	while (tp_lines_next(&it, &line, &n)) {
		char **grown;
		size_t i;

		if (n == 0)
			continue;
		if (!valid_token(line, n))
			return tp_err_set(err, TP_EPARSE,
					  "reboot-required.pkgs line %zu: not a package name",
					  it.lineno - 1);
		/* postinsts append without checking: keep each name once */
		for (i = 0; i < res->n_reboot_pkgs; i++)
			if (strlen(res->reboot_pkgs[i]) == n &&
			    !memcmp(res->reboot_pkgs[i], line, n))
				break;
		if (i < res->n_reboot_pkgs)
			continue;
		if (res->n_reboot_pkgs >= REBOOT_PKGS_MAX)
			return tp_err_set(err, TP_ETOOBIG,
					  "reboot-required.pkgs names more than %d packages",
					  REBOOT_PKGS_MAX);
		grown = realloc(res->reboot_pkgs,
				(res->n_reboot_pkgs + 1) * sizeof(*grown));
		if (!grown)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		res->reboot_pkgs = grown;
		if (!(grown[res->n_reboot_pkgs] = strndup(line, n)))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		res->n_reboot_pkgs++;
	}
	return 0;
}

/* `uname -r` prints one line: "6.1.0-21-amd64". */
int tp_scan_parse_kernel(struct tp_scan_result *res, const char *data,
			 size_t len, struct tp_err *err)
{
	struct tp_lines it;
	const char *line = NULL;
	size_t n = 0;

	tp_lines_init(&it, data, len);
	if (!tp_lines_next(&it, &line, &n) || !valid_token(line, n))
		return tp_err_set(err, TP_EPARSE,
				  "uname -r: expected one kernel release");
	if (it.pos < it.end)
		return tp_err_set(err, TP_EPARSE,
				  "uname -r: unexpected text after the release");
	free(res->kernel_running);
	if (!(res->kernel_running = strndup(line, n)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

/* What each stage's command is called in messages. */
static const char *stage_what(enum tp_scan_stage stage)
{
	switch (stage) {
	case TP_SCAN_OS:
		return "os-release";
	case TP_SCAN_REFRESH:
		return "refresh";
	case TP_SCAN_INSTALLED:
		return "installed packages";
	case TP_SCAN_UPDATES:
		return "pending updates";
	case TP_SCAN_REBOOT:
		return "reboot flag";
	case TP_SCAN_KERNEL:
		return "kernel";
	default:
		return tp_scan_stage_name(stage);
	}
}

/* Fill each update's source package from the installed list. */
static int attach_sources(struct tp_scan_result *res, struct tp_err *err)
{
	size_t i;

	for (i = 0; i < res->updates.n; i++) {
		struct tp_update *up = &res->updates.items[i];
		const struct tp_pkg *p;

		if (up->source)
			continue;
		p = tp_pkg_list_find(&res->installed, up->name, up->arch);
		if (!p)
			p = tp_pkg_list_find(&res->installed, up->name, NULL);
		if (p && !(up->source = strdup(p->source)))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	return 0;
}

static char *utc_now(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strdup(buf);
}

int tp_scan_job_init(struct tp_scan_job *job, struct tp_scan_result *res,
		     const char *host, const struct tp_scan_opts *opts)
{
	memset(res, 0, sizeof(*res));
	job->res = res;
	job->opts = opts;
	res->stage = TP_SCAN_OS;
	res->host = strdup(host);
	res->scanned_at = utc_now();
	if (!res->host || !res->scanned_at) {
		res->status = tp_err_set(&res->err, TP_ENOMEM, "out of memory");
		res->stage = TP_SCAN_DONE;
	}
	return res->status;
}

const char *tp_scan_job_command(struct tp_scan_job *job, int *timeout_ms)
{
	const struct tp_scan_result *res = job->res;
	const struct tp_pkg_backend *be = res->backend;

	if (res->status)
		return NULL;
	*timeout_ms = job->opts->timeout_ms;
	switch (res->stage) {
	case TP_SCAN_OS:
		return os_cmd;
	case TP_SCAN_REFRESH:
		*timeout_ms = job->opts->refresh_timeout_ms;
		return be->refresh_cmd;
	case TP_SCAN_INSTALLED:
		return be->installed_cmd;
	case TP_SCAN_UPDATES:
		return be->updates_cmd;
	case TP_SCAN_REBOOT:
		return reboot_cmd;
	case TP_SCAN_KERNEL:
		return kernel_cmd;
	default:
		return NULL;
	}
}

/* End the scan with the error already in res->err, stamped with host. */
static int stop(struct tp_scan_result *res, int code, const char *what)
{
	if (what)
		tp_err_prefix(&res->err, "%s: %s", res->host, what);
	else
		tp_err_prefix(&res->err, "%s", res->host);
	res->err.code = code;
	res->status = code;
	tp_info("%s: scan stopped at %s: %s", res->host,
		tp_scan_stage_name(res->stage), res->err.msg);
	return code;
}

int tp_scan_job_fail(struct tp_scan_job *job, enum tp_scan_stage stage,
		     int code, const char *msg)
{
	struct tp_scan_result *res = job->res;

	res->stage = stage;
	tp_err_set(&res->err, code, "%s", msg);
	return stop(res, code, NULL);
}

/* Parse what the current stage's command printed and pick the next stage. */
static int parse_stage(struct tp_scan_result *res,
		       const struct tp_scan_opts *opts, const char *data,
		       size_t len, struct tp_err *err)
{
	const struct tp_pkg_backend *be = res->backend;
	int rc;

	switch (res->stage) {
	case TP_SCAN_OS:
		if ((rc = tp_osinfo_parse(&res->os, data, len, err)))
			return rc;
		if (!res->os.pkg_manager)
			return tp_err_set(err, TP_EUNSUPPORTED,
					  "unsupported operating system '%s'",
					  res->os.id);
		res->backend = tp_pkg_backend_find(res->os.pkg_manager);
		if (!res->backend)
			return tp_err_set(err, TP_EUNSUPPORTED,
					  "%s uses %s, which tidepatch does not support yet",
					  res->os.pretty_name ? res->os.pretty_name :
								res->os.id,
					  res->os.pkg_manager);
		res->stage = opts->refresh ? TP_SCAN_REFRESH : TP_SCAN_INSTALLED;
		return 0;
	case TP_SCAN_REFRESH:
		res->stage = TP_SCAN_INSTALLED;
		return 0;
	case TP_SCAN_INSTALLED:
		if ((rc = be->parse_installed(&res->installed, data, len, err)))
			return rc;
		res->stage = TP_SCAN_UPDATES;
		return 0;
	case TP_SCAN_UPDATES:
		if ((rc = be->parse_updates(&res->updates, data, len, err)) ||
		    (rc = attach_sources(res, err)))
			return rc;
		res->stage = TP_SCAN_REBOOT;
		return 0;
	case TP_SCAN_REBOOT:
		if ((rc = tp_scan_parse_reboot(res, data, len, err)))
			return rc;
		res->stage = TP_SCAN_KERNEL;
		return 0;
	case TP_SCAN_KERNEL:
		if ((rc = tp_scan_parse_kernel(res, data, len, err)) ||
		    (rc = be->newest_kernel(&res->kernel_newest,
					    &res->installed, err)))
			return rc;
		res->stage = TP_SCAN_DONE;
		return 0;
	default:
		return tp_err_set(err, TP_EINVAL, "scan is over");
	}
}

int tp_scan_job_feed(struct tp_scan_job *job, int rc,
		     const struct tp_cmd_result *cr, const struct tp_err *err)
{
	struct tp_scan_result *res = job->res;
	const char *what = stage_what(res->stage);

	if (res->status)
		return res->status;
	if (rc) {
		res->err = *err;
		return stop(res, rc, what);
	}
	if (cr->exit_status != 0) {
		const char *e = cr->errout.data ? cr->errout.data : "";
		size_t n = strcspn(e, "\n");

		if (cr->term_signal) {
			tp_err_set(&res->err, TP_ESIGNAL, "killed by signal %d",
				   cr->term_signal);
			return stop(res, TP_ESIGNAL, what);
		}
		tp_err_set(&res->err, TP_ECMDFAIL, "command exited %d%s%.*s",
			   cr->exit_status, n ? ": " : "",
			   (int)(n > 300 ? 300 : n), e);
		return stop(res, TP_ECMDFAIL, what);
	}
	rc = parse_stage(res, job->opts, cr->out.data, cr->out.len, &res->err);
	if (rc)
		return stop(res, rc, rc == TP_EUNSUPPORTED ? NULL : what);
	return 0;
}

int tp_scan_host(struct tp_scan_result *out, struct tp_transport *t,
		 const struct tp_scan_opts *opts)
{
	struct tp_scan_opts defaults;
	struct tp_scan_job job;
	struct tp_cmd_result cr;
	const char *cmd;
	int timeout_ms = 0;

	if (!opts) {
		tp_scan_opts_init(&defaults);
		opts = &defaults;
	}
	if (tp_scan_job_init(&job, out, t->host, opts))
		return out->status;
	tp_cmd_result_init(&cr);
	while ((cmd = tp_scan_job_command(&job, &timeout_ms))) {
		struct tp_run_opts ro;
		struct tp_err err;
		int rc;

		tp_run_opts_init(&ro);
		ro.timeout_ms = timeout_ms;
		ro.out_max = opts->output_max;
		tp_debug("%s: %s: running %s", t->host,
			 stage_what(out->stage), cmd);
		tp_err_clear(&err);
		rc = tp_transport_run(t, cmd, &ro, &cr, &err);
		tp_scan_job_feed(&job, rc, &cr, &err);
	}
	tp_cmd_result_release(&cr);
	return out->status;
}

size_t tp_scan_count_updates(const struct tp_scan_result *res,
			     bool security_only)
{
	size_t i, n = 0;

	for (i = 0; i < res->updates.n; i++) {
		const struct tp_update *up = &res->updates.items[i];

		if (up->kind == TP_UPDATE_REMOVE)
			continue;
		if (!security_only || up->security)
			n++;
	}
	return n;
}

bool tp_scan_kernel_reboot_needed(const struct tp_scan_result *res)
{
	return res->kernel_running && res->kernel_newest &&
	       strcmp(res->kernel_running, res->kernel_newest) != 0;
}
