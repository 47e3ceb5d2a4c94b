/*
 * e2e.c - helpers for the end-to-end tests.
 *
 * Commands run through the project's own local transport (deadline and
 * output cap included), so a hung binary fails the test instead of
 * hanging CI.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e.h"
#include "tidepatch/quote.h"

static struct tp_transport *local(void)
{
	static struct tp_transport *t;
	struct tp_err err;

	if (!t)
		cr_assert_eq(tp_transport_local_open(&t, NULL, &err), 0, "%s",
			     err.msg);
	return t;
}

static void run(struct tp_cmd_result *res, const char *cmdline)
{
	struct tp_run_opts o;
	struct tp_err err;

	tp_run_opts_init(&o);
	o.timeout_ms = 300 * 1000;
	o.out_max = (size_t)64 << 20;
	tp_cmd_result_init(res);
	cr_assert_eq(tp_transport_run(local(), cmdline, &o, res, &err), 0,
		     "%s: %s", cmdline, err.msg);
}

int e2e_tidepatch(struct tp_cmd_result *res, const char *env,
		  const char *const *argv)
{
	const char *bin = getenv("TP_BIN");
	struct tp_buf cmd;
	struct tp_err err;
	size_t n = 0;

	cr_assert_not_null(bin, "TP_BIN is not set (run through make check-e2e)");
	tp_buf_init(&cmd, 1 << 16);
	if (env)
		cr_assert_eq(tp_buf_printf(&cmd, &err, "%s ", env), 0);
	cr_assert_eq(tp_shell_quote(&cmd, bin, &err), 0);
	while (argv[n])
		n++;
	if (n) {
		cr_assert_eq(tp_buf_puts(&cmd, " ", &err), 0);
		cr_assert_eq(tp_shell_quote_argv(&cmd, argv, n, &err), 0);
	}
	run(res, cmd.data);
	tp_buf_release(&cmd);
	return res->exit_status;
}

void e2e_sh(struct tp_cmd_result *res, const char *cmdline)
{
	run(res, cmdline);
}

json_t *e2e_json(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text ? text : "", 0, &jerr);

	cr_assert_not_null(j, "invalid JSON at line %d: %s", jerr.line,
			   jerr.text);
	return j;
}

const char *e2e_base_image(void)
{
	const char *p = getenv("TP_BASE_IMAGE");

	cr_assert(p && *p, "TP_BASE_IMAGE is not set (run through make check-e2e)");
	return p;
}

/* Copy the text between *p and the first of stop into dst. */
static const char *take(const char *p, const char *stop, char *dst,
			size_t size)
{
	size_t n = strcspn(p, stop);

	cr_assert_lt(n, size, "field too long in: %.80s", p);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return p + n;
}

/*
 * Inst libssl3 [3.0.20-1~deb12u2] (3.0.22-1~deb12u2 Debian-Security:12/stable-security [amd64])
 */
size_t e2e_parse_inst(const char *text, struct e2e_inst *out, size_t max)
{
	const char *line = text;
	size_t count = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		const char *p = line;

		if (!strncmp(p, "Inst ", 5) && count < max) {
			struct e2e_inst *e = &out[count];
			const char *close;
			char origins[1024];

			memset(e, 0, sizeof(*e));
			p = take(p + 5, " \n", e->name, sizeof(e->name));
			if (!strncmp(p, " [", 2))
				p = take(p + 2, "]", e->installed,
					 sizeof(e->installed)) + 1;
			cr_assert(!strncmp(p, " (", 2), "no '(' in %.120s", line);
			p = take(p + 2, " ", e->candidate, sizeof(e->candidate));
			close = strstr(p, " [");
			cr_assert_not_null(close, "no arch in %.120s", line);
			cr_assert_lt((size_t)(close - p), sizeof(origins));
			memcpy(origins, p, (size_t)(close - p));
			origins[close - p] = '\0';
			e->security = strstr(origins, "-security") != NULL;
			take(close + 2, "]", e->arch, sizeof(e->arch));
		}
		if (!strncmp(line, "Inst ", 5))
			count++;
		line = eol ? eol + 1 : NULL;
	}
	return count;
}

static char overlay_top[64];
static char overlay_root[128];

void e2e_overlay_up(char *merged, size_t size)
{
	char opts[1024], dir[192];

	snprintf(overlay_top, sizeof(overlay_top), "/tmp/tp-ovl-XXXXXX");
	cr_assert_not_null(mkdtemp(overlay_top));
	snprintf(dir, sizeof(dir), "%s/upper", overlay_top);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/work", overlay_top);
	cr_assert_eq(mkdir(dir, 0755), 0);
	snprintf(overlay_root, sizeof(overlay_root), "%s/root", overlay_top);
	cr_assert_eq(mkdir(overlay_root, 0755), 0);
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		 e2e_base_image(), overlay_top, overlay_top);
	cr_assert_eq(mount("overlay", overlay_root, "overlay", 0, opts), 0,
		     "mount overlay on %s (e2e tests need root)", overlay_root);
	cr_assert_lt(strlen(overlay_root), size);
	strcpy(merged, overlay_root);
}

void e2e_overlay_down(void)
{
	struct tp_cmd_result r;
	char cmd[256];

	if (!overlay_root[0])
		return;
	/* Lazy unmount first: rm must never walk into the image itself. */
	umount2(overlay_root, MNT_DETACH);
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", overlay_top);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
	overlay_root[0] = '\0';
}

void e2e_fleet_up(char *dir, size_t size, int nhosts)
{
	struct tp_cmd_result r;
	char cmd[512];

	snprintf(dir, size, "/tmp/tp-fleet-e2e-%ld", (long)getpid());
	/* make check runs the suite from the top of the tree */
	snprintf(cmd, sizeof(cmd),
		 "sh tests/fleet/fleet.sh up %s --hosts %d --special 2>&1",
		 dir, nhosts);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "fleet up failed: %s", r.out.data);
	tp_cmd_result_release(&r);
}

void e2e_fleet_down(const char *dir)
{
	struct tp_cmd_result r;
	char cmd[512];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "sh tests/fleet/fleet.sh down %s 2>&1", dir);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
}

void e2e_aptrepo_build(char *repo, size_t size)
{
	struct tp_cmd_result r;
	char cmd[512];

	snprintf(repo, size, "/tmp/tp-aptrepo-e2e-%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd), "sh tests/fleet/aptrepo.sh build %s 2>&1",
		 repo);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "aptrepo build failed: %s", r.out.data);
	tp_cmd_result_release(&r);
}

void e2e_aptrepo_remove(const char *repo)
{
	struct tp_cmd_result r;
	char cmd[512];

	if (!repo[0])
		return;
	/* --one-file-system: never through a host's bind of it */
	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", repo);
	e2e_sh(&r, cmd);
	tp_cmd_result_release(&r);
}

void e2e_fleet_up_repo(char *dir, size_t size, int nhosts, const char *repo)
{
	struct tp_cmd_result r;
	char cmd[512];

	snprintf(dir, size, "/tmp/tp-fleet-e2e-%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd),
		 "sh tests/fleet/fleet.sh up %s --hosts %d --repo %s 2>&1",
		 dir, nhosts, repo);
	e2e_sh(&r, cmd);
	cr_assert_eq(r.exit_status, 0, "fleet up failed: %s", r.out.data);
	tp_cmd_result_release(&r);
}
