/*
 * checks.c - pre-checks and verification as one script per attempt.
 *
 * Each check is a small shell block that prints exactly one line:
 *
 *	tp-check 3 ok 812 MiB free, 500 needed
 *	tp-check 4 fail exit 1: curl: (7) Failed to connect
 *
 * The parser demands every index once and in order, so a check that was
 * skipped, killed or forged by a command's own output (an index out of
 * order, a second line for one index) is an error, never a pass. Command
 * output in a detail is cut to its last 200 bytes and folded onto one
 * line on the host; the parser bounds it again.
 *
 * Services: systemctl when systemd runs, else service(8), else a process
 * of that name (containers and chroots without an init). Ports: LISTEN
 * sockets from /proc/net/tcp and tcp6, read with awk (no ss/netstat
 * needed). HTTP: curl when present, else perl-base's IO::Socket::INET
 * for http:// (https then needs curl).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/checks.h"
#include "tidepatch/quote.h"

#define DETAIL_MAX 512

/* After "out=$(/bin/sh -c <cmd> 2>&1 </dev/null); rc=$?": the verdict. */
static const char *const verdict =
	"; rc=$?\n"
	"if [ $rc = 0 ]; then v=ok; else v=fail; fi\n"
	"printf 'tp-check %zu %%s exit %%s: %%s\\n' \"$v\" \"$rc\" "
	"\"$(printf %%s \"$out\" | tail -c 200 | tr '\\n\\r\\t' '   ')\"\n";

static int quoted(struct tp_buf *b, const char *s, struct tp_err *err)
{
	return tp_shell_quote(b, s, err);
}

size_t tp_checks_count(const struct tp_playbook *pb, enum tp_check_set set)
{
	if (set == TP_CHECKS_PRE)
		return pb->nmin_free + pb->npre_services + pb->npre_commands;
	return pb->nverify_services + pb->nverify_ports + pb->nverify_http +
	       pb->nverify_commands;
}

static int free_space(struct tp_buf *out, size_t idx,
		      const struct tp_pb_min_free *m, struct tp_err *err)
{
	int rc;

	if ((rc = tp_buf_puts(out, "p=", err)) || (rc = quoted(out, m->path, err)))
		return rc;
	return tp_buf_printf(out, err,
		"\navail=$(df -Pk \"$p\" 2>/dev/null | awk 'NR==2 {print $4}')\n"
		"case \"$avail\" in ''|*[!0-9]*) "
		"echo \"tp-check %zu fail cannot read free space on $p\";;\n"
		"*) if [ $((avail / 1024)) -ge %lu ]; then v=ok; else v=fail; fi\n"
		"   echo \"tp-check %zu $v $((avail / 1024)) MiB free on $p, "
		"%lu needed\";;\nesac\n", idx, m->mb, idx, m->mb);
}

static int service(struct tp_buf *out, size_t idx, const char *unit,
		   struct tp_err *err)
{
	int rc;

	if ((rc = tp_buf_puts(out, "u=", err)) || (rc = quoted(out, unit, err)))
		return rc;
	return tp_buf_printf(out, err,
		"\nif [ -d /run/systemd/system ]; then "
		"systemctl is-active --quiet \"$u\"\n"
		"elif command -v service >/dev/null 2>&1 && "
		"[ -e \"/etc/init.d/$u\" ]; then service \"$u\" status "
		">/dev/null 2>&1\n"
		"else pgrep -x \"$u\" >/dev/null 2>&1 || pidof \"$u\" "
		">/dev/null 2>&1; fi\n"
		"if [ $? = 0 ]; then echo \"tp-check %zu ok $u is running\"; "
		"else echo \"tp-check %zu fail $u is not running\"; fi\n",
		idx, idx);
}

static int port(struct tp_buf *out, size_t idx, int p, struct tp_err *err)
{
	return tp_buf_printf(out, err,
		"if awk -v p=%04X 'FNR > 1 && $4 == \"0A\" { n = split($2, a, "
		"\":\"); if (a[n] == p) f = 1 } END { exit !f }' "
		"/proc/net/tcp /proc/net/tcp6 2>/dev/null; then "
		"echo \"tp-check %zu ok port %d is listening\"; else "
		"echo \"tp-check %zu fail nothing listens on TCP port %d\"; fi\n",
		(unsigned)p, idx, p, idx, p);
}

