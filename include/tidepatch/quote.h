/*
 * quote.h - the one place where an argv becomes a shell command line.
 *
 * Remote commands are built as argv and turned into a string here and
 * nowhere else, so there is exactly one function to audit for injection.
 */
#ifndef TIDEPATCH_QUOTE_H
#define TIDEPATCH_QUOTE_H

#include "tidepatch/buf.h"

/*
 * Append s to out as one POSIX sh word: wrapped in single quotes, with
 * each ' written as '\''. Any byte except NUL survives unchanged,
 * including newlines and shell metacharacters. Errors: those of
 * tp_buf_append.
 */
int tp_shell_quote(struct tp_buf *out, const char *s, struct tp_err *err);

/*
 * Append argv[0..argc) to out as a command line, each argument quoted
 * and separated by one space. argc 0 appends nothing.
 */
int tp_shell_quote_argv(struct tp_buf *out, const char *const *argv,
			size_t argc, struct tp_err *err);

#endif
