/*
 * test_report_comp.c - the compliance model and its writers (table, JSON,
 * JUnit, SARIF, Markdown), from reports built by hand so every state and
 * every hostile string is there on purpose.
 *
 * JUnit output is checked with xmllint against the Jenkins JUnit schema
 * and SARIF with python3-jsonschema against the OASIS schema, both in
 * tests/fixtures/schemas/ (see its README). They run as child processes
 * with argv, no shell.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tidepatch/compliance.h"
#include "tidepatch/report.h"

/* Hostile bytes from a host or a feed: markup, quotes, a terminal
 * escape, a C0 control XML forbids, invalid UTF-8, U+FFFF. */
#define HOSTILE "a<b>&c\"d'e|f`g\033[31mh\001i\xc3\x28j\xef\xbf\xbfk@all"

static char *dup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	cr_assert_not_null(d);
	return d;
}

static void host_init(struct tp_comp_host *h, const char *name,
		      bool reachable)
{
	memset(h, 0, sizeof(*h));
	h->name = dup_or_null(name);
	h->reachable = reachable;
	h->scanned_at = dup_or_null("2026-11-22T10:00:00Z");
	h->ecosystem = dup_or_null("Debian:12");
	h->criticality = TP_CRIT_MEDIUM;
	h->exposure = TP_EXPO_INTERNAL;
	h->groups = calloc(1, sizeof(char *));
	cr_assert_not_null(h->groups);
	h->groups[0] = dup_or_null(reachable ? "web" : "db");
	h->ngroups = 1;
	if (!reachable) {
		h->error_code = dup_or_null("connect");
		h->error_message = dup_or_null("connection refused");
	}
}

static struct tp_comp_item *item(struct tp_comp_host *h, const char *adv,
				 const char *pkg, const char *installed,
				 const char *fixed, enum tp_severity sev,
				 enum tp_priority prio,
				 enum tp_compliance state)
{
	struct tp_comp_item *it;

	h->items = realloc(h->items, (h->nitems + 1) * sizeof(*h->items));
	cr_assert_not_null(h->items);
	it = &h->items[h->nitems++];
	memset(it, 0, sizeof(*it));
	it->advisory = dup_or_null(adv);
	it->package = dup_or_null(pkg);
	it->binaries = calloc(1, sizeof(char *));
	cr_assert_not_null(it->binaries);
	it->binaries[0] = dup_or_null(pkg);
	it->nbinaries = 1;
	it->installed = dup_or_null(installed);
	it->fixed = dup_or_null(fixed);
	it->severity = sev;
	it->priority = prio;
	it->state = state;
	if (state != TP_COMP_INSTALLED) {
		it->first_seen = dup_or_null("2026-11-01T00:00:00Z");
		it->deadline = dup_or_null("2026-12-01T00:00:00Z");
	}
	h->count[state]++;
	return it;
}

static void add(struct tp_comp_report *r, struct tp_comp_host *h)
{
	struct tp_err err;

	cr_assert_eq(tp_comp_report_add(r, h, &err), 0, "%s", err.msg);
}

/*
 * web1: DSA-5678-1 openssl missing (critical), DSA-5600-1 curl installed,
 *       a security-pocket update of libfoo missing (unknown severity);
 * db1:  DSA-5555-1 zlib missing_overdue (important), DSA-5400-1 bash
 *       excluded;
 * old1: unreachable.
 */
static void sample(struct tp_comp_report *r)
{
	struct tp_comp_host h;
	struct tp_comp_item *it;

	memset(r, 0, sizeof(*r));
	r->generated_at = dup_or_null("2026-11-22T12:00:00Z");
	r->severities_known = true;
	r->advisories = 42;

	host_init(&h, "web1", true);
	h.reboot_required = true;
	it = item(&h, "DSA-5678-1", "openssl", "3.0.11-1~deb12u2",
		  "3.0.13-1~deb12u1", TP_SEV_CRITICAL, TP_PRIO_EMERGENCY,
		  TP_COMP_MISSING);
	it->summary = dup_or_null("openssl: security update");
	it->cves = calloc(2, sizeof(char *));
	cr_assert_not_null(it->cves);
	it->cves[0] = dup_or_null("CVE-2024-0727");
	it->cves[1] = dup_or_null("CVE-2023-6129");
	it->ncves = 2;
	it->exploited = true;
	it->priority_why = dup_or_null("critical; raised: exposure internet");
	item(&h, NULL, "libfoo", "1.0-1", NULL, TP_SEV_UNKNOWN,
	     TP_PRIO_MEDIUM, TP_COMP_MISSING);
	item(&h, "DSA-5600-1", "curl", "7.88.1-10+deb12u5", "7.88.1-10+deb12u5",
	     TP_SEV_MODERATE, TP_PRIO_MEDIUM, TP_COMP_INSTALLED);
	add(r, &h);

	host_init(&h, "db1", true);
	item(&h, "DSA-5555-1", "zlib", "1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1+deb12u1",
	     TP_SEV_IMPORTANT, TP_PRIO_HIGH, TP_COMP_MISSING_OVERDUE);
	it = item(&h, "DSA-5400-1", "bash", "5.2.15-2", "5.2.15-2+b2",
		  TP_SEV_LOW, TP_PRIO_LOW, TP_COMP_EXCLUDED);
	it->note = dup_or_null("accepted risk: no interactive shells");
	add(r, &h);

	host_init(&h, "old1", false);
	free(h.scanned_at);
	h.scanned_at = NULL;
	add(r, &h);
}

