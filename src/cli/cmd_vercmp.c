/*
 * cmd_vercmp.c - `tidepatch vercmp deb|rpm|apk A B`: print <, = or >.
 *
 * Like `dpkg --compare-versions`, but one tool for three formats and an
 * answer on stdout instead of in the exit status, so scripts and tests
 * can see the relation directly.
 */
#include <stdio.h>

#include "cli.h"
#include "tidepatch/version.h"

static const char *const usage[] = {
	"tidepatch vercmp [--lax] deb|rpm|apk <version-a> <version-b>",
	NULL,
};

int cmd_vercmp(struct tp_cli *cli, int argc, char **argv)
{
	bool lax = false;
	const struct tp_opt opts[] = {
		{ TP_OPT_FLAG, 0, "lax", &lax, NULL,
		  "compare even versions the format's tool rejects" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_err err = { 0 };
	enum tp_vfmt fmt;
	int rc, nargs = 0, i, c;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (nargs != 4) {
		tp_opts_usage(stderr, usage, opts);
		return TP_EXIT_USAGE;
	}
	if (tp_vfmt_from_name(&fmt, argv[1], &err)) {
		tp_cli_error(cli, "%s", err.msg);
		return TP_EXIT_USAGE;
	}
	for (i = 2; i <= 3 && !lax; i++) {
		if (tp_version_check(fmt, argv[i], &err)) {
			tp_cli_error(cli, "invalid version '%s': %s", argv[i],
				     err.msg);
			return TP_EXIT_DATAERR;
		}
	}
	c = tp_version_cmp(fmt, argv[2], argv[3]);
	puts(c < 0 ? "<" : c > 0 ? ">" : "=");
	if (fflush(stdout)) {
		tp_cli_error(cli, "writing output failed");
		return TP_EXIT_IOERR;
	}
	return TP_EXIT_OK;
}
