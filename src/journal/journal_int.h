/*
 * journal_int.h - what the files of src/journal share and nobody else
 * needs.
 */
#ifndef TP_JOURNAL_INT_H
#define TP_JOURNAL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "tidepatch/journal.h"

#define JN_JOURNAL "journal.jsonl"
#define JN_HEADER "run.json"
#define JN_RUN_LOCK "lock"
#define JN_LOCKS_DIR ".locks"

/* An empty state (every index TP_JOURNAL_NONE_IDX), or NULL. */
struct tp_journal_state *jn_state_new(void);

/*
 * Add rec to st, taking ownership of its strings and data reference
 * (the caller's copy is zeroed, also on failure). rec->seq must be
 * above st->last_seq (TP_EINVAL otherwise). TP_ENOMEM.
 */
int jn_state_add(struct tp_journal_state *st, struct tp_journal_record *rec,
		 struct tp_err *err);

/* Release what rec owns. */
void jn_record_release(struct tp_journal_record *rec);

/* "intent"... -> kind; TP_JOURNAL_NONE when s names none. */
enum tp_journal_kind jn_kind_from_name(const char *s);

/* A step name: 1..TP_JOURNAL_STEP_MAX of [A-Za-z0-9._-]. */
bool jn_valid_step(const char *s);

/*
 * A name that is safe as one path component of a run directory: 1..64
 * of [A-Za-z0-9._-], not starting with ".".
 */
bool jn_valid_component(const char *s);


/* s is exactly "YYYY-MM-DDTHH:MM:SSZ" with plausible fields. */
bool jn_valid_utc(const char *s);

/* mkdir that tolerates EEXIST. TP_EIO. */
int jn_mkdir(const char *dir, struct tp_err *err);
/* fsync a directory so that entries created in it survive a crash. */
int jn_sync_dir(const char *dir, struct tp_err *err);
/* Replace path atomically and durably with <data, len>. TP_EIO. */
/* Read a whole file of at most max bytes, NUL-terminated. TP_ENOTFOUND,
 * TP_ETOOBIG, TP_EIO, TP_ENOMEM. */
int jn_read_file(char **data_out, size_t *len_out, const char *path,
		 size_t max, struct tp_err *err);

/* malloc'ed "a/b", or NULL. */
char *jn_path(const char *a, const char *b);

/*
 * Open path (created 0644) and flock it LOCK_EX|LOCK_NB; on success
 * write the holder line for run_id and this pid into it. On conflict
 * return TP_ESYS with sys_errno EWOULDBLOCK and fill *holder (run id and
 * pid from the file; "" and -1 when unreadable), leaving the message to
 * the caller. *fd_out only on success.
 */
int jn_lock_file(int *fd_out, const char *path, const char *run_id,
		 struct tp_lock_holder *holder, struct tp_err *err);

#endif
