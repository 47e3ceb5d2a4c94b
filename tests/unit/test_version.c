/*
 * test_version.c - dpkg, rpm and apk-tools version comparison.
 *
 * Three kinds of evidence, per format:
 *  - the reference vectors each upstream project ships, transcribed as
 *    data under tests/fixtures/version/ (every case, with its count pinned
 *    so a truncated file fails), plus antisymmetry over all of them;
 *  - validation cases with the exact error code, from dpkg's t-version.c
 *    and apk-tools' version.data;
 *  - cross-checks against the real tools on this machine: dpkg
 *    --compare-versions on versions from the apt lists, rpm.vercmp() in
 *    one `rpm --eval` run. Those need apt-get update and the rpm package
 *    (scripts/deps.sh installs it); without them they fail, never skip.
 *
 * Fixtures are found under $TP_FIXTURES, else ../tests/fixtures (the
 * Makefile runs the unit tests from tests/).
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tidepatch/buf.h"
#include "tidepatch/err.h"
#include "tidepatch/version.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* Fixture files: one vector per line                                  */

#define FIXTURE_MAX (1024 * 1024)
#define LINE_MAX_LEN 512

struct vec {
	const char *file;
	size_t lineno;
	int ntok;
	const char *tok[3];
	char line[LINE_MAX_LEN];
};

typedef void (*vec_fn)(const struct vec *v, void *payload);

static const char *fixtures_dir(void)
{
	const char *dir = getenv("TP_FIXTURES");

	return dir && *dir ? dir : "../tests/fixtures";
}

/* The whole of tests/fixtures/version/<name>, owned by the caller. */
static char *read_fixture(const char *name, size_t *len_out)
{
	char path[4096];
	char chunk[8192];
	struct tp_buf buf;
	struct tp_err err;
	FILE *f;
	size_t n;
	char *data;

	snprintf(path, sizeof(path), "%s/version/%s", fixtures_dir(), name);
	f = fopen(path, "rb");
	cr_assert(f, "cannot open %s: %s", path, strerror(errno));
	tp_buf_init(&buf, FIXTURE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cr_assert_eq(tp_buf_append(&buf, chunk, n, &err), 0,
			     "%s: %s", path, err.msg);
	cr_assert(!ferror(f), "reading %s failed", path);
	fclose(f);
	*len_out = buf.len;
	data = tp_buf_detach(&buf);
	cr_assert(data);
	return data;
}

/*
 * Call fn for every vector of a fixture: '#' starts a comment, fields are
 * separated by blanks, the field "" is the empty string. Returns how many
 * vectors there were.
 */
static size_t for_each_vector(const char *name, vec_fn fn, void *payload)
{
	struct tp_lines it;
	struct vec v;
	const char *line;
	size_t len;
	size_t count = 0;
	size_t flen = 0;
	char *data = read_fixture(name, &flen);

	tp_lines_init(&it, data, flen);
	while (tp_lines_next(&it, &line, &len)) {
		char *p;
		char *save = NULL;
		char *t;

		memset(&v, 0, sizeof(v));
		v.file = name;
		v.lineno = it.lineno;
		cr_assert_lt(len, sizeof(v.line), "%s:%zu: line too long",
			     name, it.lineno);
		memcpy(v.line, line, len);
		v.line[len] = '\0';
		p = strchr(v.line, '#');
		if (p)
			*p = '\0';
		for (t = strtok_r(v.line, " \t\r", &save); t;
		     t = strtok_r(NULL, " \t\r", &save)) {
			cr_assert_lt(v.ntok, 3, "%s:%zu: more than 3 fields",
				     name, it.lineno);
			v.tok[v.ntok++] = strcmp(t, "\"\"") == 0 ? "" : t;
		}
		if (v.ntok == 0)
			continue;
		fn(&v, payload);
		count++;
	}
	free(data);
	return count;
}

static const char *sym(int c)
{
	return c < 0 ? "<" : c > 0 ? ">" : "=";
}

/* "<" "=" ">" to -1 0 1. */
static int op_value(const struct vec *v)
{
	cr_assert_eq(v->ntok, 3, "%s:%zu: want \"A op B\"", v->file,
		     v->lineno);
	if (strcmp(v->tok[1], "<") == 0)
		return -1;
	if (strcmp(v->tok[1], "=") == 0)
		return 0;
	if (strcmp(v->tok[1], ">") == 0)
		return 1;
	cr_assert_fail("%s:%zu: unknown operator '%s'", v->file, v->lineno,
		       v->tok[1]);
	return 0;
}

typedef int (*cmp_fn)(const char *a, const char *b);

/* Comparators as payload: a pointer to data, not a function pointer. */
static cmp_fn by_deb_version_cmp = tp_deb_version_cmp;
static cmp_fn by_rpm_version_cmp = tp_rpm_version_cmp;
static cmp_fn by_rpm_vercmp = tp_rpm_vercmp;
static cmp_fn by_apk_version_cmp = tp_apk_version_cmp;

static void expect_vector(const struct vec *v, void *payload)
{
	cmp_fn cmp = *(cmp_fn *)payload;
	int want = op_value(v);
	int got = cmp(v->tok[0], v->tok[2]);

	cr_expect_eq(got, want, "%s:%zu: expected \"%s\" %s \"%s\", got %s",
		     v->file, v->lineno, v->tok[0], sym(want), v->tok[2],
		     sym(got));
}

static void expect_antisymmetric(const struct vec *v, void *payload)
{
	cmp_fn cmp = *(cmp_fn *)payload;
	const char *a = v->tok[0];
	const char *b = v->ntok == 3 ? v->tok[2] : v->tok[0];
	int ab = cmp(a, b);
	int ba = cmp(b, a);

	cr_expect(ab >= -1 && ab <= 1, "%s:%zu: cmp returned %d", v->file,
		  v->lineno, ab);
	cr_expect_eq(ab, -ba, "%s:%zu: cmp(\"%s\", \"%s\") = %d but the "
		     "reverse = %d", v->file, v->lineno, a, b, ab, ba);
	cr_expect_eq(cmp(a, a), 0, "%s:%zu: \"%s\" is not equal to itself",
		     v->file, v->lineno, a);
	cr_expect_eq(cmp(b, b), 0, "%s:%zu: \"%s\" is not equal to itself",
		     v->file, v->lineno, b);
}

/* ------------------------------------------------------------------ */
/* Running the real tools                                              */

/* Start argv[0] with stdin from in_fd and stdout to out_fd (-1: null). */
static pid_t spawn(char *const argv[], int in_fd, int out_fd)
{
	posix_spawn_file_actions_t fa;
	pid_t pid = -1;
	int rc;

	posix_spawn_file_actions_init(&fa);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						 O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
						 O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(rc, 0, "cannot run %s: %s (is it installed? see "
		     "scripts/deps.sh)", argv[0], strerror(rc));
	return pid;
}

/* Wait for pid; its exit code (it must not die from a signal). */
static int wait_exit(pid_t pid, const char *what)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid %s: %s", what,
			     strerror(errno));
	cr_assert(WIFEXITED(status), "%s died from signal %d", what,
		  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return WEXITSTATUS(status);
}

