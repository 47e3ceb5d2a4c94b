/*
 * vercmp_rpm.c - rpm version comparison: rpmvercmp() and full EVR order.
 *
 * Purpose: answer what `rpm --eval '%{lua: print(rpm.vercmp(a, b))}'`
 * answers on rpm 4.18/4.19, for any two strings, without librpm.
 *
 * Invariants: no allocation and no writes to the inputs. rpm copies each
 * string and plants NULs to cut segments; we walk <pointer, end> ranges
 * instead, which reads the same bytes in the same order. Only ASCII
 * letters and digits form segments (rpm's risalpha/risdigit are not
 * locale-aware), so every other byte, UTF-8 included, is a separator.
 *
 * Trade-offs: rpm's order is not a clean total order at the edges ("1.0"
 * and "1_0" are equal, non-ASCII letters vanish), and we reproduce it as
 * it is rather than "fix" it, because the point is to agree with the
 * package manager that will do the upgrade. The one place rpm has no
 * answer, the empty string (rpmverParse() refuses it), gets ours: it sorts
 * first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "tidepatch/err.h"
#include "tidepatch/version.h"

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static int at(const char *p, const char *end)
{
	return p < end ? (unsigned char)*p : 0;
}

/* strcmp() of two segments that are not NUL-terminated, as -1/0/1. */
static int seg_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int rc = memcmp(a, b, alen < blen ? alen : blen);

	if (rc)
		return rc < 0 ? -1 : 1;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

/*
 * rpmvercmp() on <a, ae> and <b, be>. Segments are maximal runs of digits
 * or of letters; anything else separates them and only '~' and '^' carry
 * meaning: '~' sorts before everything, even the end of the string, '^'
 * sorts after the end but before anything else.
 */
