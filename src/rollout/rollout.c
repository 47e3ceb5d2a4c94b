/*
 * rollout.c - the Deploy phase: a plan's waves, host by host, through
 * the phase machine of rollout.h, journaled before and after every step
 * that changes a host.
 *
 * Driving: each wave is worked in segments. A segment is one
 * tp_many_run over the wave's hosts that still have work; each host runs
 * its steps one command after another on one session until it finishes,
 * fails, or reboots (a reboot ends its session; later segments poll its
 * boot id on fresh connections until it changes or the reboot deadline
 * passes). A step's command comes from next(), its outcome goes to
 * feed(); neither blocks, so one thread drives the whole wave.
 *
 * Durability: an intent record is fsync'd before a step's command is
 * sent, the outcome after it is parsed. On resume, a step with an intent
 * and no outcome is "in doubt": an apply is then queried on the host
 * (all new versions: it happened; all old: do it again; a mix: the host
 * fails and is rolled back), a reboot is polled, anything else is safe
 * to run again (stage and keep are idempotent, checks read only).
 *
 * Never: apply on a host whose staged files differ from the canary's
 * (the first host staged in the run); go on after a journal write
 * failed (the run stops with TP_EIO: evidence first).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tidepatch/checks.h"
#include "tidepatch/quote.h"
#include "tidepatch/results.h"
#include "tidepatch/rollout.h"

enum step {
	S_PRECHECK,
	S_BACKUP,
	S_STAGE,
	S_KEEP,
	S_APPLY_QUERY,		/* resume: did an interrupted apply happen? */
	S_APPLY,
	S_REBOOT_NEED,		/* reboot wanted? and the boot id before */
	S_REBOOT,
	S_WAIT_BOOT,		/* poll the boot id on fresh sessions */
	S_KERNEL,		/* after a reboot: the newest kernel runs? */
	S_VERIFY,
	S_ROLLBACK,
	S_DONE,			/* verified */
	S_FAILED,
	S_ROLLED_BACK,
	S_UNTOUCHED,		/* halted or paused before it started */
};

static const char *const step_names[] = {
	"precheck", "backup", "stage", "keep", "apply", "apply", "reboot",
	"reboot", "reboot", "reboot", "verify", "rollback", "done", "failed",
	"rolled_back", "pending",
};

struct rhost {
	const struct tp_plan_host *ph;
	const struct tp_host_spec *spec;
	enum step step;
	bool changed;		/* an apply was (or may have been) made */
	bool unreachable;
	bool wave_rollback;	/* failed under rollback-wave */
	bool polled;		/* S_WAIT_BOOT: asked this segment */
	unsigned verify_attempt;
	unsigned retries;	/* lost sessions in S_ROLLBACK */
	time_t reboot_deadline;
	char old_boot[128];
	char reason[512];
	struct tp_pkg_pin *after, *before, *removes;
	size_t npins, nkeep, nremoves;
	struct tp_pkg_pin *keep;	/* before pins that have a version */
	struct tp_pkg_file_list staged, kept;
	char *cmd;		/* the command in flight */
};

struct engine {
	const struct tp_pkg_backend *backend;
	const struct tp_plan *plan;
	const struct tp_playbook *pb;
	struct tp_journal *j;
	const struct tp_rollout_opts *o;
	const struct tp_pkg_rollout *ops;
	struct rhost *h;
	size_t n;
	size_t *seg;		/* hosts of the current segment */
	size_t nseg;
	char stage_dir[TP_PKG_DIR_MAX + 1];
	char keep_dir[TP_PKG_DIR_MAX + 1];
	struct tp_pkg_file_list ref;	/* every file staged so far */
	bool halt;		/* the halt policy was triggered */
	int io_rc;		/* a journal write failed: stop */
	struct tp_err io_err;
};

const char *tp_rollout_outcome_name(enum tp_rollout_outcome o)
{
	switch (o) {
	case TP_ROLLOUT_DONE:
		return "done";
	case TP_ROLLOUT_HALTED:
		return "halted";
	case TP_ROLLOUT_PAUSED:
		return "paused";
	}
	return "?";
}

static const char *str_or(const char *s)
{
	return s ? s : "";
}

static bool terminal(const struct rhost *rh)
{
	return rh->step >= S_DONE;
}

/* ---- journal and events ---- */

static void jlog(struct engine *e, const char *host, const char *step,
		 enum tp_journal_kind kind, json_t *data)
{
	struct tp_err err = { 0 };

	if (!e->io_rc &&
	    tp_journal_append(e->j, host, step, kind, data, &err)) {
		e->io_rc = err.code ? err.code : TP_EIO;
		e->io_err = err;
	}
	json_decref(data);
}

static void emit(struct engine *e, json_t *ev)
{
	char now[32];

	if (!ev)
		return;
	tp_time_format_utc(now, sizeof(now), time(NULL));
	json_object_set_new(ev, "time", json_string(now));
	json_object_set_new(ev, "run", json_string(tp_journal_run_id(e->j)));
	if (e->o->on_event)
		e->o->on_event(e->o->payload, ev);
	json_decref(ev);
}

/*
 * Where the whole rollout stands, for progress displays: verified,
 * failed (rolled back included), in progress, not reached.
 */
static json_t *progress(const struct engine *e)
{
	size_t done = 0, failed = 0, busy = 0, untouched = 0, i;

	for (i = 0; i < e->n; i++) {
		const struct rhost *rh = &e->h[i];

		if (rh->step == S_DONE)
			done++;
		else if (rh->step == S_FAILED || rh->step == S_ROLLED_BACK)
			failed++;
		else if (rh->step == S_PRECHECK && !rh->changed)
			untouched++;
		else
			busy++;
	}
	return json_pack("{s:i, s:i, s:i, s:i}", "succeeded", (int)done,
			 "failed", (int)failed, "in_progress", (int)busy,
			 "not_reached", (int)untouched);
}

static void host_event(struct engine *e, struct rhost *rh, const char *event)
{
	emit(e, json_pack("{s:s, s:s, s:i, s:s, s:s?, s:o}", "event", event,
			  "host", rh->ph->name, "wave", (int)rh->ph->wave,
			  "phase", step_names[rh->step], "reason",
			  rh->reason[0] ? rh->reason : NULL, "progress",
			  progress(e)));
}

/* ---- files and pins as JSON (journal data) ---- */

