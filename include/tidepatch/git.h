/*
 * git.h - what git knows about the files a run was made from, for the
 * evidence a rollout keeps (libgit2; nothing is written to the repo).
 */
#ifndef TIDEPATCH_GIT_H
#define TIDEPATCH_GIT_H

#include <stdbool.h>

#include "tidepatch/err.h"

#define TP_GIT_OID_SIZE 41

/*
 * The commit HEAD points at in the git work tree that contains path (a
 * file or directory), as 40 hex digits in out, and in *dirty whether
 * path differs from that commit (changed, staged or untracked), so a
 * record can say "commit X, plus local changes". TP_ENOTFOUND when path
 * is not inside a work tree or the repository has no commit yet;
 * TP_ESYS for other libgit2 failures (message from libgit2).
 */
int tp_git_head(char out[TP_GIT_OID_SIZE], bool *dirty, const char *path,
		struct tp_err *err);

#endif
