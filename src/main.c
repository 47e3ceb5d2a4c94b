/*
 * main.c - global options and the command table (git style).
 *
 *   tidepatch [global options] <command> [options] [args]
 *
 * Every command is a row in `commands`: adding one means writing
 * src/cli/cmd_<name>.c, a row here and man/tidepatch-<name>.1.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tidepatch/log.h"
#include "tidepatch/transport.h"

struct cmd_struct {
	const char *name;
	tp_cmd_fn fn;
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "scan", cmd_scan, "report installed packages and pending updates" },
	{ "report", cmd_report, "compliance report: what is missing, how bad, "
	  "by when" },
	{ "plan", cmd_plan, "plan a rollout: exact versions per host, waves" },
	{ "apply", cmd_apply, "roll a plan (or playbook) out in waves" },
	{ "resume", cmd_resume, "continue an interrupted or paused run" },
	{ "rollback", cmd_rollback, "restore the versions a run replaced" },
	{ "runs", cmd_runs, "list rollout runs, or show one" },
	{ "exec", cmd_exec, "run a command on many hosts over SSH" },
	{ "hostkeys", cmd_hostkeys, "collect hosts' SSH keys into known_hosts" },
	{ "inventory", cmd_inventory, "list, show and check the inventory" },
	{ "vercmp", cmd_vercmp, "compare two package versions (deb, rpm, apk)" },
	{ "help", cmd_help, "show help for tidepatch or a command" },
	{ "version", cmd_version, "print the version" },
};

static const char *const global_usage[] = {
	"tidepatch [-v | -q] [--format <fmt>] [--color <when>] <command> [<args>]",
	"tidepatch --version",
	"tidepatch help <command>",
	NULL,
};

void tp_cli_list_commands(FILE *f)
{
	size_t i;

	fputs("commands:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "    %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nSee 'tidepatch help <command>' or man tidepatch-<command>.\n",
	      f);
}

int tp_cli_run_command(struct tp_cli *cli, const char *name, int argc,
		       char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(cli, argc, argv);
	tp_cli_error(cli, "'%s' is not a tidepatch command (see 'tidepatch --help')",
		     name);
	return TP_EXIT_USAGE;
}

/*
 * On SIGINT, SIGTERM or SIGHUP, take the running command down with us,
 * then die of the same signal so the caller sees how we ended (a shell
 * reports 130 for Ctrl-C).
 */
static void on_fatal_signal(int sig)
{
	tp_transport_local_interrupt();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signal_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Core log records go to stderr, tagged with the function at -vv. */
static void log_to_stderr(enum tp_log_level level, const char *func,
			  const char *msg, void *payload)
{
	static const char *const tags[] = { "error", "warning", "info",
					    "debug" };
	const struct tp_cli *cli = payload;

	if (cli->verbosity >= 2)
		fprintf(stderr, "tidepatch: %s: %s: %s\n", tags[level], func,
			msg);
	else
		fprintf(stderr, "tidepatch: %s: %s\n", tags[level], msg);
}

int main(int argc, char **argv)
{
	static struct tp_cli cli;
	const char *format = NULL, *color = "auto";
	bool quiet = false, version = false;
	int verbose = 0, rc, nargs = 0;
	const struct tp_opt opts[] = {
		{ TP_OPT_COUNT, 'v', "verbose", &verbose, NULL,
		  "more diagnostics on stderr (-vv for debug)" },
		{ TP_OPT_FLAG, 'q', "quiet", &quiet, NULL,
		  "only errors on stderr" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "output format: table or json" },
		{ TP_OPT_STRING, 0, "color", &color, "<when>",
		  "colour: auto (default), always, never" },
		{ TP_OPT_FLAG, 0, "version", &version, NULL,
		  "print the version and exit" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};

	/* A closed pipe (tidepatch scan | head) is an EPIPE, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	install_signal_handlers();

	rc = tp_opts_parse(opts, argc, argv, TP_OPTS_STOP_AT_NON_OPTION,
			   &nargs);
	if (rc == TP_OPTS_HELP) {
		tp_opts_usage(stdout, global_usage, opts);
		fputc('\n', stdout);
		tp_cli_list_commands(stdout);
		return TP_EXIT_OK;
	}
	if (rc)
		return TP_EXIT_USAGE;
	if (strcmp(color, "auto") && strcmp(color, "always") &&
	    strcmp(color, "never")) {
		tp_cli_error(NULL, "--color expects auto, always or never, not '%s'",
			     color);
		return TP_EXIT_USAGE;
	}
	if (quiet && verbose) {
		tp_cli_error(NULL, "-q and -v contradict each other");
		return TP_EXIT_USAGE;
	}
	cli.verbosity = quiet ? -1 : verbose > 2 ? 2 : verbose;
	cli.color_when = color;
	cli.color_stdout = tp_cli_want_color(color, stdout);
	cli.color_stderr = tp_cli_want_color(color, stderr);
	if (format && tp_cli_parse_format(format, &cli.format))
		return TP_EXIT_USAGE;
	tp_log_set_handler(log_to_stderr,
			   cli.verbosity < 0 ? TP_LOG_ERROR :
			   (enum tp_log_level)(TP_LOG_WARN + cli.verbosity),
			   &cli);

	if (version)
		return cmd_version(&cli, 1, argv);
	if (nargs < 2) {
		tp_opts_usage(stderr, global_usage, opts);
		fputc('\n', stderr);
		tp_cli_list_commands(stderr);
		return TP_EXIT_USAGE;
	}
	return tp_cli_run_command(&cli, argv[1], nargs - 1, argv + 1);
}