static json_t *files_json(const struct tp_pkg_file_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < l->n; i++) {
		const struct tp_pkg_file *f = &l->items[i];

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s, s:s, s:s, s:I, s:i}", "name", f->name,
			"arch", f->arch, "version", f->version, "filename",
			f->filename, "sha256", f->sha256, "size",
			(json_int_t)f->size, "how", (int)f->how));
	}
	return a;
}

static int files_from_json(struct tp_pkg_file_list *out, const json_t *a)
{
	const json_t *o;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(a))
		return -1;
	out->items = calloc(json_array_size(a) + 1, sizeof(*out->items));
	if (!out->items)
		return -1;
	json_array_foreach(a, i, o) {
		struct tp_pkg_file *f = &out->items[out->n];
		const char *sha = json_string_value(json_object_get(o, "sha256"));

		f->name = strdup(str_or(json_string_value(json_object_get(o, "name"))));
		f->arch = strdup(str_or(json_string_value(json_object_get(o, "arch"))));
		f->version = strdup(str_or(json_string_value(json_object_get(o, "version"))));
		f->filename = strdup(str_or(json_string_value(json_object_get(o, "filename"))));
		if (!sha || strlen(sha) != 64 || !f->name || !f->arch ||
		    !f->version || !f->filename)
			return -1;
		memcpy(f->sha256, sha, 65);
		f->size = (unsigned long long)json_integer_value(
			json_object_get(o, "size"));
		f->how = (enum tp_pkg_file_how)json_integer_value(
			json_object_get(o, "how"));
		out->n++;
	}
	out->alloc = out->n + 1;
	return 0;
}

static json_t *pins_json(const struct tp_pkg_pin *p, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s?, s:s?}", "name",
						   p[i].name, "arch", p[i].arch,
						   "version", p[i].version));
	return a;
}

/* ---- host setup ---- */

static int host_init(struct rhost *rh, const struct tp_plan_host *ph,
		     const struct tp_host_spec *spec)
{
	size_t i;

	memset(rh, 0, sizeof(*rh));
	rh->ph = ph;
	rh->spec = spec;
	rh->npins = ph->npins;
	rh->after = calloc(ph->npins + 1, sizeof(*rh->after));
	rh->before = calloc(ph->npins + 1, sizeof(*rh->before));
	rh->keep = calloc(ph->npins + 1, sizeof(*rh->keep));
	rh->removes = calloc(ph->npins + 1, sizeof(*rh->removes));
	if (!rh->after || !rh->before || !rh->keep || !rh->removes)
		return -1;
	for (i = 0; i < ph->npins; i++) {
		const struct tp_plan_pin *p = &ph->pins[i];
		struct tp_pkg_pin pin = { p->name, p->arch, p->candidate };

		rh->after[i] = pin;
		pin.version = p->installed;	/* NULL: a new package */
		rh->before[i] = pin;
		if (p->installed)
			rh->keep[rh->nkeep++] = pin;
		else
			rh->removes[rh->nremoves++] = pin;
	}
	return 0;
}

static void host_release(struct rhost *rh)
{
	free(rh->after);
	free(rh->before);
	free(rh->keep);
	free(rh->removes);
	tp_pkg_file_list_release(&rh->staged);
	tp_pkg_file_list_release(&rh->kept);
	free(rh->cmd);
}

/*
 * Where a host stands after a crash, from the journal alone (see the
 * file comment). Files staged and kept are read back from it.
 */
static void host_resume(struct engine *e, struct rhost *rh)
{
	const struct tp_journal_state *st = tp_journal_state(e->j);
	const char *name = rh->ph->name, *doubt;
	const json_t *d;

	/* what rollback needs, whatever the outcome */
	if ((d = tp_journal_step_data(st, name, "stage", TP_JOURNAL_DONE)))
		files_from_json(&rh->staged, json_object_get(d, "files"));
	if ((d = tp_journal_step_data(st, name, "keep", TP_JOURNAL_DONE)))
		files_from_json(&rh->kept, json_object_get(d, "files"));
	if ((d = tp_journal_step_data(st, name, "reboot", TP_JOURNAL_INTENT)))
		snprintf(rh->old_boot, sizeof(rh->old_boot), "%s",
			 str_or(json_string_value(json_object_get(d, "boot_id"))));
	rh->changed = tp_journal_step_last(st, name, "apply") != TP_JOURNAL_NONE;
	doubt = tp_journal_in_doubt(st, name);
	if (doubt && !strcmp(doubt, "rollback")) {
		/* a rollback cut short, even of a host with an outcome:
		 * finish it before anything else */
		rh->step = S_ROLLBACK;
		return;
	}
	if (tp_journal_step_last(st, name, "host") == TP_JOURNAL_DONE) {
		rh->step = tp_journal_step_done(st, name, "rollback") ?
				   S_ROLLED_BACK : S_DONE;
		return;
	}
	if (tp_journal_step_last(st, name, "host") == TP_JOURNAL_FAILED) {
		rh->step = tp_journal_step_done(st, name, "rollback") ?
				   S_ROLLED_BACK : S_FAILED;
		d = tp_journal_step_data(st, name, "host", TP_JOURNAL_FAILED);
		snprintf(rh->reason, sizeof(rh->reason), "%s",
			 str_or(json_string_value(json_object_get(d, "reason"))));
		rh->unreachable = json_is_true(json_object_get(d, "unreachable"));
		return;
	}
	if (doubt && !strcmp(doubt, "apply"))
		rh->step = S_APPLY_QUERY;
	else if (doubt && !strcmp(doubt, "reboot")) {
		rh->step = S_WAIT_BOOT;
		rh->reboot_deadline = time(NULL) + e->pb->timeout_reboot;
	} else if (doubt && !strcmp(doubt, "rollback"))
		rh->step = S_ROLLBACK;
	else if (tp_journal_step_done(st, name, "verify"))
		rh->step = S_DONE;
	else if (tp_journal_step_done(st, name, "reboot"))
		rh->step = S_KERNEL;
	else if (tp_journal_step_done(st, name, "apply"))
		rh->step = S_REBOOT_NEED;
	else if (tp_journal_step_done(st, name, "keep"))
		rh->step = S_APPLY;
	else if (tp_journal_step_done(st, name, "stage"))
		rh->step = S_KEEP;
	else if (tp_journal_step_done(st, name, "backup"))
		rh->step = S_STAGE;
	else if (tp_journal_step_done(st, name, "precheck"))
		rh->step = e->pb->backup_command ? S_BACKUP : S_STAGE;
	else
		rh->step = S_PRECHECK;
}

/* ---- failing a host ---- */

