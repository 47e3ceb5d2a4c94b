/*
 * vercmp_deb.c - Debian version validation and comparison, as dpkg does.
 *
 * Purpose: order [epoch:]upstream[-revision] strings exactly like
 * `dpkg --compare-versions`, and validate them exactly like dpkg's
 * parseversion(), without linking libdpkg (the controller runs anywhere,
 * hosts report versions as text).
 *
 * Invariants: nothing here allocates or writes to its inputs; a version is
 * handled as <pointer, end> ranges into the caller's string, so splitting
 * it into epoch, upstream and revision copies nothing. Comparison is a
 * function of the split parts only, so it is a total preorder whatever the
 * input.
 *
 * Trade-offs: dpkg's order() ranks a byte through a plain char, which is
 * signed on amd64 and i386 and unsigned on arm64 and ppc64el, so bytes
 * >= 0x80 rank differently across dpkg builds. We follow the signed-char
 * build, the one the fleet controller is tested against; no valid Debian
 * version contains such bytes. For strings dpkg refuses to parse we still
 * need an answer: we split them the lenient way (see version.h) rather
 * than inventing an error path in a function that cannot fail.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "tidepatch/err.h"
#include "tidepatch/version.h"

struct deb_parts {
	bool none;		/* no version at all: "" or only blanks */
	unsigned long epoch;
	const char *up, *up_end;
	const char *rev, *rev_end;	/* rev == rev_end: no revision */
};

