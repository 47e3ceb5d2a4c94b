/*
 * hostkeys.c - scan host keys, classify them against known_hosts, and
 * append the new ones.
 *
 * Each host is scanned once per key type, each scan its own handshake
 * with only that algorithm offered (libssh2 reports one key per
 * handshake). Classification uses libssh2's knownhost API, so hashed
 * entries count as known. Changed keys are reported, never replaced:
 * replacing a key is a decision for a person, not a tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh2.h>
#include <openssl/evp.h>

#include "tidepatch/hostkeys.h"

static const char *const key_types[] = { "ssh-ed25519", "ecdsa-sha2-nistp256" };
#define NTYPES (sizeof(key_types) / sizeof(key_types[0]))

struct scan_ctx {
	unsigned char *sent;
	int *rc;
	struct tp_err *errs;
	char **keyline;		/* "type base64" per spec */
};

static const char *ks_next(void *ctx, size_t i, struct tp_run_opts *ro)
{
	struct scan_ctx *c = ctx;

	(void)ro;
	if (c->sent[i])
		return NULL;
	c->sent[i] = 1;
	return "keyscan";	/* not run: the connection stops at the key */
}

static void ks_feed(void *ctx, size_t i, int rc, const struct tp_cmd_result *res,
		    const struct tp_err *err, int reached)
{
	struct scan_ctx *c = ctx;

	(void)reached;
	c->sent[i] = 1;
	c->rc[i] = rc;
	if (rc)
		c->errs[i] = *err;
	else if (res && res->out.data)
		c->keyline[i] = strndup(res->out.data,
					strcspn(res->out.data, "\n"));
}