static void finish_host(struct engine *e, struct rhost *rh, enum step to)
{
	rh->step = to;
	if (to == S_DONE)
		jlog(e, rh->ph->name, "host", TP_JOURNAL_DONE,
		     json_pack("{s:s}", "outcome", "verified"));
	else if (to == S_ROLLED_BACK)
		jlog(e, rh->ph->name, "host", TP_JOURNAL_FAILED,
		     json_pack("{s:s, s:s, s:b}", "outcome", "rolled_back",
			       "reason", rh->reason, "unreachable", 0));
	else
		jlog(e, rh->ph->name, "host", TP_JOURNAL_FAILED,
		     json_pack("{s:s, s:s, s:b}", "outcome", "failed", "reason",
			       rh->reason, "unreachable", rh->unreachable));
	host_event(e, rh, to == S_DONE ? "host-done" :
			  to == S_ROLLED_BACK ? "host-rolled-back" :
			  rh->unreachable ? "host-unreachable" : "host-failed");
}

/*
 * step failed with reason: journal it, then the playbook's policy. A host
 * that changed nothing simply fails; one that applied is rolled back
 * (rollback-host), waits for its wave's rollback (rollback-wave), or is
 * left as it is and the rollout halts (halt).
 */
static void fail_step(struct engine *e, struct rhost *rh, const char *step,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail_step(struct engine *e, struct rhost *rh, const char *step,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rh->reason, sizeof(rh->reason), fmt, ap);
	va_end(ap);
	jlog(e, rh->ph->name, step, TP_JOURNAL_FAILED,
	     json_pack("{s:s}", "reason", rh->reason));
	if (rh->step == S_ROLLBACK) {
		finish_host(e, rh, S_FAILED);
		return;
	}
	if (!rh->changed) {
		finish_host(e, rh, S_FAILED);
		return;
	}
	switch (e->pb->on_failure) {
	case TP_PB_ONFAIL_ROLLBACK_HOST:
		host_event(e, rh, "host-failed");	/* then rolled back */
		rh->step = S_ROLLBACK;
		break;
	case TP_PB_ONFAIL_ROLLBACK_WAVE:
		host_event(e, rh, "host-failed");
		rh->wave_rollback = true;
		rh->step = S_ROLLBACK;
		break;
	default:
		e->halt = true;
		finish_host(e, rh, S_FAILED);
	}
}

/* ---- the steps: commands ---- */

static const char *tail(const struct tp_cmd_result *res, char *buf,
			size_t size)
{
	const char *s = res && res->errout.data ? res->errout.data : "";
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n > 300) {
		s += n - 300;
		n = 300;
	}
	snprintf(buf, size, "%.*s", (int)n, s);
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return buf;
}

static char *script_of(const struct tp_playbook *pb, enum tp_check_set set,
		       unsigned delay)
{
	struct tp_buf b;
	struct tp_err err = { 0 };
	char *s = NULL;

	tp_buf_init(&b, 1 << 20);
	if (delay)
		tp_buf_printf(&b, &err, "sleep %u\n", delay);
	if (!tp_checks_script(&b, pb, set, &err) && b.data)
		s = strdup(b.data);
	tp_buf_release(&b);
	return s;
}

/* "sh -c 'sleep 2; CMD'" detached, so the session ends cleanly first. */
static char *detached(const char *cmd)
{
	struct tp_buf b, inner;
	struct tp_err err = { 0 };
	char *s = NULL;

	tp_buf_init(&b, 1 << 16);
	tp_buf_init(&inner, 1 << 16);
	if (!tp_buf_printf(&inner, &err, "sleep 2; %s", cmd) &&
	    !tp_buf_puts(&b, "nohup /bin/sh -c ", &err) &&
	    !tp_shell_quote(&b, inner.data, &err) &&
	    !tp_buf_puts(&b, " >/dev/null 2>&1 </dev/null &", &err))
		s = strdup(b.data);
	tp_buf_release(&b);
	tp_buf_release(&inner);
	return s;
}

/*
 * Wait (up to a minute) while dpkg or apt-get runs on the host: after a
 * crash of ours, the apply we sent may still be running there, and
 * neither its query nor a second apply may overlap it.
 */
#define WAIT_DPKG "i=0; while [ $i -lt 60 ] && cat /proc/[0-9]*/comm " \
	"2>/dev/null | grep -qx -e dpkg -e apt-get; do sleep 1; " \
	"i=$((i + 1)); done; "

/* prefix + cmd, freeing cmd; NULL on ENOMEM. */
static char *prefixed(const char *prefix, char *cmd)
{
	char *s = cmd ? malloc(strlen(prefix) + strlen(cmd) + 1) : NULL;

	if (s) {
		strcpy(s, prefix);
		strcat(s, cmd);
	}
	free(cmd);
	return s;
}

static const char *boot_id_cmd(const struct tp_playbook *pb)
{
	return pb->boot_id_command ? pb->boot_id_command :
				     TP_PB_BOOT_ID_COMMAND;
}

/* The command for rh's current step (moving past steps with nothing to
 * do), or NULL when it has none now. */
static const char *next_cmd(struct engine *e, struct rhost *rh,
			    struct tp_run_opts *ro)
{
	const struct tp_playbook *pb = e->pb;
	const char *name = rh->ph->name;
	struct tp_err err = { 0 };
	char *cmd = NULL;
	int rc = 0;