static int http(struct tp_buf *out, size_t idx, const struct tp_pb_http *h,
		struct tp_err *err)
{
	int rc;

	if ((rc = tp_buf_puts(out, "url=", err)) ||
	    (rc = quoted(out, h->url, err)))
		return rc;
	return tp_buf_printf(out, err,
		"\nif command -v curl >/dev/null 2>&1; then "
		"code=$(curl -s -o /dev/null -w '%%{http_code}' --max-time 10 "
		"\"$url\")\n"
		"else code=$(perl -MIO::Socket::INET -e '"
		"my ($h, $p, $u) = $ARGV[0] =~ m{^http://([^/:]+)(?::(\\d+))?(/.*)?$} "
		"or do { print \"https-needs-curl\"; exit 0 }; "
		"my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p || 80, "
		"Timeout => 10) or do { print 0; exit 0 }; "
		"print $s \"GET \" . ($u || \"/\") . \" HTTP/1.0\\r\\nHost: $h\\r\\n\\r\\n\"; "
		"my $l = <$s> // \"\"; my ($c) = $l =~ m{^HTTP/\\S+ (\\d+)}; "
		"print $c // 0' \"$url\" 2>/dev/null)\n"
		"fi\n"
		"if [ \"$code\" = %d ]; then echo \"tp-check %zu ok $url answered $code\"; "
		"else echo \"tp-check %zu fail $url answered ${code:-nothing}, "
		"expected %d\"; fi\n",
		h->expect_status, idx, idx, h->expect_status);
}

/* A command of the playbook: shell code by design, run by its own sh so
 * that nothing in it can break this script's syntax. */
static int command(struct tp_buf *out, size_t idx, const char *cmd,
		   struct tp_err *err)
{
	int rc;

	if ((rc = tp_buf_puts(out, "out=$(/bin/sh -c ", err)) ||
	    (rc = quoted(out, cmd, err)) ||
	    (rc = tp_buf_puts(out, " 2>&1 </dev/null)", err)))
		return rc;
	return tp_buf_printf(out, err, verdict, idx);
}

int tp_checks_script(struct tp_buf *out, const struct tp_playbook *pb,
		     enum tp_check_set set, struct tp_err *err)
{
	size_t i, idx = 0;
	int rc = 0;

	if (set == TP_CHECKS_PRE) {
		for (i = 0; !rc && i < pb->nmin_free; i++)
			rc = free_space(out, idx++, &pb->min_free[i], err);
		for (i = 0; !rc && i < pb->npre_services; i++)
			rc = service(out, idx++, pb->pre_services[i], err);
		for (i = 0; !rc && i < pb->npre_commands; i++)
			rc = command(out, idx++, pb->pre_commands[i], err);
		return rc;
	}
	for (i = 0; !rc && i < pb->nverify_services; i++)
		rc = service(out, idx++, pb->verify_services[i], err);
	for (i = 0; !rc && i < pb->nverify_ports; i++)
		rc = port(out, idx++, pb->verify_ports[i], err);
	for (i = 0; !rc && i < pb->nverify_http; i++)
		rc = http(out, idx++, &pb->verify_http[i], err);
	for (i = 0; !rc && i < pb->nverify_commands; i++)
		rc = command(out, idx++, pb->verify_commands[i], err);
	return rc;
}