static void fingerprint(const char *b64, char *out, size_t size)
{
	unsigned char blob[8192], md[EVP_MAX_MD_SIZE], enc[128];
	unsigned int mdlen = 0;
	size_t len = strlen(b64);
	int n, pad = 0;

	snprintf(out, size, "(invalid key)");
	if (len == 0 || len > 4 * (sizeof(blob) / 3))
		return;
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return;
	while (len && b64[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (!EVP_Digest(blob, (size_t)(n - pad), md, &mdlen, EVP_sha256(), NULL))
		return;
	n = EVP_EncodeBlock(enc, md, (int)mdlen);
	while (n > 0 && enc[n - 1] == '=')
		n--;
	snprintf(out, size, "SHA256:%.*s", n, enc);
}

static int keybit(const char *type)
{
	if (!strcmp(type, "ssh-ed25519"))
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	if (!strcmp(type, "ecdsa-sha2-nistp256"))
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

/* Known, new or changed, against the file (a missing file knows nothing). */
static enum tp_hostkey_state classify(LIBSSH2_KNOWNHOSTS *kh,
				      const struct tp_ssh_target *t,
				      const char *type, const char *b64)
{
	int rc;

	if (!kh)
		return TP_HOSTKEY_NEW;
	rc = libssh2_knownhost_checkp(kh, t->address, t->port, b64, 0,
				      LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					      LIBSSH2_KNOWNHOST_KEYENC_BASE64 |
					      keybit(type), NULL);
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return TP_HOSTKEY_KNOWN;
	if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return TP_HOSTKEY_CHANGED;
	return TP_HOSTKEY_NEW;
}

void tp_hostkeys_free(struct tp_hostkey *keys, size_t n)
{
	size_t i;

	for (i = 0; keys && i < n; i++) {
		free(keys[i].host);
		free(keys[i].line);
		free(keys[i].type);
	}
	free(keys);
}

const char *tp_hostkey_state_name(enum tp_hostkey_state s)
{
	return s == TP_HOSTKEY_KNOWN ? "known" :
	       s == TP_HOSTKEY_CHANGED ? "changed" : "new";
}

static int add_key(struct tp_hostkey *k, const struct tp_ssh_target *t,
		   const char *keyline, LIBSSH2_KNOWNHOSTS *kh)
{
	const char *sp = strchr(keyline, ' ');
	char addr[300];

	if (!sp)
		return -1;
	if (t->port == 22)
		snprintf(addr, sizeof(addr), "%s", t->address);
	else
		snprintf(addr, sizeof(addr), "[%s]:%d", t->address, t->port);
	k->host = strdup(t->name);
	k->type = strndup(keyline, (size_t)(sp - keyline));
	k->line = malloc(strlen(addr) + strlen(keyline) + 2);
	if (!k->host || !k->type || !k->line)
		return -1;
	sprintf(k->line, "%s %s", addr, keyline);
	fingerprint(sp + 1, k->fingerprint, sizeof(k->fingerprint));
	k->state = classify(kh, t, k->type, sp + 1);
	return 0;
}

int tp_hostkeys_scan(struct tp_hostkey **out, size_t *n_out,
		     const struct tp_host_spec *hosts, size_t n,
		     const char *known_hosts, int parallel,
		     struct tp_err *err)
{
	static const struct tp_many_ops ops = { ks_next, ks_feed };
	size_t m = n * NTYPES, i, j, nk = 0;
	struct tp_host_spec *specs = calloc(m ? m : 1, sizeof(*specs));
	struct scan_ctx c = { 0 };
	struct tp_hostkey *keys = calloc(m ? m : 1, sizeof(*keys));
	LIBSSH2_SESSION *session = NULL;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	c.sent = calloc(m ? m : 1, 1);
	c.rc = calloc(m ? m : 1, sizeof(*c.rc));
	c.errs = calloc(m ? m : 1, sizeof(*c.errs));
	c.keyline = calloc(m ? m : 1, sizeof(*c.keyline));
	if (!specs || !keys || !c.sent || !c.rc || !c.errs || !c.keyline) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < NTYPES; j++) {
			specs[i * NTYPES + j] = hosts[i];
			specs[i * NTYPES + j].ssh.keyscan = key_types[j];
		}
	if ((rc = tp_many_run(specs, m, parallel, &ops, &c, err)))
		goto out;

	/* libssh2's knownhost API wants a session; it does no I/O here */
	session = libssh2_session_init();
	if (session && (kh = libssh2_knownhost_init(session)) &&
	    libssh2_knownhost_readfile(kh, known_hosts,
				       LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
		libssh2_knownhost_free(kh);
		kh = NULL;	/* missing or unreadable: everything is new */
	}
	for (i = 0; i < n; i++) {
		size_t found = 0;

		for (j = 0; j < NTYPES; j++) {
			size_t s = i * NTYPES + j;

			if (c.rc[s] || !c.keyline[s])
				continue;
			if (add_key(&keys[nk], &hosts[i].ssh, c.keyline[s], kh)) {
				rc = tp_err_set(err, TP_ENOMEM, "out of memory");
				nk++;
				goto out;
			}
			nk++;
			found++;
		}
		if (!found) {
			/* neither type: report the first failure */
			struct tp_hostkey *k = &keys[nk++];

			k->host = strdup(hosts[i].ssh.name);
			k->error = c.rc[i * NTYPES] ? c.rc[i * NTYPES] : TP_ESSH;
			k->err = c.errs[i * NTYPES];
			if (!c.rc[i * NTYPES])
				tp_err_set(&k->err, TP_ESSH,
					   "offered neither an Ed25519 nor an ECDSA key");
		}
	}
out:
	if (kh)
		libssh2_knownhost_free(kh);
	if (session)
		libssh2_session_free(session);
	for (i = 0; c.keyline && i < m; i++)
		free(c.keyline[i]);
	free(c.keyline);
	free(c.errs);
	free(c.rc);
	free(c.sent);
	free(specs);
	if (rc) {
		tp_hostkeys_free(keys, nk);
		return rc;
	}
	*out = keys;
	*n_out = nk;
	return 0;
}

int tp_hostkeys_append_new(const char *path, const struct tp_hostkey *keys,
			   size_t n, size_t *added_out, struct tp_err *err)
{
	size_t i, added = 0;
	int fd;

	*added_out = 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	for (i = 0; i < n; i++) {
		const struct tp_hostkey *k = &keys[i];
		size_t len;

		if (k->error || k->state != TP_HOSTKEY_NEW)
			continue;
		len = strlen(k->line);
		if (write(fd, k->line, len) != (ssize_t)len ||
		    write(fd, "\n", 1) != 1) {
			int e = errno;

			close(fd);
			return tp_err_sys(err, TP_EIO, e, "%s", path);
		}
		added++;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return tp_err_sys(err, TP_EIO, errno, "%s", path);
	*added_out = added;
	return 0;
}
