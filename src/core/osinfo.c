/*
 * osinfo.c - os-release parsing, OSV ecosystem and package manager.
 *
 * os-release is shell-compatible variable assignments. We implement the
 * subset os-release(5) allows (no expansion, no command substitution)
 * and reject anything else with the line number, since the file comes
 * from a remote host and feeds names into reports and advisory matching.
 *
 * The OSV ecosystem strings follow the OSV schema's ecosystem list:
 * "Debian:12", "Ubuntu:22.04:LTS", "AlmaLinux:9", "Rocky Linux:9",
 * "Alpine:v3.19".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidepatch/buf.h"
#include "tidepatch/osinfo.h"

/* Longest value kept; os-release values are short. */
#define VALUE_MAX 1024

void tp_osinfo_release(struct tp_osinfo *os)
{
	if (!os)
		return;
	free(os->id);
	free(os->id_like);
	free(os->name);
	free(os->version_id);
	free(os->version);
	free(os->codename);
	free(os->pretty_name);
	free(os->ecosystem);
	memset(os, 0, sizeof(*os));
}

static bool is_key_char(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !first && c >= '0' && c <= '9';
}

/*
 * Unquote the value part of one line into out. Rules: '...' literal;
 * "..." with \ escaping $ " \ ` (other \x kept as is, like sh); unquoted
 * text with \ escapes; quoted and unquoted parts may be concatenated.
 * Unquoted whitespace ends the value; only a comment may follow it.
 */
static int unquote(char *out, const char *p, const char *end, size_t lineno,
		   struct tp_err *err)
{
	size_t n = 0;
	char q = 0;

	for (; p < end; p++) {
		char c = *p;

		if ((unsigned char)c < 0x20 && c != '\t')
			return tp_err_set(err, TP_EPARSE,
					  "line %zu: control character in value",
					  lineno);
		if (q == '\'') {
			if (c == '\'') {
				q = 0;
				continue;
			}
		} else if (q == '"') {
			if (c == '"') {
				q = 0;
				continue;
			}
			if (c == '\\' && p + 1 < end &&
			    strchr("$\"\\`", p[1]))
				c = *++p;
			else if (c == '$' || c == '`')
				return tp_err_set(err, TP_EPARSE,
						  "line %zu: expansion in value",
						  lineno);
		} else {
			if (c == '\'' || c == '"') {
				q = c;
				continue;
			}
			if (c == ' ' || c == '\t') {
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				if (p < end && *p != '#')
					return tp_err_set(err, TP_EPARSE,
							  "line %zu: text after value",
							  lineno);
				break;
			}
			if (c == '\\' && p + 1 < end)
				c = *++p;
			else if (c == '$' || c == '`' || c == ';' || c == '|' ||
				 c == '&' || c == '<' || c == '>' ||
				 c == '(' || c == ')')
				return tp_err_set(err, TP_EPARSE,
						  "line %zu: shell syntax in value",
						  lineno);
		}
		if (n + 1 >= VALUE_MAX)
			return tp_err_set(err, TP_ETOOBIG,
					  "line %zu: value longer than %d bytes",
					  lineno, VALUE_MAX - 1);
		out[n++] = c;
	}
	if (q)
		return tp_err_set(err, TP_EPARSE, "line %zu: unterminated %c quote",
				  lineno, q);
	out[n] = '\0';
	return 0;
}

static char **field_for(struct tp_osinfo *os, const char *key, size_t klen,
			char **ubuntu_codename)
{
	static const struct {
		const char *key;
		size_t off;
	} map[] = {
		{ "ID", offsetof(struct tp_osinfo, id) },
		{ "ID_LIKE", offsetof(struct tp_osinfo, id_like) },
		{ "NAME", offsetof(struct tp_osinfo, name) },
		{ "VERSION_ID", offsetof(struct tp_osinfo, version_id) },
		{ "VERSION", offsetof(struct tp_osinfo, version) },
		{ "VERSION_CODENAME", offsetof(struct tp_osinfo, codename) },
		{ "PRETTY_NAME", offsetof(struct tp_osinfo, pretty_name) },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].key) == klen && !memcmp(map[i].key, key, klen))
			return (char **)((char *)os + map[i].off);
	if (klen == 15 && !memcmp(key, "UBUNTU_CODENAME", 15))
		return ubuntu_codename;
	return NULL;
}

