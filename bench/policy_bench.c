/*
 * policy_bench.c - how long policy_eval() takes with 1,000 rules.
 *
 * Builds a realistic policy of 1,000 rules (the built-in default plus
 * generated rules of every kind: credential denies under ~, workspace
 * trees, tool caches, `**` patterns, exec paths, names and argument
 * rules, host names, CIDRs, unix sockets), then times a mix of queries
 * that hit early rules, late rules and the default. The supervisor calls
 * policy_eval() on every trapped system call, so this is the figure that
 * matters: the target is a median of at most 1 microsecond per decision.
 *
 * Method: pinned to one CPU; for each query, R runs of a batch of N calls
 * (time of the batch / N), after a warm-up; the figure printed is the
 * median over all runs of all queries, with per-query medians.
 *
 * Build and run (from the top of the tree): `make bench` runs it with the
 * other benchmarks; alone:
 *   make && make -C bench ../build/bench/policy_bench &&
 *   build/bench/policy_bench
 * Options: policy_bench [RULES] (default 1000). Figures, never pass/fail.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "policy_buf.h"
#include "policy_lex.h"
#include "policy_query.h"

#define BENCH_RUNS 101
#define BENCH_BATCH 2000

static char *const bench_environ[] = { "HOME=/home/dev", NULL };
static const struct policy_vars bench_vars = {
	.home = "/home/dev", .cwd = "/home/dev/src/project",
	.environ = bench_environ,
};

static const char *const bench_queries[] = {
	"read /usr/lib/x86_64-linux-gnu/libc.so.6",
	"read /etc/ld.so.cache",
	"read /home/dev/src/project/src/engine/main.c",
	"read /home/dev/.ssh/id_ed25519",
	"read /home/dev/src/project/.env",
	"read /home/dev/.config/tool42/settings.json",
	"read /proc/self/status",
	"write /home/dev/src/project/build/obj/engine/main.o",
	"write /tmp/cc3xYz.s",
	"write /home/dev/.cache/go-build/ab/abcdef-d",
	"write /home/dev/.bashrc",
	"write /etc/hosts",
	"exec /usr/bin/git status --short",
	"exec /usr/bin/git push origin main",
	"exec /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet main.c -o x.s",
	"exec /usr/bin/sudo apt-get install x",
	"exec /home/dev/src/project/build/app --test",
	"exec /usr/bin/rm -rf build",
	"exec /opt/vendor17/bin/tool17 --flag",
	"exec memfd:payload",
	"connect 127.0.0.1:5432",
	"connect 140.82.112.3:443",
	"connect host77.example.com:443",
	"connect api.svc12.internal:8080",
	"connect [2001:db8::1]:443",
	"connect unix:/run/docker.sock",
	"connect unix:/run/user/1000/bus",
};

/* Generated rules, added after the built-in default until n rules. */
static int bench_policy_text(struct policy_buf *b, size_t target,
			     size_t builtin_rules)
{
	size_t i, n = builtin_rules;
	int ret = policy_buf_adds(b, "include builtin:default.policy\n");

	for (i = 0; n < target && ret == 0; i++, n++) {
		size_t k = i / 16;

		switch (i % 16) {
		case 0:
			ret = policy_buf_addf(b, "deny read,write "
					      "~/.config/tool%zu/**\n", k);
			break;
		case 1:
			ret = policy_buf_addf(b, "allow write "
					      "${CWD}/pkg%zu/**\n", k);
			break;
		case 2:
			ret = policy_buf_addf(b, "allow read "
					      "/usr/share/app%zu/*.dat\n", k);
			break;
		case 3:
			ret = policy_buf_addf(b, "allow write "
					      "~/.cache/tool%zu/** "
					      "~/.local/state/tool%zu/**\n",
					      k, k);
			break;
		case 4:
			ret = policy_buf_addf(b, "ask read /srv/data%zu/"
					      "{raw,clean}/**/*.csv\n", k);
			break;
		case 5:
			/* Patterns that apply at any depth (a few). */
			ret = k % 4 == 0 ?
			      policy_buf_addf(b, "deny read **/secret%zu"
					      ".{pem,key}\n", k) :
			      policy_buf_addf(b, "deny write "
					      "/var/lib/svc%zu/**\n", k);
			break;
		case 6:
			ret = policy_buf_addf(b, "allow exec "
					      "/opt/vendor%zu/bin/* *\n", k);
			break;
		case 7:
			ret = policy_buf_addf(b, "ask exec tool%zu *\n", k);
			break;
		case 8:
			ret = policy_buf_addf(b, "ask exec git subcmd%zu *\n",
					      k);
			break;
		case 9:
			ret = policy_buf_addf(b, "deny exec "
					      "/usr/bin/python3* -m "
					      "evil%zu *\n", k);
			break;
		case 10:
			ret = policy_buf_addf(b, "allow connect "
					      "host%zu.example.com:443\n", k);
			break;
		case 11:
			ret = policy_buf_addf(b, "allow connect "
					      "*.svc%zu.internal:*\n", k);
			break;
		case 12:
			ret = policy_buf_addf(b, "deny connect "
					      "10.%zu.0.0/16:*\n", k % 256);
			break;
		case 13:
			ret = policy_buf_addf(b, "allow connect "
					      "[fd%02zx::/16]:8000-8099\n",
					      k % 256);
			break;
		case 14:
			ret = policy_buf_addf(b, "deny connect "
					      "unix:/run/svc%zu/*.sock\n", k);
			break;
		default:
			ret = policy_buf_addf(b, "allow read,write "
					      "/dev/shm/app%zu-*\n", k);
			break;
		}
	}
	return ret;
}

