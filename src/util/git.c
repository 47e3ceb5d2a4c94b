/*
 * git.c - the commit behind a file, through libgit2.
 *
 * Opened read-only in spirit: only HEAD and the status of one path are
 * read. libgit2 is initialised once per process and never shut down (the
 * process is short-lived; shutting down while another caller might
 * still use it buys nothing).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "tidepatch/git.h"

static int git_ready;

static int git_fail(struct tp_err *err, const char *what)
{
	const git_error *e = git_error_last();

	return tp_err_set(err, TP_ESYS, "%s: %s", what,
			  e && e->message ? e->message : "libgit2 error");
}

/* Is path (relative to the work tree) or anything under it changed? */
static int status_cb(const char *p, unsigned int flags, void *payload)
{
	(void)p;
	if (flags != GIT_STATUS_CURRENT && !(flags & GIT_STATUS_IGNORED))
		*(bool *)payload = true;
	return 0;
}

int tp_git_head(char out[TP_GIT_OID_SIZE], bool *dirty, const char *path,
		struct tp_err *err)
{
	git_repository *repo = NULL;
	git_status_options so;
	git_oid oid;
	char abs[PATH_MAX], *rel;
	const char *wd;
	int rc = 0;

	out[0] = '\0';
	*dirty = false;
	if (!git_ready) {
		git_libgit2_init();
		git_ready = 1;
	}
	if (!realpath(path, abs))
		return tp_err_sys(err, TP_ENOTFOUND, errno, "%s", path);
	if (git_repository_open_ext(&repo, abs, 0, NULL) < 0)
		return tp_err_set(err, TP_ENOTFOUND, "%s is not in a git "
				  "work tree", path);
	if (git_reference_name_to_id(&oid, repo, "HEAD") < 0) {
		rc = tp_err_set(err, TP_ENOTFOUND, "%s: the repository has no "
				"commit yet", path);
		goto out;
	}
	git_oid_tostr(out, TP_GIT_OID_SIZE, &oid);
	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	wd = git_repository_workdir(repo);
	rel = wd && !strncmp(abs, wd, strlen(wd)) ? abs + strlen(wd) : NULL;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		   GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (rel && *rel) {
		so.pathspec.strings = &rel;
		so.pathspec.count = 1;
	}
	if (git_status_foreach_ext(repo, &so, status_cb, dirty) < 0)
		rc = git_fail(err, "git status");
out:
	git_repository_free(repo);
	return rc;
}
