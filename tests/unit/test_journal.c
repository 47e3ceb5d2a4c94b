/*
 * test_journal.c - the rollout journal: append and replay, torn last
 * lines, the in-doubt step, rollback data, run listing, host locks
 * between processes (and after SIGKILL), and a crash simulation that
 * kills an appending process at random points.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "tidepatch/journal.h"

static char dir[64];
static char runs[128];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tp-journal-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(runs, sizeof(runs), "%s/runs", dir);
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(journal, .init = mkdir_tmp, .fini = rm_tmp, .timeout = 120);

#define REC(seq, host, step, kind)                                         \
	"{\"seq\":" #seq ",\"time\":\"2026-11-22T12:00:00Z\",\"host\":"     \
	host ",\"step\":\"" step "\",\"kind\":\"" kind "\",\"data\":{}}\n"

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* The path of a journal written by hand. */
static const char *journal_with(const char *text)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	write_text(path, text, strlen(text));
	return path;
}

static struct tp_journal *new_run(time_t created)
{
	static const char *const hosts[] = { "web1", "web2", "db1" };
	struct tp_run_info info = {
		.created = created,
		.plan_digest = "sha256:00ff",
		.playbook_path = "playbooks/web.json",
		.playbook_commit = "0123456789abcdef0123456789abcdef01234567",
		.inventory_path = "inventory",
		.inventory_commit = NULL,
		.command = "tidepatch apply playbooks/web.json",
		.hosts = hosts,
		.n_hosts = 3,
	};
	struct tp_journal *j = NULL;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_journal_create(&j, runs, &info, &err), 0, "%s",
		     err.msg);
	return j;
}

static void append(struct tp_journal *j, const char *host, const char *step,
		   enum tp_journal_kind kind, json_t *data)
{
	struct tp_err err = { 0 };

	cr_assert_eq(tp_journal_append(j, host, step, kind, data, &err), 0,
		     "%s", err.msg);
	json_decref(data);
}

static char *journal_path(const struct tp_journal *j)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/journal.jsonl", tp_journal_dir(j));
	return path;
}

static off_t file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	return st.st_size;
}

/* ---- append and replay ---- */

Test(journal, appended_records_replay_in_order_with_every_field)
{
	struct tp_journal *j = new_run(0);
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char path[256];

	append(j, NULL, "run", TP_JOURNAL_INTENT, NULL);
	append(j, "web1", "apply", TP_JOURNAL_INTENT,
	       json_pack("{s:{s:s}}", "before", "openssl", "3.0.11-1"));
	append(j, "web1", "apply", TP_JOURNAL_DONE,
	       json_pack("{s:{s:s}}", "after", "openssl", "3.0.13-1"));
	snprintf(path, sizeof(path), "%s", journal_path(j));
	tp_journal_free(j);

	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_eq(st->n_records, 3);
	cr_assert_eq(st->last_seq, 3);
	cr_assert_not(st->torn);
	cr_assert_eq(st->good_size, (uint64_t)file_size(path));
	cr_assert_eq(st->records[0].seq, 1);
	cr_assert_null(st->records[0].host);
	cr_assert_str_eq(st->records[0].step, "run");
	cr_assert_eq(st->records[1].kind, TP_JOURNAL_INTENT);
	cr_assert_str_eq(st->records[1].host, "web1");
	cr_assert_str_eq(st->records[2].step, "apply");
	cr_assert_eq(st->records[2].kind, TP_JOURNAL_DONE);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 st->records[2].data, "after"), "openssl")),
			 "3.0.13-1");
	cr_assert_eq(st->n_hosts, 1);
	cr_assert_str_eq(st->hosts[0].name, "web1");
	cr_assert_eq(strlen(st->records[1].time), 20);
	tp_journal_state_free(st);
}

Test(journal, a_record_is_in_the_file_when_append_returns)
{
	struct tp_journal *j = new_run(0);
	char buf[4096];
	ssize_t n;
	int fd;

	append(j, "web1", "stage", TP_JOURNAL_INTENT,
	       json_pack("{s:s}", "sha256", "ab12"));
	/* a descriptor of our own, while the writer still has the file */
	fd = open(journal_path(j), O_RDONLY);
	cr_assert_geq(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(!strncmp(buf, "{\"seq\":1,\"time\":\"", 17), "%s", buf);
	cr_assert(strstr(buf, ",\"host\":\"web1\",\"step\":\"stage\","
			      "\"kind\":\"intent\",\"data\":{\"sha256\":"
			      "\"ab12\"}}\n"), "%s", buf);
	cr_assert_eq(strchr(buf, '\n') - buf, n - 1, "one line: %s", buf);
	tp_journal_free(j);
}

Test(journal, the_writers_state_follows_each_append)
{
	struct tp_journal *j = new_run(0);
	const struct tp_journal_state *st = tp_journal_state(j);

	cr_assert_eq(st->n_records, 0);
	append(j, "web2", "precheck", TP_JOURNAL_INTENT, NULL);
	cr_assert_str_eq(tp_journal_in_doubt(tp_journal_state(j), "web2"),
			 "precheck");
	append(j, "web2", "precheck", TP_JOURNAL_DONE, NULL);
	st = tp_journal_state(j);
	cr_assert_eq(st->n_records, 2);
	cr_assert_null(tp_journal_in_doubt(st, "web2"));
	cr_assert(tp_journal_step_done(st, "web2", "precheck"));
	tp_journal_free(j);
}

/* ---- torn and bad lines ---- */

Test(journal, a_last_line_without_newline_is_torn_and_ignored)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	const char *path = journal_with(
		REC(1, "\"web1\"", "apply", "intent")
		REC(2, "\"web1\"", "apply", "done")
		"{\"seq\":3,\"time\":\"2026-11-22T12:0");

	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_eq(st->n_records, 2);
	cr_assert(st->torn);
	cr_assert_eq(st->torn_line, 3);
	cr_assert_eq(st->torn_bytes,
		     strlen("{\"seq\":3,\"time\":\"2026-11-22T12:0"));
	cr_assert_eq(st->good_size,
		     strlen(REC(1, "\"web1\"", "apply", "intent")
			    REC(2, "\"web1\"", "apply", "done")));
	cr_assert(tp_journal_step_done(st, "web1", "apply"));
	tp_journal_state_free(st);
}

