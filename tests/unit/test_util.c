/*
 * test_util.c - the error slot, bounded buffers, line iteration, quoting.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tidepatch/buf.h"
#include "tidepatch/err.h"
#include "tidepatch/quote.h"

Test(err, set_returns_code_and_formats_message)
{
	struct tp_err err;

	tp_err_clear(&err);
	cr_assert_eq(tp_err_set(&err, TP_EPARSE, "line %d", 7), TP_EPARSE);
	cr_assert_eq(err.code, TP_EPARSE);
	cr_assert_str_eq(err.msg, "line 7");
}

Test(err, sys_appends_strerror)
{
	struct tp_err err;

	tp_err_sys(&err, TP_EIO, 2, "open %s", "x");
	cr_assert_str_eq(err.msg, "open x: No such file or directory");
	cr_assert_eq(err.sys_errno, 2);
}

Test(err, prefix_keeps_code_and_adds_context)
{
	struct tp_err err;

	tp_err_set(&err, TP_ETIMEOUT, "timed out");
	cr_assert_eq(tp_err_prefix(&err, "web1: %s", "updates"), TP_ETIMEOUT);
	cr_assert_str_eq(err.msg, "web1: updates: timed out");
}

Test(err, long_message_is_truncated_visibly)
{
	struct tp_err err;
	char big[2 * TP_ERR_MSG_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tp_err_set(&err, TP_EINVAL, "%s", big);
	cr_assert_eq(strlen(err.msg), TP_ERR_MSG_MAX - 1);
	cr_assert_str_eq(err.msg + TP_ERR_MSG_MAX - 4, "...");
}

Test(err, null_slot_is_allowed)
{
	cr_assert_eq(tp_err_set(NULL, TP_ENOMEM, "x"), TP_ENOMEM);
}

Test(err, every_code_has_a_name_and_text)
{
	int c;

	for (c = TP_OK; c >= TP_EBECOME; c--) {
		cr_assert_str_neq(tp_errname(c), "unknown", "code %d", c);
		cr_assert_str_neq(tp_strerror(c), "unknown error", "code %d", c);
	}
	cr_assert_str_eq(tp_errname(-9999), "unknown");
}

Test(buf, append_up_to_exactly_max_succeeds)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 8);
	cr_assert_eq(tp_buf_append(&b, "12345678", 8, &err), 0);
	cr_assert_eq(b.len, 8);
	cr_assert_str_eq(b.data, "12345678");
	tp_buf_release(&b);
}

Test(buf, append_past_max_fails_and_leaves_buffer_unchanged)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 8);
	cr_assert_eq(tp_buf_append(&b, "1234", 4, &err), 0);
	cr_assert_eq(tp_buf_append(&b, "56789", 5, &err), TP_ETOOBIG);
	cr_assert_eq(b.len, 4);
	cr_assert_str_eq(b.data, "1234");
	cr_assert_eq(tp_buf_printf(&b, &err, "%s", "56789"), TP_ETOOBIG);
	cr_assert_eq(b.len, 4);
	tp_buf_release(&b);
}

Test(buf, empty_buffer_detaches_as_empty_string)
{
	struct tp_buf b;
	char *s;

	tp_buf_init(&b, 8);
	s = tp_buf_detach(&b);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(buf, grows_across_many_appends)
{
	struct tp_buf b;
	struct tp_err err;
	int i;

	tp_buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		cr_assert_eq(tp_buf_printf(&b, &err, "%04d", i % 10000), 0);
	cr_assert_eq(b.len, 40000);
	cr_assert_eq(memcmp(b.data + 39996, "9999", 4), 0);
	tp_buf_release(&b);
}

Test(lines, returns_last_line_without_newline)
{
	struct tp_lines it;
	const char *l;
	size_t n;

	tp_lines_init(&it, "a\n\nbc", 5);
	cr_assert(tp_lines_next(&it, &l, &n));
	cr_assert_eq(n, 1);
	cr_assert(tp_lines_next(&it, &l, &n));
	cr_assert_eq(n, 0);
	cr_assert(tp_lines_next(&it, &l, &n));
	cr_assert_eq(n, 2);
	cr_assert_eq(memcmp(l, "bc", 2), 0);
	cr_assert_eq(it.lineno, 3);
	cr_assert_not(tp_lines_next(&it, &l, &n));
}

Test(lines, empty_input_has_no_lines)
{
	struct tp_lines it;
	const char *l;
	size_t n;

	tp_lines_init(&it, "", 0);
	cr_assert_not(tp_lines_next(&it, &l, &n));
	tp_lines_init(&it, NULL, 0);
	cr_assert_not(tp_lines_next(&it, &l, &n));
}

/*
 * Run `sh -c "printf '%s\n' <quoted>"` and check the shell saw exactly
 * the original bytes: the only proof that matters for a quoting function.
 */
static void assert_shell_roundtrip(const char *arg)
{
	struct tp_buf cmd;
	struct tp_err err;
	char out[4096];
	size_t len = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	tp_buf_init(&cmd, 8192);
	cr_assert_eq(tp_buf_puts(&cmd, "printf '%s' ", &err), 0);
	cr_assert_eq(tp_shell_quote(&cmd, arg, &err), 0);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		execl("/bin/sh", "sh", "-c", cmd.data, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	out[len] = '\0';
	cr_assert_eq(WEXITSTATUS(status), 0, "sh failed on %s", cmd.data);
	cr_assert_str_eq(out, arg, "quoted as %s", cmd.data);
	tp_buf_release(&cmd);
}

Test(quote, hostile_strings_survive_the_shell_unchanged)
{
	static const char *const cases[] = {
		"plain", "", "'", "''", "a'b", "$(touch /tmp/tp-pwned)",
		"`id`", "; rm -rf /", "a b\tc", "line1\nline2", "\\", "\\'",
		"\"$HOME\"", "*", "~root", "-n", "--", "!", "&&", "|", ">x",
		"'\"'\"'", "\x01\x7f\xff", "%s%n",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_shell_roundtrip(cases[i]);
	cr_assert_eq(access("/tmp/tp-pwned", F_OK), -1);
}

Test(quote, argv_is_space_separated_words)
{
	const char *argv[] = { "apt-get", "install", "a b", "it's" };
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 1024);
	cr_assert_eq(tp_shell_quote_argv(&b, argv, 4, &err), 0);
	cr_assert_str_eq(b.data,
			 "'apt-get' 'install' 'a b' 'it'\\''s'");
	tp_buf_release(&b);
}

Test(quote, respects_the_buffer_limit)
{
	struct tp_buf b;
	struct tp_err err;

	tp_buf_init(&b, 5);
	cr_assert_eq(tp_shell_quote(&b, "abc", &err), 0); /* 'abc' = 5 */
	tp_buf_clear(&b);
	cr_assert_eq(tp_shell_quote(&b, "abcd", &err), TP_ETOOBIG);
	tp_buf_release(&b);
}
