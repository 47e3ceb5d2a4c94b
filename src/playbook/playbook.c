/*
 * playbook.c - load and validate a rollout playbook into a fully
 * resolved struct tp_playbook.
 *
 * One pass over the document in the order it is written: every key is
 * checked where it stands and its value goes straight into the result,
 * over the defaults set beforehand. List-valued defaults (waves, free
 * space) are filled in at the end, only when the key was absent.
 *
 * Invariant: a problem never stops the pass. A wrong value leaves the
 * default in place and the walk goes on, so `playbook check` lists every
 * problem in one run; the result is then thrown away (TP_ECONFIG), so a
 * half-valid playbook can never be executed.
 *
 * Comments are blanked out before jansson sees the text, byte for byte
 * with newlines kept, so jansson's line:column of a syntax error is the
 * place in the file as written. Trade-off: a multi-byte character inside
 * a comment becomes one space (jansson counts columns in characters).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"
#include "tidepatch/playbook.h"

#define PATH_MAX_JSON 512
#define LIST_MAX 1024		/* entries in any one list */
#define NAME_MAX_LEN 64
#define TEXT_MAX 4096		/* description */
#define URL_MAX 2048
#define PATTERN_MAX 1024
#define COUNT_MAX 1000000	/* hosts in a wave or a budget */

struct ctx {
	struct tp_inv_problems *pr;
	const char *file;
	struct tp_playbook *pb;
	bool oom;
};

/* ---- problems ---- */

static void problem(struct ctx *c, const char *path, int line, int column,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem(struct ctx *c, const char *path, int line, int column,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (tp_inv_problem_vadd(c->pr, c->file, path, line, column, fmt, ap))
		c->oom = true;
	va_end(ap);
}

#define PROBLEM(c, path, ...) problem(c, path, 0, 0, __VA_ARGS__)

/* ---- JSON paths ---- */

/* vsnprintf: JSON paths are truncated on purpose when absurdly long. */
static void pathf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pathf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
}

static void path_index(char *dst, size_t size, const char *parent, size_t i)
{
	pathf(dst, size, "%s[%zu]", parent, i);
}

/* ---- did you mean ---- */

/* Edit distance, case-insensitive; large for long strings. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65], prev;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/*
 * The known name closest to s, when it is close enough to be a typo: at
 * most one edit for short names, two from six letters, or one a prefix of
 * the other ("min_free" for "min_free_mb").
 */
static const char *suggest(const char *s, const char *const *known)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, i, ls = strlen(s);

	for (i = 0; known[i]; i++) {
		size_t d = distance(s, known[i]), lk = strlen(known[i]);
		size_t max = (ls < lk ? ls : lk) >= 6 ? 2 : 1;

		if (ls >= 4 && lk >= 4 &&
		    (!strncmp(s, known[i], ls) || !strncmp(s, known[i], lk)))
			d = d < max ? d : max;
		if (d <= max && d < bestd) {
			best = known[i];
			bestd = d;
		}
	}
	return best;
}

/* ---- the keys ---- */

static const char *const top_keys[] = {
	"version", "name", "description", "targets", "select", "waves",
	"order", "budget", "soak", "approval", "window", "reboot",
	"on_failure", "prechecks", "verify", "backup", "notify", "timeouts",
	"reboot_commands", NULL,
};
static const char *const reboot_commands_keys[] = { "reboot", "boot_id",
						    NULL };
static const char *const targets_keys[] = { "patterns", "limit", NULL };
static const char *const select_keys[] = {
	"security_only", "min_severity", "include", "exclude", "advisories",
	NULL,
};
static const char *const canary_keys[] = { "canary", NULL };
static const char *const budget_keys[] = { "wave", "total", NULL };
static const char *const limit_keys[] = { "max_failed", "max_unreachable",
					  NULL };
static const char *const window_keys[] = { "days", "start", "end",
					   "timezone", NULL };
static const char *const prechecks_keys[] = { "min_free_mb", "services",
					      "commands", NULL };
static const char *const verify_keys[] = { "services", "ports", "http",
					   "commands", "retries", "delay",
					   NULL };
static const char *const http_keys[] = { "url", "expect_status", NULL };
static const char *const backup_keys[] = { "command", "timeout", NULL };
static const char *const notify_keys[] = { "command", "events", "timeout",
					   NULL };
static const char *const timeouts_keys[] = {
	"connect", "precheck", "stage", "apply", "reboot", "verify",
	"rollback", NULL,
};

static const char *const order_names[] = { "criticality", "inventory",
					   "name", NULL };
static const char *const reboot_names[] = { "never", "if-required",
					    "always", NULL };
static const char *const on_failure_names[] = { "rollback-host", "halt",
						"rollback-wave", NULL };
/* In enum tp_severity order. */
static const char *const severity_names[] = { "unknown", "low", "moderate",
					      "important", "critical", NULL };
/* In struct tm's tm_wday order. */
static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu",
					 "fri", "sat", NULL };
static const char *const event_names[] = {
	"rollout-start", "wave-start", "host-done", "host-failed",
	"host-unreachable", "wave-end", "budget-exceeded", "approval-wait",
	"window-wait", "rollout-end", NULL,
};

/* Where a key misplaced at the top level belongs. */
static const struct {
	const char *section;
	const char *const *keys;
} sections[] = {
	{ "targets", targets_keys }, { "select", select_keys },
	{ "budget.wave", limit_keys }, { "window", window_keys },
	{ "prechecks", prechecks_keys }, { "verify", verify_keys },
	{ "timeouts", timeouts_keys },
};

