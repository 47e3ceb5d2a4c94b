/*
 * cmd_inventory.c - `tidepatch inventory list|show|check`: look at the
 * inventory the other commands will use, and validate it for CI.
 *
 * One option table serves the three subcommands, so -i may come before
 * or after the subcommand name (`inventory -i inv/ list` and
 * `inventory list -i inv/` are the same). Problems go to stdout for
 * `check` (they are its result) and to stderr for list and show (there
 * they explain why there is no result); both exit 78.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tidepatch/inventory.h"

static const char *const usage[] = {
	"tidepatch inventory [-i <path>] list [--limit <pattern>] [--format table|json] [<pattern>...]",
	"tidepatch inventory [-i <path>] show [--format table|json] <host>",
	"tidepatch inventory [-i <path>] check [--format table|json]",
	NULL,
};

static json_t *host_json(const struct tp_inv_host *h, bool origin)
{
	json_t *o = json_object(), *a;
	size_t i;

	if (!o)
		return NULL;
	json_object_set_new(o, "name", json_string(h->name));
	json_object_set_new(o, "file", json_string(h->file));
	json_object_set_new(o, "address", json_string(h->address));
	json_object_set_new(o, "port", json_integer(h->port));
	json_object_set_new(o, "user", h->user ? json_string(h->user)
					       : json_null());
	json_object_set_new(o, "identity", h->identity ?
			    json_string(h->identity) : json_null());
	a = json_array();
	for (i = 0; i < h->njump; i++) {
		const struct tp_inv_hop *hop = &h->jump[i];

		json_array_append_new(a, json_pack("{s:o,s:o,s:s,s:i}",
			"host", hop->host ? json_string(hop->host) : json_null(),
			"user", hop->user ? json_string(hop->user) : json_null(),
			"address", hop->address, "port", hop->port));
	}
	json_object_set_new(o, "jump", a);
	json_object_set_new(o, "become", json_boolean(h->become));
	json_object_set_new(o, "criticality",
			    json_string(tp_criticality_name(h->criticality)));
	json_object_set_new(o, "exposure",
			    json_string(tp_exposure_name(h->exposure)));
	a = json_array();
	for (i = 0; i < h->ntags; i++)
		json_array_append_new(a, json_string(h->tags[i]));
	json_object_set_new(o, "tags", a);
	a = json_array();
	for (i = 0; i < h->ngroups; i++)
		json_array_append_new(a, json_string(h->groups[i]));
	json_object_set_new(o, "groups", a);
	json_object_set(o, "vars", h->vars);
	if (origin)
		json_object_set(o, "origin", h->origin);
	return o;
}

static int print_json(json_t *doc)
{
	char *s;

	if (!doc)
		return TP_EXIT_SOFTWARE;
	s = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!s)
		return TP_EXIT_SOFTWARE;
	puts(s);
	free(s);
	return TP_EXIT_OK;
}

static void join(char *dst, size_t size, char *const *v, size_t n,
		 const char *sep)
{
	size_t i, len = 0;

	dst[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(dst + len, size - len, "%s%s",
					i ? sep : "", v[i]);
	if (!n)
		snprintf(dst, size, "-");
}

static int cmd_list(const struct tp_inventory *inv, enum tp_format fmt,
		    int argc, char **argv, const char *limit,
		    const struct tp_cli *cli)
{
	size_t *idx = NULL, n = 0, i;
	struct tp_err err = { 0 };
	int wname = 4, waddr = 7, wuser = 4;
	int rc;

	rc = tp_inventory_select(inv, (const char *const *)argv + 2,
				 (size_t)(argc - 2), limit, &idx, &n, &err);
	if (rc) {
		tp_cli_error(cli, "%s", err.msg);
		return rc == TP_ENOTFOUND || rc == TP_EUSAGE ? TP_EXIT_USAGE
							    : TP_EXIT_SOFTWARE;
	}
	if (fmt == TP_FORMAT_JSON) {
		json_t *doc = json_object(), *hosts = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(hosts,
					      host_json(&inv->hosts[idx[i]], false));
		json_object_set_new(doc, "format",
				    json_string("tidepatch.inventory/1"));
		json_object_set_new(doc, "source", json_string(inv->source));
		json_object_set_new(doc, "known_hosts",
				    json_string(inv->known_hosts));
		json_object_set_new(doc, "hosts", hosts);
		free(idx);
		return print_json(doc);
	}
	for (i = 0; i < n; i++) {
		const struct tp_inv_host *h = &inv->hosts[idx[i]];
		int l;

		if ((l = (int)strlen(h->name)) > wname)
			wname = l;
		if ((l = (int)strlen(h->address)) > waddr)
			waddr = l;
		if (h->user && (l = (int)strlen(h->user)) > wuser)
			wuser = l;
	}
	printf("%-*s  %-*s  %5s  %-*s  %s\n", wname, "HOST", waddr, "ADDRESS",
	       "PORT", wuser, "USER", "GROUPS");
	for (i = 0; i < n; i++) {
		const struct tp_inv_host *h = &inv->hosts[idx[i]];
		char groups[1024];

		join(groups, sizeof(groups), h->groups, h->ngroups, ",");
		printf("%-*s  %-*s  %5d  %-*s  %s\n", wname, h->name, waddr,
		       h->address, h->port, wuser, h->user ? h->user : "-",
		       groups);
	}
	free(idx);
	return TP_EXIT_OK;
}

static const char *origin_of(const struct tp_inv_host *h, const char *key)
{
	const char *s = json_string_value(json_object_get(h->origin, key));

	return s ? s : "built-in";
}

static int cmd_show(const struct tp_inventory *inv, enum tp_format fmt,
		    const char *name, const struct tp_cli *cli)
{
	const struct tp_inv_host *h = tp_inventory_host(inv, name);
	char line[2048];
	const char *key;
	json_t *v;
	size_t i;

	if (!h) {
		tp_cli_error(cli, "no host '%s' in inventory %s", name,
			     inv->source);
		return TP_EXIT_USAGE;
	}
	if (fmt == TP_FORMAT_JSON)
		return print_json(host_json(h, true));
	printf("%s  (%s)\n", h->name, h->file);
	printf("  %-12s %-30s %s\n", "address", h->address,
	       origin_of(h, "address"));
	printf("  %-12s %-30d %s\n", "port", h->port, origin_of(h, "port"));
	printf("  %-12s %-30s %s\n", "user", h->user ? h->user : "-",
	       origin_of(h, "user"));
	printf("  %-12s %-30s %s\n", "identity",
	       h->identity ? h->identity : "-", origin_of(h, "identity"));
	line[0] = '\0';
	for (i = 0; i < h->njump; i++) {
		size_t len = strlen(line);

		bool v6 = strchr(h->jump[i].address, ':') != NULL;

		snprintf(line + len, sizeof(line) - len, "%s%s%s%s%s%s:%d",
			 i ? " -> " : "", h->jump[i].user ? h->jump[i].user : "",
			 h->jump[i].user ? "@" : "", v6 ? "[" : "",
			 h->jump[i].address, v6 ? "]" : "", h->jump[i].port);
	}
	printf("  %-12s %-30s %s\n", "jump", h->njump ? line : "-",
	       origin_of(h, "jump"));
	printf("  %-12s %-30s %s\n", "become", h->become ? "yes" : "no",
	       origin_of(h, "become"));
	printf("  %-12s %-30s %s\n", "criticality",
	       tp_criticality_name(h->criticality),
	       origin_of(h, "criticality"));
	printf("  %-12s %-30s %s\n", "exposure", tp_exposure_name(h->exposure),
	       origin_of(h, "exposure"));
	join(line, sizeof(line), h->tags, h->ntags, ",");
	printf("  %-12s %s\n", "tags", line);
	join(line, sizeof(line), h->groups, h->ngroups, ",");
	printf("  %-12s %s\n", "groups", line);
	printf("  vars\n");
	json_object_foreach(h->vars, key, v) {
		char okey[600];
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
					JSON_ENSURE_ASCII);

		snprintf(okey, sizeof(okey), "vars.%s", key);
		printf("    %-10s %-30s %s\n", key, s ? s : "?",
		       origin_of(h, okey));
		free(s);
	}
	return TP_EXIT_OK;
}

static int cmd_check(const struct tp_inventory *inv,
		     const struct tp_inv_problems *pr, const char *path,
		     enum tp_format fmt, const struct tp_cli *cli)
{
	size_t i;

	if (fmt == TP_FORMAT_JSON) {
		json_t *doc = json_object(), *a = json_array();

		for (i = 0; i < pr->n; i++) {
			const struct tp_inv_problem *p = &pr->v[i];
			json_t *o = json_object();

			json_object_set_new(o, "file", json_string(p->file));
			json_object_set_new(o, "path", p->path ?
					    json_string(p->path) : json_null());
			json_object_set_new(o, "line", json_integer(p->line));
			json_object_set_new(o, "column",
					    json_integer(p->column));
			json_object_set_new(o, "message", json_string(p->msg));
			json_array_append_new(a, o);
		}
		json_object_set_new(doc, "format",
				    json_string("tidepatch.inventory-check/1"));
		json_object_set_new(doc, "source", json_string(path));
		json_object_set_new(doc, "ok", json_boolean(pr->n == 0));
		json_object_set_new(doc, "hosts",
				    json_integer(inv ? (json_int_t)inv->nhosts : 0));
		json_object_set_new(doc, "problems", a);
		if (print_json(doc))
			return TP_EXIT_SOFTWARE;
		return pr->n ? TP_EXIT_CONFIG : TP_EXIT_OK;
	}
	if (pr->n) {
		tp_cli_print_problems(stdout, pr, "");
		fflush(stdout);
		tp_cli_error(cli, "%zu problem%s in inventory %s", pr->n,
			     pr->n == 1 ? "" : "s", path);
		return TP_EXIT_CONFIG;
	}
	printf("inventory %s: ok, %zu host%s, %zu group%s\n", path,
	       inv->nhosts, inv->nhosts == 1 ? "" : "s", inv->ngroups,
	       inv->ngroups == 1 ? "" : "s");
	return TP_EXIT_OK;
}

int cmd_inventory(struct tp_cli *cli, int argc, char **argv)
{
	const char *path = NULL, *limit = NULL, *format = NULL;
	const struct tp_opt opts[] = {
		{ TP_OPT_STRING, 'i', "inventory", &path, "<path>",
		  "inventory file or directory (default: inventory/)" },
		{ TP_OPT_STRING, 0, "limit", &limit, "<pattern>",
		  "list: keep only hosts that also match <pattern>" },
		{ TP_OPT_STRING, 0, "format", &format, "<fmt>",
		  "table (default) or json" },
		{ TP_OPT_END, 0, NULL, NULL, NULL, NULL },
	};
	struct tp_inventory *inv = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	enum tp_format fmt = cli->format;
	const char *sub;
	int rc, nargs = 0, status;

	if ((rc = tp_cli_parse_command(opts, usage, argc, argv, &nargs)) >= 0)
		return rc;
	if (format && tp_cli_parse_format(format, &fmt))
		return TP_EXIT_USAGE;
	if (nargs < 2) {
		tp_opts_usage(stderr, usage, opts);
		return TP_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "check")) {
		tp_cli_error(cli, "unknown inventory command '%s' (expected "
			     "list, show or check)", sub);
		return TP_EXIT_USAGE;
	}
	if (!strcmp(sub, "show") && nargs != 3) {
		tp_cli_error(cli, "inventory show takes exactly one host name");
		return TP_EXIT_USAGE;
	}
	if (!strcmp(sub, "check") && nargs != 2) {
		tp_cli_error(cli, "inventory check takes no arguments");
		return TP_EXIT_USAGE;
	}
	if (limit && strcmp(sub, "list")) {
		tp_cli_error(cli, "--limit only applies to inventory list");
		return TP_EXIT_USAGE;
	}
	if (!path)
		path = "inventory";

	tp_inv_problems_init(&pr);
	rc = tp_inventory_load(&inv, path, &pr, &err);
	if (rc && rc != TP_ECONFIG) {
		tp_cli_error(cli, "%s%s", err.msg, rc == TP_ENOTFOUND && !strcmp(
			     path, "inventory") ? " (use -i <path>)" : "");
		status = rc == TP_ENOTFOUND ? TP_EXIT_NOINPUT :
			 tp_cli_exit_for(rc);
	} else if (!strcmp(sub, "check")) {
		status = cmd_check(inv, &pr, path, fmt, cli);
	} else if (rc) {
		tp_cli_print_problems(stderr, &pr, "tidepatch: error: ");
		tp_cli_error(cli, "%s (see 'tidepatch inventory check')",
			     err.msg);
		status = TP_EXIT_CONFIG;
	} else if (!strcmp(sub, "list")) {
		status = cmd_list(inv, fmt, nargs, argv, limit, cli);
	} else {
		status = cmd_show(inv, fmt, argv[2], cli);
	}
	tp_inventory_free(inv);
	tp_inv_problems_release(&pr);
	return status;
}
