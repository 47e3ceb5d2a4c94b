/*
 * hostkeys.h - collect hosts' SSH keys for the inventory's known_hosts,
 * so they can be reviewed and committed like the rest of the inventory.
 */
#ifndef TIDEPATCH_HOSTKEYS_H
#define TIDEPATCH_HOSTKEYS_H

#include <stddef.h>

#include "tidepatch/many.h"

enum tp_hostkey_state {
	TP_HOSTKEY_KNOWN,	/* in known_hosts, same key */
	TP_HOSTKEY_NEW,		/* not in known_hosts */
	TP_HOSTKEY_CHANGED,	/* known_hosts has another key of this type */
};

/* One key of one host, or that host's error. Strings are owned. */
struct tp_hostkey {
	char *host;		/* inventory name */
	char *line;		/* known_hosts line: "addr type base64" */
	char *type;		/* "ssh-ed25519" */
	char fingerprint[64];	/* "SHA256:..." */
	enum tp_hostkey_state state;
	int error;		/* TP_E* when the host could not be scanned */
	struct tp_err err;
};

/*
 * Fetch the Ed25519 and ECDSA P-256 keys of hosts[0..n) (a handshake
 * per type, no authentication) and classify them against known_hosts
 * (may not exist yet). *out gets an array (caller frees with
 * tp_hostkeys_free) with one entry per key found, or one error entry for
 * a host that answered with neither. Returns 0, TP_ENOMEM or TP_ESYS.
 */
int tp_hostkeys_scan(struct tp_hostkey **out, size_t *n_out,
		     const struct tp_host_spec *hosts, size_t n,
		     const char *known_hosts, int parallel,
		     struct tp_err *err);

void tp_hostkeys_free(struct tp_hostkey *keys, size_t n);

/*
 * Append the lines of every TP_HOSTKEY_NEW key to path (created 0644 if
 * missing), fsync'd. Changed keys are never touched. *added_out gets the
 * count. TP_EIO on failure.
 */
int tp_hostkeys_append_new(const char *path, const struct tp_hostkey *keys,
			   size_t n, size_t *added_out, struct tp_err *err);

const char *tp_hostkey_state_name(enum tp_hostkey_state s);

#endif