static int lookup(const char *s, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void unknown_key(struct ctx *c, const char *path, const char *key,
			const char *const *known)
{
	const char *s = suggest(key, known);
	size_t i;

	if (s) {
		PROBLEM(c, path, "unknown key; did you mean \"%s\"?", s);
		return;
	}
	if (known == top_keys)
		for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			if (lookup(key, sections[i].keys) >= 0) {
				PROBLEM(c, path, "unknown key here; did you "
					"mean \"%s.%s\"?", sections[i].section,
					key);
				return;
			}
	PROBLEM(c, path, "unknown key");
}

/* Join names as "a, b or c" for messages. */
static const char *one_of(const char *const *names, char *buf, size_t size)
{
	size_t n = 0, i, len = 0;

	while (names[n])
		n++;
	buf[0] = '\0';
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ",
					names[i]);
	return buf;
}

/* ---- scalar values ---- */

static bool get_bool(struct ctx *c, const char *path, json_t *v, bool *out)
{
	if (!json_is_boolean(v)) {
		PROBLEM(c, path, "must be true or false");
		return false;
	}
	*out = json_is_true(v);
	return true;
}

static bool get_int(struct ctx *c, const char *path, json_t *v, long min,
		    long max, long *out)
{
	json_int_t n;

	if (!json_is_integer(v) || (n = json_integer_value(v)) < min ||
	    n > max) {
		PROBLEM(c, path, "must be an integer %ld-%ld", min, max);
		return false;
	}
	*out = (long)n;
	return true;
}

/* A non-empty string of at most max bytes without NUL; else NULL. */
static const char *get_string(struct ctx *c, const char *path, json_t *v,
			      size_t max)
{
	const char *s;
	size_t len;

	if (!json_is_string(v)) {
		PROBLEM(c, path, "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0) {
		PROBLEM(c, path, "must not be empty");
		return NULL;
	}
	if (strlen(s) != len) {
		PROBLEM(c, path, "must not contain NUL");
		return NULL;
	}
	if (len > max) {
		PROBLEM(c, path, "longer than %zu bytes", max);
		return NULL;
	}
	return s;
}

static int get_enum(struct ctx *c, const char *path, json_t *v,
		    const char *const *names)
{
	char list[256];
	const char *s;
	int i;

	if (json_is_string(v) &&
	    (i = lookup(json_string_value(v), names)) >= 0)
		return i;
	one_of(names, list, sizeof(list));
	if (json_is_string(v) && (s = suggest(json_string_value(v), names)))
		PROBLEM(c, path, "must be one of %s; did you mean \"%s\"?",
			list, s);
	else
		PROBLEM(c, path, "must be one of %s", list);
	return -1;
}

static bool get_duration(struct ctx *c, const char *path, json_t *v,
			 bool allow_zero, unsigned *out)
{
	struct tp_err e = { 0 };
	unsigned secs;

	if (!json_is_string(v)) {
		PROBLEM(c, path, "must be a duration string like \"30s\", "
			"\"10m\", \"2h\" or \"1d\"");
		return false;
	}
	if (tp_playbook_duration_parse(&secs, json_string_value(v), &e)) {
		PROBLEM(c, path, "%s", e.msg);
		return false;
	}
	if (!secs && !allow_zero) {
		PROBLEM(c, path, "must be longer than 0s");
		return false;
	}
	*out = secs;
	return true;
}

/*
 * "12.5%": up to three digits, optionally '.' and one or two more, then
 * '%', at most 100. Hundredths of a percent in *bp; -1 when malformed.
 */
static int parse_percent(const char *s, unsigned *bp)
{
	unsigned whole = 0, frac = 0, nd = 0, nf = 0;

	for (; isdigit((unsigned char)*s) && nd < 4; s++, nd++)
		whole = whole * 10 + (unsigned)(*s - '0');
	if (nd == 0 || nd > 3)
		return -1;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s) && nf < 3; s++, nf++)
			frac = frac * 10 + (unsigned)(*s - '0');
		if (nf == 0 || nf > 2)
			return -1;
		if (nf == 1)
			frac *= 10;
	}
	if (s[0] != '%' || s[1])
		return -1;
	if (whole * 100 + frac > 10000)
		return -1;
	*bp = whole * 100 + frac;
	return 0;
}

static void format_percent(unsigned bp, char *buf, size_t size)
{
	if (bp % 100 == 0)
		snprintf(buf, size, "%u%%", bp / 100);
	else if (bp % 10 == 0)
		snprintf(buf, size, "%u.%u%%", bp / 100, bp % 100 / 10);
	else
		snprintf(buf, size, "%u.%02u%%", bp / 100, bp % 100);
}

/* A budget limit: a count, or a percentage (0% allowed). */
static bool get_limit(struct ctx *c, const char *path, json_t *v,
		      struct tp_pb_limit *out)
{
	unsigned bp;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= COUNT_MAX) {
		out->percent = false;
		out->value = (unsigned)json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && !parse_percent(json_string_value(v), &bp)) {
		out->percent = true;
		out->value = bp;
		return true;
	}
	PROBLEM(c, path, "must be a host count (0 or more) or a percentage "
		"like \"10%%\" (0-100)");
	return false;
}

/* ---- string items ---- */

typedef bool (*item_check)(struct ctx *c, const char *path, const char *s);

static bool check_pattern(struct ctx *c, const char *path, const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s)) {
			PROBLEM(c, path, "must not contain spaces or control "
				"characters");
			return false;
		}
	return true;
}

static bool check_command(struct ctx *c, const char *path, const char *s)
{
	const char *p;
	bool blank = true;

	for (p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f) {
			PROBLEM(c, path, "must not contain control characters "
				"other than tab and newline");
			return false;
		}
		if (!isspace(ch))
			blank = false;
	}
	if (blank) {
		PROBLEM(c, path, "must not be blank");
		return false;
	}
	return true;
}

/* systemd unit names: letters, digits and ":-_.\@". */
static bool check_service(struct ctx *c, const char *path, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(":-_.\\@", *p)) {
			PROBLEM(c, path, "'%s' is not a service name (letters, "
				"digits and \":-_.\\@\")", s);
			return false;
		}
	return true;
}