/* A report whose every string is HOSTILE (host name included). */
static void hostile(struct tp_comp_report *r)
{
	struct tp_comp_host h;
	struct tp_comp_item *it;

	memset(r, 0, sizeof(*r));
	r->generated_at = dup_or_null("2026-11-22T12:00:00Z");
	host_init(&h, HOSTILE, true);
	it = item(&h, HOSTILE, HOSTILE, HOSTILE, HOSTILE, TP_SEV_CRITICAL,
		  TP_PRIO_HIGH, TP_COMP_MISSING_OVERDUE);
	it->summary = dup_or_null(HOSTILE);
	it->note = dup_or_null(HOSTILE "\n\r\t]]>");
	it->priority_why = dup_or_null(HOSTILE);
	it->cves = calloc(1, sizeof(char *));
	cr_assert_not_null(it->cves);
	it->cves[0] = dup_or_null("CVE-2024-1\"><x>");
	it->ncves = 1;
	it = item(&h, HOSTILE "2", HOSTILE, "1", NULL, TP_SEV_LOW,
		  TP_PRIO_LOW, TP_COMP_EXCLUDED);
	it->note = dup_or_null(HOSTILE "\n\r\t]]>");
	add(r, &h);
	host_init(&h, HOSTILE "x", false);
	free(h.error_message);
	h.error_message = dup_or_null(HOSTILE);
	add(r, &h);
}

typedef int (*writer_fn)(struct tp_buf *, const struct tp_comp_report *,
			 struct tp_err *);

static char *render(writer_fn fn, const struct tp_comp_report *r)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 1 << 22);
	cr_assert_eq(fn(&b, r, &err), 0, "%s", err.msg);
	return tp_buf_detach(&b);
}

static char *table(const struct tp_comp_report *r, bool color)
{
	struct tp_table_style style = { color };
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 1 << 22);
	cr_assert_eq(tp_report_comp_table(&b, r, &style, &err), 0, "%s",
		     err.msg);
	return tp_buf_detach(&b);
}

