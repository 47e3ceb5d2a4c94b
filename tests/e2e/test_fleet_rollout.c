/*
 * test_fleet_rollout.c - plan, apply, resume, rollback and runs against
 * the test fleet on its own apt repository, checked by the real dpkg
 * state of every host (read through the host's chroot, not through
 * tidepatch).
 *
 * Reboots are tp-fake-reboot (tests/fleet/README.md): the hosts are
 * chroots on this machine's kernel, so the playbooks here always set
 * reboot_commands.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define NHOSTS 3

static char dir[64];
static char repo[64];
static char inv[128];

static void up(void)
{
	e2e_aptrepo_build(repo, sizeof(repo));
	e2e_fleet_up_repo(dir, sizeof(dir), NHOSTS, repo);
	snprintf(inv, sizeof(inv), "%s/inventory", dir);
}

static void down(void)
{
	e2e_fleet_down(dir);
	e2e_aptrepo_remove(repo);
}

TestSuite(fleet_rollout, .init = up, .fini = down, .timeout = 400);

/* A playbook in the fleet dir; extra is spliced into the object. */
static void playbook(char *path, size_t size, const char *name,
		     const char *extra)
{
	FILE *f;

	snprintf(path, size, "%s/%s.json", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	/* keys are unique in a playbook: extra may set its own soak */
	fprintf(f, "{\n  \"targets\": [\"all\"],\n  \"waves\": [1, \"100%%\"],\n"
		"%s  \"reboot\": \"if-required\",\n"
		"  \"reboot_commands\": {\"reboot\": \"tp-fake-reboot\", "
		"\"boot_id\": \"tp-boot-id\"},\n"
		"  \"verify\": {\"commands\": [\"tp-service-check\"], "
		"\"retries\": 0, \"delay\": \"1s\"}%s%s\n}\n",
		extra && strstr(extra, "\"soak\"") ? "" : "  \"soak\": \"0s\",\n",
		extra ? ",\n  " : "", extra ? extra : "");
	fclose(f);
}

/* "name version" lines of the tp-* packages on host, from its chroot. */
static char *dpkg_state(const char *host)
{
	char cmd[512];
	struct tp_cmd_result r;
	char *s;

	snprintf(cmd, sizeof(cmd),
		 "chroot %s/hosts/%s/root dpkg-query -W -f '${Package} "
		 "${Version} ${db:Status-Abbrev}\\n' tp-libfoo tp-oldgone "
		 "tp-reboot tp-service", dir, host);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	s = strdup(r.out.data);
	tp_cmd_result_release(&r);
	return s;
}

static void assert_state(const char *host, const char *foo,
			 const char *oldgone, const char *reboot,
			 const char *service)
{
	char want[512];
	char *got = dpkg_state(host);

	snprintf(want, sizeof(want),
		 "tp-libfoo %s ii \ntp-oldgone %s ii \ntp-reboot %s ii \n"
		 "tp-service %s ii \n", foo, oldgone, reboot, service);
	cr_assert_str_eq(got, want, "%s: got\n%swant\n%s", host, got, want);
	free(got);
}

static const char *const BASE[] = { "1.0-1", "1.0-1", "1.0-1", "1.0-1" };

static void assert_base(const char *host)
{
	assert_state(host, BASE[0], BASE[1], BASE[2], BASE[3]);
}

/* The one run in the fleet's runs/ directory (the newest). */
static void newest_run(char *out, size_t size)
{
	char cmd[256];
	struct tp_cmd_result r;

	snprintf(cmd, sizeof(cmd), "ls %s/runs | grep -v '^\\.' | sort | tail -1",
		 dir);
	e2e_sh(&r, cmd);
	snprintf(out, size, "%.*s", (int)strcspn(r.out.data, "\n"), r.out.data);
	tp_cmd_result_release(&r);
	cr_assert(out[0], "no run");
}

/* Records of kind for step and host in the run's journal. */
static int records(const char *run, const char *host, const char *step,
		   const char *kind)
{
	char cmd[512];
	struct tp_cmd_result r;
	int n;

	snprintf(cmd, sizeof(cmd),
		 "grep -c '\"host\":\"%s\".*\"step\":\"%s\".*\"kind\":\"%s\"\\|"
		 "\"host\":\"%s\".*\"kind\":\"%s\".*\"step\":\"%s\"' "
		 "%s/runs/%s/journal.jsonl", host, step, kind, host, kind, step,
		 dir, run);
	e2e_sh(&r, cmd);
	n = atoi(r.out.data);
	tp_cmd_result_release(&r);
	return n;
}

Test(fleet_rollout, a_reviewed_plan_is_applied_and_every_host_verified)
{
	char pb[256], plan[256], events[256], cmd[1024];
	struct tp_cmd_result r;
	json_t *doc;
	int i;

	snprintf(cmd, sizeof(cmd), "\"select\": {\"exclude\": "
		 "[\"tp-service\"]}, \"backup\": {\"command\": \"touch "
		 "/var/tmp/tp-backup\"}, \"notify\": [{\"command\": \"cat >> "
		 "%s/notify.log\", \"events\": [\"wave-end\", "
		 "\"rollout-end\"]}]", dir);
	playbook(pb, sizeof(pb), "good", cmd);
	snprintf(plan, sizeof(plan), "%s/plan.json", dir);
	snprintf(events, sizeof(events), "%s/events.jsonl", dir);
	/* h002 has the tp-libfoo fix already: it stages fewer files than
	 * the canary, and must not be refused for that */
	snprintf(cmd, sizeof(cmd), "chroot %s/hosts/h002/root apt-get install "
		 "-y -q -o Dpkg::Use-Pty=0 tp-libfoo", dir);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"plan", "-i", inv, "-o", plan, pb, NULL }), 0, "%s",
		     r.errout.data);
	/* dry run: the transaction, and nothing changes */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--dry-run", plan, NULL }), 0);
	cr_assert(strstr(r.out.data, "tp-libfoo"), "%s", r.out.data);
	cr_assert(strstr(r.out.data, "1.0-1 -> 1.0-2"), "%s", r.out.data);
	cr_assert_null(strstr(r.out.data, "tp-service "), "%s", r.out.data);
	assert_base("h001");
	/* without --yes and without a terminal: refused */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, plan, NULL }), 64);
	assert_base("h001");

	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", "--events", events, plan,
			NULL }), 0, "%s", r.errout.data);
	for (i = 1; i <= NHOSTS; i++) {
		char host[8];

		snprintf(host, sizeof(host), "h%03d", i);
		/* the pinned versions, tp-service left alone */
		assert_state(host, "1.0-2", "1.1-1", "1.1-1", "1.0-1");
		/* tp-reboot asked for a reboot: it happened (new boot id) and
		 * the request is gone */
		snprintf(cmd, sizeof(cmd), "chroot %s/hosts/%s/root tp-boot-id; "
			 "test ! -e %s/hosts/%s/root/run/reboot-required", dir,
			 host, dir, host);
		e2e_sh(&r, cmd);
		cr_assert_eq(r.exit_status, 0, "%s reboot request left", host);
		cr_assert_neq(strcmp(r.out.data, "first-boot\n"), 0, "%s", host);
	}
	/* the backup step ran on every host before anything changed */
	snprintf(cmd, sizeof(cmd), "ls %s/hosts/h00[123]/root/var/tmp/tp-backup "
		 "| wc -l; wc -l < %s/notify.log; grep -c '\"wave-end\"' "
		 "%s/notify.log", dir, dir, dir);
	e2e_sh(&r, cmd);
	/* hooks hear only the events they asked for: 2 waves, 1 end */
	cr_assert_str_eq(r.out.data, "3\n3\n2\n", "%s", r.errout.data);
	/* events: JSON Lines, every wave and host */
	snprintf(cmd, sizeof(cmd), "grep -c '\"event\":\"host-done\"' %s; "
		 "grep -c '\"event\":\"wave-end\"' %s; "
		 "grep -c '\"event\":\"rollout-end\"' %s", events, events, events);
	e2e_sh(&r, cmd);
	cr_assert_str_eq(r.out.data, "3\n2\n1\n");
	/* the history */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"runs", "-i", inv, "--format", "json", NULL }), 0);
	doc = e2e_json(r.out.data);
	cr_assert_eq(json_array_size(json_object_get(doc, "runs")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
				 json_object_get(doc, "runs"), 0), "outcome")),
			 "done", "%s", r.out.data);
	json_decref(doc);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, a_failed_verification_rolls_back_to_the_exact_old_versions)
{
	char pb[256], run[64];
	struct tp_cmd_result r;
	int i;

	/* tp-oldgone 1.0-1 leaves the repository before the rollout: its
	 * rollback file can only be rebuilt from the installed package */
	snprintf(pb, sizeof(pb), "sh tests/fleet/aptrepo.sh drop %s tp-oldgone "
		 "1.0-1", repo);
	e2e_sh(&r, pb);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	playbook(pb, sizeof(pb), "breaks", "\"on_failure\": \"rollback-host\","
		 " \"budget\": {\"wave\": {\"max_failed\": \"100%\"}, "
		 "\"total\": {\"max_failed\": \"100%\"}}");
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", pb, NULL }), 69, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "0 verified, 0 failed, 3 rolled back"),
		  "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "tp-service 1.1-1: broken"), "%s",
		  r.errout.data);
	for (i = 1; i <= NHOSTS; i++) {
		char host[8];

		snprintf(host, sizeof(host), "h%03d", i);
		assert_base(host);
	}
	newest_run(run, sizeof(run));
	cr_assert_eq(records(run, "h002", "rollback", "done"), 1);
	cr_assert_eq(records(run, "h002", "apply", "done"), 1);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, a_spent_budget_halts_and_later_waves_stay_untouched)
{
	char pb[256], run[64];
	struct tp_cmd_result r;

	/* the default budget: no failure allowed */
	playbook(pb, sizeof(pb), "strict", "\"on_failure\": \"rollback-host\"");
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", pb, NULL }), 69, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "halted"), "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "1 rolled back, 0 unreachable, 2 not "
				       "reached"), "%s", r.errout.data);
	/* the canary was rolled back; nobody else was touched at all */
	assert_base("h001");
	assert_base("h002");
	assert_base("h003");
	newest_run(run, sizeof(run));
	cr_assert_eq(records(run, "h002", "precheck", "intent"), 0);
	/* resume of a halted run has nothing to do */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"resume", "-i", inv, run, NULL }), 0, "%s", r.errout.data);
	cr_assert(strstr(r.errout.data, "finished"), "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

/*
 * Run tidepatch's args in the background and SIGKILL it once the run's
 * journal has n records (the run directory: the only one in runs/);
 * all bounded (2 minutes). A shell does the waiting, as an admin's
 * kill -9 would.
 */
static void kill_at(const char *args, int n)
{
	char cmd[2048];
	struct tp_cmd_result r;

	snprintf(cmd, sizeof(cmd),
		 "cd %s && (setsid %s %s >>kill.log 2>&1 & echo $! >kill.pid); "
		 "pid=$(cat kill.pid); i=0; while [ $i -lt 6000 ]; do "
		 "j=$(ls runs/*/journal.jsonl 2>/dev/null | head -1); "
		 "if [ -n \"$j\" ] && [ $(wc -l <\"$j\") -ge %d ]; then "
		 "kill -9 $pid; break; fi; "
		 "kill -0 $pid 2>/dev/null || break; sleep 0.02; i=$((i+1)); "
		 "done; while kill -0 $pid 2>/dev/null; do sleep 0.1; done; "
		 "wc -l <\"$j\"", dir, getenv("TP_BIN"), args, n);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, kill_9_at_any_point_then_resume_loses_and_repeats_nothing)
{
	static const int points[] = { 4, 11, 17, 24, 30 };
	char pb[256], run[64], args[512];
	struct tp_cmd_result r;
	size_t k;
	int i;

	playbook(pb, sizeof(pb), "resumable", "\"select\": {\"exclude\": "
		 "[\"tp-service\"]}");
	snprintf(args, sizeof(args), "apply -i inventory --yes %s", pb);
	kill_at(args, points[0]);
	newest_run(run, sizeof(run));
	for (k = 1; k < sizeof(points) / sizeof(points[0]); k++) {
		snprintf(args, sizeof(args), "resume -i inventory %s", run);
		kill_at(args, points[k]);
	}
	/* the last resume runs to its end */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"resume", "-i", inv, run, NULL }), 0, "%s",
		     r.errout.data);
	for (i = 1; i <= NHOSTS; i++) {
		char host[8];

		snprintf(host, sizeof(host), "h%03d", i);
		assert_state(host, "1.0-2", "1.1-1", "1.1-1", "1.0-1");
		/* no step finished twice, none lost */
		cr_assert_eq(records(run, host, "stage", "done"), 1, "%s", host);
		cr_assert_eq(records(run, host, "apply", "done"), 1, "%s", host);
		cr_assert_eq(records(run, host, "verify", "done"), 1, "%s", host);
		cr_assert_eq(records(run, host, "host", "done"), 1, "%s", host);
	}
	/* the interruptions show in the journal (killed runs left intents
	 * that resume settled) */
	cr_assert_geq(records(run, "h001", "precheck", "intent") +
		      records(run, "h002", "precheck", "intent") +
		      records(run, "h003", "precheck", "intent"), 3);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, approval_pauses_between_waves_and_rollback_restores_all)
{
	char pb[256], run[64];
	struct tp_cmd_result r;

	playbook(pb, sizeof(pb), "approve", "\"select\": {\"exclude\": "
		 "[\"tp-service\"]}, \"approval\": true");
	/* the canary wave runs, then the run waits for approval (75) */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", pb, NULL }), 75, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "paused"), "%s", r.errout.data);
	assert_state("h001", "1.0-2", "1.1-1", "1.1-1", "1.0-1");
	assert_base("h002");
	assert_base("h003");
	newest_run(run, sizeof(run));
	/* resume is the approval: the last wave runs */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"resume", "-i", inv, run, NULL }), 0, "%s", r.errout.data);
	assert_state("h003", "1.0-2", "1.1-1", "1.1-1", "1.0-1");
	/* and the whole run can be taken back, from its journal */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"rollback", "-i", inv, "--yes", run, NULL }), 0, "%s",
		     r.errout.data);
	assert_base("h001");
	assert_base("h002");
	assert_base("h003");
	/* a second rollback has nothing left to do */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"rollback", "-i", inv, "--yes", run, NULL }), 0, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "0 rolled back"), "%s", r.errout.data);
	/* rollback of a host not in the run is a usage error */
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"rollback", "-i", inv, "--yes", run, "nosuch", NULL }), 64);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, a_second_rollout_on_the_same_hosts_is_refused)
{
	char slow[256], other[256], cmd[2048];
	struct tp_cmd_result r;

	/* the first run holds its hosts through a long soak */
	playbook(slow, sizeof(slow), "slow", "\"select\": {\"exclude\": "
		 "[\"tp-service\"]}, \"soak\": \"60s\"");
	playbook(other, sizeof(other), "other", NULL);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && (setsid %s apply -i inventory --yes %s >slow.log 2>&1 "
		 "& echo $! >slow.pid); i=0; while [ $i -lt 3000 ] && ! grep -qs "
		 "'\"step\":\"wave\",\"kind\":\"done\"' runs/*/journal.jsonl; "
		 "do sleep 0.05; i=$((i+1)); done; grep -c . slow.log >&2",
		 dir, getenv("TP_BIN"), slow);
	e2e_sh(&r, cmd);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", other, NULL }), 69, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "is being rolled out by run"), "%s",
		  r.errout.data);
	/* nothing of the second run touched a host: h002 still waits */
	assert_base("h002");
	snprintf(cmd, sizeof(cmd), "kill -9 $(cat %s/slow.pid)", dir);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, rollback_wave_takes_back_the_whole_wave_and_halts)
{
	char pb[256], cmd[1024];
	struct tp_cmd_result r;

	/* only h003 fails its verification: a marker in its root */
	snprintf(cmd, sizeof(cmd), "touch %s/hosts/h003/root/etc/tp-fail", dir);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0);
	playbook(pb, sizeof(pb), "wave", "\"select\": {\"exclude\": "
		 "[\"tp-service\"]}, \"on_failure\": \"rollback-wave\", "
		 "\"budget\": {\"wave\": {\"max_failed\": \"100%\"}, "
		 "\"total\": {\"max_failed\": \"100%\"}}, "
		 "\"description\": \"h003 fails\"");
	/* the helper's verify checks tp-service; add the marker check */
	snprintf(cmd, sizeof(cmd), "sed -i 's/\"tp-service-check\"\\]/"
		 "\"tp-service-check\", \"test ! -e \\/etc\\/tp-fail\"]/' %s", pb);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "%s", r.errout.data);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", pb, NULL }), 2, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "halted: 1 verified, 0 failed, 2 rolled "
				       "back"), "%s", r.errout.data);
	/* wave 1 (h001) keeps its update; all of wave 2 is taken back */
	assert_state("h001", "1.0-2", "1.1-1", "1.1-1", "1.0-1");
	assert_base("h002");
	assert_base("h003");
	tp_cmd_result_release(&r);
}

Test(fleet_rollout, a_closed_maintenance_window_pauses_before_any_change)
{
	char pb[256], extra[256];
	struct tp_cmd_result r;
	time_t from = time(NULL) + 12 * 3600, to = from + 120;
	struct tm a, b;

	/* a two-minute window twelve hours from now (closed now, whatever
	 * the minute: the end is computed, not added to the minutes) */
	gmtime_r(&from, &a);
	gmtime_r(&to, &b);
	snprintf(extra, sizeof(extra), "\"window\": {\"start\": \"%02d:%02d\", "
		 "\"end\": \"%02d:%02d\", \"timezone\": \"UTC\"}", a.tm_hour,
		 a.tm_min, b.tm_hour, b.tm_min);
	playbook(pb, sizeof(pb), "window", extra);
	cr_assert_eq(e2e_tidepatch(&r, NULL, (const char *[]){
			"apply", "-i", inv, "--yes", pb, NULL }), 75, "%s",
		     r.errout.data);
	cr_assert(strstr(r.errout.data, "maintenance window"), "%s",
		  r.errout.data);
	assert_base("h001");
	assert_base("h002");
	assert_base("h003");
	tp_cmd_result_release(&r);
}
