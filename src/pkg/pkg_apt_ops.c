/*
 * pkg_apt_ops.c - the apt backend's rollout steps: stage, keep for
 * rollback, apply, roll back, query (issue 5). Command lines and pure
 * parsers; the engine runs them as root with LC_ALL=C and a deadline.
 *
 * Invariants:
 * - No byte of a pin reaches a command line unchecked: names, archs and
 *   versions are validated with dpkg's rules (and version.h) first, and
 *   every variable word then goes through tp_shell_quote. The fixed
 *   script text below contains no caller data at all.
 * - stdout of every command is machine output only; apt, dpkg and the
 *   scripts' own messages go to stderr.
 * - Parsers are exact and all-or-nothing, like pkg_apt.c: a control
 *   byte, a bad field, an unexpected or duplicate file fails the parse.
 * - A file in a stage or rollback directory is always complete: it is
 *   written elsewhere (apt's partial/, a rebuild directory) and moved in.
 *
 * Trade-offs and what was learnt on a bookworm host (apt 2.6, dpkg
 * 1.21):
 * - Stage uses `apt-get download`, not `install --download-only`: with
 *   a file: source the latter uses the files in place and copies nothing
 *   into Dir::Cache::archives (so there would be nothing to hash), and it
 *   pulls in dependencies. `download` copies from every source, checks
 *   the repository's hashes, and fetches exactly the pins: the planner's
 *   pins are the whole transaction (apt-get -s lists new dependencies as
 *   Inst lines), and apply below refuses anything else.
 * - Apply and rollback run `apt-get install /dir/file.deb ...` with no
 *   sources at all (Dir::Etc::SourceList and SourceParts pointed at an
 *   empty directory): apt then knows only dpkg's status and the given
 *   files, so it installs exactly those bytes in one transaction, checks
 *   dependencies before touching anything, and cannot download. With the
 *   host's sources apt prefers the repository's copy of the same
 *   version; `--no-download` with local files is an internal error in
 *   apt 2.6; plain `dpkg -i` leaves half-configured packages behind on
 *   an unmet dependency.
 * - Keep tries `apt-get download name=old` and falls back to rebuilding
 *   the package with dpkg-deb from what dpkg recorded (file list, control
 *   files, status fields), as dpkg-repack does, which the base image
 *   lacks. The rebuild must pass the package's own md5sums, so a file
 *   changed since install fails the rebuild instead of being rolled back
 *   to something that never existed.
 *   NEEDSWORK: diverted files (dpkg-divert) are taken from the diverted
 *   name's place, i.e. the diverting package's file; conffiles the admin
 *   deleted make the rebuild fail. dpkg-repack handles both.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"
#include "tidepatch/pkg.h"
#include "tidepatch/pkg_apt.h"
#include "tidepatch/quote.h"
#include "tidepatch/version.h"

#include "pkg_int.h"

/* A generated command line; thousands of pins fit easily. */
#define CMD_MAX ((size_t)4 << 20)
/* Longest file name in a stage or keep line. */
#define FILENAME_MAX_LEN 1100
/* Largest package file size accepted (1 TiB: a sanity bound). */
#define SIZE_MAX_BYTES (1ULL << 40)

/* ------------------------------------------------------------------ */
/* validation                                                          */
/* ------------------------------------------------------------------ */

/*
 * dpkg's rule without '_', which dpkg accepts but Debian policy forbids
 * and which would make "name_version_arch.deb" ambiguous.
 */
static bool name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TP_APT_NAME_MAX || !pkg_is_alnum(s[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!pkg_is_alnum(s[i]) && !pkg_in_set(s[i], "+-."))
			return false;
	return true;
}

static bool arch_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TP_APT_ARCH_MAX || !pkg_is_alnum(s[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!pkg_is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* dpkg's charset (no blanks: dpkg trims them, a file name would not). */
static bool version_chars_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TP_APT_VERSION_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!pkg_is_alnum(s[i]) && !pkg_in_set(s[i], ".+~:-"))
			return false;
	return true;
}

/* need_arch: stage/keep/apply; need_version: not a removal or query. */
static int check_pin(const struct tp_pkg_pin *p, size_t i, bool need_arch,
		     bool need_version, struct tp_err *err)
{
	struct tp_err verr;

	if (!p->name || !name_ok(p->name, strlen(p->name)))
		return tp_err_set(err, TP_EINVAL,
				  "pin %zu: bad package name", i + 1);
	if (p->arch ? !arch_ok(p->arch, strlen(p->arch)) : need_arch)
		return tp_err_set(err, TP_EINVAL,
				  "pin %zu (%s): bad or missing architecture",
				  i + 1, p->name);
	if (!p->version) {
		if (need_version)
			return tp_err_set(err, TP_EINVAL,
					  "pin %zu (%s): no version", i + 1,
					  p->name);
		return 0;
	}
	if (!version_chars_ok(p->version, strlen(p->version)) ||
	    tp_deb_version_check(p->version, &verr))
		return tp_err_set(err, TP_EINVAL, "pin %zu (%s): bad version",
				  i + 1, p->name);
	return 0;
}

static int check_pins(const struct tp_pkg_pin *pins, size_t n,
		      bool need_arch, bool need_version, struct tp_err *err)
{
	size_t i;
	int rc;

	if (n > TP_PKG_PINS_MAX)
		return tp_err_set(err, TP_EINVAL, "%zu pins (at most %d)", n,
				  TP_PKG_PINS_MAX);
	if (n && !pins)
		return tp_err_set(err, TP_EINVAL, "no pins");
	for (i = 0; i < n; i++)
		if ((rc = check_pin(&pins[i], i, need_arch, need_version,
				    err)))
			return rc;
	return 0;
}

/*
 * An absolute directory of safe characters without empty, "." or ".."
 * components; one trailing '/' is allowed. Quoted anyway: the check is
 * so that the path means what it says (no climbing out of it).
 */