Test(journal, a_complete_record_without_its_newline_is_still_torn)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char text[512];

	/* the write stopped just before "\n": the append never returned,
	 * so the engine never acted on it */
	snprintf(text, sizeof(text), "%s%s", REC(1, "null", "run", "intent"),
		 REC(2, "\"web1\"", "apply", "intent"));
	text[strlen(text) - 1] = '\0';
	cr_assert_eq(tp_journal_replay(&st, journal_with(text), &err), 0);
	cr_assert_eq(st->n_records, 1);
	cr_assert(st->torn);
	cr_assert_null(tp_journal_host_state(st, "web1"));
	tp_journal_state_free(st);
}

Test(journal, a_last_line_of_zeros_is_torn)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char text[512], path[256];
	size_t n;

	/* what some filesystems leave after a crash: the size grew, the
	 * data did not arrive */
	n = (size_t)snprintf(text, sizeof(text), "%s",
			     REC(1, "\"web1\"", "apply", "intent"));
	memset(text + n, 0, 40);
	text[n + 40] = '\n';
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	write_text(path, text, n + 41);
	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_eq(st->n_records, 1);
	cr_assert(st->torn);
	cr_assert_eq(st->torn_line, 2);
	cr_assert_eq(st->torn_bytes, 40);
	tp_journal_state_free(st);
}

Test(journal, a_bad_line_in_the_middle_is_an_error_with_its_line_number)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	const char *path = journal_with(
		REC(1, "\"web1\"", "apply", "intent")
		"{\"seq\":2,\"time\":\n"
		REC(3, "\"web1\"", "apply", "done"));

	cr_assert_eq(tp_journal_replay(&st, path, &err), TP_EPARSE);
	cr_assert_null(st);
	cr_assert(strstr(err.msg, "journal.jsonl:2: "), "%s", err.msg);
}

Test(journal, a_bad_line_followed_by_a_torn_one_is_an_error)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	const char *path = journal_with(
		REC(1, "\"web1\"", "apply", "intent")
		"not json\n"
		"{\"seq\":3,");

	cr_assert_eq(tp_journal_replay(&st, path, &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "journal.jsonl:2: "), "%s", err.msg);
}

Test(journal, an_empty_line_in_the_middle_is_an_error)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	const char *path = journal_with(REC(1, "\"web1\"", "apply", "intent")
					"\n"
					REC(2, "\"web1\"", "apply", "done"));

	cr_assert_eq(tp_journal_replay(&st, path, &err), TP_EPARSE);
	cr_assert(strstr(err.msg, "journal.jsonl:2: "), "%s", err.msg);
}

Test(journal, json_that_is_not_a_record_is_an_error_even_on_the_last_line)
{
	static const char *const bad[] = {
		"[1]\n",
		"{\"seq\":0,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"note\",\"data\":{}}\n",
		"{\"seq\":2,\"time\":\"yesterday\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"note\",\"data\":{}}\n",
		"{\"seq\":2,\"time\":\"2026-11-22T12:00:00Z\",\"host\":\"\","
		"\"step\":\"run\",\"kind\":\"note\",\"data\":{}}\n",
		"{\"seq\":2,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"a b\",\"kind\":\"note\",\"data\":{}}\n",
		"{\"seq\":2,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"maybe\",\"data\":{}}\n",
		"{\"seq\":2,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"note\",\"data\":[]}\n",
		"{\"seq\":2,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"note\"}\n",
		/* seq must increase */
		"{\"seq\":1,\"time\":\"2026-11-22T12:00:00Z\",\"host\":null,"
		"\"step\":\"run\",\"kind\":\"note\",\"data\":{}}\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_journal_state *st = NULL;
		struct tp_err err = { 0 };
		char text[1024];

		snprintf(text, sizeof(text), "%s%s",
			 REC(1, "null", "run", "intent"), bad[i]);
		cr_assert_eq(tp_journal_replay(&st, journal_with(text), &err),
			     TP_EPARSE, "case %zu", i);
		cr_assert(strstr(err.msg, "journal.jsonl:2: "), "case %zu: %s",
			  i, err.msg);
	}
}

Test(journal, an_overlong_line_in_the_middle_is_too_big)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char path[256];
	char *text = malloc(TP_JOURNAL_LINE_MAX + 200);
	size_t n;

	cr_assert_not_null(text);
	memset(text, 'x', TP_JOURNAL_LINE_MAX);
	text[TP_JOURNAL_LINE_MAX] = '\n';
	n = TP_JOURNAL_LINE_MAX + 1;
	memcpy(text + n, REC(2, "null", "run", "note"),
	       strlen(REC(2, "null", "run", "note")));
	n += strlen(REC(2, "null", "run", "note"));
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	write_text(path, text, n);
	cr_assert_eq(tp_journal_replay(&st, path, &err), TP_ETOOBIG);
	cr_assert(strstr(err.msg, "journal.jsonl:1: "), "%s", err.msg);
	/* the same line last, unterminated: torn */
	write_text(path, text, TP_JOURNAL_LINE_MAX);
	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert(st->torn);
	cr_assert_eq(st->torn_bytes, TP_JOURNAL_LINE_MAX);
	tp_journal_state_free(st);
	free(text);
}