/* "DSA-3029-1", "CVE-2024-3094", "RHSA-2024:1234", "GHSA-...". */
static bool check_advisory(struct ctx *c, const char *path, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.:", *p)) {
			PROBLEM(c, path, "'%s' is not an advisory id (letters, "
				"digits and \"-_.:\")", s);
			return false;
		}
	return true;
}

static void free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * A list of strings, each checked; a repeated one is a problem. When the
 * whole list is good, replace *out and *nout with owned copies.
 */
static bool get_strings(struct ctx *c, const char *path, json_t *v,
			size_t max, item_check check, bool need_one,
			char ***out, size_t *nout)
{
	char p[PATH_MAX_JSON];
	char **list = NULL;
	bool ok = true;
	size_t i, j, n;
	json_t *e;

	if (!json_is_array(v)) {
		PROBLEM(c, path, "must be a list of strings");
		return false;
	}
	n = json_array_size(v);
	if (n > LIST_MAX) {
		PROBLEM(c, path, "more than %d entries", LIST_MAX);
		return false;
	}
	if (!n && need_one) {
		PROBLEM(c, path, "must not be empty");
		return false;
	}
	json_array_foreach(v, i, e) {
		const char *s;

		path_index(p, sizeof(p), path, i);
		if (!(s = get_string(c, p, e, max)) || (check && !check(c, p, s))) {
			ok = false;
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, j), e)) {
				PROBLEM(c, p, "'%s' is already listed at "
					"[%zu]", s, j);
				ok = false;
				break;
			}
	}
	if (!ok)
		return false;
	if (n && !(list = calloc(n, sizeof(*list))))
		goto oom;
	for (i = 0; i < n; i++)
		if (!(list[i] = strdup(json_string_value(json_array_get(v, i)))))
			goto oom;
	free_strings(*out, *nout);
	*out = list;
	*nout = n;
	return true;
oom:
	free_strings(list, n);
	c->oom = true;
	return false;
}

static bool get_command(struct ctx *c, const char *path, json_t *v,
			char **out)
{
	const char *s = get_string(c, path, v, TP_PLAYBOOK_CMD_MAX);
	char *dup;

	if (!s || !check_command(c, path, s))
		return false;
	if (!(dup = strdup(s))) {
		c->oom = true;
		return false;
	}
	free(*out);
	*out = dup;
	return true;
}

static bool is_object(struct ctx *c, const char *path, json_t *v)
{
	if (json_is_object(v))
		return true;
	PROBLEM(c, path, "must be an object");
	return false;
}

static void require(struct ctx *c, const char *path, json_t *obj,
		    const char *key)
{
	if (!json_object_get(obj, key))
		PROBLEM(c, path, "\"%s\" is required", key);
}

/* ---- sections ---- */

static bool valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	if (!isalnum((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static void set_string(struct ctx *c, char **field, const char *s)
{
	char *dup = strdup(s);

	if (!dup) {
		c->oom = true;
		return;
	}
	free(*field);
	*field = dup;
}

static void parse_targets(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	char p[PATH_MAX_JSON];
	const char *key, *s;
	json_t *e;

	if (json_is_array(v)) {
		get_strings(c, path, v, PATTERN_MAX, check_pattern, true,
			    &pb->targets, &pb->ntargets);
		return;
	}
	if (!json_is_object(v)) {
		PROBLEM(c, path, "must be a list of host patterns or an object "
			"with \"patterns\"");
		return;
	}
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "patterns"))
			get_strings(c, p, e, PATTERN_MAX, check_pattern, true,
				    &pb->targets, &pb->ntargets);
		else if (!strcmp(key, "limit")) {
			if ((s = get_string(c, p, e, PATTERN_MAX)) &&
			    check_pattern(c, p, s))
				set_string(c, &pb->limit, s);
		} else
			unknown_key(c, p, key, targets_keys);
	}
	require(c, path, v, "patterns");
}

static void parse_select(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;
	int i;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "security_only"))
			get_bool(c, p, e, &pb->security_only);
		else if (!strcmp(key, "min_severity")) {
			if ((i = get_enum(c, p, e, severity_names)) >= 0)
				pb->min_severity = (enum tp_severity)i;
		} else if (!strcmp(key, "include"))
			get_strings(c, p, e, PATTERN_MAX, check_pattern, false,
				    &pb->include, &pb->ninclude);
		else if (!strcmp(key, "exclude"))
			get_strings(c, p, e, PATTERN_MAX, check_pattern, false,
				    &pb->exclude, &pb->nexclude);
		else if (!strcmp(key, "advisories"))
			get_strings(c, p, e, 128, check_advisory, false,
				    &pb->advisories, &pb->nadvisories);
		else
			unknown_key(c, p, key, select_keys);
	}
}

static void free_waves(struct tp_pb_wave *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free_strings(w[i].canary, w[i].ncanary);
	free(w);
}