	free(rh->cmd);
	rh->cmd = NULL;
	for (;;) {
		if (e->io_rc || terminal(rh))
			return NULL;
		switch (rh->step) {
		case S_PRECHECK:
			if (!tp_checks_count(pb, TP_CHECKS_PRE)) {
				jlog(e, name, "precheck", TP_JOURNAL_DONE,
				     json_pack("{s:i}", "checks", 0));
				rh->step = pb->backup_command ? S_BACKUP : S_STAGE;
				continue;
			}
			cmd = script_of(pb, TP_CHECKS_PRE, 0);
			ro->timeout_ms = (int)pb->timeout_precheck * 1000;
			jlog(e, name, "precheck", TP_JOURNAL_INTENT, NULL);
			break;
		case S_BACKUP:
			if (!pb->backup_command) {
				rh->step = S_STAGE;
				continue;
			}
			cmd = strdup(pb->backup_command);
			ro->timeout_ms = (int)pb->backup_timeout * 1000;
			jlog(e, name, "backup", TP_JOURNAL_INTENT,
			     json_pack("{s:s}", "command", pb->backup_command));
			break;
		case S_STAGE:
			rc = e->ops->stage_cmd(&cmd, e->stage_dir, rh->after,
					       rh->npins, &err);
			ro->timeout_ms = (int)pb->timeout_stage * 1000;
			jlog(e, name, "stage", TP_JOURNAL_INTENT,
			     json_pack("{s:s, s:o}", "dir", e->stage_dir, "pins",
				       pins_json(rh->after, rh->npins)));
			break;
		case S_KEEP:
			if (!rh->nkeep) {
				jlog(e, name, "keep", TP_JOURNAL_DONE,
				     json_pack("{s:[]}", "files"));
				rh->step = S_APPLY;
				continue;
			}
			rc = e->ops->keep_cmd(&cmd, e->keep_dir, rh->keep,
					      rh->nkeep, &err);
			ro->timeout_ms = (int)pb->timeout_stage * 1000;
			jlog(e, name, "keep", TP_JOURNAL_INTENT,
			     json_pack("{s:s}", "dir", e->keep_dir));
			break;
		case S_APPLY_QUERY:
			rc = e->ops->query_cmd(&cmd, rh->after, rh->npins, &err);
			cmd = prefixed(WAIT_DPKG, cmd);
			ro->timeout_ms = 120 * 1000;
			break;
		case S_APPLY:
			rc = e->ops->apply_cmd(&cmd, e->stage_dir,
					       rh->staged.items, rh->staged.n,
					       &err);
			cmd = prefixed(WAIT_DPKG, cmd);
			ro->timeout_ms = (int)pb->timeout_apply * 1000;
			rh->changed = true;
			jlog(e, name, "apply", TP_JOURNAL_INTENT,
			     json_pack("{s:o, s:o}", "before",
				       pins_json(rh->before, rh->npins),
				       "after", pins_json(rh->after, rh->npins)));
			break;
		case S_REBOOT_NEED:
			if (pb->reboot == TP_PB_REBOOT_NEVER) {
				rh->step = S_VERIFY;
				continue;
			}
			cmd = malloc(strlen(boot_id_cmd(pb)) + 96);
			if (cmd)
				sprintf(cmd, "if [ -e /var/run/reboot-required ]; "
					"then echo yes; else echo no; fi; %s",
					boot_id_cmd(pb));
			ro->timeout_ms = 60 * 1000;
			break;
		case S_REBOOT:
			cmd = detached(pb->reboot_command ? pb->reboot_command :
				       TP_PB_REBOOT_COMMAND);
			ro->timeout_ms = 60 * 1000;
			jlog(e, name, "reboot", TP_JOURNAL_INTENT,
			     json_pack("{s:s}", "boot_id", rh->old_boot));
			host_event(e, rh, "host-reboot");
			break;
		case S_WAIT_BOOT:
			if (rh->polled)
				return NULL;
			rh->polled = true;
			cmd = strdup(boot_id_cmd(pb));
			ro->timeout_ms = 30 * 1000;
			break;
		case S_KERNEL:
			/* the running kernel and the installed ones, apart */
			cmd = malloc(strlen(e->backend->installed_cmd) + 64);
			if (cmd)
				sprintf(cmd, "uname -r; echo tp-kernels; %s",
					e->backend->installed_cmd);
			ro->timeout_ms = 120 * 1000;
			break;
		case S_VERIFY:
			if (!tp_checks_count(pb, TP_CHECKS_VERIFY)) {
				jlog(e, name, "verify", TP_JOURNAL_DONE,
				     json_pack("{s:i}", "checks", 0));
				finish_host(e, rh, S_DONE);
				return NULL;
			}
			cmd = script_of(pb, TP_CHECKS_VERIFY, rh->verify_attempt ?
					pb->verify_delay : 0);
			ro->timeout_ms = (int)(pb->timeout_verify +
					       pb->verify_delay) * 1000;
			if (!rh->verify_attempt)
				jlog(e, name, "verify", TP_JOURNAL_INTENT, NULL);
			break;
		case S_ROLLBACK:
			if (!rh->kept.n && !rh->nremoves) {
				fail_step(e, rh, "rollback", "nothing was kept "
					  "to roll back to");
				return NULL;
			}
			rc = e->ops->rollback_cmd(&cmd, e->keep_dir,
						  rh->kept.items, rh->kept.n,
						  rh->removes, rh->nremoves, &err);
			cmd = prefixed(WAIT_DPKG, cmd);
			ro->timeout_ms = (int)pb->timeout_rollback * 1000;
			jlog(e, name, "rollback", TP_JOURNAL_INTENT,
			     json_pack("{s:o}", "to", pins_json(rh->before,
								rh->npins)));
			break;
		default:
			return NULL;
		}
		break;
	}
	if (rc || !cmd) {
		free(cmd);
		fail_step(e, rh, step_names[rh->step], "cannot build the "
			  "command: %s", rc ? err.msg : "out of memory");
		return NULL;
	}
	rh->cmd = cmd;
	return cmd;
}

/* ---- the steps: outcomes ---- */

static int file_copy(struct tp_pkg_file *to, const struct tp_pkg_file *f)
{
	*to = *f;
	to->name = strdup(f->name);
	to->arch = strdup(f->arch);
	to->version = strdup(f->version);
	to->filename = strdup(f->filename);
	return to->name && to->arch && to->version && to->filename ? 0 : -1;
}

/*
 * The same package version must be the same bytes on every host: the
 * first host that stages a file (the canary, for what it installs) sets
 * its size and SHA-256, every later host must match. Hosts may stage
 * different sets (one already has a fix): files are compared by name,
 * and a file no host staged before joins the reference, journaled (the
 * latest "reference" record holds them all, for resume).
 */
static bool check_reference(struct engine *e, const struct rhost *rh,
			    char *why, size_t size)
{
	size_t i, k, added = 0;

	for (i = 0; i < rh->staged.n; i++) {
		const struct tp_pkg_file *f = &rh->staged.items[i];

		for (k = 0; k < e->ref.n; k++)
			if (!strcmp(e->ref.items[k].filename, f->filename))
				break;
		if (k < e->ref.n) {
			const struct tp_pkg_file *r = &e->ref.items[k];

			if (strcmp(r->sha256, f->sha256) || r->size != f->size) {
				snprintf(why, size, "%s differs from what the "
					 "first host got (sha256 %.16s... %llu "
					 "bytes, not %.16s... %llu bytes)",
					 f->filename, f->sha256, f->size,
					 r->sha256, r->size);
				return false;
			}
			continue;
		}
		if (e->ref.n == e->ref.alloc) {
			size_t cap = e->ref.alloc ? e->ref.alloc * 2 : 16;
			struct tp_pkg_file *v = realloc(e->ref.items,
							cap * sizeof(*v));

			if (!v) {
				snprintf(why, size, "out of memory");
				return false;
			}
			e->ref.items = v;
			e->ref.alloc = cap;
		}
		if (file_copy(&e->ref.items[e->ref.n], f)) {
			snprintf(why, size, "out of memory");
			return false;
		}
		e->ref.n++;
		added++;
	}
	if (added)
		jlog(e, NULL, "reference", TP_JOURNAL_DONE,
		     json_pack("{s:s, s:o}", "host", rh->ph->name, "files",
			       files_json(&e->ref)));
	return true;
}