/* Is word one of the space-separated words in list? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, " ");

		if (n == wl && !memcmp(p, word, wl))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

static bool os_is(const struct tp_osinfo *os, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(os->id, *names) ||
		    (os->id_like && has_word(os->id_like, *names)))
			return true;
	return false;
}

static const char *pick_pkg_manager(const struct tp_osinfo *os)
{
	static const char *const deb[] = { "debian", "ubuntu", NULL };
	static const char *const rpm[] = { "rhel", "fedora", "centos",
					   "almalinux", "rocky", NULL };
	static const char *const suse[] = { "suse", "opensuse", "sles",
					    NULL };
	static const char *const alpine[] = { "alpine", NULL };

	if (os_is(os, deb))
		return "apt";
	if (os_is(os, rpm))
		return "dnf";
	if (os_is(os, suse))
		return "zypper";
	if (os_is(os, alpine))
		return "apk";
	return NULL;
}

/* The first n dot-separated components of v ("9.3" -> "9" for n = 1). */
static size_t version_prefix(const char *v, int n)
{
	size_t i = 0;

	for (; v[i]; i++)
		if (v[i] == '.' && --n == 0)
			break;
	return i;
}

static int make_ecosystem(struct tp_osinfo *os, struct tp_err *err)
{
	const char *v = os->version_id;
	char buf[256];
	int n = -1;

	if (!v || !*v)
		return 0;
	if (!strcmp(os->id, "debian"))
		n = snprintf(buf, sizeof(buf), "Debian:%.*s",
			     (int)version_prefix(v, 1), v);
	else if (!strcmp(os->id, "ubuntu"))
		n = snprintf(buf, sizeof(buf), "Ubuntu:%s%s", v,
			     os->version && strstr(os->version, "LTS") ?
				     ":LTS" : "");
	else if (!strcmp(os->id, "almalinux"))
		n = snprintf(buf, sizeof(buf), "AlmaLinux:%.*s",
			     (int)version_prefix(v, 1), v);
	else if (!strcmp(os->id, "rocky"))
		n = snprintf(buf, sizeof(buf), "Rocky Linux:%.*s",
			     (int)version_prefix(v, 1), v);
	else if (!strcmp(os->id, "alpine"))
		n = snprintf(buf, sizeof(buf), "Alpine:v%.*s",
			     (int)version_prefix(v, 2), v);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	os->ecosystem = strdup(buf);
	if (!os->ecosystem)
		return tp_err_set(err, TP_ENOMEM, "out of memory");
	return 0;
}

int tp_osinfo_parse(struct tp_osinfo *out, const char *data, size_t len,
		    struct tp_err *err)
{
	struct tp_osinfo os;
	struct tp_lines it;
	const char *line;
	char *ubuntu_codename = NULL;
	char value[VALUE_MAX];
	size_t n;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&os, 0, sizeof(os));
	if (len > TP_OSRELEASE_MAX)
		return tp_err_set(err, TP_ETOOBIG,
				  "os-release larger than %d bytes",
				  TP_OSRELEASE_MAX);
	tp_lines_init(&it, data, len);
	while (tp_lines_next(&it, &line, &n)) {
		const char *p = line, *end = line + n, *eq;
		char **slot;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end || *p == '#')
			continue;
		if (!is_key_char(*p, true)) {
			rc = tp_err_set(err, TP_EPARSE,
					"line %zu: expected KEY=value",
					it.lineno);
			goto out;
		}
		eq = p;
		while (eq < end && is_key_char(*eq, false))
			eq++;
		if (eq == end || *eq != '=') {
			rc = tp_err_set(err, TP_EPARSE,
					"line %zu: expected KEY=value",
					it.lineno);
			goto out;
		}
		if ((rc = unquote(value, eq + 1, end, it.lineno, err)))
			goto out;
		slot = field_for(&os, p, (size_t)(eq - p), &ubuntu_codename);
		if (!slot)
			continue;
		free(*slot);
		if (!(*slot = strdup(value))) {
			rc = tp_err_set(err, TP_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!os.codename && ubuntu_codename) {
		os.codename = ubuntu_codename;
		ubuntu_codename = NULL; /* ownership moved */
	}
	if (!os.id && !(os.id = strdup("linux"))) {
		rc = tp_err_set(err, TP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = make_ecosystem(&os, err)))
		goto out;
	os.pkg_manager = pick_pkg_manager(&os);
	*out = os;
	memset(&os, 0, sizeof(os)); /* ownership moved */
out:
	free(ubuntu_codename);
	tp_osinfo_release(&os);
	return rc;
}