static void parse_waves(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	struct tp_pb_wave *waves = NULL;
	char p[PATH_MAX_JSON], a[16], b[16];
	unsigned maxbp = 0;
	bool ok = true, last_ok = false;
	size_t i, n;
	json_t *e;

	if (!json_is_array(v)) {
		PROBLEM(c, path, "must be a list of waves");
		return;
	}
	n = json_array_size(v);
	if (n == 0 || n > 100) {
		PROBLEM(c, path, "must list 1-100 waves");
		return;
	}
	if (!(waves = calloc(n, sizeof(*waves)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(v, i, e) {
		struct tp_pb_wave *w = &waves[i];
		unsigned bp;

		path_index(p, sizeof(p), path, i);
		last_ok = false;
		if (json_is_integer(e)) {
			json_int_t k = json_integer_value(e);

			if (k < 1 || k > COUNT_MAX) {
				PROBLEM(c, p, "a host count must be 1-%d",
					COUNT_MAX);
				ok = false;
				continue;
			}
			w->kind = TP_PB_WAVE_COUNT;
			w->count = (unsigned)k;
		} else if (json_is_string(e)) {
			if (parse_percent(json_string_value(e), &bp) || !bp) {
				PROBLEM(c, p, "must be a percentage like \"10%%\" "
					"(more than 0, at most 100)");
				ok = false;
				continue;
			}
			if (bp <= maxbp) {
				format_percent(bp, a, sizeof(a));
				format_percent(maxbp, b, sizeof(b));
				PROBLEM(c, p, "\"%s\" is not more than \"%s\" "
					"before it (percentages count all "
					"hosts done so far)", a, b);
				ok = false;
				continue;
			}
			if (bp == 10000 && i + 1 < n) {
				PROBLEM(c, p, "only the last wave can be "
					"\"100%%\"");
				ok = false;
				maxbp = bp;
				continue;
			}
			maxbp = bp;
			w->kind = TP_PB_WAVE_PERCENT;
			w->bp = bp;
		} else if (json_is_object(e)) {
			char kp[PATH_MAX_JSON];
			const char *key;
			json_t *l;

			w->kind = TP_PB_WAVE_CANARY;
			if (i != 0) {
				PROBLEM(c, p, "a canary list can only be the "
					"first wave");
				ok = false;
				continue;
			}
			json_object_foreach(e, key, l) {
				tp_inv_path_key(kp, sizeof(kp), p, key);
				if (strcmp(key, "canary")) {
					unknown_key(c, kp, key, canary_keys);
					ok = false;
				} else if (!get_strings(c, kp, l, PATTERN_MAX,
							check_pattern, true,
							&w->canary,
							&w->ncanary)) {
					ok = false;
				}
			}
			if (!json_object_get(e, "canary")) {
				require(c, p, e, "canary");
				ok = false;
			}
		} else {
			PROBLEM(c, p, "must be a host count, a percentage like "
				"\"10%%\" or {\"canary\": [hosts]}");
			ok = false;
			continue;
		}
		last_ok = true;
	}
	if (last_ok && !(waves[n - 1].kind == TP_PB_WAVE_PERCENT &&
			 waves[n - 1].bp == 10000)) {
		path_index(p, sizeof(p), path, n - 1);
		PROBLEM(c, p, "the last wave must be \"100%%\" (it takes the "
			"rest of the hosts)");
		ok = false;
	}
	if (!ok) {
		free_waves(waves, n);
		return;
	}
	free_waves(pb->waves, pb->nwaves);
	pb->waves = waves;
	pb->nwaves = n;
}

static void parse_limits(struct ctx *c, const char *path, json_t *v,
			 struct tp_pb_budget *b)
{
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "max_failed"))
			get_limit(c, p, e, &b->max_failed);
		else if (!strcmp(key, "max_unreachable"))
			get_limit(c, p, e, &b->max_unreachable);
		else
			unknown_key(c, p, key, limit_keys);
	}
}

static void parse_budget(struct ctx *c, const char *path, json_t *v)
{
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "wave"))
			parse_limits(c, p, e, &c->pb->budget_wave);
		else if (!strcmp(key, "total"))
			parse_limits(c, p, e, &c->pb->budget_total);
		else
			unknown_key(c, p, key, budget_keys);
	}
}

/* "HH:MM", 00:00-23:59, exactly five characters. */
static bool get_clock(struct ctx *c, const char *path, json_t *v, int *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";
	int h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) ||
	    (h = (s[0] - '0') * 10 + s[1] - '0') > 23 ||
	    (m = (s[3] - '0') * 10 + s[4] - '0') > 59) {
		PROBLEM(c, path, "must be a time \"HH:MM\" (00:00-23:59)");
		return false;
	}
	*out = h * 60 + m;
	return true;
}

static void parse_window(struct ctx *c, const char *path, json_t *v)
{
	struct tp_pb_window *w = &c->pb->window;
	char p[PATH_MAX_JSON], ep[PATH_MAX_JSON];
	bool have_start = false, have_end = false;
	const char *key;
	size_t i;
	json_t *e;
	int d;

	if (!is_object(c, path, v))
		return;
	w->set = true;
	w->days = 0x7f;
	w->utc = true;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "days")) {
			unsigned days = 0;
			bool ok = true;
			json_t *dv;

			if (!json_is_array(e) || !json_array_size(e)) {
				PROBLEM(c, p, "must be a list of days (\"mon\" "
					"to \"sun\")");
				continue;
			}
			json_array_foreach(e, i, dv) {
				path_index(ep, sizeof(ep), p, i);
				if ((d = get_enum(c, ep, dv, day_names)) < 0) {
					ok = false;
				} else if (days & (1u << d)) {
					PROBLEM(c, ep, "'%s' is listed twice",
						day_names[d]);
					ok = false;
				} else {
					days |= 1u << d;
				}
			}
			if (ok)
				w->days = days;
		} else if (!strcmp(key, "start")) {
			have_start = get_clock(c, p, e, &w->start);
		} else if (!strcmp(key, "end")) {
			have_end = get_clock(c, p, e, &w->end);
		} else if (!strcmp(key, "timezone")) {
			static const char *const tz[] = { "UTC", "local",
							  NULL };

			if ((d = get_enum(c, p, e, tz)) >= 0)
				w->utc = d == 0;
		} else {
			unknown_key(c, p, key, window_keys);
		}
	}
	require(c, path, v, "start");
	require(c, path, v, "end");
	if (have_start && have_end && w->start == w->end) {
		tp_inv_path_key(p, sizeof(p), path, "end");
		PROBLEM(c, p, "must differ from start (without \"window\" "
			"rollouts may run at any time)");
	}
}