/* Installed versions against pins; false with the first difference. */
static bool pins_hold(struct engine *e, const struct tp_pkg_pin *want,
		      size_t n, const struct tp_pkg_pin *names, size_t nn,
		      const struct tp_cmd_result *res, char *why, size_t size)
{
	struct tp_pkg_list got = { 0 };
	struct tp_pkg_mismatch_list mm = { 0 };
	struct tp_err err = { 0 };
	bool ok = false;

	if (e->ops->parse_query(&got, names, nn, res->out.data ? res->out.data :
				"", res->out.len, &err)) {
		snprintf(why, size, "%s", err.msg);
	} else if (tp_pkg_verify_pins(&mm, &got, want, n, &err)) {
		snprintf(why, size, "%s", err.msg);
	} else if (mm.n) {
		snprintf(why, size, "%s is %s, expected %s%s", mm.items[0].name,
			 mm.items[0].got ? mm.items[0].got : "not installed",
			 mm.items[0].want ? mm.items[0].want : "not installed",
			 mm.items[0].broken ? " (broken)" : "");
	} else {
		ok = true;
	}
	tp_pkg_list_release(&got);
	tp_pkg_mismatch_list_release(&mm);
	return ok;
}

static void feed_step(struct engine *e, struct rhost *rh,
		      const struct tp_cmd_result *res)
{
	const struct tp_playbook *pb = e->pb;
	const char *name = rh->ph->name;
	const char *out = res->out.data ? res->out.data : "";
	struct tp_err err = { 0 };
	char why[600], t[400];
	struct tp_check_list cl = { 0 };
	size_t first = 0;

	switch (rh->step) {
	case S_PRECHECK:
		if (tp_checks_parse(&cl, pb, TP_CHECKS_PRE, out, res->out.len,
				    &err)) {
			fail_step(e, rh, "precheck", "%s", err.msg);
		} else if (!tp_checks_passed(&cl, &first)) {
			fail_step(e, rh, "precheck", "%s: %s",
				  cl.items[first].what, cl.items[first].detail);
		} else {
			jlog(e, name, "precheck", TP_JOURNAL_DONE,
			     json_pack("{s:i}", "checks", (int)cl.n));
			rh->step = pb->backup_command ? S_BACKUP : S_STAGE;
		}
		tp_check_list_release(&cl);
		return;
	case S_BACKUP:
		if (res->exit_status)
			fail_step(e, rh, "backup", "backup exited %d: %s",
				  res->exit_status, tail(res, t, sizeof(t)));
		else {
			jlog(e, name, "backup", TP_JOURNAL_DONE, NULL);
			rh->step = S_STAGE;
		}
		return;
	case S_STAGE:
		tp_pkg_file_list_release(&rh->staged);
		if (res->exit_status) {
			fail_step(e, rh, "stage", "download failed (exit %d): %s",
				  res->exit_status, tail(res, t, sizeof(t)));
			return;
		}
		if (e->ops->parse_stage(&rh->staged, rh->after, rh->npins, out,
					res->out.len, &err)) {
			fail_step(e, rh, "stage", "%s", err.msg);
			return;
		}
		if (!check_reference(e, rh, why, sizeof(why))) {
			fail_step(e, rh, "stage", "refused: %s", why);
			return;
		}
		jlog(e, name, "stage", TP_JOURNAL_DONE,
		     json_pack("{s:o}", "files", files_json(&rh->staged)));
		rh->step = S_KEEP;
		return;
	case S_KEEP:
		tp_pkg_file_list_release(&rh->kept);
		if (res->exit_status) {
			fail_step(e, rh, "keep", "cannot keep the old versions "
				  "(exit %d): %s", res->exit_status,
				  tail(res, t, sizeof(t)));
			return;
		}
		if (e->ops->parse_keep(&rh->kept, rh->keep, rh->nkeep, out,
				       res->out.len, &err)) {
			fail_step(e, rh, "keep", "%s", err.msg);
			return;
		}
		jlog(e, name, "keep", TP_JOURNAL_DONE,
		     json_pack("{s:o}", "files", files_json(&rh->kept)));
		rh->step = S_APPLY;
		return;
	case S_APPLY_QUERY:
		if (pins_hold(e, rh->after, rh->npins, rh->after, rh->npins, res,
			      why, sizeof(why))) {
			jlog(e, name, "apply", TP_JOURNAL_DONE,
			     json_pack("{s:s}", "note", "found applied after an "
				       "interruption"));
			rh->step = S_REBOOT_NEED;
		} else if (pins_hold(e, rh->before, rh->npins, rh->after,
				     rh->npins, res, why, sizeof(why))) {
			rh->step = rh->staged.n ? S_APPLY : S_STAGE;
		} else {
			fail_step(e, rh, "apply", "interrupted apply left a "
				  "mixed state: %s", why);
		}
		return;
	case S_APPLY:
		if (!pins_hold(e, rh->after, rh->npins, rh->after, rh->npins, res,
			       why, sizeof(why)))
			fail_step(e, rh, "apply", "apply failed (exit %d): %s%s%s",
				  res->exit_status, why,
				  res->exit_status ? ": " : "",
				  res->exit_status ? tail(res, t, sizeof(t)) : "");
		else if (res->exit_status)
			fail_step(e, rh, "apply", "apply exited %d: %s",
				  res->exit_status, tail(res, t, sizeof(t)));
		else {
			jlog(e, name, "apply", TP_JOURNAL_DONE, NULL);
			host_event(e, rh, "host-applied");
			rh->step = S_REBOOT_NEED;
		}
		return;
	case S_REBOOT_NEED: {
		const char *nl = strchr(out, '\n');
		bool asked = !strncmp(out, "yes\n", 4);

		snprintf(rh->old_boot, sizeof(rh->old_boot), "%.*s",
			 nl ? (int)strcspn(nl + 1, "\n") : 0, nl ? nl + 1 : "");
		if (!nl || (!asked && strncmp(out, "no\n", 3)) || !rh->old_boot[0]) {
			fail_step(e, rh, "reboot", "cannot read the reboot flag "
				  "and boot id (exit %d)", res->exit_status);
			return;
		}
		if (pb->reboot == TP_PB_REBOOT_ALWAYS || asked)
			rh->step = S_REBOOT;
		else
			rh->step = S_VERIFY;
		return;
	}
	case S_REBOOT:
		rh->step = S_WAIT_BOOT;
		rh->polled = true;	/* this session ends: poll on a new one */
		rh->reboot_deadline = time(NULL) + pb->timeout_reboot;
		return;
	case S_WAIT_BOOT: {
		char id[128];

		snprintf(id, sizeof(id), "%.*s", (int)strcspn(out, "\n"), out);
		if (!res->exit_status && id[0] && strcmp(id, rh->old_boot)) {
			jlog(e, name, "reboot", TP_JOURNAL_DONE,
			     json_pack("{s:s}", "boot_id", id));
			host_event(e, rh, "host-rebooted");
			rh->step = S_KERNEL;
		}
		return;
	}
	case S_KERNEL: {
		/*
		 * A reboot is proven by the boot id, and a kernel update by
		 * the kernel that runs after it: the newest installed one.
		 */
		const char *sep = strstr(out, "\ntp-kernels\n");
		struct tp_pkg_list inst = { 0 };
		char running[256], *newest = NULL;

		snprintf(running, sizeof(running), "%.*s",
			 (int)strcspn(out, "\n"), out);
		if (res->exit_status || !sep ||
		    e->backend->parse_installed(&inst, sep + 12,
						res->out.len - (size_t)(sep + 12 - out),
						&err) ||
		    e->backend->newest_kernel(&newest, &inst, &err)) {
			fail_step(e, rh, "reboot", "cannot tell which kernel "
				  "runs: %s", err.msg[0] ? err.msg : "no output");
		} else if (newest && strcmp(newest, running)) {
			fail_step(e, rh, "reboot", "kernel %s runs after the "
				  "reboot, but %s is the newest installed",
				  running, newest);
		} else {
			jlog(e, name, "kernel", TP_JOURNAL_NOTE,
			     json_pack("{s:s, s:s?}", "running", running,
				       "newest_installed", newest));
			rh->step = S_VERIFY;
		}
		free(newest);
		tp_pkg_list_release(&inst);
		return;
	}
	case S_VERIFY:
		if (tp_checks_parse(&cl, pb, TP_CHECKS_VERIFY, out, res->out.len,
				    &err)) {
			snprintf(why, sizeof(why), "%s", err.msg);
		} else if (!tp_checks_passed(&cl, &first)) {
			snprintf(why, sizeof(why), "%s: %s",
				 cl.items[first].what, cl.items[first].detail);
		} else {
			jlog(e, name, "verify", TP_JOURNAL_DONE,
			     json_pack("{s:i, s:i}", "checks", (int)cl.n,
				       "attempt", (int)rh->verify_attempt + 1));
			tp_check_list_release(&cl);
			finish_host(e, rh, S_DONE);
			return;
		}
		tp_check_list_release(&cl);
		if (rh->verify_attempt++ < pb->verify_retries)
			return;		/* again, after the delay */
		fail_step(e, rh, "verify", "%s (after %u attempts)", why,
			  rh->verify_attempt);
		return;
	case S_ROLLBACK:
		if (!pins_hold(e, rh->before, rh->npins, rh->before, rh->npins,
			       res, why, sizeof(why))) {
			fail_step(e, rh, "rollback", "rollback failed (exit %d): "
				  "%s; %s", res->exit_status, why,
				  tail(res, t, sizeof(t)));
			return;
		}
		jlog(e, name, "rollback", TP_JOURNAL_DONE,
		     json_pack("{s:o}", "to", pins_json(rh->before, rh->npins)));
		finish_host(e, rh, S_ROLLED_BACK);
		return;
	default:
		return;
	}
}