Test(journal, an_empty_journal_has_no_records_and_a_missing_one_is_not_found)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char path[256];

	cr_assert_eq(tp_journal_replay(&st, journal_with(""), &err), 0);
	cr_assert_eq(st->n_records, 0);
	cr_assert_eq(st->last_seq, 0);
	cr_assert_not(st->torn);
	tp_journal_state_free(st);
	snprintf(path, sizeof(path), "%s/none.jsonl", dir);
	cr_assert_eq(tp_journal_replay(&st, path, &err), TP_ENOTFOUND);
}

Test(journal, reopening_cuts_a_torn_tail_and_continues_the_sequence)
{
	struct tp_journal *j = new_run(0);
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char run_id[TP_RUN_ID_SIZE], path[256];
	const json_t *note;
	int fd;

	snprintf(run_id, sizeof(run_id), "%s", tp_journal_run_id(j));
	snprintf(path, sizeof(path), "%s", journal_path(j));
	append(j, "web1", "apply", TP_JOURNAL_INTENT, NULL);
	tp_journal_free(j);
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "{\"seq\":2,\"ti", 12), 12);
	close(fd);

	cr_assert_eq(tp_journal_open(&j, runs, run_id, &err), 0, "%s",
		     err.msg);
	note = tp_journal_step_data(tp_journal_state(j), NULL, "journal",
				    TP_JOURNAL_NOTE);
	cr_assert_not_null(note);
	cr_assert_eq(json_integer_value(json_object_get(note, "torn_line")),
		     2);
	cr_assert_eq(json_integer_value(json_object_get(note, "torn_bytes")),
		     12);
	append(j, "web1", "apply", TP_JOURNAL_DONE, NULL);
	tp_journal_free(j);

	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_not(st->torn);
	cr_assert_eq(st->n_records, 3);
	cr_assert_eq(st->records[1].seq, 2);
	cr_assert_str_eq(st->records[1].step, "journal");
	cr_assert_eq(st->records[2].seq, 3);
	cr_assert(tp_journal_step_done(st, "web1", "apply"));
	tp_journal_state_free(st);
}

/* ---- what resume and rollback ask ---- */

Test(journal, an_intent_without_outcome_is_in_doubt_and_notes_change_nothing)
{
	struct tp_journal *j = new_run(0);
	const struct tp_journal_state *st;
	const struct tp_journal_host *h;

	append(j, "web1", "stage", TP_JOURNAL_INTENT, NULL);
	append(j, "web1", "stage", TP_JOURNAL_DONE, NULL);
	append(j, "web1", "apply", TP_JOURNAL_INTENT, NULL);
	append(j, "web1", "apply", TP_JOURNAL_NOTE,
	       json_pack("{s:s}", "message", "dpkg is slow"));
	append(j, "web2", "stage", TP_JOURNAL_INTENT, NULL);
	append(j, "web2", "stage", TP_JOURNAL_FAILED,
	       json_pack("{s:s}", "message", "no space left"));
	st = tp_journal_state(j);

	cr_assert_str_eq(tp_journal_in_doubt(st, "web1"), "apply");
	cr_assert_eq(tp_journal_step_last(st, "web1", "apply"),
		     TP_JOURNAL_INTENT);
	cr_assert_not(tp_journal_step_done(st, "web1", "apply"));
	cr_assert(tp_journal_step_done(st, "web1", "stage"));
	cr_assert_str_eq(tp_journal_last_done(st, "web1"), "stage");
	cr_assert_null(tp_journal_in_doubt(st, "web2"));
	cr_assert_eq(tp_journal_step_last(st, "web2", "stage"),
		     TP_JOURNAL_FAILED);
	cr_assert_null(tp_journal_last_done(st, "web2"));
	cr_assert_eq(tp_journal_step_last(st, "web2", "apply"),
		     TP_JOURNAL_NONE);
	cr_assert_eq(tp_journal_step_last(st, "db1", "stage"),
		     TP_JOURNAL_NONE);
	cr_assert_null(tp_journal_host_state(st, "db1"));
	h = tp_journal_host_state(st, "web2");
	cr_assert_not_null(h);
	cr_assert_str_eq(h->steps[h->last_failed].name, "stage");

	/* the outcome ends the doubt */
	append(j, "web1", "apply", TP_JOURNAL_DONE, NULL);
	cr_assert_null(tp_journal_in_doubt(tp_journal_state(j), "web1"));
	cr_assert_str_eq(tp_journal_last_done(tp_journal_state(j), "web1"),
			 "apply");
	tp_journal_free(j);
}

Test(journal, a_second_intent_after_an_outcome_is_in_doubt_again)
{
	struct tp_journal *j = new_run(0);

	append(j, "web1", "verify", TP_JOURNAL_INTENT, NULL);
	append(j, "web1", "verify", TP_JOURNAL_FAILED, NULL);
	append(j, "web1", "verify", TP_JOURNAL_INTENT, NULL);
	cr_assert_str_eq(tp_journal_in_doubt(tp_journal_state(j), "web1"),
			 "verify");
	cr_assert_eq(tp_journal_step(tp_journal_state(j), "web1", "verify")
			     ->count[TP_JOURNAL_INTENT], 2);
	tp_journal_free(j);
}

Test(journal, rollback_finds_the_versions_of_the_first_apply_intent)
{
	struct tp_journal *j = new_run(0);
	const struct tp_journal_state *st;
	const json_t *first, *latest, *done;

	append(j, "web1", "apply", TP_JOURNAL_INTENT,
	       json_pack("{s:{s:s, s:s}}", "before", "openssl", "3.0.11-1",
			 "libssl3", "3.0.11-1"));
	/* crash; resume found the host half-applied and tried again */
	append(j, "web1", "apply", TP_JOURNAL_INTENT,
	       json_pack("{s:{s:s, s:s}}", "before", "openssl", "3.0.13-1",
			 "libssl3", "3.0.11-1"));
	append(j, "web1", "apply", TP_JOURNAL_DONE,
	       json_pack("{s:{s:s, s:s}}", "after", "openssl", "3.0.13-1",
			 "libssl3", "3.0.13-1"));
	st = tp_journal_state(j);
	first = tp_journal_step_first_data(st, "web1", "apply",
					   TP_JOURNAL_INTENT);
	latest = tp_journal_step_data(st, "web1", "apply", TP_JOURNAL_INTENT);
	done = tp_journal_step_data(st, "web1", "apply", TP_JOURNAL_DONE);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 first, "before"), "openssl")), "3.0.11-1");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 latest, "before"), "openssl")), "3.0.13-1");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 done, "after"), "libssl3")), "3.0.13-1");
	cr_assert_null(tp_journal_step_data(st, "web1", "apply",
					    TP_JOURNAL_FAILED));
	cr_assert_null(tp_journal_step_data(st, "web2", "apply",
					    TP_JOURNAL_INTENT));
	tp_journal_free(j);
}