static uint64_t bench_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench_diag(void *ctx, enum policy_diag_severity sev,
		       const char *file, unsigned line, unsigned col,
		       const char *msg)
{
	(void)ctx;
	/* Warnings (rules generated twice at large sizes) do not matter. */
	if (sev == POLICY_DIAG_ERROR)
		fprintf(stderr, "%s:%u:%u: error: %s\n", file, line, col,
			msg);
}

int main(int argc, char **argv)
{
	const size_t nq = sizeof(bench_queries) / sizeof(bench_queries[0]);
	size_t target = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	static double all[sizeof(bench_queries) / sizeof(bench_queries[0]) *
			  BENCH_RUNS];
	static struct policy_qtext qt[sizeof(bench_queries) /
				      sizeof(bench_queries[0])];
	volatile unsigned sink = 0;
	struct policy *base = NULL, *p = NULL;
	struct policy_buf text;
	cpu_set_t cpus;
	size_t q, r, k;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		perror("sched_setaffinity (continuing unpinned)");
	if (policy_new(&base, &bench_vars) < 0 ||
	    policy_add_builtin(base, bench_diag, NULL) < 0)
		return 2;
	policy_buf_init(&text);
	if (bench_policy_text(&text, target, policy_rule_count(base)) < 0 ||
	    policy_new(&p, &bench_vars) < 0 ||
	    policy_add_text(p, "bench", text.p, text.len, bench_diag,
			    NULL) < 0 ||
	    policy_finish(p, bench_diag, NULL) < 0) {
		fprintf(stderr, "policy_bench: the policy does not load\n");
		return 2;
	}
	policy_free(base);
	for (q = 0; q < nq; q++) {
		const char *words[32];
		size_t lens[32], n, bad;
		struct policy_lex lx;
		struct policy_err err;

		policy_lex_init(&lx);
		if (policy_lex_line(&lx, bench_queries[q],
				    strlen(bench_queries[q]), &err) < 0)
			return 2;
		for (n = 1; n < lx.n && n <= 32; n++) {
			words[n - 1] = lx.w[n].s;
			lens[n - 1] = lx.w[n].len;
		}
		policy_qtext_init(&qt[q]);
		if (policy_qtext_parse(&qt[q], &bench_vars, lx.w[0].s, words,
				       lens, n - 1, &bad, &err) < 0) {
			fprintf(stderr, "bad query '%s': %s\n",
				bench_queries[q], err.msg);
			return 2;
		}
		policy_lex_release(&lx);
	}
	printf("policy_bench: %zu rules, %zu queries, %d runs of %d calls "
	       "each, pinned to CPU 0\n\n", policy_rule_count(p), nq,
	       BENCH_RUNS, BENCH_BATCH);
	printf("%9s  %-5s  %s\n", "median", "", "query (deciding rule)");
	for (q = 0; q < nq; q++) {
		double runs[BENCH_RUNS];
		struct policy_result res;
		char loc[256];

		for (k = 0; k < BENCH_BATCH; k++) {
			policy_eval(p, &qt[q].q, &res);
			sink += res.decision;
		}
		for (r = 0; r < BENCH_RUNS; r++) {
			uint64_t t0 = bench_ns();

			for (k = 0; k < BENCH_BATCH; k++) {
				policy_eval(p, &qt[q].q, &res);
				sink += res.decision;
			}
			runs[r] = (double)(bench_ns() - t0) / BENCH_BATCH;
			all[q * BENCH_RUNS + r] = runs[r];
		}
		qsort(runs, BENCH_RUNS, sizeof(runs[0]), bench_cmp);
		policy_rule_location(res.rule, loc, sizeof(loc));
		printf("%6.0f ns  %-5s  %s  (%s)\n", runs[BENCH_RUNS / 2],
		       policy_decision_name(res.decision), bench_queries[q],
		       loc);
	}
	qsort(all, nq * BENCH_RUNS, sizeof(all[0]), bench_cmp);
	printf("\nmedian decision time: %.0f ns (p90 %.0f ns, max of runs "
	       "%.0f ns) over %zu runs; %zu rules\n",
	       all[nq * BENCH_RUNS / 2], all[nq * BENCH_RUNS * 9 / 10],
	       all[nq * BENCH_RUNS - 1], nq * BENCH_RUNS,
	       policy_rule_count(p));
	for (q = 0; q < nq; q++)
		policy_qtext_release(&qt[q]);
	policy_buf_release(&text);
	policy_free(p);
	return sink == 0xffffffffu;
}