static char *write_temp(const char *text, const char *suffix)
{
	char *path = NULL;
	int fd;
	size_t len = strlen(text);

	path = malloc(64);
	cr_assert_not_null(path);
	snprintf(path, 64, "/tmp/tp-report-comp-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static char *fixture_path(const char *rel)
{
	const char *root = getenv("TP_FIXTURES");
	size_t n;
	char *path;

	root = root ? root : "fixtures";
	n = strlen(root) + strlen(rel) + 2;
	path = malloc(n);
	cr_assert_not_null(path);
	snprintf(path, n, "%s/%s", root, rel);
	return path;
}

/* Run argv; its stdout (and stderr) into *out if out; the exit status. */
static int run(char *const argv[], char **out)
{
	int fds[2], status = 0;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	buf = malloc(1);
	cr_assert_not_null(buf);
	for (;;) {
		buf = realloc(buf, len + 4097);
		cr_assert_not_null(buf);
		n = read(fds[0], buf + len, 4096);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int xmllint_schema(const char *file, char **out)
{
	char *xsd = fixture_path("schemas/junit-10.xsd");
	char *argv[] = { "/usr/bin/xmllint", "--noout", "--schema", xsd,
			 (char *)file, NULL };
	int rc = run(argv, out);

	free(xsd);
	return rc;
}

/* The string value of an XPath expression over file. */
static char *xpath(const char *file, const char *expr)
{
	char *argv[] = { "/usr/bin/xmllint", "--xpath", (char *)expr,
			 (char *)file, NULL };
	char *out = NULL;

	size_t n;

	cr_assert_eq(run(argv, &out), 0, "xmllint --xpath %s: %s", expr, out);
	/* xmllint ends the value with a newline of its own */
	n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return out;
}

static void assert_xpath(const char *file, const char *expr,
			 const char *want)
{
	char *got = xpath(file, expr);

	cr_assert_str_eq(got, want, "%s", expr);
	free(got);
}

static const char SARIF_CHECK[] =
	"import json, sys\n"
	"import jsonschema\n"
	"schema = json.load(open(sys.argv[1]))\n"
	"doc = json.load(open(sys.argv[2]))\n"
	"jsonschema.Draft4Validator.check_schema(schema)\n"
	"v = jsonschema.Draft4Validator(schema,\n"
	"    format_checker=jsonschema.FormatChecker())\n"
	"errors = sorted(v.iter_errors(doc), key=str)\n"
	"for e in errors:\n"
	"    print(list(e.absolute_path), e.message)\n"
	"sys.exit(1 if errors else 0)\n";

static int sarif_validate(const char *file, char **out)
{
	char *schema = fixture_path("schemas/sarif-schema-2.1.0.json");
	char *argv[] = { "/usr/bin/python3", "-c", (char *)SARIF_CHECK,
			 schema, (char *)file, NULL };
	int rc = run(argv, out);

	free(schema);
	return rc;
}

/* The line of text that starts with prefix (a copy), or NULL. */
static char *line_starting(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p && *p) {
		const char *end = strchr(p, '\n');

		if (!strncmp(p, prefix, n))
			return strndup(p, end ? (size_t)(end - p) : strlen(p));
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* ---- the model ---- */

Test(report_comp, add_counts_items_by_state_and_severity)
{
	struct tp_comp_report r;

	sample(&r);
	cr_assert_eq(r.nhosts, 3);
	cr_assert_eq(r.by_state_severity[TP_COMP_MISSING][TP_SEV_CRITICAL], 1);
	cr_assert_eq(r.by_state_severity[TP_COMP_MISSING][TP_SEV_UNKNOWN], 1);
	cr_assert_eq(r.by_state_severity[TP_COMP_INSTALLED][TP_SEV_MODERATE], 1);
	cr_assert_eq(r.by_state_severity[TP_COMP_MISSING_OVERDUE]
					[TP_SEV_IMPORTANT], 1);
	cr_assert_eq(r.by_state_severity[TP_COMP_EXCLUDED][TP_SEV_LOW], 1);
	cr_assert_eq(r.by_state_severity[TP_COMP_MISSING][TP_SEV_LOW], 0);
	tp_comp_report_release(&r);
}

Test(report_comp, add_counts_only_missing_and_overdue_by_priority)
{
	struct tp_comp_report r;

	sample(&r);
	cr_assert_eq(r.missing_by_priority[TP_PRIO_EMERGENCY], 1);
	cr_assert_eq(r.missing_by_priority[TP_PRIO_HIGH], 1);
	cr_assert_eq(r.missing_by_priority[TP_PRIO_MEDIUM], 1,
		     "the installed curl must not count");
	cr_assert_eq(r.missing_by_priority[TP_PRIO_LOW], 0,
		     "the excluded bash must not count");
	tp_comp_report_release(&r);
}

Test(report_comp, add_moves_the_host_and_clears_the_callers_copy)
{
	struct tp_comp_report r;
	struct tp_comp_host h;

	memset(&r, 0, sizeof(r));
	host_init(&h, "web1", true);
	item(&h, "DSA-1", "p", "1", "2", TP_SEV_LOW, TP_PRIO_LOW,
	     TP_COMP_MISSING);
	add(&r, &h);
	cr_assert_null(h.name);
	cr_assert_null(h.items);
	cr_assert_eq(h.nitems, 0);
	cr_assert_str_eq(r.hosts[0].name, "web1");
	cr_assert_str_eq(r.hosts[0].items[0].package, "p");
	tp_comp_report_release(&r);
}

Test(report_comp, add_rejects_an_item_with_an_out_of_range_state)
{
	struct tp_comp_report r;
	struct tp_comp_host h;
	struct tp_err err;

	memset(&r, 0, sizeof(r));
	host_init(&h, "web1", true);
	item(&h, "DSA-1", "p", "1", "2", TP_SEV_LOW, TP_PRIO_LOW,
	     TP_COMP_MISSING);
	h.items[0].state = (enum tp_compliance)TP_COMP_COUNT;
	cr_assert_eq(tp_comp_report_add(&r, &h, &err), TP_EINVAL);
	cr_assert_eq(r.nhosts, 0);
	cr_assert_str_eq(h.name, "web1", "the caller keeps the host");
	h.items[0].state = TP_COMP_MISSING;
	add(&r, &h);
	tp_comp_report_release(&r);
}

Test(report_comp, add_keeps_every_host_as_the_array_grows)
{
	struct tp_comp_report r;
	char name[32];
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 100; i++) {
		struct tp_comp_host h;

		snprintf(name, sizeof(name), "host%zu", i);
		host_init(&h, name, true);
		item(&h, "DSA-1", "p", "1", "2", TP_SEV_LOW, TP_PRIO_LOW,
		     TP_COMP_MISSING);
		add(&r, &h);
	}
	cr_assert_eq(r.nhosts, 100);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "host%zu", i);
		cr_assert_str_eq(r.hosts[i].name, name);
	}
	cr_assert_eq(r.by_state_severity[TP_COMP_MISSING][TP_SEV_LOW], 100);
	tp_comp_report_release(&r);
	cr_assert_eq(r.nhosts, 0);
	cr_assert_null(r.hosts);
}

Test(report_comp, count_group_counts_the_items_of_member_hosts)
{
	struct tp_comp_report r;
	size_t c[TP_COMP_COUNT];

	sample(&r);
	tp_comp_count_group(&r, "web", c);
	cr_assert_eq(c[TP_COMP_MISSING], 2, "web1 and db1 are in web");
	cr_assert_eq(c[TP_COMP_MISSING_OVERDUE], 1);
	cr_assert_eq(c[TP_COMP_INSTALLED], 1);
	tp_comp_count_group(&r, "db", c);
	cr_assert_eq(c[TP_COMP_MISSING], 0, "old1 has no items");
	tp_comp_count_group(&r, "nosuch", c);
	cr_assert_eq(c[TP_COMP_INSTALLED], 0);
	tp_comp_count_group(&r, "all", c);
	cr_assert_eq(c[TP_COMP_EXCLUDED], 1);
	tp_comp_report_release(&r);
}

Test(report_comp, json_and_table_count_each_group)
{
	struct tp_comp_report r;
	char *out, *line;
	json_t *doc, *web;

	sample(&r);
	out = render(tp_report_comp_json, &r);
	doc = json_loads(out, 0, NULL);
	cr_assert_not_null(doc);
	web = json_object_get(json_object_get(json_object_get(doc, "totals"),
					      "by_group"), "web");
	cr_assert_not_null(web, "%s", out);
	cr_assert_eq(json_integer_value(json_object_get(web, "missing")), 2);
	cr_assert_eq(json_integer_value(json_object_get(web, "missing_overdue")),
		     1);
	json_decref(doc);
	free(out);
	out = table(&r, false);
	line = line_starting(out, "web ");
	cr_assert_not_null(line, "%s", out);
	/* missing (overdue included), overdue, installed, excluded */
	cr_assert(strstr(line, "  3        1          1         1"), "%s", line);
	free(line);
	free(out);
	tp_comp_report_release(&r);
}

/* ---- every writer ---- */

static const writer_fn WRITERS[] = {
	tp_report_comp_json, tp_report_comp_junit, tp_report_comp_sarif,
	tp_report_comp_markdown,
};

Test(report_comp, writers_accept_an_empty_report)
{
	struct tp_comp_report r;
	char *xml, *sarif, *file, *out = NULL, *t;
	size_t i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < sizeof(WRITERS) / sizeof(WRITERS[0]); i++)
		free(render(WRITERS[i], &r));
	t = table(&r, false);
	cr_assert_not_null(strstr(t, "\ntotal "), "%s", t);
	free(t);
	xml = render(tp_report_comp_junit, &r);
	file = write_temp(xml, ".xml");
	cr_assert_eq(xmllint_schema(file, &out), 0, "%s\n%s", out, xml);
	unlink(file);
	free(file);
	free(out);
	out = NULL;
	sarif = render(tp_report_comp_sarif, &r);
	file = write_temp(sarif, ".sarif");
	cr_assert_eq(sarif_validate(file, &out), 0, "%s\n%s", out, sarif);
	unlink(file);
	free(file);
	free(out);
	free(xml);
	free(sarif);
}

Test(report_comp, writers_stop_at_the_buffer_maximum)
{
	struct tp_comp_report r;
	struct tp_table_style style = { false };
	struct tp_buf b;
	struct tp_err err;
	size_t i;

	sample(&r);
	for (i = 0; i < sizeof(WRITERS) / sizeof(WRITERS[0]); i++) {
		tp_buf_init(&b, 200);
		cr_assert_eq(WRITERS[i](&b, &r, &err), TP_ETOOBIG, "writer %zu",
			     i);
		cr_assert_leq(b.len, 200);
		tp_buf_release(&b);
	}
	tp_buf_init(&b, 200);
	cr_assert_eq(tp_report_comp_table(&b, &r, &style, &err), TP_ETOOBIG);
	tp_buf_release(&b);
	tp_comp_report_release(&r);
}

/* ---- table ---- */

Test(report_comp, table_puts_hosts_with_overdue_fixes_first)
{
	struct tp_comp_report r;
	char *t;

	sample(&r);
	t = table(&r, false);
	/* matrix: db1 (overdue) before web1 before old1 */
	cr_assert_not_null(strstr(t, "\ndb1 "), "%s", t);
	cr_assert_lt(strstr(t, "\ndb1 "), strstr(t, "\nweb1 "), "%s", t);
	cr_assert_lt(strstr(t, "\nweb1 "), strstr(t, "\nold1 "), "%s", t);
	/* sections in the same order */
	cr_assert_lt(strstr(t, "\ndb1  ["), strstr(t, "\nweb1  ["), "%s", t);
	free(t);
	tp_comp_report_release(&r);
}

Test(report_comp, table_matrix_counts_what_is_missing_by_severity)
{
	struct tp_comp_report r;
	char *t, *web1, *db1, *old1, *total, *head;

	sample(&r);
	t = table(&r, false);
	head = line_starting(t, "HOST");
	web1 = line_starting(t, "web1 ");
	db1 = line_starting(t, "db1 ");
	old1 = line_starting(t, "old1 ");
	total = line_starting(t, "total");
	cr_assert_str_eq(head, "HOST   CRITICAL  IMPORTANT  MODERATE  LOW  "
			       "UNKNOWN  OVERDUE  UNREACHABLE");
	cr_assert_str_eq(web1, "web1          1          0         0    0"
			       "        1        0  -");
	cr_assert_str_eq(db1, "db1           0          1         0    0"
			      "        0        1  -");
	cr_assert_str_eq(old1, "old1          0          0         0    0"
			       "        0        0  yes");
	cr_assert_str_eq(total, "total         1          1         0    0"
				"        1        1  1");
	free(head);
	free(web1);
	free(db1);
	free(old1);
	free(total);
	free(t);
	tp_comp_report_release(&r);
}

Test(report_comp, table_lists_each_item_with_its_version_change)
{
	struct tp_comp_report r;
	char *t;

	sample(&r);
	t = table(&r, false);
	cr_assert_not_null(strstr(t, "3.0.11-1~deb12u2 -> 3.0.13-1~deb12u1"),
			   "%s", t);
	/* no advisory: "-"; no fixed version known: "?" */
	cr_assert_not_null(strstr(t, "  -           libfoo   1.0-1 -> ?"),
			   "%s", t);
	cr_assert_not_null(strstr(t, "accepted risk: no interactive shells"),
			   "%s", t);
	cr_assert_not_null(strstr(t, "reboot required"), "%s", t);
	free(t);
	tp_comp_report_release(&r);
}

Test(report_comp, table_says_when_severities_are_unknown)
{
	struct tp_comp_report r;
	char *known, *unknown;

	sample(&r);
	known = table(&r, false);
	r.severities_known = false;
	unknown = table(&r, false);
	cr_assert(!strncmp(unknown,
			   "no advisory data loaded: severities are unknown\n",
			   48), "%s", unknown);
	cr_assert_null(strstr(known, "severities are unknown"));
	free(known);
	free(unknown);
	tp_comp_report_release(&r);
}

Test(report_comp, table_shows_why_a_host_is_unreachable)
{
	struct tp_comp_report r;
	char *t;

	sample(&r);
	t = table(&r, false);
	cr_assert_not_null(strstr(t, "old1  unreachable: connect: connection "
				     "refused"), "%s", t);
	free(t);
	tp_comp_report_release(&r);
}

Test(report_comp, table_colour_only_when_asked)
{
	struct tp_comp_report r;
	char *plain, *colour;

	sample(&r);
	plain = table(&r, false);
	colour = table(&r, true);
	cr_assert_null(strchr(plain, '\033'));
	cr_assert_not_null(strstr(colour, "\033[31mmissing_overdue\033[0m"));
	free(plain);
	free(colour);
	tp_comp_report_release(&r);
}

Test(report_comp, table_never_passes_control_bytes_from_hosts)
{
	struct tp_comp_report r;
	char *t;
	const unsigned char *p;

	hostile(&r);
	t = table(&r, false);
	for (p = (const unsigned char *)t; *p; p++)
		cr_assert(*p == '\n' || *p >= 0x20,
			  "control byte 0x%02x at offset %td", *p,
			  (const char *)p - t);
	cr_assert_not_null(strstr(t, "a<b>&c\"d'e|f`g?[31mh?i?(j"), "%s", t);
	free(t);
	tp_comp_report_release(&r);
}

/* ---- JSON ---- */

Test(report_comp, json_carries_every_host_and_item_field)
{
	struct tp_comp_report r;
	json_error_t jerr;
	json_t *doc, *t, *h, *it;
	char *text;

	sample(&r);
	text = render(tp_report_comp_json, &r);
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(doc, "%s: %s", jerr.text, text);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")),
			 "tidepatch.report/1");
	cr_assert_str_eq(json_string_value(json_object_get(doc,
							   "tidepatch_version")),
			 TP_VERSION);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "generated_at")),
			 "2026-11-22T12:00:00Z");
	cr_assert(json_is_true(json_object_get(doc, "severities_known")));
	cr_assert_eq(json_integer_value(json_object_get(doc, "advisories")), 42);

	t = json_object_get(doc, "totals");
	cr_assert_eq(json_integer_value(json_object_get(t, "hosts")), 3);
	cr_assert_eq(json_integer_value(json_object_get(t, "unreachable_hosts")),
		     1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
			json_object_get(t, "by_state_severity"),
			"missing_overdue"), "important")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
			json_object_get(t, "by_state_severity"),
			"not_applicable"), "low")), 0,
		     "every state and severity is present, zeros included");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(t,
			"missing_by_priority"), "emergency")), 1);

	h = json_array_get(json_object_get(doc, "hosts"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(h, "name")), "web1");
	cr_assert(json_is_true(json_object_get(h, "reachable")));
	cr_assert(json_is_null(json_object_get(h, "error_code")));
	cr_assert_str_eq(json_string_value(json_object_get(h, "ecosystem")),
			 "Debian:12");
	cr_assert_str_eq(json_string_value(json_object_get(h, "criticality")),
			 "medium");
	cr_assert_str_eq(json_string_value(json_object_get(h, "exposure")),
			 "internal");
	cr_assert_str_eq(json_string_value(json_array_get(
			json_object_get(h, "groups"), 0)), "web");
	cr_assert(json_is_true(json_object_get(h, "reboot_required")));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(h,
			"count"), "missing")), 2);

	it = json_array_get(json_object_get(h, "items"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(it, "advisory")),
			 "DSA-5678-1");
	cr_assert_str_eq(json_string_value(json_object_get(it, "package")),
			 "openssl");
	cr_assert_str_eq(json_string_value(json_array_get(
			json_object_get(it, "binaries"), 0)), "openssl");
	cr_assert_str_eq(json_string_value(json_object_get(it, "installed")),
			 "3.0.11-1~deb12u2");
	cr_assert_str_eq(json_string_value(json_object_get(it, "fixed")),
			 "3.0.13-1~deb12u1");
	cr_assert_str_eq(json_string_value(json_object_get(it, "summary")),
			 "openssl: security update");
	cr_assert_str_eq(json_string_value(json_array_get(
			json_object_get(it, "cves"), 1)), "CVE-2023-6129");
	cr_assert_str_eq(json_string_value(json_object_get(it, "severity")),
			 "critical");
	cr_assert(json_is_true(json_object_get(it, "exploited")));
	cr_assert_str_eq(json_string_value(json_object_get(it, "priority")),
			 "emergency");
	cr_assert_str_eq(json_string_value(json_object_get(it, "priority_why")),
			 "critical; raised: exposure internet");
	cr_assert_str_eq(json_string_value(json_object_get(it, "first_seen")),
			 "2026-11-01T00:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(it, "deadline")),
			 "2026-12-01T00:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(it, "state")),
			 "missing");
	cr_assert(json_is_null(json_object_get(it, "note")));

	it = json_array_get(json_object_get(h, "items"), 1);
	cr_assert(json_is_null(json_object_get(it, "advisory")));
	cr_assert(json_is_null(json_object_get(it, "fixed")));

	h = json_array_get(json_object_get(doc, "hosts"), 2);
	cr_assert(json_is_false(json_object_get(h, "reachable")));
	cr_assert(json_is_null(json_object_get(h, "scanned_at")));
	cr_assert_str_eq(json_string_value(json_object_get(h, "error_code")),
			 "connect");
	cr_assert_str_eq(json_string_value(json_object_get(h, "error_message")),
			 "connection refused");
	cr_assert_eq(json_array_size(json_object_get(h, "items")), 0);
	json_decref(doc);
	free(text);
	tp_comp_report_release(&r);
}

