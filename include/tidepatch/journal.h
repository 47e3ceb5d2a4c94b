/*
 * journal.h - the durable write-ahead log of a rollout: every step that
 * changes a host is journaled before it is acted on (intent) and after
 * (done or failed), so a crash at any moment can be resumed or rolled
 * back from the run directory alone. Also the host locks that stop two
 * rollouts on the same hosts, and the run history (`tidepatch runs`).
 *
 * FILES (tidepatch-runs(1)). RUNS is the runs directory the caller
 * chooses (e.g. runs/ beside the inventory):
 *
 *   RUNS/<run-id>/run.json       the run header, written once, atomically
 *   RUNS/<run-id>/journal.jsonl  the journal, appended to, never rewritten
 *   RUNS/<run-id>/lock           flock'ed by the one process appending
 *   RUNS/<run-id>/<name>         artifacts the engine stores (plan.json...)
 *   RUNS/.locks/<host>.lock      flock'ed by the run that owns the host
 *
 * Run id: "YYYYMMDDTHHMMSSZ-xxxx", the UTC creation time and 4 random
 * lowercase hex digits, e.g. "20261122T120000Z-3fa9". Ids sort by time;
 * the directory is created with mkdir(2), which makes each id unique
 * (a clash draws new digits).
 *
 * run.json, one JSON object ("schema" first; absent values are null):
 *   {"schema": "tidepatch.run/1", "run_id": "20261122T120000Z-3fa9",
 *    "created": "2026-11-22T12:00:00Z", "plan_digest": "sha256:<hex>",
 *    "playbook": {"path": "playbooks/web.json", "commit": "<40 hex>"},
 *    "inventory": {"path": "inventory", "commit": "<40 hex>"},
 *    "tidepatch_version": "0.1.0", "command": "tidepatch apply ...",
 *    "hosts": ["web1", "web2"], "extra": {...}}
 * "hosts" is the run's hosts in plan order (hosts never reached have no
 * record in the journal); "extra" is an object the engine chooses, or
 * absent. Readers ignore keys they do not know.
 *
 * journal.jsonl, JSON Lines: one compact JSON object per line, ASCII
 * only (non-ASCII escaped), ended by "\n", keys in this order:
 *   {"seq":7,"time":"2026-11-22T12:00:03Z","host":"web1","step":"apply",
 *    "kind":"intent","data":{"before":[{"name":"libssl3","arch":"amd64",
 *    "version":"3.0.11-1~deb12u1"}],"after":[...]}}
 *   seq   integer >= 1, strictly increasing down the file (consecutive
 *         unless a torn line was cut off, whose number is then reused)
 *   time  UTC, "YYYY-MM-DDTHH:MM:SSZ", when the record was appended
 *   host  the inventory host name, or null for a run-level record
 *   step  1-64 characters of [A-Za-z0-9._-] the engine chooses:
 *         "precheck", "backup", "stage", "apply", "reboot", "verify",
 *         "rollback", "wave", "run", ...
 *   kind  "intent" (about to act), "done", "failed" (outcome of the
 *         latest intent of that host and step), "note" (information; it
 *         changes no step's state)
 *   data  an object, {} when there is nothing to say
 * A line is at most TP_JOURNAL_LINE_MAX bytes with its "\n". A run is
 * finished when it has a run-level "done" or "failed" record for step
 * "run"; the engine appends it.
 *
 * Durability: each record is written with one write(2) on an O_APPEND
 * descriptor and fsync(2)ed before tp_journal_append returns; the run
 * directory and the journal's directory entry are fsync'd at creation.
 * A crash can therefore only leave the LAST line torn (no "\n", or not
 * JSON); replay ignores it and reports it, and reopening the run for
 * appending cuts it off first (and notes that with a run-level "note"
 * record for step "journal": {"torn_line": N, "torn_bytes": B}). Any
 * other bad line is an error naming its line number.
 *
 * Host lock file, RUNS/.locks/<host>.lock: the lock is an flock(2)
 * held on the open file for the life of the rollout; the content is
 * information only, one line {"run_id": "...", "pid": N, "since": "UTC"}.
 * The kernel drops an flock when its process dies (even by SIGKILL), so
 * a crashed run never leaves a stale lock. <host> is the host name with
 * every byte outside [A-Za-z0-9._-] (and a leading ".") written %XX
 * (upper-case hex);
 * names that would be longer than 200 bytes become "sha256-<hex>".
 *
 * Locks are taken with LOCK_NB: a lock held by someone else fails at
 * once with TP_ESYS and err->sys_errno == EWOULDBLOCK, and a message
 * such as "host web1 is being rolled out by run 20261122T120000Z-3fa9
 * (pid 4242)".
 *
 * Nothing here prints. Descriptors are opened O_CLOEXEC, so commands
 * the engine runs do not inherit locks; a fork(2)ed child that does not
 * exec shares them until it exits.
 */