/* dpkg's c_isblank(): only space and tab; dpkg trims these and no other. */
static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* What strtol() skips in the C locale before the digits. */
static bool is_strtol_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The last c in <p, len>, or NULL; memrchr() is a GNU extension. */
static const char *last_of(const char *p, int c, size_t len)
{
	while (len-- > 0)
		if ((unsigned char)p[len] == c)
			return p + len;
	return NULL;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum epoch_result {
	EPOCH_OK,
	EPOCH_EMPTY,		/* strtol() found no digits */
	EPOCH_NOT_NUMBER,	/* digits stop before the colon */
	EPOCH_NEGATIVE,
	EPOCH_TOO_BIG,		/* above INT_MAX, or strtol() overflowed */
};

/*
 * Read the epoch in [s, colon) as parseversion() does: strtol(s, &end, 10)
 * must stop exactly at the colon. The value is only meaningful for
 * EPOCH_OK.
 */
static enum epoch_result parse_epoch(const char *s, const char *colon,
				     unsigned long *out)
{
	const char *p = s;
	bool neg = false;
	bool big = false;
	unsigned long v = 0;
	const char *digits;

	while (p < colon && is_strtol_space((unsigned char)*p))
		p++;
	if (p < colon && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	digits = p;
	while (p < colon && is_digit((unsigned char)*p)) {
		if (v > (unsigned long)INT_MAX)
			big = true;	/* stays big; no overflow below */
		else
			v = v * 10 + (unsigned long)(*p - '0');
		p++;
	}
	if (p == digits)
		return EPOCH_EMPTY;
	if (p != colon)
		return EPOCH_NOT_NUMBER;
	if (neg && (v != 0 || big))
		return EPOCH_NEGATIVE;
	if (big || v > (unsigned long)INT_MAX)
		return EPOCH_TOO_BIG;
	*out = v;
	return EPOCH_OK;
}

/* The lenient split used for comparison; see version.h for the rules. */
static void deb_split(const char *v, struct deb_parts *out)
{
	const char *s = v ? v : "";
	const char *end;
	const char *colon;
	const char *hyphen;
	unsigned long epoch = 0;

	memset(out, 0, sizeof(*out));
	while (is_blank((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank((unsigned char)end[-1]))
		end--;
	if (s == end) {
		out->none = true;
		return;
	}

	colon = memchr(s, ':', (size_t)(end - s));
	if (colon && parse_epoch(s, colon, &epoch) == EPOCH_OK) {
		out->epoch = epoch;
		s = colon + 1;
	}

	hyphen = last_of(s, '-', (size_t)(end - s));
	out->up = s;
	if (hyphen) {
		out->up_end = hyphen;
		out->rev = hyphen + 1;
		out->rev_end = end;
	} else {
		out->up_end = end;
		out->rev = end;
		out->rev_end = end;
	}
}

/*
 * dpkg's order(): digits (and the end) weigh 0, letters their ASCII code,
 * '~' -1 so it sorts before even the end, anything else its code + 256 so
 * punctuation sorts after letters. A byte >= 0x80 read through a signed
 * char becomes c - 256, and + 256 gives back its unsigned value.
 */
static int deb_order(int c)
{
	if (c == 0 || is_digit(c))
		return 0;
	if (is_alpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c >= 0x80)
		return c;
	return c + 256;
}

static int at(const char *p, const char *end)
{
	return p < end ? (unsigned char)*p : 0;
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * dpkg's verrevcmp() on ranges: alternate a non-digit run compared by
 * deb_order() and a digit run compared numerically (leading zeros skipped,
 * longer run wins, else the first differing digit).
 */
static int verrevcmp(const char *a, const char *ae, const char *b,
		     const char *be)
{
	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !is_digit(at(a, ae))) ||
		       (b < be && !is_digit(at(b, be)))) {
			int ac = deb_order(at(a, ae));
			int bc = deb_order(at(b, be));

			if (ac != bc)
				return sign(ac - bc);
			/* equal weights here mean neither side is at its end */
			a++;
			b++;
		}
		while (at(a, ae) == '0')
			a++;
		while (at(b, be) == '0')
			b++;
		while (is_digit(at(a, ae)) && is_digit(at(b, be))) {
			if (!first_diff)
				first_diff = at(a, ae) - at(b, be);
			a++;
			b++;
		}
		if (is_digit(at(a, ae)))
			return 1;
		if (is_digit(at(b, be)))
			return -1;
		if (first_diff)
			return sign(first_diff);
	}
	return 0;
}

int tp_deb_version_cmp(const char *a, const char *b)
{
	struct deb_parts pa;
	struct deb_parts pb;
	int rc;

	deb_split(a, &pa);
	deb_split(b, &pb);
	if (pa.none || pb.none)
		return (int)pb.none - (int)pa.none;
	if (pa.epoch != pb.epoch)
		return pa.epoch > pb.epoch ? 1 : -1;
	rc = verrevcmp(pa.up, pa.up_end, pb.up, pb.up_end);
	if (rc)
		return rc;
	return verrevcmp(pa.rev, pa.rev_end, pb.rev, pb.rev_end);
}

static int bad(struct tp_err *err, const char *what, size_t off)
{
	return tp_err_set(err, TP_EVERSION, "deb version: %s at offset %zu",
			  what, off);
}

static int warn_char(struct tp_err *err, const char *where, int c, size_t off)
{
	return tp_err_set(err, TP_EVERSION,
			  "deb version: invalid character 0x%02x in %s at "
			  "offset %zu" TP_VERSION_DPKG_WARN_SUFFIX,
			  (unsigned)c, where, off);
}

/*
 * parseversion() step by step, in its order, so that a string with two
 * problems gets the message dpkg would give. Offsets are from v[0].
 */
int tp_deb_version_check(const char *v, struct tp_err *err)
{
	const char *s = v;
	const char *end;
	const char *p;
	const char *colon;
	const char *hyphen;
	const char *up;
	unsigned long epoch = 0;

	while (is_blank((unsigned char)*s))
		s++;
	if (!*s)
		return bad(err, "version string is empty", (size_t)(s - v));
	end = s;
	while (*end && !is_blank((unsigned char)*end))
		end++;
	for (p = end; is_blank((unsigned char)*p); p++)
		;
	if (*p)
		return bad(err, "embedded blank", (size_t)(end - v));

	up = s;
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		switch (parse_epoch(s, colon, &epoch)) {
		case EPOCH_OK:
			break;
		case EPOCH_EMPTY:
			return bad(err, "epoch is empty", (size_t)(s - v));
		case EPOCH_NOT_NUMBER:
			return bad(err, "epoch is not a number",
				   (size_t)(s - v));
		case EPOCH_NEGATIVE:
			return bad(err, "epoch is negative", (size_t)(s - v));
		case EPOCH_TOO_BIG:
			return bad(err, "epoch is too big", (size_t)(s - v));
		}
		if (!colon[1])
			return bad(err, "nothing after the epoch colon",
				   (size_t)(colon - v));
		up = colon + 1;
	}

	hyphen = last_of(up, '-', (size_t)(end - up));
	if (hyphen && hyphen + 1 == end)
		return bad(err, "revision is empty", (size_t)(hyphen - v));
	if (!hyphen)
		hyphen = end;
	if (up == hyphen)
		return bad(err, "upstream version is empty", (size_t)(up - v));

	if (!is_digit((unsigned char)*up))
		return tp_err_set(err, TP_EVERSION,
				  "deb version: upstream version does not "
				  "start with a digit at offset %zu"
				  TP_VERSION_DPKG_WARN_SUFFIX,
				  (size_t)(up - v));
	for (p = up + 1; p < hyphen; p++) {
		int c = (unsigned char)*p;

		if (!is_digit(c) && !is_alpha(c) && !strchr(".-+~:", c))
			return warn_char(err, "upstream version", c,
					 (size_t)(p - v));
	}
	for (p = hyphen + (hyphen < end); p < end; p++) {
		int c = (unsigned char)*p;

		if (!is_digit(c) && !is_alpha(c) && !strchr(".+~", c))
			return warn_char(err, "revision", c, (size_t)(p - v));
	}
	return 0;
}