Test(report_comp, json_repairs_invalid_utf8_instead_of_failing)
{
	struct tp_comp_report r;
	json_error_t jerr;
	json_t *doc, *h;
	char *text;

	hostile(&r);
	text = render(tp_report_comp_json, &r);
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	cr_assert_not_null(doc, "%s", jerr.text);
	h = json_array_get(json_object_get(doc, "hosts"), 0);
	/* \xc3\x28 is invalid: U+FFFD then '(' */
	cr_assert_not_null(strstr(json_string_value(json_object_get(h, "name")),
				  "i\xef\xbf\xbd(j"));
	json_decref(doc);
	free(text);
	tp_comp_report_release(&r);
}

/* ---- JUnit ---- */

Test(report_comp, junit_is_valid_against_the_jenkins_schema)
{
	struct tp_comp_report r;
	char *xml, *file, *out = NULL;

	sample(&r);
	xml = render(tp_report_comp_junit, &r);
	file = write_temp(xml, ".xml");
	cr_assert_eq(xmllint_schema(file, &out), 0, "%s\n%s", out, xml);
	unlink(file);
	free(out);
	free(file);
	free(xml);
	tp_comp_report_release(&r);
}

Test(report_comp, junit_counts_match_the_items)
{
	struct tp_comp_report r;
	char *xml, *file;

	sample(&r);
	xml = render(tp_report_comp_junit, &r);
	file = write_temp(xml, ".xml");
	/* web1: 3 tests, 2 failures; db1: 2 tests, 1 failure, 1 skipped;
	 * old1: 1 test, 1 error */
	assert_xpath(file, "string(/testsuites/@tests)", "6");
	assert_xpath(file, "string(/testsuites/@failures)", "3");
	assert_xpath(file, "string(/testsuites/@errors)", "1");
	assert_xpath(file, "string(/testsuites/testsuite[@name='db1']/@skipped)",
		     "1");
	assert_xpath(file, "string(/testsuites/testsuite[@name='db1']/@failures)",
		     "1");
	assert_xpath(file, "string(count(//testcase))", "6");
	assert_xpath(file, "string(count(//failure))", "3");
	assert_xpath(file, "string(count(//error))", "1");
	assert_xpath(file, "string(count(//skipped))", "1");
	unlink(file);
	free(file);
	free(xml);
	tp_comp_report_release(&r);
}