struct strvec {
	char **v;
	size_t n;
	size_t alloc;
};

/* Append s, which the vector now owns. */
static void strvec_push(struct strvec *sv, char *s)
{
	cr_assert(s, "out of memory");
	if (sv->n == sv->alloc) {
		sv->alloc = sv->alloc ? 2 * sv->alloc : 1024;
		sv->v = realloc(sv->v, sv->alloc * sizeof(*sv->v));
		cr_assert(sv->v, "out of memory");
	}
	sv->v[sv->n++] = s;
}

static void strvec_release(struct strvec *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a);
	size_t lb = strlen(b);
	char *s = malloc(la + lb + 1);

	cr_assert(s, "out of memory");
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

static int by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort and drop duplicates (freeing them). */
static void strvec_uniq(struct strvec *sv)
{
	size_t i;
	size_t j = 0;

	if (sv->n == 0)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), by_strcmp);
	for (i = 1; i < sv->n; i++) {
		if (strcmp(sv->v[i], sv->v[j]) == 0)
			free(sv->v[i]);
		else
			sv->v[++j] = sv->v[i];
	}
	sv->n = j + 1;
}

/* The "Version: " fields of one Packages file read from f. */
static void collect_versions_from(FILE *f, struct strvec *out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "Version: ", 9) != 0)
			continue;
		while (n > 9 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		strvec_push(out, strdup(line + 9));
	}
	free(line);
}

/*
 * Every distinct Version: of the apt lists. apt keeps them compressed
 * (lz4 here, gz/xz/zst elsewhere) or plain; apt-helper cat-file reads
 * all of those, the same way apt does.
 */
static void collect_deb_versions(struct strvec *out)
{
	static const char *const patterns[] = {
		"/var/lib/apt/lists/*_Packages",
		"/var/lib/apt/lists/*_Packages.*",
	};
	glob_t g;
	size_t i;
	size_t p;
	size_t files = 0;

	for (p = 0; p < 2; p++) {
		memset(&g, 0, sizeof(g));
		if (glob(patterns[p], 0, NULL, &g) != 0) {
			globfree(&g);
			continue;
		}
		for (i = 0; i < g.gl_pathc; i++) {
			const char *path = g.gl_pathv[i];
			FILE *f;

			if (strstr(path, ".diff") || strstr(path, ".IndexDiff"))
				continue;
			files++;
			if (p == 0) {
				f = fopen(path, "r");
				cr_assert(f, "cannot open %s: %s", path,
					  strerror(errno));
				collect_versions_from(f, out);
				fclose(f);
			} else {
				char *argv[] = {
					"/usr/lib/apt/apt-helper", "cat-file",
					(char *)path, NULL,
				};
				int fds[2];
				pid_t pid;

				cr_assert_eq(pipe(fds), 0, "pipe: %s",
					     strerror(errno));
				pid = spawn(argv, -1, fds[1]);
				close(fds[1]);
				f = fdopen(fds[0], "r");
				cr_assert(f, "fdopen: %s", strerror(errno));
				collect_versions_from(f, out);
				fclose(f);
				cr_assert_eq(wait_exit(pid, "apt-helper"), 0,
					     "apt-helper cat-file %s failed",
					     path);
			}
		}
		globfree(&g);
	}
	cr_assert_gt(files, 0, "no package lists in /var/lib/apt/lists "
		     "(*_Packages*): run apt-get update first; this test "
		     "needs real archive versions");
	strvec_uniq(out);
	cr_assert_geq(out->n, 1000, "only %zu distinct versions in "
		      "/var/lib/apt/lists: run apt-get update (the main "
		      "archive has thousands)", out->n);
}

/*
 * A spread of the archive: every k-th version (sorted by bytes, so
 * neighbours share prefixes and differ in the interesting places), plus
 * more of those with an epoch, a '~' or a '+'. Pointers borrow from all.
 */
static void pick_versions(const struct strvec *all, struct strvec *out,
			  size_t base, size_t tricky)
{
	static const char marks[] = ":~+";
	size_t i;
	size_t m;

	for (i = 0; i < base; i++)
		strvec_push(out, all->v[i * all->n / base]);
	for (m = 0; m < 3; m++) {
		size_t have = 0;
		size_t step;
		size_t k = 0;

		for (i = 0; i < all->n; i++)
			have += strchr(all->v[i], marks[m]) != NULL;
		step = have > tricky ? have / tricky : 1;
		for (i = 0; i < all->n; i++) {
			if (!strchr(all->v[i], marks[m]))
				continue;
			if (k++ % step == 0)
				strvec_push(out, all->v[i]);
		}
	}
}

struct pair {
	const char *a;
	const char *b;
};

struct pairvec {
	struct pair *v;
	size_t n;
	size_t alloc;
};

static void pair_push(struct pairvec *pv, const char *a, const char *b)
{
	if (pv->n == pv->alloc) {
		pv->alloc = pv->alloc ? 2 * pv->alloc : 1024;
		pv->v = realloc(pv->v, pv->alloc * sizeof(*pv->v));
		cr_assert(pv->v, "out of memory");
	}
	pv->v[pv->n].a = a;
	pv->v[pv->n].b = b;
	pv->n++;
}

