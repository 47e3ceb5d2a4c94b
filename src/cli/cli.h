/*
 * cli.h - the command-line layer: the only code that prints, reads argv
 * and picks exit codes. Private to src/cli and src/main.c.
 */
#ifndef TIDEPATCH_CLI_H
#define TIDEPATCH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "tidepatch/buf.h"
#include "tidepatch/err.h"

/*
 * Exit status contract, documented in tidepatch(1), EXIT STATUS. Values
 * 64 and up follow sysexits(3) so wrappers can tell kinds of failure
 * apart without parsing messages.
 */
enum tp_exit {
	TP_EXIT_OK = 0,		/* done, nothing the policy objects to */
	TP_EXIT_FINDINGS = 1,	/* done, and the policy says fail */
	TP_EXIT_PARTIAL = 2,	/* some hosts failed, others succeeded */
	TP_EXIT_USAGE = 64,	/* EX_USAGE: bad command line */
	TP_EXIT_DATAERR = 65,	/* EX_DATAERR: bad input data */
	TP_EXIT_NOINPUT = 66,	/* EX_NOINPUT: an input file does not exist */
	TP_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: no host could be handled */
	TP_EXIT_SOFTWARE = 70,	/* EX_SOFTWARE: internal error */
	TP_EXIT_IOERR = 74,	/* EX_IOERR: cannot read or write a file */
	TP_EXIT_TEMPFAIL = 75,	/* EX_TEMPFAIL: a rollout paused (approval,
				   window); tidepatch resume goes on */
	TP_EXIT_NOPERM = 77,	/* EX_NOPERM: needs privileges we lack */
	TP_EXIT_CONFIG = 78,	/* EX_CONFIG: bad configuration */
};

enum tp_format {
	TP_FORMAT_DEFAULT,	/* the command's natural form */
	TP_FORMAT_TABLE,
	TP_FORMAT_JSON,
};

/* Settings from the global options, passed to every command. */
struct tp_cli {
	int verbosity;		/* -1 with -q, 0 default, 1 -v, 2 -vv */
	enum tp_format format;	/* --format before the command */
	bool color_stdout;	/* resolved --color for stdout */
	bool color_stderr;
	const char *color_when;	/* "auto", "always", "never" */
};

/* ---- parse-options: one table per command drives parsing and --help ---- */

enum tp_opt_kind {
	TP_OPT_END = 0,
	TP_OPT_FLAG,		/* bool, set to true */
	TP_OPT_COUNT,		/* int, incremented per use */
	TP_OPT_STRING,		/* const char *, borrowed from argv */
	TP_OPT_INT,		/* int, decimal, range-checked by caller */
};

struct tp_opt {
	enum tp_opt_kind kind;
	char short_name;	/* 0 for none */
	const char *long_name;	/* NULL for none */
	void *value;
	const char *argh;	/* argument name for help, "<file>" */
	const char *help;
};

/* Returned by tp_opts_parse when -h/--help was given. */
#define TP_OPTS_HELP 1

#define TP_OPTS_STOP_AT_NON_OPTION 1	/* for global options */

/*
 * Parse argv[1..argc) against opts. Non-option arguments are moved to
 * argv[1..*argc_out); "--" ends option parsing (the rest are arguments).
 * Returns 0, TP_OPTS_HELP, or -1 after printing "error: ..." to stderr.
 */
int tp_opts_parse(const struct tp_opt *opts, int argc, char **argv,
		  int flags, int *argc_out);

/*
 * The start of every command: parse its options, print help for -h.
 * Returns -1 when the command should go on (with *argc_out arguments),
 * otherwise the exit status to return at once (0 after help, 64 after
 * an error already printed).
 */
int tp_cli_parse_command(const struct tp_opt *opts, const char *const *usage,
			 int argc, char **argv, int *argc_out);

/* Print "usage: <usage>" and the option table to f. */
void tp_opts_usage(FILE *f, const char *const *usage, const struct tp_opt *opts);

/* ---- output ---- */

