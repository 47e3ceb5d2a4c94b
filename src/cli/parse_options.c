/*
 * parse_options.c - a small table-driven option parser (git's
 * parse-options in miniature): one table per command gives both parsing
 * and --help, so the two cannot drift apart.
 *
 * Accepted forms: -v -vv -oFILE -o FILE --long --long=VAL --long VAL and
 * "--" to end options. Options and arguments may be mixed, except with
 * TP_OPTS_STOP_AT_NON_OPTION, where the first argument ends parsing (the
 * global options stop at the command name).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int opt_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int opt_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tidepatch: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int set_value(const struct tp_opt *o, const char *arg,
		     const char *shown)
{
	char *end = NULL;
	long v;

	switch (o->kind) {
	case TP_OPT_FLAG:
		*(bool *)o->value = true;
		return 0;
	case TP_OPT_COUNT:
		(*(int *)o->value)++;
		return 0;
	case TP_OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case TP_OPT_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < INT_MIN || v > INT_MAX)
			return opt_error("option %s expects a number, not '%s'",
					 shown, arg);
		*(int *)o->value = (int)v;
		return 0;
	case TP_OPT_END:
		break;
	}
	return -1;
}

static bool takes_arg(const struct tp_opt *o)
{
	return o->kind == TP_OPT_STRING || o->kind == TP_OPT_INT;
}

static int parse_long(const struct tp_opt *opts, char *arg, int *i, int argc,
		      char **argv)
{
	char *name = arg + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct tp_opt *o;

	for (o = opts; o->kind != TP_OPT_END; o++)
		if (o->long_name && strlen(o->long_name) == n &&
		    !strncmp(o->long_name, name, n))
			break;
	if (o->kind == TP_OPT_END)
		return opt_error("unknown option '%s' (see --help)", arg);
	if (!takes_arg(o)) {
		if (eq)
			return opt_error("option --%s takes no value",
					 o->long_name);
		return set_value(o, NULL, arg);
	}
	if (eq)
		return set_value(o, eq + 1, arg);
	if (*i + 1 >= argc)
		return opt_error("option --%s needs a value", o->long_name);
	return set_value(o, argv[++*i], arg);
}

static int parse_short(const struct tp_opt *opts, char *arg, int *i, int argc,
		       char **argv)
{
	char *p;

	for (p = arg + 1; *p; p++) {
		const struct tp_opt *o;
		char shown[3] = { '-', *p, '\0' };

		for (o = opts; o->kind != TP_OPT_END; o++)
			if (o->short_name && o->short_name == *p)
				break;
		if (o->kind == TP_OPT_END)
			return opt_error("unknown option '%s' (see --help)",
					 shown);
		if (!takes_arg(o)) {
			if (set_value(o, NULL, shown))
				return -1;
			continue;
		}
		if (p[1])
			return set_value(o, p + 1, shown);
		if (*i + 1 >= argc)
			return opt_error("option %s needs a value", shown);
		return set_value(o, argv[++*i], shown);
	}
	return 0;
}

int tp_opts_parse(const struct tp_opt *opts, int argc, char **argv,
		  int flags, int *argc_out)
{
	int i, nargs = 1;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				argv[nargs++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (flags & TP_OPTS_STOP_AT_NON_OPTION) {
				for (; i < argc; i++)
					argv[nargs++] = argv[i];
				break;
			}
			argv[nargs++] = a;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return TP_OPTS_HELP;
		if (a[1] == '-') {
			if (parse_long(opts, a, &i, argc, argv))
				return -1;
		} else if (parse_short(opts, a, &i, argc, argv)) {
			return -1;
		}
	}
	*argc_out = nargs;
	return 0;
}

void tp_opts_usage(FILE *f, const char *const *usage, const struct tp_opt *opts)
{
	const struct tp_opt *o;
	bool first = true;

	for (; *usage; usage++, first = false)
		fprintf(f, "%s %s\n", first ? "usage:" : "   or:", *usage);
	fputc('\n', f);
	for (o = opts; o->kind != TP_OPT_END; o++) {
		char left[64];
		int n = 0;

		if (o->short_name)
			n = snprintf(left, sizeof(left), "-%c%s", o->short_name,
				     o->long_name ? ", " : "");
		else
			n = snprintf(left, sizeof(left), "    ");
		if (o->long_name && n >= 0 && (size_t)n < sizeof(left))
			n += snprintf(left + n, sizeof(left) - (size_t)n,
				      "--%s", o->long_name);
		if (takes_arg(o) && n >= 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s",
				 o->argh ? o->argh : "<value>");
		fprintf(f, "    %-26s %s\n", left, o->help);
	}
}

int tp_cli_parse_command(const struct tp_opt *opts, const char *const *usage,
			 int argc, char **argv, int *argc_out)
{
	int rc = tp_opts_parse(opts, argc, argv, 0, argc_out);

	if (rc == TP_OPTS_HELP) {
		tp_opts_usage(stdout, usage, opts);
		return TP_EXIT_OK;
	}
	return rc ? TP_EXIT_USAGE : -1;
}