#ifndef TIDEPATCH_JOURNAL_H
#define TIDEPATCH_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "tidepatch/err.h"

#define TP_RUN_SCHEMA "tidepatch.run/1"
/* Schema of tp_journal_runs_json's document. */
#define TP_RUNS_SCHEMA "tidepatch.runs/1"
/* Longest journal line, "\n" included. */
#define TP_JOURNAL_LINE_MAX ((size_t)1 << 20)
/* Largest run.json or artifact read back. */
#define TP_RUN_FILE_MAX ((size_t)64 << 20)
/* Buffer size for a run id with its NUL. */
#define TP_RUN_ID_SIZE 32
/* Longest step name. */
#define TP_JOURNAL_STEP_MAX 64
/* "No such record or step" in the index fields below. */
#define TP_JOURNAL_NONE_IDX SIZE_MAX

enum tp_journal_kind {
	TP_JOURNAL_NONE = 0,	/* no record (in queries; never written) */
	TP_JOURNAL_INTENT,
	TP_JOURNAL_DONE,
	TP_JOURNAL_FAILED,
	TP_JOURNAL_NOTE,
};
#define TP_JOURNAL_KINDS 5

/* "intent", "done", "failed", "note"; "none" for TP_JOURNAL_NONE. */
const char *tp_journal_kind_name(enum tp_journal_kind kind);

/* ---- the replayed state ---- */

/* One journal line. */
struct tp_journal_record {
	uint64_t seq;
	char *time;		/* owned */
	char *host;		/* owned; NULL for a run-level record */
	char *step;		/* owned */
	enum tp_journal_kind kind;
	json_t *data;		/* owned reference; always an object */
};

/* One step of one host (or of the run). Indexes are into state->records. */
struct tp_journal_step {
	char *name;			/* owned */
	/* kind of the latest intent/done/failed record; TP_JOURNAL_NOTE
	 * when the step has only notes */
	enum tp_journal_kind last;
	size_t last_record;		/* that record; or its latest note */
	size_t first[TP_JOURNAL_KINDS];	/* earliest record of a kind */
	size_t latest[TP_JOURNAL_KINDS]; /* latest record of each kind */
	unsigned count[TP_JOURNAL_KINDS]; /* records of each kind */
};

/* Everything journaled about one host (or, name NULL, about the run). */
struct tp_journal_host {
	char *name;			/* owned; NULL for the run level */
	struct tp_journal_step *steps;	/* owned; by first record */
	size_t n_steps;
	size_t n_records;
	size_t last_record;		/* index into state->records */
	/* indexes into steps, or TP_JOURNAL_NONE_IDX: */
	size_t last_done;	/* step of the latest "done" record */
	size_t last_failed;	/* step of the latest "failed" record */
	/* the step whose latest intent has no outcome after it, the most
	 * recent such when there are several: the engine must find out
	 * the host's real state before going on */
	size_t in_doubt;
};

/*
 * A journal replayed into memory. Fields are read-only for callers;
 * tp_journal_append keeps the writer's state up to date.
 */
