/*
 * cmd_exec.c - `tidepatch exec PATTERN... -- COMMAND...`: an ad-hoc
 * command on many hosts, output grouped per host, an exit status that
 * summarises them.
 *
 * The words after "--" are joined with spaces and run by /bin/sh on each
 * host, as ssh(1) does with its command words.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tidepatch/exec.h"
#include "tidepatch/inventory.h"

static const char *const usage[] = {
	"tidepatch exec [-b] [-i <inventory>] [--limit <pattern>] [--parallel <n>] "
	"[--timeout <s>] [--format text|json] [-o <file>] <pattern>... -- <command>...",
	NULL,
};

/*
 * Summarise: see tidepatch-exec(1), EXIT STATUS. 69 when the command ran
 * to its end nowhere, 2 when only somewhere, 1 when it ran everywhere
 * but exited non-zero somewhere.
 */
static int exit_for(const struct tp_exec_result *res, size_t n)
{
	size_t unreached = 0, errors = 0, nonzero = 0, i;

	for (i = 0; i < n; i++) {
		if (res[i].status && !res[i].reached)
			unreached++;
		else if (res[i].status)
			errors++;
		else if (res[i].exit_status != 0)
			nonzero++;
	}
	if (unreached + errors == n)
		return TP_EXIT_UNAVAILABLE;
	if (unreached || errors)
		return TP_EXIT_PARTIAL;
	return nonzero ? TP_EXIT_FINDINGS : TP_EXIT_OK;
}

static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

int cmd_exec(struct tp_cli *cli, int argc, char **argv)
{
	struct tp_cli_ssh ss = TP_CLI_SSH_INIT;
	const char *output = NULL, *format = NULL;
	int timeout = 60, max_output_kib = 1024;
	bool become = false;
	const struct tp_opt opts[] = {
		{ TP_OPT_FLAG, 'b', "become", &become, NULL,
		  "run as root via sudo -n on every host (default: as the "
		  "inventory's become says)" },
		TP_CLI_SSH_OPTIONS(ss),
		{ TP_OPT_INT, 0, "timeout", &timeout, "<seconds>",
		  "deadline for the command on each host (default 60)" },
		{ TP_OPT_INT, 0, "max-output", &max_output_kib, "<KiB>",
		  "largest stdout kept per host (default 1024)" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "text (default) or json" },
		{ TP_OPT_STRING, 'o', "output", &output, "<file>",
		  "write the report to <file> instead of stdout" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_inventory *inv = NULL;
	struct tp_host_spec *specs = NULL;
	struct tp_exec_result *res = NULL;
	struct tp_run_opts ro;
	struct tp_buf out;
	struct tp_err err = { 0 };
	enum tp_format fmt = cli->format;
	char *cmdline = NULL;
	size_t n = 0, i;
	int rc, nargs = 0, dash, status;

	/* split at the first "--": options and patterns | command words */
	for (dash = 1; dash < argc && strcmp(argv[dash], "--"); dash++)
		;
	if ((rc = tp_cli_parse_command(opts, usage, dash, argv, &nargs)) >= 0)
		return rc;
	if (dash >= argc - 1 || nargs < 2) {
		tp_cli_error(cli, "%s", dash >= argc - 1 ?
			     "no command: put it after '--'" :
			     "no host pattern before '--'");
		tp_opts_usage(stderr, usage, opts);
		return TP_EXIT_USAGE;
	}
	if (format && !strcmp(format, "text"))
		fmt = TP_FORMAT_TABLE;
	else if (format && tp_cli_parse_format(format, &fmt))
		return TP_EXIT_USAGE;
	if ((rc = tp_cli_check_ssh(cli, &ss)) >= 0)
		return rc;
	ss.become = become ? TP_BECOME_ALWAYS : TP_BECOME_INVENTORY;
	if (timeout < 1 || timeout > INT_MAX / 1000 || max_output_kib < 1 ||
	    max_output_kib > 1024 * 1024) {
		tp_cli_error(cli, "--timeout must be 1 s or more, --max-output "
			     "between 1 and 1048576 KiB");
		return TP_EXIT_USAGE;
	}
	tp_run_opts_init(&ro);
	ro.timeout_ms = timeout * 1000;
	ro.out_max = (size_t)max_output_kib << 10;
	ro.err_max = 64 * 1024;
	if (!(cmdline = join_words(argv + dash + 1, argc - dash - 1))) {
		tp_cli_error(cli, "out of memory");
		return TP_EXIT_SOFTWARE;
	}
	if ((status = tp_cli_pick_hosts(cli, &ss, argv + 1,
					(size_t)(nargs - 1), &inv, &specs,
					&n)) >= 0)
		goto out;
	res = calloc(n, sizeof(*res));
	if (!res || tp_exec_many(res, specs, n, cmdline, &ro, ss.parallel,
				 &err)) {
		tp_cli_error(cli, "%s", res ? err.msg : "out of memory");
		status = TP_EXIT_SOFTWARE;
		goto out;
	}
	status = exit_for(res, n);
	tp_buf_init(&out, (size_t)1 << 31);
	if (fmt == TP_FORMAT_JSON) {
		tp_err_clear(&err);
		rc = tp_cli_append_json(&out, tp_report_exec_json(res, n, cmdline,
								  &err),
					JSON_INDENT(2), &err);
	} else {
		rc = tp_report_exec_text(&out, res, n,
					 cli->color_stdout && !output, &err);
	}
	if (!rc)
		rc = tp_cli_write_output(output, out.data ? out.data : "",
					 out.len, &err);
	tp_buf_release(&out);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		status = rc == TP_ENOMEM ? TP_EXIT_SOFTWARE : TP_EXIT_IOERR;
	}
	if (cli->verbosity >= 0) {
		size_t ok = 0, failed = 0, errors = 0;

		for (i = 0; i < n; i++) {
			const char *st = tp_exec_result_state(&res[i]);

			ok += !strcmp(st, "ok");
			failed += !strcmp(st, "failed");
			errors += !strcmp(st, "error");
		}
		fprintf(stderr, "tidepatch: exec on %zu host%s: %zu exit 0, "
			"%zu non-zero, %zu could not run it\n", n,
			n == 1 ? "" : "s", ok, failed, errors);
	}
out:
	for (i = 0; res && i < n; i++)
		tp_exec_result_release(&res[i]);
	free(res);
	tp_cli_hosts_release(specs, n);
	free(cmdline);
	tp_inventory_free(inv);
	return status;
}