static void parse_prechecks(struct ctx *c, const char *path, json_t *v,
			    bool *min_free_seen)
{
	struct tp_playbook *pb = c->pb;
	char p[PATH_MAX_JSON], ep[PATH_MAX_JSON];
	const char *key, *dir;
	json_t *e, *mb;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "min_free_mb")) {
			struct tp_pb_min_free *mf;
			size_t n = 0;
			bool ok = true;
			long val;

			*min_free_seen = true;
			if (!is_object(c, p, e))
				continue;
			if (json_object_size(e) > LIST_MAX) {
				PROBLEM(c, p, "more than %d entries", LIST_MAX);
				continue;
			}
			json_object_foreach(e, dir, mb) {
				tp_inv_path_key(ep, sizeof(ep), p, dir);
				if (dir[0] != '/') {
					PROBLEM(c, ep, "must be an absolute "
						"path");
					ok = false;
				} else if (strlen(dir) > 4096) {
					PROBLEM(c, ep, "longer than 4096 "
						"bytes");
					ok = false;
				} else if (!check_pattern(c, ep, dir)) {
					ok = false;
				}
				if (!get_int(c, ep, mb, 0, 1L << 30, &val))
					ok = false;
			}
			if (!ok)
				continue;
			mf = calloc(json_object_size(e) + 1, sizeof(*mf));
			if (!mf) {
				c->oom = true;
				return;
			}
			json_object_foreach(e, dir, mb) {
				mf[n].mb = (unsigned long)json_integer_value(mb);
				if (!(mf[n++].path = strdup(dir)))
					c->oom = true;
			}
			while (pb->nmin_free)
				free(pb->min_free[--pb->nmin_free].path);
			free(pb->min_free);
			pb->min_free = mf;
			pb->nmin_free = n;
		} else if (!strcmp(key, "services")) {
			get_strings(c, p, e, 255, check_service, false,
				    &pb->pre_services, &pb->npre_services);
		} else if (!strcmp(key, "commands")) {
			get_strings(c, p, e, TP_PLAYBOOK_CMD_MAX, check_command,
				    false, &pb->pre_commands,
				    &pb->npre_commands);
		} else {
			unknown_key(c, p, key, prechecks_keys);
		}
	}
}

static bool check_url(struct ctx *c, const char *path, const char *s)
{
	const char *host = !strncmp(s, "http://", 7)	? s + 7
			   : !strncmp(s, "https://", 8) ? s + 8
							: NULL;

	if (!host || !*host || *host == '/') {
		PROBLEM(c, path, "must be an http:// or https:// URL with a "
			"host");
		return false;
	}
	return check_pattern(c, path, s);
}

static void parse_http(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	struct tp_pb_http *h = NULL;
	char p[PATH_MAX_JSON], kp[PATH_MAX_JSON];
	bool ok = true;
	size_t i, n;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > LIST_MAX) {
		PROBLEM(c, path, "must be a list of {\"url\": ...} objects");
		return;
	}
	n = json_array_size(v);
	if (n && !(h = calloc(n, sizeof(*h)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(v, i, e) {
		const char *key, *s;
		json_t *f;
		long st;

		path_index(p, sizeof(p), path, i);
		h[i].expect_status = 200;
		if (!is_object(c, p, e)) {
			ok = false;
			continue;
		}
		json_object_foreach(e, key, f) {
			tp_inv_path_key(kp, sizeof(kp), p, key);
			if (!strcmp(key, "url")) {
				if ((s = get_string(c, kp, f, URL_MAX)) &&
				    check_url(c, kp, s)) {
					if (!(h[i].url = strdup(s)))
						c->oom = true;
				} else {
					ok = false;
				}
			} else if (!strcmp(key, "expect_status")) {
				if (get_int(c, kp, f, 100, 599, &st))
					h[i].expect_status = (int)st;
				else
					ok = false;
			} else {
				unknown_key(c, kp, key, http_keys);
				ok = false;
			}
		}
		if (!json_object_get(e, "url")) {
			require(c, p, e, "url");
			ok = false;
		}
	}
	if (!ok) {
		for (i = 0; i < n; i++)
			free(h[i].url);
		free(h);
		return;
	}
	pb->verify_http = h;
	pb->nverify_http = n;
}

static void parse_verify(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	char p[PATH_MAX_JSON], ep[PATH_MAX_JSON];
	const char *key;
	json_t *e;
	long n;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "services")) {
			get_strings(c, p, e, 255, check_service, false,
				    &pb->verify_services,
				    &pb->nverify_services);
		} else if (!strcmp(key, "ports")) {
			size_t i, j, np;
			bool ok = true;
			json_t *pv;
			int *ports;

			if (!json_is_array(e) ||
			    (np = json_array_size(e)) > LIST_MAX) {
				PROBLEM(c, p, "must be a list of TCP ports");
				continue;
			}
			json_array_foreach(e, i, pv) {
				path_index(ep, sizeof(ep), p, i);
				if (!get_int(c, ep, pv, 1, 65535, &n)) {
					ok = false;
					continue;
				}
				for (j = 0; j < i; j++)
					if (json_equal(json_array_get(e, j), pv)) {
						PROBLEM(c, ep, "%ld is already "
							"listed at [%zu]", n, j);
						ok = false;
						break;
					}
			}
			if (!ok || !np)
				continue;
			if (!(ports = calloc(np, sizeof(*ports)))) {
				c->oom = true;
				return;
			}
			for (i = 0; i < np; i++)
				ports[i] = (int)json_integer_value(
					json_array_get(e, i));
			pb->verify_ports = ports;
			pb->nverify_ports = np;
		} else if (!strcmp(key, "http")) {
			parse_http(c, p, e);
		} else if (!strcmp(key, "commands")) {
			get_strings(c, p, e, TP_PLAYBOOK_CMD_MAX, check_command,
				    false, &pb->verify_commands,
				    &pb->nverify_commands);
		} else if (!strcmp(key, "retries")) {
			if (get_int(c, p, e, 0, 100, &n))
				pb->verify_retries = (unsigned)n;
		} else if (!strcmp(key, "delay")) {
			get_duration(c, p, e, true, &pb->verify_delay);
		} else {
			unknown_key(c, p, key, verify_keys);
		}
	}
}