/*
 * Neighbours of a byte-sorted list, every other pair reversed so that all
 * three outcomes are asked for.
 */
static void pair_neighbours(struct pairvec *pv, struct strvec *sel)
{
	size_t i;

	qsort(sel->v, sel->n, sizeof(*sel->v), by_strcmp);
	for (i = 0; i + 1 < sel->n; i++) {
		if (strcmp(sel->v[i], sel->v[i + 1]) == 0)
			continue;
		if (i % 2)
			pair_push(pv, sel->v[i + 1], sel->v[i]);
		else
			pair_push(pv, sel->v[i], sel->v[i + 1]);
	}
}

static size_t distinct_in_pairs(const struct pairvec *pv)
{
	struct strvec s = { 0 };
	size_t i;
	size_t n;

	for (i = 0; i < pv->n; i++) {
		strvec_push(&s, strdup(pv->v[i].a));
		strvec_push(&s, strdup(pv->v[i].b));
	}
	strvec_uniq(&s);
	n = s.n;
	strvec_release(&s);
	return n;
}

/* ------------------------------------------------------------------ */
/* version: the format-generic API                                     */

Test(version, maps_format_names_both_ways)
{
	static const char *const names[] = { "deb", "rpm", "apk" };
	enum tp_vfmt fmt = TP_VFMT_APK;
	struct tp_err err;
	size_t i;

	for (i = 0; i < 3; i++) {
		cr_assert_eq(tp_vfmt_from_name(&fmt, names[i], &err), 0);
		cr_assert_str_eq(tp_vfmt_name(fmt), names[i]);
	}
	cr_assert_eq(tp_vfmt_from_name(&fmt, "deb", &err), 0);
	cr_assert_eq(fmt, TP_VFMT_DEB);
}

Test(version, rejects_unknown_format_name_with_einval)
{
	enum tp_vfmt fmt = TP_VFMT_RPM;
	struct tp_err err;

	tp_err_clear(&err);
	cr_assert_eq(tp_vfmt_from_name(&fmt, "DEB", &err), TP_EINVAL);
	cr_assert_eq(err.code, TP_EINVAL);
	cr_assert_eq(tp_vfmt_from_name(&fmt, "", &err), TP_EINVAL);
	cr_assert_eq(tp_vfmt_from_name(&fmt, NULL, &err), TP_EINVAL);
	cr_assert_eq(fmt, TP_VFMT_RPM, "out changed on failure");
	cr_assert_str_eq(tp_vfmt_name((enum tp_vfmt)42), "?");
}

Test(version, dispatches_cmp_by_format)
{
	/* "1.0~rc1" vs "1.0": every format but apk puts '~' first */
	cr_assert_eq(tp_version_cmp(TP_VFMT_DEB, "1.0~rc1", "1.0"), -1);
	cr_assert_eq(tp_version_cmp(TP_VFMT_RPM, "1.0~rc1", "1.0"), -1);
	cr_assert_eq(tp_version_cmp(TP_VFMT_APK, "1.0~1234", "1.0"), 1);
	/* "1.0-1" vs "1.0": rpm and dpkg disagree on a missing release */
	cr_assert_eq(tp_version_cmp(TP_VFMT_DEB, "1.0-0", "1.0"), 0);
	cr_assert_eq(tp_version_cmp(TP_VFMT_RPM, "1.0-0", "1.0"), 1);
	cr_assert_eq(tp_version_cmp((enum tp_vfmt)42, "b", "a"), 1);
}

Test(version, dispatches_check_by_format)
{
	struct tp_err err;

	cr_assert_eq(tp_version_check(TP_VFMT_DEB, "1:2.0-1", &err), 0);
	cr_assert_eq(tp_version_check(TP_VFMT_RPM, "1:2.0-1", &err), 0);
	cr_assert_eq(tp_version_check(TP_VFMT_APK, "1:2.0-1", &err),
		     TP_EVERSION);
	cr_assert_eq(tp_version_check(TP_VFMT_APK, "2.0-r1", &err), 0);
	cr_assert_eq(tp_version_check(TP_VFMT_DEB, NULL, &err), TP_EINVAL);
	cr_assert_eq(tp_version_check((enum tp_vfmt)42, "1", &err),
		     TP_EINVAL);
}

Test(version, treats_null_as_the_empty_string)
{
	cr_assert_eq(tp_deb_version_cmp(NULL, ""), 0);
	cr_assert_eq(tp_deb_version_cmp(NULL, "0"), -1);
	cr_assert_eq(tp_rpm_version_cmp("0", NULL), 1);
	cr_assert_eq(tp_rpm_vercmp(NULL, NULL), 0);
	cr_assert_eq(tp_apk_version_cmp(NULL, ""), 0);
}

/* ------------------------------------------------------------------ */
/* version_deb                                                         */

Test(version_deb, matches_every_dpkg_reference_vector)
{
	size_t n = for_each_vector("dpkg.txt", expect_vector,
				   &by_deb_version_cmp);

	cr_assert_eq(n, 88, "dpkg.txt has %zu vectors, expected 88", n);
}

Test(version_deb, is_antisymmetric_over_every_reference_vector)
{
	size_t n = for_each_vector("dpkg.txt", expect_antisymmetric,
				   &by_deb_version_cmp);

	cr_assert_eq(n, 88);
}

/* From t-version.c test_version_parse() and Dpkg_Version.t. */
static const char *const deb_valid[] = {
	"0", "0:0", "0:0-0", "0:0.0-0.0", "1:0", "5:1", "0:0-0-0",
	"0:0-0-0-0", "0:0:0-0", "0:0:0:0-0", "0:0:0-0-0", "0:0-0:0-0",
	"0:09azAZ.-+~:-0", "0:0-azAZ09.+~", "  \t0:0-1", "0:0-1\t  ",
	"\t  0:0-1  \t", "1.0", "1:1.0", "1:1.0:1.0", "1.0-1", "1.0-1.0-1",
	/* ours: the edges of the epoch as strtol() reads it */
	"2147483647:1", "00:1", "+1:0", "-0:1", "\n1:0",
};

