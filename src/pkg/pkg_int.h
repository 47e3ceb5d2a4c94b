/*
 * pkg_int.h - character tests the apt parsers and command builders
 * share (pkg_apt.c, pkg_apt_ops.c). Not installed. Locale-free on
 * purpose: remote output is bytes, not text in the controller's locale.
 */
#ifndef TIDEPATCH_PKG_INT_H
#define TIDEPATCH_PKG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static inline bool pkg_is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static inline bool pkg_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* strchr(set, c) would also match the NUL that ends set. */
static inline bool pkg_in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Offset of the first control character (C0 or DEL), or -1. */
static inline long pkg_find_ctl(const char *p, size_t len, bool allow_tab)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\t' && allow_tab)
			continue;
		if (c < 0x20 || c == 0x7f)
			return (long)i;
	}
	return -1;
}

#endif