Test(report_comp, junit_names_testcases_by_advisory_and_package)
{
	struct tp_comp_report r;
	char *xml, *file;

	sample(&r);
	xml = render(tp_report_comp_junit, &r);
	file = write_temp(xml, ".xml");
	assert_xpath(file, "string(//testsuite[@name='web1']/testcase[1]/@name)",
		     "DSA-5678-1 openssl");
	assert_xpath(file, "string(//testsuite[@name='web1']/testcase[1]/@classname)",
		     "web1");
	assert_xpath(file, "string(//testsuite[@name='web1']/testcase[2]/@name)",
		     "security update libfoo");
	assert_xpath(file, "string(//testcase[@name='DSA-5678-1 openssl']/failure/@message)",
		     "critical severity, emergency priority, deadline "
		     "2026-12-01T00:00:00Z, openssl 3.0.11-1~deb12u2 -> "
		     "3.0.13-1~deb12u1");
	assert_xpath(file, "string(//testcase[@name='DSA-5555-1 zlib']/failure/@type)",
		     "missing_overdue");
	assert_xpath(file, "string(//testcase[@name='DSA-5400-1 bash']/skipped/@message)",
		     "excluded: accepted risk: no interactive shells");
	assert_xpath(file, "string(count(//testcase[@name='DSA-5600-1 curl']/*))",
		     "0");
	assert_xpath(file, "string(//testsuite[@name='old1']/testcase/error/@message)",
		     "connection refused");
	unlink(file);
	free(file);
	free(xml);
	tp_comp_report_release(&r);
}

