/*
 * pkg_apt.c - the apt backend (Debian, Ubuntu): command lines and pure
 * parsers for dpkg-query and apt-get's simulated dist-upgrade.
 *
 * Invariants:
 * - Input is hostile and may hold any byte. Every line is checked for
 *   control characters (CR, NUL, ESC, ...) before anything else, every
 *   field against a charset and a length limit (pkg_apt.h), and a
 *   malformed line fails the whole parse with TP_EPARSE naming the line:
 *   a half-understood package list is worse than none.
 * - Output lists are all-or-nothing: parsed into a local list and moved
 *   to the caller only on success.
 * - The apt parser requires the "N upgraded, ..." summary and checks the
 *   Inst/Remv lines against it, so truncated output (or an apt that died
 *   after planning) is an error, not a host with fewer updates.
 *
 * Trade-offs:
 * - Versions are checked for dpkg's charset only, not its full grammar:
 *   the strings come from dpkg/apt themselves, and what matters here is
 *   that nothing hostile passes through.
 * - Security means "a candidate origin is a security pocket", as
 *   unattended-upgrades decides it: no advisory data is needed, but a fix
 *   that only reached a point release is not flagged (advisories are).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"
#include "tidepatch/pkg_apt.h"
#include "tidepatch/version.h"

#include "pkg_int.h"

/*
 * The commands. LC_ALL=C is set by the caller. ${source:Package} and
 * ${source:Version} equal the binary's name and version when there is no
 * Source field (or none with a version); ${db:Status-Abbrev} is three
 * characters (want, status, error flag; the flag is a space when clear).
 */
#define APT_INSTALLED_CMD                                                   \
	"dpkg-query -W -f='${Package}\\t${Architecture}\\t${Version}\\t"     \
	"${source:Package}\\t${source:Version}\\t${db:Status-Abbrev}\\t"      \
	"${db:Status-Want}\\n'"

/*
 * -s simulates; it needs no root and changes nothing.
 * Debug::NoLocking=1: apt >= 1.1 already skips the dpkg lock in a
 *   simulation, for root too; older apt (Debian 8, Ubuntu 14.04) took it
 *   as root and failed while unattended-upgrades held it.
 * APT::Get::Show-User-Simulation-Note=false: without it a non-root user
 *   gets a four-line NOTE first; the output is then the same for any
 *   user. (The parser ignores the note anyway.)
 * No -q: it changes nothing here (no progress is drawn when stdout is
 *   not a terminal), and -qq drops the "N upgraded, ..." summary the
 *   parser relies on.
 */
#define APT_UPDATES_CMD                                                     \
	"apt-get -s -o Debug::NoLocking=1 "                                 \
	"-o APT::Get::Show-User-Simulation-Note=false dist-upgrade"

/*
 * -q: no progress lines. APT::Update::Error-Mode=any: a mirror that
 * cannot be reached is an error (exit 100), not a warning with exit 0
 * and stale lists; apt < 2.1.16 ignores the key and only warns.
 */
#define APT_REFRESH_CMD "apt-get -q -o APT::Update::Error-Mode=any update"

struct span {
	const char *p;
	size_t len;
};

/* dpkg's pkg_name_is_illegal(): [A-Za-z0-9][A-Za-z0-9+.-_]*. */
static bool valid_name(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > TP_APT_NAME_MAX || !pkg_is_alnum(s.p[0]))
		return false;
	for (i = 1; i < s.len; i++)
		if (!pkg_is_alnum(s.p[i]) && !pkg_in_set(s.p[i], "+-._"))
			return false;
	return true;
}

/* dpkg's dpkg_arch_name_is_illegal(): [A-Za-z0-9][A-Za-z0-9-]*. */
static bool valid_arch(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > TP_APT_ARCH_MAX || !pkg_is_alnum(s.p[0]))
		return false;
	for (i = 1; i < s.len; i++)
		if (!pkg_is_alnum(s.p[i]) && s.p[i] != '-')
			return false;
	return true;
}