struct tp_journal_state {
	struct tp_journal_record *records;	/* owned; in file order */
	size_t n_records;
	struct tp_journal_host run;		/* run-level records */
	struct tp_journal_host *hosts;	/* owned; by first record */
	size_t n_hosts;
	uint64_t last_seq;			/* 0 when empty */
	/* the last line was torn (ignored): its 1-based line number and
	 * length in bytes without any "\n" */
	bool torn;
	size_t torn_line;
	size_t torn_bytes;
	uint64_t good_size;	/* bytes of whole records at the start */
	size_t cap_records, cap_hosts;	/* private */
	json_t *index;		/* private: host name -> index in hosts */
};

/*
 * Replay the journal file at path into *out (free with
 * tp_journal_state_free). A missing file is TP_ENOTFOUND. A torn last
 * line is ignored and described in torn/torn_line/torn_bytes; any other
 * line that is not a valid record is TP_EPARSE "<path>:<line>: <what>",
 * or TP_ETOOBIG when longer than TP_JOURNAL_LINE_MAX. TP_EIO, TP_ENOMEM.
 */
int tp_journal_replay(struct tp_journal_state **out, const char *path,
		      struct tp_err *err);
void tp_journal_state_free(struct tp_journal_state *st);

/*
 * Queries. host NULL means the run-level records. Pointers returned are
 * borrowed from st and valid until st changes (the next append to the
 * journal that owns it) or is freed.
 */
/* The host's state, or NULL when it has no record. */
const struct tp_journal_host *
tp_journal_host_state(const struct tp_journal_state *st, const char *host);
/* The host's step, or NULL when it has no record. */
const struct tp_journal_step *
tp_journal_step(const struct tp_journal_state *st, const char *host,
		const char *step);
/* The kind of the step's latest intent/done/failed record (NOTE when it
 * has only notes), TP_JOURNAL_NONE when it has no record at all. */
enum tp_journal_kind tp_journal_step_last(const struct tp_journal_state *st,
					  const char *host, const char *step);
/* The step's latest intent has a "done" after it: do not repeat it. */
bool tp_journal_step_done(const struct tp_journal_state *st,
			  const char *host, const char *step);
/* The name of the host's in-doubt step (see struct tp_journal_host), or
 * NULL when none is. */
const char *tp_journal_in_doubt(const struct tp_journal_state *st,
				const char *host);
/* The step of the host's latest "done" record, or NULL. */
const char *tp_journal_last_done(const struct tp_journal_state *st,
				 const char *host);
/*
 * The data object of the latest (tp_journal_step_data) or earliest
 * (tp_journal_step_first_data) record of that kind for the host's step,
 * or NULL when there is none. Rollback wants the versions recorded at
 * the FIRST apply intent: a resumed apply journals a second intent
 * whose "before" may already be half-applied.
 */
const json_t *tp_journal_step_data(const struct tp_journal_state *st,
				   const char *host, const char *step,
				   enum tp_journal_kind kind);
const json_t *tp_journal_step_first_data(const struct tp_journal_state *st,
					 const char *host, const char *step,
					 enum tp_journal_kind kind);

/* ---- writing a run ---- */

/* What run.json says; all borrowed for the call, any may be NULL. */
struct tp_run_info {
	time_t created;			/* 0: now */
	const char *plan_digest;	/* "sha256:<hex>" */
	const char *playbook_path;
	const char *playbook_commit;	/* NULL: not in git */
	const char *inventory_path;
	const char *inventory_commit;	/* NULL: not in git */
	const char *command;		/* the command line as one string */
	const char *const *hosts;	/* the run's hosts in plan order */
	size_t n_hosts;
	const json_t *extra;		/* copied into "extra" */
};

/* A run open for appending; owns the run lock. */
struct tp_journal;

/*
 * Start a new run in runs_dir (created, mode 0755, if missing; its
 * parent must exist): a fresh run id, its directory, run.json, an
 * empty journal, and the run lock. *out on success only; free with
 * tp_journal_free. TP_EIO, TP_EINVAL (a host name that is not a
 * string), TP_ENOMEM.
 */