Test(report_comp, junit_hostile_strings_stay_well_formed_and_literal)
{
	struct tp_comp_report r;
	char *xml, *file, *out = NULL;

	hostile(&r);
	xml = render(tp_report_comp_junit, &r);
	file = write_temp(xml, ".xml");
	cr_assert_eq(xmllint_schema(file, &out), 0, "%s\n%s", out, xml);
	/* markup characters come back as themselves, forbidden ones and
	 * invalid UTF-8 as U+FFFD; newline, CR and tab survive in an
	 * attribute as character references */
	assert_xpath(file, "string(/testsuites/testsuite[1]/@name)",
		     "a<b>&c\"d'e|f`g\xef\xbf\xbd[31mh\xef\xbf\xbdi\xef\xbf\xbd"
		     "(j\xef\xbf\xbdk@all");
	assert_xpath(file, "string(//skipped/@message)",
		     "excluded: a<b>&c\"d'e|f`g\xef\xbf\xbd[31mh\xef\xbf\xbdi"
		     "\xef\xbf\xbd(j\xef\xbf\xbdk@all\n\r\t]]>");
	cr_assert_null(strstr(xml, "\033"));
	cr_assert_null(strstr(xml, "\001"));
	cr_assert_not_null(strstr(xml, "k@all&#10;&#13;&#9;]]&gt;\"/>"),
			   "%s", xml);
	cr_assert_not_null(strstr(xml, "k@all\n&#13;\t]]&gt;\n</failure>"),
			   "%s", xml);
	unlink(file);
	free(out);
	free(file);
	free(xml);
	tp_comp_report_release(&r);
}