Test(version_deb, accepts_what_parseversion_accepts)
{
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(deb_valid) / sizeof(deb_valid[0]); i++) {
		tp_err_clear(&err);
		cr_expect_eq(tp_version_check(TP_VFMT_DEB, deb_valid[i], &err),
			     0, "rejected \"%s\": %s", deb_valid[i], err.msg);
	}
}

struct bad_case {
	const char *v;
	const char *says;	/* part of the message */
};

/* dpkg errors: from t-version.c, Dpkg_Version.t, then ours. */
static const struct bad_case deb_errors[] = {
	{ "", "empty" },
	{ "  ", "empty" },
	{ "0:", "nothing after" },
	{ ":1.0", "epoch is empty" },
	{ "1.0-", "revision is empty" },
	{ "0:0 0-1", "embedded blank" },
	{ "-1:0-1", "negative" },
	{ "999999999999999999999999:0-1", "too big" },
	{ "a:0-0", "epoch is empty" },
	{ "A:0-0", "epoch is empty" },
	{ "-0", "upstream version is empty" },
	{ "0:-0", "upstream version is empty" },
	{ "10a:5.2", "not a number" },
	{ "2147483648:1", "too big" },
	{ "-99999999999999999999:1", "negative" },
	{ "1 :0", "embedded blank" },
	{ "1: ", "upstream version is empty" },
	{ "1:-", "revision is empty" },
	{ "+:1", "epoch is empty" },
	{ "1.0:2", "not a number" },
};

Test(version_deb, rejects_what_parseversion_rejects_as_an_error)
{
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(deb_errors) / sizeof(deb_errors[0]); i++) {
		const struct bad_case *c = &deb_errors[i];

		tp_err_clear(&err);
		cr_expect_eq(tp_version_check(TP_VFMT_DEB, c->v, &err),
			     TP_EVERSION, "accepted \"%s\"", c->v);
		cr_expect_eq(err.code, TP_EVERSION);
		cr_expect(strstr(err.msg, c->says), "\"%s\": message \"%s\" "
			  "does not say \"%s\"", c->v, err.msg, c->says);
		cr_expect(!strstr(err.msg, TP_VERSION_DPKG_WARN_SUFFIX),
			  "\"%s\" is a dpkg error, not a warning: %s", c->v,
			  err.msg);
	}
}

static void expect_deb_warning(const char *v, const char *says)
{
	struct tp_err err;
	size_t len;
	size_t slen = strlen(TP_VERSION_DPKG_WARN_SUFFIX);

	tp_err_clear(&err);
	cr_expect_eq(tp_version_check(TP_VFMT_DEB, v, &err), TP_EVERSION,
		     "accepted \"%s\"", v);
	len = strlen(err.msg);
	cr_expect(len >= slen &&
		  strcmp(err.msg + len - slen, TP_VERSION_DPKG_WARN_SUFFIX) ==
		  0, "\"%s\": message \"%s\" lacks the warning suffix", v,
		  err.msg);
	cr_expect(strstr(err.msg, says), "\"%s\": message \"%s\" does not "
		  "say \"%s\"", v, err.msg, says);
}

Test(version_deb, rejects_what_parseversion_warns_about_distinctly)
{
	char upstream[] = "0:0a-0";
	char revision[] = "0:0-0";
	const char *p;

	expect_deb_warning("0:abc3-0", "does not start with a digit");
	expect_deb_warning("foo5.2", "does not start with a digit");
	expect_deb_warning("0:foo5.2", "does not start with a digit");
	expect_deb_warning("5.2@3-2", "invalid character 0x40");
	expect_deb_warning("0:0-0:0", "in revision");
	for (p = "!#@$%&/|\\<>()[]{};,_=*^'"; *p; p++) {
		upstream[3] = *p;
		expect_deb_warning(upstream, "in upstream version");
	}
	for (p = "!#@$%&/|\\<>()[]{}:;,_=*^'"; *p; p++) {
		revision[4] = *p;
		expect_deb_warning(revision, "in revision");
	}
	expect_deb_warning("1.0\xc3\xa9", "invalid character 0xc3");
}

Test(version_deb, says_where_the_problem_is)
{
	struct tp_err err;

	tp_version_check(TP_VFMT_DEB, "1.0-", &err);
	cr_assert(strstr(err.msg, "at offset 3"), "%s", err.msg);
	tp_version_check(TP_VFMT_DEB, "  1:2.0-1@", &err);
	cr_assert(strstr(err.msg, "at offset 9"), "%s", err.msg);
	tp_version_check(TP_VFMT_DEB, "1.0 2", &err);
	cr_assert(strstr(err.msg, "at offset 3"), "%s", err.msg);
}

Test(version_deb, ignores_leading_and_trailing_blanks_like_parseversion)
{
	cr_assert_eq(tp_deb_version_cmp("  \t0:0-1", "0-1"), 0);
	cr_assert_eq(tp_deb_version_cmp("0:0-1\t  ", "0-1"), 0);
	cr_assert_eq(tp_deb_version_cmp("\t  0:0-1  \t", "0-1"), 0);
	cr_assert_eq(tp_deb_version_cmp(" 1.0 ", "1.0~"), 1);
}

Test(version_deb, sorts_no_version_first_like_compare_versions)
{
	/* dpkg --compare-versions: "" is lower than anything, even '~' */
	cr_assert_eq(tp_deb_version_cmp("", "~"), -1);
	cr_assert_eq(tp_deb_version_cmp("", "0"), -1);
	cr_assert_eq(tp_deb_version_cmp("~~", ""), 1);
	cr_assert_eq(tp_deb_version_cmp("", ""), 0);
	cr_assert_eq(tp_deb_version_cmp(" \t", ""), 0);
}

