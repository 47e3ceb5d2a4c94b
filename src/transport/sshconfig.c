/*
 * sshconfig.c - parse the ssh_config(5) subset and resolve a host.
 *
 * The file is kept as a list of (keyword, value, block) entries, where a
 * block is the Host line's patterns. Lookup walks the entries in order
 * and keeps the first value of each keyword from a block whose patterns
 * match, which is exactly OpenSSH's "first obtained value" rule.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"
#include "tidepatch/sshconfig.h"

#define SSHCFG_MAX (1024 * 1024)

struct entry {
	char *keyword;		/* lowercased */
	char *value;
	size_t block;		/* index into blocks */
};

struct tp_sshcfg {
	char **blocks;		/* Host patterns, space separated; [0] = "*" */
	size_t nblocks;
	struct entry *entries;
	size_t n, alloc;
	size_t skipped;
};

void tp_sshcfg_free(struct tp_sshcfg *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nblocks; i++)
		free(cfg->blocks[i]);
	for (i = 0; i < cfg->n; i++) {
		free(cfg->entries[i].keyword);
		free(cfg->entries[i].value);
	}
	free(cfg->blocks);
	free(cfg->entries);
	free(cfg);
}

void tp_sshcfg_host_release(struct tp_sshcfg_host *h)
{
	if (!h)
		return;
	free(h->hostname);
	free(h->user);
	free(h->identity);
	free(h->user_known_hosts);
	free(h->strict);
	free(h->proxyjump);
	memset(h, 0, sizeof(*h));
}

size_t tp_sshcfg_skipped(const struct tp_sshcfg *cfg)
{
	return cfg ? cfg->skipped : 0;
}

static int add_block(struct tp_sshcfg *cfg, const char *patterns)
{
	char **b = realloc(cfg->blocks, (cfg->nblocks + 1) * sizeof(*b));

	if (!b)
		return -1;
	cfg->blocks = b;
	if (!(b[cfg->nblocks] = strdup(patterns)))
		return -1;
	cfg->nblocks++;
	return 0;
}

static int add_entry(struct tp_sshcfg *cfg, const char *kw, const char *val)
{
	struct entry *e;
	size_t i;

	if (cfg->n == cfg->alloc) {
		size_t n = cfg->alloc ? cfg->alloc * 2 : 32;

		if (!(e = realloc(cfg->entries, n * sizeof(*e))))
			return -1;
		cfg->entries = e;
		cfg->alloc = n;
	}
	e = &cfg->entries[cfg->n];
	e->keyword = strdup(kw);
	e->value = strdup(val);
	e->block = cfg->nblocks - 1;
	if (!e->keyword || !e->value) {
		free(e->keyword);
		free(e->value);
		return -1;
	}
	for (i = 0; e->keyword[i]; i++)
		e->keyword[i] = (char)tolower((unsigned char)e->keyword[i]);
	cfg->n++;
	return 0;
}

/*
 * Split one line into keyword and value: "Keyword value",
 * "Keyword=value" or "Keyword = value"; a "quoted" first argument is
 * unquoted (and what follows it dropped).
 * Returns 0 for a blank/comment line, 1 for a pair, -1 for garbage.
 */
static int split(char *line, char **kw, char **val)
{
	char *p = line, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return 0;
	*kw = p;
	while (*p && *p != ' ' && *p != '\t' && *p != '=')
		p++;
	if (!*p)
		return -1;
	*p++ = '\0';
	while (*p == ' ' || *p == '\t' || *p == '=')
		p++;
	if (!*p)
		return -1;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (*p == '"') {
		/* quotes wrap one argument; the keywords used here read the
		 * first argument only */
		char *q = strchr(p + 1, '"');

		if (!q)
			return -1;
		*q = '\0';
		p++;
	}
	*val = p;
	return 1;
}

static const char *const known_keywords[] = {
	"host", "hostname", "user", "port", "identityfile",
	"userknownhostsfile", "stricthostkeychecking", "connecttimeout",
	"proxyjump", NULL,
};

static int is_numeric_ok(const char *v, int lo, int hi)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	return !errno && end != v && !*end && n >= lo && n <= hi;
}