/* What check idx of set is, for messages. */
static char *describe(const struct tp_playbook *pb, enum tp_check_set set,
		      size_t idx)
{
	char buf[600];

	if (set == TP_CHECKS_PRE) {
		if (idx < pb->nmin_free) {
			snprintf(buf, sizeof(buf), "free space on %s",
				 pb->min_free[idx].path);
			return strdup(buf);
		}
		idx -= pb->nmin_free;
		if (idx < pb->npre_services) {
			snprintf(buf, sizeof(buf), "service %s",
				 pb->pre_services[idx]);
			return strdup(buf);
		}
		idx -= pb->npre_services;
		snprintf(buf, sizeof(buf), "command %.500s",
			 pb->pre_commands[idx]);
		return strdup(buf);
	}
	if (idx < pb->nverify_services) {
		snprintf(buf, sizeof(buf), "service %s", pb->verify_services[idx]);
		return strdup(buf);
	}
	idx -= pb->nverify_services;
	if (idx < pb->nverify_ports) {
		snprintf(buf, sizeof(buf), "port %d", pb->verify_ports[idx]);
		return strdup(buf);
	}
	idx -= pb->nverify_ports;
	if (idx < pb->nverify_http) {
		snprintf(buf, sizeof(buf), "http %s", pb->verify_http[idx].url);
		return strdup(buf);
	}
	idx -= pb->nverify_http;
	snprintf(buf, sizeof(buf), "command %.500s", pb->verify_commands[idx]);
	return strdup(buf);
}

void tp_check_list_release(struct tp_check_list *l)
{
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		free(l->items[i].what);
		free(l->items[i].detail);
	}
	if (l) {
		free(l->items);
		l->items = NULL;
		l->n = 0;
	}
}

/*
 * One "tp-check N ok|fail detail" line, N == want. Anything else the
 * host printed (a command's own stray output cannot reach stdout: it is
 * captured) is an error.
 */
static int parse_line(const char *p, size_t n, size_t want, bool *ok,
		      char **detail, struct tp_err *err)
{
	const char *end = p + n, *q;
	size_t idx = 0, digits = 0;

	if (n < 9 || memcmp(p, "tp-check ", 9))
		return tp_err_set(err, TP_EPARSE, "check %zu: unexpected line "
				  "from the host", want);
	for (q = p + 9; q < end && *q >= '0' && *q <= '9' && digits < 6;
	     q++, digits++)
		idx = idx * 10 + (size_t)(*q - '0');
	if (!digits || q >= end || *q != ' ' || idx != want)
		return tp_err_set(err, TP_EPARSE, "check %zu: its report is "
				  "missing or out of order", want);
	q++;
	if (end - q >= 2 && !memcmp(q, "ok", 2) && (end - q == 2 || q[2] == ' ')) {
		*ok = true;
		q += 2;
	} else if (end - q >= 4 && !memcmp(q, "fail", 4) &&
		   (end - q == 4 || q[4] == ' ')) {
		*ok = false;
		q += 4;
	} else {
		return tp_err_set(err, TP_EPARSE, "check %zu: neither ok nor "
				  "fail", want);
	}
	if (q < end)
		q++;
	n = (size_t)(end - q);
	if (n > DETAIL_MAX)
		n = DETAIL_MAX;
	if (!(*detail = malloc(n + 1)))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	memcpy(*detail, q, n);
	(*detail)[n] = '\0';
	for (char *c = *detail; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return 0;
}

int tp_checks_parse(struct tp_check_list *out, const struct tp_playbook *pb,
		    enum tp_check_set set, const char *data, size_t len,
		    struct tp_err *err)
{
	size_t want = tp_checks_count(pb, set), i = 0, pos = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!want)
		return 0;
	if (!(out->items = calloc(want, sizeof(*out->items))))
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	while (i < want && pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) : len - pos;
		struct tp_check *c = &out->items[i];

		if (memchr(data + pos, '\0', n)) {
			rc = tp_err_set(err, TP_EPARSE, "check %zu: NUL byte "
					"in the host's report", i);
			break;
		}
		if ((rc = parse_line(data + pos, n, i, &c->ok, &c->detail, err)))
			break;
		if (!(c->what = describe(pb, set, i))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			break;
		}
		out->n = ++i;
		pos += n + (nl ? 1 : 0);
	}
	if (!rc && i < want)
		rc = tp_err_set(err, TP_EPARSE, "the host reported %zu of %zu "
				"checks", i, want);
	if (!rc && pos < len)
		rc = tp_err_set(err, TP_EPARSE, "the host reported more than "
				"its %zu checks", want);
	if (rc)
		tp_check_list_release(out);
	return rc;
}

bool tp_checks_passed(const struct tp_check_list *l, size_t *first)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->items[i].ok) {
			if (first)
				*first = i;
			return false;
		}
	return true;
}
