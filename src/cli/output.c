/*
 * output.c - where results and messages go: stdout for results, stderr
 * for messages, files written atomically, colour only when wanted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "tidepatch/inventory.h"
#include "tidepatch/fs.h"

static void vmsg(const struct tp_cli *cli, const char *kind,
		 const char *color, const char *fmt, va_list ap)
{
	bool c = cli && cli->color_stderr;

	fprintf(stderr, "tidepatch: %s%s%s", c ? color : "", kind,
		c ? "\033[0m" : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void tp_cli_error(const struct tp_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, "error: ", "\033[1;31m", fmt, ap);
	va_end(ap);
}

void tp_cli_warn(const struct tp_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli && cli->verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg(cli, "warning: ", "\033[1;33m", fmt, ap);
	va_end(ap);
}

/*
 * NO_COLOR (no-color.org): set and non-empty disables colour by default;
 * an explicit --color=always still wins, as command-line flags should.
 */
bool tp_cli_want_color(const char *when, FILE *stream)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (!strcmp(when, "always"))
		return true;
	if (!strcmp(when, "never"))
		return false;
	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(stream));
}

int tp_cli_exit_for(int code)
{
	switch (code) {
	case TP_OK:
		return TP_EXIT_OK;
	case TP_EUSAGE:
	case TP_EINVAL:
		return TP_EXIT_USAGE;
	case TP_EPARSE:
	case TP_EVERSION:
	case TP_ETOOBIG:
		return TP_EXIT_DATAERR;
	case TP_EIO:
		return TP_EXIT_IOERR;
	case TP_ECONFIG:
		return TP_EXIT_CONFIG;
	case TP_ENOMEM:
		return TP_EXIT_SOFTWARE;
	default:
		return TP_EXIT_UNAVAILABLE;
	}
}

int tp_cli_parse_format(const char *s, enum tp_format *out)
{
	if (!strcmp(s, "table"))
		*out = TP_FORMAT_TABLE;
	else if (!strcmp(s, "json"))
		*out = TP_FORMAT_JSON;
	else {
		tp_cli_error(NULL, "unknown format '%s' (expected table or json)",
			     s);
		return -1;
	}
	return 0;
}

int tp_cli_append_json(struct tp_buf *out, json_t *doc, size_t flags,
		       struct tp_err *err)
{
	char *s;
	int rc;

	if (!doc)
		return err->code ? err->code :
				   tp_err_set(err, TP_ENOMEM, "out of memory");
	s = json_dumps(doc, flags);
	json_decref(doc);
	if (!s)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_buf_puts(out, s, err);
	if (!rc)
		rc = tp_buf_puts(out, "\n", err);
	free(s);
	return rc;
}

int tp_cli_write_output(const char *path, const char *data, size_t len,
			struct tp_err *err)
{
	if (!path || !strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout))
			return tp_err_sys(err, TP_EIO, errno, "writing output");
		return 0;
	}
	return tp_fs_write_file(path, data, len, err);
}

void tp_cli_print_problems(FILE *f, const struct tp_inv_problems *pr,
			   const char *prefix)
{
	char line[2048];
	size_t i;

	for (i = 0; i < pr->n; i++) {
		tp_inv_problem_format(&pr->v[i], line, sizeof(line));
		fprintf(f, "%s%s\n", prefix, line);
	}
}
