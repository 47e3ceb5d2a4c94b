/*
 * rollout_cli.c - what apply, resume and rollback share: where runs
 * live, SSH targets in plan order, the locks, and the events of a run
 * (progress on stderr, JSON Lines for --events, the playbook's notify
 * hooks).
 *
 * Notify hooks are local commands fed one JSON event per line on stdin.
 * Each runs with its own deadline and is killed past it: a stuck chat
 * bot must not stall a rollout. A hook's failure is reported, never
 * fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rollout_cli.h"
#include "tidepatch/inventory.h"

void tp_cli_runs_dir(char *out, size_t size, const char *inventory,
		     const char *runs)
{
	char *copy;

	if (runs) {
		snprintf(out, size, "%s", runs);
		return;
	}
	copy = strdup(inventory ? inventory : "inventory");
	snprintf(out, size, "%s/runs", copy ? dirname(copy) : ".");
	free(copy);
}

int tp_cli_plan_specs(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      const struct tp_plan *plan, struct tp_inventory **inv_out,
		      struct tp_host_spec **pick_out, size_t *npick_out,
		      struct tp_host_spec **specs_out)
{
	char **names = calloc(plan->nupdate + 1, sizeof(*names));
	struct tp_host_spec *pick = NULL, *specs = NULL;
	size_t npick = 0, i, k;
	int status;

	*specs_out = NULL;
	if (!names) {
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	for (i = 0; i < plan->nupdate; i++)
		names[i] = plan->hosts[i].name;
	status = tp_cli_pick_hosts(cli, ss, names, plan->nupdate, inv_out,
				   &pick, &npick);
	free(names);
	if (status >= 0)
		return status;
	specs = calloc(plan->nupdate + 1, sizeof(*specs));
	if (!specs) {
		tp_cli_error(cli, "out of memory");
		tp_cli_hosts_release(pick, npick);
		return TP_EXIT_SOFTWARE;
	}
	/* the inventory's order is not the plan's: match by name */
	for (i = 0; i < plan->nupdate; i++) {
		for (k = 0; k < npick; k++)
			if (!strcmp(pick[k].ssh.name, plan->hosts[i].name))
				break;
		if (k == npick) {
			tp_cli_error(cli, "%s is in the plan but not in the "
				     "inventory", plan->hosts[i].name);
			free(specs);
			tp_cli_hosts_release(pick, npick);
			return TP_EXIT_CONFIG;
		}
		specs[i] = pick[k];
		/* packages change as root: sudo -n unless we are root */
		specs[i].ssh.become = strcmp(specs[i].ssh.user, "root") != 0;
	}
	*pick_out = pick;
	*npick_out = npick;
	*specs_out = specs;
	return -1;
}

int tp_cli_lock_plan_hosts(const struct tp_cli *cli, const char *runs_dir,
			   const char *run_id, const struct tp_plan *plan,
			   struct tp_journal_lock **out)
{
	const char **names = calloc(plan->nupdate + 1, sizeof(*names));
	struct tp_lock_holder holder;
	struct tp_err err = { 0 };
	size_t i;
	int rc;

	if (!names) {
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	for (i = 0; i < plan->nupdate; i++)
		names[i] = plan->hosts[i].name;
	memset(&holder, 0, sizeof(holder));
	rc = tp_journal_lock_hosts(out, runs_dir, run_id, names, plan->nupdate,
				   &holder, &err);
	free(names);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ESYS ? TP_EXIT_UNAVAILABLE : TP_EXIT_IOERR;
	}
	return -1;
}

/* ---- events ---- */

static unsigned event_bit(const char *name)
{
	unsigned bit;

	for (bit = 1; bit <= TP_PB_EV_ALL; bit <<= 1)
		if (!strcmp(tp_pb_event_name(bit), name))
			return bit;
	return 0;
}

/*
 * Run a notify hook with line on its stdin, killing it after timeout
 * seconds. Returns its exit status, or -1 when it could not run or was
 * killed.
 */