static void parse_backup(struct ctx *c, const char *path, json_t *v)
{
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "command"))
			get_command(c, p, e, &c->pb->backup_command);
		else if (!strcmp(key, "timeout"))
			get_duration(c, p, e, false, &c->pb->backup_timeout);
		else
			unknown_key(c, p, key, backup_keys);
	}
	require(c, path, v, "command");
}

/* How a host is rebooted and how its boot is told apart from the last. */
static void parse_reboot_commands(struct ctx *c, const char *path, json_t *v)
{
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if (!strcmp(key, "reboot"))
			get_command(c, p, e, &c->pb->reboot_command);
		else if (!strcmp(key, "boot_id"))
			get_command(c, p, e, &c->pb->boot_id_command);
		else
			unknown_key(c, p, key, reboot_commands_keys);
	}
}

static void parse_notify(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	struct tp_pb_notify *nt = NULL;
	char p[PATH_MAX_JSON], kp[PATH_MAX_JSON], ep[PATH_MAX_JSON];
	bool ok = true;
	size_t i, j, n;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > 64) {
		PROBLEM(c, path, "must be a list of at most 64 "
			"{\"command\": ...} objects");
		return;
	}
	n = json_array_size(v);
	if (n && !(nt = calloc(n, sizeof(*nt)))) {
		c->oom = true;
		return;
	}
	json_array_foreach(v, i, e) {
		const char *key;
		json_t *f, *ev;
		int k;

		path_index(p, sizeof(p), path, i);
		nt[i].events = TP_PB_EV_ALL;
		nt[i].timeout = 30;
		if (!is_object(c, p, e)) {
			ok = false;
			continue;
		}
		json_object_foreach(e, key, f) {
			tp_inv_path_key(kp, sizeof(kp), p, key);
			if (!strcmp(key, "command")) {
				ok &= get_command(c, kp, f, &nt[i].command);
			} else if (!strcmp(key, "timeout")) {
				ok &= get_duration(c, kp, f, false,
						   &nt[i].timeout);
			} else if (!strcmp(key, "events")) {
				unsigned bits = 0;

				if (!json_is_array(f) || !json_array_size(f)) {
					PROBLEM(c, kp, "must be a list of event "
						"names");
					ok = false;
					continue;
				}
				json_array_foreach(f, j, ev) {
					path_index(ep, sizeof(ep), kp, j);
					k = get_enum(c, ep, ev, event_names);
					if (k < 0) {
						ok = false;
					} else if (bits & (1u << k)) {
						PROBLEM(c, ep, "'%s' is listed "
							"twice", event_names[k]);
						ok = false;
					}
					bits |= k >= 0 ? 1u << k : 0;
				}
				nt[i].events = bits;
			} else {
				unknown_key(c, kp, key, notify_keys);
				ok = false;
			}
		}
		if (!json_object_get(e, "command")) {
			require(c, p, e, "command");
			ok = false;
		}
	}
	if (!ok) {
		for (i = 0; i < n; i++)
			free(nt[i].command);
		free(nt);
		return;
	}
	pb->notify = nt;
	pb->nnotify = n;
}

static void parse_timeouts(struct ctx *c, const char *path, json_t *v)
{
	struct tp_playbook *pb = c->pb;
	unsigned *slots[] = {
		&pb->timeout_connect, &pb->timeout_precheck,
		&pb->timeout_stage, &pb->timeout_apply, &pb->timeout_reboot,
		&pb->timeout_verify, &pb->timeout_rollback,
	};
	char p[PATH_MAX_JSON];
	const char *key;
	json_t *e;
	int i;

	if (!is_object(c, path, v))
		return;
	json_object_foreach(v, key, e) {
		tp_inv_path_key(p, sizeof(p), path, key);
		if ((i = lookup(key, timeouts_keys)) >= 0)
			get_duration(c, p, e, false, slots[i]);
		else
			unknown_key(c, p, key, timeouts_keys);
	}
}

/* ---- the document ---- */

static void set_defaults(struct tp_playbook *pb)
{
	static const struct tp_pb_budget budget = {
		.max_failed = { false, 0 },
		.max_unreachable = { true, 1000 },
	};

	pb->version = TP_PLAYBOOK_VERSION;
	pb->min_severity = TP_SEV_UNKNOWN;
	pb->order = TP_PB_ORDER_CRITICALITY;
	pb->budget_wave = budget;
	pb->budget_total = budget;
	pb->soak = 600;
	pb->reboot = TP_PB_REBOOT_IF_REQUIRED;
	pb->on_failure = TP_PB_ONFAIL_ROLLBACK_HOST;
	pb->verify_retries = 3;
	pb->verify_delay = 10;
	pb->backup_timeout = 600;
	pb->timeout_connect = 30;
	pb->timeout_precheck = 300;
	pb->timeout_stage = 1800;
	pb->timeout_apply = 1800;
	pb->timeout_reboot = 900;
	pb->timeout_verify = 300;
	pb->timeout_rollback = 1800;
}

