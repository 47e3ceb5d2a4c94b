/*
 * state.c - a journal replayed into memory, and the queries the rollout
 * engine asks of it.
 *
 * Records are kept in file order; hosts and steps refer to them by
 * index, not pointer, because appending reallocates the array. A host
 * is found through a jansson object used as a hash (name -> index), so
 * that replaying a journal of thousands of hosts stays linear. Steps per
 * host are few (a dozen), so they are searched linearly.
 *
 * Invariant: a step's `last` only moves on intent/done/failed; notes
 * are kept and counted but never change whether a step is in doubt.
 */
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"

static const char *const kind_names[TP_JOURNAL_KINDS] = {
	[TP_JOURNAL_NONE] = "none",
	[TP_JOURNAL_INTENT] = "intent",
	[TP_JOURNAL_DONE] = "done",
	[TP_JOURNAL_FAILED] = "failed",
	[TP_JOURNAL_NOTE] = "note",
};

const char *tp_journal_kind_name(enum tp_journal_kind kind)
{
	if ((unsigned)kind >= TP_JOURNAL_KINDS)
		return "none";
	return kind_names[kind];
}

enum tp_journal_kind jn_kind_from_name(const char *s)
{
	int k;

	for (k = TP_JOURNAL_INTENT; s && k < TP_JOURNAL_KINDS; k++)
		if (!strcmp(s, kind_names[k]))
			return (enum tp_journal_kind)k;
	return TP_JOURNAL_NONE;
}

static void host_init(struct tp_journal_host *h)
{
	memset(h, 0, sizeof(*h));
	h->last_record = TP_JOURNAL_NONE_IDX;
	h->last_done = TP_JOURNAL_NONE_IDX;
	h->last_failed = TP_JOURNAL_NONE_IDX;
	h->in_doubt = TP_JOURNAL_NONE_IDX;
}

static void host_release(struct tp_journal_host *h)
{
	size_t i;

	for (i = 0; i < h->n_steps; i++)
		free(h->steps[i].name);
	free(h->steps);
	free(h->name);
}

struct tp_journal_state *jn_state_new(void)
{
	struct tp_journal_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	host_init(&st->run);
	if (!(st->index = json_object())) {
		free(st);
		return NULL;
	}
	return st;
}

void jn_record_release(struct tp_journal_record *rec)
{
	free(rec->time);
	free(rec->host);
	free(rec->step);
	json_decref(rec->data);
	memset(rec, 0, sizeof(*rec));
}

void tp_journal_state_free(struct tp_journal_state *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n_records; i++)
		jn_record_release(&st->records[i]);
	free(st->records);
	for (i = 0; i < st->n_hosts; i++)
		host_release(&st->hosts[i]);
	free(st->hosts);
	host_release(&st->run);
	json_decref(st->index);
	free(st);
}

static struct tp_journal_host *find_host(const struct tp_journal_state *st,
					 const char *host)
{
	json_t *v;

	if (!host)
		return (struct tp_journal_host *)&st->run;
	v = json_object_get(st->index, host);
	if (!v)
		return NULL;
	return &st->hosts[json_integer_value(v)];
}

static struct tp_journal_step *find_step(const struct tp_journal_host *h,
					 const char *step, size_t *idx_out)
{
	size_t i;

	for (i = 0; h && step && i < h->n_steps; i++)
		if (!strcmp(h->steps[i].name, step)) {
			if (idx_out)
				*idx_out = i;
			return &h->steps[i];
		}
	return NULL;
}

/* The host entry for name, added when new. NULL: out of memory. */
static struct tp_journal_host *get_host(struct tp_journal_state *st,
					const char *name)
{
	struct tp_journal_host *h = find_host(st, name);
	json_t *idx;

	if (h)
		return h;
	if (st->n_hosts == st->cap_hosts) {
		size_t cap = st->cap_hosts ? st->cap_hosts * 2 : 16;
		struct tp_journal_host *nv = realloc(st->hosts,
						     cap * sizeof(*nv));

		if (!nv)
			return NULL;
		st->hosts = nv;
		st->cap_hosts = cap;
	}
	h = &st->hosts[st->n_hosts];
	host_init(h);
	if (!(h->name = strdup(name)))
		return NULL;
	idx = json_integer((json_int_t)st->n_hosts);
	if (json_object_set_new(st->index, name, idx)) {
		free(h->name);
		return NULL;
	}
	st->n_hosts++;
	return h;
}