/* ---- SARIF ---- */

Test(report_comp, sarif_is_valid_against_the_oasis_schema)
{
	struct tp_comp_report r;
	char *doc, *file, *out = NULL;

	sample(&r);
	doc = render(tp_report_comp_sarif, &r);
	file = write_temp(doc, ".sarif");
	cr_assert_eq(sarif_validate(file, &out), 0,
		     "%s\n(python3-jsonschema needed)\n%s", out, doc);
	unlink(file);
	free(out);
	free(file);
	free(doc);
	tp_comp_report_release(&r);
}

Test(report_comp, sarif_with_hostile_strings_is_still_valid)
{
	struct tp_comp_report r;
	char *doc, *file, *out = NULL;

	hostile(&r);
	doc = render(tp_report_comp_sarif, &r);
	file = write_temp(doc, ".sarif");
	cr_assert_eq(sarif_validate(file, &out), 0, "%s\n%s", out, doc);
	cr_assert_null(strstr(doc, "helpUri"),
		       "a malformed CVE id must not become a URI: %s", doc);
	unlink(file);
	free(out);
	free(file);
	free(doc);
	tp_comp_report_release(&r);
}

static json_t *sarif_doc(const struct tp_comp_report *r)
{
	json_error_t jerr;
	char *text = render(tp_report_comp_sarif, r);
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

	cr_assert_not_null(doc, "%s", jerr.text);
	free(text);
	return doc;
}

/* The result for package pkg on host. */
static json_t *sarif_result(json_t *run, const char *host, const char *pkg)
{
	json_t *res = json_object_get(run, "results"), *v;
	size_t i;

	json_array_foreach(res, i, v) {
		json_t *p = json_object_get(v, "properties");

		if (!strcmp(json_string_value(json_object_get(p, "host")), host) &&
		    !strcmp(json_string_value(json_object_get(p, "package")), pkg))
			return v;
	}
	cr_assert_fail("no result for %s on %s", pkg, host);
	return NULL;
}