/* Defaults that are lists: only when the key was absent. */
static void set_list_defaults(struct ctx *c, bool have_waves,
			      bool min_free_seen)
{
	struct tp_playbook *pb = c->pb;

	if (!have_waves && !pb->waves) {
		if (!(pb->waves = calloc(3, sizeof(*pb->waves)))) {
			c->oom = true;
			return;
		}
		pb->nwaves = 3;
		pb->waves[0].kind = TP_PB_WAVE_COUNT;
		pb->waves[0].count = 1;
		pb->waves[1].kind = TP_PB_WAVE_PERCENT;
		pb->waves[1].bp = 1000;
		pb->waves[2].kind = TP_PB_WAVE_PERCENT;
		pb->waves[2].bp = 10000;
	}
	if (!min_free_seen) {
		if (!(pb->min_free = calloc(1, sizeof(*pb->min_free))) ||
		    !(pb->min_free[0].path = strdup("/var"))) {
			c->oom = true;
			return;
		}
		pb->min_free[0].mb = 500;
		pb->nmin_free = 1;
	}
}

/* "dir/security-only.json" -> "security-only" (malloc'd), or NULL. */
static char *file_stem(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".json"))
		n -= 5;
	return strndup(base, n);
}

static void parse_doc(struct ctx *c, json_t *doc)
{
	struct tp_playbook *pb = c->pb;
	bool have_waves = false, min_free_seen = false;
	char p[PATH_MAX_JSON];
	const char *key, *s;
	json_t *v;
	long n;
	int i;

	if (!json_is_object(doc)) {
		PROBLEM(c, "$", "must be an object");
		return;
	}
	json_object_foreach(doc, key, v) {
		tp_inv_path_key(p, sizeof(p), "$", key);
		if (!strcmp(key, "version")) {
			if (!json_is_integer(v) || (n = json_integer_value(v)) < 1)
				PROBLEM(c, p, "must be an integer");
			else if (n != TP_PLAYBOOK_VERSION)
				PROBLEM(c, p, "version %ld is not supported "
					"(this tidepatch reads version %d)", n,
					TP_PLAYBOOK_VERSION);
		} else if (!strcmp(key, "name")) {
			if (!(s = get_string(c, p, v, NAME_MAX_LEN)))
				continue;
			if (valid_name(s))
				set_string(c, &pb->name, s);
			else
				PROBLEM(c, p, "'%s' is not a valid name "
					"(letters, digits, '.', '_', '-'; not "
					"starting with '.' or '-')", s);
		} else if (!strcmp(key, "description")) {
			if ((s = get_string(c, p, v, TEXT_MAX)))
				set_string(c, &pb->description, s);
		} else if (!strcmp(key, "targets")) {
			parse_targets(c, p, v);
		} else if (!strcmp(key, "select")) {
			parse_select(c, p, v);
		} else if (!strcmp(key, "waves")) {
			have_waves = true;
			parse_waves(c, p, v);
		} else if (!strcmp(key, "order")) {
			if ((i = get_enum(c, p, v, order_names)) >= 0)
				pb->order = (enum tp_pb_order)i;
		} else if (!strcmp(key, "budget")) {
			parse_budget(c, p, v);
		} else if (!strcmp(key, "soak")) {
			get_duration(c, p, v, true, &pb->soak);
		} else if (!strcmp(key, "approval")) {
			get_bool(c, p, v, &pb->approval);
		} else if (!strcmp(key, "window")) {
			parse_window(c, p, v);
		} else if (!strcmp(key, "reboot")) {
			if ((i = get_enum(c, p, v, reboot_names)) >= 0)
				pb->reboot = (enum tp_pb_reboot)i;
		} else if (!strcmp(key, "on_failure")) {
			if ((i = get_enum(c, p, v, on_failure_names)) >= 0)
				pb->on_failure = (enum tp_pb_on_failure)i;
		} else if (!strcmp(key, "prechecks")) {
			parse_prechecks(c, p, v, &min_free_seen);
		} else if (!strcmp(key, "verify")) {
			parse_verify(c, p, v);
		} else if (!strcmp(key, "backup")) {
			parse_backup(c, p, v);
		} else if (!strcmp(key, "reboot_commands")) {
			parse_reboot_commands(c, p, v);
		} else if (!strcmp(key, "notify")) {
			parse_notify(c, p, v);
		} else if (!strcmp(key, "timeouts")) {
			parse_timeouts(c, p, v);
		} else {
			unknown_key(c, p, key, top_keys);
		}
	}
	if (!json_object_get(doc, "targets"))
		PROBLEM(c, "$", "\"targets\" is required (the host patterns "
			"to roll out to)");
	if (!pb->name && !json_object_get(doc, "name")) {
		char *stem = file_stem(c->file);

		if (!stem)
			c->oom = true;
		else if (valid_name(stem))
			pb->name = stem;
		else {
			PROBLEM(c, "$", "no \"name\", and the file name '%s' "
				"is not a valid name", stem);
			free(stem);
		}
	}
	set_list_defaults(c, have_waves, min_free_seen);
}

/* ---- comments ---- */

/*
 * Blank out // and block comments outside strings, in place: ASCII bytes
 * become spaces, newlines stay, UTF-8 continuation bytes are dropped
 * (jansson counts a character as one column). *len is updated. Returns 0,
 * or -1 with *line and *column at an unterminated block comment.
 */