Test(journal, the_state_keeps_a_copy_of_the_data_not_the_callers_object)
{
	struct tp_journal *j = new_run(0);
	struct tp_err err = { 0 };
	json_t *data = json_pack("{s:s}", "v", "1");

	cr_assert_eq(tp_journal_append(j, "web1", "backup", TP_JOURNAL_DONE,
				       data, &err), 0);
	json_object_set_new(data, "v", json_string("changed"));
	cr_assert_str_eq(json_string_value(json_object_get(
				 tp_journal_step_data(tp_journal_state(j),
						      "web1", "backup",
						      TP_JOURNAL_DONE), "v")),
			 "1");
	json_decref(data);
	tp_journal_free(j);
}

Test(journal, bad_records_are_refused_before_anything_is_written)
{
	struct tp_journal *j = new_run(0);
	struct tp_err err = { 0 };
	json_t *arr = json_array();
	off_t size = file_size(journal_path(j));

	cr_assert_eq(tp_journal_append(j, "web1", "", TP_JOURNAL_DONE, NULL,
				       &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web1", "a/b", TP_JOURNAL_DONE,
				       NULL, &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web1", NULL, TP_JOURNAL_DONE, NULL,
				       &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web1", "apply", TP_JOURNAL_NONE,
				       NULL, &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web1", "apply",
				       (enum tp_journal_kind)9, NULL, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "", "apply", TP_JOURNAL_DONE, NULL,
				       &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web\xff", "apply", TP_JOURNAL_DONE,
				       NULL, &err), TP_EINVAL);
	cr_assert_eq(tp_journal_append(j, "web1", "apply", TP_JOURNAL_DONE,
				       arr, &err), TP_EINVAL);
	cr_assert_eq(file_size(journal_path(j)), size);
	cr_assert_eq(tp_journal_state(j)->last_seq, 0);
	json_decref(arr);
	tp_journal_free(j);
}

Test(journal, a_record_of_exactly_the_line_limit_is_kept_and_one_more_refused)
{
	struct tp_journal *j = new_run(0);
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	char path[256];
	size_t base, pad;
	char *s;
	off_t before;

	snprintf(path, sizeof(path), "%s", journal_path(j));
	append(j, "web1", "stage", TP_JOURNAL_NOTE,
	       json_pack("{s:s}", "pad", ""));
	/* the same record with seq 2 has the same length: pad fills it */
	base = (size_t)file_size(path);
	pad = TP_JOURNAL_LINE_MAX - base;
	s = malloc(pad + 2);
	cr_assert_not_null(s);
	memset(s, 'p', pad + 1);
	s[pad] = '\0';
	append(j, "web1", "stage", TP_JOURNAL_NOTE,
	       json_pack("{s:s}", "pad", s));
	cr_assert_eq((size_t)file_size(path), base + TP_JOURNAL_LINE_MAX);

	before = file_size(path);
	s[pad] = 'p';
	s[pad + 1] = '\0';
	{
		json_t *big = json_pack("{s:s}", "pad", s);

		cr_assert_eq(tp_journal_append(j, "web1", "stage",
					       TP_JOURNAL_NOTE, big, &err),
			     TP_ETOOBIG);
		json_decref(big);
	}
	cr_assert(strstr(err.msg, "web1"), "%s", err.msg);
	cr_assert_eq(file_size(path), before);
	cr_assert_eq(tp_journal_state(j)->last_seq, 2);
	/* and the journal goes on */
	append(j, "web1", "stage", TP_JOURNAL_DONE, NULL);
	tp_journal_free(j);
	free(s);

	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_eq(st->n_records, 3);
	cr_assert_eq(st->records[2].seq, 3);
	tp_journal_state_free(st);
}

