/*
 * quote.c - shell quoting.
 *
 * Single quotes are the only POSIX sh quoting with no special characters
 * inside, so the rule is total and easy to prove: close the quote, emit an
 * escaped quote, reopen. Words that are plainly safe are still quoted:
 * uniform output is easier to audit than a clever minimum.
 */
#include <string.h>

#include "tidepatch/quote.h"

int tp_shell_quote(struct tp_buf *out, const char *s, struct tp_err *err)
{
	const char *q;
	int rc;

	if ((rc = tp_buf_append(out, "'", 1, err)))
		return rc;
	while ((q = strchr(s, '\'')) != NULL) {
		if ((rc = tp_buf_append(out, s, (size_t)(q - s), err)) ||
		    (rc = tp_buf_append(out, "'\\''", 4, err)))
			return rc;
		s = q + 1;
	}
	if ((rc = tp_buf_puts(out, s, err)))
		return rc;
	return tp_buf_append(out, "'", 1, err);
}

int tp_shell_quote_argv(struct tp_buf *out, const char *const *argv,
			size_t argc, struct tp_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < argc; i++) {
		if (i && (rc = tp_buf_append(out, " ", 1, err)))
			return rc;
		if ((rc = tp_shell_quote(out, argv[i], err)))
			return rc;
	}
	return 0;
}