int tp_journal_create(struct tp_journal **out, const char *runs_dir,
		      const struct tp_run_info *info, struct tp_err *err);

/*
 * Open an existing run for appending (resume, rollback): take the run
 * lock, replay the journal, cut off a torn last line (noted in the
 * journal, see FILES) so that the next record starts a line. TP_ENOTFOUND
 * (no such run), TP_ESYS + EWOULDBLOCK ("run X is in use by pid N"),
 * the errors of tp_journal_replay, TP_EIO, TP_ENOMEM.
 */
int tp_journal_open(struct tp_journal **out, const char *runs_dir,
		    const char *run_id, struct tp_err *err);

/*
 * Append one record and make it durable (write, fsync) before returning;
 * the state is updated to include it. host NULL for a run-level record;
 * data an object or NULL ({}), borrowed. TP_EINVAL (bad step name,
 * host, kind or data), TP_ETOOBIG (the line would exceed
 * TP_JOURNAL_LINE_MAX; nothing written), TP_EIO. After TP_EIO the
 * record may or may not be on disk and every later append fails: stop,
 * and let resume decide from what the file holds.
 */
int tp_journal_append(struct tp_journal *j, const char *host,
		      const char *step, enum tp_journal_kind kind,
		      const json_t *data, struct tp_err *err);

/* Borrowed from j, valid until tp_journal_free. */
const char *tp_journal_run_id(const struct tp_journal *j);
const char *tp_journal_dir(const struct tp_journal *j);
const struct tp_journal_state *tp_journal_state(const struct tp_journal *j);

/*
 * Store <data, len> atomically as RUNS/<run-id>/<name> (e.g. the plan,
 * so that resume needs nothing else). name: 1-64 of [A-Za-z0-9._-], not
 * starting with "." and not one of run.json, journal.jsonl, lock
 * (TP_EINVAL). TP_EIO, TP_ENOMEM.
 */
int tp_journal_write_file(struct tp_journal *j, const char *name,
			  const char *data, size_t len, struct tp_err *err);

/*
 * Read RUNS/<run_id>/<name> into a NUL-terminated *data_out (caller
 * frees), its length in *len_out (may be NULL). TP_ENOTFOUND, TP_ETOOBIG
 * (over TP_RUN_FILE_MAX), TP_EINVAL (bad name), TP_EIO, TP_ENOMEM.
 */
int tp_journal_read_file(char **data_out, size_t *len_out,
			 const char *runs_dir, const char *run_id,
			 const char *name, struct tp_err *err);

/* Close the journal and release the run lock. NULL is allowed. */
void tp_journal_free(struct tp_journal *j);

/* ---- host locks ---- */

/* Who holds a lock, as its lock file says (empty/-1 when unreadable). */
struct tp_lock_holder {
	char host[256];
	char run_id[TP_RUN_ID_SIZE];
	long pid;
};

struct tp_journal_lock;

/*
 * Lock n hosts for run_id, all or none: RUNS/.locks/<host>.lock, kept
 * open and flock'ed until tp_journal_unlock or the process's death.
 * On a conflict nothing stays locked and the call fails with TP_ESYS,
 * err->sys_errno EWOULDBLOCK, the message "host H is being rolled out
 * by run R (pid P)" (or "by another run" when the holder did not say),
 * and *holder_out (may be NULL) filled. Locking a host twice in one
 * process conflicts too. TP_EINVAL (empty host name), TP_EIO, TP_ENOMEM.
 */
int tp_journal_lock_hosts(struct tp_journal_lock **out, const char *runs_dir,
			  const char *run_id, const char *const *hosts,
			  size_t n, struct tp_lock_holder *holder_out,
			  struct tp_err *err);
/* Release every lock. NULL is allowed. */
void tp_journal_unlock(struct tp_journal_lock *lk);

/* ---- history ---- */