Test(journal, a_write_that_fails_half_way_leaves_no_fragment)
{
	struct tp_journal *j = new_run(0);
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	struct rlimit old, lim;
	char path[256], pad[4096];
	json_t *data;
	off_t size;
	int rc;

	snprintf(path, sizeof(path), "%s", journal_path(j));
	append(j, "web1", "apply", TP_JOURNAL_INTENT, NULL);
	size = file_size(path);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	data = json_pack("{s:s}", "pad", pad);
	/* the file may grow 100 bytes: the write stops part-way (EFBIG) */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 100;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	rc = tp_journal_append(j, "web1", "apply", TP_JOURNAL_DONE, data, &err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	json_decref(data);
	cr_assert_eq(rc, TP_EIO, "%s", err.msg);
	cr_assert_eq(err.sys_errno, EFBIG);
	cr_assert_eq(file_size(path), size, "the fragment was cut off");
	cr_assert_eq(tp_journal_state(j)->last_seq, 1);
	/* nothing is in doubt about the file: appending goes on */
	append(j, "web1", "apply", TP_JOURNAL_DONE, NULL);
	tp_journal_free(j);
	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert_not(st->torn);
	cr_assert_eq(st->n_records, 2);
	cr_assert_eq(st->records[1].seq, 2);
	tp_journal_state_free(st);
}

/* ---- runs: header, listing, views ---- */

Test(journal, the_run_header_is_written_once_and_reads_back)
{
	/* 1795348800: 2026-11-22T12:00:00Z */
	struct tp_journal *j = new_run(1795348800);
	struct tp_run *run = NULL;
	struct tp_err err = { 0 };
	char run_id[TP_RUN_ID_SIZE];

	snprintf(run_id, sizeof(run_id), "%s", tp_journal_run_id(j));
	tp_journal_free(j);
	cr_assert_eq(tp_journal_load_run(&run, runs, run_id, &err), 0, "%s",
		     err.msg);
	cr_assert_str_eq(run->run_id, run_id);
	cr_assert_str_eq(run->created, "2026-11-22T12:00:00Z");
	cr_assert_str_eq(run->plan_digest, "sha256:00ff");
	cr_assert_str_eq(run->playbook_path, "playbooks/web.json");
	cr_assert_str_eq(run->playbook_commit,
			 "0123456789abcdef0123456789abcdef01234567");
	cr_assert_null(run->inventory_commit);
	cr_assert_str_eq(run->version, TP_VERSION);
	cr_assert_str_eq(run->command, "tidepatch apply playbooks/web.json");
	cr_assert_eq(run->n_planned, 3);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(
				 run->header, "hosts"), 2)), "db1");
	cr_assert_str_eq(json_string_value(json_object_get(run->header,
							   "schema")),
			 TP_RUN_SCHEMA);
	cr_assert_eq(run->n_records, 0);
	cr_assert_not(run->finished);
	tp_run_free(run);
}

