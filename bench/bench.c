/*
 * bench.c - how fast and how small a scan is.
 *
 *   parse   the apt parsers on real captured output (tests/fixtures/apt),
 *           in-process, many rounds: CPU time per parse
 *   scan    the real binary, `tidepatch scan --format json -o /dev/null`
 *           on this machine, several runs: wall time, CPU (user + system
 *           of tidepatch and the apt/dpkg commands it ran) and the peak
 *           RSS of the largest of those processes (apt-get, in practice)
 *   advisory  4000 synthetic OSV records (half naming source packages the
 *           host has, half not) loaded from one file, then matched
 *           against the real installed list of tests/fixtures/apt:
 *           load time, and match time per host
 *
 * Figures, never pass/fail: targets are judged by people reading them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "tidepatch/advisory.h"
#include "tidepatch/pkg.h"
#include "tidepatch/pkg_apt.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		exit(1);
	}
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

static void bench_parse(const char *fixtures)
{
	char path[4096];
	size_t ilen, ulen, i, npkgs = 0, nups = 0;
	char *inst, *upd;
	const int rounds = 200;
	double t0, t1;

	snprintf(path, sizeof(path), "%s/apt/debian12-host-installed.txt",
		 fixtures);
	inst = slurp(path, &ilen);
	snprintf(path, sizeof(path), "%s/apt/debian12-host-updates.txt",
		 fixtures);
	upd = slurp(path, &ulen);

	t0 = now_s();
	for (i = 0; i < (size_t)rounds; i++) {
		struct tp_pkg_list l = { 0 };
		struct tp_err err;

		if (tp_apt_parse_installed(&l, inst, ilen, &err)) {
			fprintf(stderr, "parse installed: %s\n", err.msg);
			exit(1);
		}
		npkgs = l.n;
		tp_pkg_list_release(&l);
	}
	t1 = now_s();
	printf("parse installed  %5zu packages %7.1f KiB  %8.3f ms/parse  %6.1f MiB/s\n",
	       npkgs, (double)ilen / 1024, (t1 - t0) * 1000 / rounds,
	       (double)ilen * rounds / (t1 - t0) / (1 << 20));

	t0 = now_s();
	for (i = 0; i < (size_t)rounds; i++) {
		struct tp_update_list l = { 0 };
		struct tp_err err;

		if (tp_apt_parse_updates(&l, upd, ulen, &err)) {
			fprintf(stderr, "parse updates: %s\n", err.msg);
			exit(1);
		}
		nups = l.n;
		tp_update_list_release(&l);
	}
	t1 = now_s();
	printf("parse updates    %5zu updates  %7.1f KiB  %8.3f ms/parse  %6.1f MiB/s\n",
	       nups, (double)ulen / 1024, (t1 - t0) * 1000 / rounds,
	       (double)ulen * rounds / (t1 - t0) / (1 << 20));
	free(inst);
	free(upd);
}

static void bench_advisory(const char *fixtures)
{
	const size_t nrec = 4000;
	const int rounds = 200;
	char path[4096], tmp[] = "/tmp/tp-bench-osv-XXXXXX", id[64], ver[64];
	struct tp_pkg_list inst = { 0 };
	struct tp_advisory_db *db = NULL;
	struct tp_inv_problems pr;
	struct tp_err err = { 0 };
	size_t ilen, i, nfind = 0;
	json_t *arr = json_array();
	double t0, t1, t2;
	char *data;
	int fd, r;

	snprintf(path, sizeof(path), "%s/apt/debian12-host-installed.txt",
		 fixtures);
	data = slurp(path, &ilen);
	if (tp_apt_parse_installed(&inst, data, ilen, &err) || !inst.n) {
		fprintf(stderr, "parse installed: %s\n", err.msg);
		exit(1);
	}
	free(data);
	/* Record i names the source of installed package i (fixed just above
	 * or below what is installed) when i is even, a package the host
	 * does not have when odd. */
	for (i = 0; i < nrec; i++) {
		const struct tp_pkg *p = &inst.items[(i / 2) % inst.n];
		json_t *rec;

		snprintf(id, sizeof(id), "BENCH-%05zu", i);
		if (i % 2 == 0)
			snprintf(ver, sizeof(ver), "%s%s", p->source_version,
				 i % 4 ? "+b1" : "");
		else
			snprintf(ver, sizeof(ver), "1.%zu-1", i);
		rec = json_pack("{s:s, s:s, s:s, s:[{s:{s:s, s:s}, s:[{s:s, "
				"s:[{s:s}, {s:s}]}]}], s:[s]}",
				"id", id, "modified", "2026-01-01T00:00:00Z",
				"summary", "Important: synthetic",
				"affected", "package", "ecosystem", "Debian:12",
				"name", i % 2 ? "not-installed" : p->source,
				"ranges", "type", "ECOSYSTEM", "events",
				"introduced", "0", "fixed", ver, "aliases",
				"CVE-2026-0001");
		if (!rec || json_array_append_new(arr, rec)) {
			fprintf(stderr, "json_pack failed\n");
			exit(1);
		}
	}
	if ((fd = mkstemp(tmp)) < 0 || json_dumpfd(arr, fd, 0)) {
		perror(tmp);
		exit(1);
	}
	close(fd);
	json_decref(arr);

	tp_inv_problems_init(&pr);
	t0 = now_s();
	if (tp_advisory_db_new(&db, &err) ||
	    tp_advisory_db_load(db, tmp, &pr, &err) || pr.n) {
		fprintf(stderr, "advisory load: %s (%zu problems)\n", err.msg,
			pr.n);
		exit(1);
	}
	t1 = now_s();
	for (r = 0; r < rounds; r++) {
		struct tp_finding_list l = { 0 };

		if (tp_advisory_match(&l, db, "Debian:12", &inst, &err)) {
			fprintf(stderr, "advisory match: %s\n", err.msg);
			exit(1);
		}
		nfind = l.n;
		tp_finding_list_release(&l);
	}
	t2 = now_s();
	printf("advisory load    %5zu records  %8.3f ms/load   match %zu packages "
	       "-> %zu findings %8.3f ms/host\n",
	       tp_advisory_db_count(db), (t1 - t0) * 1000, inst.n, nfind,
	       (t2 - t1) * 1000 / rounds);
	unlink(tmp);
	tp_inv_problems_release(&pr);
	tp_advisory_db_free(db);
	tp_pkg_list_release(&inst);
}