static struct tp_journal_step *get_step(struct tp_journal_host *h,
					const char *name, size_t *idx_out)
{
	struct tp_journal_step *s = find_step(h, name, idx_out), *nv;
	int k;

	if (s)
		return s;
	/* steps are few: grow one at a time */
	nv = realloc(h->steps, (h->n_steps + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	h->steps = nv;
	s = &h->steps[h->n_steps];
	memset(s, 0, sizeof(*s));
	for (k = 0; k < TP_JOURNAL_KINDS; k++)
		s->first[k] = s->latest[k] = TP_JOURNAL_NONE_IDX;
	s->last_record = TP_JOURNAL_NONE_IDX;
	if (!(s->name = strdup(name)))
		return NULL;
	*idx_out = h->n_steps++;
	return s;
}

/* The latest step of h whose last kind is an intent, or NONE_IDX. */
static size_t latest_in_doubt(const struct tp_journal_host *h)
{
	size_t i, best = TP_JOURNAL_NONE_IDX, best_rec = 0;

	for (i = 0; i < h->n_steps; i++) {
		const struct tp_journal_step *s = &h->steps[i];

		if (s->last == TP_JOURNAL_INTENT &&
		    (best == TP_JOURNAL_NONE_IDX ||
		     s->last_record > best_rec)) {
			best = i;
			best_rec = s->last_record;
		}
	}
	return best;
}

int jn_state_add(struct tp_journal_state *st, struct tp_journal_record *rec,
		 struct tp_err *err)
{
	struct tp_journal_host *h;
	struct tp_journal_step *s;
	size_t ri, si = 0;
	int rc = 0;

	if (rec->kind <= TP_JOURNAL_NONE || rec->kind >= TP_JOURNAL_KINDS ||
	    !rec->step || !rec->time || !rec->data) {
		rc = tp_err_set(err, TP_EINVAL, "incomplete journal record");
		goto fail;
	}
	if (rec->seq <= st->last_seq) {
		rc = tp_err_set(err, TP_EINVAL, "seq %llu does not follow %llu",
				(unsigned long long)rec->seq,
				(unsigned long long)st->last_seq);
		goto fail;
	}
	if (st->n_records == st->cap_records) {
		size_t cap = st->cap_records ? st->cap_records * 2 : 64;
		struct tp_journal_record *nv = realloc(st->records,
						       cap * sizeof(*nv));

		if (!nv)
			goto nomem;
		st->records = nv;
		st->cap_records = cap;
	}
	if (!(h = get_host(st, rec->host)) ||
	    !(s = get_step(h, rec->step, &si)))
		goto nomem;
	ri = st->n_records++;
	st->records[ri] = *rec;
	memset(rec, 0, sizeof(*rec));	/* ownership moved */
	st->last_seq = st->records[ri].seq;

	rec = &st->records[ri];
	h->n_records++;
	h->last_record = ri;
	if (s->first[rec->kind] == TP_JOURNAL_NONE_IDX)
		s->first[rec->kind] = ri;
	s->latest[rec->kind] = ri;
	s->count[rec->kind]++;
	if (rec->kind != TP_JOURNAL_NOTE) {
		s->last = rec->kind;
		s->last_record = ri;
	} else if (s->last == TP_JOURNAL_NONE) {
		s->last = TP_JOURNAL_NOTE;
		s->last_record = ri;
	}
	if (rec->kind == TP_JOURNAL_DONE)
		h->last_done = si;
	else if (rec->kind == TP_JOURNAL_FAILED)
		h->last_failed = si;
	h->in_doubt = latest_in_doubt(h);
	return 0;
nomem:
	rc = tp_err_set(err, TP_ENOMEM, "out of memory");
fail:
	jn_record_release(rec);
	return rc;
}

/* ---- queries ---- */

const struct tp_journal_host *
tp_journal_host_state(const struct tp_journal_state *st, const char *host)
{
	const struct tp_journal_host *h = st ? find_host(st, host) : NULL;

	/* the run level "exists" only once it has a record */
	return h && h->n_records ? h : NULL;
}

const struct tp_journal_step *
tp_journal_step(const struct tp_journal_state *st, const char *host,
		const char *step)
{
	return find_step(tp_journal_host_state(st, host), step, NULL);
}

enum tp_journal_kind tp_journal_step_last(const struct tp_journal_state *st,
					  const char *host, const char *step)
{
	const struct tp_journal_step *s = tp_journal_step(st, host, step);

	return s ? s->last : TP_JOURNAL_NONE;
}

bool tp_journal_step_done(const struct tp_journal_state *st,
			  const char *host, const char *step)
{
	return tp_journal_step_last(st, host, step) == TP_JOURNAL_DONE;
}

const char *tp_journal_in_doubt(const struct tp_journal_state *st,
				const char *host)
{
	const struct tp_journal_host *h = tp_journal_host_state(st, host);

	if (!h || h->in_doubt == TP_JOURNAL_NONE_IDX)
		return NULL;
	return h->steps[h->in_doubt].name;
}

const char *tp_journal_last_done(const struct tp_journal_state *st,
				 const char *host)
{
	const struct tp_journal_host *h = tp_journal_host_state(st, host);

	if (!h || h->last_done == TP_JOURNAL_NONE_IDX)
		return NULL;
	return h->steps[h->last_done].name;
}

static const json_t *data_at(const struct tp_journal_state *st,
			     const char *host, const char *step,
			     enum tp_journal_kind kind, bool first)
{
	const struct tp_journal_step *s = tp_journal_step(st, host, step);
	size_t ri;

	if (!s || kind <= TP_JOURNAL_NONE || kind >= TP_JOURNAL_KINDS)
		return NULL;
	ri = first ? s->first[kind] : s->latest[kind];
	return ri == TP_JOURNAL_NONE_IDX ? NULL : st->records[ri].data;
}

const json_t *tp_journal_step_data(const struct tp_journal_state *st,
				   const char *host, const char *step,
				   enum tp_journal_kind kind)
{
	return data_at(st, host, step, kind, false);
}

const json_t *tp_journal_step_first_data(const struct tp_journal_state *st,
					 const char *host, const char *step,
					 enum tp_journal_kind kind)
{
	return data_at(st, host, step, kind, true);
}
