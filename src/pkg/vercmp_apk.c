/*
 * vercmp_apk.c - apk-tools version validation and comparison.
 *
 * Purpose: order and validate Alpine versions exactly as apk-tools 3.0's
 * apk_version_compare() and apk_version_validate() do. The grammar is
 *
 *	digits {.digits} [letter] {_suffix [digits]} [~hexhash] [-r digits]
 *
 * with suffixes alpha < beta < pre < rc < (none) < cvs < svn < git < hg
 * < p.
 *
 * Invariants: one lexer serves validation and comparison, so they cannot
 * drift apart; comparison walks both strings token by token and stops at
 * the first difference in value or in token kind, or at the first invalid
 * token. No allocation, inputs are read only.
 *
 * Trade-offs: numbers are accumulated modulo 2^64 like apk's
 * apk_blob_pull_uint(), so absurdly long digit runs compare as apk
 * compares them, not as arbitrary-precision numbers would. We follow
 * apk-tools 3.0 rather than 2.x (see version.h for how they differ): 3.0
 * is the maintained line and the only one with "~hash".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tidepatch/err.h"
#include "tidepatch/version.h"

/* Token kinds in the order apk ranks them when two versions diverge. */
enum apk_tok {
	TOK_INITIAL_DIGIT,
	TOK_DIGIT,
	TOK_LETTER,
	TOK_SUFFIX,
	TOK_SUFFIX_NO,
	TOK_COMMIT_HASH,
	TOK_REVISION_NO,
	TOK_END,
	TOK_INVALID,
};

/* Suffix ranks; below SUF_NONE is a pre-release. */
enum apk_suffix {
	SUF_INVALID,
	SUF_ALPHA,
	SUF_BETA,
	SUF_PRE,
	SUF_RC,
	SUF_NONE,
	SUF_CVS,
	SUF_SVN,
	SUF_GIT,
	SUF_HG,
	SUF_P,
};

struct apk_lex {
	const char *p, *end;	/* what is left to read */
	enum apk_tok tok;	/* the token just read */
	enum apk_suffix suffix;	/* for TOK_SUFFIX */
	uint64_t number;	/* for the digit tokens */
	const char *val;	/* the token's text (without its lead char) */
	size_t len;
	const char *why;	/* for TOK_INVALID: what is wrong */
	const char *where;	/* for TOK_INVALID: where */
};

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static void invalid(struct apk_lex *lx, const char *why, const char *where)
{
	lx->tok = TOK_INVALID;
	lx->why = why;
	lx->where = where;
}

static enum apk_suffix suffix_value(const char *s, size_t len)
{
	static const struct {
		const char *name;
		enum apk_suffix value;
	} tab[] = {
		{ "alpha", SUF_ALPHA }, { "beta", SUF_BETA },
		{ "pre", SUF_PRE }, { "rc", SUF_RC }, { "cvs", SUF_CVS },
		{ "svn", SUF_SVN }, { "git", SUF_GIT }, { "hg", SUF_HG },
		{ "p", SUF_P },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == len &&
		    memcmp(tab[i].name, s, len) == 0)
			return tab[i].value;
	return SUF_INVALID;
}

/* A digit run, as apk_blob_pull_uint(): wraps modulo 2^64, may be empty. */
static void lex_digits(struct apk_lex *lx, const char *what)
{
	uint64_t n = 0;

	lx->val = lx->p;
	while (lx->p < lx->end && is_digit((unsigned char)*lx->p))
		n = n * 10 + (uint64_t)(*lx->p++ - '0');
	lx->number = n;
	lx->len = (size_t)(lx->p - lx->val);
	if (lx->len == 0)
		invalid(lx, what, lx->p);
}

static void lex_first(struct apk_lex *lx, const char *s)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = s;
	lx->end = s + strlen(s);
	lx->tok = TOK_INITIAL_DIGIT;
	lex_digits(lx, "version does not start with a digit");
}