/* The characters dpkg allows anywhere in [epoch:]upstream[-revision]. */
static bool valid_version(struct span s)
{
	size_t i;

	if (s.len == 0 || s.len > TP_APT_VERSION_MAX)
		return false;
	for (i = 0; i < s.len; i++)
		if (!pkg_is_alnum(s.p[i]) && !pkg_in_set(s.p[i], ".+~:-"))
			return false;
	return true;
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.p, lit, n) == 0;
}

static bool span_has_suffix(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && memcmp(s.p + s.len - n, lit, n) == 0;
}

/* Copy a span into a new string in *out; TP_ENOMEM. */
static int dup_span(char **out, struct span s, struct tp_err *err)
{
	char *p = malloc(s.len + 1);

	*out = NULL;
	if (!p)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	*out = p;
	return 0;
}

static int ctl_error(struct tp_err *err, const char *what, size_t lineno,
		     const char *line, long at)
{
	return tp_err_set(err, TP_EPARSE,
			  "%s line %zu: control character 0x%02x at column %ld",
			  what, lineno, (unsigned char)line[at], at + 1);
}

/* ------------------------------------------------------------------ */
/* dpkg-query                                                          */
/* ------------------------------------------------------------------ */

enum { F_NAME, F_ARCH, F_VERSION, F_SRC, F_SRCVER, F_ABBREV, F_WANT, F_N };

/* ${db:Status-Want} words and their first letter in ${db:Status-Abbrev}. */
static const struct {
	const char *word;
	char abbrev;
} wants[] = {
	{ "unknown", 'u' }, { "install", 'i' }, { "hold", 'h' },
	{ "deinstall", 'r' }, { "purge", 'p' },
};

static int installed_error(struct tp_err *err, size_t lineno,
			   const char *what)
{
	return tp_err_set(err, TP_EPARSE, "dpkg-query line %zu: %s", lineno,
			  what);
}

/*
 * One line of the installed_cmd output, e.g.
 *   "libssl3\tamd64\t3.0.20-1~deb12u2\topenssl\t3.0.20-1~deb12u2\thi \thold"
 * Appends to list when the package is installed (in any dpkg sense).
 *
 * Status letters (dpkg-query(1)): n not-installed and c config-files are
 * skipped: no files but conffiles, nothing to patch. i installed, and
 * t triggers-pending / W triggers-awaited are kept as healthy: dpkg itself
 * counts them as installed for dependencies, and the next dpkg run
 * processes the triggers. U unpacked, F half-configured, H half-installed
 * and the error flag R (reinst-required) are kept with broken set: the
 * files (or some) are there and the package needs attention before any
 * rollout touches the host.
 */
static int parse_installed_line(struct tp_pkg_list *list, const char *line,
				size_t len, size_t lineno, struct tp_err *err)
{
	struct span f[F_N];
	const char *p = line, *end = line + len, *tab;
	struct tp_pkg *pkg;
	char want, status, eflag;
	size_t i, n = 0;
	long at;
	int rc;

	if ((at = pkg_find_ctl(line, len, true)) >= 0)
		return ctl_error(err, "dpkg-query", lineno, line, at);
	for (;;) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (n == F_N)
			return installed_error(err, lineno,
					       "more than 7 fields");
		f[n].p = p;
		f[n].len = tab ? (size_t)(tab - p) : (size_t)(end - p);
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (n != F_N)
		return tp_err_set(err, TP_EPARSE,
				  "dpkg-query line %zu: expected 7 "
				  "tab-separated fields, got %zu",
				  lineno, n);
	if (!valid_name(f[F_NAME]))
		return installed_error(err, lineno, "bad package name");
	if (f[F_ABBREV].len != 3 || !pkg_in_set(f[F_ABBREV].p[0], "uihrp") ||
	    !pkg_in_set(f[F_ABBREV].p[1], "ncHUFWti") ||
	    !pkg_in_set(f[F_ABBREV].p[2], " R"))
		return installed_error(err, lineno, "bad status abbreviation");
	want = f[F_ABBREV].p[0];
	status = f[F_ABBREV].p[1];
	eflag = f[F_ABBREV].p[2];
	for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		if (span_eq(f[F_WANT], wants[i].word))
			break;
	if (i == sizeof(wants) / sizeof(wants[0]))
		return installed_error(err, lineno, "bad wanted state");
	if (wants[i].abbrev != want)
		return installed_error(err, lineno,
				       "wanted state disagrees with status");
	if (status == 'n' || status == 'c')
		return 0;

	if (!valid_arch(f[F_ARCH]))
		return installed_error(err, lineno, "bad architecture");
	if (!valid_version(f[F_VERSION]))
		return installed_error(err, lineno, "bad version");
	if (!valid_name(f[F_SRC]))
		return installed_error(err, lineno, "bad source package name");
	if (!valid_version(f[F_SRCVER]))
		return installed_error(err, lineno, "bad source version");

	if ((rc = tp_pkg_list_push(list, &pkg, err)))
		return rc;
	if ((rc = dup_span(&pkg->name, f[F_NAME], err)) ||
	    (rc = dup_span(&pkg->arch, f[F_ARCH], err)) ||
	    (rc = dup_span(&pkg->version, f[F_VERSION], err)) ||
	    (rc = dup_span(&pkg->source, f[F_SRC], err)) ||
	    (rc = dup_span(&pkg->source_version, f[F_SRCVER], err)))
		return rc;
	pkg->held = want == 'h';
	pkg->broken = status == 'U' || status == 'F' || status == 'H' ||
		      eflag == 'R';
	return 0;
}