/* ---- the many.c job ---- */

static const char *job_next(void *ctx, size_t i, struct tp_run_opts *ro)
{
	struct engine *e = ctx;

	return next_cmd(e, &e->h[e->seg[i]], ro);
}

static void job_feed(void *ctx, size_t i, int rc,
		     const struct tp_cmd_result *res, const struct tp_err *err,
		     int reached)
{
	struct engine *e = ctx;
	struct rhost *rh = &e->h[e->seg[i]];

	if (e->io_rc || terminal(rh))
		return;
	if (!reached) {
		if (rh->step == S_WAIT_BOOT)
			return;		/* still down: poll again later */
		if (rh->step == S_ROLLBACK && rh->retries++ < 3)
			return;		/* try again next segment */
		if (rh->step == S_PRECHECK && !rh->changed) {
			rh->unreachable = true;
			snprintf(rh->reason, sizeof(rh->reason), "unreachable: %.480s",
				 err->msg);
			finish_host(e, rh, S_FAILED);
			return;
		}
		fail_step(e, rh, step_names[rh->step], "lost the host: %s",
			  err->msg);
		return;
	}
	if (rc) {
		if (rh->step == S_REBOOT || rh->step == S_WAIT_BOOT) {
			/* the session may die with the reboot */
			if (rh->step == S_REBOOT)
				feed_step(e, rh, res);
			return;
		}
		fail_step(e, rh, step_names[rh->step], "%s", err->msg);
		return;
	}
	feed_step(e, rh, res);
}

/* One segment over the listed hosts. */
static int run_segment(struct engine *e, size_t *idx, size_t n,
		       struct tp_err *err)
{
	struct tp_host_spec *specs = calloc(n ? n : 1, sizeof(*specs));
	struct tp_many_ops ops = { job_next, job_feed };
	size_t i;
	int rc;

	if (!specs)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		specs[i] = *e->h[idx[i]].spec;
	e->seg = idx;
	e->nseg = n;
	rc = tp_many_run(specs, n, e->o->parallel > 0 ? e->o->parallel : 32,
			 &ops, e, err);
	free(specs);
	return rc;
}

/* Work the listed hosts until each is finished (reboots polled every
 * two seconds up to their deadlines). */