static int check_dir(const char *dir, struct tp_err *err)
{
	size_t len, i, start;

	if (!dir)
		return tp_err_set(err, TP_EINVAL, "no directory");
	len = strlen(dir);
	if (len > 1 && dir[len - 1] == '/')
		len--;
	if (len < 2 || len > TP_PKG_DIR_MAX || dir[0] != '/')
		return tp_err_set(err, TP_EINVAL,
				  "directory must be absolute, not /, at "
				  "most %d bytes",
				  TP_PKG_DIR_MAX);
	for (i = 0; i < len; i++)
		if (!pkg_is_alnum(dir[i]) && !pkg_in_set(dir[i], "._+/-"))
			return tp_err_set(err, TP_EINVAL,
					  "directory: bad character at "
					  "offset %zu",
					  i);
	for (start = 1; start <= len; start = i + 1) {
		for (i = start; i < len && dir[i] != '/'; i++)
			;
		if (i == start || (i - start == 1 && dir[start] == '.') ||
		    (i - start == 2 && dir[start] == '.' &&
		     dir[start + 1] == '.'))
			return tp_err_set(err, TP_EINVAL,
					  "directory: empty, . or .. "
					  "component");
	}
	return 0;
}

/* dir without a trailing '/', in a new string. */
static int dir_dup(char **out, const char *dir, struct tp_err *err)
{
	size_t len = strlen(dir);

	*out = NULL;
	if (len > 1 && dir[len - 1] == '/')
		len--;
	*out = strndup(dir, len);
	if (!*out)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------------ */
/* file names                                                          */
/* ------------------------------------------------------------------ */

/*
 * apt (pkgAcqArchive: QuoteString(version, "_:")) and dpkg-name write
 * the epoch colon as %3a; '_' cannot occur in a valid name or version.
 */
static int deb_filename(struct tp_buf *b, const char *name,
			const char *version, const char *arch,
			struct tp_err *err)
{
	const char *v;
	int rc;

	if ((rc = tp_buf_puts(b, name, err)) ||
	    (rc = tp_buf_puts(b, "_", err)))
		return rc;
	for (v = version; *v; v++) {
		rc = *v == ':' ? tp_buf_puts(b, "%3a", err) :
				 tp_buf_append(b, v, 1, err);
		if (rc)
			return rc;
	}
	return tp_buf_printf(b, err, "_%s.deb", arch);
}

int tp_pkg_deb_filename(char **out, const char *name, const char *version,
			const char *arch, struct tp_err *err)
{
	struct tp_pkg_pin pin = { name, arch, version };
	struct tp_buf b;
	int rc;

	*out = NULL;
	if (!version)
		return tp_err_set(err, TP_EINVAL, "no version");
	if ((rc = check_pin(&pin, 0, true, true, err)))
		return rc;
	tp_buf_init(&b, FILENAME_MAX_LEN);
	if ((rc = deb_filename(&b, name, version, arch, err))) {
		tp_buf_release(&b);
		return rc;
	}
	*out = tp_buf_detach(&b);
	if (!*out)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

/* ------------------------------------------------------------------ */
/* command building                                                    */
/* ------------------------------------------------------------------ */

static int q(struct tp_buf *b, const char *s, struct tp_err *err)
{
	return tp_shell_quote(b, s, err);
}

/* Quote the printf-style result as one word. */
static int q_fmt(struct tp_buf *b, struct tp_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int q_fmt(struct tp_buf *b, struct tp_err *err, const char *fmt, ...)
{
	char w[TP_PKG_DIR_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(w))
		return tp_err_set(err, TP_EINVAL, "word too long");
	return q(b, w, err);
}

/* Quote "<dir>/<filename of pin>". */
static int q_path(struct tp_buf *b, const char *dir, const char *name,
		  const char *version, const char *arch, struct tp_err *err)
{
	struct tp_buf w;
	int rc;

	tp_buf_init(&w, TP_PKG_DIR_MAX + FILENAME_MAX_LEN + 2);
	if (!(rc = tp_buf_printf(&w, err, "%s/", dir)) &&
	    !(rc = deb_filename(&w, name, version, arch, err)))
		rc = q(b, w.data, err);
	tp_buf_release(&w);
	return rc;
}

/* Quote the file name of a pin. */
static int q_file(struct tp_buf *b, const struct tp_pkg_pin *p,
		  struct tp_err *err)
{
	struct tp_buf w;
	int rc;

	tp_buf_init(&w, FILENAME_MAX_LEN);
	if (!(rc = deb_filename(&w, p->name, p->version, p->arch, err)))
		rc = q(b, w.data, err);
	tp_buf_release(&w);
	return rc;
}

/*
 * Quote how apt and dpkg name the package: "name" for arch "all" or
 * none, else "name:arch" (multi-arch: libc6:i386 next to libc6:amd64);
 * with_version adds "=version" (apt's version selection).
 */
static int q_spec(struct tp_buf *b, const struct tp_pkg_pin *p,
		  bool with_version, struct tp_err *err)
{
	struct tp_buf w;
	int rc;

	tp_buf_init(&w, TP_APT_NAME_MAX + TP_APT_ARCH_MAX +
				TP_APT_VERSION_MAX + 3);
	rc = tp_buf_puts(&w, p->name, err);
	if (!rc && p->arch && strcmp(p->arch, "all") != 0)
		rc = tp_buf_printf(&w, err, ":%s", p->arch);
	if (!rc && with_version)
		rc = tp_buf_printf(&w, err, "=%s", p->version);
	if (!rc)
		rc = q(b, w.data, err);
	tp_buf_release(&w);
	return rc;
}

static int finish(char **out, struct tp_buf *b, int rc, struct tp_err *err)
{
	*out = NULL;
	if (rc) {
		tp_buf_release(b);
		return rc;
	}
	*out = tp_buf_detach(b);
	if (!*out)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

/*
 * "umask 022 && mkdir -p DIR/partial && chown _apt DIR/partial ..."
 * apt downloads as its sandbox user _apt into the current directory and
 * warns ("Download is performed unsandboxed as root") unless _apt may
 * write there, so downloads happen in partial/, owned by _apt, 0700, as
 * apt's own archives/partial/ is.
 */
static int prepare_dir(struct tp_buf *b, const char *dir, struct tp_err *err)
{
	int rc;

	if ((rc = tp_buf_puts(b, "umask 022 && mkdir -p ", err)) ||
	    (rc = q_fmt(b, err, "%s/partial", dir)) ||
	    (rc = tp_buf_puts(b, " && { ! id -u _apt >/dev/null 2>&1 || "
				 "chown _apt:root ",
			      err)) ||
	    (rc = q_fmt(b, err, "%s/partial", dir)) ||
	    (rc = tp_buf_puts(b, "; } && chmod 0700 ", err)) ||
	    (rc = q_fmt(b, err, "%s/partial", dir)) ||
	    (rc = tp_buf_puts(b, " && cd ", err)) ||
	    (rc = q(b, dir, err)))
		return rc;
	return 0;
}

/*
 * The "sha256 size filename" printer; a missing file prints nothing (the
 * parser names the pin). wc -c on stdin prints only the number; $((s))
 * drops the blanks other wc implementations pad it with.
 */
#define PRINT_FN                                                            \
	"tp_print() { s=$(wc -c <\"$1\") && h=$(sha256sum <\"$1\") && "     \
	"printf '%s %s %s%s\\n' \"${h%% *}\" \"$((s))\" \"$1\" \"$2\"; }\n"

static int stage_cmd(char **out, const char *dir,
		     const struct tp_pkg_pin *pins, size_t n,
		     struct tp_err *err)
{
	struct tp_buf b;
	char *d = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (n == 0)
		return tp_err_set(err, TP_EINVAL, "nothing to stage");
	if ((rc = check_pins(pins, n, true, true, err)) ||
	    (rc = check_dir(dir, err)) || (rc = dir_dup(&d, dir, err)))
		return rc;
	tp_buf_init(&b, CMD_MAX);
	/*
	 * apt-get download name=version... in partial/, then each file,
	 * now root's (apt chowns what it fetched), moved into dir.
	 */
	rc = tp_buf_puts(&b, PRINT_FN, err);
	if (!rc)
		rc = prepare_dir(&b, d, err);
	if (!rc)
		rc = tp_buf_puts(&b, " && cd partial && apt-get -q download", err);
	for (i = 0; !rc && i < n; i++)
		if (!(rc = tp_buf_puts(&b, " ", err)))
			rc = q_spec(&b, &pins[i], true, err);
	if (!rc)
		rc = tp_buf_puts(&b, " </dev/null >&2 && for f in", err);
	for (i = 0; !rc && i < n; i++)
		if (!(rc = tp_buf_puts(&b, " ", err)))
			rc = q_file(&b, &pins[i], err);
	if (!rc)
		rc = tp_buf_puts(&b, "; do [ ! -f \"$f\" ] || { chown "
				     "root:root \"$f\" && mv -f \"$f\" ../; } "
				     "|| exit 1; done && cd .. && for f in",
				 err);
	for (i = 0; !rc && i < n; i++)
		if (!(rc = tp_buf_puts(&b, " ", err)))
			rc = q_file(&b, &pins[i], err);
	if (!rc)
		rc = tp_buf_puts(&b, "; do [ ! -f \"$f\" ] || tp_print \"$f\" "
				     "'' || exit 1; done",
				 err);
	free(d);
	return finish(out, &b, rc, err);
}

/*
 * The keep script. tp_keep QUERY-NAME APT-SPEC VERSION FILE:
 *   present  FILE is already there (an earlier try moved it in whole);
 *   download apt-get download APT-SPEC (a repository still has it);
 *   rebuilt  tp_rebuild: a .deb made with dpkg-deb from what dpkg knows
 *            of the installed package, after checking that it is
 *            installed at exactly VERSION.
 * The control file is the package's own fields as dpkg-query prints
 * them (empty ones dropped, and dpkg-query's "no" defaults for the
 * Multi-Arch, Essential and Protected booleans); DEBIAN/ gets every
 * control member dpkg kept (dpkg-query --control-list: maintainer
 * scripts, md5sums, conffiles, triggers, shlibs, ...); the files are
 * those of dpkg-query -L, copied with tar to keep modes and owners.
 */
#define KEEP_FNS                                                            \
	"tp_rebuild() {\n"                                                  \
	"\tx=$(dpkg-query -W -f='${db:Status-Abbrev}${Version}' \"$1\") || " \
	"return 1\n"                                                        \
	"\tcase $x in\n"                                                    \
	"\t?\"i $2\") ;;\n"                                                 \
	"\t*) echo \"tidepatch: $1 is not installed at $2\" >&2; "          \
	"return 1 ;;\n"                                                     \
	"\tesac\n"                                                          \
	"\tt=$(mktemp -d \"$PWD/.rebuild.XXXXXX\") || return 1\n"          \
	"\ttp_rebuild_in \"$t\" \"$@\"\n"                                   \
	"\tr=$?\n"                                                          \
	"\trm -rf \"$t\"\n"                                                 \
	"\treturn $r\n"                                                     \
	"}\n"                                                               \
	"tp_rebuild_in() {\n"                                               \
	"\tt=$1\n"                                                          \
	"\tshift\n"                                                         \
	"\tchmod 0755 \"$t\" && mkdir -m 0755 \"$t/root\" "                 \
	"\"$t/root/DEBIAN\" || return 1\n"                                  \
	"\tdpkg-query -W -f='"                                              \
	"Package: ${Package}\\nSource: ${Source}\\nVersion: ${Version}\\n"  \
	"Architecture: ${Architecture}\\nMulti-Arch: ${Multi-Arch}\\n"      \
	"Essential: ${Essential}\\nProtected: ${Protected}\\n"              \
	"Maintainer: ${Maintainer}\\n"                                      \
	"Original-Maintainer: ${Original-Maintainer}\\n"                    \
	"Installed-Size: ${Installed-Size}\\n"                              \
	"Pre-Depends: ${Pre-Depends}\\nDepends: ${Depends}\\n"              \
	"Recommends: ${Recommends}\\nSuggests: ${Suggests}\\n"              \
	"Enhances: ${Enhances}\\nBreaks: ${Breaks}\\n"                      \
	"Conflicts: ${Conflicts}\\nReplaces: ${Replaces}\\n"                \
	"Provides: ${Provides}\\nBuilt-Using: ${Built-Using}\\n"            \
	"Section: ${Section}\\nPriority: ${Priority}\\n"                    \
	"Homepage: ${Homepage}\\nDescription: ${Description}\\n' "          \
	"\"$1\" >\"$t/control\" || return 1\n"                              \
	"\tgrep -v -e '^[A-Za-z-]*: *$' -e '^Multi-Arch: no$' "             \
	"-e '^Essential: no$' -e '^Protected: no$' \"$t/control\" "         \
	">\"$t/root/DEBIAN/control\" || return 1\n"                         \
	"\tfor c in $(dpkg-query --control-list \"$1\"); do\n"              \
	"\t\tcp -p \"$(dpkg-query --control-path \"$1\" \"$c\")\" "         \
	"\"$t/root/DEBIAN/$c\" || return 1\n"                               \
	"\tdone\n"                                                          \
	"\tdpkg-query -L \"$1\" | sed -e '/^\\/\\.$/d' -e 's|^/||' "        \
	">\"$t/files\" &&\n"                                                \
	"\ttar -C / --no-recursion -cf \"$t/files.tar\" -T \"$t/files\" "   \
	"&&\n"                                                              \
	"\ttar -C \"$t/root\" -xpf \"$t/files.tar\" &&\n"                   \
	"\t(cd \"$t/root\" && { [ ! -f DEBIAN/md5sums ] || "                \
	"md5sum -c --quiet DEBIAN/md5sums; }) >&2 &&\n"                     \
	"\tdpkg-deb -b \"$t/root\" \"$t/out.deb\" >&2 &&\n"                 \
	"\tmv -f \"$t/out.deb\" \"$3\"\n"                                   \
	"}\n"                                                               \
	"tp_keep() {\n"                                                     \
	"\tif [ -f \"$4\" ]; then\n"                                        \
	"\t\tm=present\n"                                                   \
	"\telif (cd partial && apt-get -q download \"$2\" </dev/null) >&2 " \
	"&& [ -f \"partial/$4\" ] && chown root:root \"partial/$4\" && "    \
	"mv -f \"partial/$4\" \"$4\"; then\n"                               \
	"\t\tm=download\n"                                                  \
	"\telif tp_rebuild \"$1\" \"$3\" \"$4\"; then\n"                    \
	"\t\tm=rebuilt\n"                                                   \
	"\telse\n"                                                          \
	"\t\techo \"tidepatch: cannot keep $2\" >&2\n"                      \
	"\t\treturn 1\n"                                                    \
	"\tfi\n"                                                            \
	"\ttp_print \"$4\" \" $m\"\n"                                       \
	"}\n"

static int keep_cmd(char **out, const char *dir,
		    const struct tp_pkg_pin *pins, size_t n,
		    struct tp_err *err)
{
	struct tp_buf b;
	char *d = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (n == 0)
		return tp_err_set(err, TP_EINVAL, "nothing to keep");
	if ((rc = check_pins(pins, n, true, true, err)) ||
	    (rc = check_dir(dir, err)) || (rc = dir_dup(&d, dir, err)))
		return rc;
	tp_buf_init(&b, CMD_MAX);
	rc = tp_buf_puts(&b, PRINT_FN KEEP_FNS, err);
	if (!rc)
		rc = prepare_dir(&b, d, err);
	if (!rc)
		rc = tp_buf_puts(&b, " || exit 1\n", err);
	for (i = 0; !rc && i < n; i++) {
		const struct tp_pkg_pin *p = &pins[i];

		if ((rc = tp_buf_puts(&b, "tp_keep ", err)) ||
		    (rc = q_spec(&b, p, false, err)) ||
		    (rc = tp_buf_puts(&b, " ", err)) ||
		    (rc = q_spec(&b, p, true, err)) ||
		    (rc = tp_buf_puts(&b, " ", err)) ||
		    (rc = q(&b, p->version, err)) ||
		    (rc = tp_buf_puts(&b, " ", err)) ||
		    (rc = q_file(&b, p, err)) ||
		    (rc = tp_buf_puts(&b, " || exit 1\n", err)))
			break;
	}
	free(d);
	return finish(out, &b, rc, err);
}

/*
 * dpkg-query -W prints nothing for a name it has never heard of and
 * exits 1 ("no packages found matching"): for the in-doubt check that is
 * an answer (not installed), not a failure; 2 is.
 */
#define QUERY_FMT                                                           \
	"dpkg-query -W "                                                    \
	"-f='${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n'"

static int query_words(struct tp_buf *b, const struct tp_pkg_pin *pins,
		       size_t n, struct tp_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++)
		if (!(rc = tp_buf_puts(b, " ", err)))
			rc = q_spec(b, &pins[i], false, err);
	return rc;
}

static int query_cmd(char **out, const struct tp_pkg_pin *pins, size_t n,
		     struct tp_err *err)
{
	struct tp_buf b;
	int rc;

	*out = NULL;
	if (n == 0)
		return tp_err_set(err, TP_EINVAL, "nothing to query");
	if ((rc = check_pins(pins, n, false, false, err)))
		return rc;
	tp_buf_init(&b, CMD_MAX);
	rc = tp_buf_puts(&b, QUERY_FMT, err);
	if (!rc)
		rc = query_words(&b, pins, n, err);
	if (!rc)
		rc = tp_buf_puts(&b, " || [ $? = 1 ]", err);
	return finish(out, &b, rc, err);
}

static int check_files(const struct tp_pkg_file *files, size_t n,
		       struct tp_err *err)
{
	size_t i, j;

	if (n > TP_PKG_PINS_MAX)
		return tp_err_set(err, TP_EINVAL, "%zu files (at most %d)", n,
				  TP_PKG_PINS_MAX);
	if (n && !files)
		return tp_err_set(err, TP_EINVAL, "no files");
	for (i = 0; i < n; i++) {
		struct tp_pkg_pin p = tp_pkg_file_pin(&files[i]);
		int rc;

		if ((rc = check_pin(&p, i, true, true, err)))
			return rc;
		for (j = 0; j < 64; j++)
			if (!pkg_in_set(files[i].sha256[j], "0123456789abcdef"))
				break;
		if (j != 64 || files[i].sha256[64] != '\0')
			return tp_err_set(err, TP_EINVAL,
					  "file %zu (%s): bad sha256", i + 1,
					  p.name);
	}
	return 0;
}

/*
 * The install of apply and rollback. Every option has a reason:
 *   sha256sum -c --strict: the bytes are those stage (or keep) hashed,
 *     which the canary wave installed; checked before apt runs.
 *   Dir::Etc::SourceList/SourceParts: an empty directory, so apt knows
 *     only dpkg's status and these files (see the top of this file);
 *     Dir::Cache::pkgcache/srcpkgcache empty: that cache is not written.
 *   --no-remove: nothing the plan did not name is removed (rollback of
 *     packages the update pulled in names them as NAME-).
 *   --allow-downgrades: a rollback is one; a planned apply may be one.
 *   --no-install-recommends: recommends would have to come from nowhere.
 *   --force-confdef --force-confold: never ask about a conffile, keep the
 *     admin's where it was changed.
 *   Dpkg::Use-Pty=0: hosts may have no /dev/pts; </dev/null: no prompt
 *     can wait for an answer.
 * Then the state of every package named, for the parser, and the exit
 * status of the install (or the query's, if that failed and apt did not).
 */
static int install_cmd(char **out, const char *dir,
		       const struct tp_pkg_file *files, size_t n,
		       const struct tp_pkg_pin *remove, size_t nremove,
		       struct tp_err *err)
{
	struct tp_buf b, line;
	char *d = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (n + nremove == 0)
		return tp_err_set(err, TP_EINVAL, "nothing to install");
	if ((rc = check_files(files, n, err)) ||
	    (rc = check_pins(remove, nremove, false, false, err)) ||
	    (rc = check_dir(dir, err)))
		return rc;
	for (i = 0; i < nremove; i++)
		if (remove[i].version)
			return tp_err_set(err, TP_EINVAL,
					  "removal %zu (%s) has a version",
					  i + 1, remove[i].name);
	if (n + nremove > TP_PKG_PINS_MAX)
		return tp_err_set(err, TP_EINVAL, "too many packages");
	if ((rc = dir_dup(&d, dir, err)))
		return rc;
	tp_buf_init(&b, CMD_MAX);
	tp_buf_init(&line, TP_PKG_DIR_MAX + FILENAME_MAX_LEN + 70);
	rc = tp_buf_puts(&b, "umask 022 && mkdir -p ", err);
	if (!rc)
		rc = q_fmt(&b, err, "%s/sources.d", d);
	if (!rc && n) {
		rc = tp_buf_puts(&b, " && printf '%s\\n'", err);
		for (i = 0; !rc && i < n; i++) {
			tp_buf_clear(&line);
			if ((rc = tp_buf_printf(&line, err, "%s  %s/",
						files[i].sha256, d)) ||
			    (rc = deb_filename(&line, files[i].name,
					       files[i].version,
					       files[i].arch, err)) ||
			    (rc = tp_buf_puts(&b, " ", err)))
				break;
			rc = q(&b, line.data, err);
		}
		if (!rc)
			rc = tp_buf_puts(&b, " | sha256sum -c --quiet "
					     "--strict >&2",
					 err);
	}
	if (!rc)
		rc = tp_buf_puts(&b,
				 " && DEBIAN_FRONTEND=noninteractive apt-get "
				 "-q -y --no-remove --allow-downgrades "
				 "--no-install-recommends -o ",
				 err);
	if (!rc)
		rc = q_fmt(&b, err, "Dir::Etc::SourceList=%s/sources.d/none.list",
			   d);
	if (!rc)
		rc = tp_buf_puts(&b, " -o ", err);
	if (!rc)
		rc = q_fmt(&b, err, "Dir::Etc::SourceParts=%s/sources.d", d);
	if (!rc)
		rc = tp_buf_puts(&b,
				 " -o Dir::Cache::pkgcache= "
				 "-o Dir::Cache::srcpkgcache= "
				 "-o Dpkg::Options::=--force-confdef "
				 "-o Dpkg::Options::=--force-confold "
				 "-o Dpkg::Use-Pty=0 install",
				 err);
	for (i = 0; !rc && i < n; i++)
		if (!(rc = tp_buf_puts(&b, " ", err)))
			rc = q_path(&b, d, files[i].name, files[i].version,
				    files[i].arch, err);
	for (i = 0; !rc && i < nremove; i++) {
		struct tp_buf w;

		/* apt-get install NAME- removes NAME in the same run */
		tp_buf_init(&w, TP_APT_NAME_MAX + TP_APT_ARCH_MAX + 3);
		rc = tp_buf_puts(&w, remove[i].name, err);
		if (!rc && remove[i].arch && strcmp(remove[i].arch, "all"))
			rc = tp_buf_printf(&w, err, ":%s", remove[i].arch);
		if (!rc)
			rc = tp_buf_puts(&w, "-", err);
		if (!rc && !(rc = tp_buf_puts(&b, " ", err)))
			rc = q(&b, w.data, err);
		tp_buf_release(&w);
	}
	if (!rc)
		rc = tp_buf_puts(&b, " </dev/null >&2; tp_rc=$?; " QUERY_FMT,
				 err);
	for (i = 0; !rc && i < n; i++) {
		struct tp_pkg_pin p = tp_pkg_file_pin(&files[i]);

		if (!(rc = tp_buf_puts(&b, " ", err)))
			rc = q_spec(&b, &p, false, err);
	}
	if (!rc)
		rc = query_words(&b, remove, nremove, err);
	if (!rc)
		rc = tp_buf_puts(&b, "; tp_q=$?; [ $tp_q -le 1 ] || "
				     "[ $tp_rc != 0 ] || tp_rc=$tp_q; "
				     "exit $tp_rc",
				 err);
	tp_buf_release(&line);
	free(d);
	return finish(out, &b, rc, err);
}

static int apply_cmd(char **out, const char *dir,
		     const struct tp_pkg_file *files, size_t n,
		     struct tp_err *err)
{
	*out = NULL;
	if (n == 0)
		return tp_err_set(err, TP_EINVAL, "nothing to apply");
	return install_cmd(out, dir, files, n, NULL, 0, err);
}

static int rollback_cmd(char **out, const char *dir,
			const struct tp_pkg_file *files, size_t n,
			const struct tp_pkg_pin *remove, size_t nremove,
			struct tp_err *err)
{
	return install_cmd(out, dir, files, n, remove, nremove, err);
}

/* ------------------------------------------------------------------ */
/* parsers                                                             */
/* ------------------------------------------------------------------ */

static int dup_mem(char **out, const char *p, size_t len, struct tp_err *err)
{
	*out = strndup(p, len);
	if (!*out)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

static int file_list_push(struct tp_pkg_file_list *list,
			  struct tp_pkg_file **out, struct tp_err *err)
{
	if (list->n == list->alloc) {
		size_t alloc = list->alloc ? list->alloc * 2 : 16;
		struct tp_pkg_file *items;

		if (alloc > TP_PKG_PINS_MAX * 2)
			return tp_err_set(err, TP_ENOMEM, "too many files");
		items = realloc(list->items, alloc * sizeof(*items));
		if (!items)
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		list->items = items;
		list->alloc = alloc;
	}
	*out = &list->items[list->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/* One parsed "sha256 size filename[ how]" line. */
struct file_line {
	const char *hash;
	unsigned long long size;
	const char *file;
	size_t file_len;
	enum tp_pkg_file_how how;
};

static int line_error(struct tp_err *err, const char *what, size_t lineno,
		      const char *msg)
{
	return tp_err_set(err, TP_EPARSE, "%s line %zu: %s", what, lineno,
			  msg);
}

/*
 * stage_cmd prints (tp_print), e.g.
 *   "30a6e00ab6351ab2acbe64efca9932bab9c38d0d1c088fc15b9ae32531df0f02 "
 *   "786 tp-libfoo_1.0-2_all.deb"
 * and keep_cmd the same with " download", " rebuilt" or " present".
 */
static int parse_file_line(struct file_line *fl, const char *line,
			   size_t len, size_t lineno, bool keep,
			   const char *what, struct tp_err *err)
{
	const char *p = line, *end = line + len, *sp;
	unsigned long long v = 0;
	size_t i, flen;
	long at;

	if ((at = pkg_find_ctl(line, len, false)) >= 0)
		return tp_err_set(err, TP_EPARSE,
				  "%s line %zu: control character 0x%02x at "
				  "column %ld",
				  what, lineno, (unsigned char)line[at],
				  at + 1);
	if (len < 65 || line[64] != ' ')
		return line_error(err, what, lineno,
				  "expected a 64-digit sha256 and a space");
	for (i = 0; i < 64; i++)
		if (!pkg_in_set(line[i], "0123456789abcdef"))
			return line_error(err, what, lineno,
					  "sha256 is not lowercase hex");
	fl->hash = line;
	p = line + 65;
	if (p >= end || !pkg_is_digit(*p) || (*p == '0' && p + 1 < end &&
					   pkg_is_digit(p[1])))
		return line_error(err, what, lineno, "bad size");
	while (p < end && pkg_is_digit(*p)) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > SIZE_MAX_BYTES)
			return line_error(err, what, lineno, "size too large");
		p++;
	}
	if (p >= end || *p != ' ')
		return line_error(err, what, lineno, "bad size");
	fl->size = v;
	p++;
	sp = memchr(p, ' ', (size_t)(end - p));
	flen = sp ? (size_t)(sp - p) : (size_t)(end - p);
	if (flen == 0 || flen > FILENAME_MAX_LEN)
		return line_error(err, what, lineno,
				  "missing or overlong file name");
	for (i = 0; i < flen; i++)
		if (!pkg_is_alnum(p[i]) && !pkg_in_set(p[i], "._+~%-"))
			return line_error(err, what, lineno,
					  "bad character in file name");
	fl->file = p;
	fl->file_len = flen;
	fl->how = TP_PKG_FILE_STAGED;
	if (!keep) {
		if (sp)
			return line_error(err, what, lineno,
					  "junk after the file name");
		return 0;
	}
	if (!sp)
		return line_error(err, what, lineno, "missing how it was kept");
	p = sp + 1;
	flen = (size_t)(end - p);
#define IS(lit) (flen == sizeof(lit) - 1 && memcmp(p, lit, flen) == 0)
	if (IS("download"))
		fl->how = TP_PKG_FILE_DOWNLOADED;
	else if (IS("rebuilt"))
		fl->how = TP_PKG_FILE_REBUILT;
	else if (IS("present"))
		fl->how = TP_PKG_FILE_PRESENT;
	else
		return line_error(err, what, lineno,
				  "how it was kept is not download, "
				  "rebuilt or present");
#undef IS
	return 0;
}

static int parse_files(struct tp_pkg_file_list *out,
		       const struct tp_pkg_pin *pins, size_t n,
		       const char *data, size_t len, bool keep,
		       struct tp_err *err)
{
	const char *what = keep ? "keep" : "stage";
	struct tp_pkg_file_list list = { NULL, 0, 0 };
	char **names = NULL;
	struct tp_lines it;
	const char *line;
	size_t llen, i;
	int rc = 0;

	if (!out || out->n || out->items)
		return tp_err_set(err, TP_EINVAL, "file list must start empty");
	if ((rc = check_pins(pins, n, true, true, err)))
		return rc;
	if (len && !data)
		return tp_err_set(err, TP_EINVAL, "no data");
	names = calloc(n ? n : 1, sizeof(*names));
	if (!names)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct tp_pkg_file *f = NULL;

		if ((rc = tp_pkg_deb_filename(&names[i], pins[i].name,
					      pins[i].version, pins[i].arch,
					      err)) ||
		    (rc = file_list_push(&list, &f, err)))
			goto out;
		if ((rc = dup_mem(&f->name, pins[i].name,
				  strlen(pins[i].name), err)) ||
		    (rc = dup_mem(&f->arch, pins[i].arch,
				  strlen(pins[i].arch), err)) ||
		    (rc = dup_mem(&f->version, pins[i].version,
				  strlen(pins[i].version), err)))
			goto out;
	}
	tp_lines_init(&it, data ? data : "", len);
	while (tp_lines_next(&it, &line, &llen)) {
		struct file_line fl = { NULL, 0, NULL, 0, TP_PKG_FILE_STAGED };
		struct tp_pkg_file *f = NULL;

		if ((rc = parse_file_line(&fl, line, llen, it.lineno, keep,
					  what, err)))
			goto out;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == fl.file_len &&
			    memcmp(names[i], fl.file, fl.file_len) == 0)
				break;
		if (i == n) {
			rc = line_error(err, what, it.lineno,
					"a file no pin asked for");
			goto out;
		}
		f = &list.items[i];
		if (f->filename) {
			rc = line_error(err, what, it.lineno,
					"the same file twice");
			goto out;
		}
		if ((rc = dup_mem(&f->filename, fl.file, fl.file_len, err)))
			goto out;
		memcpy(f->sha256, fl.hash, 64);
		f->sha256[64] = '\0';
		f->size = fl.size;
		f->how = fl.how;
	}
	for (i = 0; i < n; i++)
		if (!list.items[i].filename) {
			rc = tp_err_set(err, TP_ENOTFOUND,
					"%s: no file for %s %s (%s)", what,
					pins[i].name, pins[i].version,
					pins[i].arch);
			goto out;
		}
	*out = list;
	list.items = NULL;	/* ownership moved */
	list.n = 0;
out:
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	tp_pkg_file_list_release(&list);
	return rc;
}

static int parse_stage(struct tp_pkg_file_list *out,
		       const struct tp_pkg_pin *pins, size_t n,
		       const char *data, size_t len, struct tp_err *err)
{
	return parse_files(out, pins, n, data, len, false, err);
}

static int parse_keep(struct tp_pkg_file_list *out,
		      const struct tp_pkg_pin *pins, size_t n,
		      const char *data, size_t len, struct tp_err *err)
{
	return parse_files(out, pins, n, data, len, true, err);
}

/*
 * QUERY_FMT's lines, e.g. "tp-libfoo\tall\t1.0-2\tii " (the third
 * status character is a space when there is no error flag), and for a
 * package dpkg knows but has not installed "tp-gone\t\t\tun " or
 * "tp-old\tall\t1.0-1\trc ".
 */
static int parse_query_line(struct tp_pkg_list *list,
			    const struct tp_pkg_pin *pins, size_t n,
			    const char *line, size_t len, size_t lineno,
			    struct tp_err *err)
{
	const char *f[4], *end = line + len, *p = line, *tab;
	size_t fl[4], k = 0, i;
	struct tp_pkg *pkg;
	char status;
	long at;
	int rc;

	if ((at = pkg_find_ctl(line, len, true)) >= 0)
		return tp_err_set(err, TP_EPARSE,
				  "dpkg-query line %zu: control character "
				  "0x%02x at column %ld",
				  lineno, (unsigned char)line[at], at + 1);
	for (;;) {
		if (k == 4)
			return line_error(err, "dpkg-query", lineno,
					  "more than 4 fields");
		tab = memchr(p, '\t', (size_t)(end - p));
		f[k] = p;
		fl[k] = tab ? (size_t)(tab - p) : (size_t)(end - p);
		k++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (k != 4)
		return line_error(err, "dpkg-query", lineno,
				  "expected 4 tab-separated fields");
	if (!name_ok(f[0], fl[0]))
		return line_error(err, "dpkg-query", lineno,
				  "bad package name");
	if (fl[3] != 3 || !pkg_in_set(f[3][0], "uihrp") ||
	    !pkg_in_set(f[3][1], "ncHUFWti") || !pkg_in_set(f[3][2], " R"))
		return line_error(err, "dpkg-query", lineno,
				  "bad status abbreviation");
	status = f[3][1];
	if (fl[1] && !arch_ok(f[1], fl[1]))
		return line_error(err, "dpkg-query", lineno,
				  "bad architecture");
	for (i = 0; i < n; i++) {
		const char *a = pins[i].arch;

		if (strlen(pins[i].name) != fl[0] ||
		    memcmp(pins[i].name, f[0], fl[0]) != 0)
			continue;
		if (!a || strcmp(a, "all") == 0 ||
		    (strlen(a) == fl[1] && memcmp(a, f[1], fl[1]) == 0))
			break;
	}
	if (i == n)
		return line_error(err, "dpkg-query", lineno,
				  "a package no pin named");
	if (status == 'n' || status == 'c')
		return 0;
	if (!fl[1])
		return line_error(err, "dpkg-query", lineno,
				  "installed package without architecture");
	if (!version_chars_ok(f[2], fl[2]))
		return line_error(err, "dpkg-query", lineno, "bad version");
	for (i = 0; i < list->n; i++)
		if (strlen(list->items[i].name) == fl[0] &&
		    memcmp(list->items[i].name, f[0], fl[0]) == 0 &&
		    strlen(list->items[i].arch) == fl[1] &&
		    memcmp(list->items[i].arch, f[1], fl[1]) == 0)
			return line_error(err, "dpkg-query", lineno,
					  "the same package twice");
	if ((rc = tp_pkg_list_push(list, &pkg, err)))
		return rc;
	if ((rc = dup_mem(&pkg->name, f[0], fl[0], err)) ||
	    (rc = dup_mem(&pkg->arch, f[1], fl[1], err)) ||
	    (rc = dup_mem(&pkg->version, f[2], fl[2], err)) ||
	    (rc = dup_mem(&pkg->source, f[0], fl[0], err)) ||
	    (rc = dup_mem(&pkg->source_version, f[2], fl[2], err)))
		return rc;
	pkg->held = f[3][0] == 'h';
	pkg->broken = status == 'U' || status == 'F' || status == 'H' ||
		      f[3][2] == 'R';
	return 0;
}

static int parse_query(struct tp_pkg_list *out,
		       const struct tp_pkg_pin *pins, size_t n,
		       const char *data, size_t len, struct tp_err *err)
{
	struct tp_pkg_list list = { NULL, 0, 0 };
	struct tp_lines it;
	const char *line;
	size_t llen;
	int rc = 0;

	if (!out || out->n || out->items)
		return tp_err_set(err, TP_EINVAL,
				  "installed list must start empty");
	if ((rc = check_pins(pins, n, false, false, err)))
		return rc;
	if (len && !data)
		return tp_err_set(err, TP_EINVAL, "no data");
	tp_lines_init(&it, data ? data : "", len);
	while (tp_lines_next(&it, &line, &llen)) {
		if (it.lineno > 2 * (size_t)TP_PKG_PINS_MAX) {
			rc = tp_err_set(err, TP_ETOOBIG,
					"dpkg-query: more than %d lines",
					2 * TP_PKG_PINS_MAX);
			goto out;
		}
		if ((rc = parse_query_line(&list, pins, n, line, llen,
					   it.lineno, err)))
			goto out;
	}
	*out = list;
	list.items = NULL;	/* ownership moved */
	list.n = 0;
out:
	tp_pkg_list_release(&list);
	return rc;
}

/* ------------------------------------------------------------------ */
/* lists and checks shared by every backend                            */
/* ------------------------------------------------------------------ */
/* NEEDSWORK: these belong in pkg.c once another backend has rollouts. */

void tp_pkg_file_clear(struct tp_pkg_file *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->arch);
	free(f->version);
	free(f->filename);
	memset(f, 0, sizeof(*f));
}

void tp_pkg_file_list_release(struct tp_pkg_file_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		tp_pkg_file_clear(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
	list->alloc = 0;
}

void tp_pkg_mismatch_list_release(struct tp_pkg_mismatch_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++) {
		free(list->items[i].name);
		free(list->items[i].arch);
		free(list->items[i].want);
		free(list->items[i].got);
	}
	free(list->items);
	list->items = NULL;
	list->n = 0;
	list->alloc = 0;
}

struct tp_pkg_pin tp_pkg_file_pin(const struct tp_pkg_file *f)
{
	struct tp_pkg_pin p = { f->name, f->arch, f->version };

	return p;
}

static int sdup(char **out, const char *s, struct tp_err *err)
{
	*out = NULL;
	if (!s)
		return 0;
	return dup_mem(out, s, strlen(s), err);
}

int tp_pkg_verify_pins(struct tp_pkg_mismatch_list *out,
		       const struct tp_pkg_list *installed,
		       const struct tp_pkg_pin *pins, size_t n,
		       struct tp_err *err)
{
	struct tp_pkg_mismatch_list list = { NULL, 0, 0 };
	size_t i, j;
	int rc = 0;

	if (!out || out->n || out->items)
		return tp_err_set(err, TP_EINVAL,
				  "mismatch list must start empty");
	for (i = 0; i < n; i++) {
		const struct tp_pkg_pin *p = &pins[i];
		const struct tp_pkg *got = NULL;
		struct tp_pkg_mismatch *m;
		bool any = !p->arch || strcmp(p->arch, "all") == 0;

		for (j = 0; installed && j < installed->n; j++) {
			const struct tp_pkg *k = &installed->items[j];

			if (k->name && strcmp(k->name, p->name) == 0 &&
			    (any || (k->arch && !strcmp(k->arch, p->arch)))) {
				got = k;
				break;
			}
		}
		if (p->version ? got && !got->broken && got->version &&
					 strcmp(got->version, p->version) == 0 :
				 !got)
			continue;
		if (list.n == list.alloc) {
			size_t alloc = list.alloc ? list.alloc * 2 : 8;
			void *items = realloc(list.items,
					      alloc * sizeof(*list.items));

			if (!items) {
				rc = tp_err_set(err, TP_ENOMEM,
						"out of memory");
				goto out;
			}
			list.items = items;
			list.alloc = alloc;
		}
		m = &list.items[list.n++];
		memset(m, 0, sizeof(*m));
		m->broken = got && got->broken;
		if ((rc = sdup(&m->name, p->name, err)) ||
		    (rc = sdup(&m->arch, p->arch, err)) ||
		    (rc = sdup(&m->want, p->version, err)) ||
		    (rc = sdup(&m->got, got ? got->version : NULL, err)))
			goto out;
	}
	*out = list;
	list.items = NULL;	/* ownership moved */
	list.n = 0;
out:
	tp_pkg_mismatch_list_release(&list);
	return rc;
}

bool tp_pkg_files_match(const struct tp_pkg_file_list *ref,
			const struct tp_pkg_file_list *host, char *why,
			size_t why_size)
{
	char dummy[1];
	size_t i, j;

	if (!why || !why_size) {
		why = dummy;
		why_size = sizeof(dummy);
	}
	why[0] = '\0';
	if (ref->n != host->n) {
		snprintf(why, why_size, "%zu files, the reference has %zu",
			 host->n, ref->n);
		return false;
	}
	for (i = 0; i < host->n; i++) {
		const struct tp_pkg_file *h = &host->items[i];

		for (j = 0; j < ref->n; j++)
			if (h->filename && ref->items[j].filename &&
			    !strcmp(h->filename, ref->items[j].filename))
				break;
		if (j == ref->n) {
			snprintf(why, why_size, "%s: not in the reference",
				 h->filename ? h->filename : "?");
			return false;
		}
		if (h->size != ref->items[j].size ||
		    strcmp(h->sha256, ref->items[j].sha256) != 0) {
			snprintf(why, why_size,
				 "%s: sha256 %.16s... size %llu, the "
				 "reference has %.16s... size %llu",
				 h->filename, h->sha256, h->size,
				 ref->items[j].sha256, ref->items[j].size);
			return false;
		}
	}
	return true;
}

const struct tp_pkg_rollout tp_pkg_rollout_apt = {
	.stage_cmd = stage_cmd,
	.parse_stage = parse_stage,
	.keep_cmd = keep_cmd,
	.parse_keep = parse_keep,
	.apply_cmd = apply_cmd,
	.rollback_cmd = rollback_cmd,
	.query_cmd = query_cmd,
	.parse_query = parse_query,
};