int tp_apt_parse_installed(struct tp_pkg_list *out, const char *data,
			   size_t len, struct tp_err *err)
{
	struct tp_pkg_list list = { NULL, 0, 0 };
	struct tp_lines it;
	const char *line;
	size_t llen;
	int rc = 0;

	if (!out || out->n || out->items)
		return tp_err_set(err, TP_EINVAL,
				  "installed list must start empty");
	if (len == 0 || !data)
		return tp_err_set(err, TP_EPARSE,
				  "dpkg-query printed nothing (a Debian "
				  "system always has packages)");
	tp_lines_init(&it, data, len);
	while (tp_lines_next(&it, &line, &llen)) {
		rc = parse_installed_line(&list, line, llen, it.lineno, err);
		if (rc)
			goto out;
	}
	if (list.n == 0) {
		rc = tp_err_set(err, TP_EPARSE,
				"dpkg-query lists no installed package");
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
/* apt-get -s dist-upgrade                                             */
/* ------------------------------------------------------------------ */

/*
 * The simulation lines are printed by pkgSimulate (apt-pkg/algorithms.cc,
 * apt 2.6):
 *   RealInstall:  "Inst " Describe(Pkg, current, candidate) [breaks]
 *   RealRemove:   "Remv "|"Purg " Describe(Pkg, current, no candidate)
 *                 [breaks]
 *   RealConfigure: "Conf " ... (ignored: the Inst line said it all)
 * Describe() prints Pkg.FullName(true) (name, plus ":arch" only for a
 * foreign architecture), " [" current version "]" when one is installed,
 * and " (" candidate " " VerIterator::RelStr() ")". RelStr() is the list,
 * joined by ", ", of one entry per package file of the candidate:
 *   [Label ":"] Version "/" Archive   e.g. "Debian-Security:12/stable-security"
 *   [Label ":"] Archive               when the Release has no Version
 *   Site or "localhost"               when there is no Release file
 * (Label is the Release file's Label, which may contain spaces; Archive
 * is its Suite), followed by " [" version architecture "]". With no
 * package file the list is empty, hence "(1.0-1  [all])". [breaks] is
 * zero or more " [pkg:arch on pkg:arch]" and one " [pkg:arch ...]" group
 * (ShortBreaks, "[]" when empty) printed while the simulated system is
 * temporarily broken; they carry nothing we need.
 */

/* Pop trailing " [...]" groups (the [breaks] above) off <line, *len>. */
static int strip_break_groups(const char *line, size_t *len)
{
	while (*len > 0 && line[*len - 1] == ']') {
		const char *open = NULL;
		size_t i;

		for (i = *len - 1; i > 0; i--) {
			char c = line[i - 1];

			if (c == '[') {
				open = line + i - 1;
				break;
			}
			if (c == ']' || c == '(' || c == ')')
				return -1;
		}
		if (!open || open == line || open[-1] != ' ')
			return -1;
		*len = (size_t)(open - 1 - line);
	}
	return 0;
}

/*
 * Archive (suite) of one RelStr() entry: what follows the last '/', or
 * the last ':' when there is no '/', or the whole entry. A bare entry may
 * also be a site (no Release file at all); a host name ending in
 * "-security" is not worth a heuristic.
 */
static struct span entry_archive(struct span e)
{
	struct span a = e;
	size_t i;

	for (i = e.len; i > 0; i--)
		if (e.p[i - 1] == '/')
			break;
	if (i == 0)
		for (i = e.len; i > 0; i--)
			if (e.p[i - 1] == ':')
				break;
	if (i > 0) {
		a.p = e.p + i;
		a.len = e.len - i;
	}
	return a;
}

/*
 * The unattended-upgrades rule: a candidate is a security update when any
 * of its origins is a security pocket, i.e. its archive ends in
 * "-security" (Debian >= 11 "bookworm-security" / "stable-security",
 * Ubuntu "jammy-security", Ubuntu Pro "jammy-infra-security"). Debian <=
 * 10 named the security suite like the release ("oldoldstable"), so the
 * "Debian-Security" label (the one unattended-upgrades matches there)
 * counts too.
 */
static bool origins_security(struct span rel)
{
	const char *p = rel.p, *end = rel.p + rel.len;

	while (p < end) {
		const char *sep = NULL, *q;
		struct span e, label;

		for (q = p; q + 1 < end; q++)
			if (q[0] == ',' && q[1] == ' ') {
				sep = q;
				break;
			}
		e.p = p;
		e.len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		if (span_has_suffix(entry_archive(e), "-security"))
			return true;
		q = memchr(e.p, ':', e.len);
		label.p = e.p;
		label.len = q ? (size_t)(q - e.p) : 0;
		if (span_eq(label, "Debian-Security"))
			return true;
		p = sep ? sep + 2 : end;
	}
	return false;
}

static int updates_error(struct tp_err *err, size_t lineno, const char *what)
{
	return tp_err_set(err, TP_EPARSE, "apt-get line %zu: %s", lineno,
			  what);
}

/* Split "name[:arch]"; arch->len is 0 when there is none. */
static int split_name(struct span tok, struct span *name, struct span *arch,
		      size_t lineno, struct tp_err *err)
{
	const char *colon = memchr(tok.p, ':', tok.len);

	name->p = tok.p;
	name->len = colon ? (size_t)(colon - tok.p) : tok.len;
	arch->p = colon ? colon + 1 : tok.p + tok.len;
	arch->len = colon ? tok.len - name->len - 1 : 0;
	if (!valid_name(*name))
		return updates_error(err, lineno, "bad package name");
	if (colon && !valid_arch(*arch))
		return updates_error(err, lineno, "bad architecture");
	return 0;
}

/* Next token up to a space (or end); *p is moved past it. */
static struct span next_token(const char **p, const char *end)
{
	struct span t = { *p, 0 };
	const char *sp = memchr(*p, ' ', (size_t)(end - *p));

	t.len = sp ? (size_t)(sp - *p) : (size_t)(end - *p);
	*p += t.len;
	return t;
}

/* " [" version "]" at *p, if there is one that holds a version. */
static int bracket_version(struct span *out, const char **p, const char *end)
{
	const char *close;
	struct span v;

	out->p = NULL;
	out->len = 0;
	if (end - *p < 3 || (*p)[0] != ' ' || (*p)[1] != '[')
		return 0;
	close = memchr(*p + 2, ']', (size_t)(end - *p - 2));
	if (!close)
		return 0;
	v.p = *p + 2;
	v.len = (size_t)(close - v.p);
	if (memchr(v.p, ' ', v.len) || v.len == 0)
		return 0;	/* a [breaks] group, not a version */
	*out = v;
	*p = close + 1;
	return 1;
}

static int fill_update(struct tp_update_list *list, struct span name,
		       struct span arch, struct span installed,
		       struct span candidate, struct span origin,
		       struct tp_update **out, struct tp_err *err)
{
	struct tp_update *up;
	int rc;

	*out = NULL;
	if ((rc = tp_update_list_push(list, &up, err)))
		return rc;
	if ((rc = dup_span(&up->name, name, err)))
		return rc;
	if (arch.len && (rc = dup_span(&up->arch, arch, err)))
		return rc;
	if (installed.len && (rc = dup_span(&up->installed, installed, err)))
		return rc;
	if (candidate.len && (rc = dup_span(&up->candidate, candidate, err)))
		return rc;
	if (origin.len && (rc = dup_span(&up->origin, origin, err)))
		return rc;
	*out = up;
	return 0;
}

/*
 * "Inst libssl3 [3.0.20-1~deb12u2] (3.0.22-1~deb12u2 "
 * "Debian-Security:12/oldstable-security [amd64])"
 * "Inst tp-newdep (0.1-1 localhost [all])"
 * "Inst e2fsprogs [1.47.0-2] (1.47.0-2+b2 Debian:12.15/oldstable [amd64])"
 * " [e2fsprogs:amd64 on libext2fs2:amd64] [e2fsprogs:amd64 ]"
 */
static int parse_inst(struct tp_update_list *list, const char *line,
		      size_t len, size_t lineno, struct tp_err *err)
{
	const char *p = line + 4, *end, *lp, *lb;
	struct span tok, name, namearch, inst, cand, rel, arch;
	struct tp_update *up;
	size_t plen = len;
	int rc, cmp;

	if (strip_break_groups(line, &plen))
		return updates_error(err, lineno, "bad trailing [...] group");
	end = line + plen;
	if (p >= end || *p != ' ')
		return updates_error(err, lineno, "Inst without a package");
	p++;
	tok = next_token(&p, end);
	if ((rc = split_name(tok, &name, &namearch, lineno, err)))
		return rc;
	if (bracket_version(&inst, &p, end) && !valid_version(inst))
		return updates_error(err, lineno, "bad installed version");
	if (end - p < 2 || p[0] != ' ' || p[1] != '(' || end[-1] != ')')
		return updates_error(err, lineno,
				     "missing (candidate origin [arch])");
	lp = p + 1;	/* the '(' */
	p = lp + 1;
	end--;	/* the closing ')' */
	cand = next_token(&p, end);
	if (!valid_version(cand))
		return updates_error(err, lineno,
				     cand.len ? "bad candidate version" :
						"missing candidate version");
	/* p is at " RELSTR [arch]"; RELSTR may be empty. */
	if (p >= end || *p != ' ' || end[-1] != ']')
		return updates_error(err, lineno, "missing [arch]");
	for (lb = end - 1; lb > p && *lb != '['; lb--)
		;
	if (*lb != '[' || lb - p < 1 || lb[-1] != ' ')
		return updates_error(err, lineno, "missing [arch]");
	arch.p = lb + 1;
	arch.len = (size_t)(end - 1 - arch.p);
	if (!valid_arch(arch))
		return updates_error(err, lineno, "bad architecture");
	rel.p = p + 1;
	rel.len = lb - 1 > p ? (size_t)(lb - 1 - rel.p) : 0;
	if (rel.len > TP_APT_ORIGIN_MAX)
		return updates_error(err, lineno, "origin list too long");

	if ((rc = fill_update(list, name, arch, inst, cand, rel, &up, err)))
		return rc;
	up->security = origins_security(rel);
	if (!inst.len) {
		up->kind = TP_UPDATE_INSTALL;
		return 0;
	}
	cmp = tp_deb_version_cmp(up->candidate, up->installed);
	up->kind = cmp > 0 ? TP_UPDATE_UPGRADE :
		   cmp < 0 ? TP_UPDATE_DOWNGRADE : TP_UPDATE_REINSTALL;
	return 0;
}

/*
 * "Remv tp-victim [1.0-1]", "Purg tp-victim [1.0-1]", and "Purg sudo"
 * (purging a package in config-files state: no current version).
 */
static int parse_remove(struct tp_update_list *list, const char *line,
			size_t len, size_t lineno, struct tp_err *err)
{
	const char *p = line + 4, *end;
	struct span tok, name, arch, inst, none = { NULL, 0 };
	struct tp_update *up;
	size_t plen = len;
	int rc;

	end = line + plen;
	if (p >= end || *p != ' ')
		return updates_error(err, lineno, "Remv without a package");
	p++;
	tok = next_token(&p, end);
	if ((rc = split_name(tok, &name, &arch, lineno, err)))
		return rc;
	if (bracket_version(&inst, &p, end) && !valid_version(inst))
		return updates_error(err, lineno, "bad installed version");
	/* Whatever follows must be [breaks] groups only. */
	plen = (size_t)(end - p);
	if (strip_break_groups(p, &plen) || plen != 0)
		return updates_error(err, lineno, "junk after the version");
	if ((rc = fill_update(list, name, arch, inst, none, none, &up, err)))
		return rc;
	up->kind = TP_UPDATE_REMOVE;
	return 0;
}

/* apt's Stats() line, apt-private/private-output.cc. */
struct apt_summary {
	bool seen;
	size_t lineno;
	unsigned long upgraded, installed, reinstalled, downgraded, removed;
};

/* Read a decimal number and the literal after it; false if no match. */
static bool take_count(const char **p, const char *end, const char *lit,
		       unsigned long *out)
{
	unsigned long v = 0;
	const char *q = *p;
	size_t n = strlen(lit);

	if (q >= end || !pkg_is_digit(*q))
		return false;
	while (q < end && pkg_is_digit(*q)) {
		if (v > (unsigned long)-1 / 10 - 1)
			return false;
		v = v * 10 + (unsigned long)(*q - '0');
		q++;
	}
	if ((size_t)(end - q) < n || memcmp(q, lit, n) != 0)
		return false;
	*out = v;
	*p = q + n;
	return true;
}

/*
 * "9 upgraded, 1 newly installed, 1 downgraded, 1 to remove and 0 not
 * upgraded." (reinstalled and downgraded appear only when non-zero).
 * Returns 1 if the line is one, 0 if not, or TP_EPARSE if it starts like
 * one and then goes wrong.
 */
static int parse_summary(struct apt_summary *s, const char *line,
			 size_t len, size_t lineno, struct tp_err *err)
{
	const char *p = line, *end = line + len;
	unsigned long held;

	if (!take_count(&p, end, " upgraded, ", &s->upgraded))
		return 0;
	s->reinstalled = 0;
	s->downgraded = 0;
	if (!take_count(&p, end, " newly installed, ", &s->installed))
		return updates_error(err, lineno, "bad summary line");
	take_count(&p, end, " reinstalled, ", &s->reinstalled);
	take_count(&p, end, " downgraded, ", &s->downgraded);
	if (!take_count(&p, end, " to remove and ", &s->removed) ||
	    !take_count(&p, end, " not upgraded.", &held) || p != end)
		return updates_error(err, lineno, "bad summary line");
	if (s->seen)
		return updates_error(err, lineno, "second summary line");
	s->seen = true;
	s->lineno = lineno;
	return 1;
}

static bool starts_word(const char *line, size_t len, const char *word)
{
	return len >= 4 && memcmp(line, word, 4) == 0 &&
	       (len == 4 || line[4] == ' ');
}

/* The summary and the lines must tell the same story. */
static int check_summary(const struct apt_summary *s,
			 const struct tp_update_list *list,
			 struct tp_err *err)
{
	unsigned long n[TP_UPDATE_REMOVE + 1] = { 0 };
	size_t i;

	if (!s->seen)
		return tp_err_set(err, TP_EPARSE,
				  "apt-get printed no \"N upgraded, ...\" "
				  "summary (failed or truncated output)");
	for (i = 0; i < list->n; i++)
		n[list->items[i].kind]++;
#define CHECK(kind, field, what)                                            \
	if (n[kind] != s->field)                                            \
		return tp_err_set(err, TP_EPARSE,                           \
				  "apt-get line %zu: summary says %lu "     \
				  what " but %lu lines say so "             \
				  "(truncated output?)",                    \
				  s->lineno, s->field, n[kind]);
	CHECK(TP_UPDATE_UPGRADE, upgraded, "upgraded");
	CHECK(TP_UPDATE_INSTALL, installed, "newly installed");
	CHECK(TP_UPDATE_DOWNGRADE, downgraded, "downgraded");
	CHECK(TP_UPDATE_REMOVE, removed, "to remove");
#undef CHECK
	return 0;
}

int tp_apt_parse_updates(struct tp_update_list *out, const char *data,
			 size_t len, struct tp_err *err)
{
	struct tp_update_list list = { NULL, 0, 0 };
	struct apt_summary sum = { false, 0, 0, 0, 0, 0, 0 };
	struct tp_lines it;
	const char *line;
	size_t llen;
	long at;
	int rc = 0;

	if (!out || out->n || out->items)
		return tp_err_set(err, TP_EINVAL,
				  "update list must start empty");
	if (len == 0 || !data)
		return tp_err_set(err, TP_EPARSE, "apt-get printed nothing");
	tp_lines_init(&it, data, len);
	while (tp_lines_next(&it, &line, &llen)) {
		if ((at = pkg_find_ctl(line, llen, false)) >= 0) {
			rc = ctl_error(err, "apt-get", it.lineno, line, at);
			goto out;
		}
		if (starts_word(line, llen, "Inst"))
			rc = parse_inst(&list, line, llen, it.lineno, err);
		else if (starts_word(line, llen, "Remv") ||
			 starts_word(line, llen, "Purg"))
			rc = parse_remove(&list, line, llen, it.lineno, err);
		else
			rc = parse_summary(&sum, line, llen, it.lineno, err);
		if (rc < 0)
			goto out;
	}
	if ((rc = check_summary(&sum, &list, err)))
		goto out;
	*out = list;
	list.items = NULL;	/* ownership moved */
	list.n = 0;
out:
	tp_update_list_release(&list);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* kernels                                                             */
/* ------------------------------------------------------------------ */

/*
 * The release of a kernel image package, or len 0. Debian:
 * linux-image-6.1.0-21-amd64 (and -unsigned, the same kernel before
 * signing); Ubuntu: linux-image-5.15.0-91-generic and
 * linux-image-unsigned-5.15.0-91-generic. Meta packages
 * (linux-image-amd64, linux-image-generic) do not start with a digit;
 * debug symbols (-dbg, -dbgsym) are not kernels.
 */
static struct span kernel_release(const char *name)
{
	static const char prefix[] = "linux-image-";
	struct span r = { NULL, 0 };

	if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return r;
	r.p = name + sizeof(prefix) - 1;
	if (strncmp(r.p, "unsigned-", 9) == 0)
		r.p += 9;
	r.len = strlen(r.p);
	if (!pkg_is_digit(r.p[0]) || span_has_suffix(r, "-dbg") ||
	    span_has_suffix(r, "-dbgsym")) {
		r.len = 0;
		return r;
	}
	if (span_has_suffix(r, "-unsigned"))
		r.len -= 9;
	return r;
}

int tp_apt_newest_kernel(char **out, const struct tp_pkg_list *installed,
			 struct tp_err *err)
{
	const struct tp_pkg *best = NULL;
	struct span best_rel = { NULL, 0 };
	size_t i;

	*out = NULL;
	for (i = 0; installed && i < installed->n; i++) {
		const struct tp_pkg *p = &installed->items[i];
		struct span rel;

		if (!p->name || !p->version || p->broken)
			continue;
		rel = kernel_release(p->name);
		if (!rel.len)
			continue;
		if (best && tp_deb_version_cmp(p->version, best->version) <= 0)
			continue;
		best = p;
		best_rel = rel;
	}
	if (!best)
		return 0;
	return dup_span(out, best_rel, err);
}

const struct tp_pkg_backend tp_pkg_backend_apt = {
	.name = "apt",
	.installed_cmd = APT_INSTALLED_CMD,
	.parse_installed = tp_apt_parse_installed,
	.updates_cmd = APT_UPDATES_CMD,
	.parse_updates = tp_apt_parse_updates,
	.refresh_cmd = APT_REFRESH_CMD,
	.newest_kernel = tp_apt_newest_kernel,
	.rollout = &tp_pkg_rollout_apt,
};