static int work(struct engine *e, size_t *hosts, size_t n, struct tp_err *err)
{
	size_t *seg = calloc(n ? n : 1, sizeof(*seg));
	int rc = 0;

	if (!seg)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (;;) {
		size_t k = 0, i, waiting = 0;
		time_t now = time(NULL);

		for (i = 0; i < n; i++) {
			struct rhost *rh = &e->h[hosts[i]];

			if (terminal(rh))
				continue;
			if (rh->step == S_WAIT_BOOT) {
				if (now > rh->reboot_deadline) {
					fail_step(e, rh, "reboot", "the host did "
						  "not come back with a new boot "
						  "id within %u s",
						  e->pb->timeout_reboot);
					if (terminal(rh))
						continue;
				} else {
					rh->polled = false;
					waiting++;
				}
			}
			seg[k++] = hosts[i];
		}
		if (!k || e->io_rc)
			break;
		if ((rc = run_segment(e, seg, k, err)))
			break;
		if (e->io_rc)
			break;
		if (waiting)
			sleep(2);
	}
	free(seg);
	if (!rc && e->io_rc) {
		*err = e->io_err;
		rc = e->io_rc;
	}
	return rc;
}

/* ---- waves ---- */

static void count(const struct engine *e, size_t from, size_t to,
		  size_t *failed, size_t *unreachable)
{
	size_t i;

	*failed = *unreachable = 0;
	for (i = from; i < to; i++) {
		const struct rhost *rh = &e->h[i];

		if (rh->unreachable)
			(*unreachable)++;
		else if (rh->step == S_FAILED || rh->step == S_ROLLED_BACK)
			(*failed)++;
	}
}

static void summarise(const struct engine *e, struct tp_rollout_summary *s)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		const struct rhost *rh = &e->h[i];

		if (rh->unreachable)
			s->unreachable++;
		else if (rh->step == S_DONE)
			s->verified++;
		else if (rh->step == S_FAILED)
			s->failed++;
		else if (rh->step == S_ROLLED_BACK)
			s->rolled_back++;
		else
			s->not_reached++;
	}
}

static int engine_init(struct engine *e, const struct tp_plan *plan,
		       const struct tp_host_spec *specs, struct tp_journal *j,
		       const struct tp_rollout_opts *o, struct tp_err *err)
{
	const struct tp_pkg_backend *be = tp_pkg_backend_find("apt");
	const json_t *ref;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->plan = plan;
	e->pb = plan->playbook;
	e->j = j;
	e->o = o;
	e->backend = be;
	e->ops = be ? be->rollout : NULL;
	if (!e->ops)
		return tp_err_set(err, TP_EUNSUPPORTED, "no package backend "
				  "with rollouts");
	for (i = 0; i < plan->nupdate; i++)
		if (plan->hosts[i].backend &&
		    strcmp(plan->hosts[i].backend, "apt"))
			return tp_err_set(err, TP_EUNSUPPORTED, "%s: rollouts "
					  "with %s are not supported yet",
					  plan->hosts[i].name,
					  plan->hosts[i].backend);
	snprintf(e->stage_dir, sizeof(e->stage_dir), "%s/stage/%s",
		 TP_ROLLOUT_CACHE, tp_journal_run_id(j));
	snprintf(e->keep_dir, sizeof(e->keep_dir), "%s/rollback/%s",
		 TP_ROLLOUT_CACHE, tp_journal_run_id(j));
	e->n = plan->nupdate;
	if (!(e->h = calloc(e->n + 1, sizeof(*e->h))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < e->n; i++) {
		if (host_init(&e->h[i], &plan->hosts[i], &specs[i]))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		host_resume(e, &e->h[i]);
	}
	ref = tp_journal_step_data(tp_journal_state(j), NULL, "reference",
				   TP_JOURNAL_DONE);
	if (ref && files_from_json(&e->ref, json_object_get(ref, "files")))
		tp_pkg_file_list_release(&e->ref);	/* start afresh */
	return 0;
}

static void engine_release(struct engine *e)
{
	size_t i;

	for (i = 0; e->h && i < e->n; i++)
		host_release(&e->h[i]);
	free(e->h);
	tp_pkg_file_list_release(&e->ref);
}

/* The hosts of wave w (1-based) as indexes, in plan order. */
static size_t wave_hosts(const struct engine *e, size_t w, size_t *out)
{
	size_t i, k = 0;

	for (i = 0; i < e->n; i++)
		if (e->h[i].ph->wave == w)
			out[k++] = i;
	return k;
}

/* Halt or pause the run; event is what notify hooks hear. */
static int stop(struct engine *e, struct tp_rollout_summary *out,
		enum tp_rollout_outcome o, const char *event, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

static int stop(struct engine *e, struct tp_rollout_summary *out,
		enum tp_rollout_outcome o, const char *event, const char *fmt,
		...)
{
	va_list ap;

	out->outcome = o;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	jlog(e, NULL, o == TP_ROLLOUT_PAUSED ? "pause" : "halt",
	     TP_JOURNAL_NOTE, json_pack("{s:s}", "reason", out->reason));
	emit(e, json_pack("{s:s, s:s}", "event", event, "reason", out->reason));
	return 0;
}

int tp_rollout_run(struct tp_rollout_summary *out, const struct tp_plan *plan,
		   const struct tp_host_spec *specs, struct tp_journal *j,
		   const struct tp_rollout_opts *opts, struct tp_err *err)
{
	struct engine e;
	size_t *hosts = NULL, w, n, i, wf, wu, tf, tu;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = engine_init(&e, plan, specs, j, opts, err)))
		goto out;
	if (!(hosts = calloc(e.n + 1, sizeof(*hosts)))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	emit(&e, json_pack("{s:s, s:s, s:i, s:i}", "event", "rollout-start",
			   "digest", plan->digest, "hosts", (int)e.n, "waves",
			   (int)plan->nwaves));
	for (w = 1; w <= plan->nwaves; w++) {
		bool all_done = true;

		n = wave_hosts(&e, w, hosts);
		for (i = 0; i < n; i++)
			all_done &= terminal(&e.h[hosts[i]]);
		if (all_done)
			continue;	/* finished before an interruption */
		if (e.pb->window.set && !tp_playbook_window_open(e.pb, time(NULL))) {
			stop(&e, out, TP_ROLLOUT_PAUSED, "window-wait",
			     "wave %zu waits for the "
			     "maintenance window; run tidepatch resume then", w);
			break;
		}
		jlog(&e, NULL, "wave", TP_JOURNAL_INTENT,
		     json_pack("{s:i, s:i}", "wave", (int)w, "hosts", (int)n));
		emit(&e, json_pack("{s:s, s:i, s:i}", "event", "wave-start",
				   "wave", (int)w, "hosts", (int)n));
		if ((rc = work(&e, hosts, n, err)))
			goto out;
		/* rollback-wave: a failure takes back every host of the wave
		 * that applied */
		if (e.pb->on_failure == TP_PB_ONFAIL_ROLLBACK_WAVE) {
			bool any = false;

			/* a host that failed after changing takes its wave
			 * back, and the rollout stops (tidepatch-playbook(5)) */
			for (i = 0; i < n; i++)
				any |= e.h[hosts[i]].wave_rollback;
			e.halt |= any;
			for (i = 0; any && i < n; i++) {
				struct rhost *rh = &e.h[hosts[i]];

				if (rh->step == S_DONE && rh->changed) {
					snprintf(rh->reason, sizeof(rh->reason),
						 "rolled back with its wave");
					rh->step = S_ROLLBACK;
				}
			}
			if (any && (rc = work(&e, hosts, n, err)))
				goto out;
		}
		count(&e, hosts[0], hosts[0] + n, &wf, &wu);
		count(&e, 0, e.n, &tf, &tu);
		jlog(&e, NULL, "wave", wf || wu ? TP_JOURNAL_FAILED :
						  TP_JOURNAL_DONE,
		     json_pack("{s:i, s:i, s:i}", "wave", (int)w, "failed",
			       (int)wf, "unreachable", (int)wu));
		emit(&e, json_pack("{s:s, s:i, s:i, s:i, s:i}", "event",
				   "wave-end", "wave", (int)w, "hosts", (int)n,
				   "failed", (int)wf, "unreachable", (int)wu));
		if (e.io_rc) {
			*err = e.io_err;
			rc = e.io_rc;
			goto out;
		}
		if (tp_playbook_budget_exceeded(&e.pb->budget_wave, wf, wu, n) ||
		    tp_playbook_budget_exceeded(&e.pb->budget_total, tf, tu, e.n)) {
			stop(&e, out, TP_ROLLOUT_HALTED, "budget-exceeded",
			     "failure budget spent in "
			     "wave %zu (%zu failed, %zu unreachable in the wave; "
			     "%zu and %zu in all)", w, wf, wu, tf, tu);
			break;
		}
		if (e.halt) {
			stop(&e, out, TP_ROLLOUT_HALTED, "budget-exceeded",
			     "a host failed in wave "
			     "%zu and the playbook says halt", w);
			break;
		}
		if (w < plan->nwaves && e.pb->approval && !opts->assume_yes) {
			stop(&e, out, TP_ROLLOUT_PAUSED, "approval-wait",
			     "wave %zu is done; "
			     "approve the next with tidepatch resume", w);
			break;
		}
		if (w < plan->nwaves && e.pb->soak) {
			emit(&e, json_pack("{s:s, s:i}", "event", "soak",
					   "seconds", (int)e.pb->soak));
			sleep(e.pb->soak);
		}
	}
	summarise(&e, out);
	if (out->outcome != TP_ROLLOUT_PAUSED)
		jlog(&e, NULL, "run", out->outcome == TP_ROLLOUT_DONE &&
				      !out->failed && !out->rolled_back &&
				      !out->unreachable ? TP_JOURNAL_DONE :
							  TP_JOURNAL_FAILED,
		     json_pack("{s:s, s:i, s:i, s:i, s:i, s:i}", "outcome",
			       tp_rollout_outcome_name(out->outcome),
			       "verified", (int)out->verified, "failed",
			       (int)out->failed, "rolled_back",
			       (int)out->rolled_back, "unreachable",
			       (int)out->unreachable, "not_reached",
			       (int)out->not_reached));
	emit(&e, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "event",
			   "rollout-end", "outcome",
			   tp_rollout_outcome_name(out->outcome), "verified",
			   (int)out->verified, "failed", (int)out->failed,
			   "rolled_back", (int)out->rolled_back, "unreachable",
			   (int)out->unreachable, "not_reached",
			   (int)out->not_reached));
	if (e.io_rc) {
		*err = e.io_err;
		rc = e.io_rc;
	}
out:
	free(hosts);
	engine_release(&e);
	return rc;
}