/* Print "tidepatch: <msg>" to stderr (and the error code name at -v). */
void tp_cli_error(const struct tp_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tp_cli_warn(const struct tp_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resolve --color for a stream: always/never, or auto = TTY and no NO_COLOR. */
bool tp_cli_want_color(const char *when, FILE *stream);

/* Map a core error code to the exit status that describes it. */
int tp_cli_exit_for(int code);

/*
 * Write <data, len> to path, or stdout for NULL or "-". Files are written
 * to a temporary name beside the target and renamed into place, so a
 * reader never sees half a report. Returns 0 or TP_EIO with err filled.
 */
int tp_cli_write_output(const char *path, const char *data, size_t len,
			struct tp_err *err);

/*
 * Append doc (a reference this call takes, and may be NULL after a
 * failed build with err already set) to out as dumped with flags and a
 * newline. Returns 0 or a TP_E* code.
 */
int tp_cli_append_json(struct tp_buf *out, json_t *doc, size_t flags,
		       struct tp_err *err);

/* Parse --format's value. Returns 0 or -1 after printing an error. */
int tp_cli_parse_format(const char *s, enum tp_format *out);

/* ---- reaching hosts (hosts.c) ---- */

struct tp_inventory;
struct tp_host_spec;

/* Command-line settings shared by the commands that reach hosts. */
struct tp_cli_ssh {
	const char *inventory;	/* -i; NULL: inventory/ */
	const char *limit;	/* --limit */
	int parallel;		/* --parallel */
	int connect_timeout;	/* --connect-timeout, seconds; 0: from
				   ssh_config, else 10 */
	int become;		/* enum tp_become_mode */
	const char *ssh_config;	/* -F; NULL: ~/.ssh/config; "none" */
};

#define TP_CLI_SSH_INIT { NULL, NULL, 32, 0, 0, NULL }

/*
 * The option rows for struct tp_cli_ssh, shared by every command that
 * reaches hosts, so their names and help cannot drift apart.
 */
#define TP_CLI_SSH_OPTIONS(ss)                                                \
	{ TP_OPT_STRING, 'i', "inventory", &(ss).inventory, "<path>",         \
	  "inventory file or directory (default: inventory/)" },              \
	{ TP_OPT_STRING, 0, "limit", &(ss).limit, "<pattern>",                \
	  "keep only hosts that also match <pattern>" },                      \
	{ TP_OPT_INT, 0, "parallel", &(ss).parallel, "<n>",                   \
	  "SSH connections open at once (default 32)" },                      \
	{ TP_OPT_INT, 0, "connect-timeout", &(ss).connect_timeout,            \
	  "<seconds>", "deadline for each phase of connecting (default: "     \
	  "ssh_config's ConnectTimeout, else 10)" },                          \
	{ TP_OPT_STRING, 'F', NULL, &(ss).ssh_config, "<file>",               \
	  "ssh_config to read (default ~/.ssh/config; none: no file)" }

/* ---- compliance: advisories, policy, results (comp.c) ---- */

struct tp_cli_comp {
	const char *advisories;	/* --advisories; NULL: <root>/advisories */
	const char *kev;	/* --kev; NULL: <advisories>/known_exploited_
				   vulnerabilities.json when it exists */
	const char *policy;	/* --policy; NULL: <root>/policy.json */
	const char *results;	/* --results; NULL: <root>/results */
	const char *fail_on;	/* --fail-on */
	bool no_save;		/* --no-save */
};

#define TP_CLI_COMP_INIT { NULL, NULL, NULL, NULL, NULL, false }

/*
 * Where advisories, the policy and results are looked for, and the CI
 * gate. <root> is the directory the inventory is in (tidepatch-report(1),
 * FILES). save adds --results and --no-save, which only scan has.
 */
#define TP_CLI_COMP_OPTIONS(cc)                                               \
	{ TP_OPT_STRING, 0, "advisories", &(cc).advisories, "<path>",         \
	  "OSV advisories: file or directory (default: advisories/ beside "   \
	  "the inventory)" },                                                  \
	{ TP_OPT_STRING, 0, "kev", &(cc).kev, "<file>",                       \
	  "known-exploited list, CISA KEV JSON (default: in the advisories)" },\
	{ TP_OPT_STRING, 0, "policy", &(cc).policy, "<file>",                 \
	  "policy file (default: policy.json beside the inventory)" },        \
	{ TP_OPT_STRING, 0, "results", &(cc).results, "<dir>",                \
	  "results directory (default: results/ beside the inventory)" },     \
	{ TP_OPT_STRING, 0, "fail-on", &(cc).fail_on, "<level>",              \
	  "exit 1 when a fix is missing at critical, important, moderate "    \
	  "or low severity or above, or overdue" }

/* What comp.c set up from struct tp_cli_comp. */
struct tp_cli_compctx {
	struct tp_advisory_db *db;	/* NULL: no advisory data */
	struct tp_policy *policy;
	char *results_dir;		/* NULL: results are not kept */
	int fail_sev;			/* enum tp_severity, or -1 */
	bool fail_overdue;
};

/*
 * Load what cc names, defaults relative to the inventory path inv_path
 * (NULL: the current directory, and results are kept only with
 * --results). keep_results: this command writes results (scan) unless
 * --no-save. Returns -1, or an exit status after printing why.
 */
struct tp_comp_report;
int tp_cli_comp_setup(const struct tp_cli *cli, const struct tp_cli_comp *cc,
		      const char *inv_path, bool keep_results,
		      struct tp_cli_compctx *ctx);
void tp_cli_comp_release(struct tp_cli_compctx *ctx);
/* Does the report trip --fail-on? */
bool tp_cli_comp_fails(const struct tp_cli_compctx *ctx,
		       const struct tp_comp_report *r);
/* One line on stderr: what is missing, by severity, and how much is
 * overdue. */
void tp_cli_comp_summary(const struct tp_cli *cli,
			 const struct tp_cli_compctx *ctx,
			 const struct tp_comp_report *r);

/*
 * Load the inventory (NULL: inventory/) and select hosts by patterns and
 * limit, for commands that do not connect. Returns -1 with *inv_out and
 * *idx_out (indexes into inv->hosts; caller frees) set, or an exit status
 * after printing why.
 */
struct tp_inventory;
int tp_cli_select_hosts(const struct tp_cli *cli, const char *inventory,
			const char *limit, char **patterns, size_t npatterns,
			struct tp_inventory **inv_out, size_t **idx_out,
			size_t *n_out);

/*
 * Plan the playbook at path (scanning its targets over SSH), as `tidepatch
 * plan` does, into *out (caller frees). -1, or an exit status after
 * printing why (cmd_plan.c).
 */
struct tp_plan;
int tp_cli_build_plan(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      const struct tp_cli_comp *cc, const char *path,
		      struct tp_plan **out);

/* Print each problem of a load as a line on f, after prefix. */
struct tp_inv_problems;
void tp_cli_print_problems(FILE *f, const struct tp_inv_problems *pr,
			   const char *prefix);

/* Range-check the settings: -1 to go on, or an exit status (printed). */
int tp_cli_check_ssh(const struct tp_cli *cli, const struct tp_cli_ssh *ss);

/*
 * Load the inventory, select hosts by patterns, and build one SSH target
 * per host (inventory user, else $USER; inventory identity, else the
 * first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa; the inventory's
 * known_hosts; become per ss->become). Hosts that need what is not
 * supported yet are marked
 * refused. Returns -1 with *inv_out and *specs_out set (caller frees;
 * specs borrow strings from the inventory), or an exit status after
 * printing why. Release the specs with tp_cli_hosts_release.
 */
int tp_cli_pick_hosts(const struct tp_cli *cli, const struct tp_cli_ssh *ss,
		      char **patterns, size_t npatterns,
		      struct tp_inventory **inv_out,
		      struct tp_host_spec **specs_out, size_t *n_out);

/* Free what tp_cli_pick_hosts returned in *specs_out. NULL is allowed. */
void tp_cli_hosts_release(struct tp_host_spec *specs, size_t n);

/* How a command uses the inventory's "become". */
enum tp_become_mode {
	TP_BECOME_NEVER,	/* e.g. scan: needs no root */
	TP_BECOME_INVENTORY,	/* as each host says */
	TP_BECOME_ALWAYS,	/* --become */
};

/* ---- commands ---- */

typedef int (*tp_cmd_fn)(struct tp_cli *cli, int argc, char **argv);

int cmd_scan(struct tp_cli *cli, int argc, char **argv);
int cmd_report(struct tp_cli *cli, int argc, char **argv);
int cmd_plan(struct tp_cli *cli, int argc, char **argv);
int cmd_apply(struct tp_cli *cli, int argc, char **argv);
int cmd_resume(struct tp_cli *cli, int argc, char **argv);
int cmd_rollback(struct tp_cli *cli, int argc, char **argv);
int cmd_runs(struct tp_cli *cli, int argc, char **argv);
int cmd_exec(struct tp_cli *cli, int argc, char **argv);
int cmd_hostkeys(struct tp_cli *cli, int argc, char **argv);
int cmd_vercmp(struct tp_cli *cli, int argc, char **argv);
int cmd_inventory(struct tp_cli *cli, int argc, char **argv);
int cmd_help(struct tp_cli *cli, int argc, char **argv);
int cmd_version(struct tp_cli *cli, int argc, char **argv);

/* Print the list of commands (from main.c's table) to f. */
void tp_cli_list_commands(FILE *f);

/* Run the named command with argv (argv[0] is the command name). */
int tp_cli_run_command(struct tp_cli *cli, const char *name, int argc,
		       char **argv);

#endif