/* Read the next token; what may follow what is apk's token_next(). */
static void lex_next(struct apk_lex *lx)
{
	const char *start = lx->p;
	int c;

	if (lx->p == lx->end) {
		lx->tok = TOK_END;
		return;
	}
	c = (unsigned char)*lx->p;
	if (is_lower(c)) {
		if (lx->tok > TOK_DIGIT) {
			invalid(lx, "letter out of place", start);
			return;
		}
		lx->val = lx->p++;
		lx->len = 1;
		lx->tok = TOK_LETTER;
	} else if (c == '.' || is_digit(c)) {
		if (c == '.') {
			if (lx->tok > TOK_DIGIT) {
				invalid(lx, "'.' out of place", start);
				return;
			}
			lx->p++;
		}
		if (lx->tok == TOK_INITIAL_DIGIT || lx->tok == TOK_DIGIT) {
			lx->tok = TOK_DIGIT;
		} else if (lx->tok == TOK_SUFFIX) {
			lx->tok = TOK_SUFFIX_NO;
		} else {
			invalid(lx, "digit out of place", start);
			return;
		}
		lex_digits(lx, "missing number");
	} else if (c == '_') {
		if (lx->tok > TOK_SUFFIX_NO) {
			invalid(lx, "'_' out of place", start);
			return;
		}
		lx->val = ++lx->p;
		while (lx->p < lx->end && is_lower((unsigned char)*lx->p))
			lx->p++;
		lx->len = (size_t)(lx->p - lx->val);
		lx->suffix = suffix_value(lx->val, lx->len);
		if (lx->suffix == SUF_INVALID) {
			invalid(lx, "unknown suffix", start);
			return;
		}
		lx->tok = TOK_SUFFIX;
	} else if (c == '~') {
		if (lx->tok >= TOK_COMMIT_HASH) {
			invalid(lx, "'~' out of place", start);
			return;
		}
		lx->val = ++lx->p;
		while (lx->p < lx->end && is_hex((unsigned char)*lx->p))
			lx->p++;
		lx->len = (size_t)(lx->p - lx->val);
		if (lx->len == 0) {
			invalid(lx, "empty commit hash", start);
			return;
		}
		lx->tok = TOK_COMMIT_HASH;
	} else if (c == '-') {
		if (lx->tok >= TOK_REVISION_NO) {
			invalid(lx, "'-' out of place", start);
			return;
		}
		if (lx->end - lx->p < 2 || lx->p[1] != 'r') {
			invalid(lx, "'-' not followed by 'r'", start);
			return;
		}
		lx->p += 2;
		lx->tok = TOK_REVISION_NO;
		lex_digits(lx, "missing revision number");
	} else {
		invalid(lx, "invalid character", start);
	}
}

/* apk_blob_sort(): bytes, then the shorter first. */
static int text_cmp(const struct apk_lex *a, const struct apk_lex *b)
{
	int rc = memcmp(a->val, b->val, a->len < b->len ? a->len : b->len);

	if (rc)
		return rc < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

/* Two tokens of the same kind. */
static int token_cmp(const struct apk_lex *a, const struct apk_lex *b)
{
	uint64_t x, y;

	switch (a->tok) {
	case TOK_DIGIT:
		/* "1.05": a leading zero means a string compare (Gentoo) */
		if (a->val[0] == '0' || b->val[0] == '0')
			return text_cmp(a, b);
		/* fall through */
	case TOK_INITIAL_DIGIT:
	case TOK_SUFFIX_NO:
	case TOK_REVISION_NO:
		x = a->number;
		y = b->number;
		break;
	case TOK_LETTER:
		x = (unsigned char)a->val[0];
		y = (unsigned char)b->val[0];
		break;
	case TOK_SUFFIX:
		x = a->suffix;
		y = b->suffix;
		break;
	default:
		return text_cmp(a, b);
	}
	return (x > y) - (x < y);
}

static int apk_cmp(const char *a, const char *b, bool fuzzy)
{
	struct apk_lex la;
	struct apk_lex lb;

	lex_first(&la, a ? a : "");
	lex_first(&lb, b ? b : "");
	while (la.tok == lb.tok && la.tok < TOK_END) {
		int rc = token_cmp(&la, &lb);

		if (rc)
			return rc;
		lex_next(&la);
		lex_next(&lb);
	}
	if (la.tok == lb.tok)
		return 0;
	if (fuzzy && lb.tok == TOK_END)
		return 0;
	/* a longer version is newer, unless what it adds is a pre-release */
	if (la.tok == TOK_SUFFIX && la.suffix < SUF_NONE)
		return -1;
	if (lb.tok == TOK_SUFFIX && lb.suffix < SUF_NONE)
		return 1;
	return la.tok > lb.tok ? -1 : 1;
}

int tp_apk_version_cmp(const char *a, const char *b)
{
	return apk_cmp(a, b, false);
}

int tp_apk_version_fuzzy_cmp(const char *a, const char *b)
{
	return apk_cmp(a, b, true);
}

int tp_apk_version_check(const char *v, struct tp_err *err)
{
	struct apk_lex lx;

	for (lex_first(&lx, v); lx.tok < TOK_END; lex_next(&lx))
		;
	if (lx.tok == TOK_END)
		return 0;
	return tp_err_set(err, TP_EVERSION, "apk version: %s at offset %zu",
			  lx.why, (size_t)(lx.where - v));
}
