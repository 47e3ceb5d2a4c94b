/*
 * sshconfig.h - the subset of ssh_config(5) people rely on, so hosts
 * reached with plain `ssh web1` are reached the same way by tidepatch.
 *
 * Supported: Host blocks with patterns (*, ?, !negation), HostName,
 * User, Port, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking,
 * ConnectTimeout, ProxyJump; "Keyword value" and "Keyword=value",
 * quoted values, comments. As in OpenSSH, the first value obtained for
 * a keyword wins. Match and Include blocks are not supported: their
 * lines are skipped, and counted in `skipped`.
 */
#ifndef TIDEPATCH_SSHCONFIG_H
#define TIDEPATCH_SSHCONFIG_H

#include <stddef.h>

#include "tidepatch/err.h"

struct tp_sshcfg;

/* What applies to one host. Strings are owned (release to free). */
struct tp_sshcfg_host {
	char *hostname;		/* %h expanded to the host's name */
	char *user;
	int port;		/* 0: not set */
	char *identity;		/* the first IdentityFile, ~ expanded */
	char *user_known_hosts;	/* the first UserKnownHostsFile, ~ expanded */
	char *strict;		/* StrictHostKeyChecking value, lowercased */
	int connect_timeout;	/* seconds; 0: not set */
	char *proxyjump;
};

/*
 * Parse the file at path into *out. A missing file is an empty config
 * (0). Errors: TP_EPARSE with "path:line: ..." for a line that is not
 * "Keyword value", an unterminated quote, a bad number; TP_EIO,
 * TP_ETOOBIG (over 1 MiB), TP_ENOMEM.
 */
int tp_sshcfg_load(struct tp_sshcfg **out, const char *path,
		   struct tp_err *err);

/* Parse <data, len>; name is used in messages. Same errors. */
int tp_sshcfg_parse(struct tp_sshcfg **out, const char *name,
		    const char *data, size_t len, struct tp_err *err);

/* Settings for host (the name as typed, e.g. the inventory name). */
int tp_sshcfg_lookup(const struct tp_sshcfg *cfg, const char *host,
		     struct tp_sshcfg_host *out, struct tp_err *err);

/* Lines of unsupported blocks (Match, Include) that were skipped. */
size_t tp_sshcfg_skipped(const struct tp_sshcfg *cfg);

void tp_sshcfg_host_release(struct tp_sshcfg_host *h);
void tp_sshcfg_free(struct tp_sshcfg *cfg);

#endif
