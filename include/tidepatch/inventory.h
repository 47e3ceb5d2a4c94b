/*
 * inventory.h - the JSON inventory: hosts, groups, defaults, and the
 * Ansible-style host patterns that select from it.
 *
 * The format, the resolution order and the pattern syntax are specified
 * in tidepatch-inventory(5); this header states the C contract only.
 * Loading validates everything and reports every problem with its place
 * (file and JSON path, or file:line:column for JSON syntax), not just the
 * first: an inventory is reviewed as a git change and CI wants the whole
 * list in one run.
 */
#ifndef TIDEPATCH_INVENTORY_H
#define TIDEPATCH_INVENTORY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tidepatch/err.h"

/* Largest inventory file read; larger is a problem, not an allocation. */
#define TP_INV_FILE_MAX ((size_t)16 << 20)

enum tp_criticality {
	TP_CRIT_LOW,
	TP_CRIT_MEDIUM,		/* the default */
	TP_CRIT_HIGH,
	TP_CRIT_CRITICAL,
};

enum tp_exposure {
	TP_EXPO_ISOLATED,	/* no inbound network path (air gap, lab) */
	TP_EXPO_INTERNAL,	/* the default: reachable from inside only */
	TP_EXPO_DMZ,		/* reachable from partners or a perimeter */
	TP_EXPO_INTERNET,	/* reachable from the internet */
};

/* One hop of a jump chain, in connection order. */
struct tp_inv_hop {
	char *host;	/* owned; inventory host name, NULL for a literal */
	char *user;	/* owned; NULL: the SSH default */
	char *address;	/* owned; never NULL */
	int port;	/* 1-65535 */
};

/* A fully resolved host: defaults < groups < host already applied. */
struct tp_inv_host {
	char *name;		/* owned; the inventory name */
	char *file;		/* owned; the file that defines it */
	char *address;		/* owned; the name when not set */
	int port;		/* 22 when not set */
	char *user;		/* owned; NULL: the SSH default */
	char *identity;		/* owned; NULL: agent and default keys */
	struct tp_inv_hop *jump; /* owned; first hop first */
	size_t njump;
	bool become;
	enum tp_criticality criticality;
	enum tp_exposure exposure;
	char **tags;		/* owned; union over all levels, first seen first */
	size_t ntags;
	char **groups;		/* owned; every group but "all", in precedence
				 * order (least specific first) */
	size_t ngroups;
	json_t *vars;		/* owned reference; merged vars object */
	json_t *origin;		/* owned reference; "port" -> "group:web",
				 * "vars.x" -> "host", ... for each value set */
};

struct tp_inventory {
	char *source;		/* owned; the path that was loaded */
	char *known_hosts;	/* owned; <dir>/known_hosts beside the source */
	struct tp_inv_host *hosts; /* owned; inventory order */
	size_t nhosts;
	char **groups;		/* owned; every group name, sorted, with "all"
				 * and "ungrouped" */
	size_t ngroups;
};

/* One validation problem. Either path or line/column is set. */
struct tp_inv_problem {
	char *file;	/* owned; as opened, "inventory/hosts.json" */
	char *path;	/* owned; JSON path "$.hosts.web1.port", or NULL */
	int line;	/* 1-based, with column, for syntax errors; else 0 */
	int column;
	char *msg;	/* owned; "must be an integer 1-65535" */
};

struct tp_inv_problems {
	struct tp_inv_problem *v;
	size_t n;
	size_t cap;
};

void tp_inv_problems_init(struct tp_inv_problems *p);
/* Free every problem; p can be reused. NULL is allowed. */
void tp_inv_problems_release(struct tp_inv_problems *p);

/*
 * Append a problem (file, JSON path or NULL, line/column or 0, the
 * message from fmt) to p: the one way every loader reports. Returns 0,
 * or -1 when memory ran out (p is left as it was).
 */
int tp_inv_problem_vadd(struct tp_inv_problems *p, const char *file,
			const char *path, int line, int column,
			const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/*
 * dst = parent + ".key", or parent + ["key"] (JSON-escaped) when key is
 * not a plain identifier, so the place of an odd key is unambiguous;
 * truncated to size, always NUL-terminated. The JSON path every loader
 * reports problems with.
 */
void tp_inv_path_key(char *dst, size_t size, const char *parent,
		     const char *key);

/*
 * Format one problem as a line without newline, "file: $.path: msg" or
 * "file:line:col: msg", into buf of size bytes (truncated, always NUL
 * terminated).
 */
void tp_inv_problem_format(const struct tp_inv_problem *p, char *buf,
			   size_t size);

/*
 * Load and validate the inventory at path (NULL: "inventory"), a file or
 * a directory whose *.json files (sorted by name) are merged. Every
 * problem found is appended to problems (caller-owned, initialised).
 * Returns 0 with *out set (caller frees), or, with *out NULL:
 * TP_ECONFIG when problems were found (err says how many),
 * TP_ENOTFOUND when path does not exist, TP_EIO, TP_ENOMEM.
 */
int tp_inventory_load(struct tp_inventory **out, const char *path,
		      struct tp_inv_problems *problems, struct tp_err *err);

/* Free an inventory. NULL is allowed. */
void tp_inventory_free(struct tp_inventory *inv);

/* The host named name, or NULL. */
const struct tp_inv_host *tp_inventory_host(const struct tp_inventory *inv,
					    const char *name);

/*
 * Split a jump spec "[user@]address[:port]" (address may be "[v6]"), as
 * in the inventory's "jump" and ssh_config's ProxyJump. On success sets
 * *user (NULL when absent) and *address (both malloc'd) and *port (22
 * when absent) and returns 0; else -1 (malformed; outs untouched) or -2
 * (out of memory).
 */
int tp_inv_parse_hop(const char *spec, char **user, char **address,
		     int *port);

/* Stable names, as written in the inventory and in JSON output. */
const char *tp_criticality_name(enum tp_criticality c);
const char *tp_exposure_name(enum tp_exposure e);

/*
 * Select hosts with Ansible-style patterns (tidepatch-inventory(5),
 * PATTERNS). All terms of all patterns form one expression: plain terms
 * are a union, then every "&term" intersects, then every "!term"
 * excludes; with no plain term the start is "all". npatterns == 0 means
 * "all". limit (may be NULL) is a second pattern the result must also
 * match. *idx_out gets indexes into inv->hosts in inventory order, no
 * duplicates (caller frees); *n_out may be 0 only when exclusions
 * removed everything. Errors: TP_ENOTFOUND naming the first term that
 * matches no host or group, TP_EUSAGE for an empty term, TP_ENOMEM.
 */
int tp_inventory_select(const struct tp_inventory *inv,
			const char *const *patterns, size_t npatterns,
			const char *limit, size_t **idx_out, size_t *n_out,
			struct tp_err *err);

#endif