Test(version_deb, reads_the_epoch_as_strtol_does)
{
	cr_assert_eq(tp_deb_version_cmp("+1:0", "1:0"), 0);
	cr_assert_eq(tp_deb_version_cmp("-0:1", "1"), 0);
	cr_assert_eq(tp_deb_version_cmp("\n1:0", "1:0"), 0);
	cr_assert_eq(tp_deb_version_cmp("007:1", "7:1"), 0);
	cr_assert_eq(tp_deb_version_cmp("2147483647:0", "2147483646:9"), 1);
	/* an epoch dpkg rejects is upstream text, epoch 0 */
	cr_assert_eq(tp_deb_version_cmp("a:1", "1:0"), -1);
	cr_assert_eq(tp_deb_version_cmp("a:1", "0:a:1"), 0);
}

Test(version_deb, ranks_high_bytes_as_signed_char_dpkg_does)
{
	/* 0xc3 ranks 195: after 'z' (122), before '.' (46 + 256) */
	cr_assert_eq(tp_deb_version_cmp("1\xc3", "1z"), 1);
	cr_assert_eq(tp_deb_version_cmp("1\xc3", "1."), -1);
	cr_assert_eq(tp_deb_version_cmp("1\xc3", "1\xc4"), -1);
}

/*
 * Odd strings dpkg compares (with a warning) that no archive carries; the
 * cross-check asks dpkg about each.
 */
static const struct pair deb_odd_pairs[] = {
	{ "", "~" }, { "", "0" }, { "~", "~~" }, { "foo", "1.0" },
	{ "1\xc3", "1z" }, { "1\xc3", "1." }, { "1\xc3\xa9", "1\xc3" },
	{ "+1:0", "1:0" }, { "-0:1", "1" }, { "\n1:0", "1:0" },
	{ "1:0", "0:9" }, { "00:1", "0:1" }, { "1.0@", "1.0+" },
	{ "1.0-1@", "1.0-1a" }, { "1_0", "1.0" }, { "1.0-a", "1.0-A" },
	{ "0:1-a-b", "1-a-b" }, { "1.0~~a", "1.0~" }, { "0009", "9" },
	{ "1.0-0", "1.0" }, { "2147483647:1", "0:1" }, { "1:1:1", "1:1" },
	{ "1.a1", "1.1a" }, { "1~", "1-~" }, { "1-~", "1" },
};

struct dpkg_job {
	pid_t pid;
	size_t pair;
	int want;
};

/* `dpkg --compare-versions -- a op b` for op in lt/eq/gt: 0 true. */
static pid_t dpkg_start(const char *a, int sign, const char *b)
{
	const char *op = sign < 0 ? "lt" : sign > 0 ? "gt" : "eq";
	char *argv[] = {
		"dpkg", "--compare-versions", "--", (char *)a, (char *)op,
		(char *)b, NULL,
	};

	return spawn(argv, -1, -1);
}

/* What dpkg says, asked the slow way; for failure messages only. */
static const char *dpkg_actual(const char *a, const char *b)
{
	int s;

	s = wait_exit(dpkg_start(a, -1, b), "dpkg");
	if (s == 0)
		return "<";
	if (s != 1)
		return "an error";
	s = wait_exit(dpkg_start(a, 0, b), "dpkg");
	return s == 0 ? "=" : ">";
}

#define DPKG_JOBS 4
#define MAX_REPORTED 25

/*
 * Ask dpkg whether the relation we computed holds, one spawn per pair,
 * DPKG_JOBS at a time. Returns how many pairs disagree.
 */
static size_t dpkg_check_pairs(const struct pairvec *pv)
{
	struct dpkg_job jobs[DPKG_JOBS];
	size_t next = 0;
	size_t bad_pairs = 0;

	while (next < pv->n) {
		size_t k = 0;
		size_t j;

		for (; k < DPKG_JOBS && next < pv->n; k++, next++) {
			const struct pair *p = &pv->v[next];

			jobs[k].pair = next;
			jobs[k].want = tp_deb_version_cmp(p->a, p->b);
			jobs[k].pid = dpkg_start(p->a, jobs[k].want, p->b);
		}
		for (j = 0; j < k; j++) {
			const struct pair *p = &pv->v[jobs[j].pair];
			int s = wait_exit(jobs[j].pid, "dpkg");

			if (s == 0)
				continue;
			if (++bad_pairs > MAX_REPORTED)
				continue;
			cr_expect_fail("pair %zu: we say \"%s\" %s \"%s\", "
				       "dpkg says %s (exit %d)", jobs[j].pair,
				       p->a, sym(jobs[j].want), p->b,
				       dpkg_actual(p->a, p->b), s);
		}
	}
	return bad_pairs;
}

Test(version_deb, agrees_with_dpkg_compare_versions_on_archive_versions)
{
	struct strvec all = { 0 };
	struct strvec sel = { 0 };
	struct strvec owned = { 0 };
	struct pairvec pv = { 0 };
	size_t distinct;
	size_t bad_pairs;
	size_t i;

	collect_deb_versions(&all);
	pick_versions(&all, &sel, 1000, 70);
	pair_neighbours(&pv, &sel);

	/* near misses dpkg must get right: equal forms, '~' and '+' tails */
	for (i = 0; i < sel.n; i += 11) {
		const char *v = sel.v[i];

		if (!strchr(v, ':')) {
			strvec_push(&owned, concat("0:", v));
			pair_push(&pv, v, owned.v[owned.n - 1]);
		}
		strvec_push(&owned, concat(v, "~"));
		pair_push(&pv, owned.v[owned.n - 1], v);
		strvec_push(&owned, concat(v, "+b1"));
		pair_push(&pv, v, owned.v[owned.n - 1]);
	}
	for (i = 0; i < sizeof(deb_odd_pairs) / sizeof(deb_odd_pairs[0]);
	     i++)
		pair_push(&pv, deb_odd_pairs[i].a, deb_odd_pairs[i].b);

	distinct = distinct_in_pairs(&pv);
	cr_assert_geq(distinct, 1000, "only %zu distinct versions", distinct);
	cr_log_info("dpkg cross-check: %zu pairs, %zu distinct versions "
		    "(from %zu in the apt lists)", pv.n, distinct, all.n);

	bad_pairs = dpkg_check_pairs(&pv);
	cr_assert_eq(bad_pairs, 0, "%zu of %zu pairs disagree with dpkg",
		     bad_pairs, pv.n);

	free(pv.v);
	free(sel.v);
	strvec_release(&owned);
	strvec_release(&all);
}