Test(journal, run_ids_sort_by_time_and_never_repeat)
{
	char a[TP_RUN_ID_SIZE], b[TP_RUN_ID_SIZE];
	struct tp_run_list list;
	struct tp_err err = { 0 };
	size_t i, k;

	cr_assert_eq(tp_journal_new_run_id(a, sizeof(a), 1795348800, &err), 0);
	cr_assert_eq(tp_journal_new_run_id(b, sizeof(b), 1795348801, &err), 0);
	cr_assert_eq(strlen(a), 21, "%s", a);
	cr_assert(!strncmp(a, "20261122T120000Z-", 17), "%s", a);
	cr_assert_eq(strspn(a + 17, "0123456789abcdef"), 4, "%s", a);
	cr_assert_lt(strcmp(a, b), 0);
	cr_assert_eq(tp_journal_new_run_id(a, 10, 0, &err), TP_EINVAL);

	/* 300 runs in one second: their 4 hex digits clash in about half
	 * the runs of this test, and mkdir makes create draw again */
	for (i = 0; i < 300; i++)
		tp_journal_free(new_run(1795348800));
	cr_assert_eq(tp_journal_list_runs(&list, runs, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(list.n, 300);
	for (i = 0; i < list.n; i++)
		for (k = i + 1; k < list.n; k++)
			cr_assert_str_neq(list.runs[i]->run_id,
					  list.runs[k]->run_id);
	tp_run_list_release(&list);
}

Test(journal, runs_are_listed_newest_first_with_their_summaries)
{
	struct tp_journal *old = new_run(1795348800);
	struct tp_journal *mid = new_run(1795352400);
	struct tp_journal *new = new_run(1795356000);
	struct tp_run_list list;
	struct tp_err err = { 0 };
	char ids[3][TP_RUN_ID_SIZE];
	const struct tp_run *r;

	snprintf(ids[0], sizeof(ids[0]), "%s", tp_journal_run_id(old));
	snprintf(ids[1], sizeof(ids[1]), "%s", tp_journal_run_id(mid));
	snprintf(ids[2], sizeof(ids[2]), "%s", tp_journal_run_id(new));
	append(old, NULL, "run", TP_JOURNAL_INTENT, NULL);
	append(old, "web1", "apply", TP_JOURNAL_INTENT, NULL);
	append(old, "web1", "apply", TP_JOURNAL_DONE, NULL);
	append(old, "web2", "apply", TP_JOURNAL_INTENT, NULL);
	append(old, "web2", "apply", TP_JOURNAL_FAILED, NULL);
	append(old, "web2", "rollback", TP_JOURNAL_INTENT, NULL);
	append(old, "web2", "rollback", TP_JOURNAL_DONE, NULL);
	append(old, NULL, "run", TP_JOURNAL_FAILED, NULL);
	append(mid, NULL, "run", TP_JOURNAL_INTENT, NULL);
	append(mid, "db1", "apply", TP_JOURNAL_INTENT, NULL);
	tp_journal_free(old);
	tp_journal_free(mid);
	tp_journal_free(new);

	cr_assert_eq(tp_journal_list_runs(&list, runs, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(list.n, 3);
	cr_assert_str_eq(list.runs[0]->run_id, ids[2]);
	cr_assert_str_eq(list.runs[1]->run_id, ids[1]);
	cr_assert_str_eq(list.runs[2]->run_id, ids[0]);

	r = list.runs[2];
	cr_assert_eq(r->err.code, TP_OK, "%s", r->err.msg);
	cr_assert_null(r->state);
	cr_assert(r->finished);
	cr_assert_eq(r->outcome, TP_JOURNAL_FAILED);
	cr_assert_eq(r->n_hosts, 2);
	cr_assert_eq(r->n_planned, 3);
	cr_assert_eq(r->n_records, 8);
	cr_assert_eq(r->n_steps, 2);
	cr_assert_str_eq(r->steps[0].step, "apply");
	cr_assert_eq(r->steps[0].done, 1);
	cr_assert_eq(r->steps[0].failed, 1);
	cr_assert_eq(r->steps[0].in_doubt, 0);
	cr_assert_str_eq(r->steps[1].step, "rollback");
	cr_assert_eq(r->steps[1].done, 1);

	r = list.runs[1];
	cr_assert_not(r->finished);
	cr_assert_eq(r->outcome, TP_JOURNAL_NONE);
	cr_assert_eq(r->steps[0].in_doubt, 1);
	cr_assert_not_null(r->updated);

	r = list.runs[0];
	cr_assert_eq(r->n_records, 0);
	cr_assert_null(r->updated);
	tp_run_list_release(&list);
}

Test(journal, runs_of_the_same_second_list_in_creation_order)
{
	char ids[3][TP_RUN_ID_SIZE];
	struct tp_run_list list;
	struct tp_err err = { 0 };
	int i;

	for (i = 0; i < 3; i++) {
		struct tp_journal *j = new_run(1795348800);
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		snprintf(ids[i], sizeof(ids[i]), "%s", tp_journal_run_id(j));
		tp_journal_free(j);
		nanosleep(&ts, NULL);	/* run.json mtimes apart */
	}
	cr_assert_eq(tp_journal_list_runs(&list, runs, &err), 0);
	cr_assert_eq(list.n, 3);
	for (i = 0; i < 3; i++)
		cr_assert_str_eq(list.runs[i]->run_id, ids[2 - i]);
	tp_run_list_release(&list);
}

Test(journal, a_damaged_run_is_listed_with_its_error)
{
	struct tp_journal *j = new_run(1795348800);
	struct tp_journal *ok = new_run(1795352400);
	struct tp_run_list list;
	struct tp_err err = { 0 };
	char path[256];
	json_t *view;

	snprintf(path, sizeof(path), "%s", journal_path(j));
	tp_journal_free(j);
	tp_journal_free(ok);
	write_text(path, "garbage\n" REC(2, "null", "run", "note"),
		   strlen("garbage\n" REC(2, "null", "run", "note")));
	snprintf(path, sizeof(path), "%s/20261122T150000Z-dead", runs);
	cr_assert_eq(mkdir(path, 0755), 0);	/* crashed while created */

	cr_assert_eq(tp_journal_list_runs(&list, runs, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(list.n, 3);
	cr_assert_eq(list.runs[0]->err.code, TP_ENOTFOUND);
	cr_assert(strstr(list.runs[0]->err.msg, "run.json"), "%s",
		  list.runs[0]->err.msg);
	cr_assert_eq(list.runs[1]->err.code, TP_OK);
	cr_assert_eq(list.runs[2]->err.code, TP_EPARSE);
	cr_assert(strstr(list.runs[2]->err.msg, "journal.jsonl:1: "), "%s",
		  list.runs[2]->err.msg);
	view = tp_journal_runs_json(&list, &err);
	cr_assert_not_null(view);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 json_array_get(json_object_get(view, "runs"),
						2), "error"), "code")),
			 "parse");
	json_decref(view);
	tp_run_list_release(&list);
}

Test(journal, a_missing_runs_directory_has_no_runs)
{
	struct tp_run_list list;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_journal_list_runs(&list, "/nonexistent/runs", &err),
		     0);
	cr_assert_eq(list.n, 0);
	tp_run_list_release(&list);
}

Test(journal, an_unknown_or_odd_run_id_is_not_found)
{
	struct tp_run *run = NULL;
	struct tp_journal *j = NULL;
	struct tp_err err = { 0 };

	cr_assert_eq(tp_journal_load_run(&run, runs, "20261122T000000Z-0000",
					 &err), TP_ENOTFOUND);
	cr_assert_eq(tp_journal_load_run(&run, runs, "../etc", &err),
		     TP_ENOTFOUND);
	cr_assert_eq(tp_journal_load_run(&run, runs, ".locks", &err),
		     TP_ENOTFOUND);
	cr_assert_eq(tp_journal_open(&j, runs, "x/y", &err), TP_ENOTFOUND);
	cr_assert_eq(tp_journal_open(&j, runs, "nope", &err), TP_ENOTFOUND);
	cr_assert_null(run);
	cr_assert_null(j);
}

Test(journal, the_json_view_of_a_run_has_the_summary_and_on_request_detail)
{
	struct tp_journal *j = new_run(1795348800);
	struct tp_run *run = NULL;
	struct tp_err err = { 0 };
	char run_id[TP_RUN_ID_SIZE];
	json_t *v, *hs, *h;

	snprintf(run_id, sizeof(run_id), "%s", tp_journal_run_id(j));
	append(j, NULL, "run", TP_JOURNAL_INTENT, NULL);
	append(j, "web1", "apply", TP_JOURNAL_INTENT,
	       json_pack("{s:{s:s}}", "before", "bash", "5.2-1"));
	append(j, NULL, "run", TP_JOURNAL_DONE, NULL);
	tp_journal_free(j);
	cr_assert_eq(tp_journal_load_run(&run, runs, run_id, &err), 0);

	v = tp_journal_run_json(run, false, &err);
	cr_assert_not_null(v);
	cr_assert_str_eq(json_string_value(json_object_get(v, "run_id")),
			 run_id);
	cr_assert(json_is_true(json_object_get(v, "finished")));
	cr_assert_str_eq(json_string_value(json_object_get(v, "outcome")),
			 "done");
	cr_assert_eq(json_integer_value(json_object_get(v, "records")), 3);
	cr_assert(json_is_null(json_object_get(json_object_get(v, "inventory"),
					       "commit")));
	cr_assert(json_is_null(json_object_get(v, "error")));
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(
				 json_object_get(v, "steps"), 0), "in_doubt")),
		     1);
	cr_assert_null(json_object_get(v, "journal"));
	json_decref(v);

	v = tp_journal_run_json(run, true, &err);
	hs = json_object_get(v, "host_states");
	cr_assert_eq(json_array_size(hs), 2);
	cr_assert(json_is_null(json_object_get(json_array_get(hs, 0), "host")));
	h = json_array_get(hs, 1);
	cr_assert_str_eq(json_string_value(json_object_get(h, "host")), "web1");
	cr_assert_str_eq(json_string_value(json_object_get(h, "in_doubt")),
			 "apply");
	cr_assert_eq(json_array_size(json_object_get(v, "journal")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 json_object_get(json_array_get(json_object_get(
							 v, "journal"), 1),
						 "data"), "before"), "bash")),
			 "5.2-1");
	json_decref(v);
	tp_run_free(run);
}

