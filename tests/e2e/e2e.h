/*
 * e2e.h - running the real tidepatch binary and real system commands
 * from end-to-end tests.
 */
#ifndef TP_E2E_H
#define TP_E2E_H

#include <jansson.h>

#include "tidepatch/transport.h"

/* Run $TP_BIN with argv (NULL-terminated) and env assignments prefix. */
int e2e_tidepatch(struct tp_cmd_result *res, const char *env,
		  const char *const *argv);

/* Run a shell command line on this machine; asserts it could be run. */
void e2e_sh(struct tp_cmd_result *res, const char *cmdline);

/* Parse JSON text; asserts it is valid. */
json_t *e2e_json(const char *text);

/* The chroot image from tests/fleet/base-image.sh ($TP_BASE_IMAGE). */
const char *e2e_base_image(void);

/*
 * Mount a fresh overlay of the base image (writes go to a temporary
 * upper directory) and put its path in merged. One per test process;
 * e2e_overlay_down unmounts it and removes the temporary files.
 */
void e2e_overlay_up(char *merged, size_t size);
void e2e_overlay_down(void);

/*
 * Bring up the SSH test fleet (tests/fleet/fleet.sh) with nhosts plain
 * hosts and the special ones, in a directory of this process; its path
 * goes to dir. e2e_fleet_down tears it down (safe to call always).
 */
void e2e_fleet_up(char *dir, size_t size, int nhosts);
void e2e_fleet_down(const char *dir);

/*
 * Build a fresh local apt repository (tests/fleet/aptrepo.sh build) in a
 * directory of this process; its path goes to repo. e2e_aptrepo_remove
 * removes it (safe to call always; after e2e_fleet_down).
 */
void e2e_aptrepo_build(char *repo, size_t size);
void e2e_aptrepo_remove(const char *repo);

/*
 * Like e2e_fleet_up, but nhosts plain hosts only (no special ones), all
 * using only the repository repo (fleet.sh up --repo): its base versions
 * installed, its updates pending, the repository at /srv/tp-repo.
 */
void e2e_fleet_up_repo(char *dir, size_t size, int nhosts, const char *repo);

/*
 * One "Inst" line of `apt-get -s dist-upgrade`, split by the test's own
 * minimal reading of the format (independent of src/pkg/pkg_apt.c).
 */
struct e2e_inst {
	char name[256];
	char arch[64];
	char installed[256];	/* "" for a new install */
	char candidate[256];
	int security;
};

/* All Inst lines of <text>; returns the count, fills up to max entries. */
size_t e2e_parse_inst(const char *text, struct e2e_inst *out, size_t max);

#endif