/* ------------------------------------------------------------------ */
/* version_rpm                                                         */

Test(version_rpm, matches_every_rpmvercmp_at_vector_as_full_evr)
{
	size_t n = for_each_vector("rpmvercmp.txt", expect_vector,
				   &by_rpm_version_cmp);

	cr_assert_eq(n, 103, "rpmvercmp.txt has %zu vectors, expected 103",
		     n);
}

Test(version_rpm, matches_every_rpmvercmp_at_vector_as_one_field)
{
	size_t n = for_each_vector("rpmvercmp.txt", expect_vector,
				   &by_rpm_vercmp);

	cr_assert_eq(n, 103);
}

Test(version_rpm, is_antisymmetric_over_every_reference_vector)
{
	size_t n = for_each_vector("rpmvercmp.txt", expect_antisymmetric,
				   &by_rpm_version_cmp);

	n += for_each_vector("rpmvercmp.txt", expect_antisymmetric,
			     &by_rpm_vercmp);
	cr_assert_eq(n, 206);
}

/*
 * EVR splitting as rpmverParse() does it; each is also asked of rpm in
 * the cross-check below, which is where these expectations come from.
 */
static const struct {
	const char *a;
	const char *b;
	int want;
} rpm_evr_cases[] = {
	{ "1:1.0", "2.0", 1 },		/* any epoch beats none but 0 */
	{ "0:1.0", "1.0", 0 },		/* missing epoch is 0 */
	{ ":1.0", "1.0", 0 },		/* empty epoch is 0 */
	{ "010:1", "10:1", 0 },		/* epochs compare as numbers */
	{ "2:1", "10:1", -1 },
	{ "99999999999999999999:1", "99999999999999999998:2", 1 },
	{ "1.0", "1.0-1", -1 },		/* missing release sorts first */
	{ "1.0-", "1.0", 1 },		/* even before an empty one */
	{ "1.0-", "1.0-0", -1 },
	{ "1.0-1-2", "1.0-1-3", -1 },	/* release after the LAST '-' */
	{ "1.0-1-2", "1.0-2-1", -1 },	/* versions "1.0-1" < "1.0-2" */
	{ "1-2:3", "1-2:4", -1 },	/* no digits-then-':', no epoch */
	{ "a:1", "a:2", -1 },
	{ "1.0^git1-1", "1.0-1", 1 },
	{ "1.0~rc1-5", "1.0-1", -1 },
	{ "1:1.0~rc1", "1.0^git9", 1 },
	{ "", "0", -1 },		/* rpm refuses ""; ours sorts first */
	{ "", "", 0 },
};

Test(version_rpm, splits_epoch_version_release_like_rpmverparse)
{
	size_t i;

	for (i = 0; i < sizeof(rpm_evr_cases) / sizeof(rpm_evr_cases[0]);
	     i++) {
		int got = tp_rpm_version_cmp(rpm_evr_cases[i].a,
					     rpm_evr_cases[i].b);

		cr_expect_eq(got, rpm_evr_cases[i].want, "\"%s\" vs \"%s\": "
			     "%d, expected %d", rpm_evr_cases[i].a,
			     rpm_evr_cases[i].b, got, rpm_evr_cases[i].want);
		cr_expect_eq(-got, tp_rpm_version_cmp(rpm_evr_cases[i].b,
						      rpm_evr_cases[i].a));
	}
}

Test(version_rpm, accepts_what_rpmbuild_accepts_in_a_dependency)
{
	static const char *const ok[] = {
		"1.0", "1:1.0-1.fc39", "1.0~rc1^git2-3.el9", "0:0",
		"2.4.%{x}", "1.0+really2.0_1", "00:1",
	};
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tp_err_clear(&err);
		cr_expect_eq(tp_version_check(TP_VFMT_RPM, ok[i], &err), 0,
			     "rejected \"%s\": %s", ok[i], err.msg);
	}
}

Test(version_rpm, rejects_what_rpmbuild_rejects_and_empty_parts)
{
	static const struct bad_case bad[] = {
		{ "", "empty" },
		{ "1.0-1-2", "second '-'" },
		{ "1:2:3", "second ':'" },
		{ "a:1", "epoch is not a number" },
		{ "1..0", "\"..\"" },
		{ "1.0 1", "invalid character 0x20" },
		{ "1.0/2", "invalid character 0x2f" },
		{ "1.0\xc3\xa9", "invalid character 0xc3" },
		{ ":1.0", "epoch is empty" },
		{ "1:", "version is empty" },
		{ "1:-1", "version is empty" },
		{ "-1", "version is empty" },
		{ "1.0-", "release is empty" },
	};
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tp_err_clear(&err);
		cr_expect_eq(tp_version_check(TP_VFMT_RPM, bad[i].v, &err),
			     TP_EVERSION, "accepted \"%s\"", bad[i].v);
		cr_expect(strstr(err.msg, bad[i].says), "\"%s\": message "
			  "\"%s\" does not say \"%s\"", bad[i].v, err.msg,
			  bad[i].says);
	}
}

/* rpm-flavoured strings and edges, asked of rpm along with the rest. */
static const struct pair rpm_odd_pairs[] = {
	{ "1.0^", "1.0" }, { "1.0^", "1.0~" }, { "1.0^a", "1.0.a" },
	{ "1.0~rc1^git1", "1.0~rc1" }, { "1.0^git1~pre", "1.0^git1" },
	{ "1.0-", "1.0" }, { ":1", "0:1" }, { "1:1.0", "1.0" },
	{ "01:1", "1:1" }, { "1.0-1-2", "1.0-1" }, { "a:b-c", "a:b" },
	{ "1.1.\xce\xb1", "1.1.\xce\xb2" }, { "1b.fc17", "1.fc17" },
	{ "1.0a", "1.0.a" }, { "1.0", "1.0." }, { "1__0", "1.0" },
	{ "%{x}1", "1" }, { "10:0", "9:99" }, { "1-", "1-~" },
	{ "1.0^20160101", "1.0.1" }, { "12345678901234567890", "1" },
	{ "000", "0" }, { "a", "1" }, { "~", "^" }, { "^", "." },
};

