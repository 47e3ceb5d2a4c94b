/*
 * report_exec.c - exec results for machines (JSON) and people (text).
 *
 * Remote output is arbitrary bytes. JSON strings must be UTF-8, so
 * output that is not is written base64-encoded under a second key
 * rather than altered: an admin comparing outputs must see exact bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tidepatch/exec.h"

static int set(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static int set_output(json_t *o, const char *key, const struct tp_buf *b)
{
	char b64key[32];
	json_t *s;
	json_t *enc;
	unsigned char *tmp;
	int n;

	s = json_stringn(b->data ? b->data : "", b->len);
	if (s)
		return set(o, key, s);
	/* not UTF-8 (or has NUL): exact bytes, base64 */
	snprintf(b64key, sizeof(b64key), "%s_base64", key);
	tmp = malloc(4 * ((b->len + 2) / 3) + 1);
	if (!tmp)
		return -1;
	n = EVP_EncodeBlock(tmp, (const unsigned char *)b->data, (int)b->len);
	enc = json_stringn((const char *)tmp, (size_t)n);
	free(tmp);
	if (set(o, key, json_null()))
		return -1;
	return set(o, b64key, enc);
}

json_t *tp_report_exec_json(const struct tp_exec_result *res, size_t n,
			    const char *cmdline, struct tp_err *err)
{
	json_t *doc, *hosts;
	size_t i;

	doc = json_pack("{s:s, s:s, s:s}", "schema", TP_EXEC_SCHEMA,
			"tidepatch_version", TP_VERSION, "command", cmdline);
	hosts = json_array();
	if (!doc || !hosts || json_object_set(doc, "hosts", hosts))
		goto nomem;
	for (i = 0; i < n; i++) {
		const struct tp_exec_result *r = &res[i];
		json_t *h = json_object();

		if (!h || json_array_append_new(hosts, h) ||
		    set(h, "host", json_string(r->host)) ||
		    set(h, "status", json_string(tp_exec_result_state(r))) ||
		    set(h, "exit_status", r->status || r->exit_status < 0 ?
						  json_null() :
						  json_integer(r->exit_status)) ||
		    set_output(h, "stdout", &r->out) ||
		    set_output(h, "stderr", &r->errout) ||
		    set(h, "stderr_truncated", json_boolean(r->errout_truncated)) ||
		    set(h, "error", r->status ?
			json_pack("{s:s, s:s, s:b}", "code",
				  tp_errname(r->status), "message", r->err.msg,
				  "reached", r->reached) : json_null()))
			goto nomem;
	}
	json_decref(hosts);
	return doc;
nomem:
	json_decref(hosts);
	json_decref(doc);
	tp_err_set(err, TP_ENOMEM, "out of memory building the exec report");
	return NULL;
}

/* Append b, making sure it ends with a newline. */
static int put_block(struct tp_buf *out, const char *prefix,
		     const struct tp_buf *b, struct tp_err *err)
{
	const char *p = b->data, *end = b->data + b->len;
	int rc = 0;

	while (!rc && p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		rc = tp_buf_puts(out, prefix, err);
		if (!rc)
			rc = tp_buf_append(out, p, len, err);
		if (!rc)
			rc = tp_buf_puts(out, "\n", err);
		p += len + (nl ? 1 : 0);
	}
	return rc;
}

int tp_report_exec_text(struct tp_buf *out, const struct tp_exec_result *res,
			size_t n, int color, struct tp_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		const struct tp_exec_result *r = &res[i];
		const char *c = !color ? "" : r->status ? "\033[1;31m" :
					     r->exit_status ? "\033[1;33m" :
							      "\033[1;32m";
		const char *off = color ? "\033[0m" : "";

		if (r->status)
			rc = tp_buf_printf(out, err, "%s=== %s: error %s%s: %s\n",
					   c, r->host, tp_errname(r->status), off,
					   r->err.msg);
		else if (r->exit_status < 0)
			rc = tp_buf_printf(out, err, "%s=== %s: killed by a signal%s\n",
					   c, r->host, off);
		else
			rc = tp_buf_printf(out, err, "%s=== %s: exit %d%s\n", c,
					   r->host, r->exit_status, off);
		if (!rc)
			rc = put_block(out, "", &r->out, err);
		if (!rc)
			rc = put_block(out, "stderr: ", &r->errout, err);
		if (!rc && r->errout_truncated)
			rc = tp_buf_puts(out, "stderr: [cut at the stderr limit]\n",
					 err);
	}
	return rc;
}
