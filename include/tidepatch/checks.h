/*
 * checks.h - a host's pre-checks and verification (tidepatch-playbook(5):
 * prechecks, verify) as one /bin/sh script run on the host, and the
 * parser for what it prints. One round trip per attempt, whatever the
 * number of checks; nothing but POSIX sh, awk, df and perl-base (present
 * on every Debian system) is needed on the host; curl only for https.
 */
#ifndef TIDEPATCH_CHECKS_H
#define TIDEPATCH_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "tidepatch/buf.h"
#include "tidepatch/err.h"
#include "tidepatch/playbook.h"

enum tp_check_set {
	TP_CHECKS_PRE,		/* min free space, services, commands */
	TP_CHECKS_VERIFY,	/* services, ports, http, commands */
};

/* One check's outcome. Strings owned. */
struct tp_check {
	char *what;		/* "free space on /var", "service nginx", ... */
	bool ok;
	char *detail;		/* "812 MiB free, 500 needed", "exit 1: ..." */
};

struct tp_check_list {
	struct tp_check *items;
	size_t n;
};

void tp_check_list_release(struct tp_check_list *l);

/*
 * Append the script for set's checks of pb to out (empty when there are
 * none: then nothing needs to run). Every user string reaches the shell
 * through tp_shell_quote. TP_ENOMEM, TP_ETOOBIG.
 */
int tp_checks_script(struct tp_buf *out, const struct tp_playbook *pb,
		     enum tp_check_set set, struct tp_err *err);

/* How many checks set has in pb. */
size_t tp_checks_count(const struct tp_playbook *pb, enum tp_check_set set);

/*
 * Parse the script's output: exactly one line per check, in order,
 * "tp-check <index> ok|fail <detail>". A missing, repeated or malformed
 * line is TP_EPARSE (the host's output is untrusted: a check that did
 * not report is not a pass). Fills out (caller releases).
 */
int tp_checks_parse(struct tp_check_list *out, const struct tp_playbook *pb,
		    enum tp_check_set set, const char *data, size_t len,
		    struct tp_err *err);

/* Whether every check passed; the first failure's index in *first. */
bool tp_checks_passed(const struct tp_check_list *l, size_t *first);

#endif