/*
 * One `rpm --eval` run: the Lua reads "a b" lines from stdin (a file, so
 * no pipe can fill up) and writes rpm.vercmp(a, b) per line.
 */
static void rpm_vercmp_many(const struct pairvec *pv, int *out)
{
	static const char lua[] =
		"%{lua: for l in io.lines() do "
		"local i = string.find(l, \" \", 1, true) "
		"io.write(rpm.vercmp(string.sub(l, 1, i - 1), "
		"string.sub(l, i + 1)), \"\\n\") end}";
	char *argv[] = { "rpm", "--eval", (char *)lua, NULL };
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[4096];
	int in_fd;
	int fds[2];
	pid_t pid;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	size_t n = 0;
	size_t i;

	snprintf(tmpl, sizeof(tmpl), "%s/tp-rpmvercmp-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	in_fd = mkstemp(tmpl);
	cr_assert_geq(in_fd, 0, "mkstemp: %s", strerror(errno));
	unlink(tmpl);
	f = fdopen(dup(in_fd), "w");
	cr_assert(f);
	for (i = 0; i < pv->n; i++) {
		cr_assert(!strpbrk(pv->v[i].a, " \n") &&
			  !strpbrk(pv->v[i].b, " \n") && *pv->v[i].a &&
			  *pv->v[i].b, "pair %zu cannot be sent to rpm", i);
		fprintf(f, "%s %s\n", pv->v[i].a, pv->v[i].b);
	}
	cr_assert_eq(fclose(f), 0, "writing the pairs failed");
	cr_assert_eq(lseek(in_fd, 0, SEEK_SET), 0);

	cr_assert_eq(pipe(fds), 0, "pipe: %s", strerror(errno));
	pid = spawn(argv, in_fd, fds[1]);
	close(fds[1]);
	close(in_fd);
	f = fdopen(fds[0], "r");
	cr_assert(f);
	while (getline(&line, &cap, f) > 0) {
		char *end = NULL;
		long v;

		if (line[0] == '\n' && n == pv->n)
			continue;	/* --eval's own newline */
		cr_assert_lt(n, pv->n, "rpm printed more lines than pairs");
		v = strtol(line, &end, 10);
		cr_assert(end != line && *end == '\n' && v >= -1 && v <= 1,
			  "rpm printed \"%s\" for pair %zu", line, n);
		out[n++] = (int)v;
	}
	free(line);
	fclose(f);
	cr_assert_eq(wait_exit(pid, "rpm"), 0, "rpm --eval failed");
	cr_assert_eq(n, pv->n, "rpm answered %zu of %zu pairs", n, pv->n);
}

Test(version_rpm, agrees_with_rpm_lua_vercmp_on_many_pairs)
{
	struct strvec all = { 0 };
	struct strvec sel = { 0 };
	struct strvec owned = { 0 };
	struct pairvec pv = { 0 };
	int *rpm_says;
	size_t bad_pairs = 0;
	size_t i;

	/* archive versions are plausible rpm strings too: ~ + : - */
	collect_deb_versions(&all);
	pick_versions(&all, &sel, 1000, 70);
	pair_neighbours(&pv, &sel);
	for (i = 0; i < sel.n; i += 7) {
		const char *v = sel.v[i];
		static const char *const tails[] = {
			"^git1", "~rc1", "^", "-1", "-", ".1",
		};
		const char *t = tails[(i / 7) % 6];

		strvec_push(&owned, concat(v, t));
		pair_push(&pv, v, owned.v[owned.n - 1]);
		if (!strchr(v, ':')) {
			strvec_push(&owned, concat("1:", v));
			pair_push(&pv, owned.v[owned.n - 1], v);
		}
	}
	for (i = 0; i < sizeof(rpm_odd_pairs) / sizeof(rpm_odd_pairs[0]);
	     i++)
		pair_push(&pv, rpm_odd_pairs[i].a, rpm_odd_pairs[i].b);
	for (i = 0; i < sizeof(rpm_evr_cases) / sizeof(rpm_evr_cases[0]);
	     i++)
		if (*rpm_evr_cases[i].a && *rpm_evr_cases[i].b)
			pair_push(&pv, rpm_evr_cases[i].a, rpm_evr_cases[i].b);
	cr_log_info("rpm cross-check: %zu pairs", pv.n);

	rpm_says = calloc(pv.n, sizeof(*rpm_says));
	cr_assert(rpm_says);
	rpm_vercmp_many(&pv, rpm_says);
	for (i = 0; i < pv.n; i++) {
		const char *a = pv.v[i].a;
		const char *b = pv.v[i].b;
		int ours = tp_rpm_version_cmp(a, b);
		bool one_field = !strpbrk(a, ":-") && !strpbrk(b, ":-");
		int field = one_field ? tp_rpm_vercmp(a, b) : rpm_says[i];

		if (ours == rpm_says[i] && field == rpm_says[i])
			continue;
		if (++bad_pairs > MAX_REPORTED)
			continue;
		cr_expect_fail("\"%s\" vs \"%s\": rpm.vercmp says %d, "
			       "tp_rpm_version_cmp %d, tp_rpm_vercmp %d", a,
			       b, rpm_says[i], ours, field);
	}
	cr_assert_eq(bad_pairs, 0, "%zu of %zu pairs disagree with rpm",
		     bad_pairs, pv.n);

	free(rpm_says);
	free(pv.v);
	free(sel.v);
	strvec_release(&owned);
	strvec_release(&all);
}

/* ------------------------------------------------------------------ */
/* version_apk                                                         */

#define APK_EQUAL 1
#define APK_LESS 2
#define APK_GREATER 4
#define APK_FUZZY 8

struct apk_tally {
	size_t compared;
	size_t validated;
};

/* apk_version_result_mask_blob(): "<~" is LESS|EQUAL|FUZZY. */
static int apk_op_mask(const struct vec *v, const char *op)
{
	int mask = 0;

	cr_assert(*op, "%s:%zu: empty operator", v->file, v->lineno);
	for (; *op; op++) {
		if (*op == '<')
			mask |= APK_LESS;
		else if (*op == '>')
			mask |= APK_GREATER;
		else if (*op == '=')
			mask |= APK_EQUAL;
		else if (*op == '~')
			mask |= APK_FUZZY | APK_EQUAL;
		else
			cr_assert_fail("%s:%zu: bad operator", v->file,
				       v->lineno);
	}
	return mask;
}

/* apk's version_test_one(): a comparison, or a validity claim. */
static void expect_apk_line(const struct vec *v, void *payload)
{
	struct apk_tally *tally = payload;
	struct tp_err err;

	if (v->ntok == 3) {
		const char *op = v->tok[1];
		bool invert = *op == '!';
		int mask = apk_op_mask(v, op + invert);
		int r = (mask & APK_FUZZY) ?
			tp_apk_version_fuzzy_cmp(v->tok[0], v->tok[2]) :
			tp_apk_version_cmp(v->tok[0], v->tok[2]);
		int bit = r < 0 ? APK_LESS : r > 0 ? APK_GREATER : APK_EQUAL;
		bool ok = (bit & mask) != 0;

		cr_expect(ok != invert, "%s:%zu: expected %s %s %s, got %s",
			  v->file, v->lineno, v->tok[0], op, v->tok[2],
			  sym(r));
		tally->compared++;
	} else {
		const char *ver = v->tok[0];
		bool invert = *ver == '!';
		int rc;

		cr_assert_eq(v->ntok, 1, "%s:%zu: want 1 or 3 fields",
			     v->file, v->lineno);
		ver += invert;
		tp_err_clear(&err);
		rc = tp_version_check(TP_VFMT_APK, ver, &err);
		if (invert)
			cr_expect_eq(rc, TP_EVERSION, "%s:%zu: accepted %s",
				     v->file, v->lineno, ver);
		else
			cr_expect_eq(rc, 0, "%s:%zu: rejected %s: %s",
				     v->file, v->lineno, ver, err.msg);
		tally->validated++;
	}
}

Test(version_apk, matches_every_version_data_line)
{
	struct apk_tally tally = { 0 };
	size_t n = for_each_vector("apk.txt", expect_apk_line, &tally);

	cr_assert_eq(n, 785, "apk.txt has %zu lines, expected 785", n);
	cr_assert_eq(tally.compared, 754);
	cr_assert_eq(tally.validated, 31);
}

static void expect_apk_antisymmetric(const struct vec *v, void *payload)
{
	size_t *n = payload;

	if (v->ntok != 3 || strchr(v->tok[1], '~'))
		return;		/* fuzzy matching is not symmetric */
	expect_antisymmetric(v, &by_apk_version_cmp);
	(*n)++;
}

Test(version_apk, is_antisymmetric_over_every_exact_comparison)
{
	size_t n = 0;

	for_each_vector("apk.txt", expect_apk_antisymmetric, &n);
	cr_assert_eq(n, 738);
}

Test(version_apk, rejects_what_apk_calls_invalid)
{
	/* some comparison lines of version.data use invalid versions */
	static const char *const invalid_ones[] = {
		"1.0bc", "23_foo", "1.0c1", "1.0a.1",
	};
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(invalid_ones) / sizeof(invalid_ones[0]); i++)
		cr_expect_eq(tp_version_check(TP_VFMT_APK, invalid_ones[i],
					      &err), TP_EVERSION,
			     "accepted %s", invalid_ones[i]);
	cr_assert_eq(tp_version_check(TP_VFMT_APK, "1.2.3_rc1_p2~0af-r10",
				      &err), 0, "%s", err.msg);
}

