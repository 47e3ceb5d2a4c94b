/*
 * report_comp_text.c - escaping for the compliance writers.
 *
 * Every string in a compliance report came from a remote host (package
 * names, versions, error messages) or an advisory feed (ids, summaries):
 * hostile input. Each format gets one escaper here, so no writer builds
 * its own and none forgets a case. All of them decode UTF-8 strictly
 * (no overlongs, no surrogates, nothing past U+10FFFF): an invalid byte
 * is never copied, since XML parsers reject it, jansson refuses it and a
 * terminal may take it as part of an escape sequence.
 *
 * Trade-off: the replacement for a bad byte is U+FFFD in documents (the
 * reader sees that something was there) and '?' on a terminal (whose
 * encoding we do not know).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_comp_int.h"

static bool cont(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/* Length (1-4) of the valid UTF-8 sequence at s, its code point in *cp;
 * 0 for an invalid one. s is NUL-terminated, and NUL is no continuation
 * byte, so reading stops at the end. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf && cont(s[1], 0x80, 0xbf)) {
		*cp = (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;

		if (!cont(s[1], lo, hi) || !cont(s[2], 0x80, 0xbf))
			return 0;
		*cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		      (s[2] & 0x3f);
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;

		if (!cont(s[1], lo, hi) || !cont(s[2], 0x80, 0xbf) ||
		    !cont(s[3], 0x80, 0xbf))
			return 0;
		*cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return 4;
	}
	return 0;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/* The XML 1.0 Char production (surrogates never decode; U+FFFE and
 * U+FFFF are caught before), minus the discouraged controls DEL and C1:
 * allowed, but a CI log viewer may act on them. */
static bool xml_ok(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || !is_control(cp);
}

static const char REPLACEMENT[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Markdown and GitLab act on these inline (emphasis, code, links,
 * tables, strikethrough, references, mentions, math); a backslash before
 * ASCII punctuation makes it literal in CommonMark. Data never starts a
 * line, so line-start syntax (- + 1. >) needs nothing. */
static const char MD_PUNCT[] = "\\`*_{}[]()#!|~@$^";

/* U+FFFE and U+FFFF: XML forbids them and no format wants them. */
static bool nonchar(uint32_t cp)
{
	return cp == 0xfffe || cp == 0xffff;
}

/* Write the character <s, len> (code point cp; ok false: invalid, to be
 * replaced) for mode. */
static int put_char(struct tp_buf *out, const unsigned char *s, size_t len,
		    uint32_t cp, bool ok, enum tp_rc_esc mode,
		    struct tp_err *err)
{
	const char *ent = NULL;
	char ref[16];

	switch (mode) {
	case TP_RC_UTF8:
		if (!ok)
			return tp_buf_puts(out, REPLACEMENT, err);
		break;
	case TP_RC_TERM:
		if (!ok || is_control(cp))
			return tp_buf_puts(out, "?", err);
		break;
	case TP_RC_XML_TEXT:
	case TP_RC_XML_ATTR:
		if (!ok || !xml_ok(cp))
			return tp_buf_puts(out, REPLACEMENT, err);
		switch (cp) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		case '\r': ent = "&#13;"; break; /* else read as LF */
		case '\t':
		case '\n':
			if (mode == TP_RC_XML_ATTR) {
				snprintf(ref, sizeof(ref), "&#%u;",
					 (unsigned)cp);
				ent = ref;
			}
			break;
		default: break;
		}
		if (ent)
			return tp_buf_puts(out, ent, err);
		break;
	case TP_RC_MD:
		if (!ok)
			return tp_buf_puts(out, REPLACEMENT, err);
		if (is_control(cp))
			return tp_buf_puts(out, " ", err);
		if (cp == '&')
			return tp_buf_puts(out, "&amp;", err);
		if (cp == '<')
			return tp_buf_puts(out, "&lt;", err);
		if (cp == '>')
			return tp_buf_puts(out, "&gt;", err);
		if (cp < 0x80 && strchr(MD_PUNCT, (int)cp)) {
			int rc = tp_buf_puts(out, "\\", err);

			if (rc)
				return rc;
		}
		break;
	}
	return tp_buf_append(out, s, len, err);
}

int tp_rc_put_text(struct tp_buf *out, const char *s, enum tp_rc_esc mode,
		   struct tp_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = 0;

	while (p && *p && !rc) {
		uint32_t cp = 0xfffd;
		size_t len = utf8_decode(p, &cp);
		bool ok = len && !nonchar(cp);

		rc = put_char(out, p, len, cp, ok, mode, err);
		p += len ? len : 1;
	}
	return rc;
}

size_t tp_rc_term_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (p && *p) {
		uint32_t cp;
		size_t len = utf8_decode(p, &cp);

		p += len ? len : 1;
		w++;
	}
	return w;
}

json_t *tp_rc_json_str(const char *s)
{
	struct tp_buf b;
	json_t *j;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	/* jansson refuses invalid UTF-8: repair, then try once more. */
	tp_buf_init(&b, strlen(s) * 3 + 1);
	if (tp_rc_put_text(&b, s, TP_RC_UTF8, NULL)) {
		tp_buf_release(&b);
		return NULL;
	}
	j = json_string(b.data ? b.data : "");
	tp_buf_release(&b);
	return j;
}