static int strip_comments(char *s, size_t *len, int *line, int *column)
{
	size_t r = 0, w = 0, n = *len;
	int ln = 1, col = 0, open_ln = 0, open_col = 0;
	enum { CODE, STRING, LINE, BLOCK } st = CODE;

	while (r < n) {
		unsigned char ch = (unsigned char)s[r];
		bool cont = (ch & 0xc0) == 0x80;

		if (ch == '\n') {
			ln++;
			col = 0;
		} else if (!cont) {
			col++;
		}
		switch (st) {
		case CODE:
			if (ch == '"') {
				st = STRING;
			} else if (ch == '/' && r + 1 < n && s[r + 1] == '/') {
				st = LINE;
			} else if (ch == '/' && r + 1 < n && s[r + 1] == '*') {
				st = BLOCK;
				open_ln = ln;
				open_col = col;
				s[w++] = ' ';
				s[w++] = ' ';
				r += 2;
				col++;
				continue;
			}
			break;
		case STRING:
			if (ch == '\\' && r + 1 < n && s[r + 1] != '\n') {
				s[w++] = s[r++];
				if (((unsigned char)s[r] & 0xc0) != 0x80)
					col++;
			} else if (ch == '"') {
				st = CODE;
			}
			break;
		case LINE:
			if (ch == '\n')
				st = CODE;
			break;
		case BLOCK:
			if (ch == '*' && r + 1 < n && s[r + 1] == '/') {
				s[w++] = ' ';
				s[w++] = ' ';
				r += 2;
				col++;
				st = CODE;
				continue;
			}
			break;
		}
		if ((st == LINE || st == BLOCK) && ch != '\n') {
			if (!cont)
				s[w++] = ' ';
			r++;
			continue;
		}
		s[w++] = s[r++];
	}
	s[w] = '\0';
	*len = w;
	if (st == BLOCK) {
		*line = open_ln;
		*column = open_col;
		return -1;
	}
	return 0;
}

/* ---- loading ---- */

void tp_playbook_free(struct tp_playbook *pb)
{
	size_t i;

	if (!pb)
		return;
	free(pb->file);
	free(pb->name);
	free(pb->description);
	free_strings(pb->targets, pb->ntargets);
	free(pb->limit);
	free_strings(pb->include, pb->ninclude);
	free_strings(pb->exclude, pb->nexclude);
	free_strings(pb->advisories, pb->nadvisories);
	free_waves(pb->waves, pb->nwaves);
	for (i = 0; i < pb->nmin_free; i++)
		free(pb->min_free[i].path);
	free(pb->min_free);
	free_strings(pb->pre_services, pb->npre_services);
	free_strings(pb->pre_commands, pb->npre_commands);
	free_strings(pb->verify_services, pb->nverify_services);
	free(pb->verify_ports);
	for (i = 0; i < pb->nverify_http; i++)
		free(pb->verify_http[i].url);
	free(pb->verify_http);
	free_strings(pb->verify_commands, pb->nverify_commands);
	free(pb->backup_command);
	free(pb->reboot_command);
	free(pb->boot_id_command);
	for (i = 0; i < pb->nnotify; i++)
		free(pb->notify[i].command);
	free(pb->notify);
	free(pb);
}

int tp_playbook_load_buffer(struct tp_playbook **out, const char *file,
			    const char *data, size_t len,
			    struct tp_inv_problems *problems,
			    struct tp_err *err)
{
	struct tp_playbook *pb = NULL;
	struct ctx c = { .pr = problems, .file = file };
	size_t before = problems->n;
	json_error_t jerr;
	json_t *doc = NULL;
	char *text = NULL;
	int rc = 0, line, column;

	*out = NULL;
	if (len > TP_PLAYBOOK_FILE_MAX) {
		PROBLEM(&c, NULL, "larger than %zu KiB",
			TP_PLAYBOOK_FILE_MAX >> 10);
		goto done;
	}
	if (!(text = malloc(len + 1)))
		goto oom;
	memcpy(text, data, len);
	text[len] = '\0';
	if (strip_comments(text, &len, &line, &column)) {
		problem(&c, NULL, line, column, "unterminated /* comment");
		goto done;
	}
	if (!(doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
		problem(&c, NULL, jerr.line < 1 ? 1 : jerr.line,
			jerr.column < 1 ? 1 : jerr.column, "%s", jerr.text);
		goto done;
	}
	if (!(pb = calloc(1, sizeof(*pb))) || !(pb->file = strdup(file)))
		goto oom;
	set_defaults(pb);
	c.pb = pb;
	parse_doc(&c, doc);
done:
	if (c.oom)
		goto oom;
	if (problems->n > before) {
		size_t n = problems->n - before;

		rc = tp_err_set(err, TP_ECONFIG, "%zu problem%s in playbook %s",
				n, n == 1 ? "" : "s", file);
		goto out;
	}
	*out = pb;
	pb = NULL; /* ownership moved */
	goto out;
oom:
	rc = tp_err_set(err, TP_ENOMEM, "out of memory");
out:
	json_decref(doc);
	free(text);
	tp_playbook_free(pb);
	return rc;
}

int tp_playbook_load(struct tp_playbook **out, const char *path,
		     struct tp_inv_problems *problems, struct tp_err *err)
{
	struct tp_buf b;
	char chunk[65536];
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	if (!(f = fopen(path, "rb"))) {
		if (errno == ENOENT || errno == ENOTDIR)
			return tp_err_set(err, TP_ENOTFOUND,
					  "no playbook at %s", path);
		return tp_err_sys(err, TP_EIO, errno, "cannot open %s", path);
	}
	tp_buf_init(&b, TP_PLAYBOOK_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = tp_buf_append(&b, chunk, n, err)))
			break;
	if (!rc && ferror(f))
		rc = tp_err_sys(err, TP_EIO, errno, "cannot read %s", path);
	fclose(f);
	if (rc == TP_ETOOBIG) {
		struct ctx c = { .pr = problems, .file = path };

		tp_err_clear(err);
		PROBLEM(&c, NULL, "larger than %zu KiB",
			TP_PLAYBOOK_FILE_MAX >> 10);
		rc = c.oom ? tp_err_set(err, TP_ENOMEM, "out of memory")
			   : tp_err_set(err, TP_ECONFIG,
					"1 problem in playbook %s", path);
	} else if (!rc) {
		rc = tp_playbook_load_buffer(out, path, b.data ? b.data : "",
					     b.len, problems, err);
	}
	tp_buf_release(&b);
	return rc;
}