/* Per step, over the hosts (not run-level): hosts whose latest record of
 * the step is done / failed / an intent without outcome. */
struct tp_run_step_count {
	char *step;		/* owned */
	unsigned done, failed, in_doubt;
};

struct tp_run {
	char *run_id;		/* owned */
	char *dir;		/* owned; RUNS/<run-id> */
	/* run.json (owned reference), NULL when unreadable; the strings
	 * below are borrowed from it (NULL when absent or null) */
	json_t *header;
	const char *created, *plan_digest, *playbook_path, *playbook_commit,
		*inventory_path, *inventory_commit, *version, *command;
	/* the replayed journal; NULL in the entries of tp_journal_list_runs,
	 * which keep only the summary */
	struct tp_journal_state *state;
	/* summary */
	size_t n_hosts;		/* hosts with at least one record */
	size_t n_planned;	/* hosts in run.json */
	struct tp_run_step_count *steps;	/* owned; by first record */
	size_t n_steps;
	bool finished;		/* run-level done/failed for step "run" */
	enum tp_journal_kind outcome;	/* DONE, FAILED, or NONE */
	char *updated;		/* owned; time of the last record/NULL */
	uint64_t n_records;
	bool torn;		/* the journal's last line is torn */
	/* tp_journal_list_runs only: why this run could not be read
	 * (code TP_OK when it could) */
	struct tp_err err;
};

/*
 * Load one run: header, replayed journal and summary. TP_ENOTFOUND (no
 * such run, or a run_id that is not a plain name), TP_EPARSE (bad
 * run.json or journal), TP_EIO, TP_ENOMEM. Free with tp_run_free.
 */
int tp_journal_load_run(struct tp_run **out, const char *runs_dir,
			const char *run_id, struct tp_err *err);
void tp_run_free(struct tp_run *run);

struct tp_run_list {
	struct tp_run **runs;	/* owned; newest first */
	size_t n;
};

/*
 * Every run in runs_dir, newest first (by the time in the run id, then
 * by run.json's modification time, then by run id), each with its
 * header and summary; directories whose names start with "." or have
 * characters outside [A-Za-z0-9._-] are not runs. A run that
 * cannot be read is listed with its err set, not an error of the whole
 * listing. A missing runs_dir is an empty list. out is initialised
 * here; release with tp_run_list_release. TP_EIO, TP_ENOMEM.
 */
int tp_journal_list_runs(struct tp_run_list *out, const char *runs_dir,
			 struct tp_err *err);
void tp_run_list_release(struct tp_run_list *list);

/*
 * The JSON view of a run (`tidepatch runs RUN --format json`):
 *   {"run_id", "created", "updated", "finished", "outcome" ("done",
 *    "failed" or null), "plan_digest", "playbook": {"path", "commit"},
 *    "inventory": {"path", "commit"}, "tidepatch_version", "command",
 *    "planned_hosts", "hosts" (count), "records", "torn",
 *    "steps": [{"step", "done", "failed", "in_doubt"}],
 *    "error": null or {"code", "message"}}
 * and with detail (and a state), also
 *   "host_states": [{"host" (null for the run level), "last_done",
 *     "last_failed", "in_doubt", "steps": [{"step", "last", "seq",
 *     "time", "attempts"}]}],
 *   "journal": [every record, as in the file].
 * New reference, or NULL with TP_ENOMEM in err.
 */
json_t *tp_journal_run_json(const struct tp_run *run, bool detail,
			    struct tp_err *err);
/* {"schema": "tidepatch.runs/1", "runs": [tp_journal_run_json(run, 0)]} */
json_t *tp_journal_runs_json(const struct tp_run_list *list,
			     struct tp_err *err);

/*
 * A fresh run id for time t into buf (TP_RUN_ID_SIZE bytes). Unique
 * only together with the mkdir that tp_journal_create does. TP_ESYS
 * when the system has no randomness to give.
 */
int tp_journal_new_run_id(char *buf, size_t size, time_t t,
			  struct tp_err *err);

#endif