static int run_hook(const char *cmd, const char *line, unsigned timeout)
{
	int in[2], status = 0;
	pid_t pid;
	time_t deadline = time(NULL) + (timeout ? timeout : 30);
	size_t len = strlen(line);

	if (pipe(in) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		setpgid(0, 0);
		dup2(in[0], 0);
		if (nul >= 0)
			dup2(nul, 1);
		close(in[0]);
		close(in[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN);
	if (write(in[1], line, len) != (ssize_t)len || write(in[1], "\n", 1) != 1)
		status = -1;
	close(in[1]);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (w < 0 && errno != EINTR)
			return -1;
		if (time(NULL) > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		poll(NULL, 0, 50);
	}
}

void tp_cli_on_event(void *payload, const json_t *ev)
{
	struct tp_cli_events *ce = payload;
	const char *name = json_string_value(json_object_get(ev, "event"));
	char *line = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII);
	unsigned bit = name ? event_bit(name) : 0;
	size_t i;

	if (!line)
		return;
	if (ce->file) {
		fprintf(ce->file, "%s\n", line);
		fflush(ce->file);
	}
	if (ce->cli->verbosity >= 0 && name) {
		const char *host = json_string_value(json_object_get(ev, "host"));
		const char *reason = json_string_value(json_object_get(ev, "reason"));
		json_t *wave = json_object_get(ev, "wave");

		json_t *pr = json_object_get(ev, "progress");

		if (host)
			fprintf(stderr, "tidepatch: [wave %lld: %lld ok, %lld "
				"failed, %lld in progress, %lld not reached] "
				"%s: %s%s%s\n",
				(long long)json_integer_value(json_object_get(
					ev, "wave")),
				(long long)json_integer_value(json_object_get(
					pr, "succeeded")),
				(long long)json_integer_value(json_object_get(
					pr, "failed")),
				(long long)json_integer_value(json_object_get(
					pr, "in_progress")),
				(long long)json_integer_value(json_object_get(
					pr, "not_reached")),
				host, name, reason ? ": " : "",
				reason ? reason : "");
		else if (wave && json_is_integer(json_object_get(ev, "failed")))
			fprintf(stderr, "tidepatch: %s %lld: %lld hosts, %lld "
				"failed, %lld unreachable\n", name,
				(long long)json_integer_value(wave),
				(long long)json_integer_value(
					json_object_get(ev, "hosts")),
				(long long)json_integer_value(
					json_object_get(ev, "failed")),
				(long long)json_integer_value(
					json_object_get(ev, "unreachable")));
		else if (wave)
			fprintf(stderr, "tidepatch: %s %lld: %lld hosts\n", name,
				(long long)json_integer_value(wave),
				(long long)json_integer_value(
					json_object_get(ev, "hosts")));
		else if (reason)
			fprintf(stderr, "tidepatch: %s: %s\n", name, reason);
		else if (ce->cli->verbosity > 0)
			fprintf(stderr, "tidepatch: %s\n", name);
	}
	for (i = 0; bit && ce->pb && i < ce->pb->nnotify; i++) {
		const struct tp_pb_notify *n = &ce->pb->notify[i];
		int rc;

		if (!(n->events & bit))
			continue;
		rc = run_hook(n->command, line, n->timeout);
		if (rc)
			tp_cli_warn(ce->cli, "notify hook '%s' %s on %s",
				    n->command, rc < 0 ? "failed or timed out" :
				    "exited non-zero", name);
	}
	free(line);
}

int tp_cli_summary_exit(const struct tp_cli *cli,
			const struct tp_rollout_summary *s, const char *run_id)
{
	if (cli->verbosity >= 0)
		fprintf(stderr, "tidepatch: run %s %s: %zu verified, %zu failed, "
			"%zu rolled back, %zu unreachable, %zu not reached%s%s\n",
			run_id, tp_rollout_outcome_name(s->outcome), s->verified,
			s->failed, s->rolled_back, s->unreachable,
			s->not_reached, s->reason[0] ? ": " : "", s->reason);
	if (s->outcome == TP_ROLLOUT_PAUSED)
		return TP_EXIT_TEMPFAIL;
	if (!s->failed && !s->rolled_back && !s->unreachable &&
	    s->outcome == TP_ROLLOUT_DONE)
		return TP_EXIT_OK;
	return s->verified ? TP_EXIT_PARTIAL : TP_EXIT_UNAVAILABLE;
}