Test(report_comp, sarif_has_a_rule_per_advisory_and_a_result_per_missing_fix)
{
	struct tp_comp_report r;
	json_t *doc, *run, *rules, *res;

	sample(&r);
	doc = sarif_doc(&r);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "version")),
			 "2.1.0");
	run = json_array_get(json_object_get(doc, "runs"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			json_object_get(run, "tool"), "driver"), "name")),
			 "tidepatch");
	rules = json_object_get(json_object_get(json_object_get(run, "tool"),
						"driver"), "rules");
	/* DSA-5555-1, DSA-5678-1, the security-update rule; sorted; not
	 * the installed curl nor the excluded bash */
	cr_assert_eq(json_array_size(rules), 3);
	cr_assert_str_eq(json_string_value(json_object_get(
			json_array_get(rules, 1), "id")), "DSA-5678-1");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			json_array_get(rules, 1), "shortDescription"), "text")),
			 "openssl: security update");
	cr_assert_str_eq(json_string_value(json_object_get(
			json_array_get(rules, 1), "helpUri")),
			 "https://www.cve.org/CVERecord?id=CVE-2024-0727");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			json_array_get(rules, 1), "properties"), "severity")),
			 "critical");
	cr_assert_eq(json_array_size(json_object_get(run, "results")), 3);

	res = sarif_result(run, "web1", "openssl");
	cr_assert_str_eq(json_string_value(json_object_get(res, "ruleId")),
			 "DSA-5678-1");
	cr_assert_eq(json_integer_value(json_object_get(res, "ruleIndex")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			res, "properties"), "deadline")), "2026-12-01T00:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			res, "properties"), "fixed")), "3.0.13-1~deb12u1");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
			json_object_get(json_array_get(json_object_get(res,
			"locations"), 0), "logicalLocations"), 0), "name")),
			 "web1");
	json_decref(doc);
	tp_comp_report_release(&r);
}

Test(report_comp, sarif_level_is_error_for_overdue_or_critical_only)
{
	struct tp_comp_report r;
	json_t *doc, *run;

	sample(&r);
	doc = sarif_doc(&r);
	run = json_array_get(json_object_get(doc, "runs"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(
			sarif_result(run, "web1", "openssl"), "level")), "error",
			 "critical");
	cr_assert_str_eq(json_string_value(json_object_get(
			sarif_result(run, "db1", "zlib"), "level")), "error",
			 "overdue");
	cr_assert_str_eq(json_string_value(json_object_get(
			sarif_result(run, "web1", "libfoo"), "level")), "warning");
	json_decref(doc);
	tp_comp_report_release(&r);
}

Test(report_comp, sarif_reports_an_unreachable_host_as_a_notification)
{
	struct tp_comp_report r;
	json_t *doc, *inv, *notes;

	sample(&r);
	doc = sarif_doc(&r);
	inv = json_array_get(json_object_get(json_array_get(
			json_object_get(doc, "runs"), 0), "invocations"), 0);
	cr_assert(json_is_false(json_object_get(inv, "executionSuccessful")));
	notes = json_object_get(inv, "toolExecutionNotifications");
	cr_assert_eq(json_array_size(notes), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
			json_array_get(notes, 0), "message"), "text")),
			 "old1: unreachable: connect: connection refused");
	json_decref(doc);
	tp_comp_report_release(&r);
}

/* ---- Markdown ---- */

Test(report_comp, markdown_escapes_pipes_backticks_and_html)
{
	struct tp_comp_report r;
	char *md, *row;

	hostile(&r);
	md = render(tp_report_comp_markdown, &r);
	cr_assert_not_null(strstr(md, "a&lt;b&gt;&amp;c\"d'e\\|f\\`g \\[31mh i"
				      "\xef\xbf\xbd\\(j\xef\xbf\xbdk\\@all"),
			   "%s", md);
	cr_assert_null(strstr(md, "<b>"), "%s", md);
	cr_assert_null(strchr(md, '\033'), "%s", md);
	/* a table row keeps its 8 cells: every '|' inside is escaped */
	row = line_starting(md, "| **missing\\_overdue**");
	cr_assert_not_null(row, "%s", md);
	{
		size_t bars = 0;
		const char *p;

		for (p = row; *p; p++)
			bars += *p == '|' && (p == row || p[-1] != '\\');
		cr_assert_eq(bars, 9, "%s", row);
	}
	free(row);
	free(md);
	tp_comp_report_release(&r);
}

Test(report_comp, markdown_summarises_hosts_overdue_first_with_their_items)
{
	struct tp_comp_report r;
	char *md;

	sample(&r);
	md = render(tp_report_comp_markdown, &r);
	cr_assert(!strncmp(md, "## tidepatch compliance report\n", 31), "%s",
		  md);
	cr_assert_not_null(strstr(md, "| db1 | 0 | 1 | 0 | 0 | 0 | **1** | yes |"),
			   "%s", md);
	cr_assert_lt(strstr(md, "| db1 |"), strstr(md, "| web1 |"), "%s", md);
	cr_assert_lt(strstr(md, "### db1"), strstr(md, "### web1"), "%s", md);
	cr_assert_not_null(strstr(md, "### old1\n\nUnreachable: connect: "
				      "connection refused"), "%s", md);
	cr_assert_not_null(strstr(md, "| missing | emergency | critical | "
				      "DSA-5678-1 |"), "%s", md);
	cr_assert_null(strstr(md, "curl"), "installed fixes are left out");
	cr_assert_null(strstr(md, "bash"), "excluded fixes are left out");
	cr_assert_null(strstr(md, "severities are unknown"));
	free(md);
	tp_comp_report_release(&r);
}
