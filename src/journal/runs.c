/*
 * runs.c - the run history: load one run, list them all, and their JSON
 * views for `tidepatch runs`.
 *
 * Listing never locks: it only reads, and a journal being appended to
 * can at worst show a torn last line, which replay tolerates. A run
 * that cannot be read is an entry with its error, so one damaged
 * directory does not hide the rest of the history. Entries keep only
 * the summary (the replayed records are freed), so listing a long
 * history costs one journal's memory at a time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "journal_int.h"

void tp_run_free(struct tp_run *run)
{
	size_t i;

	if (!run)
		return;
	free(run->run_id);
	free(run->dir);
	json_decref(run->header);
	tp_journal_state_free(run->state);
	for (i = 0; i < run->n_steps; i++)
		free(run->steps[i].step);
	free(run->steps);
	free(run->updated);
	free(run);
}

void tp_run_list_release(struct tp_run_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		tp_run_free(list->runs[i]);
	free(list->runs);
	list->runs = NULL;
	list->n = 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int load_header(struct tp_run *run, struct tp_err *err)
{
	char *path = jn_path(run->dir, JN_HEADER), *text = NULL;
	const json_t *pb, *inv;
	json_error_t je;
	size_t len = 0;
	int rc;

	if (!path)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if ((rc = jn_read_file(&text, &len, path, TP_RUN_FILE_MAX, err)))
		goto out;
	run->header = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!run->header) {
		rc = tp_err_set(err, TP_EPARSE, "%s:%d:%d: %s", path, je.line,
				je.column, je.text);
		goto out;
	}
	if (!jstr(run->header, "schema") ||
	    strcmp(jstr(run->header, "schema"), TP_RUN_SCHEMA)) {
		rc = tp_err_set(err, TP_EPARSE, "%s: not a %s document", path,
				TP_RUN_SCHEMA);
		goto out;
	}
	pb = json_object_get(run->header, "playbook");
	inv = json_object_get(run->header, "inventory");
	run->created = jstr(run->header, "created");
	run->plan_digest = jstr(run->header, "plan_digest");
	run->playbook_path = jstr(pb, "path");
	run->playbook_commit = jstr(pb, "commit");
	run->inventory_path = jstr(inv, "path");
	run->inventory_commit = jstr(inv, "commit");
	run->version = jstr(run->header, "tidepatch_version");
	run->command = jstr(run->header, "command");
	run->n_planned = json_array_size(json_object_get(run->header, "hosts"));
out:
	free(text);
	free(path);
	return rc;
}

static int count_step(struct tp_run *run, const struct tp_journal_step *s)
{
	struct tp_run_step_count *c = NULL, *nv;
	size_t i;

	for (i = 0; i < run->n_steps; i++)
		if (!strcmp(run->steps[i].step, s->name))
			c = &run->steps[i];
	if (!c) {
		if (!(nv = realloc(run->steps, (run->n_steps + 1) *
						       sizeof(*nv))))
			return -1;
		run->steps = nv;
		c = &run->steps[run->n_steps];
		memset(c, 0, sizeof(*c));
		if (!(c->step = strdup(s->name)))
			return -1;
		run->n_steps++;
	}
	if (s->last == TP_JOURNAL_DONE)
		c->done++;
	else if (s->last == TP_JOURNAL_FAILED)
		c->failed++;
	else if (s->last == TP_JOURNAL_INTENT)
		c->in_doubt++;
	return 0;
}

static int summarise(struct tp_run *run, struct tp_err *err)
{
	const struct tp_journal_state *st = run->state;
	enum tp_journal_kind k;
	size_t i, s;

	run->n_hosts = st->n_hosts;
	run->n_records = st->n_records;
	run->torn = st->torn;
	for (i = 0; i < st->n_hosts; i++)
		for (s = 0; s < st->hosts[i].n_steps; s++)
			if (count_step(run, &st->hosts[i].steps[s]))
				return tp_err_set(err, TP_ENOMEM,
						  "out of memory");
	k = tp_journal_step_last(st, NULL, "run");
	run->finished = k == TP_JOURNAL_DONE || k == TP_JOURNAL_FAILED;
	run->outcome = run->finished ? k : TP_JOURNAL_NONE;
	if (st->n_records &&
	    !(run->updated = strdup(st->records[st->n_records - 1].time)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

/* Fill run (run_id and dir set) as far as it goes; 0 or the error. */
static int fill_run(struct tp_run *run, struct tp_err *err)
{
	char *path;
	int rc;

	if ((rc = load_header(run, err)))
		return rc;
	if (!(path = jn_path(run->dir, JN_JOURNAL)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	rc = tp_journal_replay(&run->state, path, err);
	free(path);
	/* created, then a crash before the journal: nothing happened */
	if (rc == TP_ENOTFOUND) {
		tp_err_clear(err);
		if (!(run->state = jn_state_new()))
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		rc = 0;
	}
	if (rc)
		return rc;
	return summarise(run, err);
}

static struct tp_run *run_new(const char *runs_dir, const char *run_id)
{
	struct tp_run *run = calloc(1, sizeof(*run));

	if (!run)
		return NULL;
	run->outcome = TP_JOURNAL_NONE;
	if (!(run->run_id = strdup(run_id)) ||
	    !(run->dir = jn_path(runs_dir, run_id))) {
		tp_run_free(run);
		return NULL;
	}
	return run;
}

int tp_journal_load_run(struct tp_run **out, const char *runs_dir,
			const char *run_id, struct tp_err *err)
{
	struct tp_run *run = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	if (!jn_valid_component(run_id))
		return tp_err_set(err, TP_ENOTFOUND, "no run %s in %s",
				  run_id ? run_id : "(null)", runs_dir);
	if (!(run = run_new(runs_dir, run_id)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	if (stat(run->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		tp_run_free(run);
		return tp_err_set(err, TP_ENOTFOUND, "no run %s in %s", run_id,
				  runs_dir);
	}
	if ((rc = fill_run(run, err))) {
		tp_run_free(run);
		return rc;
	}
	*out = run;
	return 0;
}

struct entry {
	struct tp_run *run;
	struct timespec mtime;	/* of run.json: ties within a second */
};

static int cmp_newest_first(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	/* "YYYYMMDDTHHMMSSZ" */
	int c = strncmp(b->run->run_id, a->run->run_id, 16);

	if (c)
		return c;
	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec < b->mtime.tv_sec ? 1 : -1;
	if (a->mtime.tv_nsec != b->mtime.tv_nsec)
		return a->mtime.tv_nsec < b->mtime.tv_nsec ? 1 : -1;
	return strcmp(b->run->run_id, a->run->run_id);
}

int tp_journal_list_runs(struct tp_run_list *out, const char *runs_dir,
			 struct tp_err *err)
{
	struct entry *ents = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!(d = opendir(runs_dir))) {
		if (errno == ENOENT)
			return 0;
		return tp_err_sys(err, TP_EIO, errno, "%s", runs_dir);
	}
	while ((de = readdir(d))) {
		struct tp_run *run;
		struct stat st;
		char *hp;

		if (!jn_valid_component(de->d_name))
			continue;	/* ".", "..", ".locks", odd names */
		if (!(run = run_new(runs_dir, de->d_name))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			break;
		}
		if (stat(run->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			tp_run_free(run);
			continue;
		}
		if (n == cap) {
			struct entry *nv = realloc(ents, (cap = cap ? cap * 2
								: 16) *
							       sizeof(*nv));

			if (!nv) {
				tp_run_free(run);
				rc = tp_err_set(err, TP_ENOMEM,
						"out of memory");
				break;
			}
			ents = nv;
		}
		memset(&ents[n], 0, sizeof(ents[n]));
		ents[n].run = run;
		if ((hp = jn_path(run->dir, JN_HEADER)) && stat(hp, &st) == 0)
			ents[n].mtime = st.st_mtim;
		free(hp);
		n++;
		/* a run that cannot be read is listed with its error */
		if (fill_run(run, &run->err) == TP_ENOMEM) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			break;
		}
		tp_journal_state_free(run->state);
		run->state = NULL;
	}
	closedir(d);
	if (!rc && n && !(out->runs = calloc(n, sizeof(*out->runs))))
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
	if (rc) {
		for (i = 0; i < n; i++)
			tp_run_free(ents[i].run);
		free(ents);
		return rc;
	}
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_newest_first);
	for (i = 0; i < n; i++)
		out->runs[i] = ents[i].run;
	out->n = n;
	free(ents);
	return 0;
}

/* ---- JSON views ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *kind_or_null(enum tp_journal_kind k)
{
	return k == TP_JOURNAL_NONE ? json_null()
				    : json_string(tp_journal_kind_name(k));
}

static int set(json_t *o, const char *key, json_t *v)
{
	return !v || json_object_set_new(o, key, v) ? -1 : 0;
}

static json_t *record_json(const struct tp_journal_record *r)
{
	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:O}", "seq",
			 (json_int_t)r->seq, "time", r->time, "host",
			 str_or_null(r->host), "step", r->step, "kind",
			 tp_journal_kind_name(r->kind), "data", r->data);
}

static json_t *step_name_or_null(const struct tp_journal_host *h, size_t i)
{
	return i == TP_JOURNAL_NONE_IDX ? json_null()
					: json_string(h->steps[i].name);
}

static json_t *host_json(const struct tp_journal_state *st,
			 const struct tp_journal_host *h)
{
	json_t *o = json_object(), *steps = json_array();
	size_t i;

	if (!o || !steps || set(o, "host", str_or_null(h->name)) ||
	    set(o, "last_done", step_name_or_null(h, h->last_done)) ||
	    set(o, "last_failed", step_name_or_null(h, h->last_failed)) ||
	    set(o, "in_doubt", step_name_or_null(h, h->in_doubt)) ||
	    json_object_set(o, "steps", steps))
		goto fail;
	for (i = 0; i < h->n_steps; i++) {
		const struct tp_journal_step *s = &h->steps[i];
		const struct tp_journal_record *r;

		r = &st->records[s->last_record];

		if (json_array_append_new(steps, json_pack(
				"{s:s, s:s, s:I, s:s, s:i}", "step", s->name,
				"last", tp_journal_kind_name(s->last), "seq",
				(json_int_t)r->seq, "time", r->time, "attempts",
				(int)s->count[TP_JOURNAL_INTENT])))
			goto fail;
	}
	json_decref(steps);
	return o;
fail:
	json_decref(steps);
	json_decref(o);
	return NULL;
}

static int add_detail(json_t *o, const struct tp_journal_state *st)
{
	json_t *hosts = json_array(), *recs = json_array();
	size_t i;
	int rc = -1;

	if (!hosts || !recs || json_object_set(o, "host_states", hosts) ||
	    json_object_set(o, "journal", recs))
		goto out;
	if (st->run.n_records &&
	    json_array_append_new(hosts, host_json(st, &st->run)))
		goto out;
	for (i = 0; i < st->n_hosts; i++)
		if (json_array_append_new(hosts, host_json(st, &st->hosts[i])))
			goto out;
	for (i = 0; i < st->n_records; i++)
		if (json_array_append_new(recs, record_json(&st->records[i])))
			goto out;
	rc = 0;
out:
	json_decref(hosts);
	json_decref(recs);
	return rc;
}

json_t *tp_journal_run_json(const struct tp_run *run, bool detail,
			    struct tp_err *err)
{
	json_t *o = json_object(), *steps = json_array();
	size_t i;

	if (!o || !steps || set(o, "run_id", json_string(run->run_id)) ||
	    set(o, "created", str_or_null(run->created)) ||
	    set(o, "updated", str_or_null(run->updated)) ||
	    set(o, "finished", json_boolean(run->finished)) ||
	    set(o, "outcome", kind_or_null(run->outcome)) ||
	    set(o, "plan_digest", str_or_null(run->plan_digest)) ||
	    set(o, "playbook", json_pack("{s:o, s:o}", "path",
					 str_or_null(run->playbook_path),
					 "commit",
					 str_or_null(run->playbook_commit))) ||
	    set(o, "inventory", json_pack("{s:o, s:o}", "path",
					  str_or_null(run->inventory_path),
					  "commit", str_or_null(
						  run->inventory_commit))) ||
	    set(o, "tidepatch_version", str_or_null(run->version)) ||
	    set(o, "command", str_or_null(run->command)) ||
	    set(o, "planned_hosts", json_integer((json_int_t)run->n_planned)) ||
	    set(o, "hosts", json_integer((json_int_t)run->n_hosts)) ||
	    set(o, "records", json_integer((json_int_t)run->n_records)) ||
	    set(o, "torn", json_boolean(run->torn)) ||
	    json_object_set(o, "steps", steps) ||
	    set(o, "error", run->err.code == TP_OK ? json_null() :
			    json_pack("{s:s, s:s}", "code",
				      tp_errname(run->err.code), "message",
				      run->err.msg)))
		goto nomem;
	for (i = 0; i < run->n_steps; i++) {
		const struct tp_run_step_count *c = &run->steps[i];

		if (json_array_append_new(steps, json_pack(
				"{s:s, s:i, s:i, s:i}", "step", c->step,
				"done", (int)c->done, "failed", (int)c->failed,
				"in_doubt", (int)c->in_doubt)))
			goto nomem;
	}
	if (detail && run->state && add_detail(o, run->state))
		goto nomem;
	json_decref(steps);
	return o;
nomem:
	json_decref(steps);
	json_decref(o);
	tp_err_set(err, TP_ENOMEM, "out of memory building the run view");
	return NULL;
}

json_t *tp_journal_runs_json(const struct tp_run_list *list,
			     struct tp_err *err)
{
	json_t *doc = json_object(), *runs = json_array();
	size_t i;

	if (!doc || !runs || set(doc, "schema", json_string(TP_RUNS_SCHEMA)) ||
	    json_object_set(doc, "runs", runs))
		goto nomem;
	for (i = 0; i < list->n; i++) {
		json_t *r = tp_journal_run_json(list->runs[i], false, err);

		if (!r || json_array_append_new(runs, r)) {
			json_decref(runs);
			json_decref(doc);
			return NULL;
		}
	}
	json_decref(runs);
	return doc;
nomem:
	json_decref(runs);
	json_decref(doc);
	tp_err_set(err, TP_ENOMEM, "out of memory building the run list");
	return NULL;
}