int tp_rollout_rollback(struct tp_rollout_summary *out,
			const struct tp_plan *plan,
			const struct tp_host_spec *specs,
			const char *const *names, size_t nnames,
			struct tp_journal *j, const struct tp_rollout_opts *opts,
			struct tp_err *err)
{
	struct engine e;
	size_t *hosts = NULL, n = 0, i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = engine_init(&e, plan, specs, j, opts, err)))
		goto out;
	if (!(hosts = calloc(e.n + 1, sizeof(*hosts)))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		for (k = 0; k < e.n; k++)
			if (!strcmp(e.h[k].ph->name, names[i]))
				break;
		if (k == e.n) {
			rc = tp_err_set(err, TP_ENOTFOUND, "%s is not in this "
					"run's plan", names[i]);
			goto out;
		}
	}
	for (k = 0; k < e.n; k++) {
		struct rhost *rh = &e.h[k];
		bool named = !nnames;

		for (i = 0; i < nnames; i++)
			named |= !strcmp(rh->ph->name, names[i]);
		if (!named || !rh->changed || rh->step == S_ROLLED_BACK)
			continue;
		snprintf(rh->reason, sizeof(rh->reason), "rolled back on request");
		rh->step = S_ROLLBACK;
		rh->retries = 0;
		hosts[n++] = k;
	}
	emit(&e, json_pack("{s:s, s:i}", "event", "rollback-start", "hosts",
			   (int)n));
	if (n && (rc = work(&e, hosts, n, err)))
		goto out;
	for (i = 0; i < n; i++) {
		struct rhost *rh = &e.h[hosts[i]];

		if (rh->step == S_ROLLED_BACK)
			out->rolled_back++;
		else
			out->failed++;
	}
	out->not_reached = e.n - n;
	out->outcome = TP_ROLLOUT_DONE;
	jlog(&e, NULL, "rollback", out->failed ? TP_JOURNAL_FAILED :
						  TP_JOURNAL_DONE,
	     json_pack("{s:i, s:i}", "rolled_back", (int)out->rolled_back,
		       "failed", (int)out->failed));
	if (e.io_rc) {
		*err = e.io_err;
		rc = e.io_rc;
	}
out:
	free(hosts);
	engine_release(&e);
	return rc;
}