Test(journal, files_of_a_run_are_stored_and_reserved_names_refused)
{
	struct tp_journal *j = new_run(0);
	struct tp_err err = { 0 };
	char *data = NULL;
	size_t len = 0;

	cr_assert_eq(tp_journal_write_file(j, "plan.json", "{\"v\":1}", 7,
					   &err), 0, "%s", err.msg);
	cr_assert_eq(tp_journal_read_file(&data, &len, runs,
					  tp_journal_run_id(j), "plan.json",
					  &err), 0, "%s", err.msg);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(data, "{\"v\":1}");
	free(data);
	cr_assert_eq(tp_journal_write_file(j, "journal.jsonl", "x", 1, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_journal_write_file(j, "run.json", "x", 1, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_journal_write_file(j, "../x", "x", 1, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_journal_write_file(j, ".hidden", "x", 1, &err),
		     TP_EINVAL);
	cr_assert_eq(tp_journal_read_file(&data, &len, runs,
					  tp_journal_run_id(j), "other.json",
					  &err), TP_ENOTFOUND);
	tp_journal_free(j);
}

/* ---- locks between processes ---- */

/* A child that locks hosts for run_id, reports 'L' (or 'E') on report
 * and then waits until go is closed. Returns its pid. */
static pid_t locking_child(const char *run_id, const char *const *hosts,
			   size_t n, int *report_out, int *go_out)
{
	int rep[2], go[2];
	pid_t pid;
	char c = 0;

	cr_assert_eq(pipe(rep), 0);
	cr_assert_eq(pipe(go), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct tp_journal_lock *lk = NULL;
		struct tp_err err = { 0 };
		char ch = 'L';

		close(rep[0]);
		close(go[1]);
		if (tp_journal_lock_hosts(&lk, runs, run_id, hosts, n, NULL,
					  &err))
			ch = 'E';
		(void)!write(rep[1], &ch, 1);
		(void)!read(go[0], &ch, 1);	/* until the parent closes */
		tp_journal_unlock(lk);
		_exit(0);
	}
	close(rep[1]);
	close(go[0]);
	cr_assert_eq(read(rep[0], &c, 1), 1);
	cr_assert_eq(c, 'L', "the child could not lock");
	*report_out = rep[0];
	*go_out = go[1];
	return pid;
}

Test(journal, a_host_locked_by_another_process_is_refused_naming_the_holder)
{
	static const char *const theirs[] = { "web1" };
	static const char *const mine[] = { "web2", "web1" };
	static const char *const web2[] = { "web2" };
	struct tp_journal_lock *lk = NULL;
	struct tp_lock_holder holder;
	struct tp_err err = { 0 };
	char want[256];
	int rep, go, status;
	pid_t pid;

	pid = locking_child("20261122T120000Z-aaaa", theirs, 1, &rep, &go);
	memset(&holder, 0, sizeof(holder));
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "20261122T130000Z-bbbb",
					   mine, 2, &holder, &err), TP_ESYS);
	cr_assert_null(lk);
	cr_assert_eq(err.sys_errno, EWOULDBLOCK);
	snprintf(want, sizeof(want), "host web1 is being rolled out by run "
		 "20261122T120000Z-aaaa (pid %ld)", (long)pid);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(holder.host, "web1");
	cr_assert_str_eq(holder.run_id, "20261122T120000Z-aaaa");
	cr_assert_eq(holder.pid, (long)pid);
	/* all or none: web2, locked first, was let go again */
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "20261122T130000Z-bbbb",
					   web2, 1, NULL, &err), 0, "%s",
		     err.msg);
	tp_journal_unlock(lk);

	close(go);
	close(rep);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "20261122T130000Z-bbbb",
					   mine, 2, NULL, &err), 0, "%s",
		     err.msg);
	tp_journal_unlock(lk);
}

Test(journal, a_lock_is_released_when_its_holder_is_killed)
{
	static const char *const hosts[] = { "web1", "db1" };
	struct tp_journal_lock *lk = NULL;
	struct tp_err err = { 0 };
	int rep, go, status;
	pid_t pid;

	pid = locking_child("20261122T120000Z-aaaa", hosts, 2, &rep, &go);
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "20261122T130000Z-bbbb",
					   hosts, 2, NULL, &err), TP_ESYS);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(go);
	close(rep);
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "20261122T130000Z-bbbb",
					   hosts, 2, NULL, &err), 0, "%s",
		     err.msg);
	tp_journal_unlock(lk);
}