int tp_sshcfg_parse(struct tp_sshcfg **out, const char *name,
		    const char *data, size_t len, struct tp_err *err)
{
	struct tp_sshcfg *cfg;
	struct tp_lines it;
	const char *l;
	size_t n;
	int skipping = 0, rc = 0;

	*out = NULL;
	if (len > SSHCFG_MAX)
		return tp_err_set(err, TP_ETOOBIG, "%s: larger than 1 MiB", name);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || add_block(cfg, "*")) {
		tp_sshcfg_free(cfg);
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	}
	tp_lines_init(&it, data, len);
	while (tp_lines_next(&it, &l, &n)) {
		char line[4096], *kw = NULL, *val = NULL, lower[32];
		size_t i;
		int s;

		if (n >= sizeof(line)) {
			rc = tp_err_set(err, TP_EPARSE, "%s:%zu: line too long",
					name, it.lineno);
			goto out;
		}
		memcpy(line, l, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		s = split(line, &kw, &val);
		if (s == 0)
			continue;
		if (s < 0) {
			rc = tp_err_set(err, TP_EPARSE,
					"%s:%zu: expected 'Keyword value'", name,
					it.lineno);
			goto out;
		}
		/* keywords are short; a longer one is unknown anyway */
		for (i = 0; kw[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)kw[i]);
		lower[i] = '\0';
		if (!strcmp(lower, "match") || !strcmp(lower, "include")) {
			/* unsupported: skip it (and a Match block's body) */
			skipping = !strcmp(lower, "match");
			cfg->skipped++;
			continue;
		}
		if (!strcmp(lower, "host")) {
			skipping = 0;
			if (add_block(cfg, val)) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				goto out;
			}
			continue;
		}
		if (skipping) {
			cfg->skipped++;
			continue;
		}
		for (i = 0; known_keywords[i]; i++)
			if (!strcmp(lower, known_keywords[i]))
				break;
		if (!known_keywords[i])
			continue;	/* options tidepatch does not use */
		if ((!strcmp(lower, "port") && !is_numeric_ok(val, 1, 65535)) ||
		    (!strcmp(lower, "connecttimeout") &&
		     !is_numeric_ok(val, 1, 86400))) {
			rc = tp_err_set(err, TP_EPARSE, "%s:%zu: %s: bad number '%s'",
					name, it.lineno, kw, val);
			goto out;
		}
		if (add_entry(cfg, lower, val)) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = cfg;
	cfg = NULL; /* ownership moved */
out:
	tp_sshcfg_free(cfg);
	return rc;
}

int tp_sshcfg_load(struct tp_sshcfg **out, const char *path,
		   struct tp_err *err)
{
	struct tp_buf b;
	char chunk[8192];
	size_t got;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return tp_sshcfg_parse(out, path, "", 0, err);
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	}
	tp_buf_init(&b, SSHCFG_MAX);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = tp_buf_append(&b, chunk, got, err))) {
			fclose(f);
			tp_buf_release(&b);
			return tp_err_prefix(err, "%s", path);
		}
	fclose(f);
	rc = tp_sshcfg_parse(out, path, b.data ? b.data : "", b.len, err);
	tp_buf_release(&b);
	return rc;
}

/* OpenSSH Host matching: any positive pattern matches, no negated one. */
static int block_matches(const char *patterns, const char *host)
{
	char buf[1024];
	char *tok, *save = NULL;
	int hit = 0;

	snprintf(buf, sizeof(buf), "%s", patterns);
	for (tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		int neg = tok[0] == '!';

		if (fnmatch(neg ? tok + 1 : tok, host, 0) == 0) {
			if (neg)
				return 0;
			hit = 1;
		}
	}
	return hit;
}

/* ~ and %d: the home directory; %h: the host; %%: a percent sign. */
static char *expand(const char *v, const char *host)
{
	const char *home = getenv("HOME");
	struct tp_buf b;
	struct tp_err e;

	tp_buf_init(&b, 8192);
	if (v[0] == '~' && (v[1] == '/' || !v[1])) {
		if (tp_buf_puts(&b, home ? home : "", &e))
			goto fail;
		v++;
	}
	for (; *v; v++) {
		int rc;

		if (v[0] == '%' && v[1]) {
			v++;
			rc = *v == 'd' ? tp_buf_puts(&b, home ? home : "", &e) :
			     *v == 'h' ? tp_buf_puts(&b, host, &e) :
			     *v == '%' ? tp_buf_puts(&b, "%", &e) :
					 tp_buf_printf(&b, &e, "%%%c", *v);
		} else {
			rc = tp_buf_append(&b, v, 1, &e);
		}
		if (rc)
			goto fail;
	}
	return tp_buf_detach(&b);
fail:
	tp_buf_release(&b);
	return NULL;
}

int tp_sshcfg_lookup(const struct tp_sshcfg *cfg, const char *host,
		     struct tp_sshcfg_host *out, struct tp_err *err)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; cfg && i < cfg->n; i++) {
		const struct entry *e = &cfg->entries[i];
		char **slot = NULL;

		if (!block_matches(cfg->blocks[e->block], host))
			continue;
		if (!strcmp(e->keyword, "hostname"))
			slot = &out->hostname;
		else if (!strcmp(e->keyword, "user"))
			slot = &out->user;
		else if (!strcmp(e->keyword, "identityfile"))
			slot = &out->identity;
		else if (!strcmp(e->keyword, "userknownhostsfile"))
			slot = &out->user_known_hosts;
		else if (!strcmp(e->keyword, "stricthostkeychecking"))
			slot = &out->strict;
		else if (!strcmp(e->keyword, "proxyjump"))
			slot = &out->proxyjump;
		else if (!strcmp(e->keyword, "port") && !out->port)
			out->port = atoi(e->value);
		else if (!strcmp(e->keyword, "connecttimeout") &&
			 !out->connect_timeout)
			out->connect_timeout = atoi(e->value);
		if (!slot || *slot)
			continue;	/* first obtained value wins */
		if (slot == &out->user_known_hosts) {
			/* several files may be listed: the first one */
			char first[1024];

			snprintf(first, sizeof(first), "%.*s",
				 (int)strcspn(e->value, " \t"), e->value);
			*slot = expand(first, host);
		} else {
			*slot = expand(e->value, host);
		}
		if (!*slot) {
			tp_sshcfg_host_release(out);
			return tp_err_set(err, TP_ENOMEM, "out of memory");
		}
		if (slot == &out->strict) {
			char *p;

			for (p = *slot; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
	}
	return 0;
}