Test(version_apk, says_what_and_where_the_problem_is)
{
	static const struct bad_case bad[] = {
		{ "", "does not start with a digit at offset 0" },
		{ "0.1_foobar", "unknown suffix at offset 3" },
		{ "0.1_pre2~", "empty commit hash at offset 8" },
		{ "0.1-r", "missing revision number at offset 5" },
		{ "0.1-r2-r3", "'-' out of place at offset 6" },
		{ "0.1-pre1", "'-' not followed by 'r' at offset 3" },
		{ "0.1bc", "letter out of place at offset 4" },
		{ "1.", "missing number at offset 2" },
		{ "1.0 ", "invalid character at offset 3" },
	};
	struct tp_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tp_err_clear(&err);
		cr_expect_eq(tp_version_check(TP_VFMT_APK, bad[i].v, &err),
			     TP_EVERSION, "accepted \"%s\"", bad[i].v);
		cr_expect(strstr(err.msg, bad[i].says), "\"%s\": message "
			  "\"%s\" does not say \"%s\"", bad[i].v, err.msg,
			  bad[i].says);
	}
}

Test(version_apk, compares_a_leading_zero_number_as_text)
{
	/* apk-tools 3.0 (Gentoo rule); 2.x compared these as numbers */
	cr_assert_eq(tp_apk_version_cmp("1.010", "1.09"), -1);
	cr_assert_eq(tp_apk_version_cmp("8.2.0", "8.2.001"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.10", "1.9"), 1);
	cr_assert_eq(tp_apk_version_cmp("01.0", "1.0"), 0);
}

Test(version_apk, orders_suffixes_hash_and_revision)
{
	cr_assert_eq(tp_apk_version_cmp("1.0_alpha", "1.0_beta"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0_rc9", "1.0"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0", "1.0_cvs"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0_hg", "1.0_p"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0~abc", "1.0~abd"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0~abc-r1", "1.0-r1"), 1);
	cr_assert_eq(tp_apk_version_cmp("1.0-r9", "1.0-r10"), -1);
	cr_assert_eq(tp_apk_version_cmp("1.0a", "1.0.1"), -1);
	cr_assert_eq(tp_apk_version_fuzzy_cmp("3.6.9", "3.6"), 0);
	cr_assert_eq(tp_apk_version_fuzzy_cmp("3.6", "3.6.9"), -1);
}