Test(journal, hosts_with_odd_names_get_their_own_lock_files)
{
	static const char *const hosts[] = { "a/b", "..", "a%2Fb", "web1",
					     "web1" };
	struct tp_journal_lock *lk = NULL, *again = NULL;
	struct tp_err err = { 0 };
	char path[256];

	/* a host named twice does not conflict with itself */
	cr_assert_eq(tp_journal_lock_hosts(&lk, runs, "r", hosts, 5, NULL,
					   &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/.locks/a%%2Fb.lock", runs);
	cr_assert_eq(access(path, F_OK), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/.locks/%%2E..lock", runs);
	cr_assert_eq(access(path, F_OK), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/.locks/a%%252Fb.lock", runs);
	cr_assert_eq(access(path, F_OK), 0, "%s", path);
	/* locks are per open file: this process cannot take them twice */
	cr_assert_eq(tp_journal_lock_hosts(&again, runs, "r", hosts + 3, 1,
					   NULL, &err), TP_ESYS);
	tp_journal_unlock(lk);
}

Test(journal, a_run_is_appended_to_by_one_process_at_a_time)
{
	struct tp_journal *j = new_run(0), *other = NULL;
	struct tp_err err = { 0 };
	char want[128];

	cr_assert_eq(tp_journal_open(&other, runs, tp_journal_run_id(j),
				     &err), TP_ESYS);
	cr_assert_eq(err.sys_errno, EWOULDBLOCK);
	snprintf(want, sizeof(want), "run %s is in use by pid %ld",
		 tp_journal_run_id(j), (long)getpid());
	cr_assert_str_eq(err.msg, want);
	cr_assert_null(other);
	tp_journal_free(j);
}

/* ---- crash simulation ---- */

/*
 * The child reopens the run and appends records of random sizes (large
 * ones make a SIGKILL inside write(2) likely), reporting each seq it got
 * back from a successful append. seq 0 reports a failure.
 */
static void appending_child(const char *run_id, int report, unsigned seed)
{
	struct tp_journal *j = NULL;
	struct tp_err err = { 0 };
	char *pad = malloc(400000);
	uint64_t seq = 0;

	srand(seed);
	if (!pad || tp_journal_open(&j, runs, run_id, &err)) {
		(void)!write(report, &seq, sizeof(seq));
		_exit(1);
	}
	memset(pad, 'x', 400000);
	for (;;) {
		size_t n = rand() % 2 ? (size_t)rand() % 400000 : 10;
		json_t *data;

		pad[n] = '\0';
		data = json_pack("{s:s}", "pad", pad);
		pad[n] = 'x';
		if (!data || tp_journal_append(j, rand() % 2 ? "web1" : "web2",
					       "apply", rand() % 2 ?
					       TP_JOURNAL_INTENT :
					       TP_JOURNAL_DONE, data, &err)) {
			seq = 0;
			(void)!write(report, &seq, sizeof(seq));
			_exit(1);
		}
		json_decref(data);
		seq = tp_journal_state(j)->last_seq;
		if (write(report, &seq, sizeof(seq)) != sizeof(seq))
			_exit(1);
	}
}

Test(journal, a_kill_at_any_point_loses_no_record_that_was_appended)
{
	struct tp_journal *j = new_run(0);
	struct tp_err err = { 0 };
	char run_id[TP_RUN_ID_SIZE], path[256];
	uint64_t *reported = NULL;
	size_t n_reported = 0, i, k, torn = 0;
	int iter;

	snprintf(run_id, sizeof(run_id), "%s", tp_journal_run_id(j));
	snprintf(path, sizeof(path), "%s", journal_path(j));
	tp_journal_free(j);
	srand((unsigned)time(NULL));
	reported = malloc(100000 * sizeof(*reported));
	cr_assert_not_null(reported);

	for (iter = 0; iter < 20; iter++) {
		struct tp_journal_state *st = NULL;
		int fds[2], status, want = 1 + rand() % 6, got = 0;
		struct pollfd pfd;
		uint64_t seq;
		pid_t pid;

		cr_assert_eq(pipe(fds), 0);
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			appending_child(run_id, fds[1], (unsigned)rand());
		}
		close(fds[1]);
		/* let it append a few, then kill it somewhere */
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		while (got < want) {
			cr_assert_eq(poll(&pfd, 1, 20000), 1, "child stuck");
			cr_assert_eq(read(fds[0], &seq, sizeof(seq)),
				     sizeof(seq));
			cr_assert_neq(seq, 0, "the child failed to append");
			reported[n_reported++] = seq;
			got++;
		}
		usleep((useconds_t)(rand() % 3000));
		cr_assert_eq(kill(pid, SIGKILL), 0);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		while (read(fds[0], &seq, sizeof(seq)) == sizeof(seq)) {
			cr_assert_neq(seq, 0);
			reported[n_reported++] = seq;
		}
		close(fds[0]);

		cr_assert_eq(tp_journal_replay(&st, path, &err), 0,
			     "iteration %d: %s", iter, err.msg);
		torn += st->torn;
		for (i = 1; i < st->n_records; i++)
			cr_assert_gt(st->records[i].seq,
				     st->records[i - 1].seq);
		/* every reported seq is there (records are in seq order) */
		for (i = 0, k = 0; i < n_reported; i++) {
			while (k < st->n_records &&
			       st->records[k].seq < reported[i])
				k++;
			cr_assert(k < st->n_records &&
				  st->records[k].seq == reported[i],
				  "iteration %d: seq %llu was appended but "
				  "is lost", iter,
				  (unsigned long long)reported[i]);
		}
		tp_journal_state_free(st);
	}
	cr_log_info("%zu records reported, %zu kills left a torn line",
		    n_reported, torn);
	/* and the run opens again for resume */
	cr_assert_eq(tp_journal_open(&j, runs, run_id, &err), 0, "%s",
		     err.msg);
	cr_assert_geq(tp_journal_state(j)->n_records, n_reported);
	tp_journal_free(j);
	free(reported);
}

/* ---- a recorded journal ---- */

Test(journal, a_recorded_rollout_with_a_torn_tail_replays)
{
	struct tp_journal_state *st = NULL;
	struct tp_err err = { 0 };
	size_t len = 0;
	char *text = tp_test_fixture("journal/rollout-torn.jsonl", &len);
	char path[256];

	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	write_text(path, text, len);
	free(text);
	cr_assert_eq(tp_journal_replay(&st, path, &err), 0, "%s", err.msg);
	cr_assert(st->torn);
	cr_assert_eq(st->n_hosts, 2);
	cr_assert(tp_journal_step_done(st, "web1", "verify"));
	cr_assert_str_eq(tp_journal_in_doubt(st, "web2"), "apply");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 tp_journal_step_first_data(st, "web2", "apply",
							    TP_JOURNAL_INTENT),
				 "before"), "tp-libfoo")), "1.0-1");
	tp_journal_state_free(st);
}