static void bench_scan(const char *bin, int runs)
{
	double wall_min = 1e9, wall_sum = 0, cpu_sum = 0;
	long rss_max = 0;
	int i;

	for (i = 0; i < runs; i++) {
		struct rusage ru;
		int status;
		double t0 = now_s(), cpu;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			execl(bin, bin, "scan", "--format", "json", "-o",
			      "/dev/null", (char *)NULL);
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			fprintf(stderr, "scan run %d failed\n", i);
			exit(1);
		}
		/* wait4's usage covers tidepatch and every descendant it
		 * reaped (apt-get, dpkg-query): the whole cost on the host */
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		cpu_sum += cpu;
		if (ru.ru_maxrss > rss_max)
			rss_max = ru.ru_maxrss;
		t0 = now_s() - t0;
		wall_sum += t0;
		if (t0 < wall_min)
			wall_min = t0;
	}
	printf("scan local       %d runs  wall min %.3f s  mean %.3f s  "
	       "CPU incl. apt/dpkg %.1f ms/scan  peak RSS of largest process %.1f MiB\n", runs,
	       wall_min, wall_sum / runs, cpu_sum * 1000 / runs,
	       (double)rss_max / 1024);
}

/*
 * `bench cmd LABEL HOSTS RUNS -- ARGV...`: run ARGV RUNS times; report the
 * best wall time and, per host, the CPU of the command and everything it
 * reaped (for parallel-ssh: its ssh processes), and the peak RSS of the
 * largest of those processes. Used by bench/fleet.sh.
 */
static int bench_cmd(int argc, char **argv)
{
	const char *label = argv[2];
	double hosts = atof(argv[3]), best = 1e9, cpu_best = 0;
	int runs = atoi(argv[4]), i, last_exit = 0;
	long rss = 0;

	if (argc < 7 || strcmp(argv[5], "--") || hosts <= 0 || runs <= 0) {
		fprintf(stderr, "usage: bench cmd LABEL HOSTS RUNS -- ARGV...\n");
		return 2;
	}
	for (i = 0; i < runs; i++) {
		struct rusage ru;
		double t0 = now_s(), wall, cpu;
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[6], argv + 6);
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) < 0)
			return 1;
		wall = now_s() - t0;
		cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
			fprintf(stderr, "%s: could not run %s\n", label, argv[6]);
			return 1;
		}
		last_exit = WEXITSTATUS(status);
		if (wall < best) {
			best = wall;
			cpu_best = cpu;
		}
		if (ru.ru_maxrss > rss)
			rss = ru.ru_maxrss;
	}
	/* the exit status shows a fast failure is not a fast success */
	printf("%-22s wall %6.2f s  CPU %7.2f ms/host  peak RSS %6.1f MiB  exit %d\n",
	       label, best, cpu_best * 1000 / hosts, (double)rss / 1024,
	       last_exit);
	return 0;
}

int main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
	const char *bin = argc > 2 ? argv[2] : "./tidepatch";

	if (argc > 1 && !strcmp(argv[1], "cmd"))
		return bench_cmd(argc, argv);

	bench_parse(fixtures);
	bench_advisory(fixtures);
	bench_scan(bin, 5);
	return 0;
}