static int vercmp_range(const char *a, const char *ae, const char *b,
			const char *be)
{
	if (ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0)
		return 0;

	while (a < ae || b < be) {
		const char *sa, *sb;
		bool isnum;
		int rc;

		while (a < ae && !is_alnum(at(a, ae)) && *a != '~' &&
		       *a != '^')
			a++;
		while (b < be && !is_alnum(at(b, be)) && *b != '~' &&
		       *b != '^')
			b++;

		if (at(a, ae) == '~' || at(b, be) == '~') {
			if (at(a, ae) != '~')
				return 1;
			if (at(b, be) != '~')
				return -1;
			a++;
			b++;
			continue;
		}
		if (at(a, ae) == '^' || at(b, be) == '^') {
			if (a == ae)
				return -1;
			if (b == be)
				return 1;
			if (at(a, ae) != '^')
				return 1;
			if (at(b, be) != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (a == ae || b == be)
			break;

		/* a's segment type decides; b may have none of that type */
		sa = a;
		sb = b;
		isnum = is_digit(at(a, ae));
		if (isnum) {
			while (is_digit(at(a, ae)))
				a++;
			while (is_digit(at(b, be)))
				b++;
		} else {
			while (is_alpha(at(a, ae)))
				a++;
			while (is_alpha(at(b, be)))
				b++;
		}
		/* a number is newer than letters (rpm bug #50977) */
		if (b == sb)
			return isnum ? 1 : -1;
		if (isnum) {
			while (sa < a && *sa == '0')
				sa++;
			while (sb < b && *sb == '0')
				sb++;
			if (a - sa != b - sb)
				return a - sa > b - sb ? 1 : -1;
		}
		rc = seg_cmp(sa, (size_t)(a - sa), sb, (size_t)(b - sb));
		if (rc)
			return rc;
	}
	if (a == ae && b == be)
		return 0;
	return a == ae ? -1 : 1;
}

int tp_rpm_vercmp(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	return vercmp_range(a, a + strlen(a), b, b + strlen(b));
}

/* One side of an EVR; a NULL start means the part is absent. */
struct evr {
	const char *e, *e_end;
	const char *v, *v_end;
	const char *r, *r_end;
};

/*
 * rpm's parseEVR(): the epoch is the leading digits if a ':' follows them
 * (an empty epoch reads "0"); the release follows the last '-' at or after
 * the end of those digits, so it may be empty but never contains '-'.
 */
static void evr_split(const char *s, struct evr *out)
{
	static const char zero[] = "0";
	const char *end = s + strlen(s);
	const char *p = s;
	const char *hyphen = NULL;
	const char *q;

	while (is_digit((unsigned char)*p))
		p++;
	for (q = p; q < end; q++)
		if (*q == '-')
			hyphen = q;

	out->e = zero;
	out->e_end = zero + 1;
	out->v = s;
	if (*p == ':') {
		if (p > s) {
			out->e = s;
			out->e_end = p;
		}
		out->v = p + 1;
	}
	if (hyphen) {
		out->v_end = hyphen;
		out->r = hyphen + 1;
		out->r_end = end;
	} else {
		out->v_end = end;
		out->r = NULL;
		out->r_end = NULL;
	}
}

int tp_rpm_version_cmp(const char *a, const char *b)
{
	struct evr pa;
	struct evr pb;
	int rc;

	if (!a)
		a = "";
	if (!b)
		b = "";
	if (!*a || !*b)
		return (int)!*b - (int)!*a;

	evr_split(a, &pa);
	evr_split(b, &pb);
	rc = vercmp_range(pa.e, pa.e_end, pb.e, pb.e_end);
	if (rc)
		return rc;
	rc = vercmp_range(pa.v, pa.v_end, pb.v, pb.v_end);
	if (rc)
		return rc;
	/* rpmverCmp()'s compare_values(): an absent release is older */
	if (!pa.r || !pb.r)
		return (int)!pb.r - (int)!pa.r;
	return vercmp_range(pa.r, pa.r_end, pb.r, pb.r_end);
}

/* rpmbuild's ALLOWED_CHARS_EVR, plus the alphanumerics it always allows. */
static bool evr_char_ok(int c)
{
	return is_alnum(c) || (c && strchr("._+%{}~^-:", c));
}

static int bad(struct tp_err *err, const char *what, size_t off)
{
	return tp_err_set(err, TP_EVERSION, "rpm version: %s at offset %zu",
			  what, off);
}

int tp_rpm_version_check(const char *v, struct tp_err *err)
{
	const char *p;
	const char *colon = NULL;
	const char *hyphen = NULL;
	const char *dots;
	const char *vstart;

	if (!*v)
		return bad(err, "version string is empty", 0);
	for (p = v; *p; p++) {
		if (!evr_char_ok((unsigned char)*p))
			return tp_err_set(err, TP_EVERSION,
					  "rpm version: invalid character "
					  "0x%02x at offset %zu",
					  (unsigned)(unsigned char)*p,
					  (size_t)(p - v));
	}
	dots = strstr(v, "..");
	if (dots)
		return bad(err, "\"..\" is not allowed", (size_t)(dots - v));
	for (p = v; *p; p++) {
		if (*p == '-') {
			if (hyphen)
				return bad(err, "second '-'", (size_t)(p - v));
			hyphen = p;
		} else if (*p == ':') {
			if (colon)
				return bad(err, "second ':'", (size_t)(p - v));
			colon = p;
		}
	}

	vstart = v;
	if (colon) {
		if (colon == v)
			return bad(err, "epoch is empty", 0);
		for (p = v; p < colon; p++)
			if (!is_digit((unsigned char)*p))
				return bad(err, "epoch is not a number",
					   (size_t)(p - v));
		vstart = colon + 1;
	}
	/* with one '-' and a numeric epoch, '-' after ':' is guaranteed */
	if ((hyphen ? hyphen : v + strlen(v)) == vstart)
		return bad(err, "version is empty", (size_t)(vstart - v));
	if (hyphen && !hyphen[1])
		return bad(err, "release is empty", (size_t)(hyphen - v));
	return 0;
}
